"""Running `cruddur-lab` from tests: in a new process, or through its function in this one;
`cruddur-lab lab` as a subprocess whose output is read as it comes."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import psutil

CLI = [sys.executable, "-m", "cruddur_lab.cli"]
URL_PREFIX = "open JupyterLab: "


def clean_environment(**extra: str) -> dict[str, str]:
    """The parent's environment without AWS, Postgres or cruddur-lab settings, plus ``extra``.

    A `cruddur-lab` subprocess then sees only what its test gives it, never a developer's
    AWS_ENDPOINT_URL, CONNECTION_URL or running `up`.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CRUDDUR_")) and key != "CONNECTION_URL"
    }
    env.update(extra)
    return env


def run_cli(
    argv: list[str], env: dict[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``cruddur-lab ARGV`` in a new process, output captured as text."""
    return subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, timeout=timeout)


#: The warning filters of a fresh interpreter running an installed script (``python -W`` and
#: PYTHONWARNINGS aside): what a `cruddur-lab` process would print, and what it would not.
PROCESS_WARNING_FILTERS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    ImportWarning,
    ResourceWarning,
)


def run_cli_here(
    argv: list[str], env: dict[str, str], monkeypatch, capsys
) -> subprocess.CompletedProcess[str]:
    """``cruddur-lab ARGV`` through the console script's own function, in this process.

    The same parser, handlers and error translation as :func:`run_cli`, without a Python
    start and a package import per call: ``os.environ`` is exactly ``env`` for the call (and
    TMPDIR is read again), stdout and stderr are captured, argparse's ``SystemExit`` becomes
    the exit code, and a warning a process would print is appended to stderr as it would be.
    Process-wide effects (``up``'s umask and signal handlers) need :func:`run_cli` instead.
    """
    from cruddur_lab.cli import main

    with monkeypatch.context() as patch:
        for name in [name for name in os.environ if name not in env]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(tempfile, "tempdir", None)  # gettempdir() caches TMPDIR
        capsys.readouterr()
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()
            for category in PROCESS_WARNING_FILTERS:
                warnings.simplefilter("ignore", category)
            try:
                returncode = main(argv)
            except SystemExit as exit:
                returncode = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
        out, err = capsys.readouterr()
    err += "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught
    )
    return subprocess.CompletedProcess(["cruddur-lab", *argv], returncode, out, err)


def make_scratch() -> Path:
    """An empty folder in the system temp folder, traversable by pgserver's own user.

    Not under pytest's ``tmp_path``: the embedded Postgres runs as another user when we are
    root and must traverse the path, and pytest keeps its base folder at mode 0700 (and
    resets it when another pytest session starts).
    """
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cruddur-lab-test-"))
    folder.chmod(0o755)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def empty_notebook() -> dict:
    return {
        "cells": [],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


class RunningLab:
    """`cruddur-lab lab --notebooks <notebooks>` with TMPDIR and HOME under ``scratch``."""

    def __init__(self, scratch: Path, *extra: str, notebooks: Path | None = None) -> None:
        self.tmp = scratch / "tmp"
        self.home = scratch / "home"
        self.tmp.mkdir()
        self.home.mkdir()
        if notebooks is None:
            notebooks = scratch / "notebooks"
            notebooks.mkdir()
            (notebooks / "hello.ipynb").write_text(json.dumps(empty_notebook()))
        self.notebooks = notebooks
        env = dict(os.environ, TMPDIR=str(self.tmp), HOME=str(self.home))
        self.process = subprocess.Popen(
            [*CLI, "lab", "--notebooks", str(notebooks), *extra],
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
        for stream, keep in ((self.process.stdout, self.stdout), (self.process.stderr, None)):
            threading.Thread(target=self._pump, args=(stream, keep), daemon=True).start()

    def _pump(self, stream, stdout: list[str] | None) -> None:
        for line in stream:
            line = line.rstrip("\n")
            if stdout is None:
                self.stderr.append(line)
            else:
                stdout.append(line)
                self.lines.put(line)

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

    def press_ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def api(url: str, path: str, token: str | None, method: str = "GET", body: dict | None = None):
    """(status, JSON body) of a Jupyter REST call; ``url`` is the printed /lab?token= URL."""
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
    """Live processes with ``text`` in their command line (Postgres names its data folder)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            mentions = any(text in part for part in process.info["cmdline"] or ())
            if mentions and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                living.append(pid)
        except psutil.NoSuchProcess:
            continue
    return living
