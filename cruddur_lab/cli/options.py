"""What every sub-command shares: the engine options, opening a Lab from them, printing.

``main`` (the parser and the commands) and ``up`` both use these; keeping them here is what
lets ``up`` stay below ``main`` without an import cycle.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def engine_options() -> argparse.ArgumentParser:
    """Options every sub-command takes, so they can follow the sub-command's name."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("engine")
    group.add_argument(
        "--engine",
        choices=("embedded", "endpoint", "aws", "prod"),
        default=argparse.SUPPRESS,
        help="embedded (default), endpoint (AWS_ENDPOINT_URL), aws (real AWS; 'prod' = aws)",
    )
    group.add_argument("--endpoint-url", default=argparse.SUPPRESS, help="DynamoDB/Cognito URL")
    group.add_argument(
        "--connection-url", default=argparse.SUPPRESS, help="Postgres URL (CONNECTION_URL)"
    )
    group.add_argument(
        "--table",
        dest="table_name",
        default=argparse.SUPPRESS,
        help="table name (DDB_MESSAGE_TABLE)",
    )
    group.add_argument(
        "--table-prefix",
        default=argparse.SUPPRESS,
        help="put in front of the table name, so learners share one account (CRUDDUR_TABLE_PREFIX)",
    )
    group.add_argument("--region", default=argparse.SUPPRESS, help="AWS region")
    group.add_argument("--profile", default=argparse.SUPPRESS, help="AWS profile (engine aws)")
    group.add_argument(
        "--up",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="which running `cruddur-lab up` to use, by name or port (CRUDDUR_LAB_UP)",
    )
    group.add_argument(
        "--now",
        default=argparse.SUPPRESS,
        help="pin the clock to an ISO-8601 time (CRUDDUR_NOW); 'real' for the real clock",
    )
    return parent


def open_lab(args: argparse.Namespace, **extra: Any) -> Any:
    from cruddur_lab.engine.lab import Lab

    options = {
        key: getattr(args, key)
        for key in (
            "endpoint_url",
            "connection_url",
            "table_name",
            "region",
            "profile",
            "now",
            "table_prefix",
            "up",
        )
        if hasattr(args, key)
    }
    from cruddur_lab.engine.settings import production_warnings

    lab = Lab.open(getattr(args, "engine", None), **options, **extra)
    # Said before the command touches anything, on stderr so piped output stays clean.
    for warning in production_warnings(lab.settings):
        print(f"cruddur-lab: warning: {warning}", file=sys.stderr, flush=True)
    if lab.attached is not None and lab.attached.discovered:
        # Found in the state folder, not named by CRUDDUR_LAB_STATE: say which one.
        print(f"cruddur-lab: using {lab.attached.describe()}", file=sys.stderr, flush=True)
    return lab


def out(text: str = "") -> None:
    print(text, flush=True)
