"""Answers moto gave differently from DynamoDB, each from the API reference page named."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conformance_support import HASH_ONLY, TABLE, refusal

KEY = {"pk": {"S": "A"}, "sk": {"S": "1"}}


def _lsi_table(ddb):
    ddb.create_table(
        TableName="with_lsi",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "x", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_x",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "x", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def test_projection_indexes_a_list_through_a_name_placeholder(ddb):
    """Developer Guide, Projection expressions: a document path may index a list."""
    ddb.put_item(
        TableName=TABLE,
        Item={**KEY, "l": {"L": [{"S": "first"}, {"S": "second"}]}, "other": {"S": "x"}},
    )
    item = ddb.get_item(
        TableName=TABLE,
        Key=KEY,
        ProjectionExpression="#l[1]",
        ExpressionAttributeNames={"#l": "l"},
    )["Item"]
    assert item == {"l": {"L": [{"S": "second"}]}}


def test_begins_with_matches_a_binary_prefix(ddb):
    """begins_with(path, substr): path and substr are both String or both Binary."""
    ddb.put_item(TableName=TABLE, Item={**KEY, "b": {"B": b"\x01\x02\x03"}})
    found = ddb.scan(
        TableName=TABLE,
        FilterExpression="begins_with(b, :p)",
        ExpressionAttributeValues={":p": {"B": b"\x01\x02"}},
    )
    assert found["Count"] == 1


def test_size_of_a_binary_value_counts_its_bytes(ddb):
    ddb.put_item(TableName=TABLE, Item={**KEY, "b": {"B": b"abcd"}})
    found = ddb.scan(
        TableName=TABLE,
        FilterExpression="size(b) = :n",
        ExpressionAttributeValues={":n": {"N": "4"}},
    )
    assert found["Count"] == 1


def test_size_of_a_missing_attribute_is_a_failed_condition_not_an_error(ddb):
    ddb.put_item(TableName=TABLE, Item=KEY)
    assert (
        ddb.scan(
            TableName=TABLE,
            FilterExpression="size(nope) > :n",
            ExpressionAttributeValues={":n": {"N": "0"}},
        )["Count"]
        == 0
    )
    code, _ = refusal(
        ddb.update_item,
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET z = :n",
        ConditionExpression="size(nope) = :n",
        ExpressionAttributeValues={":n": {"N": "0"}},
    )
    assert code == "ConditionalCheckFailedException"


def test_list_tables_is_in_alphabetical_order_and_pages_in_it(ddb):
    """API_ListTables: names in order; LastEvaluatedTableName starts the next page."""
    ddb.create_table(
        TableName="aaa_first",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert ddb.list_tables()["TableNames"] == ["aaa_first", TABLE, HASH_ONLY]
    first = ddb.list_tables(Limit=2)
    assert first["TableNames"] == ["aaa_first", TABLE]
    rest = ddb.list_tables(ExclusiveStartTableName=first["LastEvaluatedTableName"])
    assert rest["TableNames"] == [HASH_ONLY]


def test_item_collection_metrics_come_back_for_a_table_with_a_local_index(ddb):
    """API_PutItem, API_ItemCollectionMetrics: returned only for tables with an LSI."""
    _lsi_table(ddb)
    item = {"pk": {"S": "p"}, "sk": {"S": "s"}, "x": {"S": "x"}}
    answer = ddb.put_item(TableName="with_lsi", Item=item, ReturnItemCollectionMetrics="SIZE")
    metrics = answer["ItemCollectionMetrics"]
    assert metrics["ItemCollectionKey"] == {"pk": {"S": "p"}}
    low, high = metrics["SizeEstimateRangeGB"]
    assert 0 <= low <= high
    batch = ddb.batch_write_item(
        RequestItems={"with_lsi": [{"PutRequest": {"Item": {**item, "sk": {"S": "t"}}}}]},
        ReturnItemCollectionMetrics="SIZE",
    )
    assert batch["ItemCollectionMetrics"]["with_lsi"][0]["ItemCollectionKey"] == {"pk": {"S": "p"}}
    plain = ddb.put_item(TableName=TABLE, Item=KEY, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in plain


@pytest.mark.parametrize("operation", ["update_time_to_live", "describe_time_to_live"])
def test_time_to_live_on_a_missing_table_is_resource_not_found(ddb, operation):
    """API_UpdateTimeToLive, API_DescribeTimeToLive: ResourceNotFoundException."""
    params = {"TableName": "missing"}
    if operation == "update_time_to_live":
        params["TimeToLiveSpecification"] = {"Enabled": True, "AttributeName": "ttl"}
    with pytest.raises(ClientError) as caught:
        getattr(ddb, operation)(**params)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_tag_resource_overwrites_a_tag_of_the_same_key(ddb):
    """API_TagResource: a tag whose key exists replaces its value."""
    arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "prod"}]
