"""An export of the model (``cruddur-lab export``) as a learner reads it: its outline.

The whole JSON is a few hundred lines a reader scrolls past; the outline says what is in it
(top-level keys, the table's keys and index, the Workbench facets, how many sample items).
In JupyterLab the whole file is folded away under the outline (``<details>``); the text form
is the outline alone, and ``cruddur-lab export`` writes the file itself.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["ExportOutline"]


def _keys(schema: Sequence[Mapping[str, str]], types: Mapping[str, str] | None = None) -> str:
    """``pk (HASH) + sk (RANGE)``, with the attribute type when ``types`` has it."""
    parts = []
    for key in schema:
        kind = key["KeyType"] + (f", {types[key['AttributeName']]}" if types else "")
        parts.append(f"{key['AttributeName']} ({kind})")
    return " + ".join(parts)


def _throughput(value: Mapping[str, int] | None) -> str:
    if not value:
        return ""
    return f", {value['ReadCapacityUnits']} RCU / {value['WriteCapacityUnits']} WCU"


def _cloudformation(document: Mapping[str, Any]) -> list[str]:
    lines = []
    for name, resource in document["Resources"].items():
        table = resource["Properties"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        stream = table.get("StreamSpecification", {}).get("StreamViewType", "none")
        lines.append(
            f"{name} ({resource['Type']}): {_keys(table['KeySchema'], types)}, "
            f"{table['BillingMode']}{_throughput(table.get('ProvisionedThroughput'))}, "
            f"stream {stream}"
        )
        for index in table.get("GlobalSecondaryIndexes", []):
            lines.append(
                f"  index {index['IndexName']}: {_keys(index['KeySchema'], types)}, projection "
                f"{index['Projection']['ProjectionType']}"
                f"{_throughput(index.get('ProvisionedThroughput'))}"
            )
    lines.append("parameters: " + ", ".join(document.get("Parameters", {})))
    lines.append("outputs: " + ", ".join(document.get("Outputs", {})))
    return lines


def _alias(key: Mapping[str, Any]) -> str:
    return f"{key['AttributeName']} ({key['AttributeType']})"


def _workbench(document: Mapping[str, Any]) -> list[str]:
    lines = []
    for table in document["DataModel"]:
        keys = table["KeyAttributes"]
        lines.append(
            f"table {table['TableName']}: {_alias(keys['PartitionKey'])} + "
            f"{_alias(keys['SortKey'])}, {len(table['NonKeyAttributes'])} other attributes"
        )
        for index in table.get("GlobalSecondaryIndexes", []):
            keys = index["KeyAttributes"]
            lines.append(
                f"  index {index['IndexName']}: {_alias(keys['PartitionKey'])} + "
                f"{_alias(keys['SortKey'])}, projection {index['Projection']['ProjectionType']}"
            )
        for facet in table["TableFacets"]:
            alias = facet["KeyAttributeAlias"]
            lines.append(
                f"  facet {facet['FacetName']}: {alias['PartitionKeyAlias']} / "
                f"{alias['SortKeyAlias']}, {len(facet['NonKeyAttributes'])} other attributes"
            )
        lines.append(f"  sample items (TableData): {len(table['TableData'])}")
    return lines


class ExportOutline:
    """The outline of one export (``kind`` is ``cloudformation`` or ``workbench``, ``text``
    the JSON ``cruddur_lab.modeling.exports.export`` gives)."""

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.document = json.loads(text)

    def lines(self) -> list[str]:
        count = len(self.text.splitlines())
        outline = _cloudformation if self.kind == "cloudformation" else _workbench
        return [
            f"{self.kind} export ({count} lines of JSON; `cruddur-lab export {self.kind}` "
            "writes it)",
            "top level: " + ", ".join(self.document),
            *outline(self.document),
        ]

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return (
            f"<pre>{html.escape(repr(self))}</pre>"
            f"<details><summary>the whole file ({len(self.text.splitlines())} lines)</summary>"
            f"<pre>{html.escape(self.text)}</pre></details>"
        )
