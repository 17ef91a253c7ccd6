"""Where a running ``cruddur-lab up`` records itself, and how other commands find the right one.

Each ``up`` writes one small JSON file: its endpoints, the options it was started with
(table, clock, region) and its process identity. Attached commands read it to share its
services. Several ``up`` may run at once:

* ``CRUDDUR_LAB_STATE=FILE`` names one state file exactly (``up`` writes it, others read
  it). The batch runner and ``cruddur-lab lab`` hand their kernels such a file.
* otherwise each ``up`` writes ``up-NAME.json`` in ``$TMPDIR/cruddur-lab-UID/`` (NAME is
  ``--name``, else the DynamoDB port), and a command attaches to the one named by ``--up`` /
  ``CRUDDUR_LAB_UP`` (a name or a port), or to the only one running.

A record counts only while its process lives: the pid **and** the process's start time must
match (psutil), so a record left by a killed ``up`` whose pid now belongs to another program
is stale, never attached to, and replaced by the next ``up``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cruddur_lab.errors import ConfigError

STATE_ENV = "CRUDDUR_LAB_STATE"
UP_ENV = "CRUDDUR_LAB_UP"
#: psutil's start times are computed from the boot time and clock ticks: stable, but floats.
_START_TOLERANCE = 0.05


@dataclass(frozen=True)
class RunningUp:
    """One live record: where it is, what it says, and whether it was named explicitly."""

    path: Path
    state: dict[str, Any]
    #: True when found in the state folder (the learner should hear which one was chosen).
    discovered: bool = False

    @property
    def name(self) -> str:
        return str(self.state.get("name") or self.path.stem.removeprefix("up-"))

    def describe(self) -> str:
        table = self.state.get("table_name")
        suffix = f", table {table}" if table else ""
        return f"`up` {self.name!r} ({self.state.get('endpoint_url')}{suffix})"


def state_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"cruddur-lab-{os.getuid()}"


def state_file_for(name: str, environ: dict[str, str] | None = None) -> Path:
    """The file ``up --name NAME`` writes: ``CRUDDUR_LAB_STATE`` if set, else one per name."""
    env = os.environ if environ is None else environ
    if env.get(STATE_ENV):
        return Path(env[STATE_ENV])
    return state_dir() / f"up-{name}.json"


def process_identity(pid: int | None = None) -> dict[str, Any]:
    """``{"pid": …, "started": …}`` for ``pid`` (this process by default)."""
    import psutil

    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def is_alive(state: dict[str, Any]) -> bool:
    """True when the recorded process still runs: same pid, same start time."""
    import psutil

    try:
        process = psutil.Process(int(state["pid"]))
        started = float(state["started"])
        return (
            abs(process.create_time() - started) < _START_TOLERANCE
            and process.status() != psutil.STATUS_ZOMBIE
        )
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False


def read_state(path: str | Path) -> dict[str, Any] | None:
    """The record at ``path`` if its process is alive, else None (missing, broken, stale)."""
    try:
        state = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not is_alive(state):
        return None
    return state


def write_state(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` atomically; a ``pid`` without ``started`` gets its start time added."""
    record = dict(state)
    if "pid" in record and "started" not in record:
        record.update(process_identity(int(record["pid"])))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record, indent=2))
    temporary.replace(target)


def running(state_file: str | Path | None = None) -> list[RunningUp]:
    """Every live ``up`` this user runs (only ``state_file`` when one is named, as
    ``Settings.state_file`` is by CRUDDUR_LAB_STATE)."""
    if state_file:
        path = Path(state_file)
        state = read_state(path)
        return [RunningUp(path, state)] if state else []
    found = []
    folder = state_dir()
    for path in sorted(folder.glob("up-*.json")) if folder.is_dir() else []:
        state = read_state(path)
        if state:
            found.append(RunningUp(path, state, discovered=True))
    return found


def find(choice: str | None = None, state_file: str | Path | None = None) -> RunningUp | None:
    """The ``up`` to attach to: the one named ``choice`` (a name or a port), else the only
    one running, else None. Several and no choice, or an unknown choice, is one line."""
    ups = running(state_file)
    if choice:
        for up in ups:
            if choice in (up.name, *_ports(up.state)):
                return up
        raise ConfigError(
            f"no running `up` is named or listens on {choice!r} (running: "
            f"{_listing(ups) or 'none'}): fix --up / {UP_ENV}, or start it with "
            f"`cruddur-lab up --name {choice}`"
        )
    if len(ups) > 1:
        raise ConfigError(
            f"{len(ups)} `up` are running ({_listing(ups)}): choose one with --up NAME "
            f"(or {UP_ENV}=NAME)"
        )
    return ups[0] if ups else None


def _ports(state: dict[str, Any]) -> list[str]:
    ports = []
    for key in ("endpoint_url", "connection_url"):
        try:
            port = urlsplit(str(state.get(key) or "")).port
        except ValueError:
            port = None
        if port:
            ports.append(str(port))
    return ports


def _listing(ups: list[RunningUp]) -> str:
    return ", ".join(f"{up.name} at {up.state.get('endpoint_url')}" for up in ups)
