"""Against `cruddur-lab up`, clients that are not our code see what AWS would bill.

The `aws` CLI (awscli, in the test extra) and the bootcamp's `get-conversation` script,
replayed with plain boto3 in a subprocess, read ConsumedCapacity from the embedded engine:
a group row's put has a Table arm and a GlobalSecondaryIndexes arm (it enters the sparse
index), a message row's only a Table arm, and the newest 20 messages cost what their sizes
cost on AWS (summed, rounded up to 4 KB once, halved: eventually consistent).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest
from lab_support import free_port
from test_up import Up, clean_env
from test_up_bootcamp import DDB_SCRIPT, GROUP, bootcamp_environment, typed

from cruddur_lab import model
from cruddur_lab.capacity import item_size

pytestmark = [
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client"),
]

# The bootcamp's bin/ddb/patterns/get-conversation, in its shape: the newest 20 messages of
# a group, descending, asking for TOTAL capacity and printing what came back.
GET_CONVERSATION = """\
import json, os, sys
import boto3

ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
response = ddb.query(
    TableName=os.environ["DDB_MESSAGE_TABLE"],
    ScanIndexForward=False,
    Limit=20,
    ReturnConsumedCapacity="TOTAL",
    KeyConditionExpression="pk = :pk AND begins_with(sk, :year)",
    ExpressionAttributeValues={":pk": {"S": "MSG#" + sys.argv[1]}, ":year": {"S": "2026"}},
)
for item in reversed(response["Items"]):
    print(item["sk"]["S"], item["message"]["S"][:20])
print(json.dumps(response["ConsumedCapacity"], sort_keys=True))
"""


def test_clients_that_are_not_ours_see_what_aws_would_bill(private_tmp):
    env = clean_env(private_tmp)
    up = Up(env, "--port", str(free_port()), "--pg-port", str(free_port()))
    try:
        up.read_until("press Ctrl-C to stop")
        client_env = bootcamp_environment(env, private_tmp)
        endpoint = client_env["AWS_ENDPOINT_URL"]

        def run(*argv: str) -> str:
            done = subprocess.run(
                argv, cwd=private_tmp, env=client_env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        (private_tmp / "replay.py").write_text(DDB_SCRIPT)
        (private_tmp / "get_conversation.py").write_text(GET_CONVERSATION)
        run("python", "replay.py", "schema-load")

        andrew = model.User("a" * 8 + "-0000-0000-0000-" + "0" * 12, "andrewbrown", "Andrew")
        bayko = model.User("b" * 8 + "-0000-0000-0000-" + "0" * 12, "bayko", "Andrew Bayko")

        def aws_put(item: dict[str, str]) -> dict:
            (private_tmp / "item.json").write_text(json.dumps(typed(item)))
            printed = run(
                "aws", "dynamodb", "put-item",
                "--table-name", model.TABLE_NAME,
                "--item", "file://item.json",
                "--return-consumed-capacity", "INDEXES",
                "--endpoint-url", endpoint,
                "--output", "json",
            )  # fmt: skip
            return json.loads(printed)["ConsumedCapacity"]

        group_row = model.group_item(
            owner=andrew,
            other=bayko,
            message_group_uuid=GROUP,
            last_message="hello",
            last_at="2026-03-01T12:00:00.000000+00:00",
        )
        assert aws_put(group_row) == {
            "TableName": model.TABLE_NAME,
            "CapacityUnits": 2.0,
            "Table": {"CapacityUnits": 1.0},
            "GlobalSecondaryIndexes": {model.GSI_NAME: {"CapacityUnits": 1.0}},
        }

        messages = [
            model.message_item(
                message_group_uuid=GROUP,
                message_uuid=f"{n:032d}",
                sender=(andrew, bayko)[n % 2],
                text=f"message {n}: " + "x" * 300,
                created_at=f"2026-03-01T12:{n:02d}:00.000000+00:00",
            )
            for n in range(25)
        ]
        # One plain boto3 process puts them all (a process each cost a Python start apiece).
        run("python", "-c", _PUT, json.dumps([typed(message) for message in messages[:-1]]))
        # A message row never enters the sparse index: a Table arm alone.
        assert aws_put(messages[-1]) == {
            "TableName": model.TABLE_NAME,
            "CapacityUnits": 1.0,
            "Table": {"CapacityUnits": 1.0},
        }

        printed = run("python", "get_conversation.py", GROUP).splitlines()
        newest = messages[-20:]
        assert [line.split()[0] for line in printed[:-1]] == [m["sk"] for m in newest]
        # AWS's rule: the 20 items' sizes summed, rounded up to 4 KB once, halved.
        expected = math.ceil(sum(item_size(m) for m in newest) / 4096) / 2
        assert expected == 1.5
        assert json.loads(printed[-1]) == {
            "CapacityUnits": expected,
            "TableName": "cruddur-messages",
        }
    finally:
        up.stop()


_PUT = """\
import json, os, sys
import boto3

client = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for item in json.loads(sys.argv[1]):
    client.put_item(TableName=os.environ["DDB_MESSAGE_TABLE"], Item=item)
"""
