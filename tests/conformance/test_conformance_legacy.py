"""The legacy parameters answer as DynamoDB answers them (Developer Guide, Legacy
conditional parameters; API_GetItem, API_Query, API_Scan, API_PutItem, API_DeleteItem,
API_UpdateItem)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conformance_support import TABLE, refusal

KEY = {"pk": {"S": "L"}, "sk": {"S": "1"}}
ITEM = {**KEY, "a": {"S": "x"}, "n": {"N": "5"}}
PARTITION = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}]}}


@pytest.fixture
def item(ddb):
    ddb.put_item(TableName=TABLE, Item=ITEM)
    return ddb


def test_get_item_returns_only_attributes_to_get(item):
    assert item.get_item(TableName=TABLE, Key=KEY, AttributesToGet=["a"])["Item"] == {
        "a": {"S": "x"}
    }


def test_query_returns_only_attributes_to_get(item):
    answer = item.query(TableName=TABLE, KeyConditions=PARTITION, AttributesToGet=["n"])
    assert answer["Items"] == [{"n": {"N": "5"}}]


def test_scan_returns_only_attributes_to_get(item):
    assert item.scan(TableName=TABLE, AttributesToGet=["a", "sk"])["Items"] == [
        {"a": {"S": "x"}, "sk": {"S": "1"}}
    ]


def test_expected_with_or_needs_one_condition_to_hold(item):
    item.put_item(
        TableName=TABLE,
        Item={**ITEM, "a": {"S": "y"}},
        Expected={
            "a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "no"}]},
            "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]},
        },
        ConditionalOperator="OR",
    )
    assert item.get_item(TableName=TABLE, Key=KEY)["Item"]["a"] == {"S": "y"}


def test_expected_with_and_needs_every_condition(item):
    with pytest.raises(ClientError) as caught:
        item.put_item(
            TableName=TABLE,
            Item={**ITEM, "a": {"S": "y"}},
            Expected={
                "a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "no"}]},
                "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]},
            },
        )
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_delete_with_exists_false_fails_when_the_attribute_exists(item):
    with pytest.raises(ClientError) as caught:
        item.delete_item(TableName=TABLE, Key=KEY, Expected={"a": {"Exists": False}})
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert "Item" in item.get_item(TableName=TABLE, Key=KEY)


def test_delete_with_exists_false_succeeds_when_the_attribute_is_missing(item):
    item.delete_item(TableName=TABLE, Key=KEY, Expected={"zz": {"Exists": False}})
    assert "Item" not in item.get_item(TableName=TABLE, Key=KEY)


def test_scan_filter_with_or(item):
    item.put_item(TableName=TABLE, Item={"pk": {"S": "L"}, "sk": {"S": "2"}, "n": {"N": "9"}})
    answer = item.scan(
        TableName=TABLE,
        ScanFilter={
            "a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]},
            "n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "8"}]},
        },
        ConditionalOperator="OR",
    )
    assert sorted(i["sk"]["S"] for i in answer["Items"]) == ["1", "2"]


def test_attribute_updates_put_add_and_delete(item):
    answer = item.update_item(
        TableName=TABLE,
        Key=KEY,
        AttributeUpdates={
            "a": {"Action": "DELETE"},
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "b": {"Action": "PUT", "Value": {"S": "new"}},
        },
        ReturnValues="ALL_NEW",
    )
    assert answer["Attributes"] == {**KEY, "n": {"N": "7"}, "b": {"S": "new"}}


def test_attribute_updates_may_not_change_a_key_attribute(item):
    """API_UpdateItem: key attributes cannot be updated."""
    assert refusal(
        item.update_item,
        TableName=TABLE,
        Key=KEY,
        AttributeUpdates={"sk": {"Action": "PUT", "Value": {"S": "9"}}},
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute sk. "
        "This attribute is part of the key",
    )


MIXED = [
    (
        "put_item",
        {
            "Item": ITEM,
            "Expected": {"a": {"Exists": False}},
            "ConditionExpression": "attribute_exists(pk)",
        },
        "Expected",
        "ConditionExpression",
    ),
    (
        "query",
        {
            "KeyConditions": PARTITION,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "L"}},
        },
        "KeyConditions",
        "KeyConditionExpression",
    ),
    (
        "scan",
        {
            "ScanFilter": {"a": {"ComparisonOperator": "NOT_NULL"}},
            "FilterExpression": "attribute_exists(a)",
        },
        "ScanFilter",
        "FilterExpression",
    ),
    (
        "get_item",
        {"Key": KEY, "AttributesToGet": ["a"], "ProjectionExpression": "a"},
        "AttributesToGet",
        "ProjectionExpression",
    ),
    (
        "delete_item",
        {
            "Key": KEY,
            "Expected": {"a": {"Exists": False}},
            "ConditionExpression": "attribute_exists(a)",
        },
        "Expected",
        "ConditionExpression",
    ),
]


@pytest.mark.parametrize(
    ("operation", "params", "legacy", "expression"), MIXED, ids=[m[2] for m in MIXED]
)
def test_mixing_a_legacy_parameter_with_an_expression_is_refused(
    item, operation, params, legacy, expression
):
    code, message = refusal(getattr(item, operation), TableName=TABLE, **params)
    assert code == "ValidationException"
    assert message == (
        "Can not use both expression and non-expression parameters in the same request: "
        f"Non-expression parameters: {{{legacy}}} Expression parameters: {{{expression}}}"
    )
    assert item.get_item(TableName=TABLE, Key=KEY)["Item"] == ITEM, "nothing changed"


def test_expression_values_without_an_expression_are_refused(item):
    assert refusal(
        item.put_item, TableName=TABLE, Item=ITEM, ExpressionAttributeValues={":v": {"S": "x"}}
    ) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions",
    )
