"""The design comparison's frame (``modeling.design_comparison``): one table per design, the
same seed and clock, and what one action's requests cost by AWS's rules."""

from __future__ import annotations

import pytest

from cruddur_lab.capacity import Cost
from cruddur_lab.engine.trace import Call
from cruddur_lab.modeling.alternatives import CurrentDesign
from cruddur_lab.modeling.costs import Measured
from cruddur_lab.modeling.design_comparison import comparison_rows, measure, messages_per_second


def measured(*costs: Cost) -> Measured:
    return Measured("send", [Call("PutItem", {}, cost=cost) for cost in costs], design="d")


def test_the_scarcer_of_table_and_index_writes_binds_the_rate():
    assert messages_per_second(measured(Cost(wcu=1), Cost(index_wcu=2))) == 2.5
    assert messages_per_second(measured(Cost(wcu=1)), provisioned=10) == 10
    assert messages_per_second(measured(Cost(rcu=1))) == float("inf")  # no writes: no limit


def test_comparison_rows_sum_reads_of_table_and_index():
    (row,) = comparison_rows([measured(Cost(rcu=0.5, index_rcu=1, wcu=2))])
    assert row == {
        "design": "d",
        "action": "send",
        "requests": 1,
        "RCU": "1.5",
        "WCU table": "2",
        "WCU index": "0",
        "sent": "PutItem",
    }


@pytest.fixture
def design(lab):
    made = CurrentDesign(lab, "cruddur-alt-test")
    made.create()
    return made


def test_a_design_gets_its_own_seeded_table_on_the_labs_clock(lab, design):
    assert design.lab.settings.table_name == "cruddur-alt-test"
    assert design.lab.clock is lab.clock
    assert design.lab.dynamodb.scan(TableName="cruddur-alt-test", Select="COUNT")["Count"] > 100


def test_measure_records_only_the_designs_data_plane_requests(design):
    reader = design.user("bayko")
    found = measure(design, "read inbox (B)", lambda: design.inbox(reader))
    assert found.operations() == "Query"
    assert found.cost.rcu > 0
