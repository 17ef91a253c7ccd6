"""``cruddur-lab plan``: what the model costs a month at a traffic you choose.

The per-call figures are measured on a freshly seeded scratch table of the engine (as the
catalogue measures them), then ``cruddur_lab.modeling.capacity_plan`` does the arithmetic.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from cruddur_lab.cli.options import open_lab, out
from cruddur_lab.cli.registry import command


def _add_profile_options(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    """The profile's options, as ``Profile`` declares them. Values are read as text and
    checked by the handler, so a bad one is one line (argparse's own type errors print the
    usage too)."""
    from cruddur_lab.modeling.capacity_plan import Profile

    for flag, _, default, help_text in Profile.options():
        parser.add_argument(
            flag, default=str(default), metavar="N", help=f"{help_text} ({default:g})"
        )
    parser.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="PATTERN=CALLS",
        help="calls a day of one pattern (A-E), instead of the profile's (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="the plan as one JSON object")


def _number(flag: str, text: str) -> float:
    from cruddur_lab.errors import InvalidArgument

    try:
        value = float(text)
    except ValueError:
        raise InvalidArgument(f"{flag} takes a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidArgument(f"{flag} takes a finite number, got {text!r}")
    return value


def profile_from(args: argparse.Namespace) -> Any:
    """The ``Profile`` the options describe; a value that cannot be one is refused."""
    from cruddur_lab.errors import InvalidArgument
    from cruddur_lab.modeling.capacity_plan import Profile

    values = {
        name: _number(flag, getattr(args, flag[2:].replace("-", "_")))
        for flag, name, _, _ in Profile.options()
    }
    rates = {}
    for given in args.rate:
        pattern, sep, calls = given.partition("=")
        if not sep:
            raise InvalidArgument(f"--rate takes PATTERN=CALLS (e.g. C=600), got {given!r}")
        rates[pattern.strip().upper()] = _number("--rate", calls)
    profile = Profile(**values, rates=rates)
    problems = profile.problems()
    if problems:
        raise InvalidArgument("; ".join(problems))
    return profile


@command(
    "plan",
    "a month of the model at a traffic you choose: on-demand against provisioned",
    arguments=_add_profile_options,
)
def cmd_plan(args: argparse.Namespace) -> None:
    from cruddur_lab.modeling.capacity_plan import plan
    from cruddur_lab.modeling.per_call import measure_per_call
    from cruddur_lab.modeling.plan_report import format_plan

    profile = profile_from(args)  # refused before an engine is started
    with open_lab(args) as lab:
        figures = measure_per_call(lab)
    result = plan(profile, figures)
    out(json.dumps(result.to_dict(), indent=2) if args.json else format_plan(result))
