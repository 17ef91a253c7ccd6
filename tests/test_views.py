"""Index and item-collection views read the engine itself, and the figure is byte-stable."""

from __future__ import annotations

from cruddur_lab import model
from cruddur_lab.app import patterns
from cruddur_lab.model import short_ids
from cruddur_lab.modeling.figure import collections_figure
from cruddur_lab.modeling.view_reads import index_definition, item_collections, read_index
from cruddur_lab.notebook.view_drawings import IndexViewDisplay, ItemCollectionsByKind
from cruddur_lab.scripts.reads import scan
from cruddur_lab.scripts.schema import describe


def test_index_scan_is_sent_to_the_index_and_counts_only_group_rows(seeded_lab):
    view = read_index(seeded_lab)
    (request,) = view.requests
    assert (request.operation, request.params["IndexName"]) == ("Scan", model.GSI_NAME)
    # The sparse index holds the two group rows; a Scan of it evaluates nothing else.
    assert (view.count, view.scanned_count) == (2, 2)
    assert {item["pk"][:4] for item in view.items} == {model.GROUP_PREFIX}
    assert len(view.left_out) == model.SEED_MESSAGES
    assert {item["pk"] for item in view.left_out} == {model.message_pk(model.SEED_GROUP_UUID)}
    assert view.table_items == model.SEED_MESSAGES + 2


def test_index_query_reads_one_conversation_of_several(seeded_lab):
    caller = patterns.provision_caller(seeded_lab, "andrewbrown")
    started = patterns.create_message_group(seeded_lab, caller, "londo", "Hello Londo")
    everything = read_index(seeded_lab)
    assert set(everything.partitions()) == {model.SEED_GROUP_UUID, started.message_group_uuid}
    view = read_index(seeded_lab, started.message_group_uuid)
    (request,) = view.requests
    assert request.operation == "Query"
    assert request.params["IndexName"] == model.GSI_NAME
    assert request.params["ExpressionAttributeValues"] == {":v0": started.message_group_uuid}
    assert (view.count, view.scanned_count) == (2, 2)
    assert {item["user_handle"] for item in view.items} == {"andrewbrown", "londo"}
    # The new conversation's first message is a base-table item the index leaves out.
    assert len(view.left_out) == model.SEED_MESSAGES + 1


def test_projection_comes_from_the_description_and_marks_what_the_index_holds():
    description = model.create_table_spec("t")
    description["GlobalSecondaryIndexes"][0]["Projection"] = {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["message"],
    }
    index = index_definition(description)
    assert [index.projects(a) for a in ("message_group_uuid", "pk", "message", "user_handle")] == [
        True,
        True,
        True,
        False,
    ]
    assert not index.holds({"pk": "MSG#x", "sk": "1"})
    assert index.holds({"pk": "GRP#x", "sk": "1", "message_group_uuid": "g"})


def test_index_view_text_marks_keys_and_projection_and_lists_what_is_left_out(seeded_lab):
    text = repr(IndexViewDisplay(read_index(seeded_lab)))
    assert f'"IndexName": "{model.GSI_NAME}"' in text
    assert "Count 2, ScannedCount 2, pages 1" in text
    assert "sk (K)" in text and "pk (T)" in text and "message (P)" in text
    assert f"= {model.SEED_GROUP_UUID[:8]}…  (2 entries)" in text
    assert f"MSG#{model.SEED_GROUP_UUID[:8]}…  100 items" in text
    html = IndexViewDisplay(read_index(seeded_lab))._repr_html_()
    assert model.SEED_GROUP_UUID in html  # the full id stays in a tooltip


def test_item_collections_come_by_kind_then_partition_in_sort_key_order(seeded_lab):
    items = scan(seeded_lab).items
    collections = item_collections(reversed(items))
    assert [c.kind for c in collections] == ["group", "group", "message"]
    messages = collections[-1].items
    assert [m["sk"] for m in messages] == sorted(m["sk"] for m in messages)
    text = repr(ItemCollectionsByKind(items, max_rows=4))
    assert text.index("group rows: 2 item collections, 2 items") < text.index(
        "message rows: 1 item collection, 100 items"
    )
    assert "… 96 more in sort-key order …" in text
    assert model.SEED_GROUP_UUID not in text  # short ids only
    assert short_ids(model.message_pk(model.SEED_GROUP_UUID)) in text


def test_figure_marks_where_patterns_a_and_b_land_and_is_byte_stable(seeded_lab):
    caller = patterns.provision_caller(seeded_lab, "andrewbrown")
    page_a = patterns.list_messages(seeded_lab, caller, model.SEED_GROUP_UUID)
    page_b = patterns.list_message_groups(seeded_lab, caller)
    figure = collections_figure(
        scan(seeded_lab).items,
        table_name=seeded_lab.settings.table_name,
        index=index_definition(describe(seeded_lab)),
        reads={"Pattern A": page_a.items, "Pattern B": page_b.items},
    )
    landing_a, landing_b = figure.landings
    messages = figure.collections[-1]
    assert (landing_a.pk, landing_a.items) == (messages.pk, model.PAGE_SIZE)
    assert landing_a.end == messages.size_bytes  # the newest 20 end the collection
    assert landing_b.pk == model.group_pk(patterns.resolve_caller(seeded_lab, caller).uuid)
    assert figure.index_partitions() == {
        model.SEED_GROUP_UUID: sum(c.size_bytes for c in figure.collections[:2])
    }
    assert figure.left_out() == model.SEED_MESSAGES
    svg = figure.svg()
    assert svg == figure.svg()
    assert model.GSI_NAME in svg and "Pattern A" in svg
    assert "<dc:date>" not in svg


def test_index_view_text_fits_120_columns_and_keeps_the_keys_whole(seeded_lab):
    caller = patterns.provision_caller(seeded_lab, "andrewbrown")
    started = patterns.create_message_group(seeded_lab, caller, "londo", "Hello Londo")
    for view in (read_index(seeded_lab), read_index(seeded_lab, started.message_group_uuid)):
        text = repr(IndexViewDisplay(view))
        assert max(len(line) for line in text.splitlines()) <= 120
        # Only projected values are cut to fit: the index and table keys stay whole.
        for item in view.items:
            assert item["sk"] in text and short_ids(item["pk"]) in text
