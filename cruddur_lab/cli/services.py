"""The commands that share the embedded services: ``up`` and ``env`` (see ``cli.up``)."""

from __future__ import annotations

import argparse

from cruddur_lab.cli.options import out
from cruddur_lab.cli.registry import argument, command


@command(
    "up",
    "run the embedded services in the foreground for other programs to share",
    engine_options=frozenset(
        {"engine", "connection_url", "table_name", "table_prefix", "region", "now"}
    ),
    why="it starts its own embedded services: AWS profiles are for engine aws, and --up picks "
    "a running up (name this one with --name)",
)
@argument("--port", type=int, default=8000, help="DynamoDB/Cognito port (8000)")
@argument(
    "--pg-port",
    type=int,
    help="Postgres TCP port on 127.0.0.1 (5432, or a free one when 5432 is taken)",
)
@argument(
    "--pg-password",
    default=None,
    help="pin the Postgres password (default: random; a pinned one lets every local user in)",
)
@argument("--name", default=None, help="name of this up, to run several (its --port)")
@argument("--seed", action="store_true", help="schema-load, seed and cognito seed first")
@argument("--print-env", action="store_true", help="stdout gets only the export lines")
def cmd_up(args: argparse.Namespace) -> int:
    from cruddur_lab.cli.up import serve

    return serve(args, out)


@command(
    "env",
    'print the running up\'s export lines: eval "$(cruddur-lab env)"',
    engine_options=frozenset({"up"}),
    why="it prints the exports of a running up, as that up was started",
)
def cmd_env(args: argparse.Namespace) -> int:
    from cruddur_lab.cli.up import print_env

    return print_env(args, out)
