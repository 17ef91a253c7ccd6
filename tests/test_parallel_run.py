"""``cruddur-lab run --jobs N``: notebooks in parallel workers, each on its own engine, with
exactly the outputs of a serial run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cruddur_lab.notebook import parallel
from cruddur_lab.notebook.kernel_template import can_fork

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("01", "02", "06", "08")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cruddur_lab.cli", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def outputs(path: Path) -> list[list[dict]]:
    """Every output of every code cell (text, data, errors), as stored in the notebook.

    Consecutive stream outputs are joined, as nbval joins them: where the kernel cut a
    cell's printed text into messages depends on timing, not on the notebook.
    """
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        joined: list[dict] = []
        for output in cell.get("outputs", []):
            last = joined[-1] if joined else None
            if (
                output["output_type"] == "stream"
                and last is not None
                and last["output_type"] == "stream"
                and last["name"] == output["name"]
            ):
                last["text"] += output["text"]
            else:
                joined.append(dict(output))
        cells.append(joined)
    return cells


def test_two_jobs_give_the_outputs_of_a_serial_run_and_report_in_order(tmp_path):
    serial = run_cli(*NOTEBOOKS, "--jobs", "1", "--output", str(tmp_path / "serial"))
    parallel = run_cli(*NOTEBOOKS, "--jobs", "2", "--output", str(tmp_path / "parallel"))

    assert serial.returncode == 0, serial.stdout + serial.stderr
    assert parallel.returncode == 0, parallel.stdout + parallel.stderr
    assert parallel.stderr == ""
    lines = parallel.stdout.splitlines()
    assert lines[0] == (
        "engine: embedded (2 workers, each with its own moto and its own users database on one "
        "embedded PostgreSQL)"
    )
    names = [line.split(":")[0] for line in lines[1 : 1 + len(NOTEBOOKS)]]
    expected = [p.stem for n in NOTEBOOKS for p in sorted(ROOT.glob(f"notebooks/{n}_*.ipynb"))]
    assert names == [f"[{i}/{len(NOTEBOOKS)}] {name}" for i, name in enumerate(expected, 1)]
    for name in expected:
        assert outputs(tmp_path / "parallel" / f"{name}.ipynb") == outputs(
            tmp_path / "serial" / f"{name}.ipynb"
        ), name


def test_keep_data_runs_one_at_a_time_and_says_why(tmp_path):
    result = run_cli("01", "02", "--jobs", "2", "--keep-data", "--output", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == (
        "running one notebook at a time: --keep-data lets each notebook build on the one before"
    )


def test_jobs_below_one_is_refused_in_one_line(tmp_path):
    result = run_cli("01", "--jobs", "0", "--output", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == "cruddur-lab: error: --jobs must be at least 1, got 0\n"


def _report_start(answers) -> None:
    """A worker's first look at itself: what it has imported, what environment it has."""
    answers.put(("papermill" in sys.modules, os.environ.get("CRUDDUR_PROBE")))


def _start_one(context) -> tuple[bool, str | None]:
    answers = context.Queue()
    worker = context.Process(target=_report_start, args=(answers,))
    worker.start()
    try:
        return answers.get(timeout=60)
    finally:
        worker.join(timeout=30)


@pytest.mark.skipif(not can_fork(), reason="workers are forked only where os.fork exists")
def test_workers_start_with_their_imports_done_in_the_runs_own_environment(monkeypatch):
    """--jobs workers are forked from a server that imported papermill, moto and the engine
    once (each worker imported them itself: 0.7 s of CPU apiece). The server ends with its
    run, so the next run's workers start from one that has that run's environment."""
    from multiprocessing import forkserver

    import psutil

    context = parallel._worker_context()
    monkeypatch.setenv("CRUDDUR_PROBE", "first run")
    assert _start_one(context) == (True, "first run")
    server = forkserver._forkserver._forkserver_pid
    parallel._end_fork_server()
    assert not psutil.pid_exists(server)
    monkeypatch.setenv("CRUDDUR_PROBE", "second run")
    assert _start_one(context) == (True, "second run")
    parallel._end_fork_server()


EMPTIED_BETWEEN_NOTEBOOKS = """
import json, sys
import psycopg
from cruddur_lab.engine import embedded, postgres
from cruddur_lab.engine.settings import Settings
from cruddur_lab.notebook.runner import SharedEngine

server, folder = embedded.start_postgres()
try:
    database = postgres.create_database(server, "cruddur_0")
    engine = SharedEngine(Settings(), database=database).start()
    try:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("CREATE TABLE users (handle text)")
            conn.execute("INSERT INTO users VALUES ('andrewbrown')")
        engine.empty()  # before the worker's next notebook
        with psycopg.connect(database, autocommit=True) as conn:
            left = conn.execute("SELECT to_regclass('public.users')").fetchone()[0]
        state = json.load(open(engine.environment["CRUDDUR_LAB_STATE"]))
        print(json.dumps({"left": left, "url": state["connection_url"] == database}))
    finally:
        engine.stop()
finally:
    embedded.stop_postgres(server, folder)
"""


def test_a_workers_users_database_is_emptied_before_each_notebook():
    """The workers of a --jobs run share one PostgreSQL, each with a database of its own:
    its kernels are led there, and it is emptied before each notebook as the embedded one
    is, so a notebook never finds the last one's users."""
    import json

    result = subprocess.run(
        [sys.executable, "-c", EMPTIED_BETWEEN_NOTEBOOKS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"left": None, "url": True}


def test_a_postgres_of_your_own_runs_one_notebook_at_a_time():
    """With CONNECTION_URL (a bootcamp student's own Postgres), every worker would seed and
    update the same users table at once, and nothing of it is emptied between notebooks:
    the outputs would not be a serial run's. The run says so and goes one at a time."""
    from cruddur_lab.engine.settings import Settings

    own = Settings(connection_url="postgresql://postgres:secret@127.0.0.1:5432/cruddur")
    assert parallel._why_serial(own, keep_data=False) == (
        "the notebooks share the users database of CONNECTION_URL"
    )
    assert parallel._why_serial(Settings(), keep_data=False) is None
