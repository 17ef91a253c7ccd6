"""CreateTable and UpdateTable refuse what DynamoDB refuses (API_CreateTable,
API_UpdateTable, API_ProvisionedThroughput, Developer Guide naming rules)."""

from __future__ import annotations

import pytest
from conformance_support import TABLE, refusal

INVALID = "One or more parameter values were invalid: "
ID = [{"AttributeName": "id", "AttributeType": "S"}]
HASH = [{"AttributeName": "id", "KeyType": "HASH"}]
ON_DEMAND = {"AttributeDefinitions": ID, "KeySchema": HASH, "BillingMode": "PAY_PER_REQUEST"}
PROVISIONED = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("ab", "Member must have length greater than or equal to 3"),
        ("a" * 256, "Member must have length less than or equal to 255"),
        ("messages table!", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ],
    ids=["short", "long", "characters"],
)
def test_a_bad_table_name_is_refused(ddb, name, constraint):
    code, message = refusal(ddb.create_table, TableName=name, **ON_DEMAND)
    assert code == "ValidationException"
    assert message == (
        f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
        f"constraint: {constraint}"
    )


def test_an_item_operation_on_a_bad_table_name_is_refused(ddb):
    code, message = refusal(ddb.get_item, TableName="ab", Key={"id": {"S": "1"}})
    assert code == "ValidationException"
    assert "at 'tableName' failed to satisfy constraint" in message


@pytest.mark.parametrize("name", ["abc", "a" * 255, "Cruddur-Messages_v1.2"])
def test_a_good_table_name_is_accepted(ddb, name):
    assert ddb.create_table(TableName=name, **ON_DEMAND)["TableDescription"]["TableName"] == name


def test_on_demand_with_provisioned_throughput_is_refused(ddb):
    code, message = refusal(
        ddb.create_table, TableName="t_ppr", ProvisionedThroughput=PROVISIONED, **ON_DEMAND
    )
    assert (code, message) == (
        "ValidationException",
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
        "BillingMode is PAY_PER_REQUEST",
    )


@pytest.mark.parametrize(("unit", "value"), [("ReadCapacityUnits", 0), ("WriteCapacityUnits", -1)])
def test_zero_or_negative_throughput_is_refused(ddb, unit, value):
    code, message = refusal(
        ddb.create_table,
        TableName="t_units",
        AttributeDefinitions=ID,
        KeySchema=HASH,
        ProvisionedThroughput={**PROVISIONED, unit: value},
    )
    member = unit[0].lower() + unit[1:]
    assert (code, message) == (
        "ValidationException",
        f"1 validation error detected: Value '{value}' at 'provisionedThroughput.{member}' "
        "failed to satisfy constraint: Member must have value greater than or equal to 1",
    )


def _lsi(hash_key: str) -> list[dict]:
    return [
        {
            "IndexName": "by_x",
            "KeySchema": [
                {"AttributeName": hash_key, "KeyType": "HASH"},
                {"AttributeName": "x", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]


def test_a_local_index_on_a_table_without_sort_key_is_refused(ddb):
    code, message = refusal(
        ddb.create_table,
        TableName="t_lsi",
        AttributeDefinitions=[*ID, {"AttributeName": "x", "AttributeType": "S"}],
        KeySchema=HASH,
        LocalSecondaryIndexes=_lsi("id"),
        BillingMode="PAY_PER_REQUEST",
    )
    assert (code, message) == (
        "ValidationException",
        INVALID + "Table KeySchema does not have a range key, which is required when "
        "specifying a LocalSecondaryIndex",
    )


def test_a_local_index_with_another_partition_key_is_refused(ddb):
    code, message = refusal(
        ddb.create_table,
        TableName="t_lsi",
        AttributeDefinitions=[
            *ID,
            {"AttributeName": "r", "AttributeType": "S"},
            {"AttributeName": "x", "AttributeType": "S"},
        ],
        KeySchema=[*HASH, {"AttributeName": "r", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=_lsi("x"),
        BillingMode="PAY_PER_REQUEST",
    )
    assert code == "ValidationException"
    assert message.startswith(
        INVALID + "Index KeySchema does not have the same leading hash key as table KeySchema"
    )


def test_update_table_with_nothing_to_change_is_refused(ddb):
    code, message = refusal(ddb.update_table, TableName=TABLE)
    assert code == "ValidationException"
    assert message.startswith("At least one of ProvisionedThroughput, BillingMode")


@pytest.fixture
def provisioned(ddb):
    ddb.create_table(
        TableName="t_prov",
        AttributeDefinitions=[*ID, {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=HASH,
        ProvisionedThroughput=PROVISIONED,
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": PROVISIONED,
            }
        ],
    )
    return ddb


def test_update_table_to_the_same_throughput_is_refused(provisioned):
    code, message = refusal(
        provisioned.update_table, TableName="t_prov", ProvisionedThroughput=PROVISIONED
    )
    assert code == "ValidationException"
    assert message.startswith("The provisioned throughput for the table will not change.")


def _gsi_create(name: str, key: str) -> dict:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": PROVISIONED,
        }
    }


def test_adding_an_index_with_an_existing_name_is_refused(provisioned):
    code, message = refusal(
        provisioned.update_table,
        TableName="t_prov",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[_gsi_create("by_g", "g")],
    )
    assert (code, message) == (
        "ValidationException",
        "Attempting to create an index which already exists",
    )


def test_adding_an_index_on_an_undefined_attribute_is_refused(provisioned):
    code, message = refusal(
        provisioned.update_table,
        TableName="t_prov",
        GlobalSecondaryIndexUpdates=[_gsi_create("by_z", "z")],
    )
    assert code == "ValidationException"
    assert message.startswith(INVALID + "Some index key attributes are not defined")


def test_adding_an_index_keeps_the_tables_attribute_definitions(provisioned):
    provisioned.update_table(
        TableName="t_prov",
        AttributeDefinitions=[{"AttributeName": "z", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[_gsi_create("by_z", "z")],
    )
    table = provisioned.describe_table(TableName="t_prov")["Table"]
    assert sorted(d["AttributeName"] for d in table["AttributeDefinitions"]) == ["g", "id", "z"]


def test_deleting_a_missing_index_is_resource_not_found(provisioned):
    code, _ = refusal(
        provisioned.update_table,
        TableName="t_prov",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}],
    )
    assert code == "ResourceNotFoundException"
