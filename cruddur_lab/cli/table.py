"""The table's commands: create, describe, list, drop and clean up tables."""

from __future__ import annotations

import argparse

from cruddur_lab.cli.options import open_lab, out
from cruddur_lab.cli.registry import argument, command

YES_ON_AWS = "confirm a destructive command on aws"


@command("schema-load", "create the table with its GSI and stream (no-op if it exists)")
@argument(
    "--billing-mode",
    choices=("PROVISIONED", "PAY_PER_REQUEST"),
    default="PROVISIONED",
    help="PROVISIONED 5/5 as in the bootcamp, or on-demand",
)
def cmd_schema_load(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import schema_load

    with open_lab(args) as lab:
        out(str(schema_load(lab, billing_mode=args.billing_mode)))


@command("drop", "delete the table (on aws only with --yes)")
@argument("--yes", action="store_true", help=YES_ON_AWS)
def cmd_drop(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import drop

    with open_lab(args) as lab:
        dropped = drop(lab, yes=args.yes)
        name = lab.settings.table_name
        out(
            f"table {name!r} dropped"
            if dropped
            else f"table {name!r} does not exist; nothing to drop"
        )


@command("list-tables", "list the engine's tables")
def cmd_list_tables(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import list_tables

    with open_lab(args) as lab:
        names = list_tables(lab)
        out("\n".join(names) if names else "(no tables)")


@command("cleanup", "delete every table whose name starts with a prefix (on aws only with --yes)")
@argument("--prefix", required=True, help="table-name prefix, e.g. your --table-prefix")
@argument("--yes", action="store_true", help=YES_ON_AWS)
def cmd_cleanup(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import cleanup

    with open_lab(args) as lab:
        names = cleanup(lab, args.prefix, yes=args.yes)
        for name in names:
            out(f"table {name!r} dropped")
        out(f"{len(names)} table(s) starting with {args.prefix!r} dropped")


@command("describe", "show the table's keys, GSI, stream and item count")
def cmd_describe(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_mapping
    from cruddur_lab.scripts.schema import require_table, summarize

    with open_lab(args) as lab:
        out(format_mapping(summarize(require_table(lab))))
