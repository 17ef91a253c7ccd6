"""A scratch copy of the lab's table, so write patterns can be measured without touching it.

Pricing Pattern C, D or E means running it: the cost depends on the items already there
(the old image, what the index holds). Running it on the learner's own table would add
messages and move inbox rows; the catalogue and the cost notebook run it instead on a
throw-away table created from ``cruddur_lab.model.create_table_spec`` (so the index name and
keys come from the model alone), filled with a copy of the current items, and dropped after.

>>> with scratch_table(lab) as scratch:      # a Lab on "<table>-scratch-<random>"
...     create_message(scratch, caller, group, "hi")

Only off AWS: creating and filling a table on a real account is not something a cost report
should do behind a learner's back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.errors import ConfigError

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.engine.trace import Call


def require_scratch_engine(lab: Lab) -> None:
    """Refuse AWS before anything is sent: scratch tables are only made off AWS."""
    if lab.is_aws:
        raise ConfigError(
            "measuring the write patterns needs a scratch copy of the table, which is never "
            "created on AWS: run this on the embedded engine (the estimate follows AWS's rules)"
        )


@contextlib.contextmanager
def scratch_table(lab: Lab, *, copy: bool = True, drain_stream: bool = True) -> Iterator[Lab]:
    """A Lab on a new table with the model's schema (and, with ``copy``, the current items).

    With ``drain_stream`` the copy's own stream records are handled first, so a stream
    processor started on the scratch table afterwards sees only what comes next.
    """
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.scripts.lesson_data import move_clock_past_data
    from cruddur_lab.scripts.reads import read_all
    from cruddur_lab.scripts.seed import batch_write

    require_scratch_engine(lab)
    # Unique, so notebooks running side by side on one engine never share a scratch table.
    name = f"{lab.settings.table_name}-scratch-{uuid.uuid4().hex[:12]}"
    scratch = Lab(lab.settings.with_(table_name=name))
    # The lab's clock, not a new one from the settings' pin: a lesson on kept data moves its
    # clock past the newest message, and writes at the old pin would land on existing keys.
    scratch.clock = lab.clock
    client = scratch.client("dynamodb")
    with lab.translate_errors():
        items = read_all(lab, "scan") if copy else []
        client.create_table(**model.create_table_spec(name, billing_mode="PAY_PER_REQUEST"))
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
        )
    try:
        if items:
            batch_write(scratch, items)
            if scratch.clock.is_pinned:
                # Writes must come after the copied data, or Pattern E has nothing to move.
                move_clock_past_data(scratch)
        if drain_stream:
            from cruddur_lab.app.streams import StreamProcessor

            StreamProcessor(scratch).process_pending()
        yield scratch
    finally:
        with contextlib.suppress(Exception):
            client.delete_table(TableName=name)
        scratch.close()


def renamed(calls: list[Call], old: str, new: str) -> list[Call]:
    """Copies of ``calls`` that name table ``new`` where they named ``old`` (a scratch table
    shown under the learner's table name); costs and figures are kept."""
    return [
        dataclasses.replace(
            call, params=_rename(call.params, old, new), wire=_rename(call.wire, old, new)
        )
        for call in calls
    ]


def _rename(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {
            (new if key == old else key): (
                new if key == "TableName" and item == old else _rename(item, old, new)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rename(item, old, new) for item in value]
    return value
