"""``cruddur-lab streams status`` and ``group_row_problems``: is Pattern E keeping up?

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
from cruddur_lab.scripts.reads import read_all

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


def enable_stream_command(lab: Any) -> str:
    """The one command that turns the table's stream on, for this engine, as the bootcamp
    did by hand (its schema-load created the table without one)."""
    settings = lab.settings
    where = f" --endpoint-url {settings.endpoint_url}" if settings.endpoint_url else ""
    return (
        f"aws dynamodb update-table --table-name {settings.table_name} --stream-specification "
        f"StreamEnabled=true,StreamViewType=NEW_IMAGE{where} --region {settings.region}"
    )


def group_row_problems(lab: Any) -> list[str]:
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
