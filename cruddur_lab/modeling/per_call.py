"""Per-call figures for the capacity plan, read off what the catalogue measures.

The one place that depends on the measurement's shape (``pattern_costs.measure_patterns``' answer:
each pattern's ``cost`` and its recorded ``requests``); the plan itself
(``cruddur_lab.modeling.capacity_plan``) only sees ``PerCall``.

>>> figures = measure_per_call(lab)      # A-E on a freshly seeded scratch table
>>> figures["E"].index_wcu               # what one message's stream handler writes in the index
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.modeling.capacity_plan import PLANNED_PATTERNS, PerCall

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab


def per_call_figures(
    costs: Mapping[str, Any], patterns: tuple[str, ...] = PLANNED_PATTERNS
) -> dict[str, PerCall]:
    """``PerCall`` for each pattern of ``costs`` (``measure_patterns``' answer).

    The one place that reads the measurement's shape: units from each pattern's ``cost``,
    stored items from its write requests as sent (a put adds an item, in the index too when
    it carries the index's keys; a delete removes one; a delete and a put of one partition
    key in one request is a move and adds nothing).
    """
    from cruddur_lab.capacity import IndexSpec, item_size

    spec = model.create_table_spec()
    table_keys = [key["AttributeName"] for key in spec["KeySchema"]]
    indexes = [IndexSpec.from_description(i, table_keys) for i in spec["GlobalSecondaryIndexes"]]
    figures = {}
    for pattern in patterns:
        measured = costs[pattern]
        cost = measured.cost
        stored = [0, 0, 0, 0]
        for call in measured.requests:
            for item in _net_puts(call.operation, call.wire, stored):
                stored[0] += 1
                stored[1] += item_size(item)
                for index in indexes:
                    entry = index.entry(item)
                    if entry is not None:
                        stored[2] += 1
                        stored[3] += item_size(entry)
        figures[pattern] = PerCall(
            pattern,
            measured.title,
            measured.per,
            cost.rcu,
            cost.wcu,
            cost.index_rcu,
            cost.index_wcu,
            *stored,
        )
    return figures


def _net_puts(operation: str, wire: Mapping[str, Any], stored: list[int]) -> list[Any]:
    """Items a write request adds for good; a delete that is not part of a move takes one
    item away from ``stored`` (its size is not in the request; none of A-E sends one)."""
    puts: list[Any] = []
    deletes: list[Any] = []
    if operation == "PutItem":
        puts.append(wire["Item"])
    for action in wire.get("TransactItems", []):
        if "Put" in action:
            puts.append(action["Put"]["Item"])
        elif "Delete" in action:
            deletes.append(action["Delete"]["Key"])
    for requests in wire.get("RequestItems", {}).values() if operation == "BatchWriteItem" else ():
        for request in requests:
            if "PutRequest" in request:
                puts.append(request["PutRequest"]["Item"])
            else:
                deletes.append(request["DeleteRequest"]["Key"])
    if operation == "DeleteItem":
        deletes.append(wire["Key"])
    pk = model.PARTITION_KEY
    for key in deletes:
        moved = next((item for item in puts if item.get(pk) == key.get(pk)), None)
        if moved is not None:
            puts.remove(moved)
        else:
            stored[0] -= 1
    return puts


def measure_per_call(lab: Lab) -> dict[str, PerCall]:
    """Per-call figures measured on a freshly seeded scratch table (the learner's table is
    not read, so a fresh machine plans like any other). Off AWS only, like the catalogue."""
    from cruddur_lab.modeling.pattern_costs import measure_patterns
    from cruddur_lab.modeling.scratch import scratch_table
    from cruddur_lab.scripts.seed import seed

    with scratch_table(lab, copy=False) as scratch:
        seed(scratch)
        return per_call_figures(measure_patterns(scratch))
