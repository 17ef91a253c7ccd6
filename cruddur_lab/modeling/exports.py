"""The model as files other tools read: a NoSQL Workbench data model and CloudFormation.

Both are generated from ``model.create_table_spec`` (keys, attribute types, the sparse GSI,
the stream, the bootcamp's throughput), so renaming the index or a key in ``model.py`` changes
every export; nothing here retypes a name.

* ``workbench_model``: the JSON NoSQL Workbench imports (its ``ModelName`` / ``ModelMetadata``
  / ``DataModel`` structure, version 3.0): the table's key attributes, every non-key attribute,
  the GSI, one facet per item kind whose key aliases are the key templates
  (``GRP#<owner user uuid>``), and sample data from the seed in DynamoDB's typed form.
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/workbench.Modeler.ImportExisting.html
* ``cloudformation_template``: the table alone as an ``AWS::DynamoDB::Table`` resource.
  ``app/deploy/template.yaml`` declares the same table (a test keeps them equal).
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html

``create_table_args_from_*`` turn either export back into ``CreateTable`` arguments: what the
Workbench's "commit to DynamoDB" and a stack deployment do, so a test can create the table
from the export and compare its description with the model.
"""

from __future__ import annotations

import json
from typing import Any

from cruddur_lab.clock import DEFAULT_NOW, parse_timestamp
from cruddur_lab.model import (
    GROUP_ATTRIBUTES,
    GROUP_PREFIX,
    MESSAGE_ATTRIBUTES,
    MESSAGE_PREFIX,
    PARTITION_KEY,
    SEED_GROUP_HANDLES,
    SEED_GROUP_UUID,
    SEED_MESSAGES,
    SEED_USERS,
    SORT_KEY,
    TABLE_NAME,
    User,
    create_table_spec,
    group_rows,
)
from cruddur_lab.scripts.seed import MESSAGE_INTERVAL, seed_conversation
from cruddur_lab.scripts.usersdb import seed_user_uuid

FORMATS = ("workbench", "cloudformation")
#: Messages of the seed conversation shown as sample data (the newest ones): enough to see
#: an item collection fill up, few enough to read in the Workbench's visualizer.
SAMPLE_MESSAGES = 8
#: The logical id of the table in both templates.
TABLE_RESOURCE = "MessagesTable"

#: What each key holds, by item kind: the facets' key aliases.
KEY_TEMPLATES = {
    "GroupRow": (f"{GROUP_PREFIX}<owner user uuid>", "<time of last message>"),
    "MessageRow": (f"{MESSAGE_PREFIX}<message group uuid>", "<created_at>"),
}
_FACET_ATTRIBUTES = {"GroupRow": GROUP_ATTRIBUTES, "MessageRow": MESSAGE_ATTRIBUTES}


# --- sample data ----------------------------------------------------------------------------


def _seed_user(handle: str) -> User:
    (display_name,) = [name for h, name, _ in SEED_USERS if h == handle]
    return User(uuid=seed_user_uuid(handle), handle=handle, display_name=display_name)


def sample_items(now: str = DEFAULT_NOW, messages: int = SAMPLE_MESSAGES) -> list[dict[str, str]]:
    """The seed's two group rows and its newest ``messages`` messages, as ``seed`` writes them
    on a fresh table with the clock pinned at ``now`` (pk, then sk order)."""
    users = [_seed_user(handle) for handle in SEED_GROUP_HANDLES]
    anchor = parse_timestamp(now) - SEED_MESSAGES * MESSAGE_INTERVAL
    conversation = seed_conversation(users, SEED_MESSAGES, anchor)
    newest = conversation[-1]
    rows = group_rows(
        users[0],
        users[1],
        message_group_uuid=SEED_GROUP_UUID,
        last_message=newest["message"],
        last_at=newest["sk"],
    )
    shown = conversation[-messages:] if messages > 0 else []
    return sorted([*rows, *shown], key=lambda item: (item[PARTITION_KEY], item[SORT_KEY]))


def _typed(item: dict[str, str]) -> dict[str, dict[str, str]]:
    """Every attribute of this model is a string: ``{"S": value}``."""
    return {name: {"S": value} for name, value in item.items()}


# --- NoSQL Workbench ------------------------------------------------------------------------


def _key_attributes(key_schema: list[dict[str, str]], types: dict[str, str]) -> dict[str, Any]:
    roles = {"HASH": "PartitionKey", "RANGE": "SortKey"}
    return {
        roles[key["KeyType"]]: {
            "AttributeName": key["AttributeName"],
            "AttributeType": types[key["AttributeName"]],
        }
        for key in key_schema
    }


def _workbench_date(now: str) -> str:
    """The Workbench's own date format: ``Mar 01, 2026, 12:00 PM``."""
    return parse_timestamp(now).strftime("%b %d, %Y, %I:%M %p")


def workbench_model(
    table_name: str = TABLE_NAME, *, now: str = DEFAULT_NOW, messages: int = SAMPLE_MESSAGES
) -> dict[str, Any]:
    """The NoSQL Workbench data model of the table, with the seed as sample data."""
    spec = create_table_spec(table_name)
    types = {a["AttributeName"]: a["AttributeType"] for a in spec["AttributeDefinitions"]}
    keys = [k["AttributeName"] for k in spec["KeySchema"]]
    non_key = [a for a in dict.fromkeys((*GROUP_ATTRIBUTES, *MESSAGE_ATTRIBUTES)) if a not in keys]
    facets = [
        {
            "FacetName": facet,
            "KeyAttributeAlias": {"PartitionKeyAlias": pk_alias, "SortKeyAlias": sk_alias},
            "TableData": [],
            "NonKeyAttributes": [a for a in _FACET_ATTRIBUTES[facet] if a not in keys],
            "DataAccess": {"MySql": {}},
        }
        for facet, (pk_alias, sk_alias) in KEY_TEMPLATES.items()
    ]
    indexes = [
        {
            "IndexName": gsi["IndexName"],
            "KeyAttributes": _key_attributes(gsi["KeySchema"], types),
            "Projection": dict(gsi["Projection"]),
        }
        for gsi in spec["GlobalSecondaryIndexes"]
    ]
    table = {
        "TableName": table_name,
        "KeyAttributes": _key_attributes(spec["KeySchema"], types),
        "NonKeyAttributes": [
            {"AttributeName": name, "AttributeType": types.get(name, "S")} for name in non_key
        ],
        "TableFacets": facets,
        "GlobalSecondaryIndexes": indexes,
        "TableData": [_typed(item) for item in sample_items(now, messages)],
        "DataAccess": {"MySql": {}},
        "BillingMode": spec["BillingMode"],
        "ProvisionedCapacitySettings": {
            "ProvisionedThroughput": dict(spec["ProvisionedThroughput"])
        },
    }
    date = _workbench_date(now)
    return {
        "ModelName": table_name,
        "ModelMetadata": {
            "Author": "cruddur-lab",
            "DateCreated": date,
            "DateLastModified": date,
            "Description": (
                "Cruddur's direct messages (2023 AWS cloud bootcamp, week 5): group rows "
                f"({KEY_TEMPLATES['GroupRow'][0]}) and message rows "
                f"({KEY_TEMPLATES['MessageRow'][0]}) in one table; the GSI is sparse, only "
                "group rows carry its partition key. Generated by `cruddur-lab export "
                "workbench` from cruddur_lab/model.py."
            ),
            "AWSService": "Amazon DynamoDB",
            "Version": "3.0",
        },
        "DataModel": [table],
    }


def create_table_args_from_workbench(document: dict[str, Any]) -> dict[str, Any]:
    """``CreateTable`` arguments for the (only) table of a Workbench model, stream included
    (the Workbench format has no stream setting; the model's stream is added)."""
    (table,) = document["DataModel"]
    spec = create_table_spec(table["TableName"])

    def schema(keys: dict[str, Any]) -> list[dict[str, str]]:
        kinds = {"PartitionKey": "HASH", "SortKey": "RANGE"}
        return [{"AttributeName": v["AttributeName"], "KeyType": kinds[k]} for k, v in keys.items()]

    definitions: dict[str, str] = {}
    for keys in [
        table["KeyAttributes"],
        *(g["KeyAttributes"] for g in table["GlobalSecondaryIndexes"]),
    ]:
        definitions.update({v["AttributeName"]: v["AttributeType"] for v in keys.values()})
    throughput = table["ProvisionedCapacitySettings"]["ProvisionedThroughput"]
    return {
        "TableName": table["TableName"],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in sorted(definitions.items())
        ],
        "KeySchema": schema(table["KeyAttributes"]),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": g["IndexName"],
                "KeySchema": schema(g["KeyAttributes"]),
                "Projection": g["Projection"],
                "ProvisionedThroughput": dict(throughput),
            }
            for g in table["GlobalSecondaryIndexes"]
        ],
        "BillingMode": table["BillingMode"],
        "ProvisionedThroughput": dict(throughput),
        "StreamSpecification": spec["StreamSpecification"],
    }


# --- CloudFormation ---------------------------------------------------------------------------


def table_properties() -> dict[str, Any]:
    """The ``AWS::DynamoDB::Table`` properties of the model's table (name from a parameter)."""
    spec = create_table_spec()
    return {
        "TableName": {"Ref": "TableName"},
        "BillingMode": spec["BillingMode"],
        "AttributeDefinitions": spec["AttributeDefinitions"],
        "KeySchema": spec["KeySchema"],
        "ProvisionedThroughput": spec["ProvisionedThroughput"],
        "GlobalSecondaryIndexes": spec["GlobalSecondaryIndexes"],
        # CloudFormation turns the stream on by naming its view type (no StreamEnabled).
        "StreamSpecification": {"StreamViewType": spec["StreamSpecification"]["StreamViewType"]},
    }


def cloudformation_template(table_name: str = TABLE_NAME) -> dict[str, Any]:
    """A template with the table alone: keys, the sparse GSI, the NEW_IMAGE stream."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "Cruddur's messages table (keys, sparse GSI, stream), generated by "
            "`cruddur-lab export cloudformation` from cruddur_lab/model.py"
        ),
        "Parameters": {
            "TableName": {
                "Type": "String",
                "Default": table_name,
                "AllowedPattern": "[a-zA-Z0-9_.-]{3,255}",
                "Description": "DynamoDB table name (the app reads it from DDB_MESSAGE_TABLE)",
            }
        },
        "Resources": {
            TABLE_RESOURCE: {
                "Type": "AWS::DynamoDB::Table",
                # A learning table: deleting the stack deletes it (say Retain to keep the data).
                "DeletionPolicy": "Delete",
                "UpdateReplacePolicy": "Delete",
                "Properties": table_properties(),
            }
        },
        "Outputs": {
            "TableArn": {"Value": {"Fn::GetAtt": [TABLE_RESOURCE, "Arn"]}},
            "StreamArn": {"Value": {"Fn::GetAtt": [TABLE_RESOURCE, "StreamArn"]}},
        },
    }


def create_table_args_from_cloudformation(
    template: dict[str, Any], table_name: str | None = None
) -> dict[str, Any]:
    """``CreateTable`` arguments for the template's table, as a stack would create it."""
    (table,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    properties = dict(table["Properties"])
    name = properties.pop("TableName")
    if isinstance(name, dict):  # {"Ref": "TableName"}: the parameter's value
        name = table_name or template["Parameters"][name["Ref"]]["Default"]
    stream = properties.pop("StreamSpecification", None)
    args = {"TableName": name, **properties}
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, **stream}
    return args


# --- rendering --------------------------------------------------------------------------------


def export(kind: str, *, table_name: str = TABLE_NAME, now: str | None = None) -> str:
    """The export ``kind`` (``workbench`` or ``cloudformation``) as JSON text."""
    if kind == "workbench":
        # Sample times follow a pinned clock; unpinned ("real"), the lessons' pin keeps the
        # file the same from one run to the next.
        pinned = now if now not in (None, "", "real") else DEFAULT_NOW
        document = workbench_model(table_name, now=pinned)
    elif kind == "cloudformation":
        document = cloudformation_template(table_name)
    else:
        raise ValueError(f"unknown export {kind!r}: choose {' or '.join(FORMATS)}")
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "FORMATS",
    "KEY_TEMPLATES",
    "cloudformation_template",
    "create_table_args_from_cloudformation",
    "create_table_args_from_workbench",
    "export",
    "sample_items",
    "table_properties",
    "workbench_model",
]
