"""Pattern E under faults (issue 3, section 3), on the embedded engine's real stream.

After every scenario the same things must hold (``assert_inbox_consistent``): every group
row's ``sk`` is the newest message's ``sk`` of its group (``group_row_problems`` also checks
the text), exactly two group rows per conversation, each with exactly the model's group-row
attributes, and no message lost.
Faults are injected at the boundary (a handler that crashes mid-batch, records delivered
twice or shuffled, concurrent writers and processors); our code is never mocked.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from botocore.exceptions import ClientError
from stream_support import (
    Conversation,
    group_rows,
    items,
    message_uuids,
    plain_item,
    send,
    start_conversations,
    stream_record,
)

from cruddur_lab import model
from cruddur_lab.app import patterns
from cruddur_lab.app.deploy.handler import StreamHandler
from cruddur_lab.app.streams import StreamProcessor, group_row_problems
from cruddur_lab.clock import Clock, format_timestamp, parse_timestamp
from cruddur_lab.engine.lab import Lab
from cruddur_lab.scripts.schema import schema_load

# group_rows() and assert_inbox_consistent() only need the group uuid.
SEED_CONVERSATION = Conversation(model.SEED_GROUP_UUID, ())


@pytest.fixture
def table_lab(lab):
    schema_load(lab)
    return lab


def assert_inbox_consistent(lab, conversations, written_uuids):
    assert group_row_problems(lab) == []
    for conversation in conversations:
        rows = group_rows(lab, conversation)
        assert len(rows) == 2
        # The bootcamp's app reads these rows: nothing added, nothing missing.
        assert [sorted(row) for row in rows] == [sorted(model.GROUP_ATTRIBUTES)] * 2
    assert message_uuids(lab) == written_uuids


def record_events(processor):
    """Read the stream through ``processor`` without applying anything; return the events."""
    events = []
    processor.handler = lambda event, context: events.append(event)
    processor.process_pending()
    return events


def write_messages(lab, conversations, count, seed=0):
    rng = random.Random(seed)
    return [
        send(lab, rng.choice(conversations), f"message {i}", sender=rng.randrange(2))
        for i in range(count)
    ]


def test_a_batch_of_100_records(table_lab):
    conversations = start_conversations(table_lab, 10)  # 30 records
    first = message_uuids(table_lab)
    written = write_messages(table_lab, conversations, 70)  # 70 more
    sizes = []
    processor = StreamProcessor(table_lab, batch_size=100)

    def applying(event, context):
        sizes.append(len(event["Records"]))
        return processor.stream_handler.process(event)

    processor.handler = applying
    report = processor.process_pending()

    assert sizes[0] == 100
    assert report.message_inserts == 80
    assert_inbox_consistent(table_lab, conversations, first | {m["message_uuid"] for m in written})


def test_the_same_batch_delivered_twice(table_lab):
    conversations = start_conversations(table_lab, 5)
    write_messages(table_lab, conversations, 40)
    processor = StreamProcessor(table_lab)
    (event,) = record_events(processor)

    processor.stream_handler.process(event)
    after_once = items(table_lab)
    redelivered = processor.stream_handler.process(event)

    assert items(table_lab) == after_once
    assert (redelivered.group_rows_moved, redelivered.group_rows_current) == (0, 10)
    # A new processor replays the whole stream, moves included: still nothing changes.
    StreamProcessor(table_lab).process_pending()
    assert items(table_lab) == after_once
    assert_inbox_consistent(table_lab, conversations, message_uuids(table_lab))
    assert len(message_uuids(table_lab)) == 45


@pytest.mark.parametrize("one_event", [True, False], ids=["one-event", "event-per-record"])
def test_records_for_one_group_arriving_out_of_order(table_lab, one_event):
    (conversation,) = start_conversations(table_lab, 1)
    written = [send(table_lab, conversation, f"m{i}") for i in range(12)]
    processor = StreamProcessor(table_lab)
    records = [r for event in record_events(processor) for r in event["Records"]]
    random.Random(3).shuffle(records)
    keys = [plain_item(r["dynamodb"]["Keys"])["sk"] for r in records]
    assert keys != sorted(keys)

    events = [{"Records": records}] if one_event else [{"Records": [r]} for r in records]
    for event in events:
        processor.stream_handler.process(event)

    assert {r["sk"] for r in group_rows(table_lab, conversation)} == {written[-1]["sk"]}
    assert_inbox_consistent(table_lab, [conversation], message_uuids(table_lab))
    assert len(message_uuids(table_lab)) == 13


def test_the_handler_failing_halfway_through_a_batch_is_retried(table_lab):
    conversations = start_conversations(table_lab, 6)
    write_messages(table_lab, conversations, 30)
    processor = StreamProcessor(table_lab)
    crashes = []

    def crash_once_after_20_records(event, context):
        if crashes:
            return processor.stream_handler.process(event)
        processor.stream_handler.process({"Records": event["Records"][:20]})
        crashes.append(group_row_problems(table_lab))  # what the crash leaves behind
        raise ConnectionError("handler died after 20 of the batch's records")

    processor.handler = crash_once_after_20_records
    report = processor.process_pending()

    assert crashes[0] != []  # genuinely half done when it crashed
    assert report.failed_events == 1
    assert_inbox_consistent(table_lab, conversations, message_uuids(table_lab))
    assert len(message_uuids(table_lab)) == 36


def test_a_transient_dynamodb_error_fails_the_batch_and_the_retry_succeeds(table_lab):
    conversations = start_conversations(table_lab, 3)
    write_messages(table_lab, conversations, 9)
    processor = StreamProcessor(table_lab)
    throttled = []

    def throttled_once(event, context):
        if not throttled:
            throttled.append(True)
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                "TransactWriteItems",
            )
        return processor.stream_handler.process(event)

    processor.handler = throttled_once
    assert processor.process_pending().failed_events == 1
    assert_inbox_consistent(table_lab, conversations, message_uuids(table_lab))


def test_two_messages_for_one_group_in_the_same_microsecond(table_lab):
    """Message rows are keyed (MSG#group, sk), so the second writer cannot take the same sk:
    its conditional put is refused and it stamps again; both messages exist."""
    (conversation,) = start_conversations(table_lab, 1)
    moment = table_lab.clock.timestamp()
    restamped = format_timestamp(parse_timestamp(moment).replace(microsecond=1))
    collisions, sent = [], {}

    def send_at_moment(sender):
        # As Pattern C: a put that refuses to overwrite; on a collision, stamp again.
        stamp = moment
        while True:
            try:
                sent[sender] = send(
                    table_lab, conversation, f"from {sender}", created_at=stamp, sender=sender
                )
                return
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
                collisions.append(sender)
                stamp = restamped

    threads = [threading.Thread(target=send_at_moment, args=(s,)) for s in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    StreamProcessor(table_lab).process_pending()

    assert len(collisions) == 1  # the second writer was refused, not silently overwritten
    second = collisions[0]
    assert (sent[1 - second]["sk"], sent[second]["sk"]) == (moment, restamped)
    stored = {i["sk"]: i["message"] for i in items(table_lab) if model.is_message_key(i["pk"])}
    assert (stored[moment], stored[restamped]) == (f"from {1 - second}", f"from {second}")
    assert {(r["sk"], r["message"]) for r in group_rows(table_lab, conversation)} == {
        (restamped, f"from {second}")
    }
    assert len(message_uuids(table_lab)) == 3
    assert_inbox_consistent(table_lab, [conversation], message_uuids(table_lab))


def test_two_create_message_calls_on_clocks_reading_the_same_microsecond(services, seeded_lab):
    """Pattern C itself, from two app instances whose clocks read the same instant: one
    message keeps it, the other is refused and re-stamped by its clock's next reading."""
    moment = "2026-03-02T09:00:00.000000+00:00"  # after every seed message
    callers = {h: patterns.provision_caller(seeded_lab, h) for h in ("andrewbrown", "bayko")}
    other_app = Lab.on_services(
        services, now=moment
    )  # the same engine, its own clock and connections
    try:
        seeded_lab.clock = Clock.pinned(moment)
        other_app.clock.new_id()  # same instant, but a different message uuid
        before = message_uuids(seeded_lab)
        start, created = threading.Barrier(2), {}

        def write(lab, handle):
            start.wait()
            created[handle] = patterns.create_message(
                lab, callers[handle], model.SEED_GROUP_UUID, f"from {handle}"
            )

        threads = [
            threading.Thread(target=write, args=pair)
            for pair in ((seeded_lab, "andrewbrown"), (other_app, "bayko"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other_app.close()
    StreamProcessor(seeded_lab).process_pending()

    first, second = sorted(created.values(), key=lambda m: m.created_at)
    assert (first.created_at, second.created_at) == (moment, "2026-03-02T09:00:01.000000+00:00")
    assert first.message_uuid != second.message_uuid
    stored = {i["message_uuid"]: i["message"] for i in items(seeded_lab) if "message_uuid" in i}
    assert stored[first.message_uuid] == first.message
    assert stored[second.message_uuid] == second.message
    assert {(r["sk"], r["message"]) for r in group_rows(seeded_lab, SEED_CONVERSATION)} == {
        (second.created_at, second.message)
    }
    assert_inbox_consistent(
        seeded_lab, [SEED_CONVERSATION], before | {first.message_uuid, second.message_uuid}
    )


def _writers(lab, conversations, threads, per_thread):
    written, lock = [], threading.Lock()

    def write(n):
        mine = write_messages(lab, conversations, per_thread, seed=n)
        with lock:
            written.extend(mine)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    return workers, written


def test_8_writer_threads_across_20_groups_with_the_processor_running(table_lab):
    """The background thread alone brings every inbox up to date: a final drain finds no
    message left to apply (a processor that did nothing in the background fails here)."""
    conversations = start_conversations(table_lab, 20)
    first = message_uuids(table_lab)
    processor = StreamProcessor(table_lab, poll_interval=0.05).start()

    workers, written = _writers(table_lab, conversations, threads=8, per_thread=25)
    for worker in workers:
        worker.join()
    deadline = time.monotonic() + 60
    while group_row_problems(table_lab) and time.monotonic() < deadline:
        time.sleep(0.2)
    processor.stop()
    background = processor.totals
    drained = processor.process_pending()

    assert len(written) == 200
    assert background.message_inserts >= 220  # 20 first messages + 200, maybe some twice
    assert background.group_rows_moved > 0
    assert drained.message_inserts == 0
    assert_inbox_consistent(table_lab, conversations, first | {m["message_uuid"] for m in written})


@pytest.mark.parametrize("competitor", ["newer", "older"])
def test_a_move_cancelled_by_a_concurrent_move_is_re_read_and_retried(table_lab, competitor):
    """Another handler moves the rows between our GSI read and our transaction (injected
    through botocore's event hooks), so our TransactWriteItems is cancelled."""
    (conversation,) = start_conversations(table_lab, 1)
    older, ours, newer = (
        send(table_lab, conversation, text) for text in ("older", "ours", "newer")
    )
    theirs = newer if competitor == "newer" else older
    client = table_lab.client("dynamodb")
    rival = StreamHandler(_separate_client(table_lab), table_lab.settings.table_name)
    fired = []

    def rival_moves_first(**_):
        if not fired:
            fired.append(rival.process({"Records": [stream_record(theirs, 2)]}).group_rows_moved)

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", rival_moves_first)
    try:
        result = StreamHandler(client, table_lab.settings.table_name).process(
            {"Records": [stream_record(ours, 1)]}
        )
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", rival_moves_first)

    assert fired == [2]
    assert result.conflicts == 2
    winner = newer if competitor == "newer" else ours
    assert {(r["sk"], r["message"]) for r in group_rows(table_lab, conversation)} == {
        (winner["sk"], winner["message"])
    }
    assert result.group_rows_moved == (0 if competitor == "newer" else 2)


def _separate_client(lab):
    import boto3

    return boto3.client(
        "dynamodb",
        endpoint_url=lab.settings.endpoint_url,
        region_name=lab.settings.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_a_cancelled_transaction_elsewhere_does_not_stall_the_processor(table_lab):
    """moto swaps in a copy of the table (and its stream shard) when a transaction is
    cancelled; a processor that already holds an iterator must still see later messages."""
    (conversation,) = start_conversations(table_lab, 1)
    processor = StreamProcessor(table_lab)
    processor.process_pending()
    existing = group_rows(table_lab, conversation)[0]
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        table_lab.dynamodb.transact_write_items(  # e.g. Pattern D refusing a duplicate
            TransactItems=[
                {
                    "Put": {
                        "TableName": table_lab.settings.table_name,
                        "Item": existing,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        )
    message = send(table_lab, conversation, "after the cancelled transaction")

    assert processor.process_pending().message_inserts == 1
    assert {r["sk"] for r in group_rows(table_lab, conversation)} == {message["sk"]}


def test_rows_still_changing_after_max_attempts_are_reported_as_batch_item_failures(table_lab):
    (conversation,) = start_conversations(table_lab, 1)
    ours = send(table_lab, conversation, "ours")
    newer = send(table_lab, conversation, "newer")
    other_conversation = start_conversations(table_lab, 1, first=1)[0]
    other = send(table_lab, other_conversation, "unaffected")
    client = table_lab.client("dynamodb")
    rival = StreamHandler(_separate_client(table_lab), table_lab.settings.table_name)

    def rival_moves_first(**_):
        rival.process({"Records": [stream_record(newer, 3)]})

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", rival_moves_first)
    try:
        result = StreamHandler(client, table_lab.settings.table_name, max_attempts=1).process(
            {"Records": [stream_record(ours, 1), stream_record(other, 2)]}
        )
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", rival_moves_first)

    assert result.lambda_response() == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    # The other conversation in the same batch was still applied.
    assert {r["sk"] for r in group_rows(table_lab, other_conversation)} == {other["sk"]}
