"""The users database, on the embedded Postgres and (in CI) a standalone server."""

from __future__ import annotations

import pytest

from cruddur_lab.errors import NotFound
from cruddur_lab.model import SEED_USERS
from cruddur_lab.scripts.usersdb import (
    ensure_schema,
    find_user_by_cognito_id,
    find_user_by_handle,
    find_user_by_uuid,
    list_users,
    seed_user_uuid,
    seed_users,
)


def columns(lab, table):
    rows = lab.pg.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return dict(rows)


def test_schema_matches_the_bootcamps_users_and_activities(pg_lab):
    ensure_schema(pg_lab)
    ensure_schema(pg_lab)  # safe to repeat
    assert columns(pg_lab, "users") == {
        "uuid": "uuid",
        "display_name": "text",
        "handle": "text",
        "email": "text",
        "cognito_user_id": "text",
        "created_at": "timestamp without time zone",
    }
    assert list(columns(pg_lab, "activities")) == [
        "uuid",
        "user_uuid",
        "message",
        "replies_count",
        "reposts_count",
        "likes_count",
        "reply_to_activity_uuid",
        "expires_at",
        "created_at",
    ]


def test_seed_users_inserts_every_seed_user_with_mock_cognito_ids(pg_lab):
    report = seed_users(pg_lab)
    assert report.inserted == tuple(handle for handle, _, _ in SEED_USERS)
    assert report.existing == ()
    users = {user.handle: user for user in list_users(pg_lab)}
    assert set(users) == {handle for handle, _, _ in SEED_USERS}
    assert users["andrewbrown"].display_name == "Andrew Brown"
    assert users["bayko"].display_name == "Andrew Bayko"
    assert users["londo"].display_name == "Londo Mollari"
    assert {user.cognito_user_id for user in users.values()} == {"MOCK"}
    assert users["bayko"].uuid == seed_user_uuid("bayko")


def test_seed_users_twice_changes_nothing(pg_lab):
    seed_users(pg_lab)
    before = pg_lab.pg.execute("SELECT * FROM public.users ORDER BY handle").fetchall()
    report = seed_users(pg_lab)
    assert report.inserted == ()
    assert len(report.existing) == len(SEED_USERS)
    assert pg_lab.pg.execute("SELECT * FROM public.users ORDER BY handle").fetchall() == before


def test_seed_users_keeps_a_handle_that_already_exists(pg_lab):
    ensure_schema(pg_lab)
    pg_lab.pg.execute(
        "INSERT INTO public.users (display_name, handle, email, cognito_user_id) "
        "VALUES ('Mine', 'londo', 'me@example.com', 'sub-1')"
    )
    report = seed_users(pg_lab)
    assert "londo" in report.existing and "londo" not in report.inserted
    assert find_user_by_handle(pg_lab, "londo").display_name == "Mine"


def test_seed_user_created_at_follows_the_pinned_clock(pg_lab):
    seed_users(pg_lab)
    (created,) = pg_lab.pg.execute("SELECT DISTINCT created_at::text FROM public.users").fetchone()
    assert created == "2026-03-01 12:00:00"


def test_lookups_by_handle_uuid_and_cognito_id(pg_lab):
    seed_users(pg_lab)
    bayko = find_user_by_handle(pg_lab, "bayko")
    assert find_user_by_uuid(pg_lab, bayko.uuid) == bayko
    pg_lab.pg.execute(
        "UPDATE public.users SET cognito_user_id = 'sub-bayko' WHERE handle = 'bayko'"
    )
    assert find_user_by_cognito_id(pg_lab, "sub-bayko").handle == "bayko"


def test_unknown_handle_is_one_line_saying_what_to_do(pg_lab):
    seed_users(pg_lab)
    with pytest.raises(NotFound) as caught:
        find_user_by_handle(pg_lab, "nobody")
    assert str(caught.value) == (
        "no user with handle 'nobody': run `cruddur-lab seed` or check the name"
    )


def test_unknown_cognito_id_points_at_update_cognito_user_ids(pg_lab):
    seed_users(pg_lab)
    with pytest.raises(NotFound, match=r"run `cruddur-lab update-cognito-user-ids` first"):
        find_user_by_cognito_id(pg_lab, "sub-unknown")


def test_unknown_uuid_is_not_found(pg_lab):
    seed_users(pg_lab)
    with pytest.raises(NotFound, match="no user with uuid"):
        find_user_by_uuid(pg_lab, "00000000-0000-4000-8000-000000000000")


def test_a_hostile_handle_is_only_ever_a_value(pg_lab):
    seed_users(pg_lab)
    with pytest.raises(NotFound):
        find_user_by_handle(pg_lab, "x'; DROP TABLE public.users;--")
    assert len(list_users(pg_lab)) == len(SEED_USERS)


@pytest.mark.parametrize("users_table", ["missing", "empty"])
def test_two_sessions_seeding_users_at_once_both_succeed(pg_lab, services, users_table):
    """Issue 15 item 4: two kernels preparing their notebooks at once (two notebooks opened
    in `cruddur-lab lab`) each run seed_users on their own connection. Started together,
    both must finish and leave one row per seed user: with the users table missing (both
    create it) and with it empty (both insert the same users)."""
    import threading

    from cruddur_lab.engine.lab import Lab

    url = pg_lab.settings.connection_url
    others = [Lab.on_services(services, connection_url=url) for _ in range(2)]
    try:
        for _ in range(8):  # the race is narrow; a few rounds make it near certain
            pg_lab.pg.execute("DROP TABLE IF EXISTS public.users, public.activities")
            if users_table == "empty":
                ensure_schema(pg_lab)
            start = threading.Barrier(2)
            outcomes: list[object] = []

            def prepare(lab, start=start, outcomes=outcomes):
                start.wait()
                try:
                    outcomes.append(seed_users(lab))
                except Exception as error:  # reported below, in the test's own thread
                    outcomes.append(error)

            threads = [threading.Thread(target=prepare, args=(lab,)) for lab in others]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            errors = [o for o in outcomes if isinstance(o, Exception)]
            assert errors == [], errors
            inserted = sorted(h for report in outcomes for h in report.inserted)
            assert inserted == sorted(handle for handle, _, _ in SEED_USERS)
            handles = pg_lab.pg.execute("SELECT handle FROM public.users ORDER BY handle")
            assert [row[0] for row in handles] == sorted(h for h, _, _ in SEED_USERS)
    finally:
        for lab in others:
            lab.close()
