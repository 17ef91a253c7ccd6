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
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.app.deploy.handler import BatchResult, StreamHandler
from cruddur_lab.app.stream_status import enable_stream_command, group_row_problems
from cruddur_lab.errors import CruddurLabError, TableMissing

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

log = logging.getLogger(__name__)

__all__ = [
    "StreamMissing",
    "StreamProcessingError",
    "StreamProcessor",
    "enable_stream_command",
    "group_row_problems",
    "running_processor",
]

#: A handler as Lambda calls it. Returning a ``BatchResult`` (what ``StreamHandler.process``
#: returns) adds its counts to the report; a plain Lambda response dict works too.
Handler = Callable[[dict[str, Any], Any], Any]
BATCH_SIZE = 100
POLL_INTERVAL = 0.2
MAX_ATTEMPTS = 5
#: How often the background loop re-lists shards (AWS rotates them every few hours).
SHARD_REFRESH_SECONDS = 10.0
#: At most one "batch failed" line this often; the ones in between are counted, not lost.
FAILURE_NOTICE_SECONDS = 10.0


class StreamProcessingError(CruddurLabError):
    """A batch kept failing; its shard's checkpoint stays before it."""

    code = "stream_processing_failed"


class StreamMissing(CruddurLabError):
    """The table exists without a stream (the bootcamp's schema-load makes it so)."""

    code = "stream_missing"


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
        notice: Callable[[str], None] | None = None,
        status_file: str | Path | None = None,
    ) -> None:
        """``notice`` hears what the background loop wants a person to know (waiting for a
        table or stream, found it, a failing batch: each said once or rate-limited);
        ``status_file`` gets ``status()`` as JSON whenever it changes (``streams status``
        reads it)."""
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
        #: The last batch failure or unexpected error, kept after later successes: a
        #: processor whose handler failed never reports None.
        self.last_error: str | None = None
        self.last_error_at: str | None = None
        self.failed_batches = 0
        #: Why the background loop is idle: no table, or a table without a stream.
        self.waiting: str | None = None
        self.notice = notice
        self.status_file = Path(status_file) if status_file else None
        self._published: dict[str, Any] | None = None
        self._failure_noticed_at = -FAILURE_NOTICE_SECONDS
        self._failures_unsaid = 0
        self._shards: dict[str, _Shard] = {}
        self._listed_at = 0.0
        # Re-entrant: status() and checkpoints may be read by a thread that holds it.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- public API -------------------------------------------------------------------

    @property
    def checkpoints(self) -> dict[str, str | None]:
        """Last successfully handled sequence number per shard."""
        # Under the lock: the background loop adds and forgets shards while we iterate.
        with self._lock:
            return {shard.shard_id: shard.checkpoint for shard in self._shards.values()}

    def status(self) -> dict[str, Any]:
        """What ``cruddur-lab streams status`` shows of this processor."""
        with self._lock:
            checkpoints = self.checkpoints
            stream = self.stream_arn
        if self.waiting:
            state = f"waiting: {self.waiting}"
        else:
            state = "running" if self.running else "stopped"
        return {
            "table": self.table_name,
            "stream": stream,
            "state": state,
            "shards": len(checkpoints),
            "checkpoints": checkpoints,
            "records applied": self.totals.records,
            "group rows moved": self.totals.group_rows_moved,
            "failed batches": self.failed_batches,
            "last error": self.last_error,
            "last error at": self.last_error_at,
        }

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

    def stop(self, timeout: float | None = None) -> None:
        """Stop the background loop and wait until its thread has ended.

        By default it waits as long as the current pass takes: a pass ends after its
        requests, and each request is bounded by the client's timeouts (read_timeout 30 s,
        4 attempts). Giving up earlier would let the Lab close its clients under a request
        still running. With ``timeout`` given and exceeded it raises, and keeps running.
        """
        self._stop.set()
        thread = self._thread
        if thread is None:
            return
        thread.join(timeout)
        if thread.is_alive():
            raise StreamProcessingError(
                f"the stream processor is still busy after {timeout:g} s: wait for its "
                "current request to end, then stop it again"
            )
        self._thread = None
        self._publish()

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
                self._found()
                busy = step.records > 0
            except (TableMissing, StreamMissing) as error:
                # `up` starts before a client has loaded the schema; the bootcamp's schema
                # has no stream until it is turned on; a drop removes the stream. Say so
                # once, then start over on the (new) stream as soon as there is one.
                with self._lock:
                    self._forget_stream()
                self._wait_for(str(error))
                busy = False
            except Exception as error:  # keep running, as the Lambda service would
                self._record_failure(f"{type(error).__name__}: {error}")
                busy = False
            self._publish()
            if not busy:
                self._stop.wait(self.poll_interval)

    def _wait_for(self, reason: str) -> None:
        if reason != self.waiting:
            self.waiting = reason
            self._say(f"stream processor: waiting: {reason}")

    def _found(self) -> None:
        if self.waiting is not None:
            self.waiting = None
            self._say(
                f"stream processor: found the stream of table {self.table_name!r}; "
                "applying it to the group rows"
            )

    def _record_failure(self, error: str) -> None:
        """Keep the error for status(); say it at most once per FAILURE_NOTICE_SECONDS."""
        self.last_error = error
        self.last_error_at = datetime.now(UTC).isoformat(timespec="seconds")
        now = time.monotonic()
        if now - self._failure_noticed_at < FAILURE_NOTICE_SECONDS:
            self._failures_unsaid += 1
            return
        more = (
            f" ({self._failures_unsaid} more failure(s) since the last line)"
            if self._failures_unsaid
            else ""
        )
        self._failure_noticed_at, self._failures_unsaid = now, 0
        self._say(f"stream processor: {error}{more}", warning=True)

    def _say(self, text: str, *, warning: bool = False) -> None:
        if self.notice is not None:
            self.notice(text)
        elif warning:
            log.warning("%s", text)

    def _publish(self) -> None:
        if self.status_file is None:
            return
        status = self.status()
        if status == self._published:
            return
        self._published = status
        temporary = self.status_file.with_name(f".{self.status_file.name}.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(status, indent=2))
            temporary.replace(self.status_file)

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
        self.failed_batches += 1
        shard.attempts += 1
        shard.iterator = None  # the retry reads again from the checkpoint
        self._record_failure(
            f"a batch on {shard.shard_id} failed (attempt {shard.attempts}): {error}"
        )
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
            raise StreamMissing(
                f"table {self.table_name!r} has no stream: enable it with view type NEW_IMAGE: "
                f"`{enable_stream_command(self.lab)}` (cruddur-lab schema-load creates tables "
                "with one)"
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
