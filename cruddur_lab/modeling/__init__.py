"""Modeling artifacts built on the app and the cost rules.

``costs`` (what a pattern costs: throughput at 5/5, on-demand money, dated prices), ``runs``
(every script and pattern run once, recorded, on a ``scratch`` copy of the table),
``request_words`` (a request in words), ``catalogue`` (the access-pattern catalogue),
``view_reads`` (what the index and the item collections hold, read from the engine),
``design_comparison`` with ``alternatives`` (other designs, measured side by side), and
``exports`` of the model.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "alternatives",
    "catalogue",
    "costs",
    "design_comparison",
    "exports",
    "figure",
    "request_words",
    "runs",
    "scratch",
    "view_reads",
]
