"""The layer in front of moto that refuses what DynamoDB refuses before moto sees it.

moto accepts requests that DynamoDB refuses (a BatchWriteItem of 26 requests, a
transaction of 101 actions, a number of 39 digits), so an exercise that works on the
embedded engine could fail on AWS. ``refusing`` wraps moto's WSGI application: for each
DynamoDB operation it runs the rules registered below, each a function of the request's
JSON body that raises ``Refusal`` with AWS's error type and message, or rewrites the body
in place as DynamoDB would store it (numbers). The rules need no table state; the rules
that do are patches of moto (``moto_fixes``).

Rules, one module per concern, each citing the API reference page it follows:

* ``request_limits``: sizes and counts of batches and transactions, duplicate targets;
* ``numbers``: numbers normalised as stored, refused beyond DynamoDB's range;
* ``legacy_parameters``: the pre-expression parameters, and mixing them with expressions;
* ``table_rules``: table names, billing mode and throughput, local secondary indexes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cruddur_lab.engine import wire
from cruddur_lab.engine.refusal import Refusal

Rule = Callable[[dict[str, Any]], None]


def _rules() -> dict[str, list[Rule]]:
    from cruddur_lab.engine import legacy_parameters, numbers, request_limits, table_rules

    table: dict[str, list[Rule]] = {}
    # Numbers first: the other rules then compare keys as DynamoDB stores them.
    for module in (numbers, request_limits, legacy_parameters, table_rules):
        for operation, rules in module.RULES.items():
            table.setdefault(operation, []).extend(rules)
    return table


def check(operation: str, body: dict[str, Any], rules: dict[str, list[Rule]]) -> bool:
    """Run ``operation``'s rules on ``body``; True when one of them rewrote it."""
    before = json.dumps(body, sort_keys=True)
    for rule in rules.get(operation, []):
        rule(body)
    return json.dumps(body, sort_keys=True) != before


def refusing(app: Any) -> Any:
    """A WSGI application that answers DynamoDB's refusals itself and passes the rest on."""
    rules = _rules()

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        operation = wire.dynamodb_operation(environ)
        if operation not in rules:
            return app(environ, start_response)
        body = wire.read_json(environ)
        if body is None:
            return app(environ, start_response)
        try:
            rewritten = check(operation, body, rules)
        except Refusal as refusal:
            return wire.answer_error(start_response, 400, refusal.error_type, refusal.message)
        if rewritten:
            wire.replace_body(environ, json.dumps(body).encode())
        return app(environ, start_response)

    return application
