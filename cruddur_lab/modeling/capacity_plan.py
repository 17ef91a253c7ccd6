"""A month of the Cruddur model at a traffic you choose: on-demand against provisioned.

A data modeler's next question after "what does one call cost": what does my app cost a
month, and which capacity mode should I buy? A ``Profile`` (daily active users, messages and
new conversations a user sends a day, reads per message, peak-to-average ratio) gives each
pattern a rate; the per-call figures the catalogue measures (``per_call.per_call_figures``)
turn the rates into request units, both bills and storage:

>>> figures = measure_per_call(lab)   # A-E on a seeded scratch table (modeling.per_call)
>>> result = plan(Profile(daily_users=30), figures)
>>> result.total.on_demand_usd, result.total.provisioned_usd, result.total.cheaper

Every figure here is arithmetic on those measured figures and the dated prices in
``cruddur_lab.modeling.costs`` (``ON_DEMAND_PRICES``, ``CAPACITY_PRICES``); nothing is a
constant per pattern. A month is 730 hours (AWS's pricing pages count so). ``NOT_MODELED``
says what the figures leave out: they are an estimate, never an invoice.

Rules, from AWS's pages:

* on-demand bills each request unit (https://aws.amazon.com/dynamodb/pricing/on-demand/);
* provisioned bills each unit-hour provisioned, used or not, table and each index apart, at
  least 1 unit each (https://aws.amazon.com/dynamodb/pricing/provisioned/); auto scaling keeps
  consumption at a target utilization, 70% by default
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html). Here
  capacity is provisioned for the peak all month: what auto scaling would save off-peak is
  not counted;
* storage bills the items' bytes plus 100 bytes of overhead per item, in the table and again
  in each index for the entries it holds (the developer guide: every item carries 100 bytes
  of storage overhead for indexing,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from cruddur_lab.modeling.costs import (
    CAPACITY_PRICES,
    HOURS_PER_MONTH,
    ON_DEMAND_PRICES,
    CapacityPrices,
    RequestUnitPrices,
)

#: Bytes DynamoDB adds to every stored item, in the table and in each index, when billing.
STORAGE_OVERHEAD_BYTES = 100
#: Auto scaling's default target: consumed capacity over provisioned capacity.
DEFAULT_TARGET_UTILIZATION = 0.70
#: Storage is billed per GB of 2**30 bytes.
BYTES_PER_GB = 1024**3
SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
#: The app's patterns, in the order a message flows (reads first).
PLANNED_PATTERNS = ("A", "B", "C", "D", "E")
#: The four capacity arms AWS provisions and bills apart.
ARMS = ("table_rcu", "table_wcu", "index_rcu", "index_wcu")

#: What the figures leave out; printed under every plan.
NOT_MODELED = (
    "free tier (25 GB, 25 RCU and 25 WCU a month)",
    "reserved capacity",
    "auto scaling lowering capacity off-peak",
    "burst and adaptive capacity",
    "data transfer out",
    "backups and point-in-time recovery",
    "stream reads (free when Lambda reads them)",
    "Lambda's own bill",
    "the Standard-IA table class",
    "taxes",
)


@dataclass(frozen=True)
class PerCall:
    """What one call of a pattern costs and leaves stored (read off its measured requests)."""

    pattern: str
    title: str
    per: str
    table_rcu: float
    table_wcu: float
    index_rcu: float
    index_wcu: float
    #: Items a call adds (a move is a delete and a put: none), and their bytes.
    items: int = 0
    item_bytes: int = 0
    index_items: int = 0
    index_bytes: int = 0


def _option(default: float, flag: str, help_text: str) -> Any:
    """A profile figure, declared once: its default, and the flag and help of the CLI
    option that sets it (``cruddur-lab plan`` builds its options from these)."""
    return field(default=default, metadata={"flag": flag, "help": help_text})


@dataclass(frozen=True)
class Profile:
    """A traffic profile. Every message is one Pattern C call, every new conversation one
    Pattern D call (with its first message); each message of either is one Pattern E run.
    ``rates`` sets a pattern's calls a day directly, overriding the profile."""

    daily_users: float = _option(30, "--users", "daily active users (30: a class)")
    messages_per_user: float = _option(
        20, "--messages", "messages a user sends a day in existing conversations"
    )
    conversations_per_user: float = _option(
        0.2, "--conversations", "conversations a user starts a day"
    )
    inbox_reads_per_message: float = _option(
        1, "--inbox-reads", "inbox reads (Pattern B) per message"
    )
    conversation_reads_per_message: float = _option(
        1, "--conversation-reads", "conversation reads (Pattern A) per message"
    )
    peak_to_average: float = _option(2, "--peak", "peak rate over the average rate, at least 1")
    target_utilization: float = _option(
        DEFAULT_TARGET_UTILIZATION,
        "--target-utilization",
        "consumed over provisioned capacity auto scaling aims at",
    )
    rates: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def options(cls) -> list[tuple[str, str, float, str]]:
        """(flag, field, default, help) for each figure a command line may set."""
        return [
            (f.metadata["flag"], f.name, f.default, f.metadata["help"])
            for f in fields(cls)
            if "flag" in f.metadata
        ]

    def problems(self) -> list[str]:
        """Each value that cannot describe traffic, with the fix; empty when all can."""
        found = []
        if not self.daily_users > 0:
            found.append(f"daily users must be more than 0, got {self.daily_users:g}")
        for name in (
            "messages_per_user",
            "conversations_per_user",
            "inbox_reads_per_message",
            "conversation_reads_per_message",
        ):
            if getattr(self, name) < 0:
                found.append(f"{name.replace('_', ' ')} cannot be negative")
        if self.peak_to_average < 1:
            found.append(
                f"peak-to-average must be at least 1 (a peak below the average is no peak), "
                f"got {self.peak_to_average:g}"
            )
        if not 0 < self.target_utilization <= 1:
            found.append(
                f"target utilization must be above 0 and at most 1, got {self.target_utilization:g}"
            )
        for pattern, rate in self.rates.items():
            if pattern not in PLANNED_PATTERNS:
                found.append(f"no pattern {pattern!r} to set a rate for: use one of A-E")
            elif rate < 0:
                found.append(f"the rate of pattern {pattern} cannot be negative")
        return found

    def calls_per_day(self) -> dict[str, float]:
        messages = self.daily_users * self.messages_per_user
        started = self.daily_users * self.conversations_per_user
        all_messages = messages + started
        rates = {
            "A": all_messages * self.conversation_reads_per_message,
            "B": all_messages * self.inbox_reads_per_message,
            "C": messages,
            "D": started,
            "E": all_messages,
        }
        return {**rates, **self.rates}


@dataclass(frozen=True)
class Line:
    """One pattern's month (or the total)."""

    pattern: str
    title: str
    calls_per_day: float
    calls_per_month: float
    #: Request units a month, by arm (table and index apart).
    units: dict[str, float]
    on_demand_usd: float
    #: Capacity units provisioned for the peak, by arm (the total: whole units, at least 1).
    provisioned: dict[str, float]
    provisioned_usd: float
    #: Average consumed over provisioned; provisioned is cheaper above ``break_even``.
    utilization: float
    break_even_utilization: float
    items: float
    item_bytes: float
    index_items: float
    index_bytes: float
    #: Bytes billed: items and index entries, each with the per-item overhead.
    stored_bytes: float
    storage_usd: float

    @property
    def cheaper(self) -> str:
        if not self.on_demand_usd and not self.provisioned_usd:
            return "-"
        return "on-demand" if self.on_demand_usd <= self.provisioned_usd else "provisioned"


@dataclass(frozen=True)
class Plan:
    profile: Profile
    lines: list[Line]
    total: Line
    on_demand: RequestUnitPrices
    capacity: CapacityPrices

    def to_dict(self) -> dict[str, Any]:
        def line(item: Line) -> dict[str, Any]:
            return {**asdict(item), "cheaper": item.cheaper}

        return {
            "profile": {**asdict(self.profile), "rates": dict(self.profile.rates)},
            "hours_per_month": HOURS_PER_MONTH,
            "prices": {"on_demand": asdict(self.on_demand), "capacity": asdict(self.capacity)},
            "patterns": [line(item) for item in self.lines],
            "total": line(self.total),
            "not_modeled": list(NOT_MODELED),
        }


def _line(
    pattern: str,
    title: str,
    per_day: float,
    per_second: dict[str, float],
    storage: tuple[float, float, float, float],
    profile: Profile,
    on_demand: RequestUnitPrices,
    capacity: CapacityPrices,
    *,
    whole_units: bool,
) -> Line:
    """A month from average consumed units a second (by arm) and the month's new items."""
    seconds = HOURS_PER_MONTH * 3600
    units = {arm: rate * seconds for arm, rate in per_second.items()}
    reads = units["table_rcu"] + units["index_rcu"]
    writes = units["table_wcu"] + units["index_wcu"]
    on_demand_usd = (
        reads * on_demand.read_per_million + writes * on_demand.write_per_million
    ) / 1e6
    provisioned = {
        arm: rate * profile.peak_to_average / profile.target_utilization
        for arm, rate in per_second.items()
    }
    if whole_units:  # what a table really gets: whole units, at least 1 on every arm
        provisioned = {arm: float(max(1, math.ceil(value))) for arm, value in provisioned.items()}

    def unit_hour(arm: str) -> float:
        return capacity.read_unit_hour if arm.endswith("rcu") else capacity.write_unit_hour

    provisioned_usd = sum(provisioned[arm] * unit_hour(arm) * HOURS_PER_MONTH for arm in ARMS)
    # The provisioned bill if every unit were used all month, over the on-demand bill.
    full = sum(per_second[arm] * unit_hour(arm) * HOURS_PER_MONTH for arm in ARMS)
    used = sum(per_second[arm] for arm in ARMS)
    items, item_bytes, index_items, index_bytes = storage
    stored = item_bytes + index_bytes + STORAGE_OVERHEAD_BYTES * (items + index_items)
    return Line(
        pattern=pattern,
        title=title,
        calls_per_day=per_day,
        calls_per_month=per_day * DAYS_PER_MONTH,
        units=units,
        on_demand_usd=on_demand_usd,
        provisioned=provisioned,
        provisioned_usd=provisioned_usd,
        utilization=used / sum(provisioned.values()) if used else 0.0,
        break_even_utilization=full / on_demand_usd if on_demand_usd else 0.0,
        items=items,
        item_bytes=item_bytes,
        index_items=index_items,
        index_bytes=index_bytes,
        stored_bytes=stored,
        storage_usd=stored / BYTES_PER_GB * capacity.storage_gb_month,
    )


def plan(
    profile: Profile,
    figures: Mapping[str, PerCall],
    *,
    on_demand: RequestUnitPrices = ON_DEMAND_PRICES,
    capacity: CapacityPrices = CAPACITY_PRICES,
) -> Plan:
    """Each pattern's month and the total, from ``figures`` (``per_call_figures``)."""
    found = profile.problems()
    if found:
        from cruddur_lab.errors import InvalidArgument

        raise InvalidArgument("; ".join(found))
    lines = []
    totals = dict.fromkeys(ARMS, 0.0)
    storage_total = [0.0, 0.0, 0.0, 0.0]
    for pattern, per_day in profile.calls_per_day().items():
        call = figures[pattern]
        per_second = {arm: per_day / SECONDS_PER_DAY * getattr(call, arm) for arm in ARMS}
        month = per_day * DAYS_PER_MONTH
        storage = (
            month * call.items,
            month * call.item_bytes,
            month * call.index_items,
            month * call.index_bytes,
        )
        args = (profile, on_demand, capacity)
        lines.append(
            _line(pattern, call.title, per_day, per_second, storage, *args, whole_units=False)
        )
        totals = {arm: totals[arm] + per_second[arm] for arm in ARMS}
        storage_total = [a + b for a, b in zip(storage_total, storage, strict=True)]
    total = _line(
        "total",
        "the app",
        sum(line.calls_per_day for line in lines),
        totals,
        (storage_total[0], storage_total[1], storage_total[2], storage_total[3]),
        profile,
        on_demand,
        capacity,
        whole_units=True,
    )
    return Plan(profile, lines, total, on_demand, capacity)


def cost_by_users(
    profile: Profile, figures: Mapping[str, PerCall], users: list[float], **prices: Any
) -> list[tuple[float, float, float]]:
    """``(daily users, on-demand $, provisioned $)`` a month for each size of ``profile``."""
    rows = []
    for count in users:
        total = plan(replace(profile, daily_users=count), figures, **prices).total
        rows.append((count, total.on_demand_usd, total.provisioned_usd))
    return rows


def break_even_users(
    profile: Profile, figures: Mapping[str, PerCall], *, most: int = 10**8, **prices: Any
) -> int | None:
    """A size (daily users) where provisioned capacity starts to cost no more than on-demand
    (None: on-demand stays cheaper up to ``most``). Provisioned has a floor (a unit on each
    arm); past it, its bill grows more slowly than on-demand's when the peak allows. Whole
    units make its bill a staircase, so near this size the two may cross more than once."""

    def provisioned_wins(count: int) -> bool:
        total = plan(replace(profile, daily_users=count), figures, **prices).total
        return total.provisioned_usd <= total.on_demand_usd

    if not provisioned_wins(most):
        return None
    low, high = 1, most
    if provisioned_wins(low):
        return low
    while high - low > 1:  # provisioned_wins(low) is False, provisioned_wins(high) True
        middle = (low + high) // 2
        low, high = (low, middle) if provisioned_wins(middle) else (middle, high)
    return high
