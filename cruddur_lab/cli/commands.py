"""``cruddur-lab``: a thin command line over the library (parse, call, print).

Each command group is a module of this package holding its parsers beside its handlers
(``registry``); this module builds the parser from them, refuses engine options a command
would ignore, and maps library errors to one line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from cruddur_lab.cli.options import engine_options
from cruddur_lab.cli.registry import COMMANDS, add_commands
from cruddur_lab.errors import CruddurLabError, ServiceError, translate

#: The command groups (modules of ``cruddur_lab.cli``), in the order ``--help`` lists them.
#: A new group registers with one line here.
GROUPS = (
    "table",
    "data",
    "conversations",
    "cognito",
    "services",
    "notebooks",
    "modeling",
    "plan",
    "streams",
)
for _group in GROUPS:
    importlib.import_module(f"cruddur_lab.cli.{_group}")

__all__ = ["COMMANDS", "GROUPS", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parent = engine_options()
    parser = argparse.ArgumentParser(
        prog="cruddur-lab",
        description="DynamoDB single-table design, on Cruddur's direct messages.",
        parents=[parent],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(sub, parent)
    return parser


def refuse_unused_options(args: argparse.Namespace) -> None:
    """An engine option the command would ignore is refused, never silently dropped."""
    from cruddur_lab.engine.settings import ENGINE_OPTIONS
    from cruddur_lab.errors import InvalidArgument

    entry = COMMANDS[args.command]
    unused = [
        option.flag
        for option in ENGINE_OPTIONS
        if hasattr(args, option.attribute)
        and entry.engine_options is not None
        and option.attribute not in entry.engine_options
    ]
    if unused:
        words = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        raise InvalidArgument(
            f"`{words}` does not use {', '.join(unused)}: drop "
            f"{'it' if len(unused) == 1 else 'them'} ({entry.why})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        refuse_unused_options(args)
        return COMMANDS[args.command].handler(args) or 0
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except Exception as error:
        # The library translates what it expects; anything else a user can fix (an OS or
        # Postgres error outside a Lab call) is translated here, by the same translator.
        translated = translate(error)
        if translated is None:
            raise
        print(f"cruddur-lab: error: {error_line(translated)}", file=sys.stderr, flush=True)
        return translated.exit_code


def error_line(error: CruddurLabError) -> str:
    """The line after ``cruddur-lab: error:``; the app's errors lead with their code."""
    if isinstance(error, ServiceError):
        return f"{error.code}: {error}"
    return str(error)
