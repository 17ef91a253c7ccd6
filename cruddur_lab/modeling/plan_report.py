"""A capacity plan in words and tables, within 120 columns (``cruddur-lab plan``, notebook 11).

>>> print(format_plan(plan(Profile(), figures)))
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from cruddur_lab.modeling.capacity_plan import (
    ARMS,
    NOT_MODELED,
    STORAGE_OVERHEAD_BYTES,
    Line,
    Plan,
)
from cruddur_lab.modeling.costs import HOURS_PER_MONTH

WIDTH = 120
_ARM_TITLES = ("table", "table", "index", "index")


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _table(title: str, columns: Sequence[tuple[str, Callable[[Line], str]]], plan: Plan) -> str:
    rows = [[cell(line) for _, cell in columns] for line in [*plan.lines, plan.total]]
    heads = [head for head, _ in columns]
    widths = [max(len(head), *(len(row[i]) for row in rows)) for i, head in enumerate(heads)]

    def join(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return "\n".join([title, join(heads), *(join(row) for row in rows)])


def _units(arm: str) -> Callable[[Line], str]:
    return lambda line: f"{line.units[arm]:,.0f}"


def _capacity(arm: str) -> Callable[[Line], str]:
    def cell(line: Line) -> str:
        value = line.provisioned[arm]
        return f"{value:,.0f}" if line.pattern == "total" else f"{value:,.3f}"

    return cell


def format_plan(plan: Plan, *, brief: bool = False) -> str:
    """The profile, three tables (request units and on-demand; provisioned for the peak;
    storage after a month), the verdict, and what is not modeled.

    ``brief`` (a second plan beside a first, as notebook 11 shows one): the profile in a line,
    the request units and the provisioned tables and the verdict; the calls a day, storage
    (its total is in the verdict), prices and what is not modeled are as in the full form."""
    profile, total = plan.profile, plan.total
    traffic = (
        f"Traffic: {profile.daily_users:,g} daily users, {profile.messages_per_user:g} messages "
        f"and {profile.conversations_per_user:g} new conversations a user a day, "
        f"{profile.conversation_reads_per_message:g} conversation and "
        f"{profile.inbox_reads_per_message:g} inbox reads a message, peak "
        f"{profile.peak_to_average:g}x the average. Calls a day:"
    )
    if brief:
        traffic = traffic.removesuffix(" Calls a day:")
    lines = [*textwrap.wrap(traffic, WIDTH)]
    if not brief:
        lines += [f"  {line.title}: {line.calls_per_day:,.0f}" for line in plan.lines]
    read_units = ("RRU", "WRU", "RRU", "WRU")
    lines += [
        "",
        _table(
            f"Request units a month ({HOURS_PER_MONTH} hours) and the on-demand bill",
            [
                ("pattern", lambda line: line.pattern),
                ("calls a month", lambda line: f"{line.calls_per_month:,.0f}"),
                *(
                    (f"{where} {unit}", _units(arm))
                    for where, unit, arm in zip(_ARM_TITLES, read_units, ARMS, strict=True)
                ),
                ("on-demand", lambda line: _money(line.on_demand_usd)),
            ],
            plan,
        ),
        "",
        _table(
            f"Provisioned for the peak at {profile.target_utilization:.0%} target utilization "
            "(the total in whole units, at least 1 each)",
            [
                ("pattern", lambda line: line.pattern),
                *(
                    (f"{where} {unit}", _capacity(arm))
                    for where, unit, arm in zip(_ARM_TITLES, ("RCU", "WCU") * 2, ARMS, strict=True)
                ),
                ("provisioned", lambda line: _money(line.provisioned_usd)),
                ("used", lambda line: f"{line.utilization:.0%}"),
                ("break-even", lambda line: f"{line.break_even_utilization:.0%}"),
                ("cheaper", lambda line: line.cheaper),
            ],
            plan,
        ),
    ]
    storage = [
        "",
        _table(
            f"Storage a month's writes leave ({STORAGE_OVERHEAD_BYTES} bytes an item added, "
            "table and index)",
            [
                ("pattern", lambda line: line.pattern),
                ("table items", lambda line: f"{line.items:,.0f}"),
                ("table bytes", lambda line: f"{line.item_bytes:,.0f}"),
                ("index items", lambda line: f"{line.index_items:,.0f}"),
                ("index bytes", lambda line: f"{line.index_bytes:,.0f}"),
                ("storage a month", lambda line: _money(line.storage_usd)),
            ],
            plan,
        ),
    ]
    lines += [*([] if brief else storage), ""]
    verdict = (
        f"Cheaper: {total.cheaper}, {_money(total.on_demand_usd)} on-demand against "
        f"{_money(total.provisioned_usd)} provisioned a month, plus {_money(total.storage_usd)} "
        f"storage. Provisioned pays when the capacity is used more than "
        f"{total.break_even_utilization:.0%} of the time on average; this plan uses "
        f"{total.utilization:.0%}."
    )
    on_demand, capacity = plan.on_demand, plan.capacity
    prices = (
        f"Prices ({on_demand.region}, {on_demand.currency}): on-demand "
        f"${on_demand.write_per_million} per million write and ${on_demand.read_per_million} per "
        f"million read request units ({on_demand.as_of}); provisioned ${capacity.write_unit_hour} "
        f"per WCU-hour and ${capacity.read_unit_hour} per RCU-hour, storage "
        f"${capacity.storage_gb_month} per GB-month ({capacity.as_of})."
    )
    caveat = (
        "An estimate from AWS's published rules and prices, not an invoice. Not modeled: "
        + "; ".join(NOT_MODELED)
        + "."
    )
    for paragraph in (verdict,) if brief else (verdict, prices, caveat):
        lines += textwrap.wrap(paragraph, WIDTH)
    return "\n".join(lines)
