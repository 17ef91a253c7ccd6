"""Cognito's commands: the seed users' pool, and copying their subs into Postgres."""

from __future__ import annotations

import argparse
from typing import Any

from cruddur_lab.cli.options import open_lab, out, positive
from cruddur_lab.cli.registry import argument, command


@command("update-cognito-user-ids", "copy Cognito subs into users.cognito_user_id by handle")
@argument("--pool-id", default=None, help="user pool id (AWS_COGNITO_USER_POOL_ID)")
def cmd_update_cognito_user_ids(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.cognito import update_cognito_user_ids

    with open_lab(args, user_pool_id=args.pool_id) as lab:
        _print_sync(update_cognito_user_ids(lab))


def _print_sync(report: Any) -> None:
    out(str(report))
    for label, names in (
        ("updated", report.updated),
        ("already current", report.already_current),
        ("unmatched (no Postgres user with that handle)", report.unmatched),
        ("without preferred_username", report.without_handle),
    ):
        if names:
            out(f"  {label}: {', '.join(names)}")


@command("cognito", "manage the Cognito user pool of the seed users")
@argument("action", choices=("seed",), help="seed: create the pool and seed users")
@argument("--extra-users", type=int, default=0, help="add users with no Postgres row")
def cmd_cognito(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.cognito import seed_user_pool

    with open_lab(args) as lab:
        pool_id = seed_user_pool(lab, extra_users=positive(args.extra_users, "--extra-users", 0))
        out(f"user pool {pool_id} holds the seed users")
        out(f"export AWS_COGNITO_USER_POOL_ID={pool_id}")
