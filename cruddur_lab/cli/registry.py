"""The sub-command registry: each command module declares its parser beside its handler.

``@command(name, help)`` registers a handler; ``@argument(...)`` decorators under it add its
arguments (as click's decorators do), or ``arguments=`` builds a parser argparse cannot
describe argument by argument (nested actions). ``main`` builds the parser from here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[argparse.Namespace], "int | None"]


@dataclass
class Command:
    name: str
    help: str
    handler: Handler
    arguments: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    build: Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None] | None = None
    #: The engine options it uses (attributes); None for all of them.
    engine_options: frozenset[str] | None = None
    #: Why it uses only some: said when one it would ignore is refused.
    why: str = ""


#: Every sub-command, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    help: str,
    *,
    arguments: Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None] | None = None,
    engine_options: frozenset[str] | None = None,
    why: str = "",
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``cruddur-lab NAME``; ``engine_options`` names the engine
    options it reads when it does not read them all, and ``why``."""

    def register(handler: Handler) -> Handler:
        pending = getattr(handler, "_cli_arguments", [])
        declared = list(reversed(pending))
        COMMANDS[name] = Command(name, help, handler, declared, arguments, engine_options, why)
        return handler

    return register


def argument(*flags: Any, **options: Any) -> Callable[[Handler], Handler]:
    """One ``add_argument`` for the command registered above it, in reading order;
    ``exclusive="NAME"`` puts it in the mutually exclusive group NAME."""

    def add(handler: Handler) -> Handler:
        pending = getattr(handler, "_cli_arguments", [])
        handler._cli_arguments = [*pending, (flags, options)]  # type: ignore[attr-defined]
        return handler

    return add


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    for entry in COMMANDS.values():
        parser = sub.add_parser(
            entry.name, help=entry.help, description=entry.help, parents=[parent]
        )
        groups: dict[str, Any] = {}
        for flags, declared in entry.arguments:
            options = dict(declared)  # the parser may be built again: keep the declaration
            exclusive = options.pop("exclusive", None)  # one of a mutually exclusive group
            if exclusive and exclusive not in groups:
                groups[exclusive] = parser.add_mutually_exclusive_group()
            (groups[exclusive] if exclusive else parser).add_argument(*flags, **options)
        if entry.build is not None:
            entry.build(parser, parent)
