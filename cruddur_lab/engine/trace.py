"""Record the DynamoDB requests the package sends, with what the engine said they cost.

>>> with recording(lab) as calls:
...     get_conversation(lab)
>>> calls[0].wire                          # as sent: {"S": ...}, TableName, IndexName...
>>> calls[0].cost                          # as reported: Cost(rcu=1.0, ...)
>>> format_reported(calls[0])              # "reported by the embedded engine (...): 1 RCU, 0 WCU"

Each ``Call`` keeps:

* ``params``: the request with plain values (what a notebook re-sends through the
  resource client); ``wire``: the same request as it went over HTTP, typed values
  (``{"S": "…"}``) and ``TableName``, ``IndexName``, ``ReturnConsumedCapacity`` included;
* ``reported``: the response's ``ConsumedCapacity`` as the engine sent it, and ``cost``
  the same figure as a ``cruddur_lab.capacity.Cost`` (table and index arms apart).

One pricing path: the figure is read from the response on every engine, and nothing else
is sent. On the embedded engine it is AWS's rules, computed by the engine itself
(``cruddur_lab.engine.billing``; every rule held to figures measured on DynamoDB); on
``aws`` it is AWS's bill; on ``endpoint`` whatever that engine says (``source_label``
names which). The recorder asks for ``ReturnConsumedCapacity: INDEXES`` when a request
did not ask for a figure (``Call.added`` names it); nothing else in a request is changed.
To *predict* a cost from the items, use ``cruddur_lab.capacity``'s rules.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab.capacity import Cost
from cruddur_lab.engine import pricing

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

_TYPED = {"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}
_CONTEXT_KEY = "cruddur_lab_call"


@dataclass
class Call:
    """One request as sent, and the capacity the engine reported for it."""

    operation: str
    params: dict[str, Any]
    wire: dict[str, Any] = field(default_factory=dict)
    #: Parameters the recorder added (``ReturnConsumedCapacity``), not the package.
    added: tuple[str, ...] = ()
    #: The engine's figure as a ``Cost`` (None: the response carried none).
    cost: Cost | None = None
    #: The response's ``ConsumedCapacity``, as sent.
    reported: Any = None
    engine: str = ""
    error: str | None = None
    count: int | None = None
    scanned_count: int | None = None

    @property
    def table(self) -> str:
        return str(self.params.get("TableName", ""))

    @property
    def index(self) -> str | None:
        return self.params.get("IndexName")

    @property
    def reported_units(self) -> float | None:
        return None if self.cost is None else self.cost.capacity_units


def _plain(value: Any) -> Any:
    """Typed AttributeValues (``{"S": "x"}``) back to plain values, recursively."""
    from boto3.dynamodb.types import TypeDeserializer

    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in _TYPED:
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                return TypeDeserializer().deserialize(value)
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _Recorder:
    """The botocore hooks of one ``recording``; see the module docstring."""

    def __init__(self, lab: Lab, operations: Sequence[str], price: bool) -> None:
        self.operations = operations
        self.price = price
        self.calls: list[Call] = []
        self.engine = lab.settings.engine

    def before(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        if self.operations and model.name not in self.operations:
            return
        call = Call(model.name, _plain(params), engine=self.engine)
        wants_figure = self.price and model.name in pricing.DATA_PLANE
        if wants_figure and "ReturnConsumedCapacity" not in params:
            params["ReturnConsumedCapacity"] = "INDEXES"
            call.added = ("ReturnConsumedCapacity",)
        call.wire = copy.deepcopy(params)
        self.calls.append(call)
        if context is not None:
            context[_CONTEXT_KEY] = call

    def after(self, parsed: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        call = (context or {}).get(_CONTEXT_KEY)
        if call is None:
            return
        call.error = (parsed.get("Error") or {}).get("Code")
        call.reported = copy.deepcopy(parsed.get("ConsumedCapacity"))
        if self.price and call.operation in pricing.DATA_PLANE:
            call.cost = cost_of_report(call.reported, writes=call.operation in _WRITING)
        if "Count" in parsed:
            call.count, call.scanned_count = parsed["Count"], parsed.get("ScannedCount")


#: Requests whose table arm is write capacity when the report does not split it.
_WRITING = (*pricing.WRITES, "ExecuteStatement", "BatchExecuteStatement")


@contextlib.contextmanager
def recording(
    lab: Lab, operations: Sequence[str] = (), *, price: bool = True
) -> Iterator[list[Call]]:
    """Collect every DynamoDB request made through ``lab`` (optionally only ``operations``),
    each with the capacity the engine reported (asked for unless ``price=False``)."""
    recorder = _Recorder(lab, operations, price)
    clients = [lab.dynamodb, lab.client("dynamodb")]
    for client in clients:
        client.meta.events.register_last("before-parameter-build.dynamodb", recorder.before)
        # First, so the response is still in wire form (the resource decodes it later).
        client.meta.events.register_first("after-call.dynamodb", recorder.after)
    try:
        yield recorder.calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build.dynamodb", recorder.before)
            client.meta.events.unregister("after-call.dynamodb", recorder.after)


def source_label(engine: str) -> str:
    """Whose figure a reported capacity is, on each engine."""
    return {
        "embedded": "the embedded engine (AWS's rules, checked against measured figures)",
        "aws": "AWS",
    }.get(engine, f"the {engine} engine (its own figure)")


def format_reported(call: Call) -> str:
    """``reported by the embedded engine (…): 1 RCU, 0 WCU`` for one request."""
    if call.operation not in pricing.DATA_PLANE:
        return "control plane: no read or write units"
    figure = "none reported" if call.cost is None else str(call.cost)
    if call.cost is None and call.error in _CHARGED_WITHOUT_FIGURE:
        # AWS sends no figure with these; what they are billed: capacity.SILENT
        figure += f" with {call.error} (what it is billed: {_CHARGED_WITHOUT_FIGURE[call.error]})"
    return f"reported by {source_label(call.engine)}: {figure}"


#: Errors AWS answers without ConsumedCapacity although capacity was used (capacity.SILENT).
_CHARGED_WITHOUT_FIGURE = {
    "ConditionalCheckFailedException": "the existing item's size, as a write",
    "TransactionCanceledException": "not published",
}


# --- reading an engine's figure ------------------------------------------------------


def reported_units(response: Mapping[str, Any]) -> float | None:
    """The ``CapacityUnits`` an engine reported in a response (None when it sent none)."""
    consumed = response.get("ConsumedCapacity")
    if isinstance(consumed, list):
        if not consumed:
            return None
        return float(sum(entry.get("CapacityUnits", 0) for entry in consumed))
    if isinstance(consumed, Mapping):
        return float(consumed.get("CapacityUnits", 0))
    return None


def cost_of_report(consumed: Any, *, writes: bool) -> Cost | None:
    """An engine's ``ConsumedCapacity`` (one entry or a list) as a ``Cost``: the ``Table``
    arm (or, under TOTAL, the whole figure) as table units, each index arm by name.

    Where the report splits ``ReadCapacityUnits``/``WriteCapacityUnits`` (transactions)
    the split is kept; otherwise the units are reads, or writes when ``writes``.
    None when the response carried no figure.
    """
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    if not entries:
        return None

    def split(figure: Mapping[str, Any]) -> tuple[float, float]:
        if "ReadCapacityUnits" in figure or "WriteCapacityUnits" in figure:
            return float(figure.get("ReadCapacityUnits", 0)), float(
                figure.get("WriteCapacityUnits", 0)
            )
        units = float(figure.get("CapacityUnits", 0))
        return (0.0, units) if writes else (units, 0.0)

    total = Cost()
    for entry in entries:
        arms = {
            **(entry.get("GlobalSecondaryIndexes") or {}),
            **(entry.get("LocalSecondaryIndexes") or {}),
        }
        by_index = tuple((name, *split(figure)) for name, figure in arms.items())
        if "Table" in entry:
            rcu, wcu = split(entry["Table"])
        else:  # TOTAL: no arms, the whole figure
            rcu, wcu = split(entry)
        total += Cost(
            rcu=rcu,
            wcu=wcu,
            index_rcu=sum(r for _, r, _ in by_index),
            index_wcu=sum(w for _, _, w in by_index),
            by_index=by_index,
        )
    return total
