"""``cruddur-lab streams status``: is Pattern E keeping up, and if not, why?

Read from two places: the table and its stream (does the stream exist, which shards, how
many records wait behind each checkpoint), and what the background processor of a running
``cruddur-lab up`` publishes (its state, checkpoints, failed batches, last error). Reading a
stream moves nothing: lag is counted with a fresh iterator from each checkpoint.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cruddur_lab.errors import CruddurLabError

#: Lag is counted up to this many records per shard (enough to say "far behind").
LAG_LIMIT = 1000


def published_status(lab: Any) -> dict[str, Any] | None:
    """What the attached ``up``'s processor last published, if any."""
    if lab.attached is None:
        return None
    path = lab.attached.state.get("streams_status")
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def stream_status(lab: Any) -> dict[str, Any]:
    """Table, stream, shards, checkpoints, lag, processor state and last error, in order."""
    from cruddur_lab.app.streams import enable_stream_command

    name = lab.settings.table_name
    published = published_status(lab)
    shown: dict[str, Any] = {"table": name}
    try:
        with lab.translate_errors():
            table = lab.dynamodb.describe_table(TableName=name)["Table"]
    except CruddurLabError as error:
        if error.aws_code != "ResourceNotFoundException":
            raise
        table = None
    arn = (table or {}).get("LatestStreamArn")
    enabled = (table or {}).get("StreamSpecification", {}).get("StreamEnabled", False)
    if table is None:
        shown["stream"] = "none: the table does not exist (cruddur-lab schema-load)"
    elif not (arn and enabled):
        shown["stream"] = f"none: turn it on with `{enable_stream_command(lab)}`"
    else:
        shown["stream"] = arn
        checkpoints = (published or {}).get("checkpoints") or {}
        shards = _shards(lab, arn)
        shown["shards"] = len(shards)
        for number, shard in enumerate(shards, start=1):
            checkpoint = checkpoints.get(shard)
            pending, oldest = _pending(lab, arn, shard, checkpoint)
            lag = f"{pending}{'+' if pending >= LAG_LIMIT else ''} record(s) waiting"
            if oldest is not None:
                lag += f", oldest {oldest:.0f} s old"
            shown[f"shard {number}"] = f"{shard}: checkpoint {checkpoint or '(none)'}; {lag}"
    if published is None:
        shown["processor"] = (
            "none publishes here: `cruddur-lab up` runs one; `cruddur-lab streams process` "
            "applies what is pending once"
        )
    else:
        shown["processor"] = f"in {lab.attached.describe()}: {published.get('state')}"
        shown["records applied"] = published.get("records applied")
        shown["group rows moved"] = published.get("group rows moved")
        shown["failed batches"] = published.get("failed batches")
        error = published.get("last error")
        at = published.get("last error at")
        shown["last error"] = f"{error} (at {at})" if error else "none"
    return shown


def _shards(lab: Any, arn: str) -> list[str]:
    shards: list[str] = []
    kwargs: dict[str, Any] = {"StreamArn": arn}
    with lab.translate_errors():
        while True:
            page = lab.streams.describe_stream(**kwargs)["StreamDescription"]
            shards.extend(shard["ShardId"] for shard in page.get("Shards", []))
            if not page.get("LastEvaluatedShardId"):
                return shards
            kwargs["ExclusiveStartShardId"] = page["LastEvaluatedShardId"]


def _pending(lab: Any, arn: str, shard: str, checkpoint: str | None) -> tuple[int, float | None]:
    """Records after ``checkpoint`` (up to LAG_LIMIT) and the age of the oldest, seconds."""
    kwargs: dict[str, Any] = {"StreamArn": arn, "ShardId": shard}
    if checkpoint:
        kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=checkpoint)
    else:
        kwargs["ShardIteratorType"] = "TRIM_HORIZON"
    count, oldest = 0, None
    with lab.translate_errors():
        iterator = lab.streams.get_shard_iterator(**kwargs)["ShardIterator"]
        while iterator and count < LAG_LIMIT:
            page = lab.streams.get_records(ShardIterator=iterator, Limit=LAG_LIMIT - count)
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
