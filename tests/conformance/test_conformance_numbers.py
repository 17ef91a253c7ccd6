"""Numbers as DynamoDB stores them, and the numbers and sets it refuses.

Developer Guide, Naming rules and data types (Number, Set types); API_AttributeValue.
"""

from __future__ import annotations

import pytest
from conformance_support import HASH_ONLY, TABLE, refusal

KEY = {"pk": {"S": "N"}, "sk": {"S": "1"}}


def _stored(ddb, value):
    ddb.put_item(TableName=TABLE, Item={**KEY, "v": value})
    return ddb.get_item(TableName=TABLE, Key=KEY)["Item"]["v"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("00042", "42"),
        ("1.0", "1"),
        ("1.5E2", "150"),
        ("-0", "0"),
        ("0.50", "0.5"),
        ("-1.5e-3", "-0.0015"),
        ("+7", "7"),
    ],
)
def test_a_number_reads_back_as_stored(ddb, sent, stored):
    """A number keeps its value, not its text: leading and trailing zeros, exponent and
    sign of zero are not kept."""
    assert _stored(ddb, {"N": sent}) == {"N": stored}


def test_a_number_key_matches_whatever_its_text(ddb):
    ddb.put_item(TableName=HASH_ONLY, Item={"id": {"N": "007"}, "name": {"S": "bond"}})
    found = ddb.get_item(TableName=HASH_ONLY, Key={"id": {"N": "7.0"}})
    assert found["Item"] == {"id": {"N": "7"}, "name": {"S": "bond"}}


def test_a_number_set_is_stored_normalised(ddb):
    assert _stored(ddb, {"NS": ["010", "2.50"]}) == {"NS": ["10", "2.5"]}


def test_an_update_adds_numbers_as_stored(ddb):
    ddb.put_item(TableName=TABLE, Item={**KEY, "n": {"N": "1"}})
    answer = ddb.update_item(
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET m = :m ADD n :one",
        ExpressionAttributeValues={":m": {"N": "5.000"}, ":one": {"N": "1.0"}},
        ReturnValues="ALL_NEW",
    )
    assert answer["Attributes"]["m"] == {"N": "5"}
    assert answer["Attributes"]["n"] == {"N": "2"}


OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (
            "1E+126",
            OVERFLOW,
        ),
        (
            "-1E+126",
            OVERFLOW,
        ),
        (
            "1E-131",
            UNDERFLOW,
        ),
        ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
        (
            "1.23456789012345678901234567890123456789",
            "Attempting to store more than 38 significant digits in a Number",
        ),
        ("twelve", "The parameter cannot be converted to a numeric value: twelve"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
    ],
)
def test_a_number_outside_dynamodbs_range_is_refused(ddb, sent, message):
    code, text = refusal(ddb.put_item, TableName=TABLE, Item={**KEY, "v": {"N": sent}})
    assert (code, text) == ("ValidationException", message)
    assert "Item" not in ddb.get_item(TableName=TABLE, Key=KEY)


@pytest.mark.parametrize(
    "sent", ["9.9999999999999999999999999999999999999E+125", "1E-130", "1" * 38]
)
def test_a_number_at_the_edge_of_the_range_is_accepted(ddb, sent):
    stored = _stored(ddb, {"N": sent})["N"]
    assert stored.replace(".", "").strip("0") == sent.split("E")[0].replace(".", "")


def test_a_number_out_of_range_in_an_expression_value_is_refused(ddb):
    code, _ = refusal(
        ddb.update_item,
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "1E+126"}},
    )
    assert code == "ValidationException"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"BS": []}, INVALID + "An binary set  may not be empty"),
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        (
            {"SS": ["a", "a"]},
            INVALID + "Input collection [a, a] contains duplicates.",
        ),
        (
            {"NS": ["1", "1.0"]},
            INVALID + "Input collection [1, 1] contains duplicates.",
        ),
        (
            {"BS": [b"x", b"x"]},
            INVALID + "Input collection [eA==, eA==] contains duplicates.",
        ),
    ],
    ids=["empty-BS", "empty-SS", "empty-NS", "dup-SS", "dup-NS", "dup-BS"],
)
def test_an_empty_set_or_a_set_with_duplicates_is_refused(ddb, value, message):
    """Developer Guide, Set types: "Empty sets are not supported"; "All of the elements
    within a set must be unique"."""
    assert refusal(ddb.put_item, TableName=TABLE, Item={**KEY, "v": value}) == (
        "ValidationException",
        message,
    )
