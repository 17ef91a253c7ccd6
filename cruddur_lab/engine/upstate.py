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
is stale, never attached to, and replaced by the next ``up``. The process must also be this
user's: a record naming another user's process is ignored the same way.

On a shared machine the folder and the records are this user's alone (``private_files``:
folder 0700, records 0600, anything else refused in one line). A record that is not one
(not JSON, no pid, no endpoint) or that names an endpoint off this machine is refused in one
line too: ``up`` serves on loopback only, so such a record was not written by it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cruddur_lab.engine.private_files import (
    check_folder,
    private_folder,
    read_private,
    write_private,
)
from cruddur_lab.errors import ConfigError

STATE_ENV = "CRUDDUR_LAB_STATE"
UP_ENV = "CRUDDUR_LAB_UP"
#: ``up-NAME.streams.json``: what an ``up``'s stream processor publishes, not a record.
STATUS_SUFFIX = ".streams.json"
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
    """True when the recorded process still runs as this user: same pid, same start time,
    and its real uid is ours (psutil), so another user's process is never attached to."""
    import psutil

    try:
        process = psutil.Process(int(state["pid"]))
        started = float(state["started"])
        return (
            abs(process.create_time() - started) < _START_TOLERANCE
            and process.uids().real == os.getuid()
            and process.status() != psutil.STATUS_ZOMBIE
        )
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False


def read_state(path: str | Path) -> dict[str, Any] | None:
    """The record at ``path`` if its process is alive, else None (missing or stale); a file
    that is not a private record of this user's ``up`` is one ConfigError line."""
    path = Path(path)
    if path.parent == state_dir():
        check_folder(path.parent)
    data = read_private(path)
    if data is None:
        return None
    state = check_record(data, path)
    return state if is_alive(state) else None


def check_record(data: bytes, path: Path) -> dict[str, Any]:
    """The record in ``data``, or one ConfigError line saying why it is none."""
    try:
        state = json.loads(data)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        raise ConfigError(
            f"state file {path} is not a record of `cruddur-lab up` (not a JSON object): delete it"
        )
    missing = [key for key in ("pid", "started", "endpoint_url") if key not in state]
    if missing:
        raise ConfigError(
            f"state file {path} is not a record of `cruddur-lab up` (no {', '.join(missing)}): "
            "delete it"
        )
    endpoint = str(state["endpoint_url"])
    if not _on_loopback(endpoint):
        raise ConfigError(
            f"state file {path} names the endpoint {endpoint!r}, which is not on this machine "
            "(`up` serves on 127.0.0.1 only): delete it"
        )
    return state


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine (``localhost`` or a loopback address).

    Here rather than in ``lab`` (which uses it to refuse a non-loopback embedded endpoint):
    ``lab`` imports this module, so one definition serves both."""
    import ipaddress

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _on_loopback(url: str) -> bool:
    """A recorded endpoint ``up`` could have written: plain http, a valid port, loopback."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme == "http" and bool(parts.hostname) and is_loopback(url)


def write_state(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` atomically, readable by this user only (0600, in a 0700 state
    folder); a ``pid`` without ``started`` gets its start time added."""
    record = dict(state)
    if "pid" in record and "started" not in record:
        record.update(process_identity(int(record["pid"])))
    target = Path(path)
    if target.parent == state_dir():
        private_folder(target.parent)
    elif not target.parent.is_dir():
        target.parent.mkdir(mode=0o700, parents=True)
    write_private(target, json.dumps(record, indent=2))


def running(state_file: str | Path | None = None) -> list[RunningUp]:
    """Every live ``up`` this user runs (only ``state_file`` when one is named, as
    ``Settings.state_file`` is by CRUDDUR_LAB_STATE)."""
    if state_file:
        path = Path(state_file)
        state = read_state(path)
        return [RunningUp(path, state)] if state else []
    found = []
    folder = state_dir()
    if not check_folder(folder, tighten=True):
        return []
    for path in sorted(folder.glob("up-*.json")):
        if path.name.endswith(STATUS_SUFFIX):
            continue  # the stream processor's status, beside its `up`'s record
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
