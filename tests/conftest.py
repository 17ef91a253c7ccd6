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

#: The files that take longest, longest first (about the seconds each took in a full run on
#: 2 cores, 2 workers, at load 3). pytest-xdist hands out whole files in collection order
#: (``--no-loadscope-reorder`` in addopts; by default it orders them by test count, which put
#: files of a few slow tests last, and one worker ran alone for the last of them). Longest
#: first, the short ones fill the end and both workers finish together. A file not listed runs
#: after these: the notebooks (5 to 10 s each under nbval), then the rest in pytest's order.
SLOWEST_FILES = (
    "tests/test_runner.py",  # 41 s
    "tests/test_browser.py",  # 33
    "tests/test_bad_input.py",  # 30
    "tests/test_up.py",  # 27
    "tests/test_benchmarks.py",  # 26
    "tests/test_streams.py",  # 24
    "tests/test_lab_command.py",  # 23
    "tests/test_parallel_run.py",  # 22
    "tests/test_faults.py",  # 22
    "tests/test_stream_faults.py",  # 21
    "tests/test_patterns.py",  # 21
    "tests/test_cli.py",  # 21
    "tests/test_catalogue.py",  # 20
    "tests/test_properties.py",  # 18
    "tests/test_guard.py",  # 18
    "tests/test_postgres_initdb.py",  # 17
    "tests/test_shared_machine.py",  # 16
    "tests/test_costs.py",  # 12
    "tests/test_engines.py",  # 12
    "tests/test_patterns_cli.py",  # 10
    "tests/test_up_capacity.py",  # 9
    "tests/test_notebooks_clean.py",  # 8
    "tests/test_seed.py",  # 8
    "tests/test_up_bootcamp.py",  # 7
    "tests/test_up_several.py",  # 7
)
POSTGRES_BACKENDS = ["embedded", *(["standalone"] if STANDALONE_URL else [])]


def pytest_collection_modifyitems(items):
    """Slowest files first, then the notebooks, then the rest (see ``SLOWEST_FILES``)."""
    rank = {path: place for place, path in enumerate(SLOWEST_FILES)}

    def place(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        if path in rank:
            return (0, rank[path])
        return (1 if path.startswith("notebooks/") else 2, 0)

    items.sort(key=place)  # stable: each file's own order, and pytest's among the rest


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


def _seed(lab):
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    schema_load(lab)
    seed(lab)
    return lab


@pytest.fixture
def seeded_lab(lab):
    """``lab`` after schema-load and seed."""
    return _seed(lab)


@pytest.fixture(scope="module")
def seeded_once(services):
    """A freshly seeded Lab, once per module: for a fixture that measures it once and whose
    tests only read what was measured (the next test's ``lab`` empties the engine)."""
    lab = _seed(_open(services))
    yield lab
    lab.close()


@pytest.fixture
def private_tmp():
    """A TMPDIR for a subprocess's embedded Postgres, outside pytest's own 0700 temp root.

    As root, pgserver opens the folders above its data for its system user; pytest closes
    its temp root again whenever a session starts, which would race with a running server.
    """
    folder = Path(tempfile.mkdtemp(prefix="cruddur-lab-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
