"""Capacity planning: a traffic profile turned into a month, on-demand against provisioned.

The hand computation below is the test's own arithmetic: per-call units read off the
catalogue (``cruddur-lab catalogue --json``), item sizes read off the table after the app
writes a message and starts a conversation, prices from the dated parameters. None of it
calls the planning module.
"""

from __future__ import annotations

import json
import math

import pytest
from test_cli import cli  # noqa: F401  (the in-process CLI fixture)

from cruddur_lab import model
from cruddur_lab.capacity import item_size
from cruddur_lab.modeling.costs import CAPACITY_PRICES, ON_DEMAND_PRICES

#: The profile computed by hand (chosen so that every provisioned arm rounds up).
PROFILE = {
    "--users": 1000,
    "--messages": 10,
    "--conversations": 0.5,
    "--inbox-reads": 2,
    "--conversation-reads": 3,
    "--peak": 3,
    "--target-utilization": 0.5,
}
ARMS = {"table_rcu": "rcu", "table_wcu": "wcu", "index_rcu": "index_rcu", "index_wcu": "index_wcu"}


def _flags(profile: dict[str, float]) -> list[str]:
    return [part for flag, value in profile.items() for part in (flag, str(value))]


def _scan(lab) -> dict[tuple[str, str], dict]:
    return {(i["pk"], i["sk"]): i for i in lab.table.scan()["Items"]}


def _left_behind(lab, run) -> list[dict]:
    """The items ``run`` adds to the table (read back, not computed)."""
    before = _scan(lab)
    run()
    return [item for key, item in _scan(lab).items() if key not in before]


def _by_hand(lab, catalogue: dict[str, dict]) -> dict[str, float]:
    from cruddur_lab.app.patterns import create_message, create_message_group, provision_caller
    from cruddur_lab.modeling.pattern_costs import MEASURED_MESSAGE

    users = PROFILE["--users"]
    messages = users * PROFILE["--messages"]
    started = users * PROFILE["--conversations"]
    sent = messages + started  # every message, C's and D's, is one Pattern E run
    per_day = {
        "A": sent * PROFILE["--conversation-reads"],
        "B": sent * PROFILE["--inbox-reads"],
        "C": messages,
        "D": started,
        "E": sent,
    }
    days = 730 / 24
    units = {
        arm: sum(per_day[p] * days * catalogue[p][key] for p in per_day)
        for arm, key in ARMS.items()
    }
    reads = units["table_rcu"] + units["index_rcu"]
    writes = units["table_wcu"] + units["index_wcu"]
    on_demand = (
        reads * ON_DEMAND_PRICES.read_per_million + writes * ON_DEMAND_PRICES.write_per_million
    ) / 1_000_000
    capacity = {
        arm: max(
            1,
            math.ceil(
                sum(per_day[p] * catalogue[p][key] for p in per_day)
                / 86_400
                * PROFILE["--peak"]
                / PROFILE["--target-utilization"]
            ),
        )
        for arm, key in ARMS.items()
    }
    hourly = {
        "table_rcu": CAPACITY_PRICES.read_unit_hour,
        "index_rcu": CAPACITY_PRICES.read_unit_hour,
        "table_wcu": CAPACITY_PRICES.write_unit_hour,
        "index_wcu": CAPACITY_PRICES.write_unit_hour,
    }
    provisioned = sum(capacity[arm] * hourly[arm] * 730 for arm in ARMS)

    # Storage: what one C and one D leave in the table, read back after the app wrote them.
    # E moves the two group rows (delete and put of each): it adds no item.
    caller = provision_caller(lab, model.SEED_GROUP_HANDLES[0])
    message_rows = _left_behind(
        lab, lambda: create_message(lab, caller, model.SEED_GROUP_UUID, MEASURED_MESSAGE)
    )
    stranger = model.SEED_USERS[2][0]
    new_conversation = _left_behind(
        lab, lambda: create_message_group(lab, caller, stranger, MEASURED_MESSAGE)
    )
    assert len(message_rows) == 1 and len(new_conversation) == 3
    in_index = [i for i in new_conversation if model.GSI_PARTITION_KEY in i]
    assert len(in_index) == 2  # the group rows; the message row stays out of the sparse index
    month_c, month_d = per_day["C"] * days, per_day["D"] * days
    items = month_c + 3 * month_d
    index_items = 2 * month_d
    table_bytes = month_c * item_size(message_rows[0]) + month_d * sum(
        item_size(i) for i in new_conversation
    )
    index_bytes = month_d * sum(item_size(i) for i in in_index)
    stored = table_bytes + index_bytes + 100 * (items + index_items)
    storage = stored / 1024**3 * CAPACITY_PRICES.storage_gb_month
    return {
        **{f"units_{arm}": value for arm, value in units.items()},
        "on_demand": on_demand,
        "provisioned": provisioned,
        "storage": storage,
        "stored": stored,
        "items": items,
        "index_items": index_items,
        "table_bytes": table_bytes,
        "index_bytes": index_bytes,
    }


def test_plan_json_agrees_with_a_hand_computation_to_the_cent(cli, lab):  # noqa: F811
    cli("schema-load")
    cli("seed")
    code, out, err = cli("catalogue", "--json")
    assert code == 0, err
    catalogue = {entry["pattern"]: entry for entry in json.loads(out)}
    code, out, err = cli("plan", *_flags(PROFILE), "--json")
    assert (code, err) == (0, "")
    total = json.loads(out)["total"]

    hand = _by_hand(lab, catalogue)

    for arm in ARMS:
        assert total["units"][arm] == pytest.approx(hand[f"units_{arm}"], rel=1e-12)
    assert round(total["on_demand_usd"], 2) == round(hand["on_demand"], 2)
    assert round(total["provisioned_usd"], 2) == round(hand["provisioned"], 2)
    assert round(total["storage_usd"], 2) == round(hand["storage"], 2)
    assert total["items"] == pytest.approx(hand["items"])
    assert total["index_items"] == pytest.approx(hand["index_items"])
    assert total["item_bytes"] == pytest.approx(hand["table_bytes"])
    assert total["index_bytes"] == pytest.approx(hand["index_bytes"])
    assert total["stored_bytes"] == pytest.approx(hand["stored"])  # 100 bytes an item more
    assert hand["on_demand"] > 1 and hand["provisioned"] > 1  # not a comparison of zeros
    cheaper = "on-demand" if hand["on_demand"] <= hand["provisioned"] else "provisioned"
    assert total["cheaper"] == cheaper


def test_plan_prints_tables_within_120_columns_with_what_is_not_modeled(cli):  # noqa: F811
    code, out, err = cli("plan")
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 120
    assert "not an invoice" in out
    for left_out in ("reserved capacity", "free tier", "burst and adaptive", "data transfer"):
        assert left_out in out
    assert "backups" in out


def test_a_rate_given_directly_replaces_the_profiles(cli):  # noqa: F811
    code, out, _ = cli("plan", "--rate", "D=0", "--rate", "b=7", "--json")
    assert code == 0
    rates = {line["pattern"]: line["calls_per_day"] for line in json.loads(out)["patterns"]}
    assert rates["D"] == 0 and rates["B"] == 7
    assert rates["E"] == rates["C"] + 30 * 0.2  # the profile's messages still drive E


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--users", "0"], "daily users must be more than 0, got 0"),
        (["--messages", "-1"], "messages per user cannot be negative"),
        (["--peak", "0.5"], "peak-to-average must be at least 1"),
        (["--users", "many"], "--users takes a number, got 'many'"),
        (["--rate", "F=3"], "no pattern 'F' to set a rate for: use one of A-E"),
        (["--rate", "C"], "--rate takes PATTERN=CALLS (e.g. C=600), got 'C'"),
    ],
)
def test_bad_plan_input_is_one_line_and_exit_2(cli, args, line):  # noqa: F811
    code, out, err = cli("plan", *args)
    assert code == 2 and out == ""
    assert err.startswith("cruddur-lab: error: ") and line in err
    assert len(err.strip().splitlines()) == 1


def test_the_brief_plan_keeps_both_tables_and_the_verdict_and_leaves_the_repeats_out():
    """Notebook 11 shows a second plan beside the first: 43 lines again, most of them the same."""
    from cruddur_lab.modeling.capacity_plan import PerCall, Profile, plan
    from cruddur_lab.modeling.plan_report import format_plan

    figures = {
        name: PerCall(name, f"pattern {name}", "call", 1.0, 2.0, 0.5, 1.0, items=1, item_bytes=300)
        for name in "ABCDE"
    }
    result = plan(Profile(daily_users=100_000), figures)
    full, brief = format_plan(result), format_plan(result, brief=True)
    kept = ("Request units a month", "Provisioned for the peak", f"Cheaper: {result.total.cheaper}")
    assert all(title in brief for title in kept)
    assert "Storage a month's writes leave" in full and "Storage a month" not in brief
    assert "not an invoice" in full and "not an invoice" not in brief
    assert "Calls a day" not in brief
    assert len(brief.splitlines()) < len(full.splitlines()) * 2 / 3
    assert max(len(line) for line in brief.splitlines()) <= 120
