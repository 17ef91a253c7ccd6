"""moto's HTTP server with its requests taken one at a time.

moto's server is threaded, but its backends are not thread-safe: a TransactWriteItems
deep-copies the whole table and, when cancelled, swaps that copy back in, dropping writes
that other clients made meanwhile; concurrent writers also trip "dictionary changed size
during iteration" errors. AWS serialises nothing of the kind, so the embedded engine would
teach data loss that AWS does not have. One lock around the WSGI application makes each
request atomic with respect to the others, at the cost of parallelism we do not need.
"""

from __future__ import annotations

import contextlib
import re
import socket
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


#: The region in a SigV4 credential scope: ``Credential=KEY/20260301/ca-central-1/dynamodb/``.
_SCOPE_REGION = re.compile(r"(Credential=[^/,\s]*/\d{8}/)([^/,\s]+)(/)")
_AGENT_REGION = re.compile(r"region/[A-Za-z0-9-]+")
#: moto's default account: every access key lands in it unless IAM made the key (never here).
ACCOUNT_ID = "123456789012"


def one_namespace(app: Any, region: str, account_id: str = ACCOUNT_ID) -> Any:
    """A WSGI application that runs ``app`` as if every request came from ``region`` and
    ``account_id``: one set of tables, streams and user pools, like DynamoDB Local's
    ``-sharedDb``.

    moto keeps a backend per account and region. It takes the region from the host name
    (``*.REGION.amazonaws.com``, never ours), then from a ``region/…`` User-Agent part, then
    from the Authorization header's credential scope, and the account from the
    ``x-moto-account-id`` header before the access key. A bootcamp shell signing for
    ``ca-central-1`` would otherwise write to a table nobody else sees. moto checks no
    signatures, so rewriting the scope is safe; the real AWS is never behind this server.
    """

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        authorization = environ.get("HTTP_AUTHORIZATION")
        if authorization:
            environ["HTTP_AUTHORIZATION"] = _SCOPE_REGION.sub(
                lambda m: f"{m.group(1)}{region}{m.group(3)}", authorization
            )
        agent = environ.get("HTTP_USER_AGENT")
        if agent:
            environ["HTTP_USER_AGENT"] = _AGENT_REGION.sub(f"region/{region}", agent)
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = account_id
        return app(environ, start_response)

    return application


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler with HTTP/1.1 keep-alive, as DynamoDB's endpoint has it.

    werkzeug's development server closes every connection after one response: ``http.server``
    would take an unread request body for the next request, and werkzeug drains the socket
    after each response, which on a kept-alive connection reads the next request away. Each
    SDK call then paid a new TCP connection and a new server thread. Here a request with a
    ``Content-Length`` (and no ``Expect``) is read in full first and werkzeug is handed the
    body alone, so neither can read past it, and the connection stays open; anything else
    is answered as werkzeug answers it, and closed.
    """

    #: An idle kept-alive connection is closed after this many seconds.
    timeout = 60

    def setup(self) -> None:
        super().setup()
        # A kept-alive answer is written in two parts (headers, body); without this the
        # second waits for the client's delayed ACK, about 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        import io

        if not self._reusable():
            super().run_wsgi()
            return
        connection = self.rfile
        self.rfile = io.BytesIO(connection.read(int(self.headers["Content-Length"])))
        try:
            super().run_wsgi()
        finally:
            self.rfile = connection

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._reusable():
            return  # http.server then keeps the connection open for the next request
        super().send_header(keyword, value)

    def _reusable(self) -> bool:
        length = self.headers.get("Content-Length", "")
        return (
            self.request_version == "HTTP/1.1"
            and length.isdigit()
            and "Transfer-Encoding" not in self.headers
            and "Expect" not in self.headers
            and self.headers.get("Connection", "").lower() != "close"
        )


class SerializedMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose application is ``serialized`` in ``one_namespace``.

    Only the server-building step differs; it follows moto 5.2's own (pinned in pyproject).
    """

    def __init__(self, *args: Any, region: str = "us-east-1", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region

    def _server_entry(self) -> None:
        from cruddur_lab.engine import attribute_values, moto_fixes, motopatch, request_overhead
        from cruddur_lab.engine.billing import billed
        from cruddur_lab.engine.json_errors import json_errors
        from cruddur_lab.engine.request_rules import refusing

        motopatch.install()  # costs that grow with the table, as AWS's do not
        moto_fixes.install()  # answers moto gets wrong, as AWS gives them
        attribute_values.install()  # items written without moto's search for each member
        request_overhead.install()  # last: it remembers the handlers' methods as patched
        # Outside in: any crash becomes a DynamoDB error; refused requests never reach moto
        # and are never billed; billing sees the request as moto runs it (numbers normalised).
        moto = billed(DomainDispatcherApplication(create_backend_app), self.region, ACCOUNT_ID)
        app = one_namespace(serialized(json_errors(refusing(moto))), self.region)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=KeepAliveHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        server = self._server
        if server is None:
            super().stop()
            return
        # socketserver reads its stop flag only between polls of the listening socket, every
        # 0.5 s: a stop waited that long. A connection of our own ends the poll at once (it
        # is answered as any client that sends nothing is); sent until the loop has ended,
        # since one that arrives before the flag is set only starts another poll.
        ending = threading.Thread(target=super().stop, daemon=True)
        ending.start()
        while ending.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(server.server_address[:2], timeout=1).close()
            ending.join(0.05)
