"""Reading a table's stream: its ARN, its shards, iterators from a checkpoint, records.

One reader for both users of the stream: the processor (``streams``) that applies it and
``streams status`` (``stream_report``) that counts what waits behind each checkpoint.
Reading moves nothing; a checkpoint is the caller's to keep.

Engine note: moto rolls a cancelled transaction back by swapping in a copy of the table,
stream shard included, so an open iterator would read the orphaned shard forever; off AWS
an idle shard's iterator is re-acquired from its checkpoint on every poll.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cruddur_lab.errors import CruddurLabError, StreamMissing, TableMissing

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

__all__ = ["Shard", "ShardReader", "enable_stream_command", "records_waiting"]


@dataclass
class Shard:
    shard_id: str
    parent_id: str | None
    #: Last successfully handled sequence number (None: read from the oldest record).
    checkpoint: str | None = None
    iterator: str | None = None
    finished: bool = False
    attempts: int = 0


class ShardReader:
    """The shards of one table's stream, read ``batch_size`` records at a time."""

    def __init__(self, lab: Lab, table_name: str, batch_size: int) -> None:
        self.lab = lab
        self.table_name = table_name
        self.batch_size = batch_size
        self.stream_arn: str | None = None
        self.shards: dict[str, Shard] = {}
        self.listed_at = 0.0

    def find_stream(self) -> str:
        """The table's stream ARN; ``TableMissing`` or ``StreamMissing`` naming the fix."""
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

    def list_shards(self) -> None:
        """Add shards not seen yet; a new stream (the table re-created) starts over."""
        arn = self.find_stream()
        if arn != self.stream_arn:
            self.forget()
            self.stream_arn = arn
        for entry in self.describe_shards(arn):
            if entry["ShardId"] not in self.shards:
                self.shards[entry["ShardId"]] = Shard(entry["ShardId"], entry.get("ParentShardId"))
        self.listed_at = time.monotonic()

    def describe_shards(self, arn: str) -> list[dict[str, Any]]:
        """Every shard of the stream, parents before children, over DescribeStream's pages."""
        listed: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": arn}
        with self.lab.translate_errors():
            while True:
                page = self.lab.streams.describe_stream(**kwargs)["StreamDescription"]
                listed.extend(page.get("Shards", []))
                if not page.get("LastEvaluatedShardId"):
                    return listed
                kwargs["ExclusiveStartShardId"] = page["LastEvaluatedShardId"]

    def forget(self) -> None:
        self.stream_arn = None
        self.shards.clear()
        self.listed_at = 0.0

    def readable(self) -> list[Shard]:
        """Open shards whose parent is finished or gone (a child waits for its parent)."""
        return [
            shard
            for shard in self.shards.values()
            if not shard.finished
            and (shard.parent_id not in self.shards or self.shards[shard.parent_id].finished)
        ]

    def read(self, shard: Shard) -> list[dict[str, Any]]:
        """One GetRecords from the shard's iterator (re-acquired when expired or trimmed)."""
        for _ in range(2):
            if shard.iterator is None:
                shard.iterator = self.iterator(shard.shard_id, shard.checkpoint)
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
                shard.iterator = None  # moto's orphaned shard: see the module's note
            return records
        return []

    def iterator(self, shard_id: str, checkpoint: str | None) -> str:
        """An iterator after ``checkpoint``, or at the oldest record without one."""
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if checkpoint is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=checkpoint)
        with self.lab.translate_errors():
            return self.lab.streams.get_shard_iterator(**kwargs)["ShardIterator"]


def records_waiting(
    reader: ShardReader, shard_id: str, checkpoint: str | None, limit: int
) -> tuple[int, float | None]:
    """Records after ``checkpoint`` (up to ``limit``) and the age of the oldest, seconds."""
    count, oldest = 0, None
    iterator: str | None = reader.iterator(shard_id, checkpoint)
    with reader.lab.translate_errors():
        while iterator and count < limit:
            page = reader.lab.streams.get_records(ShardIterator=iterator, Limit=limit - count)
            records = page.get("Records", [])
            if not records:
                break
            if oldest is None:
                created = records[0]["dynamodb"].get("ApproximateCreationDateTime")
                if isinstance(created, datetime):
                    oldest = (datetime.now(UTC) - created).total_seconds()
            count += len(records)
            iterator = page.get("NextShardIterator")
    return count, oldest


def enable_stream_command(lab: Any) -> str:
    """The one command that turns the table's stream on, for this engine, as the bootcamp
    did by hand (its schema-load created the table without one)."""
    settings = lab.settings
    where = f" --endpoint-url {settings.endpoint_url}" if settings.endpoint_url else ""
    return (
        f"aws dynamodb update-table --table-name {settings.table_name} --stream-specification "
        f"StreamEnabled=true,StreamViewType=NEW_IMAGE{where} --region {settings.region}"
    )
