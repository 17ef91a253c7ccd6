"""Table lifecycle scripts: ``schema-load``, ``drop``, ``list-tables``, ``describe``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cruddur_lab.errors import ConfirmationRequired, TableMismatch, TableMissing
from cruddur_lab.model import create_table_spec, schema_differences

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.engine.settings import Settings


@dataclass(frozen=True)
class SchemaLoadResult:
    table_name: str
    created: bool
    stream_arn: str | None

    def __str__(self) -> str:
        verb = "created" if self.created else "already exists; nothing changed"
        return f"table {self.table_name!r} {verb}"


def require_confirmation(lab: Lab, action: str, yes: bool) -> None:
    """Destructive operations on real AWS need an explicit second yes."""
    if lab.is_aws and not yes:
        raise ConfirmationRequired(
            f"refusing to {action} on real AWS without confirmation: add --yes "
            "if you really mean it"
        )


def require_reset_confirmation(settings: Settings, parameters: Mapping[str, Any]) -> None:
    """Notebooks run with ``reset`` drop the table first: on real AWS only with ``yes``."""
    if settings.engine == "aws" and parameters.get("reset") and not parameters.get("yes"):
        raise ConfirmationRequired(
            f"refusing to run with reset on real AWS: it drops table {settings.table_name!r}; "
            "add --yes if you really mean it"
        )


def table_exists(lab: Lab) -> bool:
    return _description(lab) is not None


def _description(lab: Lab) -> dict[str, Any] | None:
    """``DescribeTable``'s ``Table`` part (``describe``), or None when there is no such table."""
    try:
        return describe(lab)
    except TableMissing:
        return None


def schema_load(lab: Lab, *, billing_mode: str = "PROVISIONED") -> SchemaLoadResult:
    """Create the table with its GSI and stream; if it already exists, change nothing.

    An existing table that differs from the model (keys, index, projection) is
    ``TableMismatch``, not "already exists".
    """
    name = lab.settings.table_name
    existing = _description(lab)
    if existing is not None:
        # "Already exists" must not vouch for a table the rest would refuse (or misuse).
        _require_model(name, existing)
        return SchemaLoadResult(name, False, existing.get("LatestStreamArn"))
    with lab.translate_errors():
        lab.dynamodb.create_table(**create_table_spec(name, billing_mode=billing_mode))
        lab.dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    return SchemaLoadResult(name, True, describe(lab).get("LatestStreamArn"))


def drop(lab: Lab, *, yes: bool = False) -> bool:
    """Delete the table. Returns False when there was no table to delete."""
    require_confirmation(lab, f"drop table {lab.settings.table_name!r}", yes)
    if not table_exists(lab):
        return False
    with lab.translate_errors():
        lab.dynamodb.delete_table(TableName=lab.settings.table_name)
        lab.dynamodb.get_waiter("table_not_exists").wait(
            TableName=lab.settings.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    return True


def cleanup(lab: Lab, prefix: str, *, yes: bool = False) -> list[str]:
    """Delete every table whose name starts with ``prefix``; return their names.

    For accounts that many learners share (``--table-prefix``): one learner's cleanup never
    reaches another's tables. On real AWS it needs ``yes=True``, checked before any request.
    """
    from cruddur_lab.errors import InvalidArgument

    if len(prefix) < 2:
        raise InvalidArgument(
            f"--prefix {prefix!r} would match too many tables: give at least two characters, "
            "e.g. the --table-prefix you used"
        )
    require_confirmation(lab, f"delete every table whose name starts with {prefix!r}", yes)
    names = [name for name in list_tables(lab) if name.startswith(prefix)]
    with lab.translate_errors():
        for name in names:
            lab.dynamodb.delete_table(TableName=name)
        for name in names:
            lab.dynamodb.get_waiter("table_not_exists").wait(
                TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
            )
    return names


def list_tables(lab: Lab) -> list[str]:
    """Every table name: botocore's paginator follows ``LastEvaluatedTableName`` past 100."""
    with lab.translate_errors():
        pages = lab.dynamodb.get_paginator("list_tables").paginate()
        return sorted(name for page in pages for name in page["TableNames"])


def describe(lab: Lab) -> dict[str, Any]:
    """``DescribeTable``'s ``Table`` part, or ``TableMissing``."""
    with lab.translate_errors():
        return lab.dynamodb.describe_table(TableName=lab.settings.table_name)["Table"]


def fix_for_missing_state(lab: Lab, command: str = "cruddur-lab schema-load") -> str:
    """What to do when prior state is missing; a private embedded engine needs ``up`` first.

    Running ``schema-load`` on a private embedded engine would not help: the next command
    starts another, empty one. Only a running ``cruddur-lab up`` keeps state between commands.
    """
    if lab.is_embedded and lab.owns_services:
        return (
            "every command on the embedded engine starts empty; keep `cruddur-lab up --seed` "
            "running in another terminal, or run `cruddur-lab walkthrough`"
        )
    return f"run `{command}`"


def require_table(lab: Lab) -> dict[str, Any]:
    """The table's description if it exists and matches the model; a clear error otherwise."""
    name = lab.settings.table_name
    description = _description(lab)  # one request answers both "is it there" and "what is it"
    if description is None:
        raise TableMissing(f"table {name!r} does not exist: {fix_for_missing_state(lab)}")
    _require_model(name, description)
    return description


def _require_model(name: str, description: dict[str, Any]) -> None:
    """``TableMismatch`` unless the described table matches the model (``schema_differences``)."""
    problems = schema_differences(description)
    if problems:
        raise TableMismatch(
            f"table {name!r} does not match the model ({'; '.join(problems)}): drop it and "
            "run `cruddur-lab schema-load`, or choose another --table"
        )


def summarize(description: dict[str, Any]) -> dict[str, Any]:
    """The parts of a description a learner reads: keys, GSI, stream, counts."""
    gsis = description.get("GlobalSecondaryIndexes", []) or []
    stream = description.get("StreamSpecification", {})
    return {
        "TableName": description["TableName"],
        "TableStatus": description.get("TableStatus"),
        "KeySchema": " + ".join(
            f"{k['AttributeName']} ({k['KeyType']})" for k in description["KeySchema"]
        ),
        "GlobalSecondaryIndexes": ", ".join(
            f"{g['IndexName']}: "
            + " + ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in g["KeySchema"])
            + f", projection {g['Projection']['ProjectionType']}"
            for g in gsis
        )
        or "none",
        "BillingMode": description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "Stream": stream.get("StreamViewType", "off") if stream.get("StreamEnabled") else "off",
        "ItemCount": description.get("ItemCount", 0),
    }
