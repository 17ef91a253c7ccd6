"""``cruddur-lab lab``: JupyterLab on the notebooks, every kernel on one shared engine.

The command starts the engine once with the batch runner's ``SharedEngine`` (moto + an
embedded Postgres, or the running ``cruddur-lab up``, or the endpoint/AWS that was chosen),
then JupyterLab in a child process whose environment leads to that engine. Kernels inherit
the environment, so a notebook's ``Lab.open()`` finds the shared services exactly as it does
under ``cruddur-lab run``, and shows the same outputs.

JupyterLab listens on loopback only, behind a random token. Its config, data and runtime
folders (and IPython's) live in a temporary folder, so a session never touches
``~/.jupyter``. Ctrl-C or SIGTERM stops JupyterLab and its kernels, then the services, then
removes every temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cruddur_lab.errors import ConfigError, CruddurLabError

#: How long JupyterLab may take to answer after start (a busy 2-core CI machine is slow).
STARTUP_TIMEOUT = 120.0
#: How long JupyterLab gets to shut its kernels down before the leftovers are killed.
SHUTDOWN_TIMEOUT = 30.0


class JupyterFailed(CruddurLabError):
    """JupyterLab did not start, or stopped on its own."""

    code = "jupyter_failed"


@dataclass
class JupyterLab:
    """A running JupyterLab child process and the temporary folder it writes to."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    home: Path

    @property
    def open_url(self) -> str:
        return f"{self.url}lab?token={self.token}"


# --- what JupyterLab and its kernels see ---------------------------------------------------


def jupyter_environment(home: Path, kernel_env: dict[str, str], token: str) -> dict[str, str]:
    """The child's environment: ours, minus stale engine variables, plus the shared engine.

    Building a child process's environment is the one place outside ``settings`` that reads
    ``os.environ``: the child needs PATH, HOME, locale and the like.
    """
    from cruddur_lab.notebook.files import ENGINE_VARIABLES

    stale = {*ENGINE_VARIABLES, "CRUDDUR_LAB_STATE"}
    env = {k: v for k, v in os.environ.items() if k not in stale}
    env.update(kernel_env)
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "IPYTHONDIR": str(home / "ipython"),
            # The token travels in the environment so it never shows in `ps`.
            "JUPYTER_TOKEN": token,
            # jupyter_core's notice about moving to platformdirs is not for learners.
            "JUPYTER_PLATFORM_DIRS": "1",
            # Nor is the debugger's frozen-modules notice (the runner silences it too).
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    return env


def prepare_home(home: Path) -> None:
    """Folders Jupyter writes to, and user settings that keep the UI offline and quiet."""
    for name in ("config", "data", "runtime", "ipython"):
        (home / name).mkdir(parents=True, exist_ok=True)
    notification = (
        home / "config/lab/user-settings/@jupyterlab/apputils-extension/notification"
        ".jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True, exist_ok=True)
    # No news feed or update check: the lab works offline and must not ask on first start.
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def jupyter_command(notebooks: Path, port: int, *, as_root: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        # Fail loudly on a taken port instead of quietly moving to another one.
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebooks}",
        "--ServerApp.log_level=WARN",
        "--LabApp.log_level=WARN",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # The language-server finder runs `npm` (slow, and it writes ~/.npm); we ship none.
        "--LanguageServerManager.autodetect=False",
    ]
    if as_root:
        command.append("--allow-root")
    return command


# --- starting and stopping ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_jupyter(notebooks: Path, port: int, kernel_env: dict[str, str]) -> JupyterLab:
    home = Path(tempfile.mkdtemp(prefix="cruddur-lab-jupyter-"))
    try:
        prepare_home(home)
        token = secrets.token_hex(24)
        port = port or free_port()
        process = subprocess.Popen(
            jupyter_command(notebooks, port, as_root=os.geteuid() == 0),
            env=jupyter_environment(home, kernel_env, token),
            cwd=notebooks,
            stdin=subprocess.DEVNULL,
            # Its own session: the terminal's Ctrl-C reaches us only, and we stop JupyterLab
            # with SIGTERM, which it handles without asking "Shutdown this server (y/[n])?".
            start_new_session=True,
        )
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    return JupyterLab(process, f"http://127.0.0.1:{port}/", token, home)


def wait_until_ready(
    jupyter: JupyterLab, stopping: threading.Event, timeout: float = STARTUP_TIMEOUT
) -> None:
    """Poll ``/api/status`` until JupyterLab answers; fail if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{jupyter.url}api/status", headers={"Authorization": f"token {jupyter.token}"}
    )
    while time.monotonic() < deadline and not stopping.is_set():
        code = jupyter.process.poll()
        if code is not None:
            raise JupyterFailed(
                f"JupyterLab exited during start-up (exit code {code}): read its messages "
                "above; a taken port needs another --port"
            )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=2) as answer:
            if answer.status == 200:
                return
        stopping.wait(0.25)
    if not stopping.is_set():
        raise JupyterFailed(
            f"JupyterLab did not answer at {jupyter.url} within {timeout:g} s: "
            "read its messages above"
        )


def stop_jupyter(jupyter: JupyterLab, timeout: float = SHUTDOWN_TIMEOUT) -> None:
    """SIGTERM JupyterLab (it shuts its kernels down), then kill whatever is left over.

    Kernels run in sessions of their own, so they are collected as descendants first: if
    JupyterLab dies before it stops them, they are still found and ended.
    """
    import psutil

    try:
        descendants = psutil.Process(jupyter.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if jupyter.process.poll() is None:
        jupyter.process.send_signal(signal.SIGTERM)
        try:
            jupyter.process.wait(timeout)
        except subprocess.TimeoutExpired:
            jupyter.process.kill()
            jupyter.process.wait()
    _, alive = psutil.wait_procs(descendants, timeout=5)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=5)
    shutil.rmtree(jupyter.home, ignore_errors=True)


# --- the command ------------------------------------------------------------------------------


def resolve_notebooks(folder: str | None) -> Path:
    from cruddur_lab.notebook.files import notebooks_dir

    path = Path(folder).expanduser().resolve() if folder else notebooks_dir()
    if not path.is_dir():
        raise ConfigError(
            f"notebooks folder {path} does not exist: pass --notebooks DIR "
            "(or run from the cruddur-lab checkout)"
        )
    return path


def serve(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    """Run until Ctrl-C or SIGTERM; everything started here is gone when it returns."""
    from cruddur_lab.engine.settings import given_options, notebook_parameters, resolve_given
    from cruddur_lab.notebook.runner import SharedEngine

    notebooks = resolve_notebooks(getattr(args, "notebooks", None))
    settings = resolve_given(args)
    stopping = threading.Event()
    previous = _install_stop_handlers(stopping)
    try:
        # --table (with --table-prefix) and --now reach every kernel, replacing the
        # notebooks' parameters.
        session = notebook_parameters(settings, given_options(args))
        with SharedEngine(settings, session) as engine:
            if stopping.is_set():  # Ctrl-C while the services were starting
                return 128 + signal.SIGINT
            jupyter = start_jupyter(notebooks, args.port, engine.environment)
            try:
                wait_until_ready(jupyter, stopping)
                if not stopping.is_set():
                    for line in startup_lines(engine, jupyter, notebooks):
                        out(line)
                    _wait_for_stop(jupyter, stopping)
            finally:
                stop_jupyter(jupyter)
            if not stopping.is_set():
                raise JupyterFailed(
                    f"JupyterLab stopped on its own (exit code {jupyter.process.returncode}): "
                    "read its messages above; the services were shut down"
                )
        out("stopped: JupyterLab and its kernels, the services; temporary data removed")
        return 0
    finally:
        _restore_handlers(previous)


def startup_lines(engine: Any, jupyter: JupyterLab, notebooks: Path) -> list[str]:
    if engine.owned:
        from cruddur_lab.engine.settings import redact_url

        postgres = engine.settings.connection_url or engine.services.connection_url
        where = (
            "embedded, started for this session: moto at "
            f"{engine.services.endpoint_url}, PostgreSQL at {redact_url(postgres)}"
        )
    else:
        where = engine.describe()
    return [
        f"cruddur-lab lab: every kernel uses one engine: {where}",
        f"notebooks: {notebooks}",
        f"open JupyterLab: {jupyter.open_url}",
        "press Ctrl-C to stop (kernels, services and temporary data go with it)",
    ]


def _wait_for_stop(jupyter: JupyterLab, stopping: threading.Event) -> None:
    while not stopping.wait(0.5):
        if jupyter.process.poll() is not None:
            return


def _install_stop_handlers(stopping: threading.Event) -> dict[int, Any]:
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stopping.set())
    return previous


def _restore_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
