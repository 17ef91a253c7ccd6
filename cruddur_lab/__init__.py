"""cruddur-lab: a workbench for DynamoDB single-table design on Cruddur's direct messages.

Importing the package is cheap: boto3, moto, psycopg and pandas load only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Lab": "engines",
    "Clock": "clock",
    "CruddurLabError": "errors",
    "ServiceError": "errors",
    "schema_load": "schema",
    "drop": "schema",
    "list_tables": "schema",
    "describe": "schema",
    "seed": "seed",
    "scan": "reads",
    "get_conversation": "reads",
    "list_conversations": "reads",
    "seed_user_pool": "cognito",
    "update_cognito_user_ids": "cognito",
    "list_messages": "patterns",
    "list_message_groups": "patterns",
    "create_message": "patterns",
    "create_message_group": "patterns",
    "caller_for_handle": "patterns",
    "StreamProcessor": "streams",
    "group_row_problems": "streams",
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
