"""Modeling artifacts built on the app and the cost rules.

``costs`` (what a pattern costs: throughput at 5/5, on-demand money, dated prices),
``pattern_costs`` (every script and pattern run once, recorded, on a ``scratch`` copy of the
table), ``request_words`` (a request in words), ``catalogue`` (the access-pattern catalogue),
``view_reads`` (what the index and the item collections hold, read from the engine),
``design_comparison`` with ``alternatives`` (other designs, measured side by side),
``exports`` of the model, and the capacity plan (``per_call`` figures measured on the engine,
``capacity_plan`` arithmetic, ``plan_report`` and ``plan_figure`` to show it).
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "alternatives",
    "capacity_plan",
    "catalogue",
    "costs",
    "design_comparison",
    "exports",
    "figure",
    "pattern_costs",
    "per_call",
    "plan_figure",
    "plan_report",
    "request_words",
    "scratch",
    "view_reads",
]
