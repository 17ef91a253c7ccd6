"""Record the DynamoDB requests the package sends, each priced by AWS's rules.

>>> with recording(lab) as calls:
...     get_conversation(lab)
>>> print(format_calls(calls))             # the requests, as before
>>> calls[0].wire                          # as sent: {"S": ...}, TableName, IndexName...
>>> calls[0].cost                          # estimated on AWS: Cost(rcu=1.0, ...)
>>> calls[0].reported_units, calls[0].reported_synthetic   # the engine's figure
>>> print(format_priced_calls(calls))      # requests with estimate beside reported
>>> format_estimate(calls[0]), format_reported(calls[0])   # the two figures, one line each

Each ``Call`` keeps:

* ``params``: the request with plain values (what a notebook re-sends through the
  resource client); ``wire``: the same request as it went over HTTP, typed values
  (``{"S": "…"}``) and ``TableName``, ``IndexName``, ``ReturnConsumedCapacity`` included;
* ``cost``: the estimate (``cruddur_lab.capacity.Cost``: table RCU/WCU, index RCU/WCU, the
  arithmetic in ``cost.steps``, silent-rule choices in ``cost.notes``);
* ``reported``: the engine's ``ConsumedCapacity``; ``reported_synthetic`` is True on the
  embedded engine (moto's constant, never what AWS charges); on ``--engine aws``
  ``difference`` is reported minus estimated.

How the estimate is made without changing anything. A write's price needs the item as it
was (the larger image counts, an index write depends on what the index held), and an
update's the item as it became; a filtered Query's price needs the items it *evaluated*,
which the response does not carry. The recorder reads them itself: before a write, one
consistent BatchGetItem of the keys it touches; after an update, another; after a Query or
Scan with a filter or projection, the same page again without them (``Limit`` set to its
``ScannedCount``). Those are reads only -- the engine's state is unchanged -- sent through
the same client with a per-thread flag set, so they are neither recorded nor priced and
the learner's list shows only the package's requests. On AWS they consume real (small)
read capacity; pass ``price=False`` to send nothing extra. (Also GetItem, BatchGetItem and
TransactGetItems: the whole item is charged whatever a projection returned, so it is read.)
The recorder also asks for ``ReturnConsumedCapacity: INDEXES`` when a request did not ask
for a figure (``Call.added`` names it), so the engine reports one; nothing else in a
request is changed.
"""

from __future__ import annotations

import contextlib
import copy
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab.capacity import Cost, item_size, reported_units
from cruddur_lab.engine import pricing

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: Parameters that are plumbing, not part of the access pattern.
_HIDDEN = ("TableName", "ReturnConsumedCapacity")
_TYPED = {"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}
_CONTEXT_KEY = "cruddur_lab_call"
_side_reads = threading.local()


@dataclass
class Call:
    """One request as sent, its estimated cost on AWS and what the engine reported."""

    operation: str
    params: dict[str, Any]
    wire: dict[str, Any] = field(default_factory=dict)
    #: Parameters the recorder added (``ReturnConsumedCapacity``), not the package.
    added: tuple[str, ...] = ()
    cost: Cost | None = None
    reported: Any = None
    reported_units: float | None = None
    #: True when the engine's figure is known to be made up (moto's constant).
    reported_synthetic: bool = False
    engine: str = ""
    error: str | None = None
    count: int | None = None
    scanned_count: int | None = None
    #: Sizes in bytes of the items the request read (evaluated) or wrote, in order.
    item_sizes: tuple[int, ...] = ()

    @property
    def table(self) -> str:
        return str(self.params.get("TableName", ""))

    @property
    def index(self) -> str | None:
        return self.params.get("IndexName")

    @property
    def difference(self) -> float | None:
        """Reported minus estimated capacity units, on real AWS only."""
        if self.engine != "aws" or self.cost is None or self.reported_units is None:
            return None
        return self.reported_units - self.cost.capacity_units


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
        self.lab = lab
        self.operations = operations
        self.price = price
        self.calls: list[Call] = []
        self.tables: dict[str, pricing.TableInfo] = {}
        self.engine = lab.settings.engine

    # --- hooks ------------------------------------------------------------------------

    def before(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        if getattr(_side_reads, "active", False):
            return
        if self.operations and model.name not in self.operations:
            return
        call = Call(model.name, _plain(params), engine=self.engine)
        call.reported_synthetic = self.lab.is_embedded
        wants_figure = self.price and model.name in pricing.DATA_PLANE
        if wants_figure and "ReturnConsumedCapacity" not in params:
            params["ReturnConsumedCapacity"] = "INDEXES"
            call.added = ("ReturnConsumedCapacity",)
        call.wire = copy.deepcopy(params)
        self.calls.append(call)
        if context is None:
            return
        context[_CONTEXT_KEY] = call
        if self.price and model.name in pricing.WRITES + pricing.READS[:3]:
            context[_CONTEXT_KEY + "_before"] = self._guarded(self._images_before, call)

    def after(self, parsed: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        call = (context or {}).get(_CONTEXT_KEY)
        if call is None or getattr(_side_reads, "active", False):
            return
        call.error = (parsed.get("Error") or {}).get("Code")
        call.reported = copy.deepcopy(parsed.get("ConsumedCapacity"))
        call.reported_units = reported_units(parsed)
        if "Count" in parsed:
            call.count, call.scanned_count = parsed["Count"], parsed.get("ScannedCount")
        if self.price:
            before = context.get(_CONTEXT_KEY + "_before") or {}
            self._guarded(self._price, call, parsed, before)

    # --- pricing ----------------------------------------------------------------------

    def _guarded(self, step: Any, *args: Any) -> Any:
        """Run a pricing step with side reads hidden; a failure becomes a note, never an
        error in the learner's request."""
        _side_reads.active = True
        try:
            return step(*args)
        except Exception as error:
            call = args[0]
            call.cost = Cost(notes=(f"not estimated: {type(error).__name__}: {error}",))
            return None
        finally:
            _side_reads.active = False

    def _price(self, call: Call, parsed: dict[str, Any], before: pricing.Images) -> None:
        wire, operation = call.wire, call.operation
        tables = self._tables_for(operation, wire)
        after: pricing.Images = {}
        evaluated = None
        if operation in ("UpdateItem", "TransactWriteItems") and not call.error:
            updated = _updated_keys(operation, wire)
            after = self._read_items(updated, tables) if updated else {}
        if operation in ("Query", "Scan"):
            evaluated = self._evaluated(operation, wire, parsed)
        call.cost = pricing.price(
            operation, wire, parsed, tables=tables, before=before, after=after, evaluated=evaluated
        )
        if evaluated is not None:
            call.item_sizes = tuple(item_size(i) for i in evaluated)
        elif operation in ("Query", "Scan"):
            call.item_sizes = tuple(item_size(i) for i in parsed.get("Items", []))
        elif operation in pricing.WRITES:
            call.item_sizes = tuple(item_size(i) for i in _written_items(operation, wire))
        else:  # GetItem and friends: the whole items, as they are charged
            call.item_sizes = tuple(item_size(i) for i in before.values() if i is not None)

    def _images_before(self, call: Call) -> pricing.Images:
        tables = self._tables_for(call.operation, call.wire)
        if call.operation == "GetItem":
            keys = [(call.wire["TableName"], call.wire["Key"])]
        elif call.operation == "BatchGetItem":
            keys = [
                (table, key)
                for table, request in call.wire["RequestItems"].items()
                for key in request.get("Keys", [])
            ]
        elif call.operation == "TransactGetItems":
            keys = [
                (action["Get"]["TableName"], action["Get"]["Key"])
                for action in call.wire["TransactItems"]
            ]
        else:
            keys = pricing.write_keys(call.operation, call.wire, tables)
        return self._read_items(keys, tables)

    def _client(self) -> Any:
        return self.lab.client("dynamodb")

    def _tables_for(self, operation: str, wire: dict[str, Any]) -> dict[str, pricing.TableInfo]:
        names: set[str] = set()
        if "TableName" in wire:
            names.add(wire["TableName"])
        names.update(wire.get("RequestItems", {}))
        for action in wire.get("TransactItems", []):
            ((_, body),) = action.items()
            names.add(body["TableName"])
        for name in names - set(self.tables):
            table = self._client().describe_table(TableName=name)["Table"]
            self.tables[name] = pricing.TableInfo.from_description(table)
        return {name: self.tables[name] for name in names}

    def _read_items(self, keys: list[tuple[str, dict[str, Any]]], tables) -> pricing.Images:
        """Consistent reads of ``keys`` (100 a request); a missing item maps to None."""
        images: pricing.Images = {}
        for table, key in keys:
            images[(table, tables[table].key_of(key))] = None
        pending = [(t, {n: k[n] for n in tables[t].keys}) for t, k in keys]
        while pending:
            chunk, pending = pending[:100], pending[100:]
            request: dict[str, Any] = {}
            for table, key in chunk:
                entry = request.setdefault(table, {"Keys": [], "ConsistentRead": True})
                if key not in entry["Keys"]:
                    entry["Keys"].append(key)
            while request:
                answer = self._client().batch_get_item(RequestItems=request)
                for table, items in answer.get("Responses", {}).items():
                    for item in items:
                        images[(table, tables[table].key_of(item))] = item
                request = answer.get("UnprocessedKeys") or {}
        return images

    def _evaluated(
        self, operation: str, wire: dict[str, Any], parsed: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """The items a Query/Scan page evaluated, when the response does not show them all."""
        narrowed = any(k in wire for k in ("FilterExpression", "ProjectionExpression", "Select"))
        scanned = parsed.get("ScannedCount", parsed.get("Count", 0))
        if not narrowed and scanned == len(parsed.get("Items", [])):
            return None
        if not scanned:
            return []
        again = {
            k: v
            for k, v in wire.items()
            if k
            not in (
                "FilterExpression",
                "ProjectionExpression",
                "Select",
                "AttributesToGet",
                "ReturnConsumedCapacity",
            )
        }
        again["Limit"] = scanned
        _keep_used_placeholders(again)
        method = self._client().query if operation == "Query" else self._client().scan
        return list(method(**again).get("Items", []))


def _keep_used_placeholders(request: dict[str, Any]) -> None:
    """Drop expression names/values no remaining expression uses (DynamoDB refuses them)."""
    text = " ".join(str(request.get(k, "")) for k in ("KeyConditionExpression",))
    used = set(re.findall(r"[#:][A-Za-z0-9_]+", text))
    for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        kept = {k: v for k, v in request.get(name, {}).items() if k in used}
        if kept:
            request[name] = kept
        else:
            request.pop(name, None)


def _updated_keys(operation: str, wire: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if operation == "UpdateItem":
        return [(wire["TableName"], wire["Key"])]
    return [
        (action["Update"]["TableName"], action["Update"]["Key"])
        for action in wire.get("TransactItems", [])
        if "Update" in action
    ]


def _written_items(operation: str, wire: dict[str, Any]) -> list[dict[str, Any]]:
    if operation == "PutItem":
        return [wire["Item"]]
    if operation == "BatchWriteItem":
        return [
            r["PutRequest"]["Item"]
            for requests in wire.get("RequestItems", {}).values()
            for r in requests
            if "PutRequest" in r
        ]
    if operation == "TransactWriteItems":
        return [a["Put"]["Item"] for a in wire.get("TransactItems", []) if "Put" in a]
    return []


@contextlib.contextmanager
def recording(
    lab: Lab, operations: Sequence[str] = (), *, price: bool = True
) -> Iterator[list[Call]]:
    """Collect every DynamoDB request made through ``lab`` (optionally only ``operations``),
    each priced by AWS's rules unless ``price=False``."""
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


def format_call(call: Call) -> str:
    lines = [f"{call.operation} {call.table}".rstrip()]
    shown = {k: v for k, v in call.params.items() if k not in _HIDDEN}
    width = max((len(k) for k in shown), default=0)
    lines += [f"  {key.ljust(width)}  {value!r}" for key, value in shown.items()]
    return "\n".join(lines)


def format_calls(calls: Sequence[Call]) -> str:
    return "\n".join(format_call(call) for call in calls) if calls else "(no requests)"


def format_estimate(call: Call) -> str:
    """``estimated on AWS: 1 RCU, 0 WCU`` (what AWS's rules charge for this request)."""
    if call.operation not in pricing.DATA_PLANE:
        return "control plane: no read or write units"
    return f"estimated on AWS: {call.cost if call.cost is not None else 'not estimated'}"


def format_reported(call: Call) -> str:
    """``reported by moto (synthetic, …): 1 units``; on AWS with the difference."""
    units = call.reported_units
    reported = "none reported" if units is None else f"CapacityUnits {units:g}"
    source = {
        "embedded": "reported by moto (synthetic, not what AWS charges)",
        "aws": "reported by AWS",
    }.get(call.engine, f"reported by the {call.engine} engine")
    text = f"{source}: {reported}"
    if call.difference is not None:
        text += f" (reported minus estimated: {call.difference:+g})"
    return text


def format_cost_line(call: Call) -> str:
    """``estimated on AWS: … | reported by moto (synthetic): …`` for one request."""
    if call.operation not in pricing.DATA_PLANE:
        return format_estimate(call)
    return f"{format_estimate(call)} | {format_reported(call)}"


def format_priced_calls(calls: Sequence[Call], *, steps: bool = False) -> str:
    """Each request, then its estimated cost beside the engine's figure (and the steps)."""
    if not calls:
        return "(no requests)"
    blocks = []
    for call in calls:
        lines = [format_call(call), "  -> " + format_cost_line(call)]
        if steps and call.cost is not None:
            lines += [f"     {step}" for step in call.cost.steps]
            lines += [f"     note: {note}" for note in call.cost.notes]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
