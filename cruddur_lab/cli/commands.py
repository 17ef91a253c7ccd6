"""``cruddur-lab``: a thin command line over the library (parse, call, print).

Library errors become one line on stderr and a non-zero exit; nothing here holds logic a
notebook could not reach through the package.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cruddur_lab.cli.options import engine_options, open_lab, out
from cruddur_lab.errors import CruddurLabError, ServiceError, translate

COMMANDS: dict[str, Callable[[argparse.Namespace], int | None]] = {}


def command(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        COMMANDS[name] = function
        return function

    return register


def build_parser() -> argparse.ArgumentParser:
    parent = engine_options()
    parser = argparse.ArgumentParser(
        prog="cruddur-lab",
        description="DynamoDB single-table design, on Cruddur's direct messages.",
        parents=[parent],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[parent])

    p = add("schema-load", "create the table with its GSI and stream (no-op if it exists)")
    p.add_argument(
        "--billing-mode",
        choices=("PROVISIONED", "PAY_PER_REQUEST"),
        default="PROVISIONED",
        help="PROVISIONED 5/5 as in the bootcamp, or on-demand",
    )
    p = add("drop", "delete the table (on aws only with --yes)")
    p.add_argument("--yes", action="store_true", help="confirm a destructive command on aws")
    add("list-tables", "list the engine's tables")
    p = add(
        "cleanup", "delete every table whose name starts with a prefix (on aws only with --yes)"
    )
    p.add_argument("--prefix", required=True, help="table-name prefix, e.g. your --table-prefix")
    p.add_argument("--yes", action="store_true", help="confirm a destructive command on aws")
    add("describe", "show the table's keys, GSI, stream and item count")
    p = add("seed", "seed Postgres users and the seed conversation (idempotent)")
    p.add_argument("--messages", type=int, default=100, help="messages in the seed conversation")
    p.add_argument("--yes", action="store_true", help="confirm reseeding a non-empty table on aws")
    p.add_argument(
        "--writers", type=int, default=1, help="batches sent at once (parallel writers; 1)"
    )
    add("scan", "show every item, sorted by pk and sk")
    p = add("get-conversation", "newest messages of a group, oldest first")
    p.add_argument("group_uuid", nargs="?", default=None, help="message group uuid (seed group)")
    p.add_argument("--limit", type=int, default=20, help="messages per page (20)")
    p.add_argument("--pages", type=int, default=1, help="pages to follow back in time (0 = all)")
    p = add("list-conversations", "a user's message groups, newest first")
    p.add_argument("handle", nargs="?", default="andrewbrown", help="user handle (andrewbrown)")
    _add_app_commands(add, parent)
    p = add("update-cognito-user-ids", "copy Cognito subs into users.cognito_user_id by handle")
    p.add_argument("--pool-id", default=None, help="user pool id (AWS_COGNITO_USER_POOL_ID)")
    p = add("cognito", "manage the Cognito user pool of the seed users")
    p.add_argument("action", choices=("seed",), help="seed: create the pool and seed users")
    p.add_argument("--extra-users", type=int, default=0, help="add users with no Postgres row")
    p = add("up", "run the embedded services in the foreground for other programs to share")
    p.add_argument("--port", type=int, default=8000, help="DynamoDB/Cognito port (8000)")
    p.add_argument(
        "--pg-port",
        type=int,
        default=None,
        help="Postgres TCP port on 127.0.0.1 (5432, or a free one when 5432 is taken)",
    )
    p.add_argument("--name", default=None, help="name of this up, to run several (its --port)")
    p.add_argument("--seed", action="store_true", help="schema-load, seed and cognito seed first")
    p.add_argument("--print-env", action="store_true", help="stdout gets only the export lines")
    add("env", 'print the running up\'s export lines: eval "$(cruddur-lab env)"')
    p = add("lab", "JupyterLab on the notebooks, every kernel on one shared engine")
    p.add_argument("--port", type=int, default=0, help="JupyterLab port (default: a free one)")
    p.add_argument("--notebooks", default=None, help="notebooks folder (./notebooks)")
    p = add("run", "run the notebooks headless (papermill) on one shared engine")
    p.add_argument("notebooks", nargs="*", help="notebooks to run: name or number (all)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a notebook parameter, e.g. -p messages 500 (repeatable)",
    )
    p.add_argument("--output", default="output", help="folder for executed copies (output)")
    p.add_argument(
        "--keep-data", action="store_true", help="let notebooks build on each other's data"
    )
    p.add_argument("--timeout", type=int, default=300, help="seconds per cell (300)")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="notebooks at once, each on its own embedded engine (default: the core count)",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="on aws: confirm `-p reset True` and reseeding a non-empty table (parameter yes)",
    )
    p = add("notebooks", "keep the stored notebooks clean and their outputs current")
    p.add_argument("action", choices=("refresh", "check"), help="refresh outputs, or check")
    p.add_argument("notebooks", nargs="*", help="notebooks: name or number (all)")
    p = add("walkthrough", "schema-load → seed → scan → reads → Cognito, on one engine")
    p.add_argument("--messages", type=int, default=100, help="messages in the seed conversation")
    p.add_argument("--yes", action="store_true", help="confirm writing to real AWS (engine aws)")
    p = add("export", "the model as a NoSQL Workbench data model or a CloudFormation template")
    p.add_argument(
        "format", choices=("workbench", "cloudformation"), help="workbench or cloudformation"
    )
    p.add_argument("--output", default=None, metavar="FILE", help="write to FILE (stdout)")
    p = add("streams", "Pattern E: apply the table's stream to its group rows, as the Lambda does")
    p.add_argument(
        "action",
        choices=("process", "status"),
        help="process: read every pending record once; status: stream, shards, checkpoints, "
        "lag, last error",
    )
    p.add_argument("--batch-size", type=int, default=100, help="records per handler event (100)")
    p = add("catalogue", "every access pattern: requests, keys, index and estimated cost a call")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per pattern")
    shape.add_argument(
        "--markdown", action="store_true", help="write the catalogue block into --readme"
    )
    p.add_argument("--readme", default="README.md", help="README to update (README.md)")
    return parser


# --- commands -------------------------------------------------------------------------------


@command("schema-load")
def cmd_schema_load(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import schema_load

    with open_lab(args) as lab:
        out(str(schema_load(lab, billing_mode=args.billing_mode)))


@command("drop")
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


@command("cleanup")
def cmd_cleanup(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import cleanup

    with open_lab(args) as lab:
        names = cleanup(lab, args.prefix, yes=args.yes)
        for name in names:
            out(f"table {name!r} dropped")
        out(f"{len(names)} table(s) starting with {args.prefix!r} dropped")


@command("list-tables")
def cmd_list_tables(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.schema import list_tables

    with open_lab(args) as lab:
        names = list_tables(lab)
        out("\n".join(names) if names else "(no tables)")


@command("describe")
def cmd_describe(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_mapping
    from cruddur_lab.scripts.schema import require_table, summarize

    with open_lab(args) as lab:
        out(format_mapping(summarize(require_table(lab))))


@command("seed")
def cmd_seed(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.seed import seed

    with open_lab(args) as lab:
        report = seed(
            lab,
            messages=_positive(args.messages, "--messages"),
            yes=args.yes,
            writers=_positive(args.writers, "--writers"),
        )
        out(str(report))


@command("scan")
def cmd_scan(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_capacity, format_item_collections
    from cruddur_lab.scripts.reads import scan

    with open_lab(args) as lab:
        result = scan(lab)
        out(format_item_collections(result.items))
        out()
        out(f"Count {result.count}, ScannedCount {result.scanned_count}, pages {result.pages}")
        out(
            format_capacity(
                result.reported_capacity, result.estimated_capacity, engine_is_aws=lab.is_aws
            )
        )


@command("get-conversation")
def cmd_get_conversation(args: argparse.Namespace) -> None:
    from cruddur_lab.model import SEED_GROUP_UUID
    from cruddur_lab.notebook.display import format_capacity, format_items
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
        out(
            format_capacity(
                result.reported_capacity, result.estimated_capacity, engine_is_aws=lab.is_aws
            )
        )


@command("list-conversations")
def cmd_list_conversations(args: argparse.Namespace) -> None:
    from cruddur_lab.notebook.display import format_capacity, format_items
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
        out(
            format_capacity(
                result.reported_capacity, result.estimated_capacity, engine_is_aws=lab.is_aws
            )
        )


# --- the app's service layer (patterns A–D), acting as a seed user -----------------------


def _add_app_commands(add: Callable[..., Any], parent: argparse.ArgumentParser) -> None:
    def acting(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--as", dest="as_handle", required=True, metavar="HANDLE", help="act as this user"
        )
        return parser

    p = add("messages", "a conversation's messages, as the app's services: list, send, start")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        return acting(
            actions.add_parser(name, help=help_text, description=help_text, parents=[parent])
        )

    q = action("list", "pattern A: newest 20 messages of a group, oldest first")
    q.add_argument("group_uuid", nargs="?", default=None, help="message group uuid (seed group)")
    q.add_argument("--page-token", default=None, help="next_token of the page before")
    q = action("send", "pattern C: send a message to a group you belong to")
    q.add_argument("group_uuid", help="message group uuid")
    q.add_argument("text", help="the message (at most 1024 characters)")
    q = action("start", "pattern D: start a conversation (or reuse the one you share)")
    q.add_argument("receiver_handle", help="who to message")
    q.add_argument("text", help="the first message (at most 1024 characters)")
    p = acting(add("groups", "pattern B: your conversations (message groups), newest first"))
    p.add_argument("action", choices=("list",), help="list: one page of your inbox")
    p.add_argument("--page-token", default=None, help="next_token of the page before")
    p.add_argument("--limit", type=int, default=None, help="conversations per page (20)")


def _next_page(args: argparse.Namespace, words: str, token: str | None) -> str:
    if token is None:
        return "older: none"
    return f"older: cruddur-lab {words} --as {args.as_handle} --page-token {token}"


@command("messages")
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


@command("groups")
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


@command("update-cognito-user-ids")
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


@command("cognito")
def cmd_cognito(args: argparse.Namespace) -> None:
    from cruddur_lab.scripts.cognito import seed_user_pool

    with open_lab(args) as lab:
        pool_id = seed_user_pool(lab, extra_users=_positive(args.extra_users, "--extra-users", 0))
        out(f"user pool {pool_id} holds the seed users")
        out(f"export AWS_COGNITO_USER_POOL_ID={pool_id}")


@command("up")
def cmd_up(args: argparse.Namespace) -> int:
    from cruddur_lab.cli.up import serve

    return serve(args, out)


@command("env")
def cmd_env(args: argparse.Namespace) -> int:
    from cruddur_lab.cli.up import print_env

    return print_env(args, out)


@command("lab")
def cmd_lab(args: argparse.Namespace) -> int:
    from cruddur_lab.notebook.lab_server import serve

    return serve(args, out)


@command("streams")
def cmd_streams(args: argparse.Namespace) -> None:
    from cruddur_lab.app.streams import StreamProcessor
    from cruddur_lab.scripts.schema import require_table

    batch_size = _positive(args.batch_size, "--batch-size")
    with open_lab(args) as lab:
        if args.action == "status":
            from cruddur_lab.app.stream_status import stream_status
            from cruddur_lab.notebook.display import format_mapping

            out(format_mapping(stream_status(lab)))
            return
        require_table(lab)  # a table that differs from the model is one line, not a half-move
        # From the stream's oldest record: replaying what was applied already changes nothing.
        out(str(StreamProcessor(lab, batch_size=batch_size).process_pending()))


@command("export")
def cmd_export(args: argparse.Namespace) -> None:
    from pathlib import Path

    from cruddur_lab.engine.settings import resolve_given
    from cruddur_lab.errors import CruddurLabError, InvalidArgument
    from cruddur_lab.modeling.exports import export

    # No engine is needed: the table name and the sample data's clock come from the settings.
    settings = resolve_given(args)
    text = export(args.format, table_name=settings.table_name, now=settings.now)
    if args.output is None:
        sys.stdout.write(text)
        return
    target = Path(args.output)
    if not target.parent.is_dir():
        raise InvalidArgument(
            f"--output {args.output}: folder {target.parent} does not exist; create it first"
        )
    # Written whole or not at all: a reader never sees half a template.
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CruddurLabError(
            f"cannot write {target} ({error.strerror}): choose another --output"
        ) from None
    out(f"{args.format} export written to {target}")


@command("walkthrough")
def cmd_walkthrough(args: argparse.Namespace) -> None:
    from cruddur_lab.cli.walkthrough import walkthrough

    with open_lab(args) as lab:
        walkthrough(lab, out, messages=_positive(args.messages, "--messages"), yes=args.yes)


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cruddur_lab.engine.settings import given_options, notebook_parameters, resolve_given
    from cruddur_lab.notebook import parallel, runner
    from cruddur_lab.notebook.files import discover

    notebooks = discover(args.notebooks)
    parameters = runner.parameters_from(args.parameter)
    if args.yes:
        # The notebooks' own confirmation parameter: on aws, reset and reseeding need it.
        parameters["yes"] = True
    # The engine options that decide notebook parameters (the table, the clock) reach the
    # kernels as parameters, from the resolved settings: --table-prefix as the table name.
    settings = resolve_given(args)
    for name, value in notebook_parameters(settings, given_options(args)).items():
        parameters.setdefault(name, value)
    if settings.engine == "aws" and parameters.get("reset") and not parameters.get("yes"):
        from cruddur_lab.errors import ConfirmationRequired

        raise ConfirmationRequired(
            f"refusing to run with reset on real AWS: it drops table {settings.table_name!r}; "
            "add --yes if you really mean it"
        )
    output = Path(args.output)
    results = parallel.run(
        notebooks,
        settings,
        parameters=parameters,
        output=output,
        keep_data=args.keep_data,
        timeout=_positive(args.timeout, "--timeout"),
        jobs=_positive(args.jobs, "--jobs") if args.jobs is not None else _cores(),
        out=out,
    )
    out()
    out(runner.summary(results, output))
    return 0 if all(result.ok for result in results) else 1


@command("catalogue")
def cmd_catalogue(args: argparse.Namespace) -> None:
    from pathlib import Path

    from cruddur_lab.modeling.catalogue import (
        build_catalogue,
        format_table,
        to_json,
        write_readme_block,
    )

    with open_lab(args) as lab:
        entries = build_catalogue(lab)
    if args.json:
        out(to_json(entries))
    elif args.markdown:
        changed = write_readme_block(entries, Path(args.readme))
        out(f"{args.readme}: catalogue {'updated' if changed else 'already current'}")
    else:
        out(format_table(entries))


@command("notebooks")
def cmd_notebooks(args: argparse.Namespace) -> int:
    import nbformat

    from cruddur_lab.notebook.files import discover, problems, refresh

    notebooks = discover(args.notebooks)
    if args.action == "refresh":
        for notebook, changed in refresh(notebooks):
            out(f"{notebook.name}: {'refreshed' if changed else 'unchanged'}")
        return 0
    failing = 0
    for notebook in notebooks:
        found = problems(nbformat.read(notebook, as_version=4))
        failing += bool(found)
        out(f"{notebook.name}: {'clean' if not found else '; '.join(found)}")
    return 1 if failing else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def _positive(value: int, flag: str, minimum: int = 1) -> int:
    from cruddur_lab.errors import InvalidArgument

    if value < minimum:
        raise InvalidArgument(f"{flag} must be at least {minimum}, got {value}")
    return value


#: Commands that use only some engine options, and why the others do not apply. Every other
#: command opens a Lab with all of them (``open_lab``) or passes them all on (``run``).
PARTIAL_OPTIONS: dict[str, tuple[frozenset[str], str]] = {
    "notebooks": (
        frozenset(),
        "it always runs the notebooks on a private embedded engine, as CI does; use "
        "`cruddur-lab run` to run them on another engine",
    ),
    "export": (
        frozenset({"table_name", "table_prefix", "now"}),
        "an export is made from the model alone: only the table name and the sample data's "
        "clock apply",
    ),
    "up": (
        frozenset({"engine", "connection_url", "table_name", "table_prefix", "region", "now"}),
        "it starts its own embedded services: AWS profiles are for engine aws, and --up picks "
        "a running up (name this one with --name)",
    ),
    "env": (
        frozenset({"up"}),
        "it prints the exports of a running up, as that up was started",
    ),
}


def refuse_unused_options(args: argparse.Namespace) -> None:
    """An engine option the command would ignore is refused, never silently dropped."""
    from cruddur_lab.engine.settings import ENGINE_OPTIONS
    from cruddur_lab.errors import InvalidArgument

    everything = frozenset(option.attribute for option in ENGINE_OPTIONS)
    honoured, why = PARTIAL_OPTIONS.get(args.command, (everything, ""))
    unused = [
        option.flag
        for option in ENGINE_OPTIONS
        if hasattr(args, option.attribute) and option.attribute not in honoured
    ]
    if unused:
        words = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        raise InvalidArgument(
            f"`{words}` does not use {', '.join(unused)}: drop "
            f"{'it' if len(unused) == 1 else 'them'} ({why})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        refuse_unused_options(args)
        return COMMANDS[args.command](args) or 0
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
