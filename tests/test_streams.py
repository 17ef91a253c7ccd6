"""Pattern E: the stream handler (hand-built Lambda events) and the StreamProcessor (the
embedded engine's real stream), plus `cruddur-lab up` running the processor."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time

import boto3
import pytest
from lab_support import CLI, clean_environment, free_port, run_cli
from stream_support import (
    group_rows,
    items,
    lambda_event,
    plain_item,
    send,
    start_conversations,
    stream_record,
    typed_item,
)

from cruddur_lab import model
from cruddur_lab.app.deploy.handler import StreamHandler, handler_from_environment
from cruddur_lab.app.streams import StreamProcessingError, StreamProcessor, group_row_problems
from cruddur_lab.engine.trace import recording
from cruddur_lab.errors import CruddurLabError, TableMissing
from cruddur_lab.scripts.schema import schema_load


@pytest.fixture
def table_lab(lab):
    schema_load(lab)
    return lab


def handler_for(lab, **options):
    return StreamHandler(lab.client("dynamodb"), lab.settings.table_name, **options)


def wait_until(condition, timeout=15.0):
    """Poll ``condition`` (tests assert outcomes, never durations; the timeout only ends
    a hopeless wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- the handler ----------------------------------------------------------------------------


def test_insert_moves_both_group_rows_to_the_new_message(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    message = send(table_lab, conversation, "second", sender=1)

    result = handler_for(table_lab).process(lambda_event(stream_record(message, 10)))

    rows = group_rows(table_lab, conversation)
    assert [(r["sk"], r["message"]) for r in rows] == [(message["sk"], "second")] * 2
    # Exactly the bootcamp's group-row attributes: the handler adds none.
    assert [sorted(r) for r in rows] == [sorted(model.GROUP_ATTRIBUTES)] * 2
    # Each row still describes the *other* participant.
    assert {r["pk"]: r["user_handle"] for r in rows} == {
        model.group_pk(conversation.users[0].uuid): conversation.users[1].handle,
        model.group_pk(conversation.users[1].uuid): conversation.users[0].handle,
    }
    assert (result.message_inserts, result.group_rows_moved) == (1, 2)
    assert result.lambda_response() == {"batchItemFailures": []}


def test_every_record_of_an_event_is_applied_not_only_the_first(table_lab):
    conversations = start_conversations(table_lab, 3)
    messages = [send(table_lab, c, f"news {i}") for i, c in enumerate(conversations)]

    handler_for(table_lab).process(
        lambda_event(*(stream_record(m, 20 + i) for i, m in enumerate(messages)))
    )

    for conversation, message in zip(conversations, messages, strict=True):
        assert {r["sk"] for r in group_rows(table_lab, conversation)} == {message["sk"]}
    assert group_row_problems(table_lab) == []


def test_remove_modify_and_group_row_records_are_skipped_and_counted(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    before = items(table_lab)
    newer = model.message_item(
        message_group_uuid=conversation.group_uuid,
        message_uuid="f" * 32,
        sender=conversation.users[0],
        text="never written",
        created_at="2099-01-01T00:00:00.000000+00:00",
    )
    group_row = {**group_rows(table_lab, conversation)[0], "sk": "2099-01-01T00:00:00+00:00"}

    result = handler_for(table_lab).process(
        lambda_event(
            stream_record(newer, 1, "REMOVE"),
            stream_record(newer, 2, "MODIFY"),
            stream_record(group_row, 3, "INSERT"),
        )
    )

    assert items(table_lab) == before
    assert (result.records, result.skipped_remove, result.skipped_modify) == (3, 1, 1)
    assert (result.skipped_not_message, result.message_inserts) == (1, 0)


def test_an_older_record_never_moves_a_row_backwards(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    older = send(table_lab, conversation, "older")
    newer = send(table_lab, conversation, "newer")
    handler = handler_for(table_lab)

    handler.process(lambda_event(stream_record(newer, 2)))
    result = handler.process(lambda_event(stream_record(older, 1)))

    assert {(r["sk"], r["message"]) for r in group_rows(table_lab, conversation)} == {
        (newer["sk"], "newer")
    }
    assert (result.group_rows_moved, result.group_rows_current) == (0, 2)


def test_a_record_at_the_rows_own_sk_is_current_and_writes_nothing(table_lab):
    """Pattern D writes the group rows with its first message's sk: its record is current."""
    (conversation,) = start_conversations(table_lab, 1)
    first = next(i for i in items(table_lab) if model.is_message_key(i["pk"]))
    before = items(table_lab)

    result = handler_for(table_lab).process(lambda_event(stream_record(first, 1)))

    assert items(table_lab) == before
    assert {r["sk"] for r in group_rows(table_lab, conversation)} == {first["sk"]}
    assert (result.group_rows_moved, result.group_rows_current) == (0, 2)


def test_a_move_keeps_only_the_models_attributes(table_lab):
    """Rows an earlier handler version left with an extra attribute are caught by
    ``group_row_problems`` and come out of their next move with exactly the model's."""
    (conversation,) = start_conversations(table_lab, 1)
    for row in group_rows(table_lab, conversation):
        table_lab.dynamodb.put_item(
            TableName=table_lab.settings.table_name, Item={**row, "message_uuid": "0" * 32}
        )
    assert len(group_row_problems(table_lab)) == 2
    message = send(table_lab, conversation, "next")

    handler_for(table_lab).process(lambda_event(stream_record(message, 3)))

    assert [sorted(r) for r in group_rows(table_lab, conversation)] == [
        sorted(model.GROUP_ATTRIBUTES)
    ] * 2
    assert group_row_problems(table_lab) == []


def test_a_duplicate_group_row_left_by_the_bootcamp_handler_is_removed(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    stale = group_rows(table_lab, conversation)[0]
    message = send(table_lab, conversation, "next")
    # The bootcamp's delete-then-put could leave a second row for one owner.
    table_lab.dynamodb.put_item(
        TableName=table_lab.settings.table_name, Item={**stale, "sk": "2000-01-01T00:00:00+00:00"}
    )

    result = handler_for(table_lab).process(lambda_event(stream_record(message, 5)))

    rows = group_rows(table_lab, conversation)
    assert sorted(r["pk"] for r in rows) == sorted(
        model.group_pk(u.uuid) for u in conversation.users
    )
    assert {r["sk"] for r in rows} == {message["sk"]}
    assert result.duplicates_removed == 1


def test_a_key_taken_by_another_conversation_leaves_the_row_and_counts_a_collision(table_lab):
    first, second = start_conversations(table_lab, 2)
    # The owner of `first` also has a row for `second` at the very sk the new message takes.
    owner = first.users[0]
    message = send(table_lab, first, "collides")
    table_lab.dynamodb.put_item(
        TableName=table_lab.settings.table_name,
        Item=model.group_item(
            owner=owner,
            other=second.users[1],
            message_group_uuid=second.group_uuid,
            last_message="elsewhere",
            last_at=message["sk"],
        ),
    )

    result = handler_for(table_lab).process(lambda_event(stream_record(message, 7)))

    assert (result.group_rows_moved, result.collisions) == (1, 1)
    assert result.lambda_response() == {"batchItemFailures": []}
    rows = {r["pk"]: r["sk"] for r in group_rows(table_lab, first)}
    assert rows[model.group_pk(first.users[1].uuid)] == message["sk"]
    assert rows[model.group_pk(owner.uuid)] != message["sk"]


@pytest.mark.parametrize("collapse", [True, False])
def test_per_record_and_collapsed_handlers_reach_the_same_state(table_lab, collapse):
    conversations = start_conversations(table_lab, 2)
    messages = [send(table_lab, conversations[i % 2], f"m{i}") for i in range(6)]
    event = lambda_event(*(stream_record(m, 100 + i) for i, m in enumerate(messages)))

    result = handler_for(table_lab, collapse=collapse).process(event)

    assert group_row_problems(table_lab) == []
    # Collapsed: one move per row per conversation; per record: one per row per message.
    assert result.group_rows_moved == (4 if collapse else 12)


def test_handler_configuration_comes_from_the_environment():
    handler = handler_from_environment(
        {
            "DDB_MESSAGE_TABLE": "bootcamp-table",
            "AWS_REGION": "eu-west-2",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
            "AWS_ACCESS_KEY_ID": "x",
        }
    )
    assert handler.table_name == "bootcamp-table"
    assert handler.client.meta.region_name == "eu-west-2"
    assert handler.client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert (
        handler_from_environment({"TABLE_NAME": "t1", "AWS_REGION": "us-west-1"}).table_name == "t1"
    )


# --- the processor --------------------------------------------------------------------------


def test_process_pending_moves_group_rows_and_reports_what_it_did(table_lab):
    conversations = start_conversations(table_lab, 2)
    for i in range(4):
        send(table_lab, conversations[i % 2], f"m{i}")
    processor = StreamProcessor(table_lab)

    report = processor.process_pending()

    assert group_row_problems(table_lab) == []
    # 4 group rows + 2 first messages + 4 messages written, then 4 moves (delete + put each).
    assert (report.records, report.message_inserts, report.group_rows_moved) == (18, 6, 4)
    assert report.skipped == 12
    assert str(report).startswith("18 stream records in ")
    again = processor.process_pending()
    assert (again.records, again.events) == (0, 0)


def test_events_have_the_lambda_shape(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    events = []
    processor = StreamProcessor(table_lab)

    def recording(event, context):
        events.append(json.loads(json.dumps(event)))  # a Lambda event is plain JSON
        return processor.stream_handler.process(event)

    processor.handler = recording
    processor.process_pending()

    record = events[0]["Records"][0]
    stream_arn = table_lab.dynamodb.describe_table(TableName=table_lab.settings.table_name)[
        "Table"
    ]["LatestStreamArn"]
    assert record["eventSourceARN"] == stream_arn
    assert record["eventSource"] == "aws:dynamodb"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert plain_item(record["dynamodb"]["Keys"]) == {
        "pk": model.group_pk(conversation.users[0].uuid),
        "sk": plain_item(record["dynamodb"]["NewImage"])["sk"],
    }
    sequence_numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in events[0]["Records"]]
    assert sequence_numbers == sorted(sequence_numbers)


def test_batch_size_splits_the_stream_into_several_events(table_lab):
    start_conversations(table_lab, 3)
    report = StreamProcessor(table_lab, batch_size=4).process_pending()
    assert (report.records, report.events) == (9, 3)


def test_a_partial_batch_failure_is_retried_from_the_lowest_failed_record(table_lab):
    conversations = start_conversations(table_lab, 2)
    for conversation in conversations:
        send(table_lab, conversation, "later")
    processor = StreamProcessor(table_lab)
    delivered = []

    def fail_third_record_once(event, context):
        first = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        delivered.append(first)
        result = processor.stream_handler.process(event)
        if len(delivered) == 1:
            result.failed_sequence_numbers.append(first[2])
        return result

    processor.handler = fail_third_record_once
    report = processor.process_pending()

    assert delivered[1][0] == delivered[0][2]  # redelivered from the failed record on
    assert report.failed_events == 1
    assert group_row_problems(table_lab) == []


def test_a_batch_that_keeps_failing_raises_and_keeps_the_checkpoint(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "stuck")

    def broken(event, context):
        raise RuntimeError("handler bug")

    processor = StreamProcessor(table_lab, handler=broken, max_attempts=2)
    with pytest.raises(StreamProcessingError) as caught:
        processor.process_pending()
    assert str(caught.value).startswith(
        "a stream batch failed 2 times (RuntimeError('handler bug'))"
    )
    assert set(processor.checkpoints.values()) == {None}

    processor.handler = lambda event, context: processor.stream_handler.process(event)
    report = processor.process_pending()
    # The 4 records written, then the 4 of the two moves (a delete and a put each).
    assert (report.records, report.message_inserts, report.group_rows_moved) == (8, 2, 2)
    assert group_row_problems(table_lab) == []


def test_a_missing_table_is_one_line_naming_the_fix(lab):
    with pytest.raises(TableMissing) as caught:
        StreamProcessor(lab).process_pending()
    assert str(caught.value) == (
        "table 'cruddur-messages' does not exist: run `cruddur-lab schema-load` first"
    )


def test_a_table_without_a_stream_is_refused(lab):
    spec = model.create_table_spec()
    del spec["StreamSpecification"]
    lab.dynamodb.create_table(**spec)
    with pytest.raises(CruddurLabError) as caught:
        StreamProcessor(lab).process_pending()
    assert str(caught.value) == (
        "table 'cruddur-messages' has no stream: enable it with view type NEW_IMAGE: "
        "`aws dynamodb update-table --table-name cruddur-messages --stream-specification "
        f"StreamEnabled=true,StreamViewType=NEW_IMAGE --endpoint-url {lab.settings.endpoint_url} "
        "--region us-east-1` (cruddur-lab schema-load creates tables with one)"
    )


def test_group_row_problems_names_a_stale_row(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    message = send(table_lab, conversation, "unprocessed")
    problems = group_row_problems(table_lab)
    assert len(problems) == 2
    assert problems[0].endswith(f"newest message is {message['sk']}")


def test_background_processor_follows_writes_and_waits_for_the_table(lab):
    processor = StreamProcessor(lab, poll_interval=0.05).start()
    assert wait_until(lambda: processor.waiting is not None)
    assert processor.waiting.startswith("table 'cruddur-messages' does not exist")
    assert processor.last_error is None, "waiting for a table is not an error"

    schema_load(lab)
    (conversation,) = start_conversations(lab, 1)
    message = send(lab, conversation, "background")

    assert wait_until(lambda: group_row_problems(lab) == [])
    assert {r["sk"] for r in group_rows(lab, conversation)} == {message["sk"]}
    assert processor.running
    lab.close()  # the Lab stops its processor
    assert not processor.running


# --- `cruddur-lab up` -----------------------------------------------------------------------


def test_up_moves_group_rows_written_by_any_client(tmp_path):
    port = free_port()
    env = clean_environment(CRUDDUR_LAB_STATE=str(tmp_path / "up.json"))
    server = subprocess.Popen(
        [*CLI, "up", "--port", str(port), "--pg-port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until((tmp_path / "up.json").exists, timeout=120), server.stderr
        # A client of its own, as the bootcamp's app would be: plain boto3 on the endpoint.
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_table(**model.create_table_spec())  # after `up` started: it waits
        users = (model.User("a" * 32, "ann", "Ann"), model.User("b" * 32, "bob", "Bob"))
        group = "c" * 32
        for owner, other in (users, users[::-1]):
            row = model.group_item(
                owner=owner,
                other=other,
                message_group_uuid=group,
                last_message="hi",
                last_at="2026-03-01T12:00:00.000000+00:00",
            )
            client.put_item(TableName=model.TABLE_NAME, Item=typed_item(row))
        message = model.message_item(
            message_group_uuid=group,
            message_uuid="d" * 32,
            sender=users[0],
            text="via up",
            created_at="2026-03-01T12:05:00.000000+00:00",
        )
        client.put_item(TableName=model.TABLE_NAME, Item=typed_item(message))

        def moved():
            found = client.query(
                TableName=model.TABLE_NAME,
                IndexName=model.GSI_NAME,
                KeyConditionExpression="message_group_uuid = :g",
                ExpressionAttributeValues=typed_item({":g": group}),
            )["Items"]
            rows = [plain_item(r) for r in found]
            return {(r["sk"], r["message"]) for r in rows} == {(message["sk"], "via up")}

        assert wait_until(moved, timeout=30)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=60)
    assert "stream processor: started on table 'cruddur-messages'" in out
    assert server.returncode == 0, err


# --- `cruddur-lab streams process` ----------------------------------------------------------


def _cli(*args, state_file):
    return run_cli(list(args), clean_environment(CRUDDUR_LAB_STATE=str(state_file)))


def test_streams_process_command_applies_the_stream_of_a_running_engine(table_lab, tmp_path):
    from cruddur_lab.engine.settings import write_state

    state = tmp_path / "up.json"  # the CLI attaches to these services as to a running `up`
    write_state(
        state,
        {
            "pid": os.getpid(),
            "endpoint_url": table_lab.settings.endpoint_url,
            "connection_url": table_lab.settings.connection_url,
            "table_name": table_lab.settings.table_name,
        },
    )
    (conversation,) = start_conversations(table_lab, 1)
    message = send(table_lab, conversation, "from the command line")

    done = _cli("streams", "process", state_file=state)

    assert (done.returncode, done.stderr) == (0, "")
    # 4 records written, then the 4 of the two moves (skipped on the second pass).
    assert done.stdout == (
        "8 stream records in 2 event(s): 2 new message(s), 2 group row(s) moved, "
        "0 already current, 6 skipped\n"
    )
    assert {r["sk"] for r in group_rows(table_lab, conversation)} == {message["sk"]}


def test_streams_process_rejects_a_zero_batch_size(tmp_path):
    done = _cli("streams", "process", "--batch-size", "0", state_file=tmp_path / "none.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "cruddur-lab: error: --batch-size must be at least 1, got 0\n"


def test_background_processor_follows_a_dropped_and_recreated_table(table_lab):
    from cruddur_lab.scripts.schema import drop

    processor = StreamProcessor(table_lab, poll_interval=0.05).start()
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "before the drop")
    assert wait_until(lambda: group_row_problems(table_lab) == [])
    old_stream = processor.stream_arn

    drop(table_lab)
    schema_load(table_lab)
    (conversation,) = start_conversations(table_lab, 1, first=5)
    message = send(table_lab, conversation, "on the new stream")

    assert wait_until(lambda: group_row_problems(table_lab) == [])
    assert {r["sk"] for r in group_rows(table_lab, conversation)} == {message["sk"]}
    assert processor.stream_arn not in (None, old_stream)
    processor.stop()


# --- the background processor: said once, never hidden, never cut short --------------------


@contextlib.contextmanager
def caplog_silenced():
    """Failing batches log warnings when no one listens for notices; not this test's topic."""
    import logging

    logger = logging.getLogger("cruddur_lab.app.streams")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def test_a_table_without_a_stream_is_said_once_and_its_stream_picked_up_when_turned_on(lab):
    """The bootcamp's schema-load makes no stream; students turned it on by hand."""
    spec = model.create_table_spec()
    del spec["StreamSpecification"]
    lab.dynamodb.create_table(**spec)
    notices: list[str] = []
    processor = StreamProcessor(lab, poll_interval=0.02, notice=notices.append).start()
    try:
        assert wait_until(lambda: processor.waiting is not None)
        # 25 more polls of a table that still has no stream (each asks DescribeTable),
        # counted rather than slept for: a busy machine polls less in a given time.
        with recording(lab, ["DescribeTable"], price=False) as polls:
            assert wait_until(lambda: len(polls) >= 25)
        assert notices == [
            "stream processor: waiting: table 'cruddur-messages' has no stream: enable it with "
            "view type NEW_IMAGE: `aws dynamodb update-table --table-name cruddur-messages "
            "--stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE --endpoint-url "
            f"{lab.settings.endpoint_url} --region us-east-1` (cruddur-lab schema-load creates "
            "tables with one)"
        ]
        lab.dynamodb.update_table(
            TableName=lab.settings.table_name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        (conversation,) = start_conversations(lab, 1)
        message = send(lab, conversation, "after the stream was turned on")
        assert wait_until(lambda: group_row_problems(lab) == [])
        assert {r["sk"] for r in group_rows(lab, conversation)} == {message["sk"]}
        assert notices[1:] == [
            "stream processor: found the stream of table 'cruddur-messages'; applying it to "
            "the group rows"
        ]
    finally:
        processor.stop()


def test_a_background_processor_whose_handler_fails_reports_the_failure(table_lab):
    """Issue 15: the loop reset last_error to None after every pass, failed batches included."""
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "never applied")

    def broken(event, context):
        raise RuntimeError("handler bug")

    processor = StreamProcessor(table_lab, handler=broken, poll_interval=0.02)
    with caplog_silenced():
        processor.start()
        try:
            assert wait_until(lambda: processor.totals.failed_events >= 3)
            time.sleep(0.1)  # a few more passes: none may clear the error
            assert processor.last_error is not None
            assert "RuntimeError('handler bug')" in processor.last_error
        finally:
            processor.stop()
    status = processor.status()
    assert status["failed batches"] >= 3
    assert status["last error"] == processor.last_error


def test_failing_batches_are_said_at_most_once_per_ten_seconds(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    send(table_lab, conversation, "never applied")
    notices: list[str] = []

    def broken(event, context):
        raise RuntimeError("handler bug")

    processor = StreamProcessor(
        table_lab, handler=broken, poll_interval=0.02, notice=notices.append
    ).start()
    try:
        assert wait_until(lambda: processor.failed_batches >= 5)
    finally:
        processor.stop()
    assert len(notices) == 1
    assert notices[0].startswith("stream processor: a batch on shardId-")
    assert notices[0].endswith("failed (attempt 1): RuntimeError('handler bug')")


def test_checkpoints_are_read_under_the_processor_lock(table_lab):
    """Issue 15: the background loop adds and forgets shards while another thread reads
    ``checkpoints``; unlocked, the read iterates a dict that changes under it."""
    processor = StreamProcessor(table_lab)
    processor.process_pending()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with processor._lock:  # what a pass of the background loop does
            holding.set()
            release.wait(10)

    threading.Thread(target=hold_the_lock, daemon=True).start()
    assert holding.wait(10)
    read: list[dict] = []
    reader = threading.Thread(target=lambda: read.append(processor.checkpoints), daemon=True)
    reader.start()
    reader.join(0.5)
    assert reader.is_alive(), "checkpoints was read while a pass held the lock"
    release.set()
    reader.join(10)
    assert read and len(read[0]) == 1


def test_closing_the_lab_waits_for_a_pass_still_inside_a_request(table_lab):
    """Issue 15: stop() gave up after 10 s while the handler's request (read timeout 30 s)
    still ran, and the Lab then closed the clients under it."""
    (conversation,) = start_conversations(table_lab, 1)
    entered, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow_handler(event, context):
        entered.set()
        release.wait(30)  # stands for a request that takes longer than stop() used to wait
        result = processor.stream_handler.process(event)
        finished.append("applied")
        return result

    processor = StreamProcessor(table_lab, handler=slow_handler, poll_interval=0.02).start()
    send(table_lab, conversation, "slow")
    assert entered.wait(15)
    closer = threading.Thread(target=table_lab.close, daemon=True)
    closer.start()
    closer.join(10.5)  # longer than the old 10 s give-up
    still_waiting = closer.is_alive()
    release.set()
    closer.join(30)
    assert still_waiting, "the Lab closed (and closed its clients) while a pass was running"
    assert finished == ["applied"]
    assert not processor.running
