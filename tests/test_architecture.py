"""The layers of ``cruddur_lab`` as import-linter contracts (pyproject ``[tool.importlinter]``).

The contracts are checked on the real package, and once on a scratch copy with a wrong import
added, to show that the check can fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())",
]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH puts the folder's own cruddur_lab first (the scratch copy, not the install).
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "HOME": str(cwd)}
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_package_keeps_every_import_contract():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_layer_folders_are_what_ls_shows():
    folders = {p.name for p in (ROOT / "cruddur_lab").iterdir() if (p / "__init__.py").exists()}
    assert folders == {"engine", "scripts", "app", "modeling", "notebook", "cli"}


@pytest.mark.parametrize("layer", ["engine", "scripts", "app", "modeling", "notebook"])
def test_each_layer_lists_every_module_it_holds_in_all(layer):
    # A layer's __all__ is its table of contents; a module added without it goes unseen there.
    # (cli's __all__ is its entry point, ``main``, so it is not a list of modules.)
    import importlib
    import pkgutil

    package = importlib.import_module(f"cruddur_lab.{layer}")
    modules = {found.name for found in pkgutil.iter_modules(package.__path__)}
    assert set(package.__all__) == modules


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "cruddur_lab", tmp_path / "cruddur_lab", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_a_lower_layer_importing_a_higher_one_breaks_the_layers(scratch):
    # The engine reaching up into the app, e.g. to call a pattern.
    _append(scratch / "cruddur_lab/engine/lab.py", "from cruddur_lab.app import patterns  # noqa")
    done = lint(scratch)
    assert done.returncode != 0
    assert "cruddur_lab.engine.lab -> cruddur_lab.app.patterns" in done.stdout


def test_an_import_cycle_between_siblings_is_refused(scratch):
    # usersdb and seed are one layer; seed already imports usersdb, so this closes a cycle.
    _append(
        scratch / "cruddur_lab/scripts/usersdb.py", "from cruddur_lab.scripts import seed  # noqa"
    )
    done = lint(scratch)
    assert done.returncode != 0
    assert "No import cycles" in done.stdout and "BROKEN" in done.stdout


def test_the_lambda_folder_cannot_import_the_package(scratch):
    _append(scratch / "cruddur_lab/app/deploy/handler.py", "from cruddur_lab import model  # noqa")
    done = lint(scratch)
    assert done.returncode != 0
    assert "cruddur_lab.app.deploy.handler -> cruddur_lab.model" in done.stdout
