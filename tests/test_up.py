"""`cruddur-lab up`: shared embedded services other processes attach to, removed on Ctrl-C."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import threading
from pathlib import Path

import psutil
import pytest
from lab_support import CLI, clean_environment, free_port, run_cli

UP_TIMEOUT = 120


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_environment(
        CRUDDUR_LAB_STATE=str(tmp_path / "up.json"), TMPDIR=str(tmp_path), **extra
    )


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_cli(list(args), env, timeout=UP_TIMEOUT)


class Up:
    """A running `cruddur-lab up` whose stdout is read line by line in the background."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [*CLI, "up", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        # Drain stderr too: a full pipe would block `up` on its next log line and it would
        # never see the Ctrl-C this test sends.
        self._stderr = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr.start()

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        self.errors.extend(self.process.stderr)

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_until(self, prefix: str) -> list[str]:
        seen: list[str] = []
        while True:
            line = self.lines.get(timeout=UP_TIMEOUT)
            if line is None:
                self._stderr.join(timeout=UP_TIMEOUT)
                raise AssertionError(f"up ended early: {seen} {''.join(self.errors)}")
            seen.append(line)
            if line.startswith(prefix):
                return seen

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=UP_TIMEOUT)
        self._stderr.join(timeout=UP_TIMEOUT)
        return code, "".join(self.errors)


@pytest.fixture
def up_with_seed(private_tmp):
    port = free_port()
    env = clean_env(private_tmp, CRUDDUR_NOW="2026-03-01T12:00:00+00:00")
    pg_port = free_port()
    running = Up(env, "--port", str(port), "--pg-port", str(pg_port), "--seed")
    yield running, env, port, pg_port
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def pg_password(connection_url: str, pg_port: int) -> str:
    """The password in `up`'s CONNECTION_URL: a random one, URL- and shell-safe (issue 22)."""
    shape = re.fullmatch(
        rf"postgresql://postgres:([A-Za-z0-9_-]{{24}})@127\.0\.0\.1:{pg_port}/cruddur",
        connection_url,
    )
    assert shape, connection_url
    return shape.group(1)


def exports(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = value.strip("'")
    return found


def test_up_shares_its_services_and_removes_everything_on_ctrl_c_then_commands_start_fresh(
    up_with_seed, private_tmp
):
    tmp_path = private_tmp
    up, env, port, pg_port = up_with_seed
    lines = up.read_until("stream processor: ")
    assert lines[:3] == [
        "table 'cruddur-messages' created",
        "users inserted: 6; messages written: 100 (already there: 0); group rows written: 2",
        lines[2],
    ]
    assert lines[2].startswith("user pool ") and lines[2].endswith(" seeded")
    assert lines[3] == (
        f"cruddur-lab up: embedded (private, fresh: moto + embedded PostgreSQL), named '{port}'"
    )
    exported = exports(lines)
    password = pg_password(exported["CONNECTION_URL"], pg_port)
    assert exported == {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        # The bootcamp's URL shape: TCP, user postgres, /cruddur only once; the password is
        # a random one (issue 22), which the export carries.
        "CONNECTION_URL": f"postgresql://postgres:{password}@127.0.0.1:{pg_port}/cruddur",
        "DDB_MESSAGE_TABLE": "cruddur-messages",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # Prose never starts with `export` (so `grep '^export'` finds only the exports).
    prose = [line for line in lines if not line.startswith("export ")]
    assert len(prose) == len(lines) - 4
    assert "press Ctrl-C to stop" in lines
    assert lines[-1] == "stream processor: started on table 'cruddur-messages'"

    state_file = tmp_path / "up.json"
    state = json.loads(state_file.read_text())
    assert state["pid"] == up.process.pid
    assert state["started"] == psutil.Process(up.process.pid).create_time()
    assert state["endpoint_url"] == exported["AWS_ENDPOINT_URL"]
    assert state["connection_url"] == exported["CONNECTION_URL"]
    assert len(list(tmp_path.glob("cruddur-lab-pg-*"))) == 1

    # Our own commands find it through the state file and see the same data.
    loaded = cli(env, "schema-load")
    assert (loaded.returncode, loaded.stdout, loaded.stderr) == (
        0,
        "table 'cruddur-messages' already exists; nothing changed\n",
        "",
    )
    assert cli(env, "list-tables").stdout == "cruddur-messages\n"
    assert "Count 102, ScannedCount 102, pages 1" in cli(env, "scan").stdout.splitlines()

    # The bootcamp's way: the exported variables, read by plain boto3 and psycopg.
    import boto3
    import psycopg

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=exported["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert dynamodb.list_tables()["TableNames"] == ["cruddur-messages"]
    with psycopg.connect(exported["CONNECTION_URL"]) as conn:
        handles = [row[0] for row in conn.execute("SELECT handle FROM users ORDER BY handle")]
    assert handles[:3] == ["andrewbrown", "bayko", "delenn"]

    # A second `up` on the same state file refuses to start.
    second = cli(env, "up", "--port", str(free_port()), "--pg-port", str(free_port()))
    assert (second.returncode, second.stdout) == (2, "")
    assert second.stderr == (
        f"cruddur-lab: error: an `up` is already running (pid {up.process.pid}) at "
        f"http://127.0.0.1:{port} with state file {state_file}: stop it first (Ctrl-C in its "
        "terminal), or run another beside it with its own --port and --name (or its own "
        "CRUDDUR_LAB_STATE)\n"
    )

    # The bootcamp's bin/db/drop: `up` keeps no session open on the seeded database.
    with psycopg.connect(
        exported["CONNECTION_URL"].replace("/cruddur", ""), autocommit=True
    ) as server:
        server.execute("DROP DATABASE cruddur")

    code, stderr = up.stop()
    assert code == 0, stderr
    assert up.read_until("stopping") == ["stopping: services shut down, temporary data removed"]
    assert not state_file.exists()
    assert not list(tmp_path.glob("cruddur-lab-pg-*"))

    # After `up` stopped, the same environment's commands start fresh again: a private
    # engine, without the table they saw through `up` a moment ago.
    assert cli(env, "list-tables").stdout == "(no tables)\n"


def test_up_on_a_busy_port_is_one_line(private_tmp):
    tmp_path = private_tmp
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = cli(clean_env(tmp_path), "up", "--port", str(port), "--pg-port", str(free_port()))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"cruddur-lab: error: cannot listen on 127.0.0.1:{port} (Address already in use): "
        "choose another --port or stop what uses it\n"
    )
    assert not (tmp_path / "up.json").exists()


def test_up_refuses_to_run_beside_a_foreign_endpoint(tmp_path):
    env = clean_env(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    done = cli(env, "up", "--port", str(free_port()), "--pg-port", str(free_port()))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "cruddur-lab: error: `up` starts its own services, but AWS_ENDPOINT_URL points at "
        "http://127.0.0.1:9: unset AWS_ENDPOINT_URL first\n"
    )


@pytest.mark.parametrize(
    ("argv", "code", "line"),
    [
        (
            ["up", "--pg-port", "70000"],
            2,
            "--pg-port must be between 1 and 65535, got 70000",
        ),
        (["list-tables", "--up", "nosuch"], 2, None),
    ],
)
def test_bad_up_options_are_one_line(private_tmp, argv, code, line):
    env = clean_env(private_tmp)
    done = cli(env, *argv, *(["--port", str(free_port())] if argv[0] == "up" else []))
    assert (done.returncode, done.stdout) == (code, "")
    expected = line or (
        "no running `up` is named or listens on 'nosuch' (running: none): fix --up / "
        "CRUDDUR_LAB_UP, or start it with `cruddur-lab up --name nosuch`"
    )
    assert done.stderr == f"cruddur-lab: error: {expected}\n"
    assert not list(private_tmp.glob("cruddur-lab-pg-*")), "nothing half-started is left"


def test_a_busy_pg_port_is_one_line(private_tmp):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = cli(clean_env(private_tmp), "up", "--port", str(free_port()), "--pg-port", str(port))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"cruddur-lab: error: cannot serve Postgres on 127.0.0.1:{port} (the port is in use): "
        "choose another --pg-port or stop what uses it\n"
    )
    assert not list(private_tmp.glob("cruddur-lab-pg-*"))
    assert not (private_tmp / "up.json").exists()


def test_up_print_env_keeps_stdout_to_sourceable_export_lines(private_tmp):
    env = clean_env(private_tmp)
    port, pg_port = free_port(), free_port()
    up = Up(env, "--port", str(port), "--pg-port", str(pg_port), "--print-env")
    try:
        printed = [up.lines.get(timeout=UP_TIMEOUT) for _ in range(4)]
    finally:
        code, stderr = up.stop()
    assert code == 0, stderr
    rest = []
    while (line := up.lines.get(timeout=UP_TIMEOUT)) is not None:
        rest.append(line)
    password = pg_password(exports(printed)["CONNECTION_URL"], pg_port)
    assert printed + rest == [
        f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port}",
        f"export CONNECTION_URL=postgresql://postgres:{password}@127.0.0.1:{pg_port}/cruddur",
        "export DDB_MESSAGE_TABLE=cruddur-messages",
        "export AWS_DEFAULT_REGION=us-east-1",
    ]
    assert "press Ctrl-C to stop" in stderr and "cruddur-lab up: embedded" in stderr
