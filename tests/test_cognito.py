"""Cognito: the seed user pool and update-cognito-user-ids (paginated, one transaction)."""

from __future__ import annotations

import psycopg
import pytest

from cruddur_lab.errors import CognitoError
from cruddur_lab.model import SEED_USERS
from cruddur_lab.scripts.cognito import (
    POOL_NAME,
    find_pool_id,
    list_pool_users,
    seed_user_pool,
    update_cognito_user_ids,
)
from cruddur_lab.scripts.usersdb import list_users, seed_users

SEED_HANDLES = sorted(handle for handle, _, _ in SEED_USERS)


def cognito_ids(lab) -> dict[str, str]:
    return {user.handle: user.cognito_user_id for user in list_users(lab)}


def test_seed_user_pool_creates_one_pool_with_a_user_per_seed_handle(lab):
    pool_id = seed_user_pool(lab)
    (pool,) = lab.cognito.list_user_pools(MaxResults=60)["UserPools"]
    assert pool["Name"] == POOL_NAME and pool["Id"] == pool_id
    users, pages = list_pool_users(lab, pool_id)
    assert sorted(user.preferred_username for user in users) == SEED_HANDLES
    assert all(user.sub for user in users)
    assert pages == 1


def test_seed_user_pool_twice_reuses_the_pool_and_its_users(lab):
    pool_id = seed_user_pool(lab)
    first = sorted(list_pool_users(lab, pool_id)[0], key=lambda u: u.username)
    assert seed_user_pool(lab) == pool_id
    assert sorted(list_pool_users(lab, pool_id)[0], key=lambda u: u.username) == first
    assert len(lab.cognito.list_user_pools(MaxResults=60)["UserPools"]) == 1


def test_find_pool_id_without_a_pool_says_what_to_do(lab):
    with pytest.raises(CognitoError) as caught:
        find_pool_id(lab)
    assert str(caught.value) == (
        "no user pool named 'cruddur-user-pool': set AWS_COGNITO_USER_POOL_ID "
        "or run `cruddur-lab cognito seed`"
    )


def test_update_sets_each_users_sub_by_preferred_username(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab)
    subs = {u.preferred_username: u.sub for u in list_pool_users(pg_lab, pool_id)[0]}
    report = update_cognito_user_ids(pg_lab, pool_id)
    assert report.updated == SEED_HANDLES
    assert report.already_current == report.unmatched == report.without_handle == []
    assert cognito_ids(pg_lab) == subs


def test_update_twice_reports_everyone_already_current(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab)
    update_cognito_user_ids(pg_lab, pool_id)
    before = cognito_ids(pg_lab)
    report = update_cognito_user_ids(pg_lab, pool_id)
    assert report.updated == []
    assert report.already_current == SEED_HANDLES
    assert cognito_ids(pg_lab) == before
    assert str(report) == (
        "updated: 0; already current: 6; unmatched: 0; without preferred_username: 0; "
        "ListUsers pages: 1"
    )


def test_update_reads_every_listusers_page_beyond_sixty_users(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab, extra_users=70)  # 76 users: two pages of at most 60
    report = update_cognito_user_ids(pg_lab, pool_id)
    assert report.pages == 2
    assert report.updated == SEED_HANDLES
    assert report.unmatched == [f"student{n:03d}" for n in range(1, 71)]
    assert "MOCK" not in cognito_ids(pg_lab).values()


def test_update_finds_the_pool_by_name_or_by_setting(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab)
    assert len(update_cognito_user_ids(pg_lab).updated) == len(SEED_HANDLES)
    configured = pg_lab.__class__(pg_lab.settings.with_(user_pool_id=pool_id))
    try:
        assert find_pool_id(configured) == pool_id
    finally:
        configured.close()


def test_pool_user_without_preferred_username_is_reported_not_matched(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab)
    pg_lab.cognito.admin_create_user(
        UserPoolId=pool_id, Username="anonymous", MessageAction="SUPPRESS"
    )
    report = update_cognito_user_ids(pg_lab, pool_id)
    assert report.without_handle == ["anonymous"]
    assert len(report.updated) == len(SEED_HANDLES)


def test_update_is_one_transaction_a_failure_changes_no_row(pg_lab):
    seed_users(pg_lab)
    pool_id = seed_user_pool(pg_lab)
    # A real constraint makes the update of 'sheridan' (sorted last) fail after the others.
    pg_lab.pg.execute(
        "ALTER TABLE public.users ADD CONSTRAINT sheridan_stays_mock "
        "CHECK (handle <> 'sheridan' OR cognito_user_id = 'MOCK')"
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        update_cognito_user_ids(pg_lab, pool_id)
    assert set(cognito_ids(pg_lab).values()) == {"MOCK"}


def test_every_user_pool_signs_with_the_one_key_imported_once(lab):
    """moto gives each user pool the same signing key, read from its package; importing it
    (an RSA key whose primes are recovered) took 0.1-0.2 s of engine time per pool, and the
    walkthrough creates one in most notebooks. The engine imports it once."""
    from moto.cognitoidp.models import cognitoidp_backends

    from cruddur_lab.engine.motoserver import ACCOUNT_ID

    first = lab.cognito.create_user_pool(PoolName="first")["UserPool"]["Id"]
    second = lab.cognito.create_user_pool(PoolName="second")["UserPool"]["Id"]
    pools = cognitoidp_backends[ACCOUNT_ID][lab.settings.region].user_pools
    key = pools[first].json_web_key
    assert pools[second].json_web_key is key
    assert key.kid == "dummy"  # moto's own key (jwks-private.json), as before
