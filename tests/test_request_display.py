"""The one request renderer (``notebook.request_display``): compact text, the full wire form
folded away in HTML."""

from __future__ import annotations

import json

from cruddur_lab import model
from cruddur_lab.app.patterns import create_message_group, provision_caller
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.request_display import Requests, format_parameters, format_requests


def started(seeded_lab):
    caller = provision_caller(seeded_lab, "andrewbrown")
    with recording(seeded_lab) as calls:
        create_message_group(seeded_lab, caller, "londo", "Ambassador, a word?")
    return calls


def test_a_transaction_is_one_line_per_action_within_120_columns(seeded_lab):
    """It was about 60 lines of JSON in notebook 09."""
    calls = started(seeded_lab)
    text = format_requests([c for c in calls if c.operation == "TransactWriteItems"])
    lines = text.splitlines()
    assert lines[0].startswith(
        "TransactWriteItems cruddur-messages  (consumed, as the engine reported: "
    )
    assert len(lines) == 4  # the head and three Puts: two group rows and the message
    assert [line.split()[0] for line in lines[1:]] == ["Put", "Put", "Put"]
    assert all(line.endswith("7 attributes  if attribute_not_exists(pk)") for line in lines[1:])
    assert max(len(line) for line in lines) <= 120


def test_the_html_folds_the_full_wire_form_away_under_each_request(seeded_lab):
    calls = started(seeded_lab)
    shown = Requests(calls)._repr_html_()
    assert shown.count("<details>") == len(calls)
    transaction = next(c for c in calls if c.operation == "TransactWriteItems")
    assert '"Ambassador, a word?"' in json.dumps(transaction.wire)
    assert "Ambassador, a word?" in shown  # in the folded wire form, not in the compact text
    assert "Ambassador" not in repr(Requests([transaction]))


def test_a_single_request_shows_its_parameters_as_sent(seeded_lab):
    calls = started(seeded_lab)
    query = format_requests([calls[0]])
    assert query.startswith("Query  (consumed, as the engine reported: ")
    assert '"KeyConditionExpression": "#n1 = :v1"' in query


def test_create_table_fits_on_a_screen():
    """Notebook 01 printed the spec as 57 lines of indented JSON."""
    text = format_parameters("CreateTable", model.create_table_spec())
    assert text.splitlines()[0] == "CreateTable"
    assert json.loads(text.split("\n", 1)[1]) == model.create_table_spec()
    assert len(text.splitlines()) <= 25
    assert max(len(line) for line in text.splitlines()) <= 120


def test_a_measured_pattern_is_one_line_per_request_beside_the_engines_figures(seeded_lab):
    """Notebook 11 listed each request in three or four wrapped lines (``format_pattern``)."""
    from cruddur_lab.modeling.costs import measure
    from cruddur_lab.notebook.request_display import PatternRequests

    caller = provision_caller(seeded_lab, "andrewbrown")
    measured = measure(seeded_lab, create_message_group, seeded_lab, caller, "londo", "Hi")
    shown = PatternRequests(measured)
    rows = shown.rows()
    requests = [row for row in rows if row["kind"] == "request"]
    assert len(requests) == len(measured.requests)
    for row, call in zip(requests, measured.requests, strict=True):
        assert (row["rcu"], row["wcu"], row["index_wcu"]) == (
            call.cost.rcu,
            call.cost.wcu,
            call.cost.index_wcu,
        )
    (total,) = [row for row in rows if row["kind"] == "total"]
    assert total["wcu"] == measured.cost.wcu and total["index_wcu"] == measured.cost.index_wcu
    text = repr(shown)
    assert max(len(line) for line in text.splitlines()) <= 120
    # A request and its four figures on one line; only a long key list wraps.
    assert len(text.splitlines()) <= 2 + 2 * len(measured.requests) + 2
    assert "filter user_uuid = " in text  # the membership check's filter is said
    assert text.splitlines()[-1].startswith("figures: reported by the embedded engine")
    assert shown._repr_html_().count("<tr>") == 1 + len(rows)  # the head, then a row each
