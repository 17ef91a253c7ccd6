"""Capacity estimates from item sizes, and reading what an engine reported."""

from __future__ import annotations

import pytest

from cruddur_lab.capacity import (
    attribute_size,
    item_size,
    read_units,
    reported_units,
    write_units,
)


def test_item_size_counts_utf8_bytes_of_names_and_values():
    assert attribute_size("pk", "MSG#1") == 2 + 5
    assert attribute_size("message", "héllo") == 7 + 6  # é is two bytes
    assert item_size({"pk": "a", "sk": "bc"}) == 3 + 4


def test_item_size_refuses_types_outside_the_model():
    with pytest.raises(TypeError, match="only strings are part of this model"):
        item_size({"count": 3})


def test_read_units_round_the_sum_up_to_4kb_and_halve_for_eventual_consistency():
    small = [{"m": "x" * 10}] * 3
    assert read_units(small) == 0.5
    assert read_units(small, consistent=True) == 1.0
    just_over = [{"m": "x" * 4095}, {"m": "y"}]  # 4096 + 2 bytes
    assert read_units(just_over, consistent=True) == 2.0
    assert read_units([]) == 0.5  # a read that finds nothing still costs the minimum


def test_write_units_round_each_item_up_to_1kb_and_double_in_transactions():
    assert write_units({"m": "x"}) == 1.0
    assert write_units({"m": "x" * 1023}) == 1.0  # exactly 1024 bytes with the name
    assert write_units({"m": "x" * 1024}) == 2.0
    assert write_units({"m": "x" * 1023}, transactional=True) == 2.0


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.5}}, 1.5),
        ({"ConsumedCapacity": [{"CapacityUnits": 1.0}, {"CapacityUnits": 2.0}]}, 3.0),
        ({"ConsumedCapacity": []}, None),
        ({}, None),
    ],
)
def test_reported_units_reads_single_list_and_missing_forms(response, expected):
    assert reported_units(response) == expected
