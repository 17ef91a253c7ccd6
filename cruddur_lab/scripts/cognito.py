"""Cognito: a user pool for the seed users, and ``update-cognito-user-ids``.

The app identifies a caller by the ``sub`` of their Cognito token and finds them in Postgres
by ``users.cognito_user_id``; seeded users start with ``MOCK``. The bootcamp's script copied
``sub`` over by ``preferred_username`` but read only the first page of ``ListUsers``;
here every page is read and the update runs in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab.errors import CognitoError
from cruddur_lab.model import SEED_USERS

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

POOL_NAME = "cruddur-user-pool"
#: ListUsers returns at most 60 users a page.
LIST_USERS_PAGE = 60


@dataclass(frozen=True)
class PoolUser:
    username: str
    sub: str
    preferred_username: str | None


@dataclass
class CognitoSyncReport:
    updated: list[str] = field(default_factory=list)
    already_current: list[str] = field(default_factory=list)
    #: Pool users whose preferred_username matches no Postgres handle.
    unmatched: list[str] = field(default_factory=list)
    #: Pool users without a preferred_username attribute (cannot be matched at all).
    without_handle: list[str] = field(default_factory=list)
    pages: int = 0

    def __str__(self) -> str:
        return (
            f"updated: {len(self.updated)}; already current: {len(self.already_current)}; "
            f"unmatched: {len(self.unmatched)}; without preferred_username: "
            f"{len(self.without_handle)}; ListUsers pages: {self.pages}"
        )


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get("Attributes", [])}


def find_pool_id(lab: Lab) -> str:
    """The configured pool, or the one pool named ``cruddur-user-pool``."""
    if lab.settings.user_pool_id:
        return lab.settings.user_pool_id
    with lab.translate_errors():
        # ListUserPools requires MaxResults; 60 is the largest page Cognito allows.
        pages = lab.cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
        pools = [p for page in pages for p in page["UserPools"] if p["Name"] == POOL_NAME]
    if len(pools) != 1:
        from cruddur_lab.scripts.schema import fix_for_missing_state

        found = "no" if not pools else str(len(pools))
        fix = "set AWS_COGNITO_USER_POOL_ID or run `cruddur-lab cognito seed`"
        if not pools and lab.is_embedded and lab.owns_services:
            fix = fix_for_missing_state(lab)
        raise CognitoError(f"{found} user pool named {POOL_NAME!r}: {fix}")
    return pools[0]["Id"]


def seed_user_pool(lab: Lab, *, extra_users: int = 0) -> str:
    """Create (or reuse) ``cruddur-user-pool`` with a user per seed handle; return its id.

    ``extra_users`` adds users ``student001``… that have no Postgres row (they show up as
    *unmatched*, and push ``ListUsers`` past one page).
    """
    try:
        pool_id = find_pool_id(lab)
    except CognitoError:
        with lab.translate_errors():
            pool_id = lab.cognito.create_user_pool(PoolName=POOL_NAME)["UserPool"]["Id"]
    existing = {user.username for user in list_pool_users(lab, pool_id)[0]}
    wanted = [(handle, email) for handle, _, email in SEED_USERS]
    wanted += [
        (f"student{n:03d}", f"student{n:03d}@example.com") for n in range(1, extra_users + 1)
    ]
    with lab.translate_errors():
        for handle, email in wanted:
            if handle in existing:
                continue
            lab.cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=handle,
                UserAttributes=[
                    {"Name": "preferred_username", "Value": handle},
                    {"Name": "email", "Value": email},
                ],
                MessageAction="SUPPRESS",
            )
    return pool_id


def list_pool_users(lab: Lab, pool_id: str) -> tuple[list[PoolUser], int]:
    """Every user of the pool (all pages) and how many pages that took."""
    users: list[PoolUser] = []
    pages = 0
    paginator = lab.cognito.get_paginator("list_users")
    with lab.translate_errors():
        for page in paginator.paginate(
            UserPoolId=pool_id, PaginationConfig={"PageSize": LIST_USERS_PAGE}
        ):
            pages += 1
            for raw in page["Users"]:
                attributes = _attributes(raw)
                users.append(
                    PoolUser(
                        username=raw["Username"],
                        sub=attributes.get("sub", ""),
                        preferred_username=attributes.get("preferred_username"),
                    )
                )
    return users, pages


def update_cognito_user_ids(lab: Lab, pool_id: str | None = None) -> CognitoSyncReport:
    """Set ``users.cognito_user_id`` to each pool user's ``sub``, matched by handle."""
    from cruddur_lab.scripts.usersdb import ensure_schema

    pool_id = pool_id or find_pool_id(lab)
    pool_users, pages = list_pool_users(lab, pool_id)
    report = CognitoSyncReport(pages=pages)
    ensure_schema(lab)
    with lab.pg.transaction():
        current = dict(
            lab.pg.execute("SELECT handle, cognito_user_id FROM public.users").fetchall()
        )
        for user in sorted(pool_users, key=lambda u: u.preferred_username or u.username):
            handle = user.preferred_username
            if not handle:
                report.without_handle.append(user.username)
            elif handle not in current:
                report.unmatched.append(handle)
            elif current[handle] == user.sub:
                report.already_current.append(handle)
            else:
                lab.pg.execute(
                    "UPDATE public.users SET cognito_user_id = %s WHERE handle = %s",
                    (user.sub, handle),
                )
                report.updated.append(handle)
    return report
