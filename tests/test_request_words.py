"""A recorded request in words (``modeling.request_words``): what the catalogue shows."""

from __future__ import annotations

from cruddur_lab.engine.trace import Call, recording
from cruddur_lab.model import SEED_GROUP_UUID, message_pk
from cruddur_lab.modeling.request_words import describe_request, examples, template
from cruddur_lab.scripts.reads import get_conversation

USER = "3f2b6c1e-8d4a-4e5b-9c7d-1a2b3c4d5e6f"


def test_a_recorded_query_reads_as_its_key_condition_order_and_page(seeded_lab):
    with recording(seeded_lab) as calls:
        get_conversation(seeded_lab)
    (query,) = [call for call in calls if call.operation == "Query"]
    words = describe_request(query)
    assert words["key_condition"] == "pk = MSG#<group uuid>"
    assert (words["sort"], words["page_size"], words["consistency"]) == (
        "descending",
        20,
        "eventual",
    )
    assert words["index"] is None
    assert describe_request(query, templated=False)["key_condition"] == (
        f"pk = {message_pk(SEED_GROUP_UUID)}"
    )
    assert examples([query]) == {"MSG#": message_pk(SEED_GROUP_UUID)}


def test_a_transaction_lists_each_key_it_writes_once():
    put_group = {"Put": {"TableName": "t", "Item": {"pk": f"GRP#{USER}", "sk": "x"}}}
    put_message = {"Put": {"TableName": "t", "Item": {"pk": f"MSG#{SEED_GROUP_UUID}"}}}
    call = Call("TransactWriteItems", {"TransactItems": [put_group, put_group, put_message]})
    words = describe_request(call)
    assert words["key_condition"] == "Put GRP#<user uuid>, Put MSG#<group uuid>"
    assert words["consistency"] == "transactional"


def test_a_batch_write_counts_its_puts_per_key_shape():
    puts = [{"PutRequest": {"Item": {"pk": f"MSG#{SEED_GROUP_UUID}"}}}] * 25
    call = Call("BatchWriteItem", {"RequestItems": {"t": puts}})
    assert describe_request(call)["key_condition"] == "25 x Put MSG#<group uuid>"


def test_template_hides_ids_and_times_whatever_the_clock():
    assert template(f"sk > 2025-01-01T00:00:00.123+00:00 and id = {USER}") == (
        "sk > <timestamp> and id = <uuid>"
    )
