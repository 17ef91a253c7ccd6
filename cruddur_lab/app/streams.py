"""Pattern E's runner: read the table's stream and hand it to the stream handler.

On AWS an event source mapping feeds the stream to the Lambda in ``deploy/handler.py``.
moto never runs a Lambda from a stream mapping (it would need Docker), and DynamoDB Local
has no Lambda at all, so ``StreamProcessor`` does the mapping's job in-process, through the
``dynamodbstreams`` API on any engine (embedded, an endpoint, or AWS itself):

    DescribeStream (pages of shards, parents before children) → GetShardIterator
    (TRIM_HORIZON the first time, AFTER_SEQUENCE_NUMBER from the checkpoint) → GetRecords
    → a Lambda-shaped event per batch → the handler → checkpoint the shard.

The handler is the same code as the Lambda's (``cruddur_lab.app.deploy.handler``), called with the
Lab's own client and table. A shard's checkpoint moves only after its batch succeeded; a batch
that raises is read again from the checkpoint and retried, and a partial batch response
(``batchItemFailures``) is honoured as Lambda does: the checkpoint stops before the lowest
failed record. An expired iterator is re-acquired from the checkpoint.

Engine notes. moto never runs a Lambda: this processor is how Pattern E happens there. moto's
``TransactWriteItems`` deep-copies the whole table (items and stream records) before each
transaction and, when one is cancelled, swaps the copy in: iterators opened before then read
an orphaned shard, so off AWS an idle shard's iterator is re-acquired from its checkpoint on
every poll. Its server is threaded but its backend is not thread-safe: a cancelled
transaction can drop writes that other clients made while it ran.

>>> processor = StreamProcessor(lab)
>>> report = processor.process_pending()      # step until the stream is drained
>>> processor.start(); ...; processor.stop()  # or keep it running in a background thread

With botocore 1.44 and moto 5.2 the stream calls only work with an explicit ``endpoint_url``,
which a Lab on the embedded engine always passes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.app.deploy.handler import BatchResult, StreamHandler
from cruddur_lab.errors import CruddurLabError, TableMissing
from cruddur_lab.scripts.reads import read_all

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

log = logging.getLogger(__name__)

#: A handler as Lambda calls it. Returning a ``BatchResult`` (what ``StreamHandler.process``
#: returns) adds its counts to the report; a plain Lambda response dict works too.
Handler = Callable[[dict[str, Any], Any], Any]
BATCH_SIZE = 100
POLL_INTERVAL = 0.2
MAX_ATTEMPTS = 5
#: How often the background loop re-lists shards (AWS rotates them every few hours).
SHARD_REFRESH_SECONDS = 10.0


class StreamProcessingError(CruddurLabError):
    """A batch kept failing; its shard's checkpoint stays before it."""

    code = "stream_processing_failed"


@dataclass
class ProcessReport:
    """What ``process_pending()`` (or the background loop so far) did."""

    records: int = 0
    events: int = 0
    failed_events: int = 0
    message_inserts: int = 0
    group_rows_moved: int = 0
    group_rows_current: int = 0
    skipped: int = 0
    conflicts: int = 0
    collisions: int = 0
    duplicates_removed: int = 0
    shards: int = 0

    def add_result(self, result: BatchResult) -> None:
        self.message_inserts += result.message_inserts
        self.group_rows_moved += result.group_rows_moved
        self.group_rows_current += result.group_rows_current
        self.skipped += result.skipped
        self.conflicts += result.conflicts
        self.collisions += result.collisions
        self.duplicates_removed += result.duplicates_removed

    def merge(self, other: ProcessReport) -> None:
        for name in self.__dataclass_fields__:
            if name != "shards":
                setattr(self, name, getattr(self, name) + getattr(other, name))
        self.shards = max(self.shards, other.shards)

    def __str__(self) -> str:
        text = (
            f"{self.records} stream records in {self.events} event(s): "
            f"{self.message_inserts} new message(s), {self.group_rows_moved} group row(s) "
            f"moved, {self.group_rows_current} already current, {self.skipped} skipped"
        )
        if self.failed_events:
            text += f"; {self.failed_events} failed event(s) retried"
        if self.collisions:
            text += f"; {self.collisions} key collision(s) left in place"
        return text


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    checkpoint: str | None = None
    iterator: str | None = None
    finished: bool = False
    attempts: int = 0


class StreamProcessor:
    """Reads the Lab's table stream and applies it with the Pattern E handler.

    ``handler`` replaces the default ``StreamHandler`` (e.g. to inject a fault); it is called
    as Lambda calls it, ``handler(event, context)``. ``collapse`` is passed to the default
    handler (one write per group row per batch instead of per record).
    """

    def __init__(
        self,
        lab: Lab,
        *,
        handler: Handler | None = None,
        batch_size: int = BATCH_SIZE,
        poll_interval: float = POLL_INTERVAL,
        max_attempts: int = MAX_ATTEMPTS,
        collapse: bool = True,
    ) -> None:
        self.lab = lab
        self.table_name = lab.settings.table_name
        self.stream_handler = StreamHandler(
            lab.client("dynamodb"), self.table_name, gsi_name=model.GSI_NAME, collapse=collapse
        )
        self.handler: Handler = handler or (
            lambda event, context: self.stream_handler.process(event)
        )
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.stream_arn: str | None = None
        self.totals = ProcessReport()
        self.last_error: str | None = None
        self._shards: dict[str, _Shard] = {}
        self._listed_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- public API -------------------------------------------------------------------

    @property
    def checkpoints(self) -> dict[str, str | None]:
        """Last successfully handled sequence number per shard."""
        return {shard.shard_id: shard.checkpoint for shard in self._shards.values()}

    def process_pending(self) -> ProcessReport:
        """Step until a pass over every shard reads nothing; retry a failing batch up to
        ``max_attempts`` times, then raise ``StreamProcessingError``."""
        report = ProcessReport()
        with self._lock:
            self._list_shards()
            while True:
                step = self._step(raise_after_attempts=True)
                report.merge(step)
                if step.records == 0 and step.failed_events == 0:
                    break
        report.shards = len(self._shards)
        return report

    def start(self) -> StreamProcessor:
        """Run in a background thread until ``stop()`` or the Lab closes."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-processor-{self.table_name}", daemon=True
        )
        self._thread.start()
        self.lab.on_close(self.stop)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the background loop ----------------------------------------------------------

    def _run(self) -> None:
        busy = False
        while not self._stop.is_set():
            try:
                with self._lock:
                    if self._refresh_due(busy):
                        self._list_shards()
                    step = self._step(raise_after_attempts=False)
                self.totals.merge(step)
                self.last_error = None
                busy = step.records > 0
            except TableMissing as error:
                # `up` starts before a client has loaded the schema; a drop removes the
                # stream. Wait for the table, then start over on its (new) stream.
                self.last_error = str(error)
                self._forget_stream()
                busy = False
            except Exception as error:  # keep running, as the Lambda service would
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("stream processor: %s", self.last_error)
                busy = False
            if not busy:
                self._stop.wait(self.poll_interval)

    def _refresh_due(self, busy: bool) -> bool:
        """Re-list shards now and then; off AWS on every idle poll, because a table that is
        dropped and re-created between polls has a new stream, while moto still answers
        for the old stream ARN with the new table's shard."""
        if time.monotonic() - self._listed_at > SHARD_REFRESH_SECONDS:
            return True
        return not busy and not self.lab.is_aws

    # --- one pass ---------------------------------------------------------------------

    def _step(self, *, raise_after_attempts: bool) -> ProcessReport:
        """One GetRecords (and one handler call) per readable shard."""
        report = ProcessReport()
        for shard in self._readable_shards():
            records = self._read(shard)
            if not records:
                continue
            self._deliver(shard, records, report, raise_after_attempts)
        if any(shard.finished for shard in self._shards.values()):
            self._list_shards()
        report.shards = len(self._shards)
        return report

    def _deliver(
        self,
        shard: _Shard,
        records: list[dict[str, Any]],
        report: ProcessReport,
        raise_after_attempts: bool,
    ) -> None:
        event = {"Records": [self._lambda_record(record) for record in records]}
        report.events += 1
        failed, error = self._invoke(event, report)
        done = _records_before(records, min(failed, key=int)) if failed else records
        if done:
            shard.checkpoint = done[-1]["dynamodb"]["SequenceNumber"]
            report.records += len(done)
        if not failed:
            shard.attempts = 0
            return
        report.failed_events += 1
        shard.attempts += 1
        shard.iterator = None  # the retry reads again from the checkpoint
        log.warning("batch on %s failed (attempt %d): %s", shard.shard_id, shard.attempts, error)
        if shard.attempts >= self.max_attempts:
            shard.attempts = 0
            if raise_after_attempts:
                raise StreamProcessingError(
                    f"a stream batch failed {self.max_attempts} times ({error}); the "
                    f"checkpoint stays at {shard.checkpoint}: fix the cause and run again"
                )
        time.sleep(min(0.05 * 2**shard.attempts, 1.0))

    def _invoke(self, event: dict[str, Any], report: ProcessReport) -> tuple[list[str], str]:
        """Call the handler; return the failed sequence numbers (all of them if it raised)."""
        try:
            response = self.handler(event, None)
        except Exception as raised:
            return [r["dynamodb"]["SequenceNumber"] for r in event["Records"]], repr(raised)
        if isinstance(response, BatchResult):
            report.add_result(response)
        failed = _failed_sequence_numbers(response)
        return failed, f"{len(failed)} record(s) reported failed"

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A GetRecords record in the shape Lambda delivers (epoch seconds, source ARN)."""
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = created.timestamp()
        lambda_record = {**record, "dynamodb": data, "eventSourceARN": self.stream_arn}
        lambda_record.setdefault("awsRegion", self.lab.settings.region)
        return lambda_record

    # --- shards and iterators ---------------------------------------------------------

    def _stream_arn(self) -> str:
        from botocore.exceptions import ClientError

        with self.lab.translate_errors():
            try:
                table = self.lab.dynamodb.describe_table(TableName=self.table_name)["Table"]
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    raise TableMissing(
                        f"table {self.table_name!r} does not exist: run "
                        "`cruddur-lab schema-load` first"
                    ) from None
                raise
        arn = table.get("LatestStreamArn")
        if not arn or not table.get("StreamSpecification", {}).get("StreamEnabled", False):
            raise CruddurLabError(
                f"table {self.table_name!r} has no stream: enable it with view type NEW_IMAGE "
                "(schema-load creates tables with one)"
            )
        return arn

    def _list_shards(self) -> None:
        arn = self._stream_arn()
        if arn != self.stream_arn:
            self._forget_stream()
            self.stream_arn = arn
        listed: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": arn}
        with self.lab.translate_errors():
            while True:
                page = self.lab.streams.describe_stream(**kwargs)["StreamDescription"]
                listed.extend(page.get("Shards", []))
                if not page.get("LastEvaluatedShardId"):
                    break
                kwargs["ExclusiveStartShardId"] = page["LastEvaluatedShardId"]
        for entry in listed:
            if entry["ShardId"] not in self._shards:
                self._shards[entry["ShardId"]] = _Shard(
                    entry["ShardId"], entry.get("ParentShardId")
                )
        self._listed_at = time.monotonic()

    def _forget_stream(self) -> None:
        self.stream_arn = None
        self._shards.clear()
        self._listed_at = 0.0

    def _readable_shards(self) -> list[_Shard]:
        """Open shards whose parent is finished or gone (a child waits for its parent)."""
        return [
            shard
            for shard in self._shards.values()
            if not shard.finished
            and (shard.parent_id not in self._shards or self._shards[shard.parent_id].finished)
        ]

    def _read(self, shard: _Shard) -> list[dict[str, Any]]:
        for _ in range(2):
            if shard.iterator is None:
                shard.iterator = self._iterator(shard)
            try:
                with self.lab.translate_errors():
                    page = self.lab.streams.get_records(
                        ShardIterator=shard.iterator, Limit=self.batch_size
                    )
            except CruddurLabError as error:
                if error.aws_code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                    shard.iterator = None
                    if error.aws_code == "TrimmedDataAccessException":
                        shard.checkpoint = None
                    continue
                raise
            records = page.get("Records", [])
            shard.iterator = page.get("NextShardIterator")
            if shard.iterator is None:
                shard.finished = True  # a closed shard, read to its end
            elif not records and not self.lab.is_aws:
                # moto rolls a cancelled transaction back by swapping in a copy of the
                # table, stream shard included: an open iterator would read the orphaned
                # shard forever. Idle, re-acquire from the checkpoint on the next poll.
                shard.iterator = None
            return records
        return []

    def _iterator(self, shard: _Shard) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
        if shard.checkpoint is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(
                ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=shard.checkpoint
            )
        with self.lab.translate_errors():
            return self.lab.streams.get_shard_iterator(**kwargs)["ShardIterator"]


def _failed_sequence_numbers(response: Any) -> list[str]:
    if isinstance(response, BatchResult):
        return list(response.failed_sequence_numbers)
    if isinstance(response, dict):
        return [item["itemIdentifier"] for item in response.get("batchItemFailures") or []]
    return []


def _records_before(records: list[dict[str, Any]], sequence_number: str) -> list[dict[str, Any]]:
    """The prefix of ``records`` that comes before ``sequence_number``."""
    for index, record in enumerate(records):
        if record["dynamodb"]["SequenceNumber"] == sequence_number:
            return records[:index]
    return []


@contextlib.contextmanager
def running_processor(lab: Lab, **options: Any):
    """``with running_processor(lab) as processor:`` -- started on entry, stopped on exit."""
    processor = StreamProcessor(lab, **options).start()
    try:
        yield processor
    finally:
        processor.stop()


def group_row_problems(lab: Lab) -> list[str]:
    """Check Pattern E's promise over the whole table; an empty list means it holds.

    Every conversation with messages has exactly two group rows (two different owners), and
    each shows the newest message (greatest ``sk``: unique within a conversation, it is the
    message row's key): its ``sk`` and text, with exactly the model's group-row attributes.
    Scans the table: for notebooks and tests.
    """
    from cruddur_lab.model import GROUP_ATTRIBUTES, GSI_PARTITION_KEY, is_group_key, parse_pk

    newest: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for item in read_all(lab, "scan", ConsistentRead=True):
        if is_group_key(item["pk"]):
            rows.setdefault(item[GSI_PARTITION_KEY], []).append(item)
            continue
        _, group = parse_pk(item["pk"])
        if group not in newest or item["sk"] > newest[group]["sk"]:
            newest[group] = item
    problems = []
    for group in sorted(set(newest) | set(rows)):
        group_rows = rows.get(group, [])
        for row in sorted(group_rows, key=lambda r: r["pk"]):
            if sorted(row) != sorted(GROUP_ATTRIBUTES):
                problems.append(
                    f"group {group}: {row['pk']} has attributes {sorted(row)}, expected "
                    f"{sorted(GROUP_ATTRIBUTES)}"
                )
        owners = {row["pk"] for row in group_rows}
        if len(group_rows) != 2 or len(owners) != 2:
            problems.append(f"group {group}: {len(group_rows)} group rows, expected 2 owners")
        message = newest.get(group)
        if message is None:
            problems.append(f"group {group}: group rows but no messages")
            continue
        for row in sorted(group_rows, key=lambda r: r["pk"]):
            if (row["sk"], row.get("message")) != (message["sk"], message.get("message")):
                problems.append(
                    f"group {group}: {row['pk']} shows sk {row['sk']}, newest message is "
                    f"{message['sk']}"
                )
    return problems
