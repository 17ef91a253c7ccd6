"""Modeling artifacts built on the app and the cost rules.

``costs`` (what a pattern costs: throughput at 5/5, on-demand money, dated prices), ``runs``
(every script and pattern run once, recorded, on a ``scratch`` copy of the table),
``describe`` (a request in words), ``catalogue`` (the access-pattern catalogue); index
views and exports of the model join them.
"""
