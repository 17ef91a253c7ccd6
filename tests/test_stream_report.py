"""``streams status`` (``app.stream_report``): the stream, its shards and what waits behind
each checkpoint, read without moving anything; and Pattern E's check (``app.group_rows``)."""

from __future__ import annotations

import pytest
from stream_support import send, start_conversations

from cruddur_lab import model
from cruddur_lab.app.group_rows import group_row_problems
from cruddur_lab.app.stream_report import stream_status
from cruddur_lab.app.streams import StreamProcessor
from cruddur_lab.scripts.schema import schema_load


@pytest.fixture
def table_lab(lab):
    schema_load(lab)
    return lab


def test_streams_status_of_a_missing_table_says_to_create_it(lab):
    assert stream_status(lab)["stream"] == (
        "none: the table does not exist (cruddur-lab schema-load)"
    )


def test_streams_status_without_a_stream_names_the_command_and_no_processor(lab):

    spec = model.create_table_spec()
    del spec["StreamSpecification"]
    lab.dynamodb.create_table(**spec)
    shown = stream_status(lab)
    assert shown == {
        "table": "cruddur-messages",
        "stream": "none: turn it on with `aws dynamodb update-table --table-name "
        "cruddur-messages --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE "
        f"--endpoint-url {lab.settings.endpoint_url} --region us-east-1`",
        "processor": "none publishes here: `cruddur-lab up` runs one; `cruddur-lab streams "
        "process` applies what is pending once",
    }


def test_streams_status_counts_the_records_behind_no_checkpoint(table_lab):

    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "waiting")
    shown = stream_status(table_lab)
    assert shown["shards"] == 1
    assert (
        shown["shard 1"]
        .split(": ", 1)[1]
        .startswith("checkpoint (none); 4 record(s) waiting, oldest ")
    )


def test_status_reads_nothing_away_the_processor_still_applies_it(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "waiting")
    first = stream_status(table_lab)
    assert stream_status(table_lab) == first
    assert "4 record(s) waiting" in first["shard 1"]
    report = StreamProcessor(table_lab).process_pending()
    assert report.message_inserts == 2  # the first message and the one sent: none lost


def test_group_row_problems_is_empty_when_pattern_e_has_caught_up(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "newest")
    StreamProcessor(table_lab).process_pending()
    assert group_row_problems(table_lab) == []


def test_group_row_problems_names_a_row_behind_the_newest_message(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "newest")  # no processor: the group rows stay behind
    problems = group_row_problems(table_lab)
    assert len(problems) == 2
    assert all(", newest message is " in problem for problem in problems)
    assert all(problem.startswith(f"group {conversation.group_uuid}: GRP#") for problem in problems)


def test_group_row_problems_names_a_missing_group_row(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    row = next(item for item in table_lab.table.scan()["Items"] if model.is_group_key(item["pk"]))
    table_lab.table.delete_item(Key={"pk": row["pk"], "sk": row["sk"]})
    assert (
        f"group {conversation.group_uuid}: 1 group rows, expected 2 owners"
        in group_row_problems(table_lab)
    )
