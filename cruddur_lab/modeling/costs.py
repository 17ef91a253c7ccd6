"""What each access pattern costs on AWS: per call, in throughput at 5/5, and in money.

Every figure comes from requests the package really sent, recorded and priced by
``cruddur_lab.engine.trace`` (AWS's rules in ``cruddur_lab.capacity``); nothing here is a
constant per pattern.

>>> measured = measure(lab, get_conversation, lab)     # run it, keep its priced requests
>>> measured.cost                                      # Cost(rcu=1.0, ...)
>>> costs = measure_patterns(lab)                      # every script and pattern A-E
>>> costs["E"].sustained()                             # messages/s the bootcamp's 5/5 allowed
>>> costs["E"].on_demand_per_million()                 # dollars per million messages

``measure_patterns`` runs the write patterns on a scratch copy of the table
(``cruddur_lab.modeling.scratch``): the learner's table is only read.

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


@dataclass(frozen=True)
class RequestUnitPrices:
    """On-demand prices per million request units, as published on a date."""

    region: str
    write_per_million: float
    read_per_million: float
    as_of: str
    source: str
    currency: str = "USD"


#: DynamoDB Standard table class, on-demand, US East (N. Virginia), as published after the
#: price cut of 1 November 2024 (write request units halved to $0.625, reads to $0.125).
ON_DEMAND_PRICES = RequestUnitPrices(
    region="us-east-1",
    write_per_million=0.625,
    read_per_million=0.125,
    as_of="2024-11-01",
    source="https://aws.amazon.com/dynamodb/pricing/on-demand/",
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
    """What a call returned, with the requests it sent (each priced)."""

    result: Any
    requests: list[Call]

    @property
    def cost(self) -> Cost:
        return cost_of(self.requests)


def measure(lab: Lab, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Measured:
    """Run ``fn(*args, **kwargs)`` while recording ``lab``'s requests."""
    with recording(lab) as calls:
        result = fn(*args, **kwargs)
    return Measured(result, list(calls))


@dataclass
class PatternCost:
    """One script or pattern: the requests one call sent, and what they cost."""

    pattern: str
    title: str
    requests: list[Call] = field(default_factory=list)
    #: What one "call" is (a request to the service, or one message for Pattern E).
    per: str = "call"

    @property
    def cost(self) -> Cost:
        return cost_of(self.requests)

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
            "index_wcu_if_not_doubled": cost.index_wcu - cost.index_wcu_assumed,
            "per_second_at_5_5": round(rate, 3) if rate is not None else None,
            "usd_per_million": round(self.on_demand_per_million(), 4),
        }


def to_frame(costs: Sequence[PatternCost]) -> Any:
    """A pandas DataFrame of the patterns' summaries (one row each)."""
    import pandas as pd

    return pd.DataFrame([c.summary() for c in costs]).set_index("pattern")


# --- running every pattern ------------------------------------------------------------

#: Texts the measured writes send; fixed, so sizes (and the README's figures) are stable.
MEASURED_MESSAGE = "Pricing this message: how many units does it cost?"


def measure_patterns(lab: Lab) -> dict[str, PatternCost]:
    """Run the scripts and patterns A–E once each on a scratch copy of ``lab``'s table.

    The seed is measured on an empty scratch table (its first run); everything else on a
    copy of the current items, with the seed conversation's two users.
    """
    from cruddur_lab.modeling.scratch import scratch_table

    results: dict[str, PatternCost] = {}
    with scratch_table(lab, copy=False) as empty:
        results["seed"] = _record(empty, *_ORDER[0])
    with scratch_table(lab) as scratch:
        for pattern, title, run in _PATTERNS:
            results[pattern] = _record(scratch, pattern, title, run)
    results["E"].per = "message"
    return {key: results[key] for key, *_ in _ORDER}


def _record(lab: Lab, pattern: str, title: str, run: Callable[..., Any]) -> PatternCost:
    # What a pattern needs to be set up (D: someone to write to) is read before recording.
    prepared = _PREPARE[pattern](lab) if pattern in _PREPARE else None
    with recording(lab) as calls:
        _last_result[lab.settings.table_name] = run(lab, prepared)
    return PatternCost(pattern, title, data_plane(calls))


#: What the previous runner returned, per table: Pattern E prices Pattern C's message.
_last_result: dict[str, Any] = {}


def _seed(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.scripts.seed import seed

    seed(lab)


def _caller(lab: Lab, index: int = 0) -> str:
    from cruddur_lab.app.patterns import caller_for_handle

    return caller_for_handle(lab, model.SEED_GROUP_HANDLES[index])


def _scan(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.scripts.reads import scan

    scan(lab)


def _get_conversation(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.scripts.reads import get_conversation

    get_conversation(lab)


def _list_conversations(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.scripts.reads import list_conversations

    list_conversations(lab)


def _pattern_a(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.app.patterns import list_messages

    list_messages(lab, _caller(lab), model.SEED_GROUP_UUID)


def _pattern_b(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.app.patterns import list_message_groups

    list_message_groups(lab, _caller(lab))


def _pattern_c(lab: Lab, prepared: Any = None) -> Any:
    from cruddur_lab.app.patterns import create_message

    return create_message(lab, _caller(lab), model.SEED_GROUP_UUID, MEASURED_MESSAGE)


def _pattern_e(lab: Lab, prepared: Any = None) -> None:
    """The stream handler's work for the one message Pattern C just wrote.

    The handler (the Lambda's code) gets that message's INSERT record, as Lambda would
    deliver it; reading the stream itself is billed as stream read requests, not RCU.
    """
    from cruddur_lab.app.deploy.handler import StreamHandler
    from cruddur_lab.capacity import wire_item

    message = _last_result[lab.settings.table_name]
    item = model.message_item(
        message_group_uuid=message.message_group_uuid,
        message_uuid=message.message_uuid,
        sender=model.User(message.user_uuid, message.user_handle, message.user_display_name),
        text=message.message,
        created_at=message.created_at,
    )
    record = {
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": wire_item({"pk": item["pk"], "sk": item["sk"]}),
            "NewImage": wire_item(item),
            "SequenceNumber": "1",
        },
    }
    handler = StreamHandler(
        lab.client("dynamodb"), lab.settings.table_name, gsi_name=model.GSI_NAME
    )
    handler.process({"Records": [record]})


def _pattern_d(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.app.patterns import create_message_group

    create_message_group(lab, _caller(lab), prepared, MEASURED_MESSAGE)


def _stranger(lab: Lab) -> str:
    """A seed user who shares no conversation with the caller yet (so D creates one)."""
    from cruddur_lab.scripts.reads import read_all
    from cruddur_lab.scripts.usersdb import find_user_by_handle

    me = find_user_by_handle(lab, model.SEED_GROUP_HANDLES[0])
    rows = read_all(
        lab,
        "query",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": model.group_pk(me.uuid)},
    )
    known = {row.get("user_handle") for row in rows}
    for handle, *_ in model.SEED_USERS:
        if handle != me.handle and handle not in known:
            return handle
    raise ValueError("every seed user already shares a conversation with the caller")


_ORDER = (
    ("seed", "seed: users and the seed conversation (first run)", _seed),
    ("scan", "scan: every item", _scan),
    ("get-conversation", "get-conversation: newest 20 messages", _get_conversation),
    ("list-conversations", "list-conversations: a user's inbox", _list_conversations),
    ("A", "A list messages in a group", _pattern_a),
    ("B", "B list a user's message groups", _pattern_b),
    ("C", "C create a message in an existing group", _pattern_c),
    ("E", "E move the group rows for one new message", _pattern_e),
    ("D", "D create a message in a new group", _pattern_d),
)
_PATTERNS = _ORDER[1:]
_PREPARE: dict[str, Callable[[Lab], Any]] = {"D": _stranger}
