"""Engines and the Lab: one way to open embedded, endpoint and aws services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import psutil
import pytest
from lab_support import free_port

from cruddur_lab.engine.lab import Lab, _open_aws, connect_postgres, is_loopback
from cruddur_lab.engine.settings import Settings, resolve
from cruddur_lab.errors import (
    ConfigError,
    CruddurLabError,
    EngineUnreachable,
    LoopbackViolation,
    PostgresUnreachable,
    TableMissing,
)


def test_lab_gives_working_dynamodb_cognito_streams_and_postgres_clients(lab):
    assert lab.dynamodb.list_tables()["TableNames"] == []
    assert lab.cognito.list_user_pools(MaxResults=10)["UserPools"] == []
    assert lab.streams.list_streams()["Streams"] == []
    assert lab.pg.execute("SELECT current_database()").fetchone() == ("cruddur",)
    assert lab.pg.autocommit


def test_embedded_lab_uses_dummy_credentials_only(lab):
    credentials = lab.dynamodb._request_signer._credentials
    assert credentials.access_key == "testing"
    assert lab.is_embedded and not lab.is_aws
    assert lab.settings.loopback_only


def test_embedded_lab_refuses_to_send_anything_off_loopback():
    settings = resolve(environ={}).with_(endpoint_url="http://192.0.2.1:8000", loopback_only=True)
    with Lab(settings) as lab, pytest.raises(LoopbackViolation, match="blocked a request to 192"):
        lab.dynamodb.list_tables()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://dynamodb.us-east-1.amazonaws.com", False),
        ("http://10.0.0.1:8000", False),
    ],
)
def test_is_loopback(url, expected):
    assert is_loopback(url) is expected


def test_unreachable_endpoint_is_one_line_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    lab = Lab.open("endpoint", endpoint_url=url, environ={})
    with lab, pytest.raises(EngineUnreachable) as caught, lab.translate_errors():
        lab.dynamodb.list_tables()
    assert str(caught.value) == (
        f"cannot reach {url}: start the service (or `cruddur-lab up`) or fix AWS_ENDPOINT_URL"
    )


def test_unreachable_postgres_is_one_line_without_the_password():
    url = f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/cruddur"
    with pytest.raises(PostgresUnreachable) as caught:
        connect_postgres(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "s3cret" not in message
    assert message.startswith("cannot connect to Postgres at postgresql://postgres:***@127.0.0.1:")
    assert message.endswith(": start it or fix CONNECTION_URL")


def test_missing_postgres_url_says_how_to_set_it():
    with pytest.raises(PostgresUnreachable, match=r"^no Postgres URL: set CONNECTION_URL"):
        connect_postgres(None)


def test_client_errors_become_our_errors_with_the_aws_code(lab):
    with pytest.raises(TableMissing) as caught, lab.translate_errors():
        lab.dynamodb.describe_table(TableName=lab.settings.table_name)
    assert caught.value.aws_code == "ResourceNotFoundException"
    assert "run `cruddur-lab schema-load` first" in str(caught.value)


def test_aws_engine_must_be_chosen_explicitly():
    with pytest.raises(ConfigError, match=r"real AWS is only used when chosen: pass --engine aws"):
        _open_aws(Settings(engine="aws"), attach=True, port=0)


def test_aws_lab_opens_without_contacting_anything():
    with Lab.open("aws", environ={}) as lab:
        assert lab.is_aws and lab.settings.endpoint_url is None
        assert lab.describe_engine() == "aws (us-east-1)"


def test_a_bad_now_is_a_config_error():
    with pytest.raises(ConfigError, match=r"now='soon' is not an ISO-8601 time"):
        Lab.open("aws", now="soon", environ={})


def test_second_embedded_engine_in_one_process_is_refused(services):
    with pytest.raises(CruddurLabError, match="an embedded engine is already open in this process"):
        Lab.open(environ={}, attach=False)


def test_lab_attaches_to_a_running_up_through_its_state_file(services, tmp_path):
    state = tmp_path / "up.json"
    state.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "started": psutil.Process().create_time(),
                "endpoint_url": services.endpoint_url,
                "connection_url": services.connection_url,
            }
        )
    )
    with Lab.open(environ={"CRUDDUR_LAB_STATE": str(state)}) as lab:
        assert not lab.owns_services
        assert lab.settings.endpoint_url == services.endpoint_url
        assert lab.describe_engine() == "embedded (shared: moto + embedded PostgreSQL)"
        assert lab.settings.loopback_only
    assert state.exists(), "closing an attached Lab must leave the shared services alone"


def test_close_runs_callbacks_last_registered_first(lab):
    calls: list[str] = []
    lab.on_close(lambda: calls.append("first"))
    lab.on_close(lambda: calls.append("second"))
    lab.close()
    assert calls == ["second", "first"]


def test_a_private_embedded_engine_starts_fresh_and_leaves_nothing_behind(private_tmp):
    tmp_path = private_tmp
    script = textwrap.dedent(
        """
        from cruddur_lab.engine.lab import Lab
        from cruddur_lab.scripts.schema import schema_load, list_tables
        from cruddur_lab.scripts.usersdb import seed_users, list_users
        with Lab.open(environ={}) as lab:
            assert lab.owns_services
            schema_load(lab)
            seed_users(lab)
            print(list_tables(lab), len(list_users(lab)))
        with Lab.open(environ={}) as lab:
            rows = lab.pg.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'"
            ).fetchone()[0]
            print(list_tables(lab), rows)
        """
    )
    env = {**os.environ, "TMPDIR": str(tmp_path), "CRUDDUR_LAB_STATE": str(tmp_path / "s.json")}
    for name in ("AWS_ENDPOINT_URL", "CONNECTION_URL", "CRUDDUR_ENGINE"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['cruddur-messages'] 6", "[] 0"]
    assert done.stderr == ""
    assert not list(tmp_path.glob("cruddur-lab-pg-*"))
