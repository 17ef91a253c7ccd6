"""The ``seed`` script: users in Postgres, then the seed conversation in DynamoDB.

Unlike the bootcamp's script, seeding twice changes nothing: message ids are derived from
the group and the message's position, the time anchor is read back from what is already
stored, and only missing rows are written. An interrupted seed is completed by the next run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from cruddur_lab import model
from cruddur_lab.clock import format_timestamp, parse_timestamp, stable_id
from cruddur_lab.model import (
    GSI_PARTITION_KEY,
    SEED_GROUP_HANDLES,
    SEED_GROUP_UUID,
    SEED_MESSAGES,
    User,
    group_item,
    group_pk,
    message_item,
    message_pk,
)
from cruddur_lab.scripts.schema import require_confirmation, require_table
from cruddur_lab.scripts.usersdb import find_user_by_handle, seed_users

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

BATCH_SIZE = 25
#: Seeds at least this large show a progress bar.
PROGRESS_THRESHOLD = 1000
MESSAGE_INTERVAL = timedelta(minutes=1)

_LINES = (
    "Morning! Did you get the DynamoDB table created?",
    "Yes, schema-load ran. pk and sk, both strings.",
    "And the GSI on message_group_uuid?",
    "message-group-sk-index, projection ALL. Only group rows carry that attribute.",
    "So the index stays sparse. Messages never land in it.",
    "Exactly. One query per access pattern, no scans.",
    "How do you list the newest messages of a conversation?",
    "Query pk = MSG#group, ScanIndexForward false, Limit 20, then reverse.",
    "Why reverse?",
    "The app shows them oldest first, but we want the newest twenty.",
    "And the inbox?",
    "Query pk = GRP#my uuid, newest first. One row per conversation.",
    "Who keeps those rows current when a message arrives?",
    "A Lambda on the table's stream moves the group rows to the new sort key.",
    "Sounds like a delete and a put.",
    "Only inside one transaction, otherwise a failure loses the row.",
    "Good catch. What about the year filter in the old queries?",
    "Gone. On the first of January it hid every older conversation.",
    "Let's keep the seed idempotent this time.",
    "Already is. Run it twice and count the items.",
)


@dataclass(frozen=True)
class SeedReport:
    users_inserted: tuple[str, ...]
    messages_written: int
    messages_existing: int
    group_rows_written: int
    message_group_uuid: str = SEED_GROUP_UUID

    @property
    def changed(self) -> bool:
        return bool(self.users_inserted or self.messages_written or self.group_rows_written)

    def __str__(self) -> str:
        return (
            f"users inserted: {len(self.users_inserted)}; messages written: "
            f"{self.messages_written} (already there: {self.messages_existing}); "
            f"group rows written: {self.group_rows_written}"
        )


def seed_message_text(index: int) -> str:
    line = _LINES[index % len(_LINES)]
    round_ = index // len(_LINES)
    return line if round_ == 0 else f"{line} (round {round_ + 1})"


def seed_message_uuid(index: int, message_group_uuid: str = SEED_GROUP_UUID) -> str:
    return stable_id("seed-message", message_group_uuid, index)


def _existing_messages(lab: Lab, message_group_uuid: str) -> dict[str, str]:
    """``message_uuid → sk`` of every message already in the group.

    Read through the low-level client: the resource's conversion of every returned item
    cost more than the read itself on a large conversation.
    """
    client = lab.client("dynamodb")
    kwargs: dict[str, Any] = {
        "TableName": lab.settings.table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": message_pk(message_group_uuid)}},
        "ProjectionExpression": "message_uuid, sk",
    }
    existing: dict[str, str] = {}
    for page in client.get_paginator("query").paginate(**kwargs):
        for item in page["Items"]:
            existing[item["message_uuid"]["S"]] = item["sk"]["S"]
    return existing


def _stored_plan(lab: Lab, count: int) -> tuple[str, datetime | None]:
    """``("complete", anchor)`` when every planned message is already stored (``anchor``:
    when the first one is), ``("empty", None)`` when the conversation holds no message yet,
    else ``("partial", None)`` (then every stored message is read back).

    A re-seed is the common case, and neither reading every message back nor building the
    whole plan in Python is needed to know nothing is missing. The first message of the
    plan under the current clock (one GetItem), or else the oldest message, gives the
    anchor; the plan then fixes each message's ``sk`` one minute apart, and a ``COUNT`` of
    the plan's ``sk`` range equal to the plan's length means nothing is missing: only the
    seed writes messages on that minute grid before the clock's origin (the patterns write
    at "now", after it). Only the first and last planned messages are built.
    """
    if count == 0:
        return "partial", None
    client = lab.client("dynamodb")
    table = lab.settings.table_name
    pk = {"S": message_pk(SEED_GROUP_UUID)}
    anchor = _anchor(lab, count, {})
    first = client.get_item(
        TableName=table,
        Key={"pk": pk, "sk": {"S": _sort_key(anchor)}},
        ProjectionExpression="message_uuid",
    ).get("Item")
    if first is None or first["message_uuid"]["S"] != seed_message_uuid(0):
        # Seeded under another clock or size: the oldest message gives the anchor.
        oldest = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": pk},
            ProjectionExpression="message_uuid, sk",
            Limit=1,
        )["Items"]
        if not oldest:
            return "empty", None  # nothing stored yet: every message is missing
        if oldest[0]["message_uuid"]["S"] != seed_message_uuid(0):
            return "partial", None
        anchor = _anchor(lab, count, {seed_message_uuid(0): oldest[0]["sk"]["S"]})
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":pk": pk,
            ":first": {"S": _sort_key(anchor)},
            ":last": {"S": _sort_key(anchor + (count - 1) * MESSAGE_INTERVAL)},
        },
        "Select": "COUNT",
    }
    pages = client.get_paginator("query").paginate(**kwargs)
    stored = sum(page["Count"] for page in pages)
    return ("complete", anchor) if stored == count else ("partial", None)


def _sort_key(at: datetime) -> str:
    """The ``sk`` of the seed message planned at ``at``."""
    return format_timestamp(at)


def _group_rows(lab: Lab, message_group_uuid: str) -> list[dict[str, Any]]:
    """The group rows of one conversation, through the sparse GSI."""
    page = lab.table.query(
        IndexName=model.GSI_NAME,  # read at call time: the model names the index
        KeyConditionExpression=Key(GSI_PARTITION_KEY).eq(message_group_uuid),
    )
    return page["Items"]


def plan_messages(
    lab: Lab, users: Sequence[User], count: int, existing: dict[str, str]
) -> list[dict[str, str]]:
    """All ``count`` seed messages, timed from the anchor already stored if there is one."""
    return seed_conversation(users, count, _anchor(lab, count, existing))


def _anchor(lab: Lab, count: int, existing: dict[str, str]) -> datetime:
    """When the first seed message is (or would be): from the first one stored, else one
    minute per message before the clock's origin."""
    if existing:
        for index in range(count):
            stored = existing.get(seed_message_uuid(index))
            if stored is not None:
                return parse_timestamp(stored) - index * MESSAGE_INTERVAL
    return lab.clock.origin - count * MESSAGE_INTERVAL


def seed_conversation(users: Sequence[User], count: int, anchor: datetime) -> list[dict[str, str]]:
    """The ``count`` seed messages, one a minute from ``anchor``, alternating senders.

    Pure (no engine): the exports take their sample data from here.
    """
    return [seed_message(users, index, anchor) for index in range(count)]


def seed_message(users: Sequence[User], index: int, anchor: datetime) -> dict[str, str]:
    """Seed message ``index`` of a conversation whose first message is at ``anchor``."""
    return message_item(
        message_group_uuid=SEED_GROUP_UUID,
        message_uuid=seed_message_uuid(index),
        sender=users[index % 2],
        text=seed_message_text(index),
        created_at=format_timestamp(anchor + index * MESSAGE_INTERVAL),
    )


def batch_write(
    lab: Lab,
    items: Iterable[dict[str, Any]],
    *,
    on_progress: Callable[[int], None] | None = None,
    max_attempts: int = 8,
    writers: int = 1,
) -> int:
    """Write ``items`` 25 at a time, re-sending ``UnprocessedItems`` with back-off.

    The items go out through the low-level client in wire format, built once here: the
    resource's per-request type conversion doubled the seed's time against a bare
    ``BatchWriteItem`` loop (benchmarks/bench_seed.py). ``writers`` > 1 sends that many
    batches at once: on AWS a write waits on the network, so parallel writers are what
    reach the table's rate; the embedded engine takes one request at a time.
    """
    wire = [_wire_item(item) for item in items]
    batches = [wire[start : start + BATCH_SIZE] for start in range(0, len(wire), BATCH_SIZE)]
    client = lab.client("dynamodb")

    def send(batch: list[dict[str, Any]]) -> int:
        return _write_batch(lab, client, batch, on_progress, max_attempts)

    if writers <= 1 or len(batches) <= 1:
        return sum(send(batch) for batch in batches)
    from concurrent.futures import ThreadPoolExecutor

    # boto3 clients are thread-safe; each batch keeps its own retries.
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="seed-writer") as pool:
        return sum(pool.map(send, batches))


def _write_batch(
    lab: Lab,
    client: Any,
    batch: list[dict[str, Any]],
    on_progress: Callable[[int], None] | None,
    max_attempts: int,
) -> int:
    table = lab.settings.table_name
    pending = [{"PutRequest": {"Item": item}} for item in batch]
    written = 0
    for attempt in range(max_attempts):
        with lab.translate_errors():
            response = client.batch_write_item(RequestItems={table: pending})
        done = len(pending)
        pending = response.get("UnprocessedItems", {}).get(table, [])
        done -= len(pending)
        written += done
        if on_progress and done:
            on_progress(done)
        if not pending:
            return written
        time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
    from cruddur_lab.errors import CruddurLabError

    raise CruddurLabError(
        f"{len(pending)} items stayed unprocessed after {max_attempts} attempts: "
        "the table is throttled; raise its write capacity or run seed again"
    )


def _wire_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's wire format: the model's strings directly, anything else by boto3's rules."""
    if all(type(value) is str for value in item.values()):
        return {name: {"S": value} for name, value in item.items()}
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}


def seed(
    lab: Lab,
    *,
    messages: int = SEED_MESSAGES,
    progress: bool | None = None,
    yes: bool = False,
    writers: int = 1,
) -> SeedReport:
    """Seed users and the seed conversation; a second run changes nothing.

    On real AWS, seeding a table that already holds items needs ``yes=True``. ``writers``
    sends that many batches at once (see ``batch_write``).
    """
    require_table(lab)
    if lab.is_aws and lab.table.scan(Limit=1, Select="COUNT")["Count"]:
        require_confirmation(lab, f"seed the non-empty table {lab.settings.table_name!r}", yes)
    users_report = seed_users(lab)
    users = [find_user_by_handle(lab, handle) for handle in SEED_GROUP_HANDLES]
    with lab.translate_errors():
        state, anchor = _stored_plan(lab, messages)
        if state == "complete" and anchor is not None:  # only the newest is needed
            newest, missing = seed_message(users, messages - 1, anchor), []
        else:
            existing = {} if state == "empty" else _existing_messages(lab, SEED_GROUP_UUID)
            planned = plan_messages(lab, users, messages, existing)
            missing = [item for item in planned if item["message_uuid"] not in existing]
            newest = planned[-1] if planned else None
        written = _write_with_progress(lab, missing, progress, writers)
        group_rows = _seed_group_rows(lab, users, newest)
    return SeedReport(
        users_inserted=users_report.inserted,
        messages_written=written,
        messages_existing=messages - len(missing),
        group_rows_written=group_rows,
    )


def _write_with_progress(
    lab: Lab, items: list[dict[str, Any]], progress: bool | None, writers: int = 1
) -> int:
    show = progress if progress is not None else len(items) >= PROGRESS_THRESHOLD
    if not show:
        return batch_write(lab, items, writers=writers)
    from tqdm.auto import tqdm

    with tqdm(total=len(items), desc="seeding messages", unit="item") as bar:
        return batch_write(lab, items, on_progress=bar.update, writers=writers)


def _seed_group_rows(lab: Lab, users: Sequence[User], newest: dict[str, str] | None) -> int:
    """Give each participant one group row that points at the newest seed message."""
    if newest is None:
        return 0
    current = {row["pk"]: row for row in _group_rows(lab, SEED_GROUP_UUID)}
    written = 0
    for owner, other in ((users[0], users[1]), (users[1], users[0])):
        row = current.get(group_pk(owner.uuid))
        if row is not None and row["sk"] >= newest["sk"]:
            continue
        fresh = group_item(
            owner=owner,
            other=other,
            message_group_uuid=SEED_GROUP_UUID,
            last_message=newest["message"],
            last_at=newest["sk"],
        )
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": lab.settings.table_name, "Item": fresh}}
        ]
        if row is not None:
            actions.insert(
                0,
                {
                    "Delete": {
                        "TableName": lab.settings.table_name,
                        "Key": {"pk": row["pk"], "sk": row["sk"]},
                    }
                },
            )
        lab.dynamodb.transact_write_items(TransactItems=actions)
        written += 1
    return written
