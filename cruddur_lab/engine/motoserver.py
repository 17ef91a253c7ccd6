"""moto's HTTP server with its requests taken one at a time.

moto's server is threaded, but its backends are not thread-safe: a TransactWriteItems
deep-copies the whole table and, when cancelled, swaps that copy back in, dropping writes
that other clients made meanwhile; concurrent writers also trip "dictionary changed size
during iteration" errors. AWS serialises nothing of the kind, so the embedded engine would
teach data loss that AWS does not have. One lock around the WSGI application makes each
request atomic with respect to the others, at the cost of parallelism we do not need.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.moto_server.threaded_moto_server import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    ThreadedMotoServer,
    create_backend_app,
    make_server,
)


def serialized(app: Any) -> Any:
    """A WSGI application that runs ``app`` for one request at a time."""
    lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            # Drain the body inside the lock: moto may build it lazily from backend state.
            return list(app(environ, start_response))

    return application


class SerializedMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose application is ``serialized``.

    Only the server-building step differs; it follows moto 5.2's own (pinned in pyproject).
    """

    def _server_entry(self) -> None:
        from cruddur_lab.engine import motopatch

        motopatch.install()  # costs that grow with the table, as AWS's do not
        app = serialized(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
