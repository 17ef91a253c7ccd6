"""Deployment: the zippable handler stays self-contained and in step with the model, and the
CloudFormation template lints clean and describes the model's table with a scoped role."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cfnlint.decode import decode_str
from stream_support import group_rows, lambda_event, send, start_conversations, stream_record

from cruddur_lab import model
from cruddur_lab.app.deploy import TEMPLATE_PATH, build_zip
from cruddur_lab.app.deploy import handler as handler_module
from cruddur_lab.scripts.schema import schema_load


def template() -> dict:
    parsed, problems = decode_str(TEMPLATE_PATH.read_text())
    assert problems == []
    return json.loads(json.dumps(parsed))  # plain dicts and lists


def resource(kind: str) -> dict:
    (found,) = [r for r in template()["Resources"].values() if r["Type"] == kind]
    return found


def run_cfn_lint(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _CFN_LINT, str(path)], capture_output=True, text=True, timeout=300
    )


# What the `cfn-lint` console script runs (the package has no __main__).
_CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"


# --- one source of truth --------------------------------------------------------------------


def test_handler_constants_equal_the_models():
    assert handler_module.TABLE_NAME == model.TABLE_NAME
    assert handler_module.GSI_NAME == model.GSI_NAME
    assert handler_module.GSI_PARTITION_KEY == model.GSI_PARTITION_KEY
    assert handler_module.GROUP_PREFIX == model.GROUP_PREFIX
    assert handler_module.MESSAGE_PREFIX == model.MESSAGE_PREFIX
    # A moved group row is built from this list: the bootcamp's attributes, nothing added.
    assert handler_module.GROUP_ATTRIBUTES == model.GROUP_ATTRIBUTES


def test_template_table_matches_create_table_spec():
    properties = resource("AWS::DynamoDB::Table")["Properties"]
    spec = model.create_table_spec()
    assert properties["TableName"] == {"Ref": "TableName"}
    assert template()["Parameters"]["TableName"]["Default"] == model.TABLE_NAME
    for name in (
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "BillingMode",
        "ProvisionedThroughput",
    ):
        assert properties[name] == spec[name], name
    # CloudFormation enables the stream by naming its view type.
    assert properties["StreamSpecification"] == {
        "StreamViewType": spec["StreamSpecification"]["StreamViewType"]
    }


# --- the template ---------------------------------------------------------------------------


def test_cfn_lint_reports_nothing_for_the_template():
    result = run_cfn_lint(TEMPLATE_PATH)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_cfn_lint_catches_a_broken_copy(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE_PATH.read_text().replace("Runtime: python3.12", "Runtime: py3"))
    result = run_cfn_lint(broken)
    assert result.returncode != 0
    assert "py3" in result.stdout


def test_role_grants_only_what_the_handler_and_mapping_use():
    statements = resource("AWS::IAM::Role")["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    grants = {s["Sid"]: (sorted(_list(s["Action"])), s["Resource"]) for s in statements}
    assert grants == {
        "QueryGroupIndex": (
            ["dynamodb:Query"],
            {"Fn::Sub": "${MessagesTable.Arn}/index/" + model.GSI_NAME},
        ),
        "MoveGroupRows": (
            ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
            {"Fn::GetAtt": ["MessagesTable", "Arn"]},
        ),
        "ReadStream": (
            [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            ],
            {"Fn::Sub": "${MessagesTable.Arn}/stream/*"},
        ),
        "SendFailedRecords": (
            ["sqs:SendMessage"],
            {"Fn::GetAtt": ["StreamHandlerFailures", "Arn"]},
        ),
        "WriteOwnLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            {"Fn::Sub": "${StreamHandlerLogGroup.Arn}"},
        ),
    }
    assert all(s["Effect"] == "Allow" for s in statements)


def test_function_and_mapping_run_the_zipped_handler_with_partial_batch_responses():
    function = resource("AWS::Lambda::Function")["Properties"]
    assert (function["Runtime"], function["Handler"]) == ("python3.12", "handler.handler")
    assert function["Environment"]["Variables"] == {"TABLE_NAME": {"Ref": "MessagesTable"}}
    mapping = resource("AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["MessagesTable", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["StartingPosition"] == {"Ref": "StartingPosition"}
    (pattern,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"pk": {"S": [{"prefix": model.MESSAGE_PREFIX}]}}},
    }


def test_mapping_sends_records_it_gives_up_on_to_a_queue_instead_of_dropping_them():
    """Lambda drops a stream record after the retries unless the mapping has an on-failure
    destination (Lambda developer guide, "Retaining discarded records for a DynamoDB event
    source"); the queue must outlive the stream's 24 hours so nothing expires unseen."""
    mapping = resource("AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["StreamHandlerFailures", "Arn"]}}
    }
    assert 0 < mapping["MaximumRecordAgeInSeconds"] < 24 * 3600
    queue = resource("AWS::SQS::Queue")["Properties"]
    assert queue["MessageRetentionPeriod"] > 24 * 3600


# --- the zip --------------------------------------------------------------------------------


def test_zip_holds_only_the_handler(tmp_path):
    archive = build_zip(tmp_path / "handler.zip")
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["handler.py"]


def test_zipped_handler_needs_only_boto3_and_the_standard_library(tmp_path):
    """-S: no site-packages and no .pth files (so no editable cruddur_lab); only the folder
    that holds boto3 and botocore is added, as the Lambda runtime provides them."""
    import boto3

    archive = build_zip(tmp_path / "handler.zip")
    boto_home = str(Path(boto3.__file__).resolve().parents[1])
    event = lambda_event(
        stream_record({"pk": "GRP#x", "sk": "2026"}, 1),
        stream_record({"pk": "MSG#g", "sk": "2026"}, 2, "REMOVE"),
    )
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        f"sys.path.append({boto_home!r})\n"
        "import handler\n"
        "assert handler.__file__.startswith(sys.path[0]), handler.__file__\n"
        "result = handler.StreamHandler(client=None).process(json.loads(sys.argv[1]))\n"
        "print(result.records, result.skipped, sorted(m for m in sys.modules if 'cruddur' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, json.dumps(event)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "2 2 []\n"


@pytest.fixture
def table_lab(lab):
    schema_load(lab)
    return lab


def test_zipped_lambda_entry_point_moves_rows_on_the_engine(table_lab, tmp_path):
    """``handler.handler(event, context)`` from the zip, configured only by environment
    variables, with cruddur_lab made unimportable."""
    (conversation,) = start_conversations(table_lab, 1)
    message = send(table_lab, conversation, "from the zip")
    archive = build_zip(tmp_path / "handler.zip")
    script = (
        "import json, sys\n"
        "sys.modules['cruddur_lab'] = None\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        "import handler\n"
        "print(json.dumps(handler.handler(json.loads(sys.argv[1]), None)))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "TABLE_NAME": table_lab.settings.table_name,
        "AWS_REGION": table_lab.settings.region,
        "AWS_ENDPOINT_URL": table_lab.settings.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(lambda_event(stream_record(message, 9)))],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert (done.returncode, done.stdout) == (0, '{"batchItemFailures": []}\n'), done.stderr
    assert {(r["sk"], r["message"]) for r in group_rows(table_lab, conversation)} == {
        (message["sk"], "from the zip")
    }


def _list(value):
    return value if isinstance(value, list) else [value]


# --- an index that projects less than ALL -------------------------------------------------


def test_handler_never_writes_a_group_row_with_fewer_attributes_than_it_had(lab):
    """Issue 15 item 1: on a KEYS_ONLY index the GSI returns pk, sk and message_group_uuid
    only; a row rebuilt from that alone would lose the other participant's uuid, name and
    handle. The handler reads the whole row from the table instead."""
    from cruddur_lab.model import create_table_spec

    spec = create_table_spec(lab.settings.table_name, billing_mode="PAY_PER_REQUEST")
    spec["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    lab.dynamodb.create_table(**spec)
    (conversation,) = start_conversations(lab, 1)
    before = {row["pk"]: row for row in group_rows(lab, conversation)}
    message = send(lab, conversation, "a second message")

    handler = handler_module.StreamHandler(lab.client("dynamodb"), lab.settings.table_name)
    result = handler.process(lambda_event(stream_record(message, 1)))

    assert result.group_rows_moved == 2
    after = {row["pk"]: row for row in group_rows(lab, conversation)}
    for pk, row in after.items():
        assert row == {**before[pk], "sk": message["sk"], "message": "a second message"}
