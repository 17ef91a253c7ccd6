"""Shared fixtures: real embedded services, started once per test session.

moto and the embedded Postgres start once; every test gets a ``lab`` on them after both are
emptied, so each case starts fresh without paying for a new server. Nothing is mocked.

Set ``CRUDDUR_TEST_CONNECTION_URL`` to a *throwaway* Postgres (``.ci/run`` starts one from
Debian's ``postgresql``) and every test that uses ``pg_lab`` runs against it too. It is a
separate variable from ``CONNECTION_URL`` on purpose: the tests empty the database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.engine.embedded import EmbeddedServices
from cruddur_lab.engine.lab import Lab

STANDALONE_URL = os.environ.get("CRUDDUR_TEST_CONNECTION_URL")
POSTGRES_BACKENDS = ["embedded", *(["standalone"] if STANDALONE_URL else [])]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test sees a developer's AWS/Postgres variables or a running `cruddur-lab up`."""
    for name in (
        "CRUDDUR_ENGINE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "CONNECTION_URL",
        "DDB_MESSAGE_TABLE",
        "AWS_COGNITO_USER_POOL_ID",
        "CRUDDUR_NOW",
        "AWS_PROFILE",
        "CRUDDUR_LAB_SESSION",
        "CRUDDUR_LAB_UP",
        "CRUDDUR_TABLE_PREFIX",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRUDDUR_LAB_STATE", str(tmp_path / "up-state.json"))


@pytest.fixture(scope="session")
def services():
    embedded = EmbeddedServices().start()
    yield embedded
    embedded.stop()


def _open(services, connection_url=None, **settings):
    services.reset(connection_url)
    lab = Lab.on_services(
        services, now=settings.pop("now", DEFAULT_NOW), connection_url=connection_url, **settings
    )
    return lab


@pytest.fixture
def lab(services):
    """A fresh Lab on the embedded engine with the clock pinned to ``DEFAULT_NOW``."""
    lab = _open(services)
    yield lab
    lab.close()


@pytest.fixture(scope="session")
def standalone_url(worker_id):
    """The standalone Postgres for this test worker: a database of its own per xdist worker,
    so that two workers never empty each other's tables."""
    if worker_id == "master":
        return STANDALONE_URL
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(STANDALONE_URL)
    name = f"{parts.path.lstrip('/')}_{worker_id}"
    with psycopg.connect(STANDALONE_URL, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(params=POSTGRES_BACKENDS)
def pg_lab(request, services):
    """Like ``lab``, once per Postgres backend (embedded, and standalone when configured)."""
    url = request.getfixturevalue("standalone_url") if request.param == "standalone" else None
    lab = _open(services, connection_url=url)
    yield lab
    lab.close()


@pytest.fixture
def seeded_lab(lab):
    """``lab`` after schema-load and seed."""
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    schema_load(lab)
    seed(lab)
    return lab


@pytest.fixture
def private_tmp():
    """A TMPDIR for a subprocess's embedded Postgres, outside pytest's own 0700 temp root.

    As root, pgserver opens the folders above its data for its system user; pytest closes
    its temp root again whenever a session starts, which would race with a running server.
    """
    folder = Path(tempfile.mkdtemp(prefix="cruddur-lab-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
