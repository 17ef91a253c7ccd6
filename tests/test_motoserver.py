"""The embedded engine takes requests one at a time, so concurrent clients lose nothing."""

from __future__ import annotations

import threading

from botocore.exceptions import ClientError

from cruddur_lab.engine.motoserver import serialized
from cruddur_lab.scripts.schema import schema_load

WRITERS = 6
PUTS_PER_WRITER = 40
#: moto deep-copies the table for each transaction: a large table widens the window in
#: which an unserialised server loses concurrent puts (seen: 3 of 240 lost without the lock).
BACKGROUND_ITEMS = 2000


def _cancelled_transactions(lab, stop: threading.Event) -> int:
    """Keep sending transactions whose condition fails (moto rolls back a table copy)."""
    count = 0
    while not stop.is_set():
        try:
            lab.dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": lab.settings.table_name,
                            "Item": {"pk": "TX#probe", "sk": "never"},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    }
                ]
            )
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            count += 1
    return count


def test_puts_survive_concurrent_cancelled_transactions(lab):
    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    with lab.table.batch_writer() as batch:
        for n in range(BACKGROUND_ITEMS):
            batch.put_item(Item={"pk": "BULK", "sk": f"{n:05d}", "message": "x" * 200})
    stop = threading.Event()
    cancelled: list[int] = []
    rollback = threading.Thread(target=lambda: cancelled.append(_cancelled_transactions(lab, stop)))
    rollback.start()

    def write(writer: int) -> None:
        for n in range(PUTS_PER_WRITER):
            lab.dynamodb.put_item(
                TableName=lab.settings.table_name,
                Item={"pk": f"W#{writer}", "sk": f"{n:04d}", "message": "x"},
            )

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    rollback.join()

    written = [
        item
        for page in lab.dynamodb.get_paginator("scan").paginate(TableName=lab.settings.table_name)
        for item in page["Items"]
        if item["pk"].startswith("W#")
    ]
    assert cancelled[0] > 0, "the rollback thread never ran concurrently"
    assert len(written) == WRITERS * PUTS_PER_WRITER


def test_serialized_app_runs_one_request_at_a_time():
    inside = 0
    most = 0
    guard = threading.Lock()
    barrier = threading.Barrier(4)

    def app(environ, start_response):
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        threading.Event().wait(0.01)
        with guard:
            inside -= 1
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = serialized(app)

    answers = []

    def call():
        barrier.wait()
        # Checked below, in the test's thread: an assert failing here would only be a warning.
        answers.append(wrapped({}, lambda *a: None))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [[b"ok"]] * 4
    assert most == 1


def test_every_region_and_access_key_share_one_namespace(lab, services):
    """Like DynamoDB Local's -sharedDb: the bootcamp's shell signs for ca-central-1 with its
    own keys; `up`'s processor and our commands use the lab's region and dummy keys."""
    import boto3

    def client(service, region, key):
        return boto3.client(
            service,
            endpoint_url=services.endpoint_url,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
        )

    schema_load(lab)
    bootcamp = client("dynamodb", "ca-central-1", "AKIAIOSFODNN7EXAMPLE")
    bootcamp.put_item(
        TableName=lab.settings.table_name, Item={"pk": {"S": "MSG#x"}, "sk": {"S": "1"}}
    )
    assert bootcamp.list_tables()["TableNames"] == [lab.settings.table_name]
    assert lab.dynamodb.get_item(TableName=lab.settings.table_name, Key={"pk": "MSG#x", "sk": "1"})[
        "Item"
    ] == {"pk": "MSG#x", "sk": "1"}
    stream = client("dynamodbstreams", "ap-south-1", "ANOTHERKEY")
    assert len(stream.list_streams(TableName=lab.settings.table_name)["Streams"]) == 1
    pool = client("cognito-idp", "eu-west-3", "YETANOTHER").create_user_pool(PoolName="p")
    pools = lab.cognito.list_user_pools(MaxResults=10)["UserPools"]
    assert [p["Id"] for p in pools] == [pool["UserPool"]["Id"]]


def _post(connection, body: bytes, operation: str = "ListTables", **headers: str):
    signed = {  # moto reads the service and region from the credential scope
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-east-1/"
        "dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    }
    connection.request("POST", "/", body, {**signed, **headers})
    response = connection.getresponse()
    return response, response.read()


def test_one_connection_carries_request_after_request(services):
    """The engine keeps a connection open between answers, as DynamoDB's endpoint does:
    werkzeug's server closed each one, so every SDK call paid a new connection and thread."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(services.endpoint_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        first, _ = _post(connection, b"{}")
        used = connection.sock
        # A body the engine refuses is still read in full: the next request is intact.
        missing = b'{"TableName": "no-such-table", "Key": {"pk": {"S": "p"}}}'
        refused, refusal = _post(connection, missing, "GetItem")
        second, listed = _post(connection, b"{}")
        assert (first.status, second.status) == (200, 200)
        assert listed.startswith(b'{"TableNames": [')
        assert refused.status == 400 and b"ResourceNotFoundException" in refusal
        assert connection.sock is used and not second.will_close  # no new connection
        # A client that asks for the connection to close has it closed.
        closing, _ = _post(connection, b"{}", Connection="close")
        assert closing.will_close
    finally:
        connection.close()


def test_stop_does_not_wait_for_the_servers_next_poll():
    """Stopping the engine ends its server at once: socketserver looks at its stop flag only
    between polls (every 0.5 s), so each stop of an engine that had answered a request took
    half a second, at the end of every run and of every ``--jobs`` worker."""
    import http.client
    import time

    from cruddur_lab.engine.motoserver import SerializedMotoServer

    server = SerializedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        answer, _ = _post(connection, b"{}")
        assert answer.status == 200
    finally:
        connection.close()
    started = time.perf_counter()
    server.stop()
    took = time.perf_counter() - started
    assert not server._thread.is_alive()
    assert took < 0.25, f"stop took {took:.2f} s"
