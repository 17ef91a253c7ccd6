"""Pattern E's runner: read the table's stream and hand it to the stream handler.

On AWS an event source mapping feeds the stream to the Lambda in ``deploy/handler.py``.
moto never runs a Lambda from a stream mapping (it would need Docker), and DynamoDB Local
has no Lambda at all, so ``StreamProcessor`` does the mapping's job in-process, through the
``dynamodbstreams`` API on any engine (embedded, an endpoint, or AWS itself):

    DescribeStream (pages of shards, parents before children) → GetShardIterator
    (TRIM_HORIZON the first time, AFTER_SEQUENCE_NUMBER from the checkpoint) → GetRecords
    → a Lambda-shaped event per batch → the handler → checkpoint the shard.

The pieces: ``stream_shards`` reads the stream, ``stream_batches`` applies a batch (retry,
partial failures, checkpoints), ``stream_runner`` keeps it running in a thread. The handler
is the same code as the Lambda's (``cruddur_lab.app.deploy.handler``), called with the Lab's
own client and table.

Engine notes. moto's ``TransactWriteItems`` deep-copies the whole table (items and stream
records) before each transaction and, when one is cancelled, swaps the copy in (see
``stream_shards``). Its server is threaded but its backend is not thread-safe: a cancelled
transaction can drop writes that other clients made while it ran.

>>> processor = StreamProcessor(lab)
>>> report = processor.process_pending()      # step until the stream is drained
>>> processor.start(); ...; processor.stop()  # or keep it running in a background thread

With botocore 1.44 and moto 5.2 the stream calls only work with an explicit ``endpoint_url``,
which a Lab on the embedded engine always passes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.app.deploy.handler import StreamHandler
from cruddur_lab.app.group_rows import group_row_problems
from cruddur_lab.app.stream_batches import BatchApplier, Handler, ProcessReport
from cruddur_lab.app.stream_runner import BackgroundRunner
from cruddur_lab.app.stream_shards import ShardReader, enable_stream_command
from cruddur_lab.errors import StreamMissing, StreamProcessingError

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

__all__ = [
    "ProcessReport",
    "StreamMissing",
    "StreamProcessingError",
    "StreamProcessor",
    "enable_stream_command",
    "group_row_problems",
    "running_processor",
]

BATCH_SIZE = 100
POLL_INTERVAL = 0.2
MAX_ATTEMPTS = 5


class StreamProcessor(BackgroundRunner):
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
        self.reader = ShardReader(lab, self.table_name, batch_size)
        self.applier = BatchApplier(
            lambda event, context: self.handler(event, context),
            max_attempts,
            lab.settings.region,
            self._record_failure,
        )
        self.totals = ProcessReport()
        self.notice = notice
        self.status_file = Path(status_file) if status_file else None
        # Re-entrant: status() and checkpoints may be read by a thread that holds it.
        self._lock = threading.RLock()
        self._init_runner()

    @property
    def stream_arn(self) -> str | None:
        return self.reader.stream_arn

    @property
    def failed_batches(self) -> int:
        return self.applier.failed_batches

    @property
    def checkpoints(self) -> dict[str, str | None]:
        """Last successfully handled sequence number per shard."""
        # Under the lock: the background loop adds and forgets shards while we iterate.
        with self._lock:
            return {shard.shard_id: shard.checkpoint for shard in self.reader.shards.values()}

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
            self.reader.list_shards()
            while True:
                step = self._step(raise_after_attempts=True)
                report.merge(step)
                if step.records == 0 and step.failed_events == 0:
                    break
        report.shards = len(self.reader.shards)
        return report

    def _step(self, *, raise_after_attempts: bool) -> ProcessReport:
        """One GetRecords (and one handler call) per readable shard."""
        report = ProcessReport()
        for shard in self.reader.readable():
            records = self.reader.read(shard)
            if records:
                self.applier.apply(
                    shard,
                    records,
                    self.stream_arn,
                    report,
                    raise_after_attempts=raise_after_attempts,
                )
        if any(shard.finished for shard in self.reader.shards.values()):
            self.reader.list_shards()
        report.shards = len(self.reader.shards)
        return report


@contextlib.contextmanager
def running_processor(lab: Lab, **options: Any):
    """``with running_processor(lab) as processor:`` -- started on entry, stopped on exit."""
    processor = StreamProcessor(lab, **options).start()
    try:
        yield processor
    finally:
        processor.stop()
