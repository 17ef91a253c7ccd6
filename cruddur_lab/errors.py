"""Every error cruddur-lab raises on purpose.

Each error is one line that names the problem and the fix. Errors that stand for an AWS
error keep its code in ``aws_code`` so callers can branch on it (as PynamoDB does with
``cause_response_code``). Only ``cli.py`` turns them into exit codes; notebooks print
``str(error)``.
"""

from __future__ import annotations


class CruddurLabError(Exception):
    """Base class: ``str(error)`` is the one-line message a learner sees."""

    #: Short machine-readable code, stable across versions (used by the CLI and tests).
    code = "error"
    #: Exit code the CLI uses for this kind of error.
    exit_code = 1

    def __init__(self, message: str, *, aws_code: str | None = None) -> None:
        super().__init__(message)
        self.aws_code = aws_code


class ConfigError(CruddurLabError):
    """Settings that contradict each other or name something unknown."""

    code = "config"
    exit_code = 2


class ConfirmationRequired(CruddurLabError):
    """A destructive command aimed at real AWS without ``--yes``."""

    code = "confirmation_required"
    exit_code = 3


class EngineUnreachable(CruddurLabError):
    """The DynamoDB/Cognito endpoint does not answer."""

    code = "engine_unreachable"


class PostgresUnreachable(CruddurLabError):
    """The users database does not answer or refuses the credentials."""

    code = "postgres_unreachable"


class LoopbackViolation(CruddurLabError):
    """The embedded engine was about to send a request somewhere other than loopback."""

    code = "loopback_violation"


class TableMissing(CruddurLabError):
    code = "table_missing"


class TableMismatch(CruddurLabError):
    """The table exists but its keys or index differ from the model."""

    code = "table_mismatch"


class NotFound(CruddurLabError):
    """A user, handle or group that does not exist."""

    code = "not_found"


class InvalidArgument(CruddurLabError):
    """Input that is malformed before any lookup (a group id that is not a uuid...)."""

    code = "invalid_argument"
    exit_code = 2


class CognitoError(CruddurLabError):
    code = "cognito"


class ServiceError(CruddurLabError):
    """A validation or permission failure of the app's service layer (patterns A–D).

    ``code`` is one of the app's error codes, e.g. ``message_blank`` or ``not_a_member``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


def from_client_error(error: Exception, *, table_name: str | None = None) -> CruddurLabError:
    """Translate a botocore error into one of ours, keeping the AWS code."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    text = getattr(error, "response", {}).get("Error", {}).get("Message", str(error))
    if code == "ResourceNotFoundException" and "pool" in text.lower():
        # Cognito answers a wrong pool id with the same code DynamoDB uses for a missing table.
        return CognitoError(
            f"{text.rstrip('.')}: fix --pool-id / AWS_COGNITO_USER_POOL_ID "
            "or run `cruddur-lab cognito seed`",
            aws_code=code,
        )
    if code == "ResourceNotFoundException" and table_name:
        return TableMissing(
            f"table {table_name!r} does not exist: run `cruddur-lab schema-load` first",
            aws_code=code,
        )
    if code in _THROTTLING_CODES:
        # botocore has already retried it (standard mode, 4 attempts, with back-off).
        return CruddurLabError(
            f"DynamoDB throttled the request ({code}) on every retry: raise the table's "
            "capacity (or use PAY_PER_REQUEST) or try again in a minute",
            aws_code=code,
        )
    if code in {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredToken"}:
        return ConfigError(
            f"AWS rejected the credentials ({code}): check your profile or AWS_* variables",
            aws_code=code,
        )
    return CruddurLabError(f"{code or 'AWS error'}: {text}", aws_code=code or None)
