"""The embedded engine's services: moto on loopback and a throwaway PostgreSQL.

Both start fresh and are removed on ``stop()``. ``cruddur-lab up``, the notebook runner,
``cruddur-lab lab`` and the test suite start them once and hand their URLs to others.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
from typing import Any

from cruddur_lab.engine import settings as settings_module
from cruddur_lab.errors import CruddurLabError, EngineUnreachable, PostgresUnreachable

# moto keeps its state in module globals, so two embedded servers in one process would share
# data. One at a time per process keeps "fresh every time" true.
_EMBEDDED_LOCK = threading.Lock()


def _check_port_free(port: int) -> None:
    """moto's server thread would die silently on a busy port and leave start() waiting."""
    import socket

    if not 0 < port < 65536:
        from cruddur_lab.errors import InvalidArgument

        raise InvalidArgument(f"--port must be between 1 and 65535, got {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise EngineUnreachable(
                f"cannot listen on 127.0.0.1:{port} ({error.strerror}): "
                "choose another --port or stop what uses it"
            ) from None


class EmbeddedServices:
    """moto on loopback plus a throwaway Postgres; fresh on start, removed on stop."""

    def __init__(
        self,
        port: int = 0,
        *,
        postgres: bool = True,
        pg_port: int | None = None,
        pg_password: str | None = None,
        region: str = settings_module.DEFAULT_REGION,
    ) -> None:
        """``pg_port`` also serves Postgres on 127.0.0.1 (0: any free port) with password
        auth, as the bootcamp's scripts expect (``pg_password``, else a random one);
        ``region`` is the one namespace every request lands in, whatever region it was
        signed for (see ``motoserver``)."""
        self.port = port
        self.with_postgres = postgres
        self.pg_port = pg_port
        self.pg_password = pg_password
        self.region = region
        self.endpoint_url: str | None = None
        #: The Unix-socket URL (trust auth): what our own code uses.
        self.connection_url: str | None = None
        #: ``postgresql://postgres:PASSWORD@127.0.0.1:PORT/cruddur`` when ``pg_port`` is set.
        self.tcp_connection_url: str | None = None
        self._moto: Any = None
        self._postgres: Any = None
        self._pgdata: str | None = None
        self._locked = False

    def start(self) -> EmbeddedServices:
        if not _EMBEDDED_LOCK.acquire(blocking=False):
            raise CruddurLabError(
                "an embedded engine is already open in this process: close it first "
                "(moto keeps one state per process)"
            )
        self._locked = True
        # A failure half-way (or Ctrl-C) stops what did start: nothing else would.
        with contextlib.ExitStack() as on_failure:
            on_failure.callback(self.stop)
            self._start_moto()
            if self.with_postgres:
                self._start_postgres()
            on_failure.pop_all()
        return self

    def _start_moto(self) -> None:
        from cruddur_lab.engine.motoserver import SerializedMotoServer

        # The request log is moto's, not the learner's business.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # moto builds boto3 sessions from the environment on every request.
        settings_module.forget_unknown_profile()
        if self.port:
            _check_port_free(self.port)
        self._moto = SerializedMotoServer(
            ip_address="127.0.0.1", port=self.port, verbose=False, region=self.region
        )
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        # A moto already used in this process (an earlier Lab) still holds data: reset it.
        self._reset_moto()

    def _reset_moto(self) -> None:
        import urllib.request

        reset = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()

    def _start_postgres(self) -> None:
        from cruddur_lab.engine import postgres

        self._postgres, self._pgdata = start_postgres(
            tcp_port=self.pg_port, password=self.pg_password
        )
        self.connection_url = postgres.create_database(self._postgres, "cruddur")
        if self.pg_port is not None:
            self.tcp_connection_url = postgres.tcp_url(self._postgres, "cruddur")

    def reset(self, connection_url: str | None = None) -> None:
        """Empty every moto backend and the users database (tests start each case fresh).

        ``connection_url`` names a throwaway Postgres to empty instead of the embedded one;
        without either (services started without Postgres) only moto is emptied.
        """
        self._reset_moto()
        url = connection_url or self.connection_url
        if url is None:
            return
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")

    def stop(self) -> None:
        if self._moto is not None:
            with contextlib.suppress(Exception):
                self._moto.stop()
            self._moto = None
        if self._postgres is not None or self._pgdata:
            stop_postgres(self._postgres, self._pgdata)
            self._postgres = self._pgdata = None
        if self._locked:
            self._locked = False
            _EMBEDDED_LOCK.release()


def start_postgres(*, tcp_port: int | None = None, password: str | None = None) -> tuple[Any, str]:
    """A throwaway PostgreSQL in a new temporary folder: the running server and the folder
    (``stop_postgres`` removes both). A failure is one line that says what to check."""
    from cruddur_lab.engine import postgres

    pgdata = tempfile.mkdtemp(prefix="cruddur-lab-pg-")
    try:
        return postgres.start_server(pgdata, tcp_port=tcp_port, password=password), pgdata
    except CruddurLabError:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise  # already one line (a busy --pg-port)
    except Exception as error:  # initdb/pg_ctl failures arrive as pages of output
        shutil.rmtree(pgdata, ignore_errors=True)
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        reason = (lines[-1] if lines else type(error).__name__)[:200]
        raise PostgresUnreachable(
            f"the embedded PostgreSQL did not start ({reason}): check that {pgdata} "
            "is writable (TMPDIR), or set CONNECTION_URL to a Postgres of your own"
        ) from None
    except BaseException:  # Ctrl-C: nothing else would remove the folder
        shutil.rmtree(pgdata, ignore_errors=True)
        raise


def stop_postgres(server: Any, pgdata: str | None) -> None:
    """Stop what ``start_postgres`` started and remove its folder."""
    if server is not None:
        with contextlib.suppress(Exception):
            server.cleanup()
    if pgdata:
        shutil.rmtree(pgdata, ignore_errors=True)
