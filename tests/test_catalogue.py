"""The access-pattern catalogue: generated from the requests the patterns send."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import cli  # noqa: F401  (the in-process CLI fixture)

from cruddur_lab import model
from cruddur_lab.modeling.catalogue import (
    build_catalogue,
    format_markdown,
    readme_block,
    write_readme_block,
)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def seeded_cli(cli):  # noqa: F811
    """``cruddur-lab ARGS`` in-process on the session engine (test_cli's fixture), seeded."""
    cli("schema-load")
    cli("seed")
    return cli


@pytest.fixture(scope="module")
def entries_of_the_seed(seeded_once):
    """``build_catalogue`` of a freshly seeded engine, built once: the tests below only read
    the entries (a plain list of dicts)."""
    return build_catalogue(seeded_once)


def test_catalogue_json_has_one_object_per_pattern_with_its_cost(seeded_cli):
    code, out, err = seeded_cli("catalogue", "--json")
    assert code == 0
    assert err == (
        "cruddur-lab: measured on a scratch copy of table 'cruddur-messages' (its current items)\n"
    )
    entries = {e["pattern"]: e for e in json.loads(out)}
    assert {"seed", "scan", "get-conversation", "list-conversations"} <= set(entries)
    assert {"A", "B", "C", "D", "E"} <= set(entries)
    for entry in entries.values():
        assert {"operations", "index", "key_condition", "rcu", "wcu", "index_wcu"} <= set(entry)
    assert entries["A"]["operations"] == ["Query", "Query"]
    assert entries["A"]["index"] == model.GSI_NAME
    assert entries["E"]["wcu"] == 8.0
    assert entries["get-conversation"]["key_condition"] == "pk = MSG#<group uuid>"
    assert entries["get-conversation"]["example"] == {
        "MSG#": model.message_pk(model.SEED_GROUP_UUID)
    }


def test_catalogue_prints_the_notebooks_table_within_120_columns(seeded_cli):
    code, out, _ = seeded_cli("catalogue")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["pattern", "RCU", "WCU"]
    assert any(line.startswith("E (per message)") for line in lines)
    assert "Units: the ConsumedCapacity the engine reported" in out
    assert max(len(line) for line in lines) <= 120  # it printed lines of 394 columns


def test_catalogue_on_a_fresh_engine_measures_a_seeded_scratch_table_and_says_so():
    """A newcomer's first try said the table does not exist."""
    from test_cli import run_fresh

    done = run_fresh("catalogue", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "cruddur-lab: table 'cruddur-messages' has no seed conversation: measured on a "
        "seeded scratch table (as `cruddur-lab seed` seeds), then deleted\n"
    )
    entries = {e["pattern"]: e for e in json.loads(done.stdout)}
    assert entries["get-conversation"]["example"] == {
        "MSG#": model.message_pk(model.SEED_GROUP_UUID)
    }
    tables = {r["table"] for e in entries.values() for r in e["requests"]}
    assert tables == {"cruddur-messages"}  # never the scratch table's name
    assert "scratch" not in done.stdout


def test_the_catalogue_shows_index_writes_undoubled_by_transactions(seeded_cli):
    # Measured on DynamoDB (tests/test_billing.py, capture B7): a transaction doubles the
    # table's units, not the index's. E moves two group rows (2 index writes each), D puts
    # two group rows into the index.
    code, out, _ = seeded_cli("catalogue", "--json")
    assert code == 0
    entries = {e["pattern"]: e for e in json.loads(out)}
    assert (entries["E"]["wcu"], entries["E"]["index_wcu"]) == (8.0, 4.0)
    assert (entries["D"]["wcu"], entries["D"]["index_wcu"]) == (6.0, 2.0)


def test_catalogue_refuses_a_table_without_the_seed(lab):
    from cruddur_lab.scripts.schema import schema_load

    schema_load(lab)
    with pytest.raises(Exception, match="run `cruddur-lab seed` first"):
        build_catalogue(lab)


def test_the_readmes_catalogue_block_is_current(entries_of_the_seed):
    expected = format_markdown(entries_of_the_seed)
    assert readme_block(README.read_text()) == expected, (
        "README.md's catalogue is stale: run `cruddur-lab up --seed` and "
        "`cruddur-lab catalogue --markdown`"
    )


def test_markdown_rewrites_only_the_block(entries_of_the_seed, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n\n{format_markdown([])}\n\nafter\n")
    entries = entries_of_the_seed
    assert write_readme_block(entries, readme) is True
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "| E (per message) |" in text
    assert write_readme_block(entries, readme) is False


def test_the_index_name_comes_from_the_model(lab, monkeypatch):
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    monkeypatch.setattr(model, "GSI_NAME", "renamed-index")
    schema_load(lab)
    seed(lab)
    entries = {e["pattern"]: e for e in build_catalogue(lab)}
    assert entries["A"]["index"] == "renamed-index"
    assert entries["E"]["index"] == "renamed-index"


def test_markdown_into_a_readme_without_markers_is_one_line_and_writes_nothing(
    seeded_cli, tmp_path
):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n")
    code, out, err = seeded_cli("catalogue", "--markdown", "--readme", str(readme))
    assert code == 2 and out == ""
    assert err.startswith("cruddur-lab: error: ") and "has no catalogue markers" in err
    assert len(err.strip().splitlines()) == 1
    assert readme.read_text() == "# no markers here\n"


def test_catalogue_refuses_aws_before_sending_anything(seeded_lab):
    from cruddur_lab.engine.trace import recording
    from cruddur_lab.errors import ConfigError

    aws = type(seeded_lab)(seeded_lab.settings.with_(engine="aws"))
    with recording(aws) as calls, pytest.raises(ConfigError, match="never created on AWS"):
        build_catalogue(aws)
    assert calls == []


def test_the_notebooks_catalogue_is_an_html_table_with_a_plain_text_form_in_120_columns(
    entries_of_the_seed,
):
    from cruddur_lab.notebook.view_drawings import CatalogueTable

    entries = entries_of_the_seed
    shown = CatalogueTable(entries)
    text = repr(shown)
    assert max(len(line) for line in text.splitlines()) <= 120
    # Nothing is cut: each pattern's requests read whole once the wrapped lines are joined.
    joined = " ".join(text.split())
    for entry in entries:
        sent = {r["operation"] for r in entry["requests"]}
        assert all(operation in joined for operation in sent)
    assert "TransactWriteItems (table, transactional) x2" in joined
    html = shown._repr_html_()
    assert html.count("<tr>") == len(entries) + 1  # the header and one row a pattern
    assert "key condition" in html and "$ per M" in html
