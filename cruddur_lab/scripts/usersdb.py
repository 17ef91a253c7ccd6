"""The users database (Postgres ``cruddur``): schema, seed users and lookups.

The schema is the bootcamp's (``public.users``, ``public.activities``). Every statement is
parameterised; a handle such as ``x'; DROP TABLE users;--`` is only ever a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cruddur_lab.clock import stable_id
from cruddur_lab.errors import NotFound
from cruddur_lab.model import SEED_USERS, User

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS public.users (
  uuid UUID DEFAULT gen_random_uuid() PRIMARY KEY,
  display_name text NOT NULL,
  handle text NOT NULL,
  email text NOT NULL,
  cognito_user_id text NOT NULL,
  created_at TIMESTAMP DEFAULT current_timestamp NOT NULL
);
CREATE TABLE IF NOT EXISTS public.activities (
  uuid UUID DEFAULT gen_random_uuid() PRIMARY KEY,
  user_uuid UUID NOT NULL,
  message text NOT NULL,
  replies_count integer DEFAULT 0,
  reposts_count integer DEFAULT 0,
  likes_count integer DEFAULT 0,
  reply_to_activity_uuid integer,
  expires_at TIMESTAMP,
  created_at TIMESTAMP DEFAULT current_timestamp NOT NULL
);
"""

_USER_COLUMNS = "uuid::text, handle, display_name, cognito_user_id, email"


def seed_user_uuid(handle: str) -> str:
    """Seed users get stable uuids so group rows and notebooks are reproducible."""
    return stable_id("user", handle)


@dataclass(frozen=True)
class UsersSeedReport:
    inserted: tuple[str, ...]
    existing: tuple[str, ...]


#: Key of the advisory lock that serialises ``ensure_schema`` across sessions.
_SCHEMA_LOCK = 0x6372_7564  # "crud"


def ensure_schema(lab: Lab) -> None:
    """Create ``users`` and ``activities`` if missing (safe to repeat, and to run at once).

    Two sessions running ``CREATE TABLE IF NOT EXISTS`` at the same moment can both pass
    the "not exists" check and collide in the catalogue (a unique violation on
    ``pg_type``); a transaction-scoped advisory lock lets one of them go first.
    """
    with lab.pg.transaction():
        lab.pg.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        lab.pg.execute(SCHEMA_SQL)


def seed_users(lab: Lab) -> UsersSeedReport:
    """Insert the seed users that are missing, by handle; existing rows are left alone.

    One statement per user, safe when two kernels prepare at once: a handle already there
    is skipped by ``WHERE NOT EXISTS``, and a concurrent insert of the same seed user (same
    stable uuid) by ``ON CONFLICT DO NOTHING`` instead of a primary-key violation.
    """
    ensure_schema(lab)
    inserted, existing = [], []
    created_at = lab.clock.origin.replace(tzinfo=None)
    with lab.pg.transaction():
        for handle, display_name, email in SEED_USERS:
            row = lab.pg.execute(
                "INSERT INTO public.users (uuid, display_name, handle, email, cognito_user_id,"
                " created_at) SELECT %s, %s, %s, %s, 'MOCK', %s WHERE NOT EXISTS"
                " (SELECT 1 FROM public.users WHERE handle = %s)"
                " ON CONFLICT (uuid) DO NOTHING RETURNING handle",
                (seed_user_uuid(handle), display_name, handle, email, created_at, handle),
            ).fetchone()
            (inserted if row else existing).append(handle)
    return UsersSeedReport(tuple(inserted), tuple(existing))


def _user(row: tuple) -> User:
    uuid, handle, display_name, cognito_user_id, email = row
    return User(
        uuid=uuid,
        handle=handle,
        display_name=display_name,
        cognito_user_id=cognito_user_id,
        email=email,
    )


def _select(lab: Lab, sql: str, params: tuple = ()) -> Any:
    """Run a lookup; a database that was never seeded is one line, not a psycopg traceback."""
    with lab.translate_errors():
        return lab.pg.execute(sql, params)


def _storable(value: str) -> bool:
    """False for text no Postgres row can hold (NUL, lone surrogates): nobody has it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def list_users(lab: Lab) -> list[User]:
    rows = _select(lab, f"SELECT {_USER_COLUMNS} FROM public.users ORDER BY handle").fetchall()
    return [_user(row) for row in rows]


def find_user_by_handle(lab: Lab, handle: str) -> User:
    """The user with ``handle``, or ``NotFound`` naming it."""
    if not _storable(handle):
        raise NotFound(f"no user with handle {handle!r}: check the name")
    row = _select(
        lab,
        f"SELECT {_USER_COLUMNS} FROM public.users WHERE handle = %s ORDER BY created_at LIMIT 1",
        (handle,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no user with handle {handle!r}: run `cruddur-lab seed` or check the name")
    return _user(row)


def find_user_by_cognito_id(lab: Lab, cognito_user_id: str) -> User:
    """The user whose ``cognito_user_id`` is given (how the app identifies the caller)."""
    if not _storable(cognito_user_id):
        raise NotFound(f"no user with cognito_user_id {cognito_user_id!r}: check the id")
    row = _select(
        lab,
        f"SELECT {_USER_COLUMNS} FROM public.users WHERE cognito_user_id = %s "
        "ORDER BY created_at LIMIT 2",
        (cognito_user_id,),
    ).fetchall()
    if not row:
        raise NotFound(
            f"no user with cognito_user_id {cognito_user_id!r}: "
            "run `cruddur-lab update-cognito-user-ids` first"
        )
    return _user(row[0])


def find_user_by_uuid(lab: Lab, user_uuid: str) -> User:
    if not _storable(user_uuid):
        raise NotFound(f"no user with uuid {user_uuid!r}")
    row = _select(
        lab, f"SELECT {_USER_COLUMNS} FROM public.users WHERE uuid::text = %s", (user_uuid,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no user with uuid {user_uuid!r}")
    return _user(row)
