"""Every engine option on every command: honoured or refused in one line, never dropped.

Each option is given a value ``resolve`` refuses. A command that honours the option resolves
it and fails with that option's one line; a command that does not use it refuses it by name.
Either way the exit code is 2 and nothing runs. A command that dropped the option would run
on the default instead (exit 0, or a later failure): that is the bug this file guards.
"""

from __future__ import annotations

import argparse
import json

import pytest

from cruddur_lab.cli.commands import build_parser, main
from cruddur_lab.engine.settings import ENGINE_OPTIONS, notebook_parameters, resolve

#: A value each option's resolution refuses, and what its one line must name.
REFUSED_VALUES = {
    "engine": "endpoint",  # engine endpoint without a URL
    "endpoint_url": "not-a-url",
    "connection_url": "not-a-url",
    "table_name": "x!",
    "table_prefix": "bad prefix!",
    "region": "no region",
    "profile": "sandbox",  # the embedded engine never reads one
    "up": "nosuch",  # no `up` of that name runs
    "now": "yesterday",
}


def _first_choice(parser: argparse.ArgumentParser) -> list[str]:
    """The shortest words a sub-command parses: its required positionals and options."""
    words: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            name, sub = next(iter(action.choices.items()))
            return [*words, name, *_first_choice(sub)]
        if action.option_strings:
            if action.required:
                words += [action.option_strings[0], "andrewbrown"]
            continue
        if action.nargs in ("?", "*") or action.dest == "help":
            continue
        words.append(action.choices[0] if action.choices else "x")
    return words


def _commands() -> list[list[str]]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [[name, *_first_choice(sub)] for name, sub in commands.choices.items()]


# `up` and `lab` get port 1, so a dropped option fails to bind instead of serving forever.
SAFE_EXTRA = {"up": ["--port", "1"], "lab": ["--port", "1"], "run": ["--output", "{tmp}"]}


def test_every_declared_option_has_a_refused_value():
    assert sorted(REFUSED_VALUES) == sorted(option.attribute for option in ENGINE_OPTIONS)


@pytest.mark.parametrize("words", _commands(), ids=lambda words: " ".join(words))
def test_every_engine_option_is_honoured_or_refused_in_one_line(words, capsys, tmp_path):
    extra = [w.replace("{tmp}", str(tmp_path)) for w in SAFE_EXTRA.get(words[0], [])]
    for option in ENGINE_OPTIONS:
        value = REFUSED_VALUES[option.attribute]
        code = main([*words, *extra, option.flag, value])
        err = capsys.readouterr().err
        lines = err.splitlines()
        assert code == 2, f"{' '.join(words)} {option.flag} {value}: exit {code}\n{err}"
        assert len(lines) == 1 and lines[0].startswith("cruddur-lab: error: "), err
        assert option.flag in lines[0] or repr(value)[1:-1] in lines[0], lines[0]


def test_export_names_the_prefixed_table(capsys):
    assert main(["export", "cloudformation", "--table-prefix", "alice-"]) == 0
    template = json.loads(capsys.readouterr().out)
    assert template["Parameters"]["TableName"]["Default"] == "alice-cruddur-messages"


def test_export_reads_the_prefix_from_the_environment_too(capsys, monkeypatch):
    monkeypatch.setenv("CRUDDUR_TABLE_PREFIX", "bob-")
    assert main(["export", "workbench"]) == 0
    assert "bob-cruddur-messages" in json.dumps(json.loads(capsys.readouterr().out))


def test_run_passes_the_prefixed_table_to_the_notebooks():
    settings = resolve(table_prefix="alice-", environ={})
    assert notebook_parameters(settings, {"table_prefix": "alice-"}) == {
        "table_name": "alice-cruddur-messages"
    }
    assert notebook_parameters(settings, {"region": "eu-west-1"}) == {}


def test_a_wrong_prefix_is_named_as_the_prefix():
    from cruddur_lab.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        resolve(table_prefix="a b", environ={})
    assert str(caught.value) == (
        "table prefix 'a b' is not valid in a DynamoDB table name: use letters, digits, '_', "
        "'-' or '.' (--table-prefix or CRUDDUR_TABLE_PREFIX)"
    )
