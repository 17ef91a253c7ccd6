"""Run every script and pattern once, recorded with their reported cost, on a scratch table.

The figures of the catalogue, the cost notebook and ``cruddur_lab.modeling.costs`` come from
here: each pattern is called as the app calls it, its requests recorded by
``cruddur_lab.engine.trace``, and shown under the learner's table name. The learner's table
is only read (copied); the writes go to a scratch table (``cruddur_lab.modeling.scratch``).

>>> costs = measure_patterns(lab)         # {"seed": Measured, "scan": ..., "A": ..., "E": ...}
>>> per_message(costs).sustained()        # C + E: messages a second at the bootcamp's 5/5
>>> measure_trade_offs(lab)["E-bootcamp"] # the bootcamp's delete-then-put handler, priced
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.engine.trace import recording
from cruddur_lab.modeling.costs import Measured, data_plane

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: Texts the measured writes send; fixed, so sizes (and the README's figures) are stable.
MEASURED_MESSAGE = "Pricing this message: how many units does it cost?"


def measure_patterns(lab: Lab) -> dict[str, Measured]:
    """Run the scripts and patterns A–E once each on a scratch copy of ``lab``'s table.

    The seed is measured on an empty scratch table (its first run); everything else on a
    copy of the current items, with the seed conversation's two users.
    """
    from cruddur_lab.modeling.scratch import scratch_table

    results: dict[str, Measured] = {}
    name = lab.settings.table_name
    with scratch_table(lab, copy=False) as empty:
        results["seed"] = _record(empty, *_ORDER[0], shown_as=name)
    with scratch_table(lab) as scratch:
        for pattern, title, run in _PATTERNS:
            results[pattern] = _record(scratch, pattern, title, run, shown_as=name)
    results["E"].per = "message"
    return {key: results[key] for key, *_ in _ORDER}


def _record(lab: Lab, pattern: str, title: str, run: Callable[..., Any], shown_as: str) -> Measured:
    from cruddur_lab.modeling.scratch import renamed

    # What a pattern needs to be set up (D: someone to write to) is read before recording.
    prepared = _PREPARE[pattern](lab) if pattern in _PREPARE else None
    with recording(lab) as calls:
        result = run(lab, prepared)
    if result is not None:
        _last_result[lab.settings.table_name] = result
    requests = renamed(data_plane(calls), lab.settings.table_name, shown_as)
    return Measured(title, requests, pattern=pattern)


#: What the previous runner returned, per table: Pattern E prices Pattern C's message.
_last_result: dict[str, Any] = {}


def _seed(lab: Lab, prepared: Any = None) -> None:
    from cruddur_lab.scripts.seed import seed

    seed(lab)


def _caller(lab: Lab, index: int = 0) -> str:
    from cruddur_lab.app.patterns import provision_caller

    return provision_caller(lab, model.SEED_GROUP_HANDLES[index])


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


def _sent_row(lab: Lab) -> dict[str, str]:
    """The message row Pattern C wrote last on this table (from its answer)."""
    message = _last_result[lab.settings.table_name]
    return model.message_item(
        message_group_uuid=message.message_group_uuid,
        message_uuid=message.message_uuid,
        sender=model.User(message.user_uuid, message.user_handle, message.user_display_name),
        text=message.message,
        created_at=message.created_at,
    )


def _pattern_e(lab: Lab, prepared: Any = None) -> None:
    """The stream handler's work for the one message Pattern C just wrote.

    The handler (the Lambda's code) gets that message's INSERT record, as Lambda would
    deliver it; reading the stream itself is billed as stream read requests, not RCU.
    """
    from cruddur_lab.app.deploy.handler import StreamHandler
    from cruddur_lab.capacity import wire_item

    item = _sent_row(lab)
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


def per_message(costs: dict[str, Measured]) -> Measured:
    """One chat message end to end: Pattern C's write plus Pattern E's moves."""
    return Measured(
        "one message: C writes it, E moves both inbox rows",
        [*costs["C"].requests, *costs["E"].requests],
        pattern="C+E",
        per="message",
    )


def measure_trade_offs(lab: Lab) -> dict[str, Measured]:
    """What the design's choices are worth, each measured on a scratch copy:

    * ``E-bootcamp``: the bootcamp's handler for one message (a plain DeleteItem then
      PutItem per group row, no transaction, no conditions) -- reproduced here only to be
      priced against ``E``; it can lose or duplicate a row (notebook 10);
    * ``C-not-sparse``: Pattern C's message row if it also carried ``message_group_uuid``,
      i.e. if the index were not sparse.
    """
    from cruddur_lab.modeling.scratch import scratch_table

    name = lab.settings.table_name
    results: dict[str, Measured] = {}
    with scratch_table(lab) as scratch:
        _record(scratch, "C", "C", _pattern_c, shown_as=name)
        results["E-bootcamp"] = _record(
            scratch,
            "E-bootcamp",
            "E as the bootcamp did it (delete, then put)",
            _bootcamp_move,
            shown_as=name,
        )
        results["E-bootcamp"].per = "message"
        results["C-not-sparse"] = _record(
            scratch,
            "C-not-sparse",
            "C if message rows carried message_group_uuid",
            _put_indexed_message,
            shown_as=name,
        )
    return results


def _bootcamp_move(lab: Lab, prepared: Any = None) -> None:
    """The bootcamp's Lambda for one message: query the index, then per row delete and put.

    Do not copy: a failure between the two requests loses the row (notebook 10).
    """
    message = _last_result[lab.settings.table_name]
    client = lab.client("dynamodb")
    rows = client.query(
        TableName=lab.settings.table_name,
        IndexName=model.GSI_NAME,
        KeyConditionExpression="message_group_uuid = :g",
        ExpressionAttributeValues={":g": {"S": message.message_group_uuid}},
    )["Items"]
    for row in rows:
        client.delete_item(
            TableName=lab.settings.table_name, Key={"pk": row["pk"], "sk": row["sk"]}
        )
        moved = {**row, "sk": {"S": message.created_at}, "message": {"S": message.message}}
        client.put_item(TableName=lab.settings.table_name, Item=moved)


def _put_indexed_message(lab: Lab, prepared: Any = None) -> None:
    """Pattern C's message row with ``message_group_uuid`` added (a non-sparse design)."""
    from cruddur_lab.capacity import wire_item

    row = _sent_row(lab)
    row["sk"] += "!"  # a key of its own beside Pattern C's row
    row[model.GSI_PARTITION_KEY] = row["pk"].removeprefix(model.MESSAGE_PREFIX)
    lab.client("dynamodb").put_item(TableName=lab.settings.table_name, Item=wire_item(row))


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
