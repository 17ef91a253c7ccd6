"""The one shard reader (``app.stream_shards``): the processor and ``streams status`` read
the stream through it."""

from __future__ import annotations

import pytest
from stream_support import send, start_conversations

from cruddur_lab import model
from cruddur_lab.app.stream_shards import ShardReader, records_waiting
from cruddur_lab.errors import StreamMissing, TableMissing
from cruddur_lab.scripts.schema import schema_load


@pytest.fixture
def reader(lab):
    schema_load(lab)
    return ShardReader(lab, lab.settings.table_name, batch_size=100)


def test_a_missing_table_is_one_line_naming_schema_load(lab):
    with pytest.raises(TableMissing) as caught:
        ShardReader(lab, "cruddur-messages", 100).find_stream()
    assert str(caught.value) == (
        "table 'cruddur-messages' does not exist: run `cruddur-lab schema-load` first"
    )


def test_a_table_without_a_stream_names_the_command_that_turns_it_on(lab):
    spec = model.create_table_spec()
    del spec["StreamSpecification"]
    lab.dynamodb.create_table(**spec)
    with pytest.raises(StreamMissing) as caught:
        ShardReader(lab, "cruddur-messages", 100).find_stream()
    assert "aws dynamodb update-table --table-name cruddur-messages" in str(caught.value)
    assert "StreamViewType=NEW_IMAGE" in str(caught.value)


def test_reading_a_shard_returns_its_records_once_in_order(lab, reader):
    (conversation,) = start_conversations(lab, 1)
    send(lab, conversation, "hello")
    reader.list_shards()
    (shard,) = reader.readable()
    records = reader.read(shard)
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert len(records) == 4 and numbers == sorted(numbers)
    shard.checkpoint = records[-1]["dynamodb"]["SequenceNumber"]
    shard.iterator = None  # from the checkpoint: nothing new
    assert reader.read(shard) == []


def test_records_waiting_counts_behind_a_checkpoint_without_moving_it(lab, reader):
    (conversation,) = start_conversations(lab, 1)
    send(lab, conversation, "hello")
    reader.list_shards()
    (shard,) = reader.readable()
    first = reader.read(shard)[0]["dynamodb"]["SequenceNumber"]
    assert records_waiting(reader, shard.shard_id, None, 1000)[0] == 4
    assert records_waiting(reader, shard.shard_id, first, 1000)[0] == 3
    assert records_waiting(reader, shard.shard_id, None, 2)[0] == 2  # counted up to the limit
    assert shard.checkpoint is None


def test_a_recreated_table_is_read_as_a_new_stream(lab, reader):
    from cruddur_lab.scripts.schema import drop

    reader.list_shards()
    old = reader.stream_arn
    drop(lab, yes=True)
    schema_load(lab)
    reader.list_shards()
    assert reader.stream_arn not in (None, old)
    assert all(shard.checkpoint is None for shard in reader.shards.values())
