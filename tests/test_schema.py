"""schema-load, drop, list-tables, describe and the checks other commands rely on."""

from __future__ import annotations

import pytest

from cruddur_lab.engine.lab import Lab
from cruddur_lab.engine.settings import resolve
from cruddur_lab.engine.trace import recording
from cruddur_lab.errors import ConfirmationRequired, TableMismatch, TableMissing
from cruddur_lab.model import GSI_NAME
from cruddur_lab.scripts.schema import (
    describe,
    drop,
    list_tables,
    require_confirmation,
    require_table,
    schema_load,
    summarize,
)


def test_schema_load_creates_keys_gsi_and_a_new_image_stream(lab):
    result = schema_load(lab)
    assert result.created
    assert str(result) == "table 'cruddur-messages' created"
    table = describe(lab)
    assert table["TableStatus"] == "ACTIVE"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "pk": "HASH",
        "sk": "RANGE",
    }
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == GSI_NAME
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["KeySchema"]} == {
        "message_group_uuid": "HASH",
        "sk": "RANGE",
    }
    assert gsi["Projection"]["ProjectionType"] == "ALL"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert result.stream_arn == table["LatestStreamArn"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


def test_schema_load_twice_says_the_table_exists_and_changes_nothing(lab):
    first = schema_load(lab)
    lab.table.put_item(Item={"pk": "MSG#x", "sk": "1", "message": "kept"})
    with recording(lab, price=False) as calls:
        second = schema_load(lab)
    # One DescribeTable says both that the table is there and that it matches the model.
    assert [call.operation for call in calls] == ["DescribeTable"]
    assert not second.created
    assert str(second) == "table 'cruddur-messages' already exists; nothing changed"
    assert second.stream_arn == first.stream_arn
    assert lab.table.get_item(Key={"pk": "MSG#x", "sk": "1"})["Item"]["message"] == "kept"


def test_schema_load_on_demand(lab):
    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    assert summarize(describe(lab))["BillingMode"] == "PAY_PER_REQUEST"


def test_schema_load_honours_the_table_name_setting(services):
    services.reset()
    with Lab.on_services(services, table_name="my-messages") as other:
        schema_load(other)
        assert list_tables(other) == ["my-messages"]


def test_list_tables_is_sorted_and_follows_pagination(lab):
    for n in range(105):
        lab.dynamodb.create_table(
            TableName=f"t{104 - n:03d}",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    names = list_tables(lab)
    assert names == [f"t{n:03d}" for n in range(105)]


def test_drop_deletes_the_table_and_a_second_drop_reports_nothing_to_drop(lab):
    schema_load(lab)
    assert drop(lab) is True
    assert list_tables(lab) == []
    assert drop(lab) is False


def test_summarize_shows_what_a_learner_reads(lab):
    schema_load(lab)
    assert summarize(describe(lab)) == {
        "TableName": "cruddur-messages",
        "TableStatus": "ACTIVE",
        "KeySchema": "pk (HASH) + sk (RANGE)",
        "GlobalSecondaryIndexes": (
            "message-group-sk-index: message_group_uuid (HASH) + sk (RANGE), projection ALL"
        ),
        "BillingMode": "PROVISIONED",
        "Stream": "NEW_IMAGE",
        "ItemCount": 0,
    }


def test_require_table_on_a_shared_engine_names_schema_load(lab):
    with pytest.raises(TableMissing) as caught:
        require_table(lab)
    assert str(caught.value) == (
        "table 'cruddur-messages' does not exist: run `cruddur-lab schema-load`"
    )


def test_require_table_rejects_a_table_with_other_keys(lab):
    lab.dynamodb.create_table(
        TableName="cruddur-messages",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(TableMismatch) as caught:
        require_table(lab)
    assert str(caught.value) == (
        "table 'cruddur-messages' does not match the model (key schema is {'id': 'HASH'}, "
        "expected pk HASH + sk RANGE; GSI 'message-group-sk-index' is missing): drop it and "
        "run `cruddur-lab schema-load`, or choose another --table"
    )


def test_destructive_commands_on_aws_need_yes():
    with Lab(resolve("aws", environ={})) as aws:
        with pytest.raises(ConfirmationRequired) as caught:
            drop(aws)
        assert str(caught.value) == (
            "refusing to drop table 'cruddur-messages' on real AWS without confirmation: "
            "add --yes if you really mean it"
        )
        assert caught.value.exit_code == 3
        require_confirmation(aws, "drop", yes=True)  # confirmed: no error


def test_local_engines_need_no_confirmation(lab):
    require_confirmation(lab, "drop", yes=False)


def _create_with_projection(lab, projection: dict) -> None:
    from cruddur_lab.model import create_table_spec

    spec = create_table_spec(lab.settings.table_name, billing_mode="PAY_PER_REQUEST")
    spec["GlobalSecondaryIndexes"][0]["Projection"] = projection
    lab.dynamodb.create_table(**spec)


@pytest.mark.parametrize(
    ("projection", "name"),
    [
        ({"ProjectionType": "KEYS_ONLY"}, "KEYS_ONLY"),
        ({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["message"]}, "INCLUDE"),
    ],
)
def test_require_table_refuses_an_index_that_projects_less_than_all(lab, projection, name):
    """Issue 15 item 1: the keys match, but the index cannot return whole group rows."""
    _create_with_projection(lab, projection)
    with pytest.raises(TableMismatch) as caught:
        require_table(lab)
    assert str(caught.value) == (
        f"table 'cruddur-messages' does not match the model (GSI 'message-group-sk-index' "
        f"projects {name}, expected ALL): drop it and run `cruddur-lab schema-load`, or "
        "choose another --table"
    )
