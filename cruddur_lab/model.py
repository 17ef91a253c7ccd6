"""The single-table model: the one place that knows names, keys and item shapes.

Every other module (schema-load, seed, the patterns, the stream handler, the deploy
template's parameters, the notebooks) imports from here instead of retyping a name.

Two item kinds share the table ``cruddur-messages``; every attribute is a string:

===========  =========================  ===================  ==================================
kind         pk                         sk                   other attributes
===========  =========================  ===================  ==================================
group row    ``GRP#<owner user uuid>``  time of last message ``message_group_uuid``, ``message``,
                                                             ``user_uuid``, ``user_display_name``,
                                                             ``user_handle`` (the *other* user)
message row  ``MSG#<group uuid>``       ``created_at``       ``message_uuid``, ``message``,
                                                             ``user_uuid``, ``user_display_name``,
                                                             ``user_handle`` (the *sender*)
===========  =========================  ===================  ==================================

Only group rows carry ``message_group_uuid``, so the GSI ``message-group-sk-index`` is
sparse: it indexes group rows and never messages.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

TABLE_NAME = "cruddur-messages"
PARTITION_KEY = "pk"
SORT_KEY = "sk"
GSI_NAME = "message-group-sk-index"
GSI_PARTITION_KEY = "message_group_uuid"
GSI_SORT_KEY = "sk"
STREAM_VIEW_TYPE = "NEW_IMAGE"
#: The bootcamp's provisioned throughput, on the table and on the GSI.
BOOTCAMP_THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}

GROUP_PREFIX = "GRP#"
MESSAGE_PREFIX = "MSG#"

#: The app rejects longer messages (``message_exceed_max_chars``).
MAX_MESSAGE_CHARS = 1024
#: Pattern A's page size, as in the app.
PAGE_SIZE = 20

#: The seed conversation between andrewbrown and bayko.
SEED_GROUP_UUID = "5ae290ed-55d1-47a0-bc6d-fe2bc2700399"
SEED_GROUP_HANDLES = ("andrewbrown", "bayko")
SEED_MESSAGES = 100

#: Seed users of Postgres ``public.users`` (handle, display name, email). The first three are
#: the bootcamp's; the rest give exercises somebody else to message.
SEED_USERS = (
    ("andrewbrown", "Andrew Brown", "andrew@exampro.co"),
    ("bayko", "Andrew Bayko", "bayko@exampro.co"),
    ("londo", "Londo Mollari", "lmollari@centari.com"),
    ("delenn", "Delenn", "delenn@minbar.example"),
    ("gkar", "G'Kar", "gkar@narn.example"),
    ("sheridan", "John Sheridan", "sheridan@b5.example"),
)

GROUP_ATTRIBUTES = (
    "pk",
    "sk",
    "message_group_uuid",
    "message",
    "user_uuid",
    "user_display_name",
    "user_handle",
)
MESSAGE_ATTRIBUTES = (
    "pk",
    "sk",
    "message_uuid",
    "message",
    "user_uuid",
    "user_display_name",
    "user_handle",
)


@dataclass(frozen=True)
class User:
    """A row of Postgres ``public.users``, as the patterns need it."""

    uuid: str
    handle: str
    display_name: str
    cognito_user_id: str = "MOCK"
    email: str = ""


# --- keys -------------------------------------------------------------------------------


def group_pk(user_uuid: str) -> str:
    """Partition key of a user's inbox: ``GRP#<user uuid>``."""
    return f"{GROUP_PREFIX}{user_uuid}"


def message_pk(message_group_uuid: str) -> str:
    """Partition key of a conversation's messages: ``MSG#<message group uuid>``."""
    return f"{MESSAGE_PREFIX}{message_group_uuid}"


def parse_pk(pk: str) -> tuple[str, str]:
    """Split a partition key into its kind (``"group"``/``"message"``) and its uuid.

    >>> parse_pk("MSG#5ae290ed-55d1-47a0-bc6d-fe2bc2700399")
    ('message', '5ae290ed-55d1-47a0-bc6d-fe2bc2700399')
    """
    if pk.startswith(GROUP_PREFIX):
        return "group", pk[len(GROUP_PREFIX) :]
    if pk.startswith(MESSAGE_PREFIX):
        return "message", pk[len(MESSAGE_PREFIX) :]
    raise ValueError(f"not a cruddur key: {pk!r} (expected {GROUP_PREFIX}… or {MESSAGE_PREFIX}…)")


def is_message_key(pk: str) -> bool:
    return pk.startswith(MESSAGE_PREFIX)


def is_group_key(pk: str) -> bool:
    return pk.startswith(GROUP_PREFIX)


def normalize_uuid(value: str, what: str = "uuid") -> str:
    """Return the canonical lower-case form of ``value`` or raise ``ValueError``."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError):
        raise ValueError(f"{what} {value!r} is not a uuid") from None


_UUID = re.compile(r"\b([0-9a-fA-F]{8})(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")


def short_ids(value: Any) -> Any:
    """Every uuid inside ``value`` cut to its first eight digits and ``…``: ``GRP#5ae290ed…``.

    For display only: eight digits still tell the seed's few users and groups apart, and the
    rest only widens every column. Anything but a string comes back unchanged.
    """
    return _UUID.sub(r"\1…", value) if isinstance(value, str) else value


# --- items ------------------------------------------------------------------------------


def group_item(
    *, owner: User, other: User, message_group_uuid: str, last_message: str, last_at: str
) -> dict[str, str]:
    """The owner's inbox line for one conversation; it describes the *other* user."""
    return {
        "pk": group_pk(owner.uuid),
        "sk": last_at,
        "message_group_uuid": message_group_uuid,
        "message": last_message,
        "user_uuid": other.uuid,
        "user_display_name": other.display_name,
        "user_handle": other.handle,
    }


def group_rows(
    first: User, second: User, *, message_group_uuid: str, last_message: str, last_at: str
) -> list[dict[str, str]]:
    """Both inbox lines of a two-person conversation: ``first``'s, then ``second``'s."""
    return [
        group_item(
            owner=owner,
            other=other,
            message_group_uuid=message_group_uuid,
            last_message=last_message,
            last_at=last_at,
        )
        for owner, other in ((first, second), (second, first))
    ]


def message_item(
    *, message_group_uuid: str, message_uuid: str, sender: User, text: str, created_at: str
) -> dict[str, str]:
    """One message; it describes the *sender* and has no ``message_group_uuid``."""
    return {
        "pk": message_pk(message_group_uuid),
        "sk": created_at,
        "message_uuid": message_uuid,
        "message": text,
        "user_uuid": sender.uuid,
        "user_display_name": sender.display_name,
        "user_handle": sender.handle,
    }


# --- schema -----------------------------------------------------------------------------


def create_table_spec(
    table_name: str = TABLE_NAME, *, billing_mode: str = "PROVISIONED"
) -> dict[str, Any]:
    """Arguments for ``CreateTable``: keys, the sparse GSI, and the stream (NEW_IMAGE).

    ``billing_mode`` is ``PROVISIONED`` (the bootcamp's 5/5) or ``PAY_PER_REQUEST``.
    """
    gsi: dict[str, Any] = {
        "IndexName": GSI_NAME,
        "KeySchema": [
            {"AttributeName": GSI_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": GSI_SORT_KEY, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    spec: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": GSI_PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [gsi],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        spec["ProvisionedThroughput"] = dict(BOOTCAMP_THROUGHPUT)
        gsi["ProvisionedThroughput"] = dict(BOOTCAMP_THROUGHPUT)
    return spec


def schema_differences(description: dict[str, Any]) -> list[str]:
    """Compare a ``DescribeTable`` result with the model; return what differs (empty = same)."""
    problems = []
    keys = {k["AttributeName"]: k["KeyType"] for k in description.get("KeySchema", [])}
    if keys != {PARTITION_KEY: "HASH", SORT_KEY: "RANGE"}:
        problems.append(f"key schema is {keys}, expected pk HASH + sk RANGE")
    indexes = {g["IndexName"]: g for g in description.get("GlobalSecondaryIndexes", []) or []}
    if GSI_NAME not in indexes:
        problems.append(f"GSI {GSI_NAME!r} is missing")
    else:
        gsi_keys = {k["AttributeName"]: k["KeyType"] for k in indexes[GSI_NAME]["KeySchema"]}
        if gsi_keys != {GSI_PARTITION_KEY: "HASH", GSI_SORT_KEY: "RANGE"}:
            problems.append(f"GSI {GSI_NAME!r} keys are {gsi_keys}")
        # Patterns B and E read whole group rows from the index: with KEYS_ONLY or INCLUDE it
        # returns rows without user_uuid, user_display_name or user_handle.
        projection = indexes[GSI_NAME].get("Projection", {}).get("ProjectionType", "ALL")
        if projection != "ALL":
            problems.append(f"GSI {GSI_NAME!r} projects {projection}, expected ALL")
    return problems
