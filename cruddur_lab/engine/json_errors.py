"""Never an HTML page: moto's unexpected failures answered as DynamoDB answers them.

moto's Flask application runs in debug mode, so an exception inside it (``size()`` on a
binary value, several PartiQL statements) escapes to werkzeug, which answers a 500 HTML
page. A DynamoDB client cannot parse that: botocore reports a bare ``500`` or a parsing
error and the learner sees neither the operation nor the cause. AWS answers its own
failures as JSON with the ``InternalServerError`` type
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).

``json_errors`` wraps the application: an exception, or an HTML/5xx answer to a DynamoDB
request, becomes that JSON error with one line naming the operation; the traceback is
logged once on the ``cruddur_lab.engine`` logger (``cruddur-lab up`` prints it on stderr)
and the server keeps serving. Clients retry a 500 (the Lab's do, three times): a retry,
the same request failing the same way, is logged as one line without the traceback.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from cruddur_lab.engine import wire

LOG = logging.getLogger("cruddur_lab.engine")


def json_errors(app: Any) -> Any:
    """A WSGI application that answers ``app``'s failures on DynamoDB requests as JSON."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if not wire.speaks_dynamodb(environ):
            return app(environ, start_response)
        operation = (wire.target(environ) or "").rpartition(".")[2] or "the request"
        answer: dict[str, Any] = {}
        request = hashlib.sha256(wire.read_body(environ)).hexdigest()

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: None  # the legacy write() callable; moto never uses it

        try:
            body = list(app(environ, keep))
        except Exception as error:  # anything moto did not expect: answer, log, keep serving
            _log_once(operation, request, error)
            return _internal_error(start_response, operation, type(error).__name__)
        status = answer.get("status", "500")
        if _is_page(status, answer.get("headers", [])):
            LOG.error(
                "the embedded engine answered %s to %s with a page, not JSON",
                status,
                operation,
            )
            return _internal_error(start_response, operation, f"HTTP {status.split()[0]}")
        start_response(status, answer["headers"])
        return body

    return application


_LOGGED: set[tuple[str, str, str]] = set()


def _log_once(operation: str, request: str, error: Exception) -> None:
    signature = (operation, request, repr(error))
    if signature in _LOGGED:
        LOG.error("the embedded engine failed on %s again: %r", operation, error)
        return
    _LOGGED.add(signature)
    LOG.error("the embedded engine failed on %s", operation, exc_info=error)


def _is_page(status: str, headers: list[tuple[str, str]]) -> bool:
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "").lower()
    return "html" in content_type or (status.startswith("5") and "json" not in content_type)


def _internal_error(start_response: Any, operation: str, cause: str) -> list[bytes]:
    return wire.answer_error(
        start_response,
        500,
        "InternalServerError",
        f"The embedded engine (moto) could not process {operation} ({cause}); "
        "the traceback is in the engine's log",
    )
