"""The bad-input battery: everything a learner can type wrong, through the CLI and the library.

Every case must end the same way: one line naming the problem and the fix, a non-zero exit
(or the library's typed error), no traceback, and nothing written. "Nothing written" is
checked, not assumed: each case snapshots every DynamoDB table (all items) and the Postgres
``public`` schema (tables and users rows) before, and compares afterwards.

CLI cases attach to the session's embedded services through the state file a ``cruddur-lab
up`` would write (pid = this test process), so the command talks to the same moto and Postgres
the snapshot reads. Most call the console script's function in this process (``run_cli_here``:
the same parser, handlers and exit codes, without a Python start and an import per case);
every ``up``, and the cases in ``REAL_PROCESS``, run ``python -m cruddur_lab.cli`` as a real
process, proving the exit code and the one stderr line a shell sees.

Decisions where the issue was silent:

* Message length is counted in Unicode code points (Python's ``len``), as the bootcamp's
  Python service did: one emoji such as 👍 (U+1F44D) is one character (4 bytes in UTF-8);
  a ZWJ family 👨‍👩‍👧 is five (three people and two joiners). A 1,024-character message is at
  most 4 KB of UTF-8, a hundredth of DynamoDB's 400 KB item limit, so the app's validation
  keeps every message item far below it; only a raw write can exceed it, and that path gives
  a clean one-line error too.
* State that is not a record of ``up`` (garbage, empty, no pid, start time or endpoint),
  bigger than 64 KiB, or naming an endpoint off this machine is refused (exit 2), not
  ignored: only the learner can write their 0700 state folder, so such a file is a mistake or
  a plant, and the line says to delete it. A record whose process is gone, or is another
  user's, is still ignored silently: that is what a killed ``up`` leaves behind.
* A Cognito user without ``preferred_username`` is not an error: ``update-cognito-user-ids``
  lists it under "without preferred_username", writes nothing for it and updates the others.
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
from lab_support import clean_environment, run_cli, run_cli_here

from cruddur_lab.engine import settings as settings_module
from cruddur_lab.errors import (
    CognitoError,
    ConfigError,
    CruddurLabError,
    InvalidArgument,
    NotFound,
    PostgresUnreachable,
    TableMismatch,
)
from cruddur_lab.model import (
    GSI_NAME,
    MAX_MESSAGE_CHARS,
    SEED_GROUP_UUID,
    TABLE_NAME,
    User,
    message_item,
)

INJECTION = "x'; DROP TABLE users;--"
# The fix is "run schema-load first" (another helper is refining the embedded hint).
TABLE_MISSING = re.compile(
    re.escape(f"table {TABLE_NAME!r} does not exist: run `cruddur-lab schema-load`") + "( first)?"
)


# --- helpers -------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def attach_state(path: str, services: Any) -> None:
    """Make CLI subprocesses attach to the session's services, as to a running `up`."""
    settings_module.write_state(
        path,
        {
            "pid": os.getpid(),
            "endpoint_url": services.endpoint_url,
            "connection_url": services.connection_url,
            "table_name": TABLE_NAME,
        },
    )


def snapshot(lab: Any) -> dict[str, Any]:
    """Everything the engine holds: every table's items, the Postgres tables and users, the
    Cognito user pools and their users."""
    tables: dict[str, list[str]] = {}
    for name in lab.dynamodb.list_tables()["TableNames"]:
        items = []
        for page in lab.dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(json.dumps(item, sort_keys=True, default=str) for item in page["Items"])
        tables[name] = sorted(items)
    pg_tables = [
        row[0]
        for row in lab.pg.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' ORDER BY table_name"
        ).fetchall()
    ]
    users = (
        lab.pg.execute(
            "SELECT uuid::text, handle, display_name, cognito_user_id FROM public.users "
            "ORDER BY handle"
        ).fetchall()
        if "users" in pg_tables
        else None
    )
    pools = {}
    for pool in lab.cognito.list_user_pools(MaxResults=60)["UserPools"]:
        listed = lab.cognito.list_users(UserPoolId=pool["Id"])["Users"]
        pools[pool["Name"]] = sorted(user["Username"] for user in listed)
    return {"tables": tables, "pg_tables": pg_tables, "users": users, "pools": pools}


def only_error_line(stderr: str) -> str:
    """The one error line on stderr (warnings aside); fails on anything else."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("cruddur-lab: warning:")]
    assert len(lines) == 1, f"expected one error line, got:\n{stderr}"
    return lines[0]


#: Cases run as a real process although this one would do: one of each ending (exit 1, 2 from
#: argparse, 2 from the library, 3), secrets kept off stderr, refused state found through the
#: process's TMPDIR, a FIFO never waited on, `env` printing nothing, and a lone surrogate in
#: argv (it reaches a process through the filesystem encoding).
REAL_PROCESS = {
    "missing table: scan",
    "unknown engine (--engine): argparse names the choices",
    "unreachable Postgres (closed port), password redacted",
    "drop on aws without --yes",
    "bad --now",
    "send Latin-1 bytes",
    "state folder of mode 0777",
    "state file is a FIFO (never waited on)",
    "state file of another user: env prints nothing",
}


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(argv, env)`` runs `cruddur-lab`: in this process, or as a real one for ``up``
    (its umask and signal handlers are the process's) and when ``real_process`` is true."""

    def run(argv: list[str], env: dict[str, str], *, real_process: bool = False) -> Any:
        if real_process or "up" in argv:
            return run_cli(argv, env)
        return run_cli_here(argv, env, monkeypatch, capsys)

    return run


def test_in_process_cases_call_what_the_console_script_and_python_m_call():
    """``run_cli_here`` is only as good as its claim to be the command: the installed
    script's entry point and ``python -m cruddur_lab.cli`` both resolve to the function it
    calls."""
    from importlib.metadata import entry_points

    import cruddur_lab.cli
    from cruddur_lab.cli import commands

    (script,) = entry_points(group="console_scripts", name="cruddur-lab")
    assert script.load() is commands.main is cruddur_lab.cli.main
    main_module = Path(cruddur_lab.cli.__file__).with_name("__main__.py").read_text()
    assert "from cruddur_lab.cli import main" in main_module
    assert "sys.exit(main())" in main_module


# --- setups --------------------------------------------------------------------------------


def setup_table(lab: Any) -> None:
    from cruddur_lab.scripts.schema import schema_load

    schema_load(lab)


def setup_seeded(lab: Any) -> None:
    from cruddur_lab.scripts.seed import seed

    setup_table(lab)
    seed(lab, messages=20)  # how many does not matter here; fewer is faster


def setup_no_gsi(lab: Any) -> None:
    """The bootcamp's first schema: pk/sk and no GSI (plus the users, so seed gets that far)."""
    from cruddur_lab.scripts.usersdb import seed_users

    lab.dynamodb.create_table(
        TableName=TABLE_NAME,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    seed_users(lab)


def setup_wrong_keys(lab: Any) -> None:
    """A table of the right name keyed on something else entirely."""
    lab.dynamodb.create_table(
        TableName=TABLE_NAME,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def setup_keys_only(lab: Any) -> None:
    """The right keys, but an index that projects KEYS_ONLY (plus the users, as no_gsi)."""
    from cruddur_lab.model import create_table_spec
    from cruddur_lab.scripts.usersdb import seed_users

    spec = create_table_spec(TABLE_NAME, billing_mode="PAY_PER_REQUEST")
    spec["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    lab.dynamodb.create_table(**spec)
    seed_users(lab)


SETUPS = {
    "empty": lambda lab: None,
    "keys_only": setup_keys_only,
    "table": setup_table,
    "seeded": setup_seeded,
    "no_gsi": setup_no_gsi,
    "wrong_keys": setup_wrong_keys,
}

NO_GSI = (
    f"table {TABLE_NAME!r} does not match the model (GSI {GSI_NAME!r} is missing): drop it "
    "and run `cruddur-lab schema-load`, or choose another --table"
)
KEYS_ONLY = (
    f"table {TABLE_NAME!r} does not match the model (GSI {GSI_NAME!r} projects KEYS_ONLY, "
    "expected ALL): drop it and run `cruddur-lab schema-load`, or choose another --table"
)
UNKNOWN_CONVERSATION = "00000000-0000-0000-0000-000000000000"
WRONG_KEYS = (
    f"table {TABLE_NAME!r} does not match the model (key schema is {{'id': 'HASH'}}, expected "
    f"pk HASH + sk RANGE; GSI {GSI_NAME!r} is missing): drop it and run `cruddur-lab "
    "schema-load`, or choose another --table"
)


# --- the CLI battery -----------------------------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    id: str
    argv: list[str]
    #: The error line after "cruddur-lab: error: ", exactly or as a regex (argparse cases:
    #: the whole last line).
    line: str | re.Pattern[str]
    exit_code: int
    setup: str = "empty"
    env: dict[str, str] = field(default_factory=dict)
    #: Attach to the session's services as to a running `up` (not for `up` itself).
    attach: bool = True
    #: The error comes from argparse (usage lines, then the error line).
    argparse: bool = False


def _closed_url() -> str:
    return f"http://127.0.0.1:{closed_port()}"


_PG_DOWN_PORT = closed_port()

CLI_CASES = [
    CliCase("missing table: scan", ["scan"], TABLE_MISSING, 1),
    CliCase("missing table: seed", ["seed"], TABLE_MISSING, 1),
    CliCase("missing table: describe", ["describe"], TABLE_MISSING, 1),
    CliCase("missing table: list-conversations", ["list-conversations", "bayko"], TABLE_MISSING, 1),
    CliCase("no GSI (bootcamp's first schema): describe", ["describe"], NO_GSI, 1, "no_gsi"),
    CliCase("no GSI: seed refuses before writing", ["seed"], NO_GSI, 1, "no_gsi"),
    CliCase("wrong key schema: scan", ["scan"], WRONG_KEYS, 1, "wrong_keys"),
    CliCase(
        "malformed group uuid",
        ["get-conversation", "not-a-uuid"],
        f"message group uuid 'not-a-uuid' is not a uuid: pass a uuid such as {SEED_GROUP_UUID}",
        2,
        "seeded",
    ),
    CliCase(
        "group uuid one digit short",
        ["get-conversation", SEED_GROUP_UUID[:-1]],
        f"message group uuid {SEED_GROUP_UUID[:-1]!r} is not a uuid: pass a uuid such as "
        f"{SEED_GROUP_UUID}",
        2,
        "seeded",
    ),
    CliCase(
        "SQL injection as a group uuid",
        ["get-conversation", INJECTION],
        f"message group uuid {INJECTION!r} is not a uuid: pass a uuid such as {SEED_GROUP_UUID}",
        2,
        "seeded",
    ),
    CliCase(
        "unknown handle",
        ["list-conversations", "nobody"],
        "no user with handle 'nobody': run `cruddur-lab seed` or check the name",
        1,
        "seeded",
    ),
    CliCase(
        "empty handle",
        ["list-conversations", ""],
        "no user with handle '': run `cruddur-lab seed` or check the name",
        1,
        "seeded",
    ),
    CliCase(
        "SQL injection as a handle",
        ["list-conversations", INJECTION],
        f"no user with handle {INJECTION!r}: run `cruddur-lab seed` or check the name",
        1,
        "seeded",
    ),
    CliCase(
        "get-conversation --limit 0",
        ["get-conversation", "--limit", "0"],
        "limit must be at least 1, got 0",
        2,
        "seeded",
    ),
    CliCase(
        "get-conversation --pages -1",
        ["get-conversation", "--pages", "-1"],
        "pages must be 0 (all) or more, got -1",
        2,
        "seeded",
    ),
    CliCase(
        "negative --messages",
        ["seed", "--messages", "-5"],
        "--messages must be at least 1, got -5",
        2,
        "table",
    ),
    CliCase(
        "zero --messages",
        ["seed", "--messages", "0"],
        "--messages must be at least 1, got 0",
        2,
        "table",
    ),
    CliCase(
        "negative --extra-users",
        ["cognito", "seed", "--extra-users", "-1"],
        "--extra-users must be at least 0, got -1",
        2,
    ),
    CliCase(
        "bad --now",
        ["scan", "--now", "yesterday"],
        "now='yesterday' is not an ISO-8601 time: use e.g. '2026-03-01T12:00:00+00:00' or 'real'",
        2,
    ),
    CliCase(
        "bad CRUDDUR_NOW",
        ["scan"],
        "now='2026-02-30T00:00:00' is not an ISO-8601 time: use e.g. "
        "'2026-03-01T12:00:00+00:00' or 'real'",
        2,
        env={"CRUDDUR_NOW": "2026-02-30T00:00:00"},
    ),
    CliCase(
        "unknown engine (CRUDDUR_ENGINE)",
        ["scan"],
        "unknown engine 'dynamo': choose one of embedded, endpoint, aws "
        "(--engine or CRUDDUR_ENGINE)",
        2,
        env={"CRUDDUR_ENGINE": "dynamo"},
    ),
    CliCase(
        "unknown engine (--engine): argparse names the choices",
        ["scan", "--engine", "dynamo"],
        "cruddur-lab scan: error: argument --engine: invalid choice: 'dynamo' (choose from "
        "'embedded', 'endpoint', 'aws', 'prod')",
        2,
        argparse=True,
    ),
    CliCase(
        "--engine embedded with AWS_ENDPOINT_URL set",
        ["scan", "--engine", "embedded"],
        "engine 'embedded' conflicts with AWS_ENDPOINT_URL=http://127.0.0.1:4566: drop "
        "--engine embedded to use that endpoint, or unset AWS_ENDPOINT_URL",
        2,
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
    ),
    CliCase(
        "--engine endpoint without a URL",
        ["scan", "--engine", "endpoint"],
        "engine 'endpoint' needs a URL: pass --endpoint-url or set AWS_ENDPOINT_URL "
        "(e.g. http://localhost:8000)",
        2,
    ),
    CliCase(
        "--engine aws with AWS_ENDPOINT_URL set",
        ["list-tables", "--engine", "aws"],
        "engine 'aws' conflicts with the endpoint http://127.0.0.1:4566: unset "
        "AWS_ENDPOINT_URL or choose --engine endpoint",
        2,
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
    ),
    CliCase(
        "table name DynamoDB would refuse",
        ["schema-load", "--table", "my table!"],
        "table name 'my table!' is not valid in DynamoDB: use 3 to 255 letters, digits, '_', "
        "'-' or '.' (--table or DDB_MESSAGE_TABLE)",
        2,
    ),
    CliCase(
        "table name too short (DDB_MESSAGE_TABLE)",
        ["schema-load"],
        "table name 'ab' is not valid in DynamoDB: use 3 to 255 letters, digits, '_', "
        "'-' or '.' (--table or DDB_MESSAGE_TABLE)",
        2,
        env={"DDB_MESSAGE_TABLE": "ab"},
    ),
    CliCase(
        "endpoint that is not a URL",
        ["list-tables", "--endpoint-url", "localhost"],
        "--endpoint-url='localhost' is not an endpoint URL: use http://HOST:PORT, e.g. "
        "http://localhost:8000",
        2,
    ),
    CliCase(
        "endpoint port out of range (AWS_ENDPOINT_URL)",
        ["list-tables"],
        "AWS_ENDPOINT_URL='http://127.0.0.1:80000' is not an endpoint URL: use "
        "http://HOST:PORT, e.g. http://localhost:8000",
        2,
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:80000"},
    ),
    CliCase(
        "region botocore would refuse",
        ["list-tables", "--region", "us east 1"],
        "region 'us east 1' is not an AWS region name: use e.g. us-east-1 (--region or "
        "AWS_REGION / AWS_DEFAULT_REGION)",
        2,
    ),
    CliCase(
        "unreachable endpoint (closed loopback port)",
        ["schema-load", "--endpoint-url", "{closed_url}"],
        "cannot reach {closed_url}: start the service (or `cruddur-lab up`) or fix "
        "AWS_ENDPOINT_URL",
        1,
    ),
    CliCase(
        "unreachable Postgres (closed port), password redacted",
        ["list-conversations", "andrewbrown"],
        f"cannot connect to Postgres at postgresql://postgres:***@127.0.0.1:{_PG_DOWN_PORT}/"
        "cruddur (Connection refused): start it or fix CONNECTION_URL",
        1,
        "seeded",
        env={"CONNECTION_URL": f"postgresql://postgres:hunter2@127.0.0.1:{_PG_DOWN_PORT}/cruddur"},
    ),
    CliCase(
        "users table missing (Postgres never seeded)",
        ["list-conversations", "andrewbrown"],
        "the users table does not exist: run `cruddur-lab seed` first",
        1,
        "table",
    ),
    CliCase(
        "CONNECTION_URL naming a database that does not exist",
        ["list-conversations", "andrewbrown"],
        'cannot connect to Postgres at {missing_db_url} (database "nope" does not exist): '
        "start it or fix CONNECTION_URL",
        1,
        "seeded",
        env={"CONNECTION_URL": "{missing_db_url}"},
    ),
    CliCase(
        "CONNECTION_URL that is not a URL",
        ["seed"],
        "CONNECTION_URL 'localhost:5432 cruddur' is not a Postgres URL: use e.g. "
        "postgresql://postgres:password@localhost:5432/cruddur",
        2,
        "table",
        env={"CONNECTION_URL": "localhost:5432 cruddur"},
    ),
    CliCase(
        "user pool id that does not exist",
        ["update-cognito-user-ids", "--pool-id", "us-east-1_DoesNotExist"],
        "User pool us-east-1_DoesNotExist does not exist: fix --pool-id / "
        "AWS_COGNITO_USER_POOL_ID or run `cruddur-lab cognito seed`",
        1,
        "seeded",
    ),
    CliCase(
        "no user pool at all",
        ["update-cognito-user-ids"],
        "no user pool named 'cruddur-user-pool': set AWS_COGNITO_USER_POOL_ID or run "
        "`cruddur-lab cognito seed`",
        1,
        "seeded",
    ),
    CliCase(
        "drop on aws without --yes",
        ["drop", "--engine", "aws"],
        f"refusing to drop table {TABLE_NAME!r} on real AWS without confirmation: add --yes "
        "if you really mean it",
        3,
        "seeded",
        # Any AWS call would hit this dead proxy and fail differently.
        env={"HTTPS_PROXY": "{closed_url}", "AWS_ACCESS_KEY_ID": "AKIAFAKE"},
    ),
    CliCase(
        "drop on `prod` (the bootcamp's word for aws) without --yes",
        ["drop", "--engine", "prod"],
        f"refusing to drop table {TABLE_NAME!r} on real AWS without confirmation: add --yes "
        "if you really mean it",
        3,
        "seeded",
        env={"HTTPS_PROXY": "{closed_url}", "AWS_ACCESS_KEY_ID": "AKIAFAKE"},
    ),
    CliCase(
        "index projecting KEYS_ONLY: seed refuses before writing (issue 15 item 1)",
        ["seed"],
        KEYS_ONLY,
        1,
        "keys_only",
    ),
    CliCase(
        "index projecting KEYS_ONLY: schema-load does not call it loaded (issue 15 item 1)",
        ["schema-load"],
        KEYS_ONLY,
        1,
        "keys_only",
    ),
    CliCase(
        "index projecting KEYS_ONLY: streams process refuses (issue 15 item 1)",
        ["streams", "process"],
        KEYS_ONLY,
        1,
        "keys_only",
    ),
    CliCase(
        "unknown conversation is not an empty one (issue 15 item 5)",
        ["get-conversation", UNKNOWN_CONVERSATION],
        f"no conversation {UNKNOWN_CONVERSATION}: list the real ones with `cruddur-lab "
        "list-conversations HANDLE` (the seed group is the default)",
        1,
        "seeded",
    ),
    CliCase(
        "run --engine aws -p reset True without --yes (issue 15 item 2)",
        ["run", "01", "--engine", "aws", "-p", "reset", "True", "--output", "{tmp}"],
        f"refusing to run with reset on real AWS: it drops table {TABLE_NAME!r}; add --yes "
        "if you really mean it",
        3,
        env={"HTTPS_PROXY": "{closed_url}", "AWS_ACCESS_KEY_ID": "AKIAFAKE"},
    ),
    CliCase(
        "walkthrough --engine aws without --yes, refused before the first step (issue 15 item 3)",
        ["walkthrough", "--engine", "aws"],
        "refusing to run the walkthrough (it writes to table 'cruddur-messages', the users "
        "database and a Cognito user pool) on real AWS without confirmation: add --yes if you "
        "really mean it",
        3,
        env={"HTTPS_PROXY": "{closed_url}", "AWS_ACCESS_KEY_ID": "AKIAFAKE"},
    ),
    CliCase(
        "notebooks check takes no engine options (issue 15 item 7)",
        ["notebooks", "check", "--engine", "aws", "--table", "prod-x"],
        "`notebooks check` does not use --engine, --table: drop them (it always runs the "
        "notebooks on a private embedded engine, as CI does; use `cruddur-lab run` to run "
        "them on another engine)",
        2,
        attach=False,
    ),
    CliCase(
        "notebooks refresh takes no engine options, before the subcommand either (item 7)",
        ["--now", "real", "notebooks", "refresh", "99"],
        "`notebooks refresh` does not use --now: drop it (it always runs the notebooks on a "
        "private embedded engine, as CI does; use `cruddur-lab run` to run them on another "
        "engine)",
        2,
        attach=False,
    ),
    CliCase(
        "env prints a running up's exports; only --up chooses which (issue 10)",
        ["env", "--table", "prod-x"],
        "`env` does not use --table: drop it (it prints the exports of a running up, as that "
        "up was started)",
        2,
        attach=False,
    ),
    CliCase(
        "up uses no AWS profile (issue 15 item 7)",
        ["up", "--profile", "sandbox", "--port", "1"],
        "`up` does not use --profile: drop it (it starts its own embedded services: AWS "
        "profiles are for engine aws, and --up picks a running up (name this one with --name))",
        2,
        attach=False,
    ),
    CliCase(
        "--profile on the embedded engine, which never reads one (issue 15 item 7)",
        ["scan", "--profile", "sandbox"],
        "--profile 'sandbox' is only used by engine aws: drop it, or add --engine aws",
        2,
    ),
    CliCase(
        "up on an impossible port",
        ["up", "--port", "70000"],
        "--port must be between 1 and 65535, got 70000",
        2,
        attach=False,
    ),
    *(
        CliCase(
            f"up --name {name!r} cannot name a state file (issue 22)",
            ["up", "--name", name],
            f"--name {name!r} cannot name a state file: use 1 to 64 letters, digits, '-' or '_'",
            2,
            attach=False,
        )
        for name in ("../evil", "a/b", "lab.1", "", "x" * 65, "lab 1")
    ),
    CliCase(
        "up --pg-password empty (issue 22)",
        ["up", "--pg-password", ""],
        "--pg-password is empty: drop it for a random password, or give one (the bootcamp's "
        "is `password`)",
        2,
        attach=False,
    ),
    CliCase(
        "up --pg-password while CONNECTION_URL names another Postgres (issue 22)",
        ["up", "--pg-password", "password", "--port", str(closed_port())],
        "--pg-password sets the password of `up`'s own Postgres, but CONNECTION_URL names "
        "another one: drop --pg-password or unset CONNECTION_URL",
        2,
        env={"CONNECTION_URL": f"postgresql://postgres:hunter2@127.0.0.1:{_PG_DOWN_PORT}/cruddur"},
        attach=False,
    ),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[case.id for case in CLI_CASES])
def test_cli_bad_input_is_one_line_and_writes_nothing(case, prepared, services, tmp_path, cli):
    lab, before = prepared(case.setup)
    state = str(tmp_path / "up.json")
    if case.attach:
        attach_state(state, services)
    places = {
        "{tmp}": str(tmp_path / "output"),
        "{closed_url}": _closed_url(),
        "{missing_db_url}": services.connection_url.replace("/cruddur?", "/nope?"),
    }

    def fill(text: str) -> str:
        for place, value in places.items():
            text = text.replace(place, value)
        return text

    env = clean_environment(
        CRUDDUR_LAB_STATE=state,
        AWS_SECRET_ACCESS_KEY="do-not-print-this-secret",
        **{key: fill(value) for key, value in case.env.items()},
    )
    argv = [fill(arg) for arg in case.argv]

    result = cli(argv, env, real_process=case.id in REAL_PROCESS)

    assert result.returncode == case.exit_code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if case.argparse:
        # argparse prints its usage first; its last line names the problem and the choices.
        assert result.stderr.strip().splitlines()[-1] == case.line
    elif isinstance(case.line, re.Pattern):
        line = only_error_line(result.stderr)
        assert case.line.fullmatch(line.removeprefix("cruddur-lab: error: ")), line
    else:
        expected = fill(case.line)
        assert only_error_line(result.stderr) == "cruddur-lab: error: " + expected
    assert "do-not-print-this-secret" not in result.stderr
    assert "hunter2" not in result.stderr
    assert snapshot(lab) == before
    assert not (tmp_path / "output").exists()


def test_injection_handle_leaves_users_table_in_place(seeded_lab, services, tmp_path, cli):
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    result = cli(["list-conversations", INJECTION], clean_environment(CRUDDUR_LAB_STATE=state))
    assert result.returncode == 1
    count = seeded_lab.pg.execute("SELECT count(*) FROM public.users").fetchone()[0]
    assert count == 6


# --- Postgres with a wrong password ---------------------------------------------------------


@pytest.fixture(scope="module")
def password_postgres():
    """A private Postgres that demands a password (the session's embedded one trusts)."""
    from pg_throwaway import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.require_password("the-right-one")
    yield server
    server.stop()


def test_wrong_postgres_password_is_one_line_naming_the_credentials(
    password_postgres, seeded_lab, services, tmp_path
):
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    before = snapshot(seeded_lab)
    wrong = password_postgres.url_with_password("guess-1234")
    result = run_cli(["seed"], clean_environment(CRUDDUR_LAB_STATE=state, CONNECTION_URL=wrong))
    assert result.returncode == 1
    redacted = wrong.replace("guess-1234", "***")
    assert only_error_line(result.stderr) == (
        f"cruddur-lab: error: Postgres at {redacted} refused the credentials (password "
        'authentication failed for user "postgres"): fix the user and password in '
        "CONNECTION_URL"
    )
    assert "guess-1234" not in result.stderr
    assert snapshot(seeded_lab) == before


def test_right_postgres_password_connects(password_postgres):
    """The control: the same server with the right password answers, so the case above
    fails because of the password and nothing else."""
    from cruddur_lab.engine.lab import connect_postgres

    with connect_postgres(password_postgres.url_with_password("the-right-one")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


# --- library cases -------------------------------------------------------------------------


def _giant_message(lab: Any) -> dict[str, str]:
    """A message item over DynamoDB's 400 KB item limit (401 KiB of text)."""
    sender = User(uuid="00000000-0000-4000-8000-000000000001", handle="x", display_name="X")
    return message_item(
        message_group_uuid=SEED_GROUP_UUID,
        message_uuid="00000000-0000-4000-8000-000000000002",
        sender=sender,
        text="a" * (401 * 1024),
        created_at=lab.clock.timestamp(),
    )


def _batch_write_giant(lab: Any) -> None:
    from cruddur_lab.scripts.seed import batch_write

    batch_write(lab, [_giant_message(lab)])


def _table_put_giant(lab: Any) -> None:
    with lab.translate_errors():
        lab.table.put_item(Item=_giant_message(lab))


def _require_table(lab: Any) -> None:
    from cruddur_lab.scripts.schema import require_table

    require_table(lab)


def _find_injection(lab: Any) -> None:
    from cruddur_lab.scripts.usersdb import find_user_by_handle

    find_user_by_handle(lab, INJECTION)


def _find_by_cognito_id(lab: Any) -> None:
    from cruddur_lab.scripts.usersdb import find_user_by_cognito_id

    find_user_by_cognito_id(lab, "no-such-sub")


def _sync_missing_pool(lab: Any) -> None:
    from cruddur_lab.scripts.cognito import update_cognito_user_ids

    update_cognito_user_ids(lab, "us-east-1_Missing")


def _get_conversation_blank(lab: Any) -> None:
    from cruddur_lab.scripts.reads import get_conversation

    get_conversation(lab, "   ")


def _resolve_conflict(lab: Any) -> None:
    settings_module.resolve("embedded", environ={"AWS_ENDPOINT_URL": "http://127.0.0.1:8000"})


def _connect_closed(lab: Any) -> None:
    from cruddur_lab.engine.lab import connect_postgres

    connect_postgres(f"postgresql://postgres:pw@127.0.0.1:{closed_port()}/cruddur")


@dataclass(frozen=True)
class LibraryCase:
    id: str
    call: Any
    error: type[CruddurLabError]
    #: The whole message, or a regex it must match in full.
    message: str | re.Pattern[str]
    setup: str = "seeded"
    aws_code: str | None = None


LIBRARY_CASES = [
    LibraryCase(
        "item over 400 KB through seed.batch_write",
        _batch_write_giant,
        CruddurLabError,
        re.compile(
            r"ValidationException: Item size (to update )?has exceeded the maximum allowed size.*"
        ),
        aws_code="ValidationException",
    ),
    LibraryCase(
        "item over 400 KB through a raw table put",
        _table_put_giant,
        CruddurLabError,
        re.compile(
            r"ValidationException: Item size (to update )?has exceeded the maximum allowed size.*"
        ),
        aws_code="ValidationException",
    ),
    LibraryCase(
        "require_table on the bootcamp's first schema",
        _require_table,
        TableMismatch,
        NO_GSI,
        "no_gsi",
    ),
    LibraryCase(
        "require_table on wrong keys", _require_table, TableMismatch, WRONG_KEYS, "wrong_keys"
    ),
    LibraryCase(
        "SQL injection handle lookup",
        _find_injection,
        NotFound,
        f"no user with handle {INJECTION!r}: run `cruddur-lab seed` or check the name",
    ),
    LibraryCase(
        "unknown cognito_user_id",
        _find_by_cognito_id,
        NotFound,
        "no user with cognito_user_id 'no-such-sub': "
        "run `cruddur-lab update-cognito-user-ids` first",
    ),
    LibraryCase(
        "update-cognito-user-ids on a missing pool",
        _sync_missing_pool,
        CognitoError,
        "User pool us-east-1_Missing does not exist: fix --pool-id / AWS_COGNITO_USER_POOL_ID "
        "or run `cruddur-lab cognito seed`",
        aws_code="ResourceNotFoundException",
    ),
    LibraryCase(
        "whitespace-only group uuid",
        _get_conversation_blank,
        InvalidArgument,
        f"message group uuid '   ' is not a uuid: pass a uuid such as {SEED_GROUP_UUID}",
    ),
    LibraryCase(
        "embedded chosen with an endpoint in the environment",
        _resolve_conflict,
        ConfigError,
        "engine 'embedded' conflicts with AWS_ENDPOINT_URL=http://127.0.0.1:8000: drop "
        "--engine embedded to use that endpoint, or unset AWS_ENDPOINT_URL",
        setup="empty",
    ),
    LibraryCase(
        "Postgres on a closed port",
        _connect_closed,
        PostgresUnreachable,
        re.compile(
            r"cannot connect to Postgres at postgresql://postgres:\*\*\*@127\.0\.0\.1:\d+/cruddur "
            r"\(Connection refused\): start it or fix CONNECTION_URL"
        ),
        setup="empty",
    ),
]


@pytest.mark.parametrize("case", LIBRARY_CASES, ids=[case.id for case in LIBRARY_CASES])
def test_library_bad_input_raises_one_line_and_writes_nothing(case, lab):
    SETUPS[case.setup](lab)
    before = snapshot(lab)
    with pytest.raises(case.error) as raised:
        case.call(lab)
    message = str(raised.value)
    assert "\n" not in message
    if isinstance(case.message, re.Pattern):
        assert case.message.fullmatch(message), message
    else:
        assert message == case.message
    assert raised.value.aws_code == case.aws_code
    assert snapshot(lab) == before


def test_app_validation_keeps_message_items_far_below_the_item_limit():
    """The longest message validation accepts, in the widest characters, makes a message
    item far below DynamoDB's 400 KB; one character more is refused. Measured on the item
    the app would write (``model.message_item``, ``capacity.item_size``), not computed from
    the constant, so raising the limit or widening the item would fail here."""
    from cruddur_lab.app.validation import require_text
    from cruddur_lab.capacity import MAX_ITEM_BYTES, item_size
    from cruddur_lab.errors import ServiceError

    longest = require_text("\U0001f600" * MAX_MESSAGE_CHARS)  # 4 UTF-8 bytes each
    sender = User(
        uuid="00000000-0000-4000-8000-000000000001",
        handle="h" * 64,
        display_name="\U0001f600" * 256,
    )
    item = message_item(
        message_group_uuid=SEED_GROUP_UUID,
        message_uuid="00000000-0000-4000-8000-000000000002",
        sender=sender,
        text=longest,
        created_at="2026-03-01T12:00:00.000000+00:00",
    )
    assert item_size(item) < MAX_ITEM_BYTES // 50
    with pytest.raises(ServiceError):
        require_text(longest + "a")


def test_a_malformed_uuid_exits_2_on_every_path(seeded_lab, services, tmp_path, cli):
    """Issue 15 item 6: the same fault, the same exit code, whichever command sees it."""
    from cruddur_lab.scripts.cognito import seed_user_pool, update_cognito_user_ids

    update_cognito_user_ids(seeded_lab, seed_user_pool(seeded_lab))
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    env = clean_environment(CRUDDUR_LAB_STATE=state)
    paths = [
        ["get-conversation", "not-a-uuid"],
        ["messages", "list", "not-a-uuid", "--as", "andrewbrown"],
        ["messages", "send", "not-a-uuid", "hi", "--as", "andrewbrown"],
    ]
    exits = {" ".join(argv[:2]): cli(argv, env).returncode for argv in paths}
    assert exits == {
        "get-conversation not-a-uuid": 2,
        "messages list": 2,
        "messages send": 2,
    }


def test_a_postgres_refusal_after_the_pool_was_made_claims_nothing_false(
    lab, services, tmp_path, cli
):
    """Issue 15 item 8: acting as a user on a fresh engine creates the user pool, then copies
    the subs into Postgres. When Postgres refuses that copy, the pool stays: the line must
    not say that nothing was saved."""
    setup_seeded(lab)
    lab.pg.execute(
        "ALTER TABLE public.users ADD CONSTRAINT still_mock CHECK (cognito_user_id = 'MOCK')"
    )
    before = snapshot(lab)
    assert before["pools"] == {}
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    result = cli(
        ["messages", "list", "--as", "andrewbrown"], clean_environment(CRUDDUR_LAB_STATE=state)
    )
    after = snapshot(lab)
    assert result.returncode == 1
    assert only_error_line(result.stderr) == (
        'cruddur-lab: error: Postgres refused a statement (new row for relation "users" '
        'violates check constraint "still_mock"): check the users database named by '
        "CONNECTION_URL"
    )
    assert list(after["pools"]) == ["cruddur-user-pool"]  # made before Postgres refused
    assert after["users"] == before["users"]  # the refused update left the rows as they were


def test_cognito_user_without_preferred_username_is_reported_and_left_alone(seeded_lab):
    """Not an error: the sync reports the user, writes nothing for it, updates the rest."""
    from cruddur_lab.scripts.cognito import seed_user_pool, update_cognito_user_ids

    pool_id = seed_user_pool(seeded_lab)
    seeded_lab.cognito.admin_create_user(
        UserPoolId=pool_id,
        Username="nohandle",
        UserAttributes=[{"Name": "email", "Value": "nohandle@example.com"}],
        MessageAction="SUPPRESS",
    )
    before = dict(
        seeded_lab.pg.execute("SELECT handle, cognito_user_id FROM public.users").fetchall()
    )
    report = update_cognito_user_ids(seeded_lab, pool_id)
    after = dict(
        seeded_lab.pg.execute("SELECT handle, cognito_user_id FROM public.users").fetchall()
    )
    assert report.without_handle == ["nohandle"]
    assert set(after) == set(before)  # no row appeared for it
    assert sorted(report.updated) == sorted(before)  # every seed user got its sub
    assert all(value != "MOCK" for value in after.values())


# --- the app's service layer (patterns A–D) -----------------------------------------------


def setup_synced(lab: Any) -> None:
    """Seeded, with the user pool made and every seed user's Cognito sub copied over, so
    acting as a user writes nothing by itself."""
    from cruddur_lab.scripts.cognito import seed_user_pool, update_cognito_user_ids

    setup_seeded(lab)
    update_cognito_user_ids(lab, seed_user_pool(lab))


SETUPS["synced"] = setup_synced


class PreparedEngine:
    """The session's engine as a setup left it, built once and reused by the next cases that
    need the same setup.

    A case only reads, and proves it: it compares its own before and after snapshots. So the
    engine is reused only while it still holds exactly what the setup built (the snapshot is
    equal); after a case that wrote, or another test that reset the engine, the next case
    empties it and builds again, as the ``lab`` fixture would.
    """

    def __init__(self, services: Any) -> None:
        self.services = services
        self.built: tuple[str, dict[str, Any]] | None = None

    def open(self, setup: str) -> tuple[Any, dict[str, Any]]:
        """A fresh Lab on the engine as ``setup`` leaves it, and that state's snapshot."""
        from cruddur_lab.clock import DEFAULT_NOW
        from cruddur_lab.engine.lab import Lab

        lab = Lab.on_services(self.services, now=DEFAULT_NOW)
        if self.built is not None and self.built[0] == setup:
            current = snapshot(lab)
            if current == self.built[1]:
                return lab, current
        self.services.reset()
        SETUPS[setup](lab)
        self.built = (setup, snapshot(lab))
        return lab, self.built[1]


@pytest.fixture(scope="module")
def prepared_engine(services):
    return PreparedEngine(services)


@pytest.fixture
def prepared(prepared_engine):
    """``prepared(setup)``: (a Lab on the engine as ``setup`` leaves it, its snapshot)."""
    opened = []

    def open_prepared(setup: str) -> tuple[Any, dict[str, Any]]:
        lab, before = prepared_engine.open(setup)
        opened.append(lab)
        return lab, before

    yield open_prepared
    for lab in opened:
        lab.close()


UNKNOWN_GROUP = "0f0f0f0f-0000-4000-8000-000000000000"
#: Three people joined by two zero-width joiners: five code points, one visible emoji.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
#: "é" as e + COMBINING ACUTE ACCENT: two code points, one visible letter.
E_ACUTE = "e\u0301"


def _send(text: Any, group: Any = SEED_GROUP_UUID, handle: str = "andrewbrown") -> Any:
    def call(lab: Any) -> None:
        from cruddur_lab.app import patterns

        patterns.create_message(lab, patterns.provision_caller(lab, handle), group, text)

    return call


def _start(receiver: Any, text: Any = "hello", handle: str = "andrewbrown") -> Any:
    def call(lab: Any) -> None:
        from cruddur_lab.app import patterns

        patterns.create_message_group(lab, patterns.provision_caller(lab, handle), receiver, text)

    return call


def _list(group: Any, handle: str = "andrewbrown", token: str | None = None) -> Any:
    def call(lab: Any) -> None:
        from cruddur_lab.app import patterns

        caller = patterns.provision_caller(lab, handle)
        patterns.list_messages(lab, caller, group, page_token=token)

    return call


def _groups(limit: Any = None, token: str | None = None) -> Any:
    def call(lab: Any) -> None:
        from cruddur_lab.app import patterns

        caller = patterns.provision_caller(lab, "andrewbrown")
        patterns.list_message_groups(lab, caller, limit=limit, page_token=token)

    return call


def _as_caller(cognito_user_id: str) -> Any:
    def call(lab: Any) -> None:
        from cruddur_lab.app import patterns

        patterns.create_message(lab, cognito_user_id, SEED_GROUP_UUID, "hi")

    return call


#: (id, call, ServiceError code, a fragment the line must contain)
SERVICE_CASES = [
    ("empty message", _send(""), "message_blank", "empty"),
    ("whitespace-only message", _send(" \t\n\u3000 "), "message_blank", "empty"),
    ("no message at all (None)", _send(None), "message_blank", "empty"),
    ("1,025 ASCII characters", _send("a" * 1025), "message_exceed_max_chars", "1025"),
    ("1,025 emoji (4,100 bytes)", _send("\U0001f600" * 1025), "message_exceed_max_chars", "1025"),
    (
        "1,024 emoji and one letter",
        _send("\U0001f600" * 1024 + "a"),
        "message_exceed_max_chars",
        "1025",
    ),
    (
        "205 ZWJ families are 1,025 code points",
        _send(FAMILY * 205),
        "message_exceed_max_chars",
        "1025",
    ),
    (
        "513 combining é are 1,026 code points",
        _send(E_ACUTE * 513),
        "message_exceed_max_chars",
        "1026",
    ),
    ("blank group uuid", _send("hi", group=""), "message_group_uuid_blank", "group"),
    ("malformed group uuid", _send("hi", group="5ae290ed"), "invalid_message_group_uuid", "uuid"),
    (
        "SQL injection as a group uuid",
        _send("hi", group=INJECTION),
        "invalid_message_group_uuid",
        "uuid",
    ),
    ("unknown group uuid (send)", _send("hi", group=UNKNOWN_GROUP), "not_a_member", UNKNOWN_GROUP),
    ("unknown group uuid (list)", _list(UNKNOWN_GROUP), "not_a_member", UNKNOWN_GROUP),
    ("not a member sends", _send("hi", handle="londo"), "not_a_member", "londo"),
    ("not a member reads", _list(SEED_GROUP_UUID, handle="londo"), "not_a_member", "londo"),
    ("blank receiver handle", _start(""), "receiver_handle_blank", "handle"),
    ("whitespace receiver handle", _start("   "), "receiver_handle_blank", "handle"),
    ("unknown receiver", _start("nobody"), "receiver_not_found", "nobody"),
    ("SQL injection as a receiver", _start(INJECTION), "receiver_not_found", "DROP TABLE"),
    ("messaging yourself", _start("andrewbrown"), "cannot_message_self", "andrewbrown"),
    ("messaging yourself, padded", _start("  andrewbrown "), "cannot_message_self", "andrew"),
    ("new group with an empty message", _start("londo", text=""), "message_blank", "empty"),
    (
        "new group with 1,025 characters",
        _start("londo", text="x" * 1025),
        "message_exceed_max_chars",
        "1025",
    ),
    ("inbox limit 0", _groups(limit=0), "invalid_limit", "0"),
    ("inbox limit -3", _groups(limit=-3), "invalid_limit", "-3"),
    ("garbage page token", _groups(token="%%%not-base64"), "invalid_page_token", "token"),
    (
        "page token of another conversation",
        _list(SEED_GROUP_UUID, token="eyJwayI6Ik1TRyN4Iiwic2siOiJ4In0="),
        "invalid_page_token",
        "another",
    ),
    (
        "lone surrogate in the message",
        _send("caf\udce9"),
        "message_invalid_characters",
        "lone surrogate",
    ),
    ("NUL in the receiver handle", _start("bay\x00ko"), "receiver_not_found", "bay"),
    ("lone surrogate in the receiver", _start("bayk\udcf6"), "receiver_not_found", "bayk"),
    ("NUL in the caller id", _as_caller("sub\x00"), "caller_not_found", "sub"),
    ("caller MOCK", _as_caller("MOCK"), "caller_not_found", "MOCK"),
    ("caller with an unknown sub", _as_caller("no-such-sub"), "caller_not_found", "no-such-sub"),
]


@pytest.mark.parametrize(
    ("call", "code", "fragment"),
    [case[1:] for case in SERVICE_CASES],
    ids=[case[0] for case in SERVICE_CASES],
)
def test_service_bad_input_is_a_coded_line_and_writes_nothing(call, code, fragment, prepared):
    from cruddur_lab.errors import ServiceError

    lab, before = prepared("synced")
    with pytest.raises(ServiceError) as raised:
        call(lab)
    assert raised.value.code == code
    message = str(raised.value)
    assert "\n" not in message
    assert fragment in message
    assert snapshot(lab) == before
    assert "users" in before["pg_tables"] and snapshot(lab)["pg_tables"] == before["pg_tables"]


@pytest.mark.parametrize(
    "text",
    [
        "a" * MAX_MESSAGE_CHARS,
        "\U0001f600" * MAX_MESSAGE_CHARS,
        FAMILY * 204 + "abcd",
        E_ACUTE * 512,
        "é" * MAX_MESSAGE_CHARS,  # precomposed: one code point, two bytes
    ],
    ids=["1,024 ASCII", "1,024 emoji", "204 families + 4", "512 combining é", "1,024 é"],
)
def test_messages_at_the_limit_are_stored_exactly(text, lab):
    """The positive boundary: 1,024 code points, whatever their byte length, round-trip."""
    from cruddur_lab.app import patterns

    setup_synced(lab)
    caller = patterns.provision_caller(lab, "andrewbrown")
    sent = patterns.create_message(lab, caller, SEED_GROUP_UUID, text)
    stored = lab.table.get_item(Key={"pk": f"MSG#{SEED_GROUP_UUID}", "sk": sent.created_at})
    assert stored["Item"]["message"] == text
    assert len(stored["Item"]["message"]) == MAX_MESSAGE_CHARS


CLI_SERVICE_CASES = [
    (
        "send empty",
        ["messages", "send", SEED_GROUP_UUID, "", "--as", "andrewbrown"],
        "message_blank",
        2,
    ),
    (
        "send 1,025 characters",
        ["messages", "send", SEED_GROUP_UUID, "z" * 1025, "--as", "andrewbrown"],
        "message_exceed_max_chars",
        2,
    ),
    (
        "send 1,025 emoji",
        ["messages", "send", SEED_GROUP_UUID, "\U0001f389" * 1025, "--as", "bayko"],
        "message_exceed_max_chars",
        2,
    ),
    (
        "send to a malformed group",
        ["messages", "send", "nope", "hi", "--as", "andrewbrown"],
        "invalid_message_group_uuid",
        2,
    ),
    (
        "send to an unknown group",
        ["messages", "send", UNKNOWN_GROUP, "hi", "--as", "andrewbrown"],
        "not_a_member",
        1,
    ),
    ("read as a non-member", ["messages", "list", "--as", "londo"], "not_a_member", 1),
    (
        "start with yourself",
        ["messages", "start", "bayko", "hi", "--as", "bayko"],
        "cannot_message_self",
        1,
    ),
    (
        "start with nobody",
        ["messages", "start", "nobody", "hi", "--as", "andrewbrown"],
        "receiver_not_found",
        1,
    ),
    (
        "start with an injection",
        ["messages", "start", INJECTION, "hi", "--as", "andrewbrown"],
        "receiver_not_found",
        1,
    ),
    (
        "inbox --limit 0",
        ["groups", "list", "--as", "andrewbrown", "--limit", "0"],
        "invalid_limit",
        2,
    ),
    (
        # b"caf\xe9" from a Latin-1 terminal: Python hands it over as a lone surrogate
        "send Latin-1 bytes",
        ["messages", "send", SEED_GROUP_UUID, "caf\udce9", "--as", "andrewbrown"],
        "message_invalid_characters",
        2,
    ),
]


@pytest.mark.parametrize(
    ("argv", "code", "exit_code"),
    [case[1:] for case in CLI_SERVICE_CASES],
    ids=[case[0] for case in CLI_SERVICE_CASES],
)
def test_cli_service_bad_input_names_its_code(
    argv, code, exit_code, prepared, services, tmp_path, cli, request
):
    """Malformed input (usage) exits 2, a well-formed request the data refuses exits 1."""
    lab, before = prepared("synced")
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    real_process = request.node.callspec.id in REAL_PROCESS
    result = cli(argv, clean_environment(CRUDDUR_LAB_STATE=state), real_process=real_process)
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    assert only_error_line(result.stderr).startswith(f"cruddur-lab: error: {code}: ")
    assert snapshot(lab) == before


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["messages", "send", SEED_GROUP_UUID, "   ", "--as", "andrewbrown"], "message_blank"),
        (["messages", "send", "nope", "hi", "--as", "andrewbrown"], "invalid_message_group_uuid"),
        (["messages", "start", "", "hi", "--as", "bayko"], "receiver_handle_blank"),
        (["messages", "start", "londo", "y" * 1025, "--as", "bayko"], "message_exceed_max_chars"),
    ],
    ids=["blank text", "malformed group", "blank receiver", "1,025 characters"],
)
def test_cli_rejects_bad_input_before_acting_as_anyone(
    argv, code, prepared, services, tmp_path, cli
):
    """Before the seed users are synced with Cognito, acting as one makes the pool and copies
    the subs over; a request refused anyway must not leave even that behind."""
    lab, before = prepared("seeded")
    assert before["pools"] == {}
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    result = cli(argv, clean_environment(CRUDDUR_LAB_STATE=state))
    assert result.returncode == 2, result.stderr  # usage: malformed on its face
    assert only_error_line(result.stderr).startswith(f"cruddur-lab: error: {code}: ")
    assert snapshot(lab) == before


def test_cli_acting_as_an_unknown_handle_is_one_line(prepared, services, tmp_path, cli):
    lab, before = prepared("synced")
    state = str(tmp_path / "up.json")
    attach_state(state, services)
    result = cli(["messages", "list", "--as", "nobody"], clean_environment(CRUDDUR_LAB_STATE=state))
    assert result.returncode == 1
    assert only_error_line(result.stderr) == (
        "cruddur-lab: error: no user with handle 'nobody': run `cruddur-lab seed` or check the name"
    )
    assert snapshot(lab) == before


# --- a shared machine: state that is not this user's alone (issue 22) ------------------------
#
# Each case plants a state folder or file under the test's own folder, then runs a command
# that would attach to it. The planted record itself is live and points at the session's
# engine (which holds a table): were it attached to, the command would succeed. Every case
# must instead end in the exact line and exit code, and leave every planted file as it was
# (type, mode, owner, bytes). Cases marked "root" chown to the system's `nobody` user, the
# other user of a CI machine; elsewhere they are skipped with the reason.

NOT_ROOT = "needs root: plants state owned by the system's `nobody` user (the other user)"
STATE_FIX = "`cruddur-lab up` writes its records itself, readable by you alone"
NOT_OURS = (
    "belongs to user 'nobody', not to you: nothing in it is used; remove it, or set TMPDIR "
    "(or CRUDDUR_LAB_STATE) to a place of your own"
)
NOT_RECORD = "state file {place} is not a record of `cruddur-lab up` ({why}): delete it"
NO_UP = "no `cruddur-lab up` is running: start one first (cruddur-lab up)"


@dataclass
class Planting:
    """What a case plants with: a live record of the session's engine, the place, helpers."""

    place: Path
    record: dict[str, Any]
    spare: Path
    other_pid: int | None = None

    def write(self, path: Path, text: str, mode: int = 0o600) -> Path:
        path.write_text(text)
        path.chmod(mode)
        return path

    def record_text(self, **changes: Any) -> str:
        return json.dumps({**self.record, **changes})

    def folder(self, mode: int = 0o700) -> Path:
        self.place.mkdir()
        self.place.chmod(mode)
        return self.place


def _nobody() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _give_to_nobody(*paths: Path) -> None:
    for path in paths:
        os.chown(path, *_nobody(), follow_symlinks=False)


# File cases: the place is the file CRUDDUR_LAB_STATE names.
def _file_text(text: str, mode: int = 0o600) -> Any:
    return lambda p: p.write(p.place, text, mode)


def _file_record(mode: int = 0o600, **changes: Any) -> Any:
    return lambda p: p.write(p.place, p.record_text(**changes), mode)


def _file_symlink(p: Planting) -> None:
    p.place.symlink_to(p.write(p.spare / "real.json", p.record_text()))


def _file_dangling(p: Planting) -> None:
    p.place.symlink_to(p.spare / "gone.json")


def _file_fifo(p: Planting) -> None:
    os.mkfifo(p.place, 0o600)  # a reader that waited on it would hang forever


def _file_of_nobody(p: Planting) -> None:
    _give_to_nobody(p.write(p.place, p.record_text()))


def _file_other_users_process(p: Planting) -> None:
    p.write(p.place, p.record_text(**_identity(p.other_pid)))


def _identity(pid: int | None) -> dict[str, Any]:
    assert pid is not None
    return {"pid": pid, "started": psutil.Process(pid).create_time()}


# Folder cases: the place is the state folder under TMPDIR; records are up-NAME.json in it.
def _folder_record(
    name: str = "up-8000.json",
    mode: int = 0o600,
    folder_mode: int = 0o700,
    text: str | None = None,
    **changes: Any,
) -> Any:
    def plant(p: Planting) -> None:
        p.folder(folder_mode)
        p.write(p.place / name, text if text is not None else p.record_text(**changes), mode)
        p.place.chmod(folder_mode)  # mkdir's mode passes through the umask

    return plant


def _folder_symlink(p: Planting) -> None:
    real = p.spare / "real-folder"
    real.mkdir(mode=0o700)
    p.write(real / "up-8000.json", p.record_text())
    p.place.symlink_to(real)


def _folder_is_a_file(p: Planting) -> None:
    p.write(p.place, p.record_text())


def _folder_of_nobody(p: Planting) -> None:
    _folder_record()(p)
    _give_to_nobody(p.place / "up-8000.json", p.place)


def _record_of_nobody(p: Planting) -> None:
    _folder_record()(p)
    _give_to_nobody(p.place / "up-8000.json")


def _record_symlink(p: Planting) -> None:
    p.folder()
    (p.place / "up-8000.json").symlink_to(p.write(p.spare / "real.json", p.record_text()))


def _record_fifo(p: Planting) -> None:
    p.folder()
    os.mkfifo(p.place / "up-8000.json", 0o600)


def _record_of_other_users_process(p: Planting) -> None:
    _folder_record(**_identity(p.other_pid))(p)


@dataclass(frozen=True)
class StateCase:
    id: str
    plant: Any
    #: The error line after "cruddur-lab: error: "; {place} is the planted folder or file.
    line: str
    argv: tuple[str, ...] = ("list-tables",)
    #: The state folder under TMPDIR, else the file CRUDDUR_LAB_STATE names.
    in_folder: bool = False
    root: bool = False
    #: A process of the other user is running (its pid goes into the record).
    other_process: bool = False


_HUGE = 200_000
_FOREIGN_ENDPOINTS = (
    "http://10.0.0.5:8000",
    "http://169.254.169.254:80",
    "https://dynamodb.us-east-1.amazonaws.com",
    "http://localhost.example.com:8000",
    "http://127.0.0.1.nip.io:8000",
    "file:///etc/passwd",
    "http://[::ffff:10.0.0.5]:8000",
)
_UP = ("up", "--port", "{port}", "--pg-port", "{port}")
_RECORD_IN_FOLDER = "{place}/up-8000.json"


def _refused_file(why: str, where: str = "{place}") -> str:
    return NOT_RECORD.replace("{place}", where).replace("{why}", why)


STATE_CASES = [
    StateCase("state file of garbage", _file_text("not json"), _refused_file("not a JSON object")),
    StateCase("empty state file", _file_text(""), _refused_file("not a JSON object")),
    StateCase(
        "state file holding a JSON list", _file_text("[1, 2]"), _refused_file("not a JSON object")
    ),
    StateCase(
        "state file holding a JSON string", _file_text('"up"'), _refused_file("not a JSON object")
    ),
    StateCase(
        "state file holding {}", _file_text("{}"), _refused_file("no pid, started, endpoint_url")
    ),
    StateCase(
        "state record without an endpoint",
        lambda p: p.write(p.place, json.dumps({"pid": os.getpid(), "started": 1.0})),
        _refused_file("no endpoint_url"),
    ),
    StateCase(
        "huge state file (200 kB), not read",
        _file_text("{" + " " * (_HUGE - 2) + "}"),
        f"state file {{place}} holds {_HUGE} bytes, more than any record of `up` (65536 at "
        "most): delete it",
    ),
    StateCase(
        "state record one byte over the cap",
        lambda p: p.write(p.place, p.record_text(name="x" * 65536)[:65537]),
        "state file {place} holds 65537 bytes, more than any record of `up` (65536 at most): "
        "delete it",
    ),
    *(
        StateCase(
            f"state record naming a foreign endpoint {url}",
            _file_record(endpoint_url=url),
            f"state file {{place}} names the endpoint {url!r}, which is not on this machine "
            "(`up` serves on 127.0.0.1 only): delete it",
        )
        for url in _FOREIGN_ENDPOINTS
    ),
    StateCase(
        "state file is a symbolic link",
        _file_symlink,
        f"state file {{place}} is a symbolic link: delete it ({STATE_FIX})",
    ),
    StateCase(
        "state file is a symbolic link: env prints nothing",
        _file_symlink,
        f"state file {{place}} is a symbolic link: delete it ({STATE_FIX})",
        argv=("env",),
    ),
    StateCase(
        "state file is a symbolic link: up refuses to start",
        _file_symlink,
        f"state file {{place}} is a symbolic link: delete it ({STATE_FIX})",
        argv=_UP,
    ),
    StateCase(
        "state file is a dangling symbolic link",
        _file_dangling,
        f"state file {{place}} is a symbolic link: delete it ({STATE_FIX})",
    ),
    StateCase(
        "state file is a folder",
        lambda p: p.folder(),
        f"state file {{place}} is not a regular file: delete it ({STATE_FIX})",
    ),
    StateCase(
        "state file is a FIFO (never waited on)",
        _file_fifo,
        f"state file {{place}} is not a regular file: delete it ({STATE_FIX})",
    ),
    StateCase(
        "state file writable by everyone",
        _file_record(0o666),
        "state file {place} is writable by other users (mode 0666): run `chmod 600 {place}`",
    ),
    StateCase(
        "state file writable by everyone: env prints nothing",
        _file_record(0o666),
        "state file {place} is writable by other users (mode 0666): run `chmod 600 {place}`",
        argv=("env",),
    ),
    StateCase(
        "state file writable by the group",
        _file_record(0o620),
        "state file {place} is writable by other users (mode 0620): run `chmod 600 {place}`",
    ),
    StateCase(
        "garbage in up's own state file: up refuses to start",
        _file_text("garbage"),
        _refused_file("not a JSON object"),
        argv=_UP,
    ),
    StateCase(
        "state file of another user", _file_of_nobody, f"state file {{place}} {NOT_OURS}", root=True
    ),
    StateCase(
        "state file of another user: env prints nothing",
        _file_of_nobody,
        f"state file {{place}} {NOT_OURS}",
        argv=("env",),
        root=True,
    ),
    StateCase(
        "state file of another user: up refuses to start",
        _file_of_nobody,
        f"state file {{place}} {NOT_OURS}",
        argv=_UP,
        root=True,
    ),
    StateCase(
        "record naming another user's process: env finds no up",
        _file_other_users_process,
        NO_UP,
        argv=("env",),
        root=True,
        other_process=True,
    ),
    # The state folder, $TMPDIR/cruddur-lab-UID/.
    StateCase(
        "state folder is a symbolic link",
        _folder_symlink,
        f"state folder {{place}} is a symbolic link: remove the link ({STATE_FIX}, in a "
        "folder of mode 0700)",
        in_folder=True,
    ),
    StateCase(
        "state folder is a symbolic link: up refuses to start",
        _folder_symlink,
        f"state folder {{place}} is a symbolic link: remove the link ({STATE_FIX}, in a "
        "folder of mode 0700)",
        argv=_UP,
        in_folder=True,
    ),
    StateCase(
        "state folder is a file",
        _folder_is_a_file,
        f"state folder {{place}} is not a folder: remove it ({STATE_FIX})",
        in_folder=True,
    ),
    *(
        StateCase(
            f"state folder of mode {mode:04o}",
            _folder_record(folder_mode=mode),
            f"state folder {{place}} is writable by other users (mode {mode:04o}): run "
            "`chmod 700 {place}`",
            in_folder=True,
        )
        for mode in (0o777, 0o770, 0o1777)
    ),
    StateCase(
        "state folder writable by everyone: up refuses to start",
        _folder_record(folder_mode=0o777),
        "state folder {place} is writable by other users (mode 0777): run `chmod 700 {place}`",
        argv=_UP,
        in_folder=True,
    ),
    StateCase(
        "state folder of another user",
        _folder_of_nobody,
        f"state folder {{place}} {NOT_OURS}",
        in_folder=True,
        root=True,
    ),
    StateCase(
        "state folder of another user: env prints nothing",
        _folder_of_nobody,
        f"state folder {{place}} {NOT_OURS}",
        argv=("env",),
        in_folder=True,
        root=True,
    ),
    StateCase(
        "state folder of another user: up refuses to start",
        _folder_of_nobody,
        f"state folder {{place}} {NOT_OURS}",
        argv=_UP,
        in_folder=True,
        root=True,
    ),
    StateCase(
        "record of another user in the state folder",
        _record_of_nobody,
        f"state file {_RECORD_IN_FOLDER} {NOT_OURS}",
        in_folder=True,
        root=True,
    ),
    StateCase(
        "record of another user in the state folder: env prints nothing",
        _record_of_nobody,
        f"state file {_RECORD_IN_FOLDER} {NOT_OURS}",
        argv=("env",),
        in_folder=True,
        root=True,
    ),
    StateCase(
        "record in the state folder is a symbolic link",
        _record_symlink,
        f"state file {_RECORD_IN_FOLDER} is a symbolic link: delete it ({STATE_FIX})",
        in_folder=True,
    ),
    StateCase(
        "record in the state folder is a FIFO",
        _record_fifo,
        f"state file {_RECORD_IN_FOLDER} is not a regular file: delete it ({STATE_FIX})",
        in_folder=True,
    ),
    StateCase(
        "record in the state folder writable by everyone",
        _folder_record(mode=0o666),
        f"state file {_RECORD_IN_FOLDER} is writable by other users (mode 0666): run "
        f"`chmod 600 {_RECORD_IN_FOLDER}`",
        in_folder=True,
    ),
    StateCase(
        "garbage record in the state folder",
        _folder_record(text="garbage"),
        _refused_file("not a JSON object", _RECORD_IN_FOLDER),
        in_folder=True,
    ),
    StateCase(
        "huge record in the state folder",
        _folder_record(text=" " * _HUGE),
        f"state file {_RECORD_IN_FOLDER} holds {_HUGE} bytes, more than any record of "
        "`up` (65536 at most): delete it",
        in_folder=True,
    ),
    StateCase(
        "record in the state folder naming a foreign endpoint",
        _folder_record(endpoint_url="http://10.0.0.5:8000"),
        f"state file {_RECORD_IN_FOLDER} names the endpoint 'http://10.0.0.5:8000', which "
        "is not on this machine (`up` serves on 127.0.0.1 only): delete it",
        in_folder=True,
    ),
    StateCase(
        "record in the state folder naming another user's process: env finds no up",
        _record_of_other_users_process,
        NO_UP,
        argv=("env",),
        in_folder=True,
        root=True,
        other_process=True,
    ),
    StateCase(
        "record naming another user's process: --up finds no such up",
        _record_of_other_users_process,
        "no running `up` is named or listens on '8000' (running: none): fix --up / "
        "CRUDDUR_LAB_UP, or start it with `cruddur-lab up --name 8000`",
        argv=("list-tables", "--up", "8000"),
        in_folder=True,
        root=True,
        other_process=True,
    ),
]


@pytest.fixture(scope="module")
def other_users_process():
    """A process of the system's `nobody` user (root only): `runuser -u nobody -- sleep`."""
    import subprocess
    import time

    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    runner = subprocess.Popen(["runuser", "-u", "nobody", "--", "sleep", "600"])
    try:
        # runuser may fork (a PAM session) or exec: the sleep is whichever runs as nobody.
        for _ in range(100):
            family = [psutil.Process(runner.pid), *psutil.Process(runner.pid).children()]
            sleeping = [p for p in family if p.uids().real == _nobody()[0]]
            if sleeping:
                break
            time.sleep(0.05)
        assert sleeping, "runuser started no process of nobody"
        yield sleeping[0].pid
    finally:
        for process in psutil.Process(runner.pid).children(recursive=True):
            process.kill()
        runner.kill()
        runner.wait()


def _planted(root: Path) -> list[tuple[Any, ...]]:
    """Every path under ``root``: its type and mode, owner, and bytes or link target."""
    found = []
    for folder, folders, files in os.walk(root, followlinks=False):
        for name in sorted([*folders, *files]):
            path = Path(folder) / name
            info = path.lstat()
            if path.is_symlink():
                content: Any = os.readlink(path)
            elif path.is_file():
                content = path.read_bytes()
            else:
                content = None
            found.append((str(path), info.st_mode, info.st_uid, content))
    return sorted(found)


@pytest.mark.parametrize("case", STATE_CASES, ids=[case.id for case in STATE_CASES])
def test_state_not_yours_alone_is_refused_in_one_line_and_never_used(
    case, prepared, services, tmp_path, request, cli
):
    if case.root and os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    # attached to, the session's engine would answer with this table
    lab, before = prepared("table")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    spare = tmp_path / "spare"
    spare.mkdir()
    record = {
        "pid": os.getpid(),
        "started": psutil.Process().create_time(),
        "endpoint_url": services.endpoint_url,
        "connection_url": services.connection_url,
        "table_name": TABLE_NAME,
    }
    if case.in_folder:
        place = tmpdir / f"cruddur-lab-{os.getuid()}"
        env = clean_environment(TMPDIR=str(tmpdir))
    else:
        place = tmp_path / "up.json"
        env = clean_environment(TMPDIR=str(tmpdir), CRUDDUR_LAB_STATE=str(place))
    other = request.getfixturevalue("other_users_process") if case.other_process else None
    case.plant(Planting(place, record, spare, other))
    planted = _planted(tmp_path)
    argv = [arg.replace("{port}", str(closed_port())) for arg in case.argv]

    result = cli(argv, env, real_process=case.id in REAL_PROCESS)

    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    expected = case.line.replace("{place}", str(place))
    assert only_error_line(result.stderr) == "cruddur-lab: error: " + expected
    assert _planted(tmp_path) == planted, "a planted file was changed, or something written"
    assert snapshot(lab) == before


def test_every_real_process_case_names_a_case():
    """A misspelt name in REAL_PROCESS would quietly run that case in this process."""
    names = {case.id for case in CLI_CASES} | {case[0] for case in CLI_SERVICE_CASES}
    assert REAL_PROCESS - names - {case.id for case in STATE_CASES} == set()
