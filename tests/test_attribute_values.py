"""The engine writes items as moto writes them, by a shorter road.

``engine/attribute_values.py`` skips moto's member-by-member search for wire-format
attribute values. These tests hold it to moto's own serializer: the same response bodies for
generated items of every DynamoDB type, moto's code for what the short road does not know,
and a round trip through the running engine.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.core.serialize import BaseJSONSerializer, XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model

from cruddur_lab.engine import attribute_values

NAMES = st.text(min_size=1, max_size=6)
STRINGS = st.text(max_size=12)
NUMBERS = st.integers(-(10**6), 10**6).map(str)
BINARY = st.binary(max_size=12)
SCALARS = st.one_of(
    STRINGS.map(lambda s: {"S": s}),
    NUMBERS.map(lambda n: {"N": n}),
    BINARY.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(STRINGS, min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
    st.lists(NUMBERS, min_size=1, max_size=3, unique=True).map(lambda v: {"NS": v}),
    st.lists(BINARY, min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.dictionaries(NAMES, inner, max_size=3).map(lambda m: {"M": m}),
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
    ),
    max_leaves=8,
)
ITEMS = st.lists(st.dictionaries(NAMES, VALUES, min_size=1, max_size=4), max_size=3)


def serializer_for(operation: str):
    service = get_service_model("dynamodb")
    return get_serializer_class("dynamodb", "json")(
        operation_model=service.operation_model(operation),
        pretty_print=False,
        value_picker=XFormedAttributePicker(),
    )


def serialize(result: dict, operation: str = "Query", *, moto_only: bool) -> str:
    attribute_values.install()
    serializer = serializer_for(operation)
    if moto_only:
        wrapped = BaseJSONSerializer._serialize_type_structure
        BaseJSONSerializer._serialize_type_structure = wrapped.__wrapped__
        try:
            return serializer.serialize(result)["body"]
        finally:
            BaseJSONSerializer._serialize_type_structure = wrapped
    return serializer.serialize(result)["body"]


@settings(max_examples=150, deadline=None)
@given(ITEMS)
def test_generated_items_are_written_byte_for_byte_as_moto_writes_them(items):
    result = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    assert serialize(result, moto_only=False) == serialize(result, moto_only=True)


@pytest.mark.parametrize(
    "value",
    [
        {"S": 5},  # not a string: moto's str() decides
        {"s": "lower-case key"},  # moto's picker finds snake_case names too
        {"L": [{"S": "a"}, None]},  # a None inside a list
        {"M": {"": {"S": "empty key"}}},  # moto writes an empty key's members into the map
        {"B": bytearray(b"x")},
    ],
)
def test_what_the_short_road_does_not_know_goes_to_moto_and_comes_out_the_same(value):
    shape = get_service_model("dynamodb").shape_for("AttributeValue")
    assert attribute_values.attribute_value(None, value, shape) is attribute_values._MOTO
    result = {"Item": {"a": value}}
    assert serialize(result, "GetItem", moto_only=False) == serialize(
        result, "GetItem", moto_only=True
    )


def test_the_short_road_is_taken_for_wire_format_items():
    shape = get_service_model("dynamodb").shape_for("AttributeValue")
    value = {"M": {"n": {"N": "1"}, "b": {"B": b"\x00"}, "l": {"L": [{"BOOL": False}]}}}
    assert attribute_values.attribute_value(serializer_for("GetItem"), value, shape) == {
        "M": {"n": {"N": "1"}, "b": {"B": "AA=="}, "l": {"L": [{"BOOL": False}]}}
    }


def test_every_type_survives_a_round_trip_through_the_engine(lab):
    from cruddur_lab.scripts.schema import schema_load

    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    item = {
        "pk": "P",
        "sk": "S",
        "text": "hé",
        "number": Decimal("3.14159"),
        "binary": b"\x00\xff",
        "flag": False,
        "nothing": None,
        "strings": {"a", "b"},
        "numbers": {Decimal(1), Decimal("2.5")},
        "binaries": {b"\x01", b"\x02"},
        "map": {"nested": [1, "two", {"three": b"3"}], "empty": {}},
        "list": [],
    }
    lab.table.put_item(Item=item)
    assert lab.table.get_item(Key={"pk": "P", "sk": "S"})["Item"] == item
    raw = lab.client("dynamodb").query(
        TableName=lab.settings.table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "P"}},
    )["Items"][0]
    assert raw["binary"] == {"B": b"\x00\xff"} and json.dumps(raw["number"]) == '{"N": "3.14159"}'
