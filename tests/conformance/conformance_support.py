"""What the conformance tests share: a client that lets the engine refuse, and small tables.

botocore checks some constraints itself (a list's minimum length, required members), so
its client would refuse some requests before the engine saw them. The conformance tests
send them with ``parameter_validation`` off, as a client in another language would, and
assert what the engine answers. No retries: an InternalServerError comes back once.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

TABLE = "conformance"
HASH_ONLY = "conformance_hash"


def raw_client(lab: Any) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=lab.settings.endpoint_url,
        region_name=lab.settings.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )


def make_tables(client: Any) -> None:
    """``conformance`` (pk S, sk S; on demand) and ``conformance_hash`` (id N)."""
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(
        TableName=HASH_ONLY,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def refusal(call: Any, **kwargs: Any) -> tuple[str, str]:
    """The error code and message of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def put(pk: str, sk: str, **attrs: Any) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"S": sk}, **attrs}}}
