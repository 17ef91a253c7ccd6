"""``cruddur-lab messages list|send|start`` and ``groups list`` on the seeded engine.

The commands attach to the test session's services the way they attach to a running
``cruddur-lab up``: through the state file, which the autouse fixture points at tmp.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from boto3.dynamodb.conditions import Key

from cruddur_lab.cli.commands import build_parser, main
from cruddur_lab.clock import DEFAULT_NOW, Clock
from cruddur_lab.engine import settings as settings_module
from cruddur_lab.model import PAGE_SIZE, SEED_GROUP_UUID, SEED_MESSAGES, message_pk

LATER = "2026-03-01T12:05:00+00:00"


@pytest.fixture
def shared(seeded_lab, services):
    """The seeded lab, published as if `cruddur-lab up` served it."""
    settings_module.write_state(
        settings_module.state_path(),
        {
            "pid": os.getpid(),
            "endpoint_url": services.endpoint_url,
            "connection_url": services.connection_url,
            "table_name": seeded_lab.settings.table_name,
        },
    )
    return seeded_lab


def run(capsys, *argv: str, now: str = DEFAULT_NOW) -> tuple[int, list[str], str]:
    code = main([*argv, "--now", now])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def table_rows(lines: list[str]) -> list[str]:
    """The data rows of a printed table: after the rule, up to the blank line."""
    start = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "} and line) + 1
    return lines[start : lines.index("", start)]


def test_messages_list_prints_the_newest_twenty_and_the_command_for_older_ones(shared, capsys):
    code, lines, err = run(capsys, "messages", "list", "--as", "andrewbrown")
    assert (code, err) == (0, "")
    assert lines[0].split() == ["sk", "user_handle", "message"]
    rows = table_rows(lines)
    assert len(rows) == PAGE_SIZE
    assert rows[-1].startswith("2026-03-01T11:59:00.000000+00:00  bayko")
    assert rows[0].startswith("2026-03-01T11:40:00.000000+00:00  ")
    assert lines[-2] == f"20 message(s) of {SEED_GROUP_UUID}, oldest first"
    prefix = f"older: cruddur-lab messages list {SEED_GROUP_UUID} --as andrewbrown --page-token "
    assert lines[-1].startswith(prefix)


def test_following_the_printed_page_tokens_reaches_the_first_message(shared, capsys):
    seen: list[str] = []
    argv = ["messages", "list", SEED_GROUP_UUID, "--as", "bayko"]
    while True:
        code, lines, _ = run(capsys, *argv)
        assert code == 0
        seen = table_rows(lines) + seen
        if lines[-1] == "older: none":
            break
        argv = lines[-1].split()[2:]  # the printed command, minus "older: cruddur-lab"
    assert len(seen) == len(set(seen)) == SEED_MESSAGES
    assert seen == sorted(seen)
    assert seen[0].startswith("2026-03-01T10:20:00.000000+00:00  andrewbrown")


def test_messages_send_prints_the_message_uuid_and_writes_the_row(shared, capsys):
    twin = Clock.pinned(DEFAULT_NOW)
    code, lines, err = run(
        capsys, "messages", "send", SEED_GROUP_UUID, "On my way", "--as", "bayko"
    )
    message_uuid = twin.new_id()
    assert (code, err) == (0, "")
    assert lines == [
        f"sent message {message_uuid} to {SEED_GROUP_UUID} at 2026-03-01T12:00:00.000000+00:00"
    ]
    row = shared.table.get_item(
        Key={"pk": message_pk(SEED_GROUP_UUID), "sk": "2026-03-01T12:00:00.000000+00:00"}
    )["Item"]
    assert (row["message_uuid"], row["message"], row["user_handle"]) == (
        message_uuid,
        "On my way",
        "bayko",
    )


def test_messages_start_creates_a_group_then_reuses_it(shared, capsys):
    twin = Clock.pinned(DEFAULT_NOW)
    group, first_uuid = twin.new_id(), twin.new_id()
    code, lines, _ = run(capsys, "messages", "start", "londo", "Hello", "--as", "andrewbrown")
    assert code == 0
    assert lines == [
        f"started conversation {group} with londo (Londo Mollari)",
        f"sent message {first_uuid} to {group} at 2026-03-01T12:00:00.000000+00:00",
    ]
    again = Clock.pinned(LATER).new_id()
    code, lines, _ = run(
        capsys, "messages", "start", "andrewbrown", "Hi back", "--as", "londo", now=LATER
    )
    assert code == 0
    assert lines == [
        f"londo and andrewbrown already share conversation {group}: the message went there",
        f"sent message {again} to {group} at 2026-03-01T12:05:00.000000+00:00",
    ]
    texts = shared.table.query(KeyConditionExpression=Key("pk").eq(message_pk(group)))["Items"]
    assert [item["message"] for item in texts] == ["Hello", "Hi back"]


def test_groups_list_shows_the_newest_conversation_first_and_pages(shared, capsys):
    run(capsys, "messages", "start", "londo", "Hello Londo", "--as", "andrewbrown")
    code, lines, err = run(capsys, "groups", "list", "--as", "andrewbrown")
    assert (code, err) == (0, "")
    assert lines[0].split() == ["sk", "message_group_uuid", "user_handle", "message"]
    handles = [row.split()[2] for row in table_rows(lines)]
    assert handles == ["londo", "bayko"]
    assert table_rows(lines)[0].endswith("londo        Hello Londo")
    assert lines[-2:] == ["2 conversation(s) of andrewbrown, newest first", "older: none"]
    code, lines, _ = run(capsys, "groups", "list", "--as", "andrewbrown", "--limit", "1")
    assert [row.split()[2] for row in table_rows(lines)] == ["londo"]
    assert lines[-1].startswith("older: cruddur-lab groups list --as andrewbrown --page-token ")
    code, lines, _ = run(capsys, *lines[-1].split()[2:], "--limit", "1")
    assert [row.split()[2] for row in table_rows(lines)] == ["bayko"]


@pytest.mark.parametrize(
    ("argv", "line", "exit_code"),
    [
        (
            ["messages", "list", "--as", "londo"],
            f"not_a_member: londo is not in conversation {SEED_GROUP_UUID}: list your "
            "conversations with `cruddur-lab groups list`",
            1,
        ),
        (
            ["messages", "send", SEED_GROUP_UUID, "   ", "--as", "bayko"],
            "message_blank: the message is empty: type some text to send",
            2,
        ),
        (
            ["messages", "send", SEED_GROUP_UUID, "x" * 1025, "--as", "bayko"],
            "message_exceed_max_chars: the message has 1025 characters, more than the 1024 "
            "allowed: shorten it",
            2,
        ),
        (
            ["messages", "list", "5ae290ed", "--as", "bayko"],
            "invalid_message_group_uuid: message group uuid '5ae290ed' is not a uuid: pass a "
            f"uuid such as {SEED_GROUP_UUID}",
            2,
        ),
        (
            ["messages", "start", "andrewbrown", "hi", "--as", "andrewbrown"],
            "cannot_message_self: andrewbrown cannot start a conversation with themselves",
            1,
        ),
        (
            ["messages", "start", "nobody", "hi", "--as", "andrewbrown"],
            "receiver_not_found: no user with handle 'nobody': check the spelling",
            1,
        ),
        (
            ["groups", "list", "--as", "bayko", "--page-token", "garbage"],
            "invalid_page_token: the page token is not one this service issued: pass "
            "next_token from the previous page unchanged, or omit it for the newest page",
            2,
        ),
        (
            ["messages", "list", "--as", "nobody"],
            "no user with handle 'nobody': run `cruddur-lab seed` or check the name",
            1,
        ),
    ],
)
def test_a_refused_request_prints_one_error_line_and_its_exit_code(
    shared, capsys, argv, line, exit_code
):
    """2 for a request malformed on its face (usage), 1 when the data refuses it."""
    before = shared.table.scan(Select="COUNT")["Count"]
    code, lines, err = run(capsys, *argv)
    assert (code, lines) == (exit_code, [])
    assert err == f"cruddur-lab: error: {line}\n"
    assert shared.table.scan(Select="COUNT")["Count"] == before


def test_a_real_process_reports_a_service_error_and_exit_code(shared):
    # A real process: the console script, its stderr line and its exit status.
    result = subprocess.run(
        [sys.executable, "-m", "cruddur_lab.cli", "messages", "list", "--as", "londo"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"cruddur-lab: error: not_a_member: londo is not in conversation {SEED_GROUP_UUID}: "
        "list your conversations with `cruddur-lab groups list`\n"
    )


def test_acting_needs_a_handle(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["groups", "list"])
    assert exit_.value.code == 2
    assert "the following arguments are required: --as" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["messages", "list"], ["messages", "send"], ["messages", "start"], ["groups"]]
)
def test_every_app_command_has_help(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*argv, "--help"])
    assert exit_.value.code == 0
    assert "pattern " in capsys.readouterr().out
