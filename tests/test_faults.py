"""Faults: a seed killed half-way, Postgres restarting under a Lab, throttling, and an
expired stream iterator.

Faults are real where they can be (a SIGKILLed process, a Postgres server restarted with
``pg_ctl``) and injected at the service boundary where the engine cannot produce them:
moto never throttles, never answers a BatchWriteItem with ``UnprocessedItems`` (its
response is always ``{}``) and never expires a shard iterator. Injection is a botocore event
handler on the Lab's own client, so every line of cruddur_lab still runs for real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from lab_support import CLI, clean_environment

from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.engine import settings as settings_module
from cruddur_lab.engine.lab import Lab
from cruddur_lab.errors import CruddurLabError, PostgresUnreachable
from cruddur_lab.model import SEED_GROUP_UUID, TABLE_NAME, message_pk
from cruddur_lab.scripts.schema import schema_load
from cruddur_lab.scripts.seed import batch_write, plan_messages, seed
from cruddur_lab.scripts.usersdb import find_user_by_handle, seed_users


def all_items(lab: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in lab.dynamodb.get_paginator("scan").paginate(TableName=lab.settings.table_name):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def seed_message_count(lab: Any) -> int:
    count = 0
    kwargs: dict[str, Any] = {
        "TableName": lab.settings.table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": message_pk(SEED_GROUP_UUID)},
        "Select": "COUNT",
    }
    while True:
        page = lab.dynamodb.query(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def fresh_seed_items(services: Any, messages: int) -> list[dict[str, Any]]:
    """What one uninterrupted seed writes (on an emptied engine, same pinned clock)."""
    services.reset()
    clean = Lab.on_services(services, now=DEFAULT_NOW)
    try:
        schema_load(clean)
        seed(clean, messages=messages)
        return all_items(clean)
    finally:
        clean.close()


def assert_complete_seed(items: list[dict[str, Any]], messages: int) -> None:
    rows = [item for item in items if item["pk"] == message_pk(SEED_GROUP_UUID)]
    assert len(rows) == messages
    assert len({row["message_uuid"] for row in rows}) == messages  # nothing duplicated
    assert len({row["sk"] for row in rows}) == messages
    assert sum(1 for item in items if item["pk"].startswith("GRP#")) == 2


# --- the seed stopped half-way -------------------------------------------------------------


def test_a_seed_killed_mid_write_is_completed_by_the_next_run(lab, services, tmp_path):
    """SIGKILL a `cruddur-lab seed --messages 600` while it writes; the next seed
    completes the table, duplicates nothing, and leaves what an uninterrupted seed leaves."""
    messages = 600  # enough batches that the kill lands mid-write (it comes at 50)
    schema_load(lab)
    state = tmp_path / "up.json"
    settings_module.write_state(
        state,
        {
            "pid": os.getpid(),
            "endpoint_url": services.endpoint_url,
            "connection_url": services.connection_url,
            "table_name": TABLE_NAME,
        },
    )
    env = clean_environment(CRUDDUR_LAB_STATE=str(state), CRUDDUR_NOW=DEFAULT_NOW)
    process = subprocess.Popen(
        [*CLI, "seed", "--messages", str(messages)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while seed_message_count(lab) < 50 and process.poll() is None:
            assert time.monotonic() < deadline, "the seed subprocess wrote nothing"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert process.returncode == -signal.SIGKILL, "the seed finished before it was killed"
    written_before = seed_message_count(lab)
    assert 50 <= written_before < messages
    assert not any(item["pk"].startswith("GRP#") for item in all_items(lab))

    report = seed(lab, messages=messages)

    assert report.messages_existing == written_before
    assert report.messages_written == messages - written_before
    assert report.users_inserted == ()
    resumed = all_items(lab)
    assert_complete_seed(resumed, messages)
    assert resumed == fresh_seed_items(services, messages)


def test_a_scattered_partial_seed_is_completed_without_duplicates(lab, services):
    """Every third message written out of order (an interrupted, throttled writer)."""
    messages = 150
    schema_load(lab)
    seed_users(lab)
    users = [find_user_by_handle(lab, handle) for handle in ("andrewbrown", "bayko")]
    planned = plan_messages(lab, users, messages, {})
    batch_write(lab, list(reversed(planned[::3])))

    report = seed(lab, messages=messages)

    assert (report.messages_existing, report.messages_written) == (50, 100)
    resumed = all_items(lab)
    assert_complete_seed(resumed, messages)
    assert seed(lab, messages=messages).changed is False
    assert resumed == fresh_seed_items(services, messages)


# --- Postgres restarting under a Lab -------------------------------------------------------


@pytest.fixture(scope="module")
def _throwaway_postgres():
    from pg_throwaway import ThrowawayPostgres

    server = ThrowawayPostgres()
    yield server
    server.stop()


@pytest.fixture
def own_postgres(_throwaway_postgres):
    """A throwaway server of our own (the session's embedded one is never restarted), started
    once for the module: each test gets it running, its ``public`` schema empty."""
    import psycopg

    server = _throwaway_postgres
    try:
        connection = psycopg.connect(server.url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:  # a test that stopped it failed before starting it again
        server.restart()
        connection = psycopg.connect(server.url, autocommit=True, connect_timeout=5)
    with connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return server


def test_lab_reconnects_after_postgres_restarts_between_commands(services, own_postgres):
    lab = Lab.on_services(services, now=DEFAULT_NOW, connection_url=own_postgres.url)
    try:
        seed_users(lab)
        before = lab.pg
        backend = before.info.backend_pid
        own_postgres.restart()

        andrew = find_user_by_handle(lab, "andrewbrown")  # the next "command"

        assert andrew.handle == "andrewbrown"
        assert lab.pg is not before and before.closed
        assert lab.pg.info.backend_pid != backend
        assert lab.pg.execute("SELECT count(*) FROM public.users").fetchone()[0] == 6
    finally:
        lab.close()


def test_postgres_down_is_one_line_and_the_lab_recovers_when_it_is_back(services, own_postgres):
    lab = Lab.on_services(services, now=DEFAULT_NOW, connection_url=own_postgres.url)
    try:
        seed_users(lab)
        own_postgres._pg_ctl("stop", "-m", "fast")
        with pytest.raises(PostgresUnreachable) as raised:
            find_user_by_handle(lab, "bayko")
        assert str(raised.value).startswith("cannot connect to Postgres at ")
        assert str(raised.value).endswith(": start it or fix CONNECTION_URL")

        own_postgres.restart()  # starts it again with its saved options

        assert find_user_by_handle(lab, "bayko").display_name == "Andrew Bayko"
    finally:
        lab.close()


def test_an_open_transaction_is_never_silently_replaced(services, own_postgres):
    """Reconnecting inside a transaction would lose its work: the error surfaces instead."""
    import psycopg

    lab = Lab.on_services(services, now=DEFAULT_NOW, connection_url=own_postgres.url)
    try:
        seed_users(lab)
        with pytest.raises(psycopg.OperationalError), lab.pg.transaction():
            lab.pg.execute("UPDATE public.users SET display_name = 'x' WHERE handle = 'londo'")
            own_postgres.restart()
            lab.pg.execute("SELECT 1")
        assert find_user_by_handle(lab, "londo").display_name == "Londo Mollari"
    finally:
        lab.close()


# --- throttling -----------------------------------------------------------------------------


def test_every_client_retries_throttling_in_standard_mode(lab):
    for client in (lab.dynamodb, lab.streams, lab.cognito):
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}


class _Body:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def stream(self, **_: Any) -> Any:
        yield self.payload


def canned_error(request: Any, code: str, message: str, status: int = 400) -> AWSResponse:
    """The HTTP answer DynamoDB gives for ``code`` (JSON protocol)."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})
    return AWSResponse(
        request.url,
        status,
        {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"},
        _Body(body.encode()),
    )


class Throttle:
    """before-send: answer the first ``times`` requests of ``operation`` with a throttle."""

    def __init__(self, operation: str, times: int) -> None:
        self.operation, self.times, self.seen = operation, times, 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if not request.headers.get("X-Amz-Target", b"").endswith(self.operation.encode()):
            return None
        self.seen += 1
        if self.seen <= self.times:
            return canned_error(
                request, "ProvisionedThroughputExceededException", "Rate of requests exceeded"
            )
        return None


@pytest.fixture
def no_backoff(monkeypatch):
    """botocore waits rand(0, 1) x 1 s, 2 s, 4 s between throttled attempts (its own backoff,
    not our code): these tests count the attempts and read the outcome, not the waits."""
    from botocore.retries.standard import ExponentialBackoff

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def test_botocore_retries_a_throttled_write_and_it_lands_once(lab, no_backoff):
    schema_load(lab)
    throttle = Throttle("PutItem", times=2)
    lab.dynamodb.meta.events.register_first("before-send.dynamodb.PutItem", throttle)
    try:
        lab.table.put_item(Item={"pk": "MSG#x", "sk": "1", "message": "after two throttles"})
    finally:
        lab.dynamodb.meta.events.unregister("before-send.dynamodb.PutItem", throttle)
    assert throttle.seen == 3
    assert all_items(lab) == [{"pk": "MSG#x", "sk": "1", "message": "after two throttles"}]


def test_throttling_past_every_retry_is_one_line(lab, no_backoff):
    schema_load(lab)
    throttle = Throttle("BatchWriteItem", times=99)
    lab.client("dynamodb").meta.events.register_first(
        "before-send.dynamodb.BatchWriteItem", throttle
    )
    try:
        with pytest.raises(CruddurLabError) as raised:
            batch_write(lab, [{"pk": "MSG#x", "sk": "1"}])
    finally:
        lab.client("dynamodb").meta.events.unregister(
            "before-send.dynamodb.BatchWriteItem", throttle
        )
    assert throttle.seen == 4  # total_max_attempts: the first try and three retries
    assert raised.value.aws_code == "ProvisionedThroughputExceededException"
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith("DynamoDB throttled the request")
    assert all_items(lab) == []


class PartialBatches:
    """Make BatchWriteItem behave as under throttling: DynamoDB writes part of a batch and
    hands the rest back in ``UnprocessedItems``.

    ``before-parameter-build`` removes the held-back requests before the call is sent (so
    they are really not written), ``after-call`` returns them as ``UnprocessedItems``.
    ``sent`` counts how often each key actually reached the engine.
    """

    def __init__(self, table: str, hold_back: int, rounds: int) -> None:
        self.table, self.hold_back, self.rounds = table, hold_back, rounds
        self.calls = 0
        self.sent: Counter[tuple[str, str]] = Counter()
        self._held: list[dict[str, Any]] = []

    def before(self, params: dict[str, Any], **_: Any) -> None:
        self.calls += 1
        requests = params["RequestItems"][self.table]
        # DynamoDB processes at least one item of a call that succeeds (when it can do
        # none it answers ProvisionedThroughputExceededException instead).
        held = min(self.hold_back, len(requests) - 1) if self.calls <= self.rounds else 0
        self._held = requests[:held]
        params["RequestItems"][self.table] = requests[len(self._held) :]
        for request in params["RequestItems"][self.table]:
            item = request["PutRequest"]["Item"]  # wire format: the low-level client's
            self.sent[(item["pk"]["S"], item["sk"]["S"])] += 1

    def after(self, parsed: dict[str, Any], **_: Any) -> None:
        # batch_write sends through the low-level client, so the held-back requests are
        # already in the wire format DynamoDB uses for UnprocessedItems.
        if self._held:
            parsed["UnprocessedItems"] = {self.table: self._held}

    def install(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", self.before)
        client.meta.events.register("after-call.dynamodb.BatchWriteItem", self.after)

    def remove(self, client: Any) -> None:
        client.meta.events.unregister("before-parameter-build.dynamodb.BatchWriteItem", self.before)
        client.meta.events.unregister("after-call.dynamodb.BatchWriteItem", self.after)


def _items(count: int) -> list[dict[str, str]]:
    return [{"pk": f"MSG#{n % 3}", "sk": f"{n:05d}", "message": f"m{n}"} for n in range(count)]


def test_batch_write_resends_unprocessed_items_until_every_item_landed_once(lab):
    schema_load(lab)
    items = _items(110)  # five batches: 25, 25, 25, 25, 10
    faults = PartialBatches(TABLE_NAME, hold_back=10, rounds=4)
    faults.install(lab.client("dynamodb"))
    try:
        written = batch_write(lab, items)
    finally:
        faults.remove(lab.client("dynamodb"))
    assert written == 110
    assert faults.calls == 9  # batch one took five calls (10, 9, 8, 7 held back), then 4
    assert set(faults.sent.values()) == {1}  # each item reached the engine exactly once
    assert len(faults.sent) == 110
    assert all_items(lab) == sorted(items, key=lambda item: (item["pk"], item["sk"]))


def test_batch_write_gives_up_with_one_line_when_items_stay_unprocessed(lab):
    schema_load(lab)
    faults = PartialBatches(TABLE_NAME, hold_back=5, rounds=99)
    faults.install(lab.client("dynamodb"))
    try:
        with pytest.raises(CruddurLabError) as raised:
            batch_write(lab, _items(20), max_attempts=3)
    finally:
        faults.remove(lab.client("dynamodb"))
    # 20 → 15 written, 5 back; 5 → 1 written, 4 back; 4 → 1 written, 3 back: give up.
    assert str(raised.value) == (
        "3 items stayed unprocessed after 3 attempts: the table is throttled; raise its "
        "write capacity or run seed again"
    )
    assert faults.calls == 3
    assert len(all_items(lab)) == 17  # what was processed stays; a rerun adds the rest


# --- an expired stream iterator ---------------------------------------------------------------


class ExpireIterators:
    """before-send on the streams client: the GetRecords calls numbered in ``expire`` answer
    ExpiredIteratorException, as AWS does for an iterator older than 15 minutes."""

    def __init__(self, expire: set[int]) -> None:
        self.expire = expire
        self.get_records = 0
        self.iterator_requests: list[dict[str, Any]] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"").decode()
        if target.endswith(".GetShardIterator"):
            self.iterator_requests.append(json.loads(request.body))
        if not target.endswith(".GetRecords"):
            return None
        self.get_records += 1
        if self.get_records in self.expire:
            return canned_error(
                request,
                "ExpiredIteratorException",
                "Iterator expired. The iterator was created at time x while right now it is y.",
            )
        return None


def test_an_expired_iterator_is_re_acquired_and_no_record_is_lost(lab):
    from stream_support import message_uuids, send, start_conversations

    from cruddur_lab.app.streams import StreamProcessor, group_row_problems

    schema_load(lab)
    conversations = start_conversations(lab, 3)
    processor = StreamProcessor(lab, batch_size=4)
    processor.process_pending()
    checkpoint = next(iter(processor.checkpoints.values()))
    sent = [send(lab, conversations[n % 3], f"later {n}") for n in range(12)]

    # The first page reads fine; the held iterator then expires on the second GetRecords.
    expiry = ExpireIterators(expire={2})
    lab.streams.meta.events.register_first("before-send.dynamodb-streams.GetRecords", expiry)
    lab.streams.meta.events.register_first("before-send.dynamodb-streams.GetShardIterator", expiry)
    try:
        report = processor.process_pending()
    finally:
        lab.streams.meta.events.unregister("before-send.dynamodb-streams.GetRecords", expiry)
        lab.streams.meta.events.unregister("before-send.dynamodb-streams.GetShardIterator", expiry)

    # Every new message handled once: nothing lost, none twice (the other records read are
    # the processor's own group-row moves, which it skips).
    assert report.message_inserts == 12
    assert group_row_problems(lab) == []
    assert {item["message_uuid"] for item in sent} <= message_uuids(lab)
    # Re-acquired after the expiry, from the checkpoint of the last handled record.
    resumed = [
        r for r in expiry.iterator_requests if r["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER"
    ]
    assert expiry.get_records > 2  # it read on after the expired call
    assert len(resumed) >= 2
    assert resumed[0]["SequenceNumber"] == checkpoint
    assert int(resumed[1]["SequenceNumber"]) > int(checkpoint)
