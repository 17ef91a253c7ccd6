"""Designs the bootcamp could have chosen, each runnable on the engine beside the real one.

* ``CurrentDesign``: the app as it is. Group rows are keyed by the time of the last message
  (``sk``); Pattern C writes one message row and the stream handler moves each group row
  (a transaction of Delete + Put) when the stream delivers the message.
* ``SyncInboxDesign``: the same keys, but Pattern C moves both group rows inside its own
  transaction, so no stream is needed and the inbox is current when the call returns.
* ``FixedKeyDesign``: group rows at a fixed key (``GRP#<user>`` / ``GRP#<group>``) with a
  ``last_message_at`` attribute and a sparse index ``inbox-index`` (pk, last_message_at)
  for inbox order. The stream handler updates each row with one conditional UpdateItem;
  membership is one GetItem.
* ``PairDesign``: the current keys plus a pair item ``PAIR#<a>#<b>`` naming the two users'
  conversation, so Pattern D's "do we already share a group?" is one GetItem, and two
  first messages racing each other cannot make two groups (the pair's put is conditional).

Each runs the same seed on a table of its own (``design_comparison.Design``) and is measured by
``design_comparison.measure`` with the priced request recorder.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-general-nosql-design.html
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.errors import ServiceError
from cruddur_lab.model import (
    BOOTCAMP_THROUGHPUT,
    GSI_PARTITION_KEY,
    PAGE_SIZE,
    SEED_MESSAGES,
    User,
    create_table_spec,
    group_pk,
)
from cruddur_lab.modeling.costs import Measured
from cruddur_lab.modeling.design_comparison import Design, measure

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

INBOX_INDEX = "inbox-index"
LAST_MESSAGE_AT = "last_message_at"
PAIR_PREFIX = "PAIR#"
PAIR_SORT_KEY = "PAIR"
#: The pair item names its conversation by ``group_uuid``, not by the GSI's partition key,
#: so it stays out of the sparse index.
PAIR_GROUP_ATTRIBUTE = "group_uuid"


def pair_pk(a: str, b: str) -> str:
    """``PAIR#<lower uuid>#<higher uuid>``: the same key whoever writes first."""
    low, high = sorted((a, b))
    return f"{PAIR_PREFIX}{low}#{high}"


def fixed_group_sk(message_group_uuid: str) -> str:
    return f"GRP#{message_group_uuid}"


# --- the app as it is -----------------------------------------------------------------------


class CurrentDesign(Design):
    name = "current"
    summary = "sk = time of last message; the stream moves each group row (Delete + Put)"

    def send(self, sender: User, group: str, text: str, *, deliver: bool = True) -> None:
        """Pattern C as the app runs it; ``deliver`` then runs the stream handler, as the
        event source mapping would a moment later (``False`` shows the moment between)."""
        from cruddur_lab.app.patterns import create_message

        create_message(self.lab, sender.cognito_user_id, group, text)
        if deliver:
            self.deliver_stream()

    def inbox(self, user: User) -> list[dict[str, Any]]:
        from cruddur_lab.app.patterns import list_message_groups

        return list_message_groups(self.lab, user.cognito_user_id).items


class SyncInboxDesign(CurrentDesign):
    name = "sync-inbox"
    summary = "same keys; Pattern C moves both group rows in its own transaction, no stream"
    uses_stream = False

    def table_spec(self) -> dict[str, Any]:
        spec = create_table_spec(self.table_name)
        del spec["StreamSpecification"]
        return spec

    def send(self, sender: User, group: str, text: str, *, deliver: bool = True) -> None:
        """One index Query (members and membership at once), then one transaction: the
        message and, per group row, Delete old key + Put new key (all conditional)."""
        from boto3.dynamodb.conditions import Key

        from cruddur_lab.scripts.reads import read_all

        rows = read_all(
            self.lab,
            "query",
            IndexName=model.GSI_NAME,
            KeyConditionExpression=Key(GSI_PARTITION_KEY).eq(group),
        )
        if not any(row["pk"] == group_pk(sender.uuid) for row in rows):
            raise ServiceError("not_a_member", f"{sender.handle} is not in conversation {group}")
        message = self._new_message(sender, group, text)
        actions = [self._put(message)]
        for row in rows:
            if row["sk"] >= message["sk"]:
                continue
            actions.append(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"pk": row["pk"], "sk": row["sk"]},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                }
            )
            actions.append(self._put({**row, "sk": message["sk"], "message": text}))
        if not self._transact(actions):
            raise ServiceError("transaction_cancelled", "a row moved meanwhile: send again")


# --- fixed-key group rows ---------------------------------------------------------------------


class FixedKeyDesign(Design):
    name = "fixed-key"
    summary = (
        "group rows at GRP#<user> / GRP#<group>; last_message_at + inbox-index; "
        "the stream updates each row in place (one conditional UpdateItem)"
    )

    def table_spec(self) -> dict[str, Any]:
        spec = create_table_spec(self.table_name)
        spec["AttributeDefinitions"] = [
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", LAST_MESSAGE_AT)
        ]
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": INBOX_INDEX,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": LAST_MESSAGE_AT, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": dict(BOOTCAMP_THROUGHPUT),
            }
        ]
        return spec

    def row(self, owner: User, other: User, group: str, text: str, at: str) -> dict[str, str]:
        return {
            "pk": group_pk(owner.uuid),
            "sk": fixed_group_sk(group),
            GSI_PARTITION_KEY: group,
            LAST_MESSAGE_AT: at,
            "message": text,
            "user_uuid": other.uuid,
            "user_display_name": other.display_name,
            "user_handle": other.handle,
        }

    def seed(self) -> None:
        from cruddur_lab.model import SEED_GROUP_HANDLES, SEED_GROUP_UUID
        from cruddur_lab.scripts.seed import MESSAGE_INTERVAL, batch_write, seed_conversation
        from cruddur_lab.scripts.usersdb import find_user_by_handle, seed_users

        seed_users(self.lab)
        users = [find_user_by_handle(self.lab, handle) for handle in SEED_GROUP_HANDLES]
        anchor = self.lab.clock.origin - SEED_MESSAGES * MESSAGE_INTERVAL
        messages = seed_conversation(users, SEED_MESSAGES, anchor)
        newest = messages[-1]
        rows = [
            self.row(owner, other, SEED_GROUP_UUID, newest["message"], newest["sk"])
            for owner, other in ((users[0], users[1]), (users[1], users[0]))
        ]
        batch_write(self.lab, [*messages, *rows])

    def _membership(self, user: User, group: str) -> dict[str, Any] | None:
        with self.lab.translate_errors():
            answer = self.lab.table.get_item(
                Key={"pk": group_pk(user.uuid), "sk": fixed_group_sk(group)}
            )
        return answer.get("Item")

    def send(self, sender: User, group: str, text: str, *, deliver: bool = True) -> None:
        if self._membership(sender, group) is None:
            raise ServiceError("not_a_member", f"{sender.handle} is not in conversation {group}")
        message = self._new_message(sender, group, text)
        with self.lab.translate_errors():
            self.lab.table.put_item(Item=message, ConditionExpression="attribute_not_exists(pk)")
        if deliver:
            self.deliver_stream()

    def stream_handler(self) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """Per new message: read the sender's row (it names the other member), then one
        conditional UpdateItem per row; an older message never moves a row back."""
        client = self.lab.client("dynamodb")

        def handle(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
            for record in event.get("Records") or []:
                image = record["dynamodb"].get("NewImage") or {}
                pk = record["dynamodb"]["Keys"]["pk"]["S"]
                if record.get("eventName") != "INSERT" or not pk.startswith("MSG#"):
                    continue
                group = pk.removeprefix("MSG#")
                sender = image["user_uuid"]["S"]
                own = client.get_item(
                    TableName=self.table_name,
                    Key={"pk": {"S": group_pk(sender)}, "sk": {"S": fixed_group_sk(group)}},
                ).get("Item")
                if own is None:
                    continue
                for owner in (sender, own["user_uuid"]["S"]):
                    self._touch(client, owner, group, image["sk"]["S"], image["message"]["S"])
            return {"batchItemFailures": []}

        return handle

    def _touch(self, client: Any, owner: str, group: str, at: str, text: str) -> None:
        # A failed condition means the row already shows this message or a newer one.
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": group_pk(owner)}, "sk": {"S": fixed_group_sk(group)}},
                UpdateExpression="SET #t = :t, message = :m",
                ConditionExpression="attribute_exists(pk) AND #t < :t",
                ExpressionAttributeNames={"#t": LAST_MESSAGE_AT},
                ExpressionAttributeValues={":t": {"S": at}, ":m": {"S": text}},
            )

    def inbox(self, user: User) -> list[dict[str, Any]]:
        with self.lab.translate_errors():
            return self.lab.table.query(
                IndexName=INBOX_INDEX,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": group_pk(user.uuid)},
                ScanIndexForward=False,
                Limit=PAGE_SIZE,
            )["Items"]

    def commit_new_group(self, sender: User, receiver: User, text: str) -> str:
        group = self.lab.clock.new_id()
        message = self._new_message(sender, group, text)
        rows = [
            self.row(owner, other, group, text, message["sk"])
            for owner, other in ((sender, receiver), (receiver, sender))
        ]
        self._transact([self._put(item) for item in [*rows, message]])
        return group


# --- the pair item ----------------------------------------------------------------------------


class PairDesign(CurrentDesign):
    name = "pair-item"
    summary = "current keys + PAIR#<a>#<b>: 'already share a group?' is one GetItem"

    def pair_item(self, a: User, b: User, group: str) -> dict[str, str]:
        return {"pk": pair_pk(a.uuid, b.uuid), "sk": PAIR_SORT_KEY, PAIR_GROUP_ATTRIBUTE: group}

    def seed(self) -> None:
        from cruddur_lab.model import SEED_GROUP_HANDLES, SEED_GROUP_UUID
        from cruddur_lab.scripts.usersdb import find_user_by_handle

        super().seed()
        a, b = (find_user_by_handle(self.lab, handle) for handle in SEED_GROUP_HANDLES)
        with self.lab.translate_errors():
            self.lab.table.put_item(Item=self.pair_item(a, b, SEED_GROUP_UUID))

    def check_shared(self, sender: User, receiver: User) -> str | None:
        with self.lab.translate_errors():
            item = self.lab.table.get_item(
                Key={"pk": pair_pk(sender.uuid, receiver.uuid), "sk": PAIR_SORT_KEY}
            ).get("Item")
        return item[PAIR_GROUP_ATTRIBUTE] if item else None

    def commit_start(self, sender: User, receiver: User, text: str) -> str:
        """The pair item goes in the same transaction, on condition that it is new: of two
        racing first messages one wins and the other posts into the winner's group."""
        group = self.lab.clock.new_id()
        message = self._new_message(sender, group, text)
        rows = self._new_group_rows(sender, receiver, group, message)
        pair = self.pair_item(sender, receiver, group)
        if self._transact([self._put(item) for item in [pair, *rows, message]]):
            return group
        shared = self.check_shared(sender, receiver)
        if shared is None:
            raise ServiceError("transaction_cancelled", "the conversation was not created")
        self.send(sender, shared, text)
        return shared


DESIGNS: dict[str, type[Design]] = {
    design.name: design for design in (CurrentDesign, SyncInboxDesign, FixedKeyDesign, PairDesign)
}


def open_designs(lab: Lab, prefix: str = "cruddur-alt") -> Iterator[Design]:
    """Each design on a fresh table ``<prefix>-<name>``, created and seeded."""
    for name, factory in DESIGNS.items():
        design = factory(lab, f"{prefix}-{name}")
        design.create()
        yield design


def race_first_messages(design: Design, a: User, b: User) -> list[str]:
    """Two first messages between ``a`` and ``b`` at once: both check, then both write.

    Returns the conversations ``a`` has with ``b`` afterwards (one is right).
    """
    seen = [design.check_shared(a, b), design.check_shared(b, a)]
    if seen != [None, None]:
        raise ValueError(f"{a.handle} and {b.handle} already share a conversation")
    design.commit_start(a, b, f"Hi {b.display_name}!")
    design.commit_start(b, a, f"Hi {a.display_name}!")
    design.deliver_stream()
    return design.groups_between(a, b)


def compare(
    designs: list[Design], sender: User, receiver: User, newcomer: User, group: str
) -> list[Measured]:
    """Per design: send a message to ``group`` (C + inbox), read the inbox (B), start a
    conversation with ``newcomer`` (D), and ask again when they already share one (D)."""
    # Each text says which measurement sent it: the inboxes show these messages later, and a
    # bare "Yo" read like a message cut short.
    sent = "Hello (sent by the measured send)"
    new = "Hi (sent by the measured start of a new conversation)"
    again = "Hello again (sent by the measured start of a shared conversation)"
    found = []
    for design in designs:
        found += [
            measure(design, "send (C + inbox)", lambda d=design: d.send(sender, group, sent)),
            measure(design, "read inbox (B)", lambda d=design: d.inbox(receiver)),
            measure(design, "start new (D)", lambda d=design: d.start(sender, newcomer, new)),
            measure(design, "start, shared (D)", lambda d=design: d.start(sender, receiver, again)),
        ]
    return found


__all__ = [
    "DESIGNS",
    "INBOX_INDEX",
    "CurrentDesign",
    "FixedKeyDesign",
    "PairDesign",
    "SyncInboxDesign",
    "compare",
    "fixed_group_sk",
    "open_designs",
    "pair_pk",
    "race_first_messages",
]
