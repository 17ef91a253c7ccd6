"""What every sub-command shares: the engine options, opening a Lab from them, printing.

``main`` (the parser and the commands) and ``up`` both use these; keeping them here is what
lets ``up`` stay below ``main`` without an import cycle.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def engine_options() -> argparse.ArgumentParser:
    """Options every sub-command takes, so they can follow the sub-command's name; built
    from ``settings.ENGINE_OPTIONS``, the one declaration of each."""
    from cruddur_lab.engine.settings import ENGINE_OPTIONS

    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("engine")
    for option in ENGINE_OPTIONS:
        group.add_argument(
            option.flag,
            dest=option.attribute,
            default=argparse.SUPPRESS,  # absent stays absent: the environment decides
            help=option.help,
            **({"choices": option.choices} if option.choices else {}),
            **({"metavar": option.metavar} if option.metavar else {}),
        )
    return parent


def open_lab(args: argparse.Namespace, **extra: Any) -> Any:
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.engine.settings import given_options, production_warnings

    options = given_options(args)
    lab = Lab.open(options.pop("engine", None), **options, **extra)
    # Said before the command touches anything, on stderr so piped output stays clean.
    for warning in production_warnings(lab.settings):
        print(f"cruddur-lab: warning: {warning}", file=sys.stderr, flush=True)
    if lab.attached is not None and lab.attached.discovered:
        # Found in the state folder, not named by CRUDDUR_LAB_STATE: say which one.
        print(f"cruddur-lab: using {lab.attached.describe()}", file=sys.stderr, flush=True)
    return lab


def out(text: str = "") -> None:
    print(text, flush=True)


def positive(value: int, flag: str, minimum: int = 1) -> int:
    """``value``, or the one line saying ``flag`` is below ``minimum``."""
    from cruddur_lab.errors import InvalidArgument

    if value < minimum:
        raise InvalidArgument(f"{flag} must be at least {minimum}, got {value}")
    return value
