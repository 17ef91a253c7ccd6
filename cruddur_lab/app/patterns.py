"""The app's service layer: access patterns A–D, as Cruddur's ``services/`` called them.

Each function takes the caller's ``cognito_user_id`` (the ``sub`` of their Cognito token),
finds them in Postgres by ``users.cognito_user_id``, checks the input, and only then reads
or writes DynamoDB:

* **A** ``list_messages``: newest 20 messages of a group, oldest first, with a page token.
* **B** ``list_message_groups``: the caller's inbox (group rows), newest first, paginated.
* **C** ``create_message``: one message row in a group the caller belongs to.
* **D** ``create_message_group``: both group rows and the first message in one transaction.

Fixed here, compared with the bootcamp's code: no ``begins_with(sk, <this year>)`` filter;
``LastEvaluatedKey`` is handed back as a page token; callers must belong to a group to read
or write it; C returns the *message* uuid (the app returned the sender's user uuid); D is a
real TransactWriteItems instead of a batch write; validation errors are ``ServiceError``
(code + one line) instead of a 500.

Pattern E, moving group rows when a message arrives, is the stream handler's job
(``streams.py``): C and D write exactly what the app wrote and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.app.validation import (
    MOCK_COGNITO_ID,
    decode_page_token,
    encode_page_token,
    provision_caller,
    require_group_uuid,
    require_handle,
    require_limit,
    require_text,
    resolve_caller,
    resolve_receiver,
)
from cruddur_lab.errors import ServiceError
from cruddur_lab.model import (
    GSI_PARTITION_KEY,
    PAGE_SIZE,
    User,
    group_pk,
    group_rows,
    message_item,
    message_pk,
)
from cruddur_lab.scripts.reads import items_frame, read_all

__all__ = [
    "MOCK_COGNITO_ID",
    "CreatedGroup",
    "CreatedMessage",
    "GroupsPage",
    "MessagesPage",
    "create_message",
    "create_message_group",
    "is_member",
    "list_message_groups",
    "list_messages",
    "provision_caller",
    "resolve_caller",
    "walk_message_pages",
]

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: A message row's key is (group, created_at): a clash means two messages in the same
#: microsecond. C retries with a fresh timestamp this many times.
MESSAGE_WRITE_ATTEMPTS = 3


# --- results ------------------------------------------------------------------------------


class _ItemsPage:
    """What Pattern A's and B's pages share: their items, counted and as a DataFrame."""

    items: list[dict[str, Any]]

    @property
    def count(self) -> int:
        return len(self.items)

    def to_frame(self) -> Any:
        """The items as a pandas DataFrame, in the page's order."""
        return items_frame(self.items)


@dataclass(frozen=True)
class MessagesPage(_ItemsPage):
    """Pattern A's answer: one page of a conversation, oldest message first."""

    message_group_uuid: str
    #: Message rows as stored (``pk``, ``sk``, ``message_uuid``, ``message``, ``user_*``).
    items: list[dict[str, Any]]
    #: Pass back as ``page_token`` for the 20 messages before these; None on the oldest page.
    next_token: str | None


@dataclass(frozen=True)
class GroupsPage(_ItemsPage):
    """Pattern B's answer: one page of the caller's inbox, newest conversation first."""

    #: Group rows as stored; ``user_*`` describe the *other* participant.
    items: list[dict[str, Any]]
    next_token: str | None


@dataclass(frozen=True)
class CreatedMessage:
    """Pattern C's answer: the message written, named by its own uuid, and its sender."""

    message_uuid: str
    message_group_uuid: str
    created_at: str
    message: str
    user_uuid: str
    user_handle: str
    user_display_name: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class CreatedGroup:
    """Pattern D's answer: the conversation (new, or the one the two already shared)."""

    message_group_uuid: str
    #: True when the two users already shared a group: nothing new was created but the
    #: message, which was posted into that group.
    existing: bool
    receiver_uuid: str
    receiver_handle: str
    receiver_display_name: str
    message: CreatedMessage


# --- reads ----------------------------------------------------------------------------------


def _newest_group_row(lab: Lab, owner: User, attribute: str, value: str) -> dict[str, Any] | None:
    """The owner's newest group row whose ``attribute`` equals ``value`` (consistent read)."""
    from boto3.dynamodb.conditions import Attr, Key

    rows = read_all(
        lab,
        "query",
        KeyConditionExpression=Key("pk").eq(group_pk(owner.uuid)),
        FilterExpression=Attr(attribute).eq(value),
        ScanIndexForward=False,
        ConsistentRead=True,
    )
    return rows[0] if rows else None


def is_member(lab: Lab, user: User, message_group_uuid: str) -> bool:
    """True when ``user`` has a group row for the group.

    The sparse GSI answers with two items; it is eventually consistent on AWS, so a group
    created a moment ago may be missing there, and a "no" is confirmed by a consistent read
    of the user's own inbox.
    """
    from boto3.dynamodb.conditions import Key

    rows = read_all(
        lab,
        "query",
        # Read at call time, so the model stays the one place that names the index.
        IndexName=model.GSI_NAME,
        KeyConditionExpression=Key(GSI_PARTITION_KEY).eq(message_group_uuid),
    )
    if any(row["pk"] == group_pk(user.uuid) for row in rows):
        return True
    return _newest_group_row(lab, user, GSI_PARTITION_KEY, message_group_uuid) is not None


def _require_member(lab: Lab, user: User, message_group_uuid: str) -> None:
    if not is_member(lab, user, message_group_uuid):
        raise ServiceError(
            "not_a_member",
            f"{user.handle} is not in conversation {message_group_uuid}: list your "
            "conversations with `cruddur-lab groups list`",
        )


def list_messages(
    lab: Lab, caller: str, message_group_uuid: str, *, page_token: str | None = None
) -> MessagesPage:
    """Pattern A: the newest 20 messages of a group (before ``page_token``), oldest first.

    Query ``pk = MSG#<group>`` newest first with ``Limit 20``, then reverse the page. The
    query's ``LastEvaluatedKey`` comes back as ``next_token``. DynamoDB may return a key
    when the page ends exactly at the oldest message, so the page after it can be empty
    (moto does not do that): an empty page is an answer, not an error.
    """
    group = require_group_uuid(message_group_uuid)
    start = decode_page_token(page_token, message_pk(group))
    user = resolve_caller(lab, caller)
    _require_member(lab, user, group)
    page = _newest_first(lab, message_pk(group), PAGE_SIZE, start)
    items = list(reversed(page["Items"]))
    return MessagesPage(group, items, encode_page_token(page.get("LastEvaluatedKey")))


def _newest_first(lab: Lab, pk: str, limit: int, start: dict[str, str] | None) -> Any:
    """One page of a partition, newest ``sk`` first: patterns A and B read this way."""
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": pk},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if start:
        kwargs["ExclusiveStartKey"] = start
    with lab.translate_errors():
        return lab.table.query(**kwargs)


def walk_message_pages(lab: Lab, caller: str, message_group_uuid: str) -> Iterator[MessagesPage]:
    """Pattern A page after page, newest first, until a page comes back without a token.

    On AWS the last page is often empty (see ``list_messages``); it is yielded like any
    other, so a caller counting pages sees what DynamoDB really answered.
    """
    token: str | None = None
    while True:
        page = list_messages(lab, caller, message_group_uuid, page_token=token)
        yield page
        if page.next_token is None:
            return
        token = page.next_token


def list_message_groups(
    lab: Lab, caller: str, *, page_token: str | None = None, limit: int | None = None
) -> GroupsPage:
    """Pattern B: the caller's group rows, newest first, ``limit`` (20) a page; no year filter."""
    size = require_limit(limit, PAGE_SIZE)
    user = resolve_caller(lab, caller)
    start = decode_page_token(page_token, group_pk(user.uuid))
    page = _newest_first(lab, group_pk(user.uuid), size, start)
    return GroupsPage(list(page["Items"]), encode_page_token(page.get("LastEvaluatedKey")))


# --- writes ---------------------------------------------------------------------------------


def _created(item: dict[str, str], message_group_uuid: str) -> CreatedMessage:
    return CreatedMessage(
        message_uuid=item["message_uuid"],
        message_group_uuid=message_group_uuid,
        created_at=item["sk"],
        message=item["message"],
        user_uuid=item["user_uuid"],
        user_handle=item["user_handle"],
        user_display_name=item["user_display_name"],
    )


def _put_if_new(lab: Lab, item: dict[str, str]) -> bool:
    """Put ``item`` unless a row has its key already; False when one has."""
    from botocore.exceptions import ClientError

    with lab.translate_errors():
        try:
            lab.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
    return True


def _put_message(lab: Lab, sender: User, message_group_uuid: str, text: str) -> CreatedMessage:
    """Write one message row; never overwrite another message with the same timestamp."""
    message_uuid = lab.clock.new_id()
    for _ in range(MESSAGE_WRITE_ATTEMPTS):
        item = message_item(
            message_group_uuid=message_group_uuid,
            message_uuid=message_uuid,
            sender=sender,
            text=text,
            created_at=lab.clock.timestamp(),
        )
        if _put_if_new(lab, item):
            return _created(item, message_group_uuid)
    raise ServiceError(
        "message_conflict",
        f"another message in {message_group_uuid} kept taking the same timestamp: send again",
    )


def create_message(lab: Lab, caller: str, message_group_uuid: str, text: str) -> CreatedMessage:
    """Pattern C: add one message row to a group the caller belongs to.

    ``sk`` is ``lab.clock.timestamp()``, ``message_uuid`` is ``lab.clock.new_id()``. Only
    the message row is written, as in the app: moving both group rows to the new message is
    Pattern E's stream handler's work, which runs after the write.
    """
    group = require_group_uuid(message_group_uuid)
    text = require_text(text)
    sender = resolve_caller(lab, caller)
    _require_member(lab, sender, group)
    return _put_message(lab, sender, group, text)


def create_message_group(lab: Lab, caller: str, receiver_handle: str, text: str) -> CreatedGroup:
    """Pattern D: start a conversation with ``receiver_handle`` and send its first message.

    Both group rows and the message go in one TransactWriteItems, each put conditioned on
    ``attribute_not_exists(pk)``: if any of them would overwrite a row, DynamoDB writes none
    of them and this raises ``ServiceError('transaction_cancelled')``.

    If the two users already share a group (the caller has a group row describing the
    receiver), no second group is made: the message is posted into the newest shared group
    through Pattern C and the answer says ``existing=True``. Two *concurrent* first messages
    between the same pair can still make two groups; nothing in the model locks a pair.
    """
    handle = require_handle(receiver_handle)
    text = require_text(text)
    sender = resolve_caller(lab, caller)
    receiver = resolve_receiver(lab, handle)
    if receiver.uuid == sender.uuid:
        raise ServiceError(
            "cannot_message_self", f"{sender.handle} cannot start a conversation with themselves"
        )
    shared = _newest_group_row(lab, sender, "user_uuid", receiver.uuid)
    if shared is not None:
        group = shared["message_group_uuid"]
        return _group_answer(group, True, receiver, _put_message(lab, sender, group, text))
    group = lab.clock.new_id()
    message_uuid = lab.clock.new_id()
    created_at = lab.clock.timestamp()
    rows = group_rows(
        sender, receiver, message_group_uuid=group, last_message=text, last_at=created_at
    )
    message = message_item(
        message_group_uuid=group,
        message_uuid=message_uuid,
        sender=sender,
        text=text,
        created_at=created_at,
    )
    _write_new_group(lab, [*rows, message])
    return _group_answer(group, False, receiver, _created(message, group))


def _group_answer(
    group: str, existing: bool, receiver: User, message: CreatedMessage
) -> CreatedGroup:
    return CreatedGroup(
        message_group_uuid=group,
        existing=existing,
        receiver_uuid=receiver.uuid,
        receiver_handle=receiver.handle,
        receiver_display_name=receiver.display_name,
        message=message,
    )


def _write_new_group(lab: Lab, items: list[dict[str, str]]) -> None:
    """All ``items`` or none: one transaction, no put may replace an existing row."""
    from botocore.exceptions import ClientError

    table = lab.settings.table_name
    actions = [
        {
            "Put": {
                "TableName": table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for item in items
    ]
    with lab.translate_errors():
        try:
            lab.dynamodb.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            raise _cancelled(items, reasons) from None


def _cancelled(items: list[dict[str, str]], reasons: list[str]) -> ServiceError:
    clashes = [
        f"{item['pk']} {item['sk']}"
        for item, reason in zip(items, reasons, strict=False)
        if reason == "ConditionalCheckFailed"
    ]
    why = f"a row already exists at {', '.join(clashes)}" if clashes else ", ".join(reasons)
    error = ServiceError(
        "transaction_cancelled",
        f"the conversation was not created ({why or 'no reason given'}): nothing was "
        "written; send again",
    )
    error.aws_code = "TransactionCanceledException"
    return error
