"""Input checks, callers and page tokens of the app's service layer (patterns A–D).

Every check raises ``InvalidInput(code, message)`` (a ``ServiceError`` with one of the app's
codes, and a usage error: exit 2 in the CLI) before any lookup or write, so a bad request
never leaves anything behind. The bootcamp answered the
same inputs with a 500 (or a ``TypeError`` for a missing handle).

Page tokens are opaque strings for callers: the ``LastEvaluatedKey`` of a query, as JSON,
in URL-safe base64. A token is checked against the partition it was issued for, so a token
from another conversation or another inbox is refused instead of reaching DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING

from cruddur_lab.errors import (
    CognitoError,
    InvalidInput,
    NotFound,
    ServiceError,
    UsersTableMissing,
)
from cruddur_lab.model import (
    MAX_MESSAGE_CHARS,
    PARTITION_KEY,
    SEED_GROUP_UUID,
    SORT_KEY,
    User,
    normalize_uuid,
)

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: The placeholder every seeded user has until ``update-cognito-user-ids`` runs.
MOCK_COGNITO_ID = "MOCK"


def require_text(text: str | None) -> str:
    """The message as given, if it has something besides whitespace and fits the limit."""
    if text is None or not str(text).strip():
        raise InvalidInput("message_blank", "the message is empty: type some text to send")
    text = str(text)
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            "message_exceed_max_chars",
            f"the message has {len(text)} characters, more than the {MAX_MESSAGE_CHARS} "
            "allowed: shorten it",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        # A lone surrogate: what Python makes of bytes that were not UTF-8 (a terminal in
        # another encoding). DynamoDB strings are UTF-8, so it cannot be stored.
        raise InvalidInput(
            "message_invalid_characters",
            f"the message is not valid Unicode (character {error.start + 1} is a lone "
            f"surrogate {text[error.start]!r}): retype it, or set the terminal to UTF-8",
        ) from None
    return text


def require_group_uuid(value: str | None) -> str:
    """The canonical (lower-case) form of a message group uuid."""
    if value is None or not str(value).strip():
        raise InvalidInput(
            "message_group_uuid_blank",
            "no message group uuid given: name the conversation, e.g. " + SEED_GROUP_UUID,
        )
    try:
        return normalize_uuid(value, "message group uuid")
    except ValueError as error:
        raise InvalidInput(
            "invalid_message_group_uuid", f"{error}: pass a uuid such as {SEED_GROUP_UUID}"
        ) from None


def require_handle(value: str | None) -> str:
    """A receiver handle with surrounding whitespace removed."""
    if value is None or not str(value).strip():
        raise InvalidInput(
            "receiver_handle_blank", "no receiver handle given: name who to message, e.g. bayko"
        )
    return str(value).strip()


def require_limit(limit: int | None, default: int) -> int:
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(
            "invalid_limit", f"limit must be a whole number of at least 1, got {limit!r}"
        )
    return limit


def encode_page_token(last_evaluated_key: dict[str, str] | None) -> str | None:
    """``LastEvaluatedKey`` as an opaque URL-safe string (None when there is no next page)."""
    if not last_evaluated_key:
        return None
    payload = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode()


def decode_page_token(token: str | None, expected_pk: str) -> dict[str, str] | None:
    """The ``ExclusiveStartKey`` inside ``token``; it must belong to ``expected_pk``."""
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    valid = (
        isinstance(key, dict)
        and set(key) == {PARTITION_KEY, SORT_KEY}
        and all(isinstance(value, str) for value in key.values())
    )
    if not valid:
        raise InvalidInput(
            "invalid_page_token",
            "the page token is not one this service issued: pass next_token from the previous "
            "page unchanged, or omit it for the newest page",
        )
    if key[PARTITION_KEY] != expected_pk:
        raise InvalidInput(
            "invalid_page_token",
            "the page token belongs to another conversation or inbox: omit it for the newest page",
        )
    return key


# --- who is asking ------------------------------------------------------------------------


def resolve_caller(lab: Lab, cognito_user_id: str) -> User:
    """The Postgres user behind a Cognito ``sub``, or ``ServiceError('caller_not_found')``.

    ``MOCK`` is refused: every user has it before the Cognito sync, so it names nobody.
    """
    from cruddur_lab.scripts.usersdb import find_user_by_cognito_id

    wanted = str(cognito_user_id or "").strip()
    if not wanted:
        raise ServiceError("caller_not_found", "no caller given: pass the caller's cognito_user_id")
    if wanted == MOCK_COGNITO_ID:
        raise ServiceError(
            "caller_not_found",
            "'MOCK' is the placeholder of users never synced with Cognito, not a caller: "
            "run `cruddur-lab update-cognito-user-ids` (or use provision_caller())",
        )
    try:
        return find_user_by_cognito_id(lab, wanted)
    except UsersTableMissing:
        raise
    except NotFound:
        raise ServiceError(
            "caller_not_found",
            f"no user has cognito_user_id {wanted!r}: run `cruddur-lab update-cognito-user-ids`",
        ) from None


def resolve_receiver(lab: Lab, handle: str) -> User:
    from cruddur_lab.scripts.usersdb import find_user_by_handle

    try:
        return find_user_by_handle(lab, handle)
    except UsersTableMissing:
        raise
    except NotFound:
        raise ServiceError(
            "receiver_not_found", f"no user with handle {handle!r}: check the spelling"
        ) from None


def provision_caller(lab: Lab, handle: str) -> str:
    """Make sure ``handle`` has a Cognito identity and return its ``cognito_user_id``, for
    notebooks and the CLI that "act as" a handle.

    This writes: a user still at ``MOCK`` has never been synced with Cognito, so on the
    embedded and endpoint engines it first seeds the user pool (``cognito.seed_user_pool``
    creates the pool and its users if missing) and copies the subs into Postgres
    (``cognito.update_cognito_user_ids``). On AWS it refuses, because that would change a
    real user pool and database: run ``update-cognito-user-ids`` yourself. (It was called
    ``provision_caller``, a name that read like a lookup.)
    """
    from cruddur_lab.scripts.cognito import seed_user_pool, update_cognito_user_ids
    from cruddur_lab.scripts.usersdb import find_user_by_handle

    handle = str(handle or "").strip()
    user = find_user_by_handle(lab, handle)
    if user.cognito_user_id != MOCK_COGNITO_ID:
        return user.cognito_user_id
    if lab.is_aws:
        raise CognitoError(
            f"{handle!r} has no Cognito id yet (cognito_user_id is MOCK): run "
            "`cruddur-lab update-cognito-user-ids --engine aws` first"
        )
    update_cognito_user_ids(lab, seed_user_pool(lab))
    user = find_user_by_handle(lab, handle)
    if user.cognito_user_id == MOCK_COGNITO_ID:
        raise CognitoError(
            f"the user pool has no user whose preferred_username is {handle!r}: add one, then "
            "run `cruddur-lab update-cognito-user-ids`"
        )
    return user.cognito_user_id
