"""DynamoDB's JSON wire protocol as seen from a WSGI wrapper in front of moto.

A DynamoDB request is a POST whose ``X-Amz-Target`` names the operation
(``DynamoDB_20120810.PutItem``) and whose body is JSON. An error answer is JSON too: a
``__type`` naming the error and a ``message``. botocore checks ``x-amz-crc32`` against the
body, so an answer written here carries its own checksum and length.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
"""

from __future__ import annotations

import io
import json
import zlib
from typing import Any

#: The prefix of every DynamoDB error type on the wire.
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_DYNAMODB_TARGET = "DynamoDB_20120810."
_STREAMS_TARGET = "DynamoDBStreams_20120810."


def target(environ: dict[str, Any]) -> str | None:
    """The ``X-Amz-Target`` header (``Service_Version.Operation``), if any."""
    return environ.get("HTTP_X_AMZ_TARGET")


def dynamodb_operation(environ: dict[str, Any]) -> str | None:
    """``PutItem`` for a DynamoDB request, None for any other (streams, Cognito, moto's API)."""
    name = target(environ) or ""
    return name[len(_DYNAMODB_TARGET) :] if name.startswith(_DYNAMODB_TARGET) else None


def speaks_dynamodb(environ: dict[str, Any]) -> bool:
    """A DynamoDB or DynamoDB Streams request (their errors share one shape)."""
    return (target(environ) or "").startswith((_DYNAMODB_TARGET, _STREAMS_TARGET))


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read once and put back so that the next reader sees it whole."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    replace_body(environ, body)
    return body


def replace_body(environ: dict[str, Any], body: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def read_json(environ: dict[str, Any]) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (moto answers those itself)."""
    try:
        parsed = json.loads(read_body(environ) or b"{}")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def answer(
    start_response: Any, status: str, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    """Send ``body`` under ``status``, keeping ``headers`` but their length and checksum,
    which are computed here for the body actually sent."""
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "x-amz-crc32")]
    if not any(k.lower() == "content-type" for k, _ in kept):
        kept.append(("Content-Type", "application/x-amz-json-1.0"))
    kept += [
        ("Content-Length", str(len(body))),
        ("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)),
    ]
    start_response(status, kept)
    return [body]


def answer_error(start_response: Any, status: int, error_type: str, message: str) -> list[bytes]:
    """A DynamoDB-shaped JSON error: ``{"__type": PREFIX + type, "message": ...}``."""
    body = json.dumps({"__type": ERROR_PREFIX + error_type, "message": message}).encode()
    reason = {400: "Bad Request", 500: "Internal Server Error"}.get(status, "Error")
    return answer(start_response, f"{status} {reason}", [], body)
