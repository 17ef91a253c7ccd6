"""Helpers for the Pattern E tests: conversations written the way the app writes them.

Group rows and first message as Pattern D does (``model.group_item``/``model.message_item``
at the same ``sk``), later messages as Pattern C does (one conditional put of a message row).
Nothing here moves group rows: that is the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cruddur_lab import model
from cruddur_lab.clock import stable_id


@dataclass(frozen=True)
class Conversation:
    group_uuid: str
    users: tuple[model.User, model.User]


def user(n: int) -> model.User:
    return model.User(stable_id("stream-test-user", n), f"user{n}", f"User {n}")


def start_conversations(lab: Any, count: int, *, first: int = 0) -> list[Conversation]:
    """``count`` conversations between distinct pairs of users, each with a first message."""
    conversations = []
    for n in range(first, first + count):
        users = (user(2 * n), user(2 * n + 1))
        conversation = Conversation(stable_id("stream-test-group", n), users)
        created_at = lab.clock.timestamp()
        for owner, other in (users, users[::-1]):
            lab.dynamodb.put_item(
                TableName=lab.settings.table_name,
                Item=model.group_item(
                    owner=owner,
                    other=other,
                    message_group_uuid=conversation.group_uuid,
                    last_message=f"hello {n}",
                    last_at=created_at,
                ),
            )
        send(lab, conversation, f"hello {n}", created_at=created_at)
        conversations.append(conversation)
    return conversations


def send(
    lab: Any,
    conversation: Conversation,
    text: str,
    *,
    created_at: str | None = None,
    message_uuid: str | None = None,
    sender: int = 0,
) -> dict[str, str]:
    """Write one message row, refusing to overwrite one with the same key (as Pattern C)."""
    item = model.message_item(
        message_group_uuid=conversation.group_uuid,
        message_uuid=message_uuid or lab.clock.new_id(),
        sender=conversation.users[sender],
        text=text,
        created_at=created_at or lab.clock.timestamp(),
    )
    lab.dynamodb.put_item(
        TableName=lab.settings.table_name,
        Item=item,
        ConditionExpression="attribute_not_exists(pk)",
    )
    return item


def items(lab: Any) -> list[dict[str, Any]]:
    table = lab.settings.table_name
    found, kwargs = [], {"TableName": table}
    while True:
        page = lab.dynamodb.scan(**kwargs)
        found.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda item: (item["pk"], item["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def group_rows(lab: Any, conversation: Conversation) -> list[dict[str, Any]]:
    return [
        item
        for item in items(lab)
        if model.is_group_key(item["pk"]) and item["message_group_uuid"] == conversation.group_uuid
    ]


def message_uuids(lab: Any) -> set[str]:
    return {item["message_uuid"] for item in items(lab) if model.is_message_key(item["pk"])}


def typed_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's wire form, as a low-level client and a stream record carry it."""
    from boto3.dynamodb.types import TypeSerializer

    return {name: TypeSerializer().serialize(value) for name, value in item.items()}


def plain_item(typed: dict[str, Any]) -> dict[str, Any]:
    """The wire form back to plain values."""
    from boto3.dynamodb.types import TypeDeserializer

    return {name: TypeDeserializer().deserialize(value) for name, value in typed.items()}


def stream_record(
    item: dict[str, str], sequence_number: int, event_name: str = "INSERT"
) -> dict[str, Any]:
    """One record in the shape AWS Lambda receives from DynamoDB Streams."""
    typed = typed_item(item)
    data: dict[str, Any] = {
        "ApproximateCreationDateTime": 1772366400.0,
        "Keys": {"pk": typed["pk"], "sk": typed["sk"]},
        "SequenceNumber": str(sequence_number),
        "SizeBytes": 200,
        "StreamViewType": "NEW_IMAGE",
    }
    if event_name != "REMOVE":
        data["NewImage"] = typed
    return {
        "eventID": f"event-{sequence_number}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": data,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label",
    }


def lambda_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
