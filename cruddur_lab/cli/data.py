"""The week-5 scripts' commands: seed the data and read it back as the bootcamp does."""

from __future__ import annotations

import argparse
from typing import Any

from cruddur_lab.cli.options import open_lab, out, positive
from cruddur_lab.cli.registry import argument, command


@command("seed", "seed Postgres users and the seed conversation (idempotent)")
@argument("--messages", type=int, default=100, help="messages in the seed conversation")
@argument("--yes", action="store_true", help="confirm reseeding a non-empty table on aws")
@argument("--writers", type=int, default=1, help="batches sent at once (parallel writers; 1)")
def cmd_seed(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.seed import seed

    with open_lab(args) as lab:
        report = seed(
            lab,
            messages=positive(args.messages, "--messages"),
            yes=args.yes,
            writers=positive(args.writers, "--writers"),
        )
        out(str(report))


@command("scan", "show every item, sorted by pk and sk")
def cmd_scan(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_item_collections
    from cruddur_lab.scripts.reads import scan

    with open_lab(args) as lab:
        result = scan(lab)
        out(format_item_collections(result.items))
        out()
        out(f"Count {result.count}, ScannedCount {result.scanned_count}, pages {result.pages}")
        _print_capacity(lab, result)


@command("get-conversation", "newest messages of a group, oldest first")
@argument("group_uuid", nargs="?", default=None, help="message group uuid (seed group)")
@argument("--limit", type=int, default=20, help="messages per page (20)")
@argument("--pages", type=int, default=1, help="pages to follow back in time (0 = all)")
def cmd_get_conversation(args: argparse.Namespace) -> None:
    from cruddur_lab.model import SEED_GROUP_UUID
    from cruddur_lab.notebook.display import format_items
    from cruddur_lab.scripts.reads import get_conversation

    with open_lab(args) as lab:
        result = get_conversation(
            lab, args.group_uuid or SEED_GROUP_UUID, limit=args.limit, pages=args.pages
        )
        out(format_items(result.items, ("sk", "user_handle", "message")))
        out()
        # A LastEvaluatedKey means "maybe": AWS also sends one when the page ended exactly
        # on the oldest message. Only its absence proves the end.
        more = "maybe (use --pages to read further back)" if result.last_evaluated_key else "no"
        out(f"{result.count} messages, {result.pages} page(s); older messages left: {more}")
        _print_capacity(lab, result)


@command("list-conversations", "a user's message groups, newest first")
@argument("handle", nargs="?", default="andrewbrown", help="user handle (andrewbrown)")
def cmd_list_conversations(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_items
    from cruddur_lab.scripts.reads import list_conversations

    with open_lab(args) as lab:
        result = list_conversations(lab, args.handle)
        out(
            format_items(
                result.items, ("sk", "message_group_uuid", "user_handle", "message"), max_width=40
            )
        )
        out()
        out(f"{result.count} conversation(s) for {args.handle}")
        _print_capacity(lab, result)


def _print_capacity(lab: Any, result: Any) -> None:
    from cruddur_lab.notebook.display import format_capacity

    out(format_capacity(result.reported_capacity, engine=lab.settings.engine))


@command("walkthrough", "schema-load → seed → scan → reads → Cognito, on one engine")
@argument("--messages", type=int, default=100, help="messages in the seed conversation")
@argument("--yes", action="store_true", help="confirm writing to real AWS (engine aws)")
def cmd_walkthrough(args: argparse.Namespace) -> None:
    from cruddur_lab.cli.walkthrough import walkthrough

    with open_lab(args) as lab:
        walkthrough(lab, out, messages=positive(args.messages, "--messages"), yes=args.yes)
