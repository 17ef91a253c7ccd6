"""The stored notebooks stay clean, complete and in step with their paired sources.

nbval compares every stored output byte for byte; these checks keep out what would make that
comparison flaky (ids, addresses, ports, timing metadata) or hide a failure (error outputs,
stderr), and make sure each notebook is the one its percent-format source describes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cruddur_lab.notebook.files import (
    KERNEL_NAME,
    cells_of,
    clean,
    discover,
    notebooks_dir,
    problems,
    read_source,
    source_of,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = discover(folder=ROOT / "notebooks")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_every_story_of_the_walkthrough_has_a_notebook():
    stems = [path.stem for path in NOTEBOOKS]
    assert stems[0] == "00_start_here"
    for topic in ("schema_load", "seed", "scan", "conversations", "cognito_user_ids"):
        assert any(topic in stem for stem in stems), topic
    for pattern in "abcde":
        assert any(f"_pattern_{pattern}_" in stem for stem in stems), pattern
    assert [stem[:2] for stem in stems] == [f"{n:02d}" for n in range(len(stems))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_clean(path):
    nb = _read(path)
    assert problems(nb) == []
    assert nb.metadata["kernelspec"]["name"] == KERNEL_NAME


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_paired_source(path):
    assert source_of(path).is_file(), f"{path.name} has no paired .py source"
    assert cells_of(_read(path)) == cells_of(read_source(source_of(path)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_pins_the_clock_and_names_the_table(path):
    nb = _read(path)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values: dict = {}
    exec(cell.source, {}, values)  # the cell is plain assignments, as papermill requires
    assert values["engine"] is None
    assert values["now"] == "2026-03-01T12:00:00+00:00"
    assert values["table_name"] == "cruddur-messages"
    assert values["reset"] is False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_closes_its_lab_and_has_an_asserting_check(path):
    nb = _read(path)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[-1].strip() == "lab.close()"
    assert any("assert " in source and "checks passed" in source for source in code)


def _dirty_notebook():
    cell = new_code_cell("print(lab)", execution_count=1)
    cell.metadata["execution"] = {"iopub.execute_input": "2026-03-01T12:00:00Z"}
    cell.metadata["papermill"] = {"duration": 1.2}
    cell.outputs = [
        new_output("stream", name="stdout", text="<Lab object at 0x7f4ecab320d0>\n"),
        new_output("stream", name="stderr", text="UserWarning: careful\n"),
        new_output("stream", name="stdout", text="RequestId: 3f2a\n"),
        new_output("stream", name="stdout", text="endpoint http://127.0.0.1:43121\n"),
        new_output("error", ename="ValueError", evalue="x", traceback=[]),
    ]
    nb = new_notebook(cells=[new_markdown_cell("# Aim"), cell, new_code_cell("x = 1")])
    nb.metadata["papermill"] = {"parameters": {}}
    nb.metadata["kernelspec"] = {"name": "conda-env-py", "display_name": "x", "language": "python"}
    return nb


def test_problems_names_each_kind_of_dirt():
    found = problems(_dirty_notebook())
    expected = [
        "kernelspec is 'conda-env-py', expected 'python3'",
        "notebook metadata holds papermill",
        "no cell is tagged 'parameters'",
        "no 'Theory' heading",
        "no 'Check' heading",
        "cell 2: metadata holds execution, papermill",
        "cell 2: a memory address in an output",
        "cell 2: a stderr stream",
        "cell 2: a request id in an output",
        "cell 2: a loopback port in an output",
        "cell 2: an error output (ValueError)",
        "cell 3: never executed (no stored output to compare)",
    ]
    for line in expected:
        assert line in found, line


def test_clean_drops_metadata_and_numbers_cells():
    nb = clean(_dirty_notebook())
    assert nb.metadata == {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    assert [cell.id for cell in nb.cells] == ["cell-00", "cell-01", "cell-02"]
    assert all(cell.metadata == {} for cell in nb.cells)


def test_notebooks_dir_is_found_from_the_project_folder():
    assert notebooks_dir(ROOT) == ROOT / "notebooks"


def test_clean_joins_consecutive_prints_so_timing_never_changes_the_file():
    cell = new_code_cell("print(1); work(); print(2)", execution_count=1)
    cell.outputs = [
        new_output("stream", name="stdout", text="1\n"),
        new_output("stream", name="stdout", text="2\n"),
        new_output("execute_result", data={"text/plain": "3"}, execution_count=1),
        new_output("stream", name="stdout", text="4\n"),
    ]
    (cleaned,) = clean(new_notebook(cells=[cell])).cells
    assert [(o.output_type, o.get("text")) for o in cleaned.outputs] == [
        ("stream", "1\n2\n"),
        ("execute_result", None),
        ("stream", "4\n"),
    ]


def _nbval(notebook: Path) -> subprocess.CompletedProcess:
    """nbval as the test command runs it, on one notebook (the project's addopts set aside,
    since they leave tests/fixtures out of collection)."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider"),
            *("--nbval", "--nbval-current-env", "-q", str(notebook)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_nbval_fails_a_notebook_that_prints_a_random_uuid():
    result = _nbval(ROOT / "tests" / "fixtures" / "random_uuid1.ipynb")
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout


def test_nbval_passes_the_same_notebook_printing_a_derived_uuid():
    result = _nbval(ROOT / "tests" / "fixtures" / "stable_uuid1.ipynb")
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout
