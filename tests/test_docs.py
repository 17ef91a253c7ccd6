"""Every sub-command has help and is in README.md; README and .ci/run agree on the tests."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from cruddur_lab.cli.commands import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
TEST_COMMAND = 'python -m pip install -e ".[test]" && python -m pytest'


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action


TOP = subcommands(build_parser())
NAMES = list(TOP.choices)


def test_every_registered_command_has_a_parser_and_back():
    assert set(NAMES) == set(COMMANDS)


@pytest.mark.parametrize("name", NAMES)
def test_every_subcommand_has_help(name):
    helps = {choice.dest: choice.help for choice in TOP._choices_actions}
    assert helps.get(name), f"`{name}` has no help line"
    parser = TOP.choices[name]
    assert parser.description, f"`{name}` has no description"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"`{name} {choice.dest}` has no help line"
        elif not isinstance(action, argparse._HelpAction):
            assert action.help, (
                f"`{name}`: option {action.option_strings or action.dest} lacks help"
            )


@pytest.mark.parametrize("name", NAMES)
def test_every_subcommand_is_in_the_readme(name):
    assert re.search(rf"`cruddur-lab {re.escape(name)}[` \[]", README), (
        f"README.md does not mention `cruddur-lab {name}`"
    )


def test_readme_opens_with_the_main_job_and_the_test_command():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    assert blocks[0].strip().startswith("python -m pip install -e . && ")
    assert blocks[1].strip() == TEST_COMMAND


def test_ci_runs_the_readmes_test_command():
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()


def test_every_environment_variable_the_settings_read_is_documented():
    source = (ROOT / "cruddur_lab" / "engine" / "settings.py").read_text()
    from cruddur_lab.engine.settings import ENGINE_OPTIONS

    names = set(re.findall(r"""(?:env|environ)\.get\(["']([A-Z_]+)["']""", source))
    names |= {name for option in ENGINE_OPTIONS for name in option.environment}
    names.add("CRUDDUR_LAB_STATE")
    assert {"AWS_ENDPOINT_URL", "CONNECTION_URL", "DDB_MESSAGE_TABLE"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert missing == []


#: A path in the repository: rooted at one of its top folders, in prose or a command.
REPO_PATH = re.compile(
    r"(?<![\w/.$-])((?:cruddur_lab|tests|notebooks|benchmarks|\.ci)/[\w./*-]*[\w*/])"
)


def test_every_repository_path_the_readme_names_exists():
    """It named cruddur_lab/deploy/handler.py and template.yaml after they moved under
    cruddur_lab/app/deploy/, so its `aws cloudformation deploy` line failed as written."""
    named = sorted(set(REPO_PATH.findall(README)))
    assert "cruddur_lab/app/deploy/template.yaml" in named
    missing = [path for path in named if not list(ROOT.glob(path.rstrip("/")))]
    assert missing == []


def test_the_layer_tables_modules_and_folders_exist():
    """The development section's layer table names files of ``cruddur_lab/``."""
    table = README[README.index("### Layout: the layers on disk") :]
    table = table[: table.index("\n\n", table.index("| layer |"))]
    named = re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE)[1:]
    paths = [p for cell in named for p in re.findall(r"`([^`]+)`", cell)]
    assert "engine/" in paths and "model.py" in paths
    assert [p for p in paths if not (ROOT / "cruddur_lab" / p).exists()] == []
