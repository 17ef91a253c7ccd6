"""The app's service layer (patterns A–D) from the command line, acting as a seed user."""

from __future__ import annotations

import argparse
from typing import Any

from cruddur_lab.cli.options import open_lab, out
from cruddur_lab.cli.registry import argument, command

#: Every pattern acts as a user: ``--as HANDLE``.
ACTING = {"dest": "as_handle", "required": True, "metavar": "HANDLE", "help": "act as this user"}


def _message_actions(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text, parents=[parent])
        parser.add_argument("--as", **ACTING)
        return parser

    q = action("list", "pattern A: newest 20 messages of a group, oldest first")
    q.add_argument("group_uuid", nargs="?", default=None, help="message group uuid (seed group)")
    q.add_argument("--page-token", default=None, help="next_token of the page before")
    q = action("send", "pattern C: send a message to a group you belong to")
    q.add_argument("group_uuid", help="message group uuid")
    q.add_argument("text", help="the message (at most 1024 characters)")
    q = action("start", "pattern D: start a conversation (or reuse the one you share)")
    q.add_argument("receiver_handle", help="who to message")
    q.add_argument("text", help="the first message (at most 1024 characters)")


@command(
    "messages",
    "a conversation's messages, as the app's services: list, send, start",
    arguments=_message_actions,
)
def cmd_messages(args: argparse.Namespace) -> None:
    from cruddur_lab.app import patterns
    from cruddur_lab.model import SEED_GROUP_UUID

    with open_lab(args) as lab:
        _check_message_input(args)
        caller = patterns.provision_caller(lab, args.as_handle)
        if args.action == "list":
            group = args.group_uuid if args.group_uuid is not None else SEED_GROUP_UUID
            page = patterns.list_messages(lab, caller, group, page_token=args.page_token)
            _print_messages(args, page)
        elif args.action == "send":
            _print_sent(patterns.create_message(lab, caller, args.group_uuid, args.text))
        else:
            _print_started(
                args, patterns.create_message_group(lab, caller, args.receiver_handle, args.text)
            )


def _check_message_input(args: argparse.Namespace) -> None:
    """Refuse bad input before acting as anyone: on a fresh engine acting as a user makes
    the user pool and copies Cognito subs into Postgres, which a refused request must not."""
    from cruddur_lab.app import validation

    if args.action == "send":
        validation.require_group_uuid(args.group_uuid)
        validation.require_text(args.text)
    elif args.action == "start":
        validation.require_handle(args.receiver_handle)
        validation.require_text(args.text)


def _print_messages(args: argparse.Namespace, page: Any) -> None:
    from cruddur_lab.notebook.display import format_items

    if page.items:
        out(format_items(page.items, ("sk", "user_handle", "message")))
    else:
        # AWS keys a page that ends exactly at the limit, so the next one can be empty.
        out("(no messages: nothing older is left)")
    out()
    out(f"{page.count} message(s) of {page.message_group_uuid}, oldest first")
    out(_next_page(args, f"messages list {page.message_group_uuid}", page.next_token))


def _print_started(args: argparse.Namespace, started: Any) -> None:
    if started.existing:
        out(
            f"{args.as_handle} and {started.receiver_handle} already share conversation "
            f"{started.message_group_uuid}: the message went there"
        )
    else:
        out(
            f"started conversation {started.message_group_uuid} with "
            f"{started.receiver_handle} ({started.receiver_display_name})"
        )
    _print_sent(started.message)


def _print_sent(sent: Any) -> None:
    out(f"sent message {sent.message_uuid} to {sent.message_group_uuid} at {sent.created_at}")


def _next_page(args: argparse.Namespace, words: str, token: str | None) -> str:
    if token is None:
        return "older: none"
    return f"older: cruddur-lab {words} --as {args.as_handle} --page-token {token}"


@command(
    "groups",
    "pattern B: your conversations (message groups), newest first",
)
@argument("--as", **ACTING)
@argument("action", choices=("list",), help="list: one page of your inbox")
@argument("--page-token", default=None, help="next_token of the page before")
@argument("--limit", type=int, default=None, help="conversations per page (20)")
def cmd_groups(args: argparse.Namespace) -> None:
    from cruddur_lab.app import patterns
    from cruddur_lab.notebook.display import format_items

    with open_lab(args) as lab:
        caller = patterns.provision_caller(lab, args.as_handle)
        page = patterns.list_message_groups(
            lab, caller, page_token=args.page_token, limit=args.limit
        )
        columns = ("sk", "message_group_uuid", "user_handle", "message")
        out(format_items(page.items, columns, max_width=40))
        out()
        out(f"{page.count} conversation(s) of {args.as_handle}, newest first")
        out(_next_page(args, "groups list", page.next_token))
