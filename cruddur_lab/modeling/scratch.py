"""A scratch copy of the lab's table, so write patterns can be measured without touching it.

Pricing Pattern C, D or E means running it: the cost depends on the items already there
(the old image, what the index holds). Running it on the learner's own table would add
messages and move inbox rows; the catalogue and the cost notebook run it instead on a
throw-away table created from ``cruddur_lab.model.create_table_spec`` (so the index name and
keys come from the model alone), filled with a copy of the current items, and dropped after.

>>> with scratch_table(lab) as scratch:      # a Lab on "<table>-scratch-<random>"
...     create_message(scratch, caller, group, "hi")

Only off AWS: creating and filling a table on a real account is not something a cost report
should do behind a learner's back. The design comparison (``design_comparison``) makes its
tables with the same ``scratch_lab`` and ``make_table``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.errors import ConfigError, CruddurLabError

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.engine.trace import Call


def require_scratch_engine(lab: Lab, what: str | None = None) -> None:
    """Refuse AWS before anything is sent: scratch tables are only made off AWS."""
    if lab.is_aws:
        raise ConfigError(
            what
            or "measuring the write patterns needs a scratch copy of the table, which is never "
            "created on AWS: run this on the embedded engine (the estimate follows AWS's rules)"
        )


def scratch_lab(lab: Lab, name: str) -> Lab:
    """A Lab on table ``name``, on ``lab``'s engine and clock (its table is not made yet)."""
    from cruddur_lab.engine.lab import Lab

    scratch = Lab(lab.settings.with_(table_name=name))
    # The lab's clock, not a new one from the settings' pin: a lesson on kept data moves its
    # clock past the newest message, and writes at the old pin would land on existing keys.
    scratch.clock = lab.clock
    return scratch


def make_table(
    scratch: Lab, spec: dict[str, Any] | None = None, *, refusal: str | None = None
) -> None:
    """Create the scratch Lab's table (the model's schema, or ``spec``), dropping one an
    earlier run left behind. Never on AWS (``refusal`` says why, in the caller's words)."""
    from cruddur_lab.scripts.schema import drop

    require_scratch_engine(scratch, refusal)
    name = scratch.settings.table_name
    drop(scratch, yes=True)
    with scratch.translate_errors():
        scratch.dynamodb.create_table(
            **(spec or model.create_table_spec(name, billing_mode="PAY_PER_REQUEST"))
        )
        scratch.dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300}
        )


def delete_scratch_table(scratch: Lab) -> str | None:
    """Delete the scratch table and close its Lab; the line to say when it could not be."""
    name = scratch.settings.table_name
    try:
        with scratch.translate_errors():
            scratch.dynamodb.delete_table(TableName=name)
    except Exception as error:
        return (
            f"scratch table {name!r} was left behind ({error}): delete it with "
            f"`cruddur-lab drop --table {name}`"
        )
    finally:
        scratch.close()
    return None


@contextlib.contextmanager
def scratch_table(lab: Lab, *, copy: bool = True, drain_stream: bool = True) -> Iterator[Lab]:
    """A Lab on a new table with the model's schema (and, with ``copy``, the current items),
    deleted on exit; a table it could not delete is reported, never passed over.

    With ``drain_stream`` the copy's own stream records are handled first, so a stream
    processor started on the scratch table afterwards sees only what comes next.
    """
    from cruddur_lab.scripts.lesson_data import move_clock_past_data
    from cruddur_lab.scripts.reads import read_all
    from cruddur_lab.scripts.seed import batch_write

    require_scratch_engine(lab)
    items = read_all(lab, "scan") if copy else []
    # Unique, so notebooks running side by side on one engine never share a scratch table.
    scratch = scratch_lab(lab, f"{lab.settings.table_name}-scratch-{uuid.uuid4().hex[:12]}")
    try:
        make_table(scratch)
        if items:
            batch_write(scratch, items)
            if scratch.clock.is_pinned:
                # Writes must come after the copied data, or Pattern E has nothing to move.
                move_clock_past_data(scratch)
        if drain_stream:
            from cruddur_lab.app.streams import StreamProcessor

            StreamProcessor(scratch).process_pending()
        yield scratch
    except BaseException as error:
        left = delete_scratch_table(scratch)
        if left:
            error.add_note(left)
        raise
    left = delete_scratch_table(scratch)
    if left:
        raise CruddurLabError(left)


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
