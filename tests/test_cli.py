"""The command line: what each command does to the data, what it prints, how it fails.

Most cases run ``main()`` in this process on the session's embedded services, attached the
way a running ``cruddur-lab up`` is found (its state file). Cases that need a private,
fresh engine run ``cruddur-lab`` in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess

import psutil
import pytest
from lab_support import clean_environment, free_port, run_cli

from cruddur_lab.cli.commands import main
from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.model import SEED_GROUP_UUID
from cruddur_lab.scripts.reads import scan
from cruddur_lab.scripts.usersdb import list_users

SEED_MESSAGES_PK = f"MSG#{SEED_GROUP_UUID}"
FRESH_ENGINE_FIX = (
    "every command on the embedded engine starts empty; keep `cruddur-lab up --seed` running "
    "in another terminal, or run `cruddur-lab walkthrough`"
)


@pytest.fixture
def cli(lab, services, monkeypatch, capsys):
    """Run ``cruddur-lab ARGS`` in-process on the fresh ``lab``; returns (code, out, err)."""
    state = os.environ["CRUDDUR_LAB_STATE"]
    with open(state, "w") as handle:
        json.dump(
            {
                "pid": os.getpid(),
                "started": psutil.Process().create_time(),
                "endpoint_url": services.endpoint_url,
                "connection_url": services.connection_url,
            },
            handle,
        )
    monkeypatch.setenv("CRUDDUR_NOW", DEFAULT_NOW)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def run_fresh(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``cruddur-lab ARGS`` in a new process: its own, empty embedded engine."""
    environment = clean_environment(CRUDDUR_LAB_STATE=os.environ["CRUDDUR_LAB_STATE"])
    environment.update(env or {})
    return run_cli(list(args), environment, timeout=180)


# --- schema-load, list-tables, describe, drop --------------------------------------------------


def test_schema_load_creates_the_table_then_says_it_exists(cli, lab):
    assert cli("list-tables") == (0, "(no tables)\n", "")
    assert cli("schema-load") == (0, "table 'cruddur-messages' created\n", "")
    assert cli("schema-load") == (
        0,
        "table 'cruddur-messages' already exists; nothing changed\n",
        "",
    )
    assert cli("list-tables") == (0, "cruddur-messages\n", "")
    table = lab.dynamodb.describe_table(TableName="cruddur-messages")["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"


def test_schema_load_on_demand_and_another_table_name(cli, lab):
    code, out, _ = cli(
        "schema-load", "--table", "lab-messages", "--billing-mode", "PAY_PER_REQUEST"
    )
    assert (code, out) == (0, "table 'lab-messages' created\n")
    table = lab.dynamodb.describe_table(TableName="lab-messages")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_describe_shows_keys_gsi_and_stream(cli):
    cli("schema-load")
    code, out, err = cli("describe")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "TableName               cruddur-messages",
        "TableStatus             ACTIVE",
        "KeySchema               pk (HASH) + sk (RANGE)",
        "GlobalSecondaryIndexes  message-group-sk-index: message_group_uuid (HASH) + sk (RANGE),"
        " projection ALL",
        "BillingMode             PROVISIONED",
        "Stream                  NEW_IMAGE",
        "ItemCount               0",
    ]


def test_drop_removes_the_table_and_a_second_drop_is_a_no_op(cli, lab):
    cli("schema-load")
    assert cli("drop") == (0, "table 'cruddur-messages' dropped\n", "")
    assert lab.dynamodb.list_tables()["TableNames"] == []
    assert cli("drop") == (0, "table 'cruddur-messages' does not exist; nothing to drop\n", "")


# --- seed and the reads ----------------------------------------------------------------------


def test_seed_writes_the_conversation_once(cli, lab):
    cli("schema-load")
    assert cli("seed") == (
        0,
        "users inserted: 6; messages written: 100 (already there: 0); group rows written: 2\n",
        "",
    )
    items = scan(lab).items
    assert assert_seeded(items, 100)
    assert cli("seed") == (
        0,
        "users inserted: 0; messages written: 0 (already there: 100); group rows written: 0\n",
        "",
    )
    assert scan(lab).items == items


def assert_seeded(items, messages: int) -> bool:
    assert sum(item["pk"] == SEED_MESSAGES_PK for item in items) == messages
    assert sum(item["pk"].startswith("GRP#") for item in items) == 2
    return True


def test_seed_more_messages(cli, lab):
    cli("schema-load")
    code, out, _ = cli("seed", "--messages", "150")
    assert code == 0 and "messages written: 150" in out
    assert assert_seeded(scan(lab).items, 150)


def test_scan_prints_every_collection_and_the_counts(cli):
    cli("schema-load")
    cli("seed")
    code, out, err = cli("scan")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert f"{SEED_MESSAGES_PK}  (100 items)" in lines
    assert sum(line.endswith("  (1 item)") and line.startswith("GRP#") for line in lines) == 2
    assert "Count 102, ScannedCount 102, pages 1" in lines
    # 102 small items, one page: the figure AWS would bill, and whose figure it is
    assert lines[-1] == (
        "consumed capacity: 4 RCU, reported by the embedded engine "
        "(AWS's rules, checked against measured figures)"
    )


def test_get_conversation_prints_the_newest_twenty_oldest_first(cli, lab):
    cli("schema-load")
    cli("seed")
    code, out, err = cli("get-conversation")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["sk", "user_handle", "message"]
    rows = lines[2:22]
    assert rows[0].startswith("2026-03-01T11:40:00.000000+00:00  andrewbrown")
    assert rows[-1].startswith("2026-03-01T11:59:00.000000+00:00  bayko")
    assert lines[22] == ""
    assert lines[23] == (
        "20 messages, 1 page(s); older messages left: maybe (use --pages to read further back)"
    )


def test_get_conversation_all_pages_of_a_named_group(cli):
    cli("schema-load")
    cli("seed")
    code, out, _ = cli("get-conversation", SEED_GROUP_UUID.upper(), "--pages", "0")
    assert code == 0
    assert sum(line.startswith("2026-03-01T") for line in out.splitlines()) == 100
    assert "100 messages, 5 page(s); older messages left: no" in out.splitlines()


def test_list_conversations_prints_the_inbox(cli):
    cli("schema-load")
    cli("seed")
    code, out, err = cli("list-conversations", "bayko")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[2].split()[:3] == [
        "2026-03-01T11:59:00.000000+00:00",
        SEED_GROUP_UUID,
        "andrewbrown",
    ]
    assert "1 conversation(s) for bayko" in lines


# --- Cognito -----------------------------------------------------------------------------------


def test_cognito_seed_then_update_cognito_user_ids(cli, lab):
    cli("schema-load")
    cli("seed")
    code, out, _ = cli("cognito", "seed")
    assert code == 0
    first, export = out.splitlines()
    pool_id = first.split()[2]
    assert first == f"user pool {pool_id} holds the seed users"
    assert export == f"export AWS_COGNITO_USER_POOL_ID={pool_id}"
    code, out, _ = cli("update-cognito-user-ids")
    assert code == 0
    assert out.splitlines() == [
        "updated: 6; already current: 0; unmatched: 0; without preferred_username: 0; "
        "ListUsers pages: 1",
        "  updated: andrewbrown, bayko, delenn, gkar, londo, sheridan",
    ]
    assert "MOCK" not in {user.cognito_user_id for user in list_users(lab)}
    code, out, _ = cli("update-cognito-user-ids", "--pool-id", pool_id)
    assert out.splitlines()[0].startswith("updated: 0; already current: 6;")


def test_update_cognito_user_ids_past_sixty_pool_users(cli):
    cli("schema-load")
    cli("seed")
    cli("cognito", "seed", "--extra-users", "64")
    code, out, _ = cli("update-cognito-user-ids")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "updated: 6; already current: 0; unmatched: 64; without preferred_username: 0; "
        "ListUsers pages: 2"
    )
    assert lines[2].startswith("  unmatched (no Postgres user with that handle): student001, ")
    assert lines[2].endswith(", student064")


# --- representative errors (the full battery is tests/test_bad_input.py) ---------------------


def test_a_postgres_refusal_is_one_line_and_changes_nothing(cli, lab):
    cli("schema-load")
    cli("seed")
    cli("cognito", "seed")
    # A real constraint of the database refuses the last user's update (sorted last).
    lab.pg.execute(
        "ALTER TABLE public.users ADD CONSTRAINT sheridan_stays_mock "
        "CHECK (handle <> 'sheridan' OR cognito_user_id = 'MOCK')"
    )
    code, out, err = cli("update-cognito-user-ids")
    assert (code, out) == (1, "")
    assert err == (
        'cruddur-lab: error: Postgres refused a statement (new row for relation "users" '
        'violates check constraint "sheridan_stays_mock"): check the users database named by '
        "CONNECTION_URL\n"
    )
    assert {user.cognito_user_id for user in list_users(lab)} == {"MOCK"}


def test_malformed_group_uuid_is_one_line_and_exit_2(cli):
    assert cli("get-conversation", "5ae290ed") == (
        2,
        "",
        "cruddur-lab: error: message group uuid '5ae290ed' is not a uuid: pass a uuid such as "
        f"{SEED_GROUP_UUID}\n",
    )


def test_unknown_handle_is_one_line_and_exit_1(cli):
    cli("schema-load")
    cli("seed")
    assert cli("list-conversations", "ghost") == (
        1,
        "",
        "cruddur-lab: error: no user with handle 'ghost': run `cruddur-lab seed` or check the "
        "name\n",
    )


def test_missing_table_on_a_shared_engine_names_schema_load(cli):
    assert cli("scan") == (
        1,
        "",
        "cruddur-lab: error: table 'cruddur-messages' does not exist: run `cruddur-lab "
        "schema-load`\n",
    )


def test_drop_on_aws_without_yes_is_refused_before_any_request(cli):
    code, out, err = cli("drop", "--engine", "aws", "--region", "eu-west-1")
    assert (code, out) == (3, "")
    assert err.splitlines()[-1] == (
        "cruddur-lab: error: refusing to drop table 'cruddur-messages' on real AWS without "
        "confirmation: add --yes if you really mean it"
    )


def test_unreachable_endpoint_is_one_line(cli):
    url = f"http://127.0.0.1:{free_port()}"
    assert cli("list-tables", "--engine", "endpoint", "--endpoint-url", url) == (
        1,
        "",
        f"cruddur-lab: error: cannot reach {url}: start the service (or `cruddur-lab up`) or "
        "fix AWS_ENDPOINT_URL\n",
    )


def test_unreachable_postgres_stops_the_seed_before_any_write(cli, lab):
    cli("schema-load")
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/cruddur"
    code, out, err = cli("seed", "--connection-url", url)
    assert (code, out) == (1, "")
    assert err.startswith(f"cruddur-lab: error: cannot connect to Postgres at {url} (")
    assert err.endswith("): start it or fix CONNECTION_URL\n")
    assert scan(lab).items == []


def test_seed_messages_below_one_is_refused(cli, lab):
    cli("schema-load")
    assert cli("seed", "--messages", "0") == (
        2,
        "",
        "cruddur-lab: error: --messages must be at least 1, got 0\n",
    )
    assert scan(lab).items == []


def test_unknown_engine_in_the_environment_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("CRUDDUR_ENGINE", "local")
    assert cli("list-tables") == (
        2,
        "",
        "cruddur-lab: error: unknown engine 'local': choose one of embedded, endpoint, aws "
        "(--engine or CRUDDUR_ENGINE)\n",
    )


# --- a private embedded engine (subprocesses) ---------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["scan"], ["list-conversations", "bayko"]],
)
def test_without_up_commands_needing_state_say_what_to_do(args):
    done = run_fresh(*args)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"cruddur-lab: error: table 'cruddur-messages' does not exist: {FRESH_ENGINE_FIX}\n"
    )


def test_without_up_update_cognito_user_ids_says_what_to_do():
    done = run_fresh("update-cognito-user-ids")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"cruddur-lab: error: no user pool named 'cruddur-user-pool': {FRESH_ENGINE_FIX}\n"
    )


def test_walkthrough_runs_every_script_in_order(private_tmp):
    done = run_fresh("walkthrough", env={"CRUDDUR_NOW": DEFAULT_NOW, "TMPDIR": str(private_tmp)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    headings = [line for line in lines if line.startswith("== ")]
    assert headings == [
        "== 1. schema-load",
        "== 2. seed (run twice: the second run must change nothing)",
        "== 3. scan (sorted by pk, sk; first items of each collection)",
        "== 4. get-conversation (newest 20, shown oldest first)",
        "== 5. list-conversations andrewbrown (newest first)",
        "== 6. update-cognito-user-ids (Cognito → Postgres)",
    ]
    assert "table 'cruddur-messages' created" in lines
    assert (
        "second run: users inserted: 0; messages written: 0 (already there: 100); "
        "group rows written: 0" in lines
    )
    assert "Count 102, ScannedCount 102, pages 1" in lines
    assert lines[-1] == "walkthrough complete"
    assert not list(private_tmp.glob("cruddur-lab-pg-*")), "the embedded Postgres was left behind"
