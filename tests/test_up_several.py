"""Several `cruddur-lab up` at once: each its own state, attached commands pick the right one.

No CRUDDUR_LAB_STATE here: each `up` records itself in the state folder under TMPDIR (a
private folder per test), as it does for a learner, and commands find it there.
"""

from __future__ import annotations

import json
import os
import subprocess

import psutil
from lab_support import clean_environment, free_port
from test_up import Up, cli, exports


def test_two_ups_each_attached_to_by_name_or_port_and_a_stale_record_replaced(private_tmp):
    env = clean_environment(TMPDIR=str(private_tmp))
    folder = private_tmp / f"cruddur-lab-{os.getuid()}"
    folder.mkdir()
    # A record left by a killed `up` whose pid now belongs to another program (this test).
    stale = folder / "up-lab1.json"
    stale.write_text(
        json.dumps(
            {
                "name": "lab1",
                "pid": os.getpid(),
                "started": psutil.Process().create_time() - 60,
                "endpoint_url": "http://127.0.0.1:9",
                "connection_url": "postgresql://postgres:password@127.0.0.1:9/cruddur",
            }
        )
    )
    first_port, second_port = free_port(), free_port()
    first = Up(env, "--port", str(first_port), "--pg-port", str(free_port()), "--name", "lab1",
               "--table", "lab1", "--now", "2026-03-01T12:00:00+00:00")  # fmt: skip
    second = Up(env, "--port", str(second_port), "--pg-port", str(free_port()))
    try:
        first_lines = first.read_until("press Ctrl-C to stop")
        second.read_until("press Ctrl-C to stop")
        assert json.loads(stale.read_text())["pid"] == first.process.pid, "stale record kept"
        assert exports(first_lines)["DDB_MESSAGE_TABLE"] == "lab1"

        # Two running and none chosen: one line naming both and the way to choose.
        ambiguous = cli(env, "list-tables")
        assert (ambiguous.returncode, ambiguous.stdout) == (2, "")
        assert ambiguous.stderr == (
            f"cruddur-lab: error: 2 `up` are running ({second_port} at "
            f"http://127.0.0.1:{second_port}, lab1 at http://127.0.0.1:{first_port}): choose "
            "one with --up NAME (or CRUDDUR_LAB_UP=NAME)\n"
        )

        # `up --table lab1` is honoured by the command that attaches to it.
        loaded = cli(env, "schema-load", "--up", "lab1")
        assert (loaded.returncode, loaded.stdout) == (0, "table 'lab1' created\n")
        assert loaded.stderr == (
            f"cruddur-lab: using `up` 'lab1' (http://127.0.0.1:{first_port}, table lab1)\n"
        )
        by_port = cli(env, "list-tables", "--up", str(first_port))
        assert by_port.stdout == "lab1\n"
        other = cli({**env, "CRUDDUR_LAB_UP": str(second_port)}, "list-tables")
        assert (other.returncode, other.stdout) == (0, "(no tables)\n")
        # An option on the command line still wins over the recorded one.
        explicit = cli(env, "schema-load", "--up", "lab1", "--table", "lab2")
        assert explicit.stdout == "table 'lab2' created\n"

        sourced = cli(env, "env", "--up", "lab1")
        assert sourced.returncode == 0, sourced.stderr
        assert all(line.startswith("export ") for line in sourced.stdout.splitlines())
        shown = subprocess.run(
            ["bash", "-c", 'eval "$(cat)"; echo "$DDB_MESSAGE_TABLE $AWS_ENDPOINT_URL"'],
            input=sourced.stdout,
            capture_output=True,
            text=True,
            check=True,
        )
        assert shown.stdout == f"lab1 http://127.0.0.1:{first_port}\n"
    finally:
        codes = [first.stop()[0], second.stop()[0]]
    assert codes == [0, 0]
    assert sorted(folder.iterdir()) == []
    assert cli(env, "env").stderr == (
        "cruddur-lab: error: no `cruddur-lab up` is running: start one first (cruddur-lab up)\n"
    )
