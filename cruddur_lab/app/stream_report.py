"""``cruddur-lab streams status``: is Pattern E keeping up?

Read from two places: the table and its stream (does the stream exist, which shards, how
many records wait behind each checkpoint), and what the background processor of a running
``cruddur-lab up`` publishes (its state, checkpoints, failed batches, last error). Reading a
stream moves nothing: lag is counted with a fresh iterator from each checkpoint, by the same
reader the processor uses (``stream_shards``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cruddur_lab.app.stream_shards import ShardReader, enable_stream_command, records_waiting
from cruddur_lab.errors import StreamMissing, TableMissing

__all__ = ["published_status", "stream_status"]

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
    reader = ShardReader(lab, name, LAG_LIMIT)
    try:
        reader.stream_arn = reader.find_stream()
    except TableMissing:
        shown["stream"] = "none: the table does not exist (cruddur-lab schema-load)"
    except StreamMissing:
        shown["stream"] = f"none: turn it on with `{enable_stream_command(lab)}`"
    else:
        shown["stream"] = reader.stream_arn
        checkpoints = (published or {}).get("checkpoints") or {}
        shards = [entry["ShardId"] for entry in reader.describe_shards(reader.stream_arn)]
        shown["shards"] = len(shards)
        for number, shard in enumerate(shards, start=1):
            checkpoint = checkpoints.get(shard)
            pending, oldest = records_waiting(reader, shard, checkpoint, LAG_LIMIT)
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
