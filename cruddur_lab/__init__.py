"""cruddur-lab: a workbench for DynamoDB single-table design on Cruddur's direct messages.

Importing the package is cheap: boto3, moto, psycopg and pandas load only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Lab": "engine.lab",
    "Clock": "clock",
    "CruddurLabError": "errors",
    "ServiceError": "errors",
    "schema_load": "scripts.schema",
    "drop": "scripts.schema",
    "list_tables": "scripts.schema",
    "describe": "scripts.schema",
    "seed": "scripts.seed",
    "scan": "scripts.reads",
    "get_conversation": "scripts.reads",
    "list_conversations": "scripts.reads",
    "seed_user_pool": "scripts.cognito",
    "update_cognito_user_ids": "scripts.cognito",
    "list_messages": "app.patterns",
    "list_message_groups": "app.patterns",
    "create_message": "app.patterns",
    "create_message_group": "app.patterns",
    "provision_caller": "app.patterns",
    "StreamProcessor": "app.streams",
    "group_row_problems": "app.group_rows",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cruddur_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
