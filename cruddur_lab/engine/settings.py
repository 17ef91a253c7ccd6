"""Settings, resolved once: argument first, then environment, then default.

This is the only module that reads ``os.environ``; everything else receives a ``Settings``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cruddur_lab.errors import ConfigError
from cruddur_lab.model import TABLE_NAME

ENGINES = ("embedded", "endpoint", "aws")
_TABLE_NAME_RULE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_REGION_RULE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
DEFAULT_REGION = "us-east-1"
#: Where ``cruddur-lab up`` records its endpoints so other commands can find it.
STATE_ENV = "CRUDDUR_LAB_STATE"
#: Which running ``up`` to attach to when several run.
UP_ENV = "CRUDDUR_LAB_UP"
#: Set by ``cruddur-lab lab`` and ``run`` for their kernels only: the table and clock chosen
#: on their command line (or recorded by the ``up`` they share), JSON. They replace what a
#: notebook's parameters cell passes, as papermill's injected parameters do for ``run``.
SESSION_ENV = "CRUDDUR_LAB_SESSION"


@dataclass(frozen=True)
class Settings:
    engine: str = "embedded"
    endpoint_url: str | None = None
    connection_url: str | None = None
    table_name: str = TABLE_NAME
    region: str = DEFAULT_REGION
    user_pool_id: str | None = None
    now: str | None = None
    profile: str | None = None
    #: True when the engine was named by an argument or CRUDDUR_ENGINE, not defaulted.
    engine_chosen: bool = False
    #: True for the embedded engine's own services (moto + pgserver, or a running ``up``):
    #: every request must stay on loopback.
    loopback_only: bool = False
    #: ``CRUDDUR_LAB_STATE``: the one state file to attach to (else the state folder's).
    state_file: str | None = None
    #: ``--up`` / ``CRUDDUR_LAB_UP``: which running ``up`` to attach to (name or port).
    up: str | None = None
    #: Put in front of every table name (CRUDDUR_TABLE_PREFIX), so learners share an account.
    table_prefix: str = ""

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def __repr__(self) -> str:
        # A notebook that shows lab.settings must not show the Postgres password.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.connection_url:
            shown["connection_url"] = redact_url(self.connection_url)
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


@dataclass(frozen=True)
class EngineOption:
    """One engine option, declared once: the argparse group, ``open_lab``, the refusal of an
    option a command would ignore, ``run``'s and ``lab``'s resolution all derive from it."""

    #: The ``Settings`` field, ``resolve``'s argument and the argparse ``dest``.
    attribute: str
    flag: str
    #: The environment variables ``resolve`` reads for it, first found wins.
    environment: tuple[str, ...]
    help: str
    #: The engines that read it; ``resolve`` refuses it on the others.
    engines: tuple[str, ...] = ENGINES
    #: The notebook parameter it decides (``run`` and ``lab`` pass it to their kernels).
    parameter: str | None = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None


ENGINE_OPTIONS: tuple[EngineOption, ...] = (
    EngineOption(
        "engine",
        "--engine",
        ("CRUDDUR_ENGINE",),
        "embedded (default), endpoint (AWS_ENDPOINT_URL), aws (real AWS; 'prod' = aws)",
        choices=(*ENGINES, "prod"),
    ),
    EngineOption(
        "endpoint_url",
        "--endpoint-url",
        ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"),
        "DynamoDB/Cognito URL (AWS_ENDPOINT_URL)",
        engines=("endpoint",),
    ),
    EngineOption(
        "connection_url", "--connection-url", ("CONNECTION_URL",), "Postgres URL (CONNECTION_URL)"
    ),
    EngineOption(
        "table_name",
        "--table",
        ("DDB_MESSAGE_TABLE",),
        "table name (DDB_MESSAGE_TABLE)",
        parameter="table_name",
    ),
    EngineOption(
        "table_prefix",
        "--table-prefix",
        ("CRUDDUR_TABLE_PREFIX",),
        "put in front of the table name, so learners share one account (CRUDDUR_TABLE_PREFIX)",
        parameter="table_name",
    ),
    EngineOption(
        "region", "--region", ("AWS_REGION", "AWS_DEFAULT_REGION"), "AWS region (AWS_REGION)"
    ),
    EngineOption(
        "profile", "--profile", ("AWS_PROFILE",), "AWS profile (engine aws)", engines=("aws",)
    ),
    EngineOption(
        "up",
        "--up",
        (UP_ENV,),
        f"which running `cruddur-lab up` to use, by name or port ({UP_ENV})",
        engines=("embedded",),
        metavar="NAME",
    ),
    EngineOption(
        "now",
        "--now",
        ("CRUDDUR_NOW",),
        "pin the clock to an ISO-8601 time (CRUDDUR_NOW); 'real' for the real clock",
        parameter="now",
    ),
)
OPTIONS_BY_ATTRIBUTE = {option.attribute: option for option in ENGINE_OPTIONS}
#: ``resolve``'s keyword arguments besides ``engine`` and ``environ``.
SETTING_ARGUMENTS = (
    *(o.attribute for o in ENGINE_OPTIONS if o.attribute != "engine"),
    "user_pool_id",
)


def given_options(namespace: Any) -> dict[str, Any]:
    """The engine options present on a parsed command line (argparse leaves absent ones out)."""
    return {
        option.attribute: getattr(namespace, option.attribute)
        for option in ENGINE_OPTIONS
        if hasattr(namespace, option.attribute)
    }


def resolve_given(namespace: Any, **overrides: Any) -> Settings:
    """``resolve`` on the engine options of a parsed command line."""
    options = given_options(namespace) | overrides
    return resolve(options.pop("engine", None), **options)


def notebook_parameters(settings: Settings, given: Any) -> dict[str, str | None]:
    """The notebook parameters the given options decide, from the resolved settings: a
    ``--table-prefix`` reaches the kernels as the prefixed ``table_name``."""
    return {
        option.parameter: getattr(settings, option.parameter)
        for option in ENGINE_OPTIONS
        if option.parameter and option.attribute in given
    }


def resolve(
    engine: str | None = None,
    *,
    endpoint_url: str | None = None,
    connection_url: str | None = None,
    table_name: str | None = None,
    region: str | None = None,
    user_pool_id: str | None = None,
    now: str | None = None,
    profile: str | None = None,
    up: str | None = None,
    table_prefix: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Merge arguments, environment and defaults into one ``Settings``.

    The bootcamp's ``prod`` argument is accepted as another name for ``aws``. Choosing
    ``embedded`` explicitly while ``AWS_ENDPOINT_URL`` is set is a conflict: the learner
    would believe they talk to one service while their shell points at another.
    """
    env = os.environ if environ is None else environ

    def from_env(attribute: str) -> str | None:
        found = (env.get(name) for name in OPTIONS_BY_ATTRIBUTE[attribute].environment)
        return next((value for value in found if value), None)

    session = _session(env)
    table_name = session.get("table_name") or table_name
    now = session.get("now") or now
    chosen = engine or from_env("engine")
    if chosen == "prod":
        chosen = "aws"
    endpoint = endpoint_url or from_env("endpoint_url")
    if endpoint:
        check_endpoint_url(endpoint, "--endpoint-url" if endpoint_url else "AWS_ENDPOINT_URL")
    if chosen is None:
        chosen = "endpoint" if endpoint else "embedded"
        engine_chosen = False
    else:
        engine_chosen = True
    if chosen not in ENGINES:
        raise ConfigError(
            f"unknown engine {chosen!r}: choose one of {', '.join(ENGINES)} "
            "(--engine or CRUDDUR_ENGINE)"
        )
    if chosen == "embedded" and endpoint:
        source = "--endpoint-url" if endpoint_url else "AWS_ENDPOINT_URL"
        raise ConfigError(
            f"engine 'embedded' conflicts with {source}={endpoint}: "
            f"drop --engine embedded to use that endpoint, or unset {source}"
        )
    if chosen == "endpoint" and not endpoint:
        raise ConfigError(
            "engine 'endpoint' needs a URL: pass --endpoint-url or set AWS_ENDPOINT_URL "
            "(e.g. http://localhost:8000)"
        )
    if chosen == "aws" and endpoint:
        raise ConfigError(
            f"engine 'aws' conflicts with the endpoint {endpoint}: unset AWS_ENDPOINT_URL "
            "or choose --engine endpoint"
        )
    if profile and chosen not in OPTIONS_BY_ATTRIBUTE["profile"].engines:
        # Only engine aws reads profiles; taking one here and ignoring it would mislead.
        raise ConfigError(
            f"--profile {profile!r} is only used by engine aws: drop it, or add --engine aws"
        )
    if up and chosen not in OPTIONS_BY_ATTRIBUTE["up"].engines:
        # Only the embedded engine attaches to a running `up`.
        raise ConfigError(
            f"--up {up!r} is only used by engine embedded (it picks a running `cruddur-lab "
            f"up`): drop it, or drop --engine {chosen} and AWS_ENDPOINT_URL"
        )
    prefix = table_prefix if table_prefix is not None else from_env("table_prefix") or ""
    base = table_name or from_env("table_name") or TABLE_NAME
    if prefix and base.startswith(prefix):
        base = base[len(prefix) :]  # a name that already carries the prefix keeps one copy
    return Settings(
        engine=chosen,
        endpoint_url=endpoint,
        connection_url=check_connection_url(connection_url or from_env("connection_url")),
        table_name=check_table_name(base, prefix),
        table_prefix=prefix,
        region=check_region(region or from_env("region") or DEFAULT_REGION),
        user_pool_id=user_pool_id or env.get("AWS_COGNITO_USER_POOL_ID") or None,
        now=check_now(now if now is not None else from_env("now")),
        profile=profile or from_env("profile"),
        engine_chosen=engine_chosen,
        state_file=env.get(STATE_ENV) or None,
        up=up or from_env("up"),
    )


def _session(env: Any) -> dict[str, str]:
    import json

    text = env.get(SESSION_ENV)
    try:
        session = json.loads(text) if text else {}
    except ValueError:
        raise ConfigError(
            f"{SESSION_ENV}={text!r} is not JSON: unset it (cruddur-lab lab and run set it "
            "for their kernels)"
        ) from None
    return (
        {k: v for k, v in session.items() if isinstance(v, str)}
        if isinstance(session, dict)
        else {}
    )


def redact_url(url: str) -> str:
    """``url`` without its password: ``user:***@host``, ``?password=***``, ``password=***``."""
    url = re.sub(r"(password\s*=\s*)('[^']*'|[^\s&]+)", r"\1***", url, flags=re.IGNORECASE)
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password:
        netloc = parts.netloc.replace(f":{password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def check_endpoint_url(url: str, source: str = "AWS_ENDPOINT_URL") -> str:
    """An http(s) URL with a host and a valid port, or one ConfigError line."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(
            f"{source}={url!r} is not an endpoint URL: use http://HOST:PORT, "
            "e.g. http://localhost:8000"
        )
    return url


def check_connection_url(url: str | None) -> str | None:
    """A PostgreSQL URL or libpq keyword string, or one ConfigError line before any connection
    (the same line as libpq's refusal of it in ``errors``)."""
    if url is None or url.startswith(("postgresql://", "postgres://")) or "=" in url:
        return url
    raise ConfigError(
        f"CONNECTION_URL {redact_url(url)!r} is not a Postgres URL: use e.g. "
        "postgresql://postgres:password@localhost:5432/cruddur"
    )


def check_region(region: str) -> str:
    """botocore's own region rule, checked before any client is built."""
    if not _REGION_RULE.fullmatch(region):
        raise ConfigError(
            f"region {region!r} is not an AWS region name: use e.g. us-east-1 "
            "(--region or AWS_REGION / AWS_DEFAULT_REGION)"
        )
    return region


def check_now(now: str | None) -> str | None:
    """A clock setting the Clock accepts, checked before any service starts."""
    from cruddur_lab.clock import Clock

    try:
        Clock.from_setting(now)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return now


def check_table_name(name: str, prefix: str = "") -> str:
    """DynamoDB's naming rule for ``prefix + name``, checked here because moto accepts names
    AWS would refuse; a wrong prefix is named as the prefix."""
    if not _TABLE_NAME_RULE.fullmatch(prefix + "abc"):
        raise ConfigError(
            f"table prefix {prefix!r} is not valid in a DynamoDB table name: use letters, "
            "digits, '_', '-' or '.' (--table-prefix or CRUDDUR_TABLE_PREFIX)"
        )
    name = prefix + name
    if not _TABLE_NAME_RULE.fullmatch(name):
        raise ConfigError(
            f"table name {name!r} is not valid in DynamoDB: use 3 to 255 letters, digits, "
            "'_', '-' or '.' (--table or DDB_MESSAGE_TABLE)"
        )
    return name


def production_warnings(settings: Settings) -> list[str]:
    """Warnings for settings that look like production: a teaching tool should say so."""
    found = []
    if "prod" in settings.table_name.lower():
        found.append(
            f"table {settings.table_name!r} looks like a production table: "
            "use a lab table (--table) unless you mean it"
        )
    if settings.profile and "prod" in settings.profile.lower():
        where = "" if settings.engine == "aws" else " (only engine aws uses it)"
        found.append(
            f"AWS profile {settings.profile!r} looks like a production account{where}: "
            "use a sandbox profile unless you mean it"
        )
    return found


def forget_unknown_profile() -> None:
    """Unset an ``AWS_PROFILE`` this machine does not have, for this process only.

    moto's in-process server builds boto3 sessions from ``os.environ`` on every request;
    a profile left over in the learner's shell (and missing here) would make each one fail
    with ProfileNotFound. The embedded engine never uses profiles, so nothing is lost.
    """
    from botocore.session import Session as BotocoreSession

    known = BotocoreSession(session_vars={"profile": (None, None, None, None)})
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if os.environ.get(name) and os.environ[name] not in known.available_profiles:
            del os.environ[name]


def state_path(environ: dict[str, str] | None = None, name: str = "default") -> Path:
    """The file a ``cruddur-lab up --name NAME`` records itself in (see ``upstate``)."""
    from cruddur_lab.engine.upstate import state_file_for

    return state_file_for(name, environ)


def read_state(path: str | Path) -> dict[str, Any] | None:
    """The state of a live ``up``, or None (missing file, or its process is gone or another)."""
    from cruddur_lab.engine.upstate import read_state as read

    return read(path)


def write_state(path: str | Path, state: dict[str, Any]) -> None:
    from cruddur_lab.engine.upstate import write_state as write

    write(path, state)
