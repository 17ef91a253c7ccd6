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
    session = _session(env)
    table_name = session.get("table_name") or table_name
    now = session.get("now") or now
    chosen = engine or env.get("CRUDDUR_ENGINE") or None
    if chosen == "prod":
        chosen = "aws"
    env_endpoint = env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL")
    endpoint = endpoint_url or env_endpoint or None
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
    if profile and chosen != "aws":
        # Only engine aws reads profiles; taking one here and ignoring it would mislead.
        raise ConfigError(
            f"--profile {profile!r} is only used by engine aws: drop it, or add --engine aws"
        )
    if up and chosen != "embedded":
        # Only the embedded engine attaches to a running `up`.
        raise ConfigError(
            f"--up {up!r} is only used by engine embedded (it picks a running `cruddur-lab "
            f"up`): drop it, or drop --engine {chosen} and AWS_ENDPOINT_URL"
        )
    prefix = table_prefix if table_prefix is not None else env.get("CRUDDUR_TABLE_PREFIX", "")
    base = table_name or env.get("DDB_MESSAGE_TABLE") or TABLE_NAME
    if prefix and base.startswith(prefix):
        base = base[len(prefix) :]  # a name that already carries the prefix keeps one copy
    return Settings(
        engine=chosen,
        endpoint_url=endpoint,
        connection_url=connection_url or env.get("CONNECTION_URL") or None,
        table_name=check_table_name(prefix + base),
        table_prefix=prefix,
        region=check_region(
            region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        ),
        user_pool_id=user_pool_id or env.get("AWS_COGNITO_USER_POOL_ID") or None,
        now=check_now(now if now is not None else env.get("CRUDDUR_NOW") or None),
        profile=profile or env.get("AWS_PROFILE") or None,
        engine_chosen=engine_chosen,
        state_file=env.get(STATE_ENV) or None,
        up=up or env.get(UP_ENV) or None,
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


def check_table_name(name: str) -> str:
    """DynamoDB's naming rule, checked here because moto accepts names AWS would refuse."""
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
