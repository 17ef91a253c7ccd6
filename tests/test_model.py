"""The model module: names, keys, item shapes and the create-table definition."""

from __future__ import annotations

import pytest

from cruddur_lab import model
from cruddur_lab.model import User

ANDREW = User(uuid="11111111-1111-4111-8111-111111111111", handle="andrewbrown", display_name="A")
BAYKO = User(uuid="22222222-2222-4222-8222-222222222222", handle="bayko", display_name="B")


def test_key_builders_use_the_bootcamp_templates():
    assert model.group_pk(ANDREW.uuid) == f"GRP#{ANDREW.uuid}"
    assert model.message_pk(model.SEED_GROUP_UUID) == f"MSG#{model.SEED_GROUP_UUID}"


@pytest.mark.parametrize(
    ("pk", "kind"),
    [(f"GRP#{ANDREW.uuid}", "group"), (f"MSG#{model.SEED_GROUP_UUID}", "message")],
)
def test_parse_pk_inverts_the_key_builders(pk, kind):
    parsed_kind, value = model.parse_pk(pk)
    assert parsed_kind == kind
    builder = model.group_pk if kind == "group" else model.message_pk
    assert builder(value) == pk


def test_parse_pk_rejects_a_foreign_key_naming_both_prefixes():
    with pytest.raises(
        ValueError, match=r"not a cruddur key: 'USER#1' \(expected GRP#… or MSG#…\)"
    ):
        model.parse_pk("USER#1")


def test_key_kind_predicates():
    assert model.is_group_key("GRP#x") and not model.is_group_key("MSG#x")
    assert model.is_message_key("MSG#x") and not model.is_message_key("GRP#x")


def test_normalize_uuid_lowercases_and_strips():
    assert model.normalize_uuid("  5AE290ED-55D1-47A0-BC6D-FE2BC2700399 ") == model.SEED_GROUP_UUID


def test_normalize_uuid_names_what_is_wrong():
    with pytest.raises(ValueError, match=r"group uuid 'nope' is not a uuid"):
        model.normalize_uuid("nope", "group uuid")


def test_group_item_describes_the_other_participant():
    item = model.group_item(
        owner=ANDREW,
        other=BAYKO,
        message_group_uuid=model.SEED_GROUP_UUID,
        last_message="hi",
        last_at="2026-03-01T12:00:00.000000+00:00",
    )
    assert item == {
        "pk": f"GRP#{ANDREW.uuid}",
        "sk": "2026-03-01T12:00:00.000000+00:00",
        "message_group_uuid": model.SEED_GROUP_UUID,
        "message": "hi",
        "user_uuid": BAYKO.uuid,
        "user_display_name": "B",
        "user_handle": "bayko",
    }
    assert tuple(item) == model.GROUP_ATTRIBUTES


def test_message_item_describes_the_sender_and_stays_out_of_the_gsi():
    item = model.message_item(
        message_group_uuid=model.SEED_GROUP_UUID,
        message_uuid="m1",
        sender=BAYKO,
        text="hello",
        created_at="2026-03-01T12:00:00.000000+00:00",
    )
    assert item["pk"] == f"MSG#{model.SEED_GROUP_UUID}"
    assert item["user_handle"] == "bayko" and item["user_uuid"] == BAYKO.uuid
    assert model.GSI_PARTITION_KEY not in item
    assert tuple(item) == model.MESSAGE_ATTRIBUTES
    assert all(isinstance(value, str) for value in item.values())


def test_create_table_spec_has_keys_sparse_gsi_and_new_image_stream():
    spec = model.create_table_spec()
    assert spec["TableName"] == "cruddur-messages"
    assert spec["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {d["AttributeName"]: d["AttributeType"] for d in spec["AttributeDefinitions"]} == {
        "message_group_uuid": "S",
        "pk": "S",
        "sk": "S",
    }
    (gsi,) = spec["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "message-group-sk-index"
    assert gsi["KeySchema"] == [
        {"AttributeName": "message_group_uuid", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    assert spec["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert spec["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert gsi["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def test_create_table_spec_on_demand_has_no_throughput():
    spec = model.create_table_spec("other", billing_mode="PAY_PER_REQUEST")
    assert spec["TableName"] == "other"
    assert spec["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in spec
    assert "ProvisionedThroughput" not in spec["GlobalSecondaryIndexes"][0]


def test_create_table_spec_is_a_fresh_copy_each_time():
    first = model.create_table_spec()
    first["ProvisionedThroughput"]["ReadCapacityUnits"] = 99
    assert model.create_table_spec()["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert model.BOOTCAMP_THROUGHPUT["ReadCapacityUnits"] == 5


def test_schema_differences_accepts_the_models_own_definition():
    assert model.schema_differences(model.create_table_spec()) == []


def test_schema_differences_reports_missing_gsi_and_wrong_keys():
    spec = model.create_table_spec()
    spec["KeySchema"] = [{"AttributeName": "id", "KeyType": "HASH"}]
    spec["GlobalSecondaryIndexes"] = []
    assert model.schema_differences(spec) == [
        "key schema is {'id': 'HASH'}, expected pk HASH + sk RANGE",
        "GSI 'message-group-sk-index' is missing",
    ]


def test_seed_users_start_with_the_bootcamps_three():
    assert [handle for handle, _, _ in model.SEED_USERS[:3]] == ["andrewbrown", "bayko", "londo"]
    assert model.SEED_GROUP_HANDLES == ("andrewbrown", "bayko")
    assert len({handle for handle, _, _ in model.SEED_USERS}) == len(model.SEED_USERS)
