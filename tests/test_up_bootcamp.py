"""`cruddur-lab up` as a drop-in for the bootcamp's own code, replayed with plain tools.

The bootcamp's order (backend-flask/bin): db/drop and db/create on the server URL that
`sed 's/\\/cruddur//g'` derives from CONNECTION_URL, db/schema-load (`CREATE EXTENSION
"uuid-ossp"`, uuids defaulting to `uuid_generate_v4()`), a user lookup by handle, then
ddb/schema-load (a table without a stream), ddb/seed (batch writes), a query, the stream
turned on by hand, and a new message moving both inbox lines (Pattern E). The client side
runs in a subprocess whose environment holds only the printed exports, the bootcamp's region
(ca-central-1) and dummy keys.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from lab_support import free_port
from test_up import Up, clean_env, cli, exports, pg_password

from cruddur_lab import model

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")

GROUP = "5ae290ed-55d1-47a0-bc6d-fe2bc2700399"

# Written for this test in the shape of the bootcamp's backend-flask/db/schema.sql.
SCHEMA_SQL = """\
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
DROP TABLE IF EXISTS public.users;
DROP TABLE IF EXISTS public.activities;
CREATE TABLE public.users (
  uuid UUID DEFAULT uuid_generate_v4() PRIMARY KEY,
  display_name text NOT NULL,
  handle text NOT NULL,
  email text NOT NULL,
  cognito_user_id text NOT NULL,
  created_at TIMESTAMP default current_timestamp NOT NULL
);
CREATE TABLE public.activities (
  uuid UUID DEFAULT uuid_generate_v4() PRIMARY KEY,
  user_uuid UUID NOT NULL,
  message text NOT NULL,
  created_at TIMESTAMP default current_timestamp NOT NULL
);
INSERT INTO public.users (display_name, handle, email, cognito_user_id) VALUES
  ('Andrew Brown', 'andrewbrown', 'andrew@example.com', 'MOCK'),
  ('Andrew Bayko', 'bayko', 'bayko@example.com', 'MOCK');
"""

# bin/db/drop, bin/db/create, bin/db/schema-load and a handle lookup, as bash and psql.
DB_SCRIPT = """\
set -euo pipefail
NO_DB_CONNECTION_URL=$(sed 's/\\/cruddur//g' <<<"$CONNECTION_URL")
psql "$NO_DB_CONNECTION_URL" -c "DROP DATABASE IF EXISTS cruddur;"
psql "$NO_DB_CONNECTION_URL" -c "CREATE DATABASE cruddur;"
psql "$CONNECTION_URL" -v ON_ERROR_STOP=1 -q < schema.sql
for handle in andrewbrown bayko; do
  psql "$CONNECTION_URL" -At -c "SELECT uuid FROM public.users WHERE handle = '$handle';"
done
"""

# bin/ddb/schema-load, seed, a pattern query, the stream turned on, one new message: boto3.
DDB_SCRIPT = """\
import json, os, sys
import boto3

ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
table = os.environ["DDB_MESSAGE_TABLE"]
step = sys.argv[1]
if step == "schema-load":
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("message_group_uuid", "pk", "sk")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "message-group-sk-index",
            "KeySchema": [{"AttributeName": "message_group_uuid", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        }],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    print(ddb.meta.region_name, "created", table)
elif step == "seed":
    items = json.load(open("items.json"))
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[:-1]]})
    ddb.put_item(TableName=table, Item=items[-1])
    found = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "MSG#" + sys.argv[2]}},
        ScanIndexForward=False,
        Limit=20,
    )
    print("query", found["Count"])
elif step == "stream-on":
    ddb.update_table(
        TableName=table,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    print("stream on")
elif step == "message":
    ddb.put_item(TableName=table, Item=json.load(open("message.json")))
    print("message put")
"""


def typed(item: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in item.items()}


def bootcamp_environment(up_env: dict[str, str], folder: Path) -> dict[str, str]:
    """Only what `eval "$(cruddur-lab env)"` exports, the bootcamp's region and dummy keys."""
    sourced = subprocess.run(
        ["bash", "-c", 'set -e; eval "$(cruddur-lab env)"; env -0'],
        cwd=folder,
        # What finds the `up` (its state file), and `cruddur-lab` on the PATH; nothing else.
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            **{k: up_env[k] for k in ("CRUDDUR_LAB_STATE", "TMPDIR")},
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    env = dict(entry.split("=", 1) for entry in sourced.split("\0") if "=" in entry)
    env = {k: v for k, v in env.items() if k.startswith(("AWS_", "CONNECTION_URL", "DDB_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
        AWS_DEFAULT_REGION="ca-central-1",
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="dummy",
        PGCONNECT_TIMEOUT="10",
    )
    return env


def test_the_bootcamps_scripts_run_unchanged_against_up(private_tmp):
    env = clean_env(private_tmp)
    pg_port = free_port()
    up = Up(env, "--port", str(free_port()), "--pg-port", str(pg_port))
    try:
        lines = up.read_until("press Ctrl-C to stop")
        client_env = bootcamp_environment(env, private_tmp)
        # The same exports `up` printed; the password is its random one (issue 22).
        assert client_env["CONNECTION_URL"] == exports(lines)["CONNECTION_URL"]
        pg_password(client_env["CONNECTION_URL"], pg_port)
        (private_tmp / "schema.sql").write_text(SCHEMA_SQL)
        (private_tmp / "replay.py").write_text(DDB_SCRIPT)

        def bootcamp(*argv: str) -> list[str]:
            done = subprocess.run(
                argv, cwd=private_tmp, env=client_env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            return done.stdout.splitlines()

        # Postgres: drop and create through the sed-derived URL, the schema with uuid-ossp.
        output = bootcamp("bash", "-c", DB_SCRIPT)
        assert output[:2] == ["DROP DATABASE", "CREATE DATABASE"]
        andrew, bayko = (
            model.User(uuid, handle, name)
            for uuid, handle, name in zip(
                output[2:], ("andrewbrown", "bayko"), ("Andrew Brown", "Andrew Bayko"), strict=True
            )
        )
        assert all(len(user.uuid) == 36 for user in (andrew, bayko)), output

        # DynamoDB in ca-central-1, a table without a stream, seeded, queried.
        assert bootcamp("python", "replay.py", "schema-load") == [
            "ca-central-1 created cruddur-messages"
        ]
        rows = [
            model.group_item(
                owner=owner,
                other=other,
                message_group_uuid=GROUP,
                last_message="hello",
                last_at="2026-03-01T12:00:00.000000+00:00",
            )
            for owner, other in ((andrew, bayko), (bayko, andrew))
        ]
        first = model.message_item(
            message_group_uuid=GROUP,
            message_uuid="1" * 32,
            sender=andrew,
            text="hello",
            created_at="2026-03-01T12:00:00.000000+00:00",
        )
        (private_tmp / "items.json").write_text(json.dumps([typed(i) for i in (*rows, first)]))
        assert bootcamp("python", "replay.py", "seed", GROUP) == ["query 1"]

        # Our own command, with no region at all, sees the same table.
        scanned = cli(env, "scan")
        assert scanned.returncode == 0, scanned.stderr
        assert "Count 3, ScannedCount 3, pages 1" in scanned.stdout.splitlines()

        time.sleep(1.5)  # several polls of the stream processor on a table without a stream
        assert bootcamp("python", "replay.py", "stream-on") == ["stream on"]
        reply = model.message_item(
            message_group_uuid=GROUP,
            message_uuid="2" * 32,
            sender=bayko,
            text="moved by Pattern E",
            created_at="2026-03-01T12:07:00.000000+00:00",
        )
        (private_tmp / "message.json").write_text(json.dumps(typed(reply)))
        assert bootcamp("python", "replay.py", "message") == ["message put"]
        put_at = time.monotonic()

        ours = boto3.client(
            "dynamodb",
            endpoint_url=client_env["AWS_ENDPOINT_URL"],
            region_name="eu-west-3",  # any region: one namespace
            aws_access_key_id="other",
            aws_secret_access_key="other",
        )

        def inbox_lines() -> set[tuple[str, str]]:
            found = ours.query(
                TableName=model.TABLE_NAME,
                IndexName=model.GSI_NAME,
                KeyConditionExpression="message_group_uuid = :g",
                ExpressionAttributeValues={":g": {"S": GROUP}},
            )["Items"]
            return {(row["sk"]["S"], row["message"]["S"]) for row in found}

        while inbox_lines() != {(reply["sk"], "moved by Pattern E")}:
            assert time.monotonic() - put_at < 2.0, inbox_lines()
            time.sleep(0.05)

        status = cli(env, "streams", "status")
        assert status.returncode == 0, status.stderr
        shown = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in status.stdout.splitlines())
        assert shown["table"] == "cruddur-messages"
        assert shown["stream"].startswith(
            "arn:aws:dynamodb:us-east-1:123456789012:table/cruddur-messages/stream/"
        )
        assert shown["shards"] == "1"
        assert shown["shard 1"].endswith("; 0 record(s) waiting")
        assert (shown["failed batches"], shown["last error"]) == ("0", "none")
        endpoint = client_env["AWS_ENDPOINT_URL"]
        port = endpoint.rsplit(":", 1)[1]
        assert shown["processor"] == (
            f"in `up` '{port}' ({endpoint}, table cruddur-messages): running"
        )
    finally:
        code, stderr = up.stop()
    assert code == 0, stderr
    log = []
    while (line := up.lines.get(timeout=10)) is not None:
        log.append(line)
    missing_stream = [line for line in log if "has no stream" in line]
    assert len(missing_stream) == 1, log
    assert (
        "`aws dynamodb update-table --table-name cruddur-messages --stream-specification "
        "StreamEnabled=true,StreamViewType=NEW_IMAGE --endpoint-url "
        f"{client_env['AWS_ENDPOINT_URL']} --region us-east-1`"
    ) in missing_stream[0]
    assert "stream processor: found the stream of table 'cruddur-messages'" in " ".join(log)
    assert "has no stream" not in stderr
