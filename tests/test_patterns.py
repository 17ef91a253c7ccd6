"""Patterns A–D of the service layer, against the seeded embedded engine (nothing mocked)."""

from __future__ import annotations

import itertools

import pytest
from boto3.dynamodb.conditions import Key

from cruddur_lab.app.patterns import (
    create_message,
    create_message_group,
    list_message_groups,
    list_messages,
    provision_caller,
)
from cruddur_lab.app.validation import encode_page_token
from cruddur_lab.clock import DEFAULT_NOW, Clock
from cruddur_lab.engine.lab import Lab
from cruddur_lab.errors import CognitoError, NotFound, ServiceError
from cruddur_lab.model import (
    GSI_NAME,
    MAX_MESSAGE_CHARS,
    PAGE_SIZE,
    SEED_GROUP_UUID,
    SEED_MESSAGES,
    group_pk,
    message_pk,
)
from cruddur_lab.scripts.reads import scan
from cruddur_lab.scripts.usersdb import find_user_by_cognito_id, find_user_by_handle


@pytest.fixture
def app(seeded_lab):
    """The seeded lab, every seed user synced with Cognito, and a fresh pinned clock."""
    callers = {handle: provision_caller(seeded_lab, handle) for handle in ("andrewbrown",)}
    callers.update({handle: provision_caller(seeded_lab, handle) for handle in ("bayko", "londo")})
    seeded_lab.clock = Clock.pinned(DEFAULT_NOW)
    seeded_lab.callers = callers
    seeded_lab.users = {h: find_user_by_handle(seeded_lab, h) for h in callers}
    return seeded_lab


def snapshot(lab: Lab) -> list[dict]:
    return scan(lab).items


def query(lab: Lab, pk: str) -> list[dict]:
    return lab.table.query(KeyConditionExpression=Key("pk").eq(pk), ConsistentRead=True)["Items"]


def group_rows(lab: Lab, message_group_uuid: str) -> list[dict]:
    rows = lab.table.query(
        IndexName=GSI_NAME, KeyConditionExpression=Key("message_group_uuid").eq(message_group_uuid)
    )["Items"]
    return sorted(rows, key=lambda row: row["user_handle"])


def all_seed_messages(lab: Lab) -> list[dict]:
    return sorted(query(lab, message_pk(SEED_GROUP_UUID)), key=lambda item: item["sk"])


# --- provision_caller --------------------------------------------------------------------


def test_provision_caller_syncs_cognito_once_and_names_that_user(seeded_lab):
    assert find_user_by_handle(seeded_lab, "bayko").cognito_user_id == "MOCK"
    caller = provision_caller(seeded_lab, "bayko")
    assert caller != "MOCK"
    assert find_user_by_cognito_id(seeded_lab, caller).handle == "bayko"
    # Everyone in the pool was synced at once; a second call reads, it does not re-sync.
    assert find_user_by_handle(seeded_lab, "andrewbrown").cognito_user_id not in ("MOCK", caller)
    assert provision_caller(seeded_lab, "bayko") == caller


def test_provision_caller_names_an_unknown_handle(seeded_lab):
    with pytest.raises(NotFound, match="no user with handle 'nobody'"):
        provision_caller(seeded_lab, "nobody")


def test_provision_caller_on_aws_refuses_to_sync_and_says_what_to_run(seeded_lab):
    aws = Lab(seeded_lab.settings.with_(engine="aws", endpoint_url=None, loopback_only=False))
    try:
        with pytest.raises(CognitoError) as error:
            provision_caller(aws, "andrewbrown")
    finally:
        aws.close()
    assert "run `cruddur-lab update-cognito-user-ids --engine aws` first" in str(error.value)
    assert find_user_by_handle(seeded_lab, "andrewbrown").cognito_user_id == "MOCK"


# --- A: list_messages -----------------------------------------------------------------------


def test_list_messages_returns_the_newest_twenty_oldest_first(app):
    page = list_messages(app, app.callers["andrewbrown"], SEED_GROUP_UUID)
    newest = all_seed_messages(app)[-PAGE_SIZE:]
    assert page.count == PAGE_SIZE
    assert page.items == newest
    assert [item["sk"] for item in page.items] == sorted(item["sk"] for item in page.items)
    assert page.message_group_uuid == SEED_GROUP_UUID
    assert page.next_token is not None


def test_page_tokens_walk_back_through_every_message_without_gaps_or_repeats(app):
    caller = app.callers["bayko"]
    pages, token = [], None
    while True:
        page = list_messages(app, caller, SEED_GROUP_UUID, page_token=token)
        pages.append(page.items)
        token = page.next_token
        if token is None:
            break
    assert [len(items) for items in pages] == [PAGE_SIZE] * (SEED_MESSAGES // PAGE_SIZE)
    # Each page is older than the one before it, and oldest-first inside.
    for newer, older in itertools.pairwise(pages):
        assert older[-1]["sk"] < newer[0]["sk"]
    walked = [item for items in reversed(pages) for item in items]
    assert walked == all_seed_messages(app)
    assert len({item["message_uuid"] for item in walked}) == SEED_MESSAGES


def test_list_messages_accepts_an_upper_case_group_uuid(app):
    page = list_messages(app, app.callers["andrewbrown"], SEED_GROUP_UUID.upper())
    assert page.message_group_uuid == SEED_GROUP_UUID
    assert page.count == PAGE_SIZE


@pytest.mark.parametrize(
    "token",
    ["not-a-token", encode_page_token({"pk": "x"}), encode_page_token({"pk": 1, "sk": "2"})],
)
def test_list_messages_refuses_a_page_token_it_did_not_issue(app, token):
    with pytest.raises(ServiceError) as error:
        list_messages(app, app.callers["andrewbrown"], SEED_GROUP_UUID, page_token=token)
    assert error.value.code == "invalid_page_token"


def test_list_messages_refuses_a_page_token_of_another_conversation(app):
    foreign = encode_page_token({"pk": message_pk(app.clock.new_id()), "sk": "2026"})
    with pytest.raises(ServiceError) as error:
        list_messages(app, app.callers["andrewbrown"], SEED_GROUP_UUID, page_token=foreign)
    assert error.value.code == "invalid_page_token"
    assert "another conversation" in str(error.value)


# --- B: list_message_groups ---------------------------------------------------------------


def test_list_message_groups_shows_a_new_conversation_first(app):
    before = list_message_groups(app, app.callers["andrewbrown"])
    assert [row["message_group_uuid"] for row in before.items] == [SEED_GROUP_UUID]
    assert before.items[0]["user_handle"] == "bayko"
    started = create_message_group(app, app.callers["andrewbrown"], "londo", "Hello Londo")
    after = list_message_groups(app, app.callers["andrewbrown"])
    assert [row["message_group_uuid"] for row in after.items] == [
        started.message_group_uuid,
        SEED_GROUP_UUID,
    ]
    assert after.items[0]["user_handle"] == "londo"
    assert after.items[0]["message"] == "Hello Londo"
    assert after.next_token is None


def test_list_message_groups_keeps_last_years_conversations(app):
    app.clock = Clock.pinned("2025-12-31T23:59:00+00:00")
    old = create_message_group(app, app.callers["andrewbrown"], "londo", "Happy new year soon")
    app.clock = Clock.pinned("2026-06-01T00:00:00+00:00")
    rows = list_message_groups(app, app.callers["andrewbrown"]).items
    assert [row["message_group_uuid"] for row in rows] == [SEED_GROUP_UUID, old.message_group_uuid]
    assert rows[1]["sk"].startswith("2025-12-31")


def test_list_message_groups_pages_newest_first(app):
    andrew = app.callers["andrewbrown"]
    started = create_message_group(app, andrew, "londo", "first")
    first = list_message_groups(app, andrew, limit=1)
    assert [row["user_handle"] for row in first.items] == ["londo"]
    assert first.items[0]["message_group_uuid"] == started.message_group_uuid
    second = list_message_groups(app, andrew, limit=1, page_token=first.next_token)
    assert [row["user_handle"] for row in second.items] == ["bayko"]
    if second.next_token is not None:  # AWS may point at an empty last page
        assert list_message_groups(app, andrew, limit=1, page_token=second.next_token).items == []


def test_list_message_groups_refuses_another_users_page_token(app):
    theirs = encode_page_token({"pk": group_pk(app.users["bayko"].uuid), "sk": "2026"})
    with pytest.raises(ServiceError) as error:
        list_message_groups(app, app.callers["andrewbrown"], page_token=theirs)
    assert error.value.code == "invalid_page_token"


def test_list_message_groups_refuses_a_limit_below_one(app):
    with pytest.raises(ServiceError) as error:
        list_message_groups(app, app.callers["andrewbrown"], limit=0)
    assert error.value.code == "invalid_limit"


# --- C: create_message ----------------------------------------------------------------------


def test_create_message_writes_one_row_named_by_the_message_uuid(app):
    twin = Clock.pinned(DEFAULT_NOW)
    before = snapshot(app)
    created = create_message(app, app.callers["bayko"], SEED_GROUP_UUID, "Ship it.")
    bayko = app.users["bayko"]
    assert created.message_uuid == twin.new_id()
    assert created.created_at == twin.timestamp() == "2026-03-01T12:00:00.000000+00:00"
    assert created.message_uuid != bayko.uuid  # the bootcamp returned the user uuid here
    assert (created.user_uuid, created.user_handle, created.user_display_name) == (
        bayko.uuid,
        "bayko",
        "Andrew Bayko",
    )
    assert created.message_group_uuid == SEED_GROUP_UUID
    row = app.table.get_item(
        Key={"pk": message_pk(SEED_GROUP_UUID), "sk": created.created_at}, ConsistentRead=True
    )["Item"]
    assert row == {
        "pk": message_pk(SEED_GROUP_UUID),
        "sk": created.created_at,
        "message_uuid": created.message_uuid,
        "message": "Ship it.",
        "user_uuid": bayko.uuid,
        "user_display_name": "Andrew Bayko",
        "user_handle": "bayko",
    }
    # Exactly one new item; the group rows wait for the stream handler (pattern E).
    after = snapshot(app)
    assert [item for item in after if item not in before] == [row]
    assert len(after) == len(before) + 1


def test_create_message_shows_up_as_the_newest_message_of_pattern_a(app):
    created = create_message(app, app.callers["andrewbrown"], SEED_GROUP_UUID, "newest")
    page = list_messages(app, app.callers["bayko"], SEED_GROUP_UUID)
    assert page.items[-1]["message_uuid"] == created.message_uuid
    assert page.count == PAGE_SIZE


def test_create_message_does_not_overwrite_a_message_with_the_same_timestamp(app):
    twin = Clock.pinned(DEFAULT_NOW)
    twin.new_id()
    taken = twin.timestamp()
    app.table.put_item(
        Item={"pk": message_pk(SEED_GROUP_UUID), "sk": taken, "message_uuid": "x", "message": "x"}
    )
    created = create_message(app, app.callers["andrewbrown"], SEED_GROUP_UUID, "mine")
    assert created.created_at > taken
    kept = app.table.get_item(Key={"pk": message_pk(SEED_GROUP_UUID), "sk": taken})["Item"]
    assert kept["message"] == "x"


def test_a_message_of_exactly_the_limit_is_accepted_and_one_more_is_not(app):
    caller = app.callers["andrewbrown"]
    longest = "é" * MAX_MESSAGE_CHARS  # characters, not bytes: 2,048 bytes in UTF-8
    created = create_message(app, caller, SEED_GROUP_UUID, longest)
    assert len(created.message) == 1024
    before = snapshot(app)
    with pytest.raises(ServiceError) as error:
        create_message(app, caller, SEED_GROUP_UUID, "x" * (MAX_MESSAGE_CHARS + 1))
    assert error.value.code == "message_exceed_max_chars"
    assert str(error.value) == (
        "the message has 1025 characters, more than the 1024 allowed: shorten it"
    )
    assert snapshot(app) == before


# --- D: create_message_group ----------------------------------------------------------------


def test_create_message_group_writes_two_group_rows_and_the_first_message(app):
    twin = Clock.pinned(DEFAULT_NOW)
    group, message_uuid, created_at = twin.new_id(), twin.new_id(), twin.timestamp()
    andrew, londo = app.users["andrewbrown"], app.users["londo"]
    before = snapshot(app)
    started = create_message_group(app, app.callers["andrewbrown"], " londo ", "Hi Londo")
    assert (started.message_group_uuid, started.existing) == (group, False)
    assert (started.receiver_uuid, started.receiver_handle, started.receiver_display_name) == (
        londo.uuid,
        "londo",
        "Londo Mollari",
    )
    assert started.message.message_uuid == message_uuid
    assert started.message.created_at == created_at
    assert started.message.user_handle == "andrewbrown"
    # Each group row describes the *other* participant and points at the first message.
    assert group_rows(app, group) == [
        {
            "pk": group_pk(londo.uuid),
            "sk": created_at,
            "message_group_uuid": group,
            "message": "Hi Londo",
            "user_uuid": andrew.uuid,
            "user_display_name": "Andrew Brown",
            "user_handle": "andrewbrown",
        },
        {
            "pk": group_pk(andrew.uuid),
            "sk": created_at,
            "message_group_uuid": group,
            "message": "Hi Londo",
            "user_uuid": londo.uuid,
            "user_display_name": "Londo Mollari",
            "user_handle": "londo",
        },
    ]
    assert query(app, message_pk(group)) == [
        {
            "pk": message_pk(group),
            "sk": created_at,
            "message_uuid": message_uuid,
            "message": "Hi Londo",
            "user_uuid": andrew.uuid,
            "user_display_name": "Andrew Brown",
            "user_handle": "andrewbrown",
        }
    ]
    assert len(snapshot(app)) == len(before) + 3


def test_create_message_group_with_an_existing_partner_posts_into_that_group(app):
    before = snapshot(app)
    answer = create_message_group(app, app.callers["andrewbrown"], "bayko", "Again?")
    assert (answer.message_group_uuid, answer.existing) == (SEED_GROUP_UUID, True)
    assert answer.receiver_handle == "bayko"
    assert answer.message.message_group_uuid == SEED_GROUP_UUID
    after = snapshot(app)
    new = [item for item in after if item not in before]
    assert [(item["pk"], item["message_uuid"]) for item in new] == [
        (message_pk(SEED_GROUP_UUID), answer.message.message_uuid)
    ]
    assert len(group_rows(app, SEED_GROUP_UUID)) == 2


def test_create_message_group_twice_returns_the_first_group_from_either_side(app):
    first = create_message_group(app, app.callers["andrewbrown"], "londo", "one")
    again = create_message_group(app, app.callers["andrewbrown"], "londo", "two")
    reply = create_message_group(app, app.callers["londo"], "andrewbrown", "three")
    assert first.existing is False
    assert (again.existing, again.message_group_uuid) == (True, first.message_group_uuid)
    assert (reply.existing, reply.message_group_uuid) == (True, first.message_group_uuid)
    assert len(group_rows(app, first.message_group_uuid)) == 2
    texts = [item["message"] for item in query(app, message_pk(first.message_group_uuid))]
    assert texts == ["one", "two", "three"]


@pytest.mark.parametrize("clash", ["caller_row", "receiver_row", "message"])
def test_create_message_group_writes_nothing_when_its_transaction_fails(app, clash):
    # The pinned clock predicts D's keys; one row already holding one of them cancels it.
    twin = Clock.pinned(DEFAULT_NOW)
    group, _, created_at = twin.new_id(), twin.new_id(), twin.timestamp()
    pk = {
        "caller_row": group_pk(app.users["andrewbrown"].uuid),
        "receiver_row": group_pk(app.users["londo"].uuid),
        "message": message_pk(group),
    }[clash]
    app.table.put_item(Item={"pk": pk, "sk": created_at, "message": "already here"})
    before = snapshot(app)
    with pytest.raises(ServiceError) as error:
        create_message_group(app, app.callers["andrewbrown"], "londo", "Hi Londo")
    assert error.value.code == "transaction_cancelled"
    assert error.value.aws_code == "TransactionCanceledException"
    assert str(error.value) == (
        f"the conversation was not created (a row already exists at {pk} {created_at}): "
        "nothing was written; send again"
    )
    assert snapshot(app) == before
    assert group_rows(app, group) == []
    # Nothing half-made to trip over: the next attempt creates a whole new group.
    retried = create_message_group(app, app.callers["andrewbrown"], "londo", "Hi Londo")
    assert retried.existing is False
    assert len(group_rows(app, retried.message_group_uuid)) == 2


# --- validation -----------------------------------------------------------------------------

NOBODY = "00000000-0000-4000-8000-000000000000"


def _attempt(app, case):
    andrew = app.callers["andrewbrown"]
    londo = app.callers["londo"]
    calls = {
        "c_blank": lambda: create_message(app, andrew, SEED_GROUP_UUID, ""),
        "c_whitespace": lambda: create_message(app, andrew, SEED_GROUP_UUID, " \n\t "),
        "c_none": lambda: create_message(app, andrew, SEED_GROUP_UUID, None),
        "d_blank": lambda: create_message_group(app, andrew, "londo", "   "),
        "c_too_long": lambda: create_message(app, andrew, SEED_GROUP_UUID, "x" * 1025),
        "d_too_long": lambda: create_message_group(app, andrew, "londo", "x" * 1025),
        "c_group_blank": lambda: create_message(app, andrew, "  ", "hi"),
        "a_group_none": lambda: list_messages(app, andrew, None),
        "c_group_bad": lambda: create_message(app, andrew, "not-a-uuid", "hi"),
        "a_group_bad": lambda: list_messages(app, andrew, "5ae290ed"),
        "d_receiver_blank": lambda: create_message_group(app, andrew, " ", "hi"),
        "d_receiver_none": lambda: create_message_group(app, andrew, None, "hi"),
        "d_receiver_unknown": lambda: create_message_group(app, andrew, "nobody", "hi"),
        "d_self": lambda: create_message_group(app, andrew, "andrewbrown", "hi"),
        "a_outsider": lambda: list_messages(app, londo, SEED_GROUP_UUID),
        "c_outsider": lambda: create_message(app, londo, SEED_GROUP_UUID, "let me in"),
        "c_no_such_group": lambda: create_message(app, andrew, NOBODY, "hi"),
        "a_unknown_caller": lambda: list_messages(app, "no-such-sub", SEED_GROUP_UUID),
        "b_mock_caller": lambda: list_message_groups(app, "MOCK"),
        "c_empty_caller": lambda: create_message(app, "", SEED_GROUP_UUID, "hi"),
        "d_unknown_caller": lambda: create_message_group(app, "no-such-sub", "londo", "hi"),
    }
    return calls[case]()


@pytest.mark.parametrize(
    ("case", "code", "line"),
    [
        ("c_blank", "message_blank", "the message is empty: type some text to send"),
        ("c_whitespace", "message_blank", None),
        ("c_none", "message_blank", None),
        ("d_blank", "message_blank", None),
        ("c_too_long", "message_exceed_max_chars", None),
        ("d_too_long", "message_exceed_max_chars", None),
        (
            "c_group_blank",
            "message_group_uuid_blank",
            f"no message group uuid given: name the conversation, e.g. {SEED_GROUP_UUID}",
        ),
        ("a_group_none", "message_group_uuid_blank", None),
        (
            "c_group_bad",
            "invalid_message_group_uuid",
            f"message group uuid 'not-a-uuid' is not a uuid: pass a uuid such as {SEED_GROUP_UUID}",
        ),
        ("a_group_bad", "invalid_message_group_uuid", None),
        (
            "d_receiver_blank",
            "receiver_handle_blank",
            "no receiver handle given: name who to message, e.g. bayko",
        ),
        ("d_receiver_none", "receiver_handle_blank", None),
        (
            "d_receiver_unknown",
            "receiver_not_found",
            "no user with handle 'nobody': check the spelling",
        ),
        (
            "d_self",
            "cannot_message_self",
            "andrewbrown cannot start a conversation with themselves",
        ),
        (
            "a_outsider",
            "not_a_member",
            f"londo is not in conversation {SEED_GROUP_UUID}: list your conversations with "
            "`cruddur-lab groups list`",
        ),
        ("c_outsider", "not_a_member", None),
        ("c_no_such_group", "not_a_member", None),
        (
            "a_unknown_caller",
            "caller_not_found",
            "no user has cognito_user_id 'no-such-sub': run `cruddur-lab update-cognito-user-ids`",
        ),
        ("b_mock_caller", "caller_not_found", None),
        ("c_empty_caller", "caller_not_found", None),
        ("d_unknown_caller", "caller_not_found", None),
    ],
)
def test_bad_requests_get_their_code_and_write_nothing(app, case, code, line):
    before = snapshot(app)
    with pytest.raises(ServiceError) as error:
        _attempt(app, case)
    assert error.value.code == code
    if line is not None:
        assert str(error.value) == line
    assert "\n" not in str(error.value)
    assert snapshot(app) == before
