"""Per-pattern costs, throughput at the bootcamp's 5/5 and on-demand money.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
"""

from __future__ import annotations

import math

import pytest

from cruddur_lab import model
from cruddur_lab.capacity import Cost, item_size
from cruddur_lab.errors import ConfigError
from cruddur_lab.modeling.costs import (
    BOOTCAMP_CAPACITY,
    ON_DEMAND_PRICES,
    RequestUnitPrices,
    measure,
    price_per_million,
    sustained_rate,
)
from cruddur_lab.modeling.pattern_costs import measure_patterns, measure_trade_offs, per_message
from cruddur_lab.modeling.scratch import scratch_table
from cruddur_lab.scripts.reads import get_conversation, read_all, sort_items


@pytest.fixture(scope="module")
def costs(seeded_once):
    """The patterns measured once on a seeded engine: the tests only read the figures (that
    measuring leaves the table as it was is a test of its own below)."""
    return measure_patterns(seeded_once)


def test_get_conversation_rcu_equals_a_computation_from_the_items_sizes(seeded_lab, costs):
    newest = sort_items(read_all(seeded_lab, "scan"))
    messages = [i for i in newest if i["pk"] == model.message_pk(model.SEED_GROUP_UUID)][-20:]
    by_hand = math.ceil(sum(item_size(m) for m in messages) / 4096) / 2  # one page, eventual
    assert costs["get-conversation"].cost.rcu == by_hand
    assert measure(seeded_lab, get_conversation, seeded_lab).cost.rcu == by_hand


def test_one_pattern_e_message_costs_8_table_wcu_plus_its_index_writes(costs):
    cost = costs["E"].cost
    # two group rows, each a transactional delete and put of an item under 1 KB: 2 x (2 + 2)
    assert cost.wcu == 8.0
    # each move takes a row out of the index and puts one in: 2 x 2 index writes, not
    # doubled by the transaction (measured on DynamoDB, tests/test_billing.py: B7)
    assert cost.index_wcu == 4.0
    assert cost.index_rcu == 0.5  # the handler's query of the sparse index


def test_messages_cost_no_index_write_thanks_to_the_sparse_index(costs):
    assert costs["C"].cost.wcu == 1.0
    assert costs["C"].cost.index_wcu == 0.0


def test_pattern_d_counts_its_index_writes(costs):
    cost = costs["D"].cost
    assert (cost.wcu, cost.index_wcu) == (6.0, 2.0)


def test_measuring_the_patterns_leaves_the_learners_table_as_it_was(seeded_lab):
    before = sort_items(read_all(seeded_lab, "scan"))
    measure_patterns(seeded_lab)
    assert sort_items(read_all(seeded_lab, "scan")) == before
    tables = seeded_lab.dynamodb.list_tables()["TableNames"]
    assert tables == [seeded_lab.settings.table_name]  # scratch tables are dropped


def test_sustained_rate_is_set_by_the_tightest_budget():
    message = Cost(wcu=9.0, index_rcu=1.0, index_wcu=8.0)  # C + E, per message
    rates = sustained_rate(message, BOOTCAMP_CAPACITY)
    assert rates["table_writes"] == pytest.approx(5 / 9)
    assert rates["index_writes"] == pytest.approx(5 / 8)
    assert rates["index_reads"] == 5.0
    assert rates["table_reads"] is None
    assert rates["limit"] == pytest.approx(5 / 9)


def test_price_per_million_multiplies_request_units_by_the_named_prices():
    prices = RequestUnitPrices(
        region="test", write_per_million=2.0, read_per_million=0.5, as_of="x", source="y"
    )
    cost = Cost(rcu=1.0, wcu=3.0, index_rcu=0.5, index_wcu=2.0)
    assert price_per_million(cost, prices) == (1.0 + 0.5) * 0.5 + (3.0 + 2.0) * 2.0
    assert ON_DEMAND_PRICES.as_of and ON_DEMAND_PRICES.source.startswith("https://aws.amazon")


def test_the_bootcamp_capacity_comes_from_the_model(monkeypatch):
    assert BOOTCAMP_CAPACITY.table_wcu == model.BOOTCAMP_THROUGHPUT["WriteCapacityUnits"]


def test_no_scratch_table_is_made_on_aws(seeded_lab):
    aws = type(seeded_lab)(seeded_lab.settings.with_(engine="aws"))
    with pytest.raises(ConfigError, match="never created on AWS"), scratch_table(aws):
        pass


def test_a_message_end_to_end_limits_the_bootcamps_table_to_five_ninths_a_second(costs):
    message = per_message(costs)
    assert message.cost.wcu == 9.0  # C's put + E's two transactional moves
    assert message.sustained()["limit"] == pytest.approx(5 / 9)


def test_the_safe_handler_costs_twice_the_bootcamps_and_sparseness_saves_an_index_write(
    seeded_lab, costs
):
    trade = measure_trade_offs(seeded_lab)
    bootcamp = trade["E-bootcamp"].cost
    assert [c.operation for c in trade["E-bootcamp"].requests] == [
        "Query",
        "DeleteItem",
        "PutItem",
        "DeleteItem",
        "PutItem",
    ]
    assert (bootcamp.wcu, bootcamp.index_wcu) == (4.0, 4.0)
    assert costs["E"].cost.wcu == 2 * bootcamp.wcu
    assert trade["C-not-sparse"].cost.index_wcu == 1.0
    assert costs["C"].cost.index_wcu == 0.0


def test_patterns_are_measured_after_the_data_even_when_the_clock_is_behind_it(seeded_lab):
    from cruddur_lab.clock import Clock

    seeded_lab.clock = Clock.pinned("2020-01-01T00:00:00+00:00")  # the data is years ahead
    seeded_lab.settings = seeded_lab.settings.with_(now="2020-01-01T00:00:00+00:00")
    assert measure_patterns(seeded_lab)["E"].cost.wcu == 8.0  # both rows still move forward
