"""The access-pattern catalogue: generated from the requests the patterns send."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cruddur_lab import model
from cruddur_lab.cli.commands import main
from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.modeling.catalogue import (
    build_catalogue,
    format_markdown,
    readme_block,
    write_readme_block,
)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def cli(seeded_lab, services, monkeypatch, capsys):
    """``cruddur-lab ARGS`` in-process, attached to the seeded session engine."""
    with open(os.environ["CRUDDUR_LAB_STATE"], "w") as handle:
        json.dump(
            {
                "pid": os.getpid(),
                "endpoint_url": services.endpoint_url,
                "connection_url": services.connection_url,
            },
            handle,
        )
    monkeypatch.setenv("CRUDDUR_NOW", DEFAULT_NOW)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_catalogue_json_has_one_object_per_pattern_with_its_cost(cli):
    code, out, err = cli("catalogue", "--json")
    assert (code, err) == (0, "")
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


def test_catalogue_prints_a_table_with_the_legend(cli):
    code, out, _ = cli("catalogue")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["pattern", "requests"]
    assert any(line.startswith("E (per message)") for line in lines)
    assert "Estimated on AWS from the items' sizes" in out


def test_catalogue_refuses_a_table_without_the_seed(lab, services, monkeypatch, capsys):
    from cruddur_lab.scripts.schema import schema_load

    schema_load(lab)
    with pytest.raises(Exception, match="run `cruddur-lab seed` first"):
        build_catalogue(lab)


def test_the_readmes_catalogue_block_is_current(seeded_lab):
    expected = format_markdown(build_catalogue(seeded_lab))
    assert readme_block(README.read_text()) == expected, (
        "README.md's catalogue is stale: run `cruddur-lab up --seed` and "
        "`cruddur-lab catalogue --markdown`"
    )


def test_markdown_rewrites_only_the_block(seeded_lab, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n\n{format_markdown([])}\n\nafter\n")
    entries = build_catalogue(seeded_lab)
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
