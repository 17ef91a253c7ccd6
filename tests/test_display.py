"""Fixed-width text a learner reads and nbval compares byte for byte."""

from __future__ import annotations

from cruddur_lab.notebook.display import (
    format_capacity,
    format_item_collections,
    format_items,
    format_mapping,
    format_table,
    item_columns,
    shorten,
)


def test_shorten_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert shorten("hello", 5) == "hello"
    assert shorten("hello world", 6) == "hello…"
    assert shorten(None, 4) == ""
    assert shorten("two\nlines", 20) == "two lines"


def test_format_table_aligns_columns_under_a_header_and_rule():
    text = format_table([{"a": "1", "b": "long value"}, {"a": "22"}], ["a", "b"])
    assert text.splitlines() == [
        "a   b",
        "--  ----------",
        "1   long value",
        "22",
    ]


def test_format_table_of_nothing_says_so():
    assert format_table([], ["a"]) == "(no rows)"


def test_item_columns_put_model_attributes_first_then_the_rest_alphabetically():
    items = [{"zeta": "1", "message": "m", "pk": "p", "sk": "s", "alpha": "2"}]
    assert item_columns(items) == ["pk", "sk", "message", "alpha", "zeta"]
    assert item_columns(items, ["sk"]) == ["sk"]


def test_format_items_is_the_same_whatever_the_key_order_of_the_items():
    one = format_items([{"pk": "p", "sk": "s", "message": "m"}])
    other = format_items([{"message": "m", "sk": "s", "pk": "p"}])
    assert one == other


def test_format_item_collections_groups_by_partition_in_sort_key_order():
    items = [
        {"pk": "MSG#b", "sk": "2", "message": "later"},
        {"pk": "GRP#a", "sk": "9", "message": "inbox"},
        {"pk": "MSG#b", "sk": "1", "message": "first"},
    ]
    assert format_item_collections(items).splitlines() == [
        "GRP#a  (1 item)",
        "sk  message",
        "--  -------",
        "9   inbox",
        "",
        "MSG#b  (2 items)",
        "sk  message",
        "--  -------",
        "1   first",
        "2   later",
    ]
    assert format_item_collections([]) == "(no items)"


def test_format_capacity_says_whose_figure_it_is():
    assert format_capacity(1.0, engine="embedded") == (
        "consumed capacity: 1 RCU, reported by the embedded engine "
        "(AWS's rules, checked against measured figures)"
    )
    assert format_capacity(3.0, engine="aws") == "consumed capacity: 3 RCU, reported by AWS"
    assert format_capacity(2.0, engine="endpoint") == (
        "consumed capacity: 2 RCU, reported by the endpoint engine (its own figure)"
    )


def test_format_capacity_on_aws_without_a_figure_says_none_was_reported():
    """Issue 15 item 9: AWS leaves ConsumedCapacity out of some answers; never "None RCU"."""
    assert format_capacity(None, engine="aws") == (
        "consumed capacity: none reported, reported by AWS"
    )


def test_format_mapping_aligns_values():
    assert format_mapping({"a": 1, "long": "x"}) == "a     1\nlong  x"


def test_to_frame_gives_pandas_the_rows_with_known_columns_first_and_short_ids():
    from cruddur_lab.notebook.display import show, to_frame

    rows = [
        {"message": "hi", "pk": "MSG#5ae290ed-55d1-47a0-bc6d-fe2bc2700399", "sk": "2026"},
        {"pk": "GRP#d2024ec2-6b67-567e-97c7-0f69bd63fbf3", "sk": "2025", "extra": 1},
    ]
    frame = show(rows).to_frame()
    assert list(frame.columns) == ["pk", "sk", "message", "extra"]
    assert frame["pk"].tolist() == ["MSG#5ae290ed…", "GRP#d2024ec2…"]
    assert frame["extra"].tolist() == ["", 1]
    full = to_frame(rows, ids="full")
    assert full.loc[0, "pk"] == rows[0]["pk"]
