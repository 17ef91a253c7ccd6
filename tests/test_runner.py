"""``cruddur-lab run``: papermill batches on one shared engine, as a user runs them.

Each test runs the real command in a subprocess (which starts its own embedded engine) from
the project folder, so the notebooks, kernels and papermill are the real ones.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from lab_support import clean_environment

from cruddur_lab.notebook.files import discover
from cruddur_lab.notebook.runner import parameters_from, parse_value

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    # One shared engine, one notebook at a time: test_parallel_run covers --jobs.
    return subprocess.run(
        [sys.executable, "-m", "cruddur_lab.cli", "run", "--jobs", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def code_outputs(path: Path) -> list[str]:
    """The text each code cell printed, without papermill's injected parameters cell."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        texts.append("".join(o.get("text", "") for o in cell.get("outputs", [])))
    return texts


def test_a_selection_runs_on_one_shared_engine_and_ends_with_a_summary(tmp_path):
    sources = {p: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    result = run_cli("00", "03_scan", "--output", str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "engine: embedded (started for this run: moto + embedded PostgreSQL)"
    assert lines[1].startswith("[1/2] 00_start_here: ok (")
    assert lines[2].startswith("[2/2] 03_scan: ok (")
    assert lines[4].split() == ["notebook", "status", "seconds"]
    assert lines[6].split()[:2] == ["00_start_here", "ok"]
    assert lines[7].split()[:2] == ["03_scan", "ok"]
    assert "2 notebooks: 2 ok, 0 failed" in lines[8] and str(tmp_path) in lines[8]
    # The kernel used the runner's engine, not one of its own.
    start = code_outputs(tmp_path / "00_start_here.ipynb")
    assert any(
        text.startswith("engine: embedded (shared: moto + embedded PostgreSQL)\n") for text in start
    )
    # Data is emptied between notebooks: the executed copy shows what the stored one shows.
    assert code_outputs(tmp_path / "03_scan.ipynb") == code_outputs(
        ROOT / "notebooks" / "03_scan.ipynb"
    )
    # Sources are never written.
    assert {p: p.read_bytes() for p in sources} == sources


def test_a_failing_notebook_is_named_with_its_cell_and_line_and_the_run_goes_on(tmp_path):
    result = run_cli(
        str(FIXTURES / "broken1.ipynb"),
        str(FIXTURES / "parameters1.ipynb"),
        "--output",
        str(tmp_path),
    )

    assert result.returncode == 1
    assert "[1/2] broken1: FAILED (" in result.stdout
    assert "[2/2] parameters1: ok (" in result.stdout
    assert "2 notebooks: 1 ok, 1 failed" in result.stdout
    failure = (
        "broken1 failed at In [3] `total = count / 0`: ZeroDivisionError: division by zero "
        f"(see {tmp_path / 'broken1.ipynb'})"
    )
    assert result.stdout.splitlines()[-1] == failure
    # The executed copy keeps what ran before the failure, and nothing after it.
    executed = nbformat.read(tmp_path / "broken1.ipynb", as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert code_outputs(tmp_path / "broken1.ipynb") == ["", "hello 1\n", "about to divide\n", ""]
    assert [o.output_type for o in code[2].outputs] == ["stream", "error"]
    assert code[3].execution_count is None


def test_parameters_reach_the_notebook_with_their_types(tmp_path):
    result = run_cli(
        str(FIXTURES / "parameters1.ipynb"),
        *("-p", "greeting", "bonjour", "-p", "count", "3", "-p", "maybe", "None"),
        *("-p", "ratio", "1.5", "--output", str(tmp_path)),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert 'parameters: {"count": 3, "greeting": "bonjour", "maybe": null, "ratio": 1.5}' in (
        result.stdout
    )
    printed = code_outputs(tmp_path / "parameters1.ipynb")[-1]
    assert printed == "'bonjour' 3 1.5 None\nshared engine state: True\n"


#: The notebooks whose code computes with the clock's year (04 and 07), and those that make
#: and read the shared data they build on (00 seeds it, 02 finds it there).
IN_ANOTHER_YEAR = ("00", "02", "04", "07")
#: Code that reads a year, or writes a date, itself (the parameters cell aside).
_COMPUTES_WITH_DATES = re.compile(r"\.year\b|\b(19|20)\d\d-\d\d|strftime|%Y")


def test_only_the_notebooks_run_in_another_year_compute_with_the_year():
    """What lets the run below skip the others: their code never reads the year or writes
    a date; it passes the clock's timestamps through (moving with the ``now`` parameter)."""
    from cruddur_lab.notebook.files import read_source, source_of

    computing = []
    for notebook in discover():
        for cell in read_source(source_of(notebook)).cells:
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
                continue
            if _COMPUTES_WITH_DATES.search(cell.source):
                computing.append(notebook.name[:2])
                break
    assert {"04", "07"} <= set(computing) <= set(IN_ANOTHER_YEAR)


def test_the_year_notebooks_run_in_another_year_with_more_messages_building_on_shared_data(
    tmp_path,
):
    result = run_cli(
        *IN_ANOTHER_YEAR,
        *("-p", "now", "2027-01-01T00:10:00+00:00", "-p", "messages", "250"),
        *("--keep-data", "--output", str(tmp_path)),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    count = len(IN_ANOTHER_YEAR)
    assert f"{count} notebooks: {count} ok, 0 failed" in result.stdout
    # The seed straddles midnight: only the ten messages after it are from 2027.
    outputs = code_outputs(tmp_path / "04_conversations.ipynb")
    assert "clock year 2027: 10 messages\n" in outputs
    seed = code_outputs(tmp_path / "02_seed.ipynb")
    assert any("already there: 250" in text for text in seed)


def test_output_folder_cannot_be_the_sources_folder():
    result = run_cli("00", "--output", "notebooks")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "cruddur-lab: error: --output notebooks is where 00_start_here.ipynb lives: choose "
        "another folder (executed copies never overwrite the sources)\n"
    )


def test_an_unknown_notebook_is_named_with_the_choices():
    result = run_cli("99_nothing")

    assert result.returncode == 2
    assert result.stderr.startswith(
        "cruddur-lab: error: '99_nothing' matches no notebook: choose one of 00_start_here, "
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("None", None), ("True", True), ("False", False), ("3", 3), ("1.5", 1.5), ("now", "now")],
)
def test_parameter_values_are_read_as_papermill_reads_them(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


def test_a_parameter_name_must_be_an_identifier():
    from cruddur_lab.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="parameter name 'bad-name' is not a Python"):
        parameters_from([("bad-name", "1")])


_LEAK_PROBE = """
import sys
import tempfile
from pathlib import Path

from cruddur_lab.engine.embedded import _EMBEDDED_LOCK
from cruddur_lab.engine.settings import resolve
from cruddur_lab.notebook.runner import SharedEngine

real_mkdtemp = tempfile.mkdtemp


def mkdtemp(*args, prefix=None, **kwargs):
    path = real_mkdtemp(*args, prefix=prefix, **kwargs)
    if prefix == "cruddur-lab-run-":
        # A folder where the state file must go: writing the state file fails for real.
        (Path(path) / "up.json").mkdir()
    return path


tempfile.mkdtemp = mkdtemp
engine = SharedEngine(resolve(environ={"CRUDDUR_LAB_STATE": sys.argv[1]}))
try:
    engine.start()
except Exception as error:  # the state file's own refusal (a folder is not a file)
    print("start failed:", type(error).__name__)
print("services still held:", engine.services is not None or _EMBEDDED_LOCK.locked())
"""


def test_a_shared_engine_stops_its_services_when_its_state_file_cannot_be_written(
    private_tmp,
):
    """Issue 15: the services started before the state file was written stayed up (moto's
    server thread, the Postgres server) with nothing left that would stop them."""
    done = subprocess.run(
        [sys.executable, "-c", _LEAK_PROBE, str(private_tmp / "none.json")],
        cwd=private_tmp,
        env={**clean_environment(), "TMPDIR": str(private_tmp)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.splitlines() == [
        "start failed: ConfigError",
        "services still held: False",
    ], done.stderr


def test_run_yes_reaches_the_notebooks_as_their_yes_parameter(tmp_path):
    """Issue 15 items 2 and 3: `run --yes` is the one confirmation a run on aws gives; it
    reaches each notebook as the `yes` parameter its preparation passes to drop and seed."""
    result = run_cli("01", "--yes", "-p", "reset", "True", "--output", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    nb = nbformat.read(tmp_path / "01_schema_load.ipynb", as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "reset = True" in injected.source.splitlines()
    assert "yes = True" in injected.source.splitlines()


def test_a_run_on_the_embedded_engine_hands_its_region_to_the_kernels(tmp_path):
    """Issue 15 item 7: `run --region` (and `lab --region`) on the embedded engine was taken
    and ignored: kernels got the state file and nothing else. Now they get the region."""
    import os

    from cruddur_lab.engine import settings as settings_module
    from cruddur_lab.notebook.runner import SharedEngine

    state = tmp_path / "up.json"
    settings_module.write_state(
        state, {"pid": os.getpid(), "endpoint_url": "http://127.0.0.1:9", "connection_url": ""}
    )
    settings = settings_module.resolve(
        "embedded", region="eu-west-1", environ={"CRUDDUR_LAB_STATE": str(state)}
    )
    engine = SharedEngine(settings).start()  # attaches to the "running up": starts nothing
    try:
        assert engine.environment["AWS_REGION"] == "eu-west-1"
    finally:
        engine.stop()


_NAMESPACE_PROBE = (
    "import sys\n"
    "names = sorted(n for n in globals() if not n.startswith('_') or n in ('_', '_i'))\n"
    "print(names, get_ipython().execution_count, len(In), 'pandas' in sys.modules)"
)


def test_a_warm_kernel_shows_a_notebook_what_a_cold_one_shows(tmp_path):
    """The runner starts each next kernel ahead, with the common imports done at start-up:
    the notebook must find the namespace, history and execution counts of a cold kernel."""
    import papermill

    source = nbformat.v4.new_notebook()
    source.cells = [nbformat.v4.new_code_cell(_NAMESPACE_PROBE)]
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("first", "second", "third"):  # the second and third run on warm kernels
        nbformat.write(source, folder / f"{name}.ipynb")
    cold = tmp_path / "cold.ipynb"
    papermill.execute_notebook(
        str(folder / "first.ipynb"), str(cold), kernel_name="python3", progress_bar=False
    )

    result = run_cli(
        *(str(folder / f"{n}.ipynb") for n in ("first", "second", "third")),
        "--output",
        str(tmp_path / "out"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    expected = code_outputs(cold)
    assert expected[-1].startswith("['In', 'Out', ")
    for name in ("first", "second", "third"):
        assert code_outputs(tmp_path / "out" / f"{name}.ipynb") == expected, name
