"""Every error cruddur-lab raises on purpose, and the one place that translates the others.

Each error is one line that names the problem and the fix. Errors that stand for an AWS
error keep its code in ``aws_code`` so callers can branch on it (as PynamoDB does with
``cause_response_code``). Only the CLI turns them into exit codes; notebooks print
``str(error)``.

Exit codes mean one thing each: 2 for usage and settings (what argparse means by 2: the
command line, a value typed on it, or a setting is wrong before anything is looked up), 3
for a destructive command refused for want of ``--yes``, 1 for everything else.

``translate`` is the one translator from botocore, psycopg and OS errors to these. It lives
here, at the bottom of the layers, so that every layer can use it (the engine's
``Lab.translate_errors``, the scripts, the app, the notebook runner and the CLI's last
resort) without importing a layer above it; the context it needs (table, endpoint,
region, a redacted Postgres URL) is passed in rather than looked up. It dispatches on
exception types and on the error codes the services send (AWS error codes, SQLSTATEs),
never on class names or message text. It imports nothing heavy: an exception of botocore
or psycopg can only exist once that library is loaded, so their types are taken from
``sys.modules`` and a library that was never imported is never loaded here.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


class CruddurLabError(Exception):
    """Base class: ``str(error)`` is the one-line message a learner sees."""

    #: Short machine-readable code, stable across versions (used by the CLI and tests).
    code = "error"
    #: Exit code the CLI uses for this kind of error.
    exit_code = 1

    def __init__(self, message: str, *, aws_code: str | None = None) -> None:
        super().__init__(message)
        self.aws_code = aws_code


# The classes below share one shape on purpose (a docstring, a ``code``, sometimes an exit
# code): a class per failure lets a caller catch the one it expects, as PynamoDB's
# exceptions do; a table of codes would make every caller compare strings instead.


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


class PostgresRefused(CruddurLabError):
    """Postgres answered but refused a statement (a constraint, a permission, a trigger)."""

    code = "postgres_refused"


class LoopbackViolation(CruddurLabError):
    """The embedded engine was about to send a request somewhere other than loopback."""

    code = "loopback_violation"


class TableMissing(CruddurLabError):
    code = "table_missing"


class TableMismatch(CruddurLabError):
    """The table exists but its keys or index differ from the model."""

    code = "table_mismatch"


class StreamMissing(CruddurLabError):
    """The table exists without a stream (the bootcamp's schema-load makes it so)."""

    code = "stream_missing"


class StreamProcessingError(CruddurLabError):
    """A stream batch kept failing; its shard's checkpoint stays before it."""

    code = "stream_processing_failed"


class NotFound(CruddurLabError):
    """A user, handle or group that does not exist."""

    code = "not_found"


class UsersTableMissing(NotFound):
    """Postgres has no ``public.users`` yet (the database was never seeded)."""

    code = "users_table_missing"

    def __init__(self) -> None:
        super().__init__("the users table does not exist: run `cruddur-lab seed` first")


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


class InvalidInput(ServiceError):
    """A service request malformed on its face (blank text, not a uuid, a bad token):
    refused before any lookup, so it is a usage error like ``InvalidArgument``."""

    exit_code = 2


# --- the translator ----------------------------------------------------------------------

_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_CREDENTIAL_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredToken"}
)
#: SQLSTATE classes (the first two characters) of a connection that failed or broke.
_CONNECTION_SQLSTATE_CLASSES = frozenset({"08", "57"})
_INVALID_PASSWORD = frozenset({"28P01", "28000"})
_UNDEFINED_TABLE = "42P01"


def translate(
    error: BaseException,
    *,
    table_name: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    postgres_url: str | None = None,
) -> CruddurLabError | None:
    """The one-line error for ``error``, or None when it is not one a user can fix (a bug).

    ``postgres_url`` must already be redacted: it is printed as given.
    """
    if isinstance(error, CruddurLabError):
        return error
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is not None and isinstance(error, botocore.BotoCoreError | botocore.ClientError):
        return _botocore_error(error, botocore, table_name, endpoint_url, region)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(error, psycopg.Error):
        return _postgres_error(error, psycopg, postgres_url)
    if isinstance(error, OSError):
        return _os_error(error)
    return None


@contextlib.contextmanager
def translated(**context: Any) -> Iterator[None]:
    """Re-raise what ``translate`` knows as its one-line error (context as for translate)."""
    try:
        yield
    except Exception as error:
        mapped = translate(error, **context)
        if mapped is None or mapped is error:
            raise
        raise mapped from None


def _botocore_error(
    error: BaseException,
    botocore: Any,
    table_name: str | None,
    endpoint_url: str | None,
    region: str | None,
) -> CruddurLabError | None:
    if isinstance(error, botocore.ClientError):
        return from_client_error(error, table_name=table_name)
    if isinstance(error, botocore.ConnectionError | botocore.HTTPClientError):
        # Refused, timed out, proxy down, TLS failure, connection dropped mid-answer.
        if endpoint_url:
            where = endpoint_url
            fix = "start the service (or `cruddur-lab up`) or fix AWS_ENDPOINT_URL"
        else:
            where = f"AWS in {region or 'the configured region'}"
            fix = "check your network, proxy settings and --region"
        return EngineUnreachable(f"cannot reach {where}: {fix}")
    if isinstance(error, botocore.ParamValidationError):
        # botocore checks lengths and types before sending; keep its words on one line.
        reason = " ".join(str(error).split())
        return InvalidArgument(f"{reason}: fix the value and run again")
    if isinstance(error, botocore.NoCredentialsError):
        return ConfigError("no AWS credentials found: run `aws configure` or set AWS_PROFILE")
    if isinstance(error, botocore.ProfileNotFound):
        profile = getattr(error, "kwargs", {}).get("profile")
        return ConfigError(
            f"AWS profile {profile!r} is not configured on this machine: run "
            f"`aws configure --profile {profile}` or fix --profile / AWS_PROFILE"
        )
    if isinstance(error, botocore.WaiterError):
        return CruddurLabError(
            f"the table did not reach the expected state in time ({error}): check it "
            "with `cruddur-lab describe` and run again"
        )
    return None


def from_client_error(error: Exception, *, table_name: str | None = None) -> CruddurLabError:
    """Translate a botocore ``ClientError`` into one of ours, keeping the AWS code."""
    response = getattr(error, "response", {}) or {}
    code = response.get("Error", {}).get("Code", "")
    text = response.get("Error", {}).get("Message", str(error))
    if code == "ResourceNotFoundException" and _is_cognito_operation(
        getattr(error, "operation_name", "")
    ):
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
    if code in _CREDENTIAL_CODES:
        return ConfigError(
            f"AWS rejected the credentials ({code}): check your profile or AWS_* variables",
            aws_code=code,
        )
    return CruddurLabError(f"{code or 'AWS error'}: {text}", aws_code=code or None)


_COGNITO_OPERATIONS: frozenset[str] | None = None


def _is_cognito_operation(operation: str) -> bool:
    """True for a Cognito user pools operation, by botocore's own model of the service."""
    global _COGNITO_OPERATIONS
    if _COGNITO_OPERATIONS is None:
        from botocore.session import get_session

        model = get_session().get_service_model("cognito-idp")
        _COGNITO_OPERATIONS = frozenset(model.operation_names)
    return operation in _COGNITO_OPERATIONS


def _postgres_error(error: BaseException, psycopg: Any, url: str | None) -> CruddurLabError:
    where = f" at {url}" if url else ""
    state = getattr(error, "sqlstate", None)
    if state == _UNDEFINED_TABLE and isinstance(error, psycopg.errors.UndefinedTable):
        return UsersTableMissing()
    if state is None and isinstance(error, psycopg.ProgrammingError):
        # A client-side ProgrammingError before any statement: libpq could not parse the
        # connection string. It quotes the part it could not parse, maybe the password.
        shown = f" {url!r}" if url else ""
        return ConfigError(
            f"CONNECTION_URL{shown} is not a Postgres URL: use e.g. "
            "postgresql://postgres:password@localhost:5432/cruddur"
        )
    reason = postgres_reason(error)
    if state in _INVALID_PASSWORD or (
        state is None and isinstance(error, psycopg.OperationalError) and "password" in reason
    ):
        return PostgresUnreachable(
            f"Postgres{where} refused the credentials ({reason}): fix the user "
            "and password in CONNECTION_URL"
        )
    if isinstance(error, psycopg.OperationalError) and (
        state is None or state[:2] in _CONNECTION_SQLSTATE_CLASSES
    ):
        return PostgresUnreachable(
            f"cannot connect to Postgres{where} ({reason}): start it or fix CONNECTION_URL"
        )
    # The server refused one statement (a constraint, a permission, a trigger). Postgres
    # rolls back that statement (and its transaction) and nothing else: work done before it,
    # in Postgres or in DynamoDB and Cognito, stays, so the line promises nothing about it.
    return PostgresRefused(
        f"Postgres refused a statement ({reason}): check the users database named by CONNECTION_URL"
    )


def postgres_reason(error: BaseException) -> str:
    """libpq's reason in a few words: 'Connection refused', 'password authentication…'."""
    text = str(error).strip()
    if not text:
        return getattr(error, "sqlstate", None) or "no answer"
    reason = text.splitlines()[0].rsplit("failed: ", 1)[-1]
    return " ".join(reason.replace("FATAL:", "").split())


def _os_error(error: OSError) -> CruddurLabError:
    what = error.strerror or str(error) or "operating system error"
    name = f" {error.filename}" if error.filename else ""
    if isinstance(error, PermissionError):
        return CruddurLabError(f"permission denied on{name}: choose a place you may write to")
    if isinstance(error, FileNotFoundError):
        return CruddurLabError(f"no such file or folder{name}: check the path")
    if isinstance(error, ConnectionError | TimeoutError):
        return EngineUnreachable(f"{what}{name}: check that the service is running")
    return CruddurLabError(f"{what}{name}: check the path or free the resource and run again")
