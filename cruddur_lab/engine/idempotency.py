"""``ClientRequestToken`` of TransactWriteItems: the same payload again within 10 minutes
gets the first answer without writing again; another payload is refused.

AWS keeps a token for 10 minutes
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
moto ignores the token and runs the transaction twice; ``cruddur_lab.engine.billing`` asks
this register first. A replay is charged as a transactional read of the items, each at
the larger of its images in the first call (measured on DynamoDB), so the register keeps
those sizes beside the answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: How long AWS remembers a ClientRequestToken.
IDEMPOTENCY_SECONDS = 600

MISMATCH = {
    "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
    "message": "The request uses the same client token as a previous, but non-identical request.",
}


@dataclass
class Remembered:
    """The first answer to a token, and the item sizes (per table) a replay is charged on."""

    digest: str
    at: float
    body: dict[str, Any]
    sizes: dict[str, list[int]] = field(default_factory=dict)


def _digest(params: Mapping[str, Any]) -> str:
    # The same payload: everything but what only shapes the answer.
    payload = {k: v for k, v in params.items() if k != "ReturnConsumedCapacity"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class Tokens:
    """The tokens seen in the last 10 minutes (requests arrive one at a time)."""

    def __init__(self) -> None:
        self._seen: dict[str, Remembered] = {}

    def recall(self, params: Mapping[str, Any]) -> Remembered | None:
        """The first call's answer for this token; ``ValueError`` for another payload."""
        now = time.monotonic()
        for token in [t for t, seen in self._seen.items() if now - seen.at > IDEMPOTENCY_SECONDS]:
            del self._seen[token]
        seen = self._seen.get(params.get("ClientRequestToken") or "")
        if seen is not None and seen.digest != _digest(params):
            raise ValueError(MISMATCH["message"])
        return seen

    def remember(
        self, params: Mapping[str, Any], body: Mapping[str, Any], sizes: dict[str, list[int]]
    ) -> None:
        token = params.get("ClientRequestToken")
        if token:
            self._seen[token] = Remembered(_digest(params), time.monotonic(), dict(body), sizes)
