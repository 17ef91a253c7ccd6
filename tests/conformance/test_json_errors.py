"""Never an HTML page: a request moto cannot handle gets DynamoDB's JSON error, and the
engine keeps serving (API reference, Common Errors: InternalServerError, HTTP 500)."""

from __future__ import annotations

import json
import logging
import urllib.request

import pytest
from botocore.exceptions import ClientError
from conformance_support import TABLE

#: moto 5.2 raises (TypeError: "Float types are not supported") on a PartiQL INSERT with a
#: decimal number, which DynamoDB stores. PartiQL is outside the bootcamp's week; the
#: engine's answer is DynamoDB's InternalServerError, not an HTML page.
DECIMAL_INSERT = {"Statement": f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'Z', 'sk': '1', 'n': 1.5}}"}


@pytest.fixture
def one_item(ddb):
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "B"}, "sk": {"S": "1"}, "b": {"B": b"abc"}})
    return ddb


def test_a_request_moto_cannot_handle_gets_a_json_error_and_the_next_is_served(one_item, caplog):
    caplog.set_level(logging.ERROR, logger="cruddur_lab.engine")
    with pytest.raises(ClientError) as caught:
        one_item.execute_statement(**DECIMAL_INSERT)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert response["Error"]["Code"] == "InternalServerError"
    assert "ExecuteStatement" in response["Error"]["Message"]
    assert "\n" not in response["Error"]["Message"]
    assert [r.exc_info is not None for r in caplog.records] == [True], "one traceback"
    # The engine still serves, the item intact.
    item = one_item.get_item(TableName=TABLE, Key={"pk": {"S": "B"}, "sk": {"S": "1"}})
    assert item["Item"] == {"pk": {"S": "B"}, "sk": {"S": "1"}, "b": {"B": b"abc"}}


def test_the_wire_answer_is_dynamodb_json_with_a_type(one_item, lab):
    body = json.dumps(DECIMAL_INSERT).encode()
    request = urllib.request.Request(
        lab.settings.endpoint_url,
        data=body,
        headers={
            "X-Amz-Target": "DynamoDB_20120810.ExecuteStatement",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260301/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    answer = caught.value
    assert answer.code == 500
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
    payload = json.loads(answer.read())
    assert payload["__type"] == "com.amazonaws.dynamodb.v20120810#InternalServerError"
    assert payload["message"].startswith(
        "The embedded engine (moto) could not process ExecuteStatement"
    )


def test_a_retried_failure_logs_its_traceback_once(one_item, lab, caplog):
    """The Lab's clients retry a 500; the log shows the traceback once, then one line."""
    caplog.set_level(logging.ERROR, logger="cruddur_lab.engine")
    with pytest.raises(ClientError):
        # Another request than the tests above: its first failure shows the traceback.
        lab.dynamodb.execute_statement(Statement=DECIMAL_INSERT["Statement"].replace("1.5", "2.5"))
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(caplog.records) == 4  # the Lab's total_max_attempts
    assert len(tracebacks) == 1
