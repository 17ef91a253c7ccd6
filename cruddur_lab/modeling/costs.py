"""What each access pattern costs on AWS: per call, in throughput at 5/5, and in money.

Every figure is the capacity the engine reported for requests the package really sent,
recorded by ``cruddur_lab.engine.trace``: on the embedded engine AWS's rules (computed by
the engine, held to figures measured on DynamoDB), on ``aws`` AWS's bill. Nothing here is
a constant per pattern. One type, ``Measured``, holds what any one call sent: a script, a
pattern, or an alternative design's action.

>>> measured = measure(lab, get_conversation, lab)     # run it, keep its requests
>>> measured.cost                                      # Cost(rcu=1.0, ...)
>>> costs = measure_patterns(lab)      # cruddur_lab.modeling.pattern_costs: every script and A-E
>>> costs["E"].sustained()             # messages/s the bootcamp's 5/5 allowed
>>> costs["E"].on_demand_per_million() # dollars per million messages

Money. On-demand prices change; they are the one named, dated parameter
``ON_DEMAND_PRICES`` below (the README says where they came from), never hard-coded
elsewhere. Pass another ``RequestUnitPrices`` for another region or date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.capacity import Cost, total_cost
from cruddur_lab.engine.pricing import DATA_PLANE
from cruddur_lab.engine.trace import Call, recording

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab


@dataclass(frozen=True, kw_only=True)
class PublishedPrices:
    """Where and when a price sheet was published: every price here carries it."""

    region: str
    as_of: str
    source: str
    currency: str = "USD"


@dataclass(frozen=True, kw_only=True)
class RequestUnitPrices(PublishedPrices):
    """On-demand prices per million request units, as published on a date."""

    write_per_million: float
    read_per_million: float


#: DynamoDB Standard table class, on-demand, US East (N. Virginia), as published after the
#: price cut of 1 November 2024 (write request units halved to $0.625, reads to $0.125).
ON_DEMAND_PRICES = RequestUnitPrices(
    region="us-east-1",
    write_per_million=0.625,
    read_per_million=0.125,
    as_of="2024-11-01",
    source="https://aws.amazon.com/dynamodb/pricing/on-demand/",
)

#: Hours in a month as AWS's price pages count them (8,760 hours a year / 12).
HOURS_PER_MONTH = 730


@dataclass(frozen=True, kw_only=True)
class CapacityPrices(PublishedPrices):
    """Provisioned capacity (per unit-hour) and storage (per GB-month), as published on a
    date; with ``ON_DEMAND_PRICES`` the figures a monthly plan needs."""

    write_unit_hour: float
    read_unit_hour: float
    storage_gb_month: float


#: DynamoDB Standard table class, provisioned mode and storage, US East (N. Virginia):
#: $0.00065 per WCU-hour, $0.00013 per RCU-hour, $0.25 per GB-month (the first 25 GB of
#: the free tier aside). Another region: pass another ``CapacityPrices``.
CAPACITY_PRICES = CapacityPrices(
    region="us-east-1",
    write_unit_hour=0.00065,
    read_unit_hour=0.00013,
    storage_gb_month=0.25,
    as_of="2024-11-01",
    source="https://aws.amazon.com/dynamodb/pricing/provisioned/",
)


@dataclass(frozen=True)
class Throughput:
    """Provisioned units per second, table and index apart."""

    table_rcu: float
    table_wcu: float
    index_rcu: float
    index_wcu: float


#: The bootcamp's PROVISIONED 5/5, on the table and on the GSI (from the model).
BOOTCAMP_CAPACITY = Throughput(
    table_rcu=model.BOOTCAMP_THROUGHPUT["ReadCapacityUnits"],
    table_wcu=model.BOOTCAMP_THROUGHPUT["WriteCapacityUnits"],
    index_rcu=model.BOOTCAMP_THROUGHPUT["ReadCapacityUnits"],
    index_wcu=model.BOOTCAMP_THROUGHPUT["WriteCapacityUnits"],
)


def data_plane(calls: Sequence[Call]) -> list[Call]:
    """The requests that read or write items (DescribeTable and friends cost nothing)."""
    return [call for call in calls if call.operation in DATA_PLANE]


def cost_of(calls: Sequence[Call]) -> Cost:
    return total_cost(call.cost for call in data_plane(calls) if call.cost is not None)


def sustained_rate(cost: Cost, capacity: Throughput = BOOTCAMP_CAPACITY) -> dict[str, float | None]:
    """Calls per second each provisioned budget allows (None: the call uses none of it),
    and ``limit``: the smallest of them, the rate the table really sustains."""
    pairs = {
        "table_reads": (cost.rcu, capacity.table_rcu),
        "table_writes": (cost.wcu, capacity.table_wcu),
        "index_reads": (cost.index_rcu, capacity.index_rcu),
        "index_writes": (cost.index_wcu, capacity.index_wcu),
    }
    rates: dict[str, float | None] = {
        name: (budget / units if units else None) for name, (units, budget) in pairs.items()
    }
    limits = [rate for rate in rates.values() if rate is not None]
    rates["limit"] = min(limits) if limits else None
    return rates


def price_per_million(cost: Cost, prices: RequestUnitPrices = ON_DEMAND_PRICES) -> float:
    """On-demand price of a million calls: request units (table and index) times prices."""
    reads = cost.rcu + cost.index_rcu
    writes = cost.wcu + cost.index_wcu
    return reads * prices.read_per_million + writes * prices.write_per_million


@dataclass
class Measured:
    """What one call sent -- a script, a pattern, a design's action -- and what its
    requests cost, as the engine reported."""

    title: str
    requests: list[Call] = field(default_factory=list)
    #: The catalogue's key (``"A"``, ``"seed"``) or the alternative design's name.
    pattern: str = ""
    design: str = ""
    #: What one "call" is (a request to the service, or one message for Pattern E).
    per: str = "call"
    result: Any = None

    @property
    def cost(self) -> Cost:
        return cost_of(self.requests)

    def operations(self) -> str:
        """``Query(inbox-index), PutItem, TransactWriteItems`` in the order sent."""
        calls = data_plane(self.requests)
        names = [f"{c.operation}({c.index})" if c.index else c.operation for c in calls]
        return ", ".join(names) or "(none)"

    def sustained(self, capacity: Throughput = BOOTCAMP_CAPACITY) -> dict[str, float | None]:
        return sustained_rate(self.cost, capacity)

    def on_demand_per_million(self, prices: RequestUnitPrices = ON_DEMAND_PRICES) -> float:
        return price_per_million(self.cost, prices)

    def summary(self) -> dict[str, Any]:
        cost = self.cost
        rate = self.sustained()["limit"]
        return {
            "pattern": self.pattern,
            "title": self.title,
            "requests": len(data_plane(self.requests)),
            "rcu": cost.rcu,
            "wcu": cost.wcu,
            "index_rcu": cost.index_rcu,
            "index_wcu": cost.index_wcu,
            "per_second_at_5_5": round(rate, 3) if rate is not None else None,
            "usd_per_million": round(self.on_demand_per_million(), 4),
        }


def measure(lab: Lab, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Measured:
    """Run ``fn(*args, **kwargs)`` while recording ``lab``'s requests."""
    with recording(lab) as calls:
        result = fn(*args, **kwargs)
    title = getattr(fn, "__name__", str(fn))
    return Measured(title, list(calls), result=result)


def to_frame(costs: Sequence[Measured]) -> Any:
    """A pandas DataFrame of the patterns' summaries (one row each)."""
    import pandas as pd

    return pd.DataFrame([c.summary() for c in costs]).set_index("pattern")
