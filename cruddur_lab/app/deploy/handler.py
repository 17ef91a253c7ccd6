"""Pattern E: the DynamoDB Streams handler that keeps every group row current.

This file is the Lambda function *and* the logic ``cruddur_lab.app.streams`` runs in-process, so
there is one implementation. It imports only boto3 and the standard library: zip it as-is
(``zip handler.zip handler.py``) and set the Lambda handler to ``handler.handler``.

Nothing invokes it from the stream off AWS: moto never runs a Lambda from an event source
mapping (it would need Docker) and DynamoDB Local has no Lambda, so
``cruddur_lab.app.streams.StreamProcessor`` reads the stream and calls it in-process.

Source of truth. The few names the handler needs (table, GSI, key prefixes, the group row's
attributes) are repeated below because a Lambda zip cannot import ``cruddur_lab``;
``tests/test_deploy.py`` asserts they equal ``cruddur_lab.model``'s, so they cannot drift.
``cruddur_lab.app.streams`` imports this module rather than copying any of it.

Configuration (Lambda entry point ``handler``) comes from the environment, never from code:
``TABLE_NAME`` (or the bootcamp's ``DDB_MESSAGE_TABLE``), ``AWS_REGION`` (Lambda sets it) and an
optional ``AWS_ENDPOINT_URL``. In-process callers build ``StreamHandler(client, table_name)``
with their own low-level DynamoDB client.

What one event does (every record, not only ``Records[0]``):

* REMOVE and MODIFY records, and records whose key is not ``MSG#…`` (the group rows this
  handler itself moves show up on the stream too), are skipped and counted.
* For each INSERT of a message row, every group row of that conversation moves to the
  message's ``sk`` with its text. The moved row has exactly the bootcamp's group-row
  attributes (``GROUP_ATTRIBUTES``), nothing added. Rows are found through the sparse GSI;
  the GSI is only a hint (it can be stale on AWS, and an index that projects less than ALL
  lacks the row's other attributes, which are then read from the table), correctness comes
  from conditional writes:
  a move is one ``TransactWriteItems`` -- Delete the old key *if it still exists* plus Put
  the new key *if it is free* -- so a row is never lost or duplicated. When a concurrent
  move got there first the transaction is cancelled, and the handler re-reads and retries.
* Only forward: a row moves only when the record's ``sk`` is strictly greater than the
  row's; an equal ``sk`` is the message the row already shows (Pattern D and the seed write
  the row with its first message's ``sk``). Redelivered or older records change nothing, so
  a batch is idempotent.
* ``sk`` alone orders a conversation: message rows are keyed ``(MSG#group, sk)``, so two
  messages of one conversation never share an ``sk`` in the table (Pattern C puts with
  ``attribute_not_exists`` and stamps again on a clash). An unconditional overwrite of a
  message row reaches the stream as MODIFY, which is skipped.
* An owner with two rows for one conversation (the bootcamp's delete-then-put could leave
  one) keeps the newer; the older is deleted and counted as ``duplicates_removed``.
* Within one event, records of one conversation are collapsed to the newest before
  writing (``collapse=True``): the result is the same as applying them in order, since moves
  are forward-only, with one read and one transaction per group row instead of per record.

Failures: the handler returns a Lambda *partial batch response*
(``{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}``; the event source
mapping needs ``FunctionResponseTypes: [ReportBatchItemFailures]``). A conversation whose
rows could not be moved after ``max_attempts`` re-reads reports its records; Lambda (and
``StreamProcessor``) retries from the lowest one. Anything unexpected (a malformed event,
access denied) raises, and the whole batch is retried.

Limitation of the key design, counted as ``collisions``: a user's group rows are keyed by
``(GRP#user, sk)``, so two of *their* conversations whose last messages share a microsecond
would need the same key. The second row then stays where it is, and the handler logs it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Repeated from cruddur_lab.model on purpose: the Lambda folder is zipped alone and imports
# nothing from the package (see the module docstring); a test compares the two copies.
TABLE_NAME = "cruddur-messages"
GSI_NAME = "message-group-sk-index"
GSI_PARTITION_KEY = "message_group_uuid"
GROUP_PREFIX = "GRP#"
MESSAGE_PREFIX = "MSG#"
#: A group row's attributes, exactly (the bootcamp's app reads these rows).
GROUP_ATTRIBUTES = (
    "pk",
    "sk",
    "message_group_uuid",
    "message",
    "user_uuid",
    "user_display_name",
    "user_handle",
)

log = logging.getLogger(__name__)


def _plain(typed: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's wire form (``{"S": …}``) as plain Python values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    return {name: deserialize(value) for name, value in typed.items()}


def _typed(plain: dict[str, Any]) -> dict[str, Any]:
    """Plain values back to the wire form the low-level client sends."""
    from boto3.dynamodb.types import TypeSerializer

    serialize = TypeSerializer().serialize
    return {name: serialize(value) for name, value in plain.items()}


class MoveIncomplete(Exception):
    """A conversation's rows kept changing under us for ``max_attempts`` re-reads."""


@dataclass
class BatchResult:
    """What one event did; ``lambda_response()`` is what the Lambda returns."""

    records: int = 0
    message_inserts: int = 0
    skipped_remove: int = 0
    skipped_modify: int = 0
    skipped_not_message: int = 0
    group_rows_moved: int = 0
    group_rows_current: int = 0
    conflicts: int = 0
    collisions: int = 0
    duplicates_removed: int = 0
    failed_sequence_numbers: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.skipped_remove + self.skipped_modify + self.skipped_not_message

    def lambda_response(self) -> dict[str, list[dict[str, str]]]:
        return {
            "batchItemFailures": [
                {"itemIdentifier": sequence} for sequence in self.failed_sequence_numbers
            ]
        }


@dataclass(frozen=True)
class NewMessage:
    """The part of a message INSERT record the handler needs."""

    group_uuid: str
    sk: str
    text: str
    sequence_number: str


class StreamHandler:
    """Applies DynamoDB Streams events to the table through ``client`` (low-level, typed)."""

    def __init__(
        self,
        client: Any,
        table_name: str = TABLE_NAME,
        *,
        gsi_name: str = GSI_NAME,
        collapse: bool = True,
        max_attempts: int = 6,
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.gsi_name = gsi_name
        self.collapse = collapse
        self.max_attempts = max_attempts

    def __call__(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        return self.process(event).lambda_response()

    def process(self, event: dict[str, Any]) -> BatchResult:
        result = BatchResult()
        messages = list(self._messages(event.get("Records") or [], result))
        batches = _collapse(messages) if self.collapse else [[m] for m in messages]
        for records in batches:
            newest = max(records, key=lambda m: m.sk)
            try:
                self.move_group_rows(newest, result)
            except MoveIncomplete as error:
                log.warning("group %s not moved: %s", newest.group_uuid, error)
                result.failed_sequence_numbers.extend(m.sequence_number for m in records)
                if not self.collapse:
                    break  # Lambda retries from this record; later ones come again anyway.
        return result

    def _messages(self, records: list[dict[str, Any]], result: BatchResult) -> Iterator[NewMessage]:
        for record in records:
            result.records += 1
            name = record.get("eventName")
            data = record["dynamodb"]
            pk = _plain(data["Keys"])["pk"]
            if name == "REMOVE":
                result.skipped_remove += 1
            elif name == "MODIFY":
                result.skipped_modify += 1
            elif name != "INSERT" or not pk.startswith(MESSAGE_PREFIX):
                result.skipped_not_message += 1
            else:
                result.message_inserts += 1
                yield _new_message(pk, data)

    # --- moving one conversation's rows -------------------------------------------------

    def move_group_rows(self, message: NewMessage, result: BatchResult) -> None:
        """Bring every group row of ``message``'s conversation up to it (or leave it newer)."""
        for attempt in range(self.max_attempts):
            rows = self._group_rows_removing_duplicates(message, result)
            outcomes = [self._move_row(row, message) for row in rows]
            result.group_rows_moved += outcomes.count("moved")
            result.group_rows_current += outcomes.count("current")
            result.collisions += outcomes.count("collision")
            conflicts = outcomes.count("conflict")
            if not conflicts:
                return
            result.conflicts += conflicts
            # Someone moved a row since we read it (or the GSI was stale): read again.
            time.sleep(min(0.02 * 2**attempt, 0.5))
        raise MoveIncomplete(f"rows kept changing for {self.max_attempts} attempts")

    def _group_rows_removing_duplicates(
        self, message: NewMessage, result: BatchResult
    ) -> list[dict[str, Any]]:
        """The conversation's group rows as the GSI sees them, one per owner (the newest).

        An owner with two rows for one conversation has a duplicate (the bootcamp's
        delete-then-put handler could leave one); the older row is deleted.
        """
        rows = self._query_gsi(message.group_uuid)
        by_owner: dict[str, dict[str, Any]] = {}
        for row in sorted(rows, key=lambda r: r["sk"], reverse=True):
            owner = row["pk"]
            if owner not in by_owner:
                by_owner[owner] = row
            elif self._delete_duplicate(row, message.group_uuid):
                result.duplicates_removed += 1
        return list(by_owner.values())

    def _query_gsi(self, group_uuid: str) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table_name,
            IndexName=self.gsi_name,
            KeyConditionExpression="#g = :g",
            ExpressionAttributeNames={"#g": GSI_PARTITION_KEY},
            ExpressionAttributeValues=_typed({":g": group_uuid}),
        )
        return [_plain(row) for page in pages for row in page["Items"]]

    def _delete_duplicate(self, row: dict[str, Any], group_uuid: str) -> bool:
        """Delete ``row`` if it is still there (a stale GSI may list a row already moved)."""
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=_typed({"pk": row["pk"], "sk": row["sk"]}),
                ConditionExpression="attribute_exists(pk) AND #g = :g",
                ExpressionAttributeNames={"#g": GSI_PARTITION_KEY},
                ExpressionAttributeValues=_typed({":g": group_uuid}),
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _move_row(self, row: dict[str, Any], message: NewMessage) -> str:
        if row["sk"] >= message.sk:
            return "current"
        if any(name not in row for name in GROUP_ATTRIBUTES):
            # An index that projects less than ALL returned part of the row: never write a
            # row built from fewer attributes than a group row has; read the whole one.
            whole = self._read_whole_row(row)
            if whole is None:
                return "conflict"  # moved or deleted since the index was read
            row = whole
        # Built from the fixed attribute list, not ``{**row}``: nothing else is carried along.
        new_row = {name: row[name] for name in GROUP_ATTRIBUTES if name in row}
        new_row.update(sk=message.sk, message=message.text)
        return self._move_to_new_key(row, new_row, message)

    def _read_whole_row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key=_typed({"pk": row["pk"], "sk": row["sk"]}),
            ConsistentRead=True,
        ).get("Item")
        return _plain(item) if item else None

    def _move_to_new_key(
        self, row: dict[str, Any], new_row: dict[str, Any], message: NewMessage
    ) -> str:
        """Delete the old key and put the new one in one transaction, both conditional."""
        old_key = _typed({"pk": row["pk"], "sk": row["sk"]})
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table_name,
                            "Key": old_key,
                            "ConditionExpression": "attribute_exists(pk) AND #g = :g",
                            "ExpressionAttributeNames": {"#g": GSI_PARTITION_KEY},
                            "ExpressionAttributeValues": _typed({":g": message.group_uuid}),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": _typed(new_row),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException as error:
            return self._explain_cancel(error, new_row, message)
        return "moved"

    def _explain_cancel(self, error: Any, new_row: dict[str, Any], message: NewMessage) -> str:
        """A cancelled move is a conflict (re-read) unless another conversation owns the key."""
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if reasons[:1] == ["ConditionalCheckFailed"] or "TransactionConflict" in reasons:
            return "conflict"
        occupant = self.client.get_item(
            TableName=self.table_name,
            Key=_typed({"pk": new_row["pk"], "sk": new_row["sk"]}),
            ConsistentRead=True,
        ).get("Item")
        if occupant and _plain(occupant).get(GSI_PARTITION_KEY) != message.group_uuid:
            log.warning(
                "key collision: %s already has a conversation at %s; row of group %s stays",
                new_row["pk"],
                message.sk,
                message.group_uuid,
            )
            return "collision"
        return "conflict"


# --- helpers --------------------------------------------------------------------------------


def _new_message(pk: str, data: dict[str, Any]) -> NewMessage:
    image = _plain(data.get("NewImage") or {})
    return NewMessage(
        group_uuid=pk[len(MESSAGE_PREFIX) :],
        sk=_plain(data["Keys"])["sk"],
        text=image.get("message", ""),
        sequence_number=data["SequenceNumber"],
    )


def _collapse(messages: list[NewMessage]) -> list[list[NewMessage]]:
    """Group records by conversation, in order of first appearance."""
    groups: dict[str, list[NewMessage]] = {}
    for message in messages:
        groups.setdefault(message.group_uuid, []).append(message)
    return list(groups.values())


# --- the Lambda entry point -----------------------------------------------------------------

_lambda_handler: StreamHandler | None = None


def handler_from_environment(environ: dict[str, str] | None = None) -> StreamHandler:
    """A ``StreamHandler`` configured from ``TABLE_NAME``/``DDB_MESSAGE_TABLE``, ``AWS_REGION``
    and an optional ``AWS_ENDPOINT_URL``."""
    import boto3

    env = os.environ if environ is None else environ
    table_name = env.get("TABLE_NAME") or env.get("DDB_MESSAGE_TABLE") or TABLE_NAME
    kwargs: dict[str, Any] = {"region_name": env.get("AWS_REGION")}
    if env.get("AWS_ENDPOINT_URL"):
        kwargs["endpoint_url"] = env["AWS_ENDPOINT_URL"]
    return StreamHandler(boto3.client("dynamodb", **kwargs), table_name)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (``handler.handler``): returns a partial batch response."""
    global _lambda_handler
    if _lambda_handler is None:
        _lambda_handler = handler_from_environment()
    result = _lambda_handler.process(event)
    log.info(
        "records %d, message inserts %d, group rows moved %d, failures %d",
        result.records,
        result.message_inserts,
        result.group_rows_moved,
        len(result.failed_sequence_numbers),
    )
    return result.lambda_response()
