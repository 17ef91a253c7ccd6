"""One batch of stream records through the handler: retry, partial failures, checkpoints.

As Lambda's event source mapping does: the records become a Lambda-shaped event; a shard's
checkpoint moves only past what succeeded; a batch that raises is read again from the
checkpoint and retried; a partial batch response (``batchItemFailures``) stops the
checkpoint before the lowest failed record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cruddur_lab.app.deploy.handler import BatchResult
from cruddur_lab.app.stream_shards import Shard
from cruddur_lab.errors import StreamProcessingError

__all__ = ["BatchApplier", "Handler", "ProcessReport"]

#: A handler as Lambda calls it. Returning a ``BatchResult`` (what ``StreamHandler.process``
#: returns) adds its counts to the report; a plain Lambda response dict works too.
Handler = Callable[[dict[str, Any], Any], Any]


#: The handler's counts a report adds up (``records`` counts what was checkpointed instead).
_COUNTS = tuple(f.name for f in fields(BatchResult) if f.default == 0 and f.name != "records")


@dataclass
class ProcessReport(BatchResult):
    """What ``process_pending()`` (or the background loop so far) did: the handler's counts
    over every batch, and the events, failed events and shards around them."""

    events: int = 0
    failed_events: int = 0
    shards: int = 0

    def add_result(self, result: BatchResult) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(result, name))

    def merge(self, other: ProcessReport) -> None:
        for name in (*_COUNTS, "records", "events", "failed_events"):
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
class BatchApplier:
    """Hands batches to ``handler`` and moves checkpoints; ``on_failure`` hears each failed
    batch (the processor keeps it for ``status()`` and says it, rate-limited)."""

    handler: Handler
    max_attempts: int
    region: str
    on_failure: Callable[[str], None]
    failed_batches: int = 0

    def apply(
        self,
        shard: Shard,
        records: list[dict[str, Any]],
        stream_arn: str | None,
        report: ProcessReport,
        *,
        raise_after_attempts: bool,
    ) -> None:
        event = {"Records": [lambda_record(r, stream_arn, self.region) for r in records]}
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
        self.on_failure(f"a batch on {shard.shard_id} failed (attempt {shard.attempts}): {error}")
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


def lambda_record(record: dict[str, Any], stream_arn: str | None, region: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda delivers (epoch seconds, source ARN)."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = created.timestamp()
    shaped = {**record, "dynamodb": data, "eventSourceARN": stream_arn}
    shaped.setdefault("awsRegion", region)
    return shaped


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
