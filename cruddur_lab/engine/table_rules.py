"""What CreateTable and UpdateTable refuse from the request alone.

Each rule follows API_CreateTable / API_UpdateTable and the Developer Guide's naming rules;
the rules that compare with the table as it is (an UpdateTable that changes nothing, an
index that already exists) are in ``moto_fixes``.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
"""

from __future__ import annotations

import re
from typing import Any

from cruddur_lab.engine.refusal import Refusal

_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]+")
INVALID = "One or more parameter values were invalid: "


def table_name(body: dict[str, Any]) -> None:
    """Table names are 3 to 255 characters of a-z, A-Z, 0-9, _ - and . (an operation on a
    table may name it by ARN instead)."""
    name = body.get("TableName")
    if not isinstance(name, str) or name.startswith("arn:"):
        return
    prefix = f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
    if len(name) < 3:
        raise Refusal(prefix + "constraint: Member must have length greater than or equal to 3")
    if len(name) > 255:
        raise Refusal(prefix + "constraint: Member must have length less than or equal to 255")
    if not _TABLE_NAME.fullmatch(name):
        raise Refusal(
            prefix + "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )


def _throughputs(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [("provisionedThroughput", body.get("ProvisionedThroughput"))]
    for n, index in enumerate(body.get("GlobalSecondaryIndexes") or [], start=1):
        found.append(
            (
                f"globalSecondaryIndexes.{n}.member.provisionedThroughput",
                index.get("ProvisionedThroughput"),
            )
        )
    for update in body.get("GlobalSecondaryIndexUpdates") or []:
        for action in ("Create", "Update"):
            if action in (update or {}):
                found.append(("provisionedThroughput", update[action].get("ProvisionedThroughput")))
    return [(path, spec) for path, spec in found if isinstance(spec, dict)]


def throughput(body: dict[str, Any]) -> None:
    """ReadCapacityUnits and WriteCapacityUnits are at least 1 (API_ProvisionedThroughput);
    none may be given with BillingMode PAY_PER_REQUEST."""
    specs = _throughputs(body)
    if body.get("BillingMode") == "PAY_PER_REQUEST" and body.get("ProvisionedThroughput"):
        raise Refusal(
            INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    for path, spec in specs:
        for unit in ("ReadCapacityUnits", "WriteCapacityUnits"):
            value = spec.get(unit)
            if isinstance(value, int) and value < 1:
                member = unit[0].lower() + unit[1:]
                raise Refusal(
                    f"1 validation error detected: Value '{value}' at '{path}.{member}' failed "
                    "to satisfy constraint: Member must have value greater than or equal to 1"
                )


def _key_names(schema: list[dict[str, Any]] | None, kind: str) -> list[str]:
    return [k.get("AttributeName") for k in schema or [] if k.get("KeyType") == kind]


def index_keys(body: dict[str, Any]) -> None:
    """Every index key attribute is in AttributeDefinitions; a local secondary index needs a
    table with a sort key and shares the table's partition key."""
    defined = [d.get("AttributeName") for d in body.get("AttributeDefinitions") or []]
    schemas = [i.get("KeySchema") for i in body.get("GlobalSecondaryIndexes") or []]
    schemas += [i.get("KeySchema") for i in body.get("LocalSecondaryIndexes") or []]
    for update in body.get("GlobalSecondaryIndexUpdates") or []:
        if "Create" in (update or {}):
            schemas.append(update["Create"].get("KeySchema"))
    keys = [k.get("AttributeName") for schema in schemas for k in schema or []]
    missing = [key for key in keys if key not in defined]
    if missing:
        raise Refusal(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(defined)}]"
        )
    table_hash = _key_names(body.get("KeySchema"), "HASH")
    for index in body.get("LocalSecondaryIndexes") or []:
        if not _key_names(body.get("KeySchema"), "RANGE"):
            raise Refusal(
                INVALID + "Table KeySchema does not have a range key, which is required when "
                "specifying a LocalSecondaryIndex"
            )
        index_hash = _key_names(index.get("KeySchema"), "HASH")
        if index_hash != table_hash:
            raise Refusal(
                INVALID + "Index KeySchema does not have the same leading hash key as table "
                f"KeySchema for index: {index.get('IndexName')}. index hash key: "
                f"{', '.join(index_hash)}, table hash key: {', '.join(table_hash)}"
            )


_UPDATES = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "DeletionProtectionEnabled",
    "TableClass",
    "OnDemandThroughput",
    "WarmThroughput",
    "MultiRegionConsistency",
)


def something_to_update(body: dict[str, Any]) -> None:
    """An UpdateTable names at least one thing to change."""
    if not any(body.get(name) is not None for name in _UPDATES):
        raise Refusal(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
            "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
        )


_NAMED = (
    "DescribeTable",
    "DeleteTable",
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "UpdateTimeToLive",
    "DescribeTimeToLive",
)
RULES: dict[str, list[Any]] = {operation: [table_name] for operation in _NAMED}
RULES["CreateTable"] = [table_name, throughput, index_keys]
RULES["UpdateTable"] = [table_name, something_to_update, throughput, index_keys]
