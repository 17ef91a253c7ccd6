"""A machine several people share (issue 22): what another local user can and cannot reach.

The other user is the system's `nobody`, as on CI, which runs as root: processes run as it
through `runuser -u nobody`. Tests that need it are skipped, with the reason, elsewhere.
The refusals of state that is not the user's alone (owned by another user, a symbolic link,
writable by others, not a record) are cases of the bad-input battery (test_bad_input.py);
here are the rest: the modes `up` gives its state, its Postgres password, a record naming
another user's process, and the Postgres socket.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from lab_support import clean_environment, free_port, make_scratch
from test_up import Up, cli, exports, pg_password

from cruddur_lab.model import TABLE_NAME

AS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root: runs a process as the system's `nobody` user"
)
PINNED = (
    "PostgreSQL password pinned by --pg-password: every local user can log in with it "
    "(without --pg-password, `up` picks a random one)"
)


def _mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o7777)


def _with_password(url: str, password: str) -> str:
    return re.sub(r"(postgresql://postgres:)[^@]*@", rf"\g<1>{password}@", url)


def test_up_keeps_its_state_private_and_its_postgres_refuses_the_bootcamp_password(private_tmp):
    env = clean_environment(TMPDIR=str(private_tmp))
    port, pg_port = free_port(), free_port()
    up = Up(env, "--port", str(port), "--pg-port", str(pg_port))
    try:
        lines = up.read_until("press Ctrl-C to stop")
        folder = private_tmp / f"cruddur-lab-{os.getuid()}"
        record = folder / f"up-{port}.json"
        status = folder / f"up-{port}.streams.json"
        deadline = time.monotonic() + 30
        while not status.exists():  # the stream processor publishes once it has polled
            assert time.monotonic() < deadline, sorted(folder.iterdir())
            time.sleep(0.1)
        assert (_mode(folder), _mode(record), _mode(status)) == ("0o700", "0o600", "0o600")
        assert sorted(p.name for p in folder.iterdir()) == [record.name, status.name]

        url = exports(lines)["CONNECTION_URL"]
        password = pg_password(url, pg_port)
        assert password != "password"
        assert PINNED not in lines
        with psycopg.connect(url) as conn:  # what the exports carry logs in
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(_with_password(url, "password"), connect_timeout=10)
    finally:
        code, stderr = up.stop()
    assert code == 0, stderr


def test_pg_password_pins_the_bootcamps_password_and_says_who_can_log_in(private_tmp):
    env = clean_environment(TMPDIR=str(private_tmp))
    pg_port = free_port()
    up = Up(env, "--port", str(free_port()), "--pg-port", str(pg_port), "--pg-password", "password")
    try:
        lines = up.read_until("press Ctrl-C to stop")
        assert PINNED in lines
        url = exports(lines)["CONNECTION_URL"]
        assert url == f"postgresql://postgres:password@127.0.0.1:{pg_port}/cruddur"
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        # What `cruddur-lab env` prints (and `eval` sources) carries the same password.
        printed = cli(env, "env")
        assert f"export CONNECTION_URL={url}" in printed.stdout.splitlines()
    finally:
        code, stderr = up.stop()
    assert code == 0, stderr


@pytest.fixture
def sleeper():
    """``sleeper(as_nobody)``: a live process of `nobody` (through runuser) or of this user."""
    started: list[subprocess.Popen] = []

    def start(as_nobody: bool) -> int:
        prefix = ["runuser", "-u", "nobody", "--"] if as_nobody else []
        process = subprocess.Popen([*prefix, "sleep", "300"])
        started.append(process)
        for _ in range(100):
            # runuser may fork for its PAM session: the sleep is the one named "sleep".
            family = [psutil.Process(process.pid), *psutil.Process(process.pid).children()]
            found = [p for p in family if p.name() == "sleep"]
            if found:
                return found[0].pid
            time.sleep(0.05)
        raise AssertionError("no sleep started")

    yield start
    for process in started:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
        process.wait()


@AS_ROOT
def test_a_record_of_another_users_process_is_never_attached_to(lab, services, sleeper, tmp_path):
    """The same live record, pointing at the session's engine (which holds a table), is
    attached to when its process is this user's and ignored when it is `nobody`'s: the
    process's owner is the only difference."""
    from cruddur_lab.scripts.schema import schema_load

    schema_load(lab)
    tmpdir = make_scratch()
    try:
        folder = tmpdir / f"cruddur-lab-{os.getuid()}"
        folder.mkdir(mode=0o700)
        record = folder / "up-8000.json"
        env = clean_environment(TMPDIR=str(tmpdir))

        def plant(pid: int) -> None:
            assert psutil.Process(pid).uids().real == (0 if pid == mine else 65534)
            record.write_text(
                json.dumps(
                    {
                        "pid": pid,
                        "started": psutil.Process(pid).create_time(),
                        "endpoint_url": services.endpoint_url,
                        "connection_url": services.connection_url,
                        "table_name": TABLE_NAME,
                    }
                )
            )
            record.chmod(0o600)

        mine, theirs = sleeper(False), sleeper(True)
        plant(mine)
        attached = cli(env, "list-tables")
        assert (attached.returncode, attached.stdout) == (0, f"{TABLE_NAME}\n"), attached.stderr
        assert attached.stderr.startswith("cruddur-lab: using `up` '8000'")

        plant(theirs)
        ignored = cli(env, "list-tables")
        # A private, fresh engine: no table, and no word of using an `up`.
        assert (ignored.returncode, ignored.stdout, ignored.stderr) == (0, "(no tables)\n", "")
        nothing = cli(env, "env")
        assert (nothing.returncode, nothing.stdout) == (2, "")
        assert nothing.stderr == (
            "cruddur-lab: error: no `cruddur-lab up` is running: start one first (cruddur-lab up)\n"
        )
        assert json.loads(record.read_text())["pid"] == theirs  # read, never rewritten
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@AS_ROOT
@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
def test_the_postgres_socket_admits_only_the_user_who_started_it():
    """pgserver puts the socket in a folder of mode 0777 when the data folder's path is too
    long for a socket name; there, "trust" on the socket let every local user in as
    `postgres`. Peer authentication admits this user alone."""
    from cruddur_lab.engine.postgres import start_server

    scratch = make_scratch()
    running = None
    try:
        pgdata = scratch / ("d" * 110)  # too long: the socket goes elsewhere
        running = start_server(pgdata, tcp_port=free_port())
        assert running.socket_dir is not None and running.socket_dir != pgdata
        assert _mode(running.socket_dir) == "0o777"  # others reach the socket itself
        with psycopg.connect(running.socket_url()) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        target = f"host={running.socket_dir} port={running.tcp_port} user=postgres dbname=postgres"
        other = subprocess.run(
            ["runuser", "-u", "nobody", "--", "psql", target, "-c", "SELECT 1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode != 0, other.stdout
        assert 'Peer authentication failed for user "postgres"' in other.stderr
    finally:
        if running is not None:
            running.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)
