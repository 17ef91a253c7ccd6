"""``cruddur-lab up``: the embedded services in the foreground, shared with other programs.

What the bootcamp's own code needs from it (DESIGN §8): DynamoDB, Streams and Cognito at one
loopback URL with one namespace for every region and key (like DynamoDB Local's
``-sharedDb``), Postgres over TCP with the bootcamp's URL shape and a database that accepts
its ``schema.sql``, and Pattern E applied to whatever any client writes. It records itself in
a state file (``engine.upstate``) so our own commands attach to it with its options, prints
``export`` lines a shell can source, and removes everything when it stops.

On a machine others share, its Postgres takes a random password (carried by the exports),
unless ``--pg-password`` pins one; then every local user can log in, and ``up`` says so.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cruddur_lab.cli.options import open_lab
from cruddur_lab.errors import ConfigError

#: The bootcamp's Postgres port; taken (a local Postgres), `up` serves another and says so.
DEFAULT_PG_PORT = 5432
#: ``--name`` becomes part of a file name in the state folder: no '/', no '.', no spaces.
_NAME_RULE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def serve(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    from cruddur_lab.engine import upstate

    if getattr(args, "engine", "embedded") not in ("embedded",):
        raise ConfigError("`up` runs the embedded engine only: drop --engine")
    name = _check_name(args.name) if args.name is not None else str(args.port)
    pg_password = _check_pg_password(getattr(args, "pg_password", None))
    state_file = upstate.state_file_for(name)
    running = upstate.read_state(state_file)
    if running:
        raise ConfigError(
            f"an `up` is already running (pid {running['pid']}) at {running['endpoint_url']} "
            f"with state file {state_file}: stop it first (Ctrl-C in its terminal), or run "
            "another beside it with its own --port and --name (or its own CRUDDUR_LAB_STATE)"
        )
    # With --print-env only the export lines go to stdout: `up --print-env > lab.env &`.
    say = _to_stderr if args.print_env else out
    pg_port, pg_note = _pg_port(args.pg_port)
    stop = threading.Event()
    with open_lab(
        args, attach=False, port=args.port, pg_port=pg_port, pg_password=pg_password
    ) as lab:
        if not lab.owns_services:
            raise ConfigError(
                f"`up` starts its own services, but AWS_ENDPOINT_URL points at "
                f"{lab.settings.endpoint_url}: unset AWS_ENDPOINT_URL first"
            )
        if pg_password is not None and not lab.services.tcp_connection_url:
            raise ConfigError(
                "--pg-password sets the password of `up`'s own Postgres, but CONNECTION_URL "
                "names another one: drop --pg-password or unset CONNECTION_URL"
            )
        # Whatever `up` writes from now on (its record, the stream processor's status) is
        # this user's alone. Not earlier: as root, pgserver's own user must read the
        # extension files written into its data folder.
        os.umask(0o077)
        if args.seed:
            _seed_everything(lab, say)
        # The bootcamp's bin/db/drop needs no session on its database: close ours.
        lab.close_postgres()
        # From here on Ctrl-C means "stop cleanly": a client that saw the state file or the
        # export lines may signal at once, before the stream processor has started.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        status_file = state_file.with_name(state_file.stem + upstate.STATUS_SUFFIX)
        # Written inside the Lab: if writing fails, closing the Lab stops the services.
        upstate.write_state(state_file, _record(lab, name, status_file))
        lab.on_close(lambda: state_file.unlink(missing_ok=True))
        lab.on_close(lambda: status_file.unlink(missing_ok=True))
        for line in banner(lab, name, pg_note, pinned=pg_password is not None):
            say(line)
        for line in export_lines(_record(lab, name, status_file)):
            out(line)
        say("press Ctrl-C to stop")
        _start_stream_processor(lab, say, status_file)
        stop.wait()
        say("stopping: services shut down, temporary data removed")
    return 0


def _check_name(name: str) -> str:
    from cruddur_lab.errors import InvalidArgument

    if not _NAME_RULE.fullmatch(name):
        raise InvalidArgument(
            f"--name {name!r} cannot name a state file: use 1 to 64 letters, digits, '-' or '_'"
        )
    return name


def _check_pg_password(password: str | None) -> str | None:
    from cruddur_lab.errors import InvalidArgument

    if password is not None and not password:
        raise InvalidArgument(
            "--pg-password is empty: drop it for a random password, or give one (the "
            "bootcamp's is `password`)"
        )
    return password


def _pg_port(asked: int | None) -> tuple[int, str | None]:
    """The port to serve Postgres on, and a note when the default one was taken."""
    from cruddur_lab.engine.postgres import port_is_free

    if asked is not None:
        return asked, None
    if port_is_free(DEFAULT_PG_PORT):
        return DEFAULT_PG_PORT, None
    return 0, f"port {DEFAULT_PG_PORT} is taken (another PostgreSQL?), so"


def _record(lab: Any, name: str, status_file: Path) -> dict[str, Any]:
    services = lab.services
    return {
        "name": name,
        "pid": os.getpid(),
        "endpoint_url": lab.settings.endpoint_url,
        "connection_url": services.tcp_connection_url or lab.settings.connection_url,
        "table_name": lab.settings.table_name,
        "region": lab.settings.region,
        "now": lab.settings.now,
        "streams_status": str(status_file),
    }


def banner(lab: Any, name: str, pg_note: str | None, *, pinned: bool = False) -> list[str]:
    """Prose lines: none starts with ``export``, so ``grep '^export'`` finds only exports."""
    from cruddur_lab.engine.settings import redact_url

    services = lab.services
    postgres = services.tcp_connection_url or lab.settings.connection_url
    lines = [
        f"cruddur-lab up: {lab.describe_engine()}, named {name!r}",
        f"DynamoDB, DynamoDB Streams and Cognito: {lab.settings.endpoint_url} (one namespace "
        f"for every region and access key, as DynamoDB Local's -sharedDb; stored as "
        f"{lab.settings.region})",
    ]
    if pg_note:
        lines.append(f"PostgreSQL: {pg_note} it listens on {redact_url(postgres)}")
    else:
        lines.append(f"PostgreSQL: {redact_url(postgres)}")
    if pinned:
        lines.append(
            "PostgreSQL password pinned by --pg-password: every local user can log in with it "
            "(without --pg-password, `up` picks a random one)"
        )
    lines.append(
        'For the bootcamp\'s scripts and app, run: eval "$(cruddur-lab env)" '
        "(our own commands find this up by themselves). The same, to paste:"
    )
    return lines


def export_lines(state: dict[str, Any]) -> list[str]:
    """``export NAME=value`` lines for the bootcamp's code, each value shell-quoted."""
    values = [
        ("AWS_ENDPOINT_URL", state.get("endpoint_url")),
        ("CONNECTION_URL", state.get("connection_url")),
        ("DDB_MESSAGE_TABLE", state.get("table_name")),
        ("AWS_DEFAULT_REGION", state.get("region")),
    ]
    return [f"export {name}={shlex.quote(str(value))}" for name, value in values if value]


def print_env(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    """``cruddur-lab env``: the export lines of the running ``up`` (which one: --up)."""
    from cruddur_lab.engine import upstate
    from cruddur_lab.engine.settings import resolve

    settings = resolve("embedded", up=getattr(args, "up", None), environ=_without_endpoint())
    running = upstate.find(settings.up, settings.state_file)
    if running is None:
        raise ConfigError("no `cruddur-lab up` is running: start one first (cruddur-lab up)")
    if running.discovered:
        _to_stderr(f"cruddur-lab: the exports of {running.describe()}")
    for line in export_lines(running.state):
        out(line)
    return 0


def _without_endpoint() -> dict[str, str]:
    """The environment minus endpoint settings: `env` after `eval "$(cruddur-lab env)"`
    must still find the `up`, not complain that AWS_ENDPOINT_URL conflicts with it."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "CRUDDUR_ENGINE")
    }


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _seed_everything(lab: Any, out: Callable[[str], None]) -> None:
    from cruddur_lab.scripts.cognito import seed_user_pool
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    out(str(schema_load(lab)))
    out(str(seed(lab)))
    out(f"user pool {seed_user_pool(lab)} seeded")


def _start_stream_processor(lab: Any, out: Callable[[str], None], status_file: Path) -> None:
    """Pattern E as the Lambda would run it: every message row any client writes to this
    endpoint moves its group rows. The processor waits for the table and its stream (the
    bootcamp's schema-load creates none) and says once what is missing and how to fix it."""
    from cruddur_lab.app.streams import StreamProcessor

    out(f"stream processor: started on table {lab.settings.table_name!r}")
    StreamProcessor(lab, notice=out, status_file=status_file).start()  # stopped by lab.close()
