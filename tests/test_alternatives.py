"""The alternative designs run on the engine: each keeps its inbox right, and the measured
costs differ the way AWS's rules say they must."""

from __future__ import annotations

import pytest

from cruddur_lab.capacity import Cost
from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.engine.lab import Lab
from cruddur_lab.engine.trace import Call
from cruddur_lab.model import SEED_GROUP_UUID, message_pk
from cruddur_lab.modeling.alternatives import DESIGNS, compare, open_designs, race_first_messages
from cruddur_lab.modeling.costs import Measured
from cruddur_lab.modeling.design_comparison import messages_per_second
from cruddur_lab.scripts.reads import read_all


@pytest.fixture(scope="module")
def designs(services):
    """Built once for the module (four tables, seeded: the expensive part). Each test writes
    only to conversations no other test reads (its own message texts, its own pair of
    users), so they pass in any order; no test here takes the ``lab`` fixture, which would
    empty the engine under them."""
    services.reset()
    lab = Lab.on_services(services, now=DEFAULT_NOW)
    yield {design.name: design for design in open_designs(lab, prefix="t-alt")}
    lab.close()


def test_every_design_puts_the_new_message_on_top_of_the_receivers_inbox(designs):
    for name, design in designs.items():
        sender, receiver = design.user("andrewbrown"), design.user("bayko")
        design.send(sender, SEED_GROUP_UUID, f"news from {name}")
        (top, *_) = design.inbox(receiver)
        assert (top["message"], top["user_handle"]) == (f"news from {name}", "andrewbrown"), name


def test_the_current_inbox_lags_until_the_stream_is_delivered(designs):
    current = designs["current"]
    sender, receiver = current.user("andrewbrown"), current.user("bayko")
    current.send(sender, SEED_GROUP_UUID, "not yet", deliver=False)
    assert current.inbox(receiver)[0]["message"] != "not yet"
    current.deliver_stream()
    assert current.inbox(receiver)[0]["message"] == "not yet"


def test_measured_write_costs_follow_the_key_shape(designs):
    sender, receiver, newcomer = (
        designs["current"].user(h) for h in ("andrewbrown", "bayko", "londo")
    )
    measured = compare(list(designs.values()), sender, receiver, newcomer, SEED_GROUP_UUID)
    send = {m.design: m for m in measured if m.title == "send (C + inbox)"}
    # Moving a group row is Delete + Put in a transaction (doubled); in place it is one write.
    assert send["fixed-key"].cost.wcu < send["current"].cost.wcu < send["sync-inbox"].cost.wcu
    assert [c.operation for c in send["sync-inbox"].requests] == ["Query", "TransactWriteItems"]
    assert send["sync-inbox"].requests[0].index is not None
    inbox = {m.design: m for m in measured if m.title == "read inbox (B)"}
    assert inbox["fixed-key"].requests[0].index == "inbox-index"
    assert inbox["current"].requests[0].index is None
    start = {m.design: m for m in measured if m.title == "start new (D)"}
    assert start["pair-item"].requests[0].operation == "GetItem"
    assert start["pair-item"].cost.wcu > start["current"].cost.wcu  # the pair item's write


def test_a_pair_item_closes_the_first_message_race(designs):
    current, pair = designs["current"], designs["pair-item"]
    delenn, gkar = current.user("delenn"), current.user("gkar")
    assert len(race_first_messages(current, delenn, gkar)) == 2
    (group,) = race_first_messages(pair, delenn, gkar)
    # The losing first message was not lost: it went into the winner's conversation.
    messages = read_all(
        pair.lab,
        "query",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": message_pk(group)},
    )
    assert sorted(m["user_handle"] for m in messages) == ["delenn", "gkar"]


def test_sync_inbox_table_has_no_stream(designs):
    description = designs["sync-inbox"].lab.dynamodb.describe_table(
        TableName=designs["sync-inbox"].table_name
    )["Table"]
    assert not description.get("StreamSpecification", {}).get("StreamEnabled")
    assert set(DESIGNS) == set(designs)


def test_messages_per_second_is_bound_by_the_scarcer_capacity():
    call = Call("PutItem", {}, cost=Cost(wcu=2.0, index_wcu=4.0))
    assert messages_per_second(Measured("send", [call], design="x")) == 1.25
    call = Call("PutItem", {}, cost=Cost(wcu=10.0))
    assert messages_per_second(Measured("send", [call], design="x")) == 0.5


def test_the_comparison_never_creates_tables_on_aws():
    from cruddur_lab.errors import ConfigError

    with Lab.open("aws", environ={}) as aws:
        design = DESIGNS["current"](aws, "cruddur-alt-current")
        with pytest.raises(ConfigError, match="never on AWS"):
            design.create()
