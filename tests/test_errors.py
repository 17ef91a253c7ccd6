"""The one error translator (``cruddur_lab.errors.translate``): by exception type and by the
error code the service sent, never by class name or message text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from cruddur_lab.errors import (
    CognitoError,
    ConfigError,
    CruddurLabError,
    EngineUnreachable,
    PostgresRefused,
    TableMissing,
    UsersTableMissing,
    translate,
)

PACKAGE = Path(__file__).resolve().parents[1] / "cruddur_lab"


def client_error(code: str, operation: str, message: str = "Requested resource not found"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_a_missing_pool_and_a_missing_table_share_a_code_and_differ_by_operation():
    pool = translate(client_error("ResourceNotFoundException", "ListUsers", "Pool gone."))
    table = translate(client_error("ResourceNotFoundException", "DescribeTable"), table_name="t-1")
    assert isinstance(pool, CognitoError) and pool.aws_code == "ResourceNotFoundException"
    assert str(pool).startswith("Pool gone: fix --pool-id")
    assert isinstance(table, TableMissing)
    assert str(table) == "table 't-1' does not exist: run `cruddur-lab schema-load` first"


def test_botocore_errors_by_type():
    unreachable = translate(
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
        endpoint_url="http://127.0.0.1:9",
    )
    assert isinstance(unreachable, EngineUnreachable)
    assert str(unreachable) == (
        "cannot reach http://127.0.0.1:9: start the service (or `cruddur-lab up`) or fix "
        "AWS_ENDPOINT_URL"
    )
    credentials = translate(NoCredentialsError())
    assert isinstance(credentials, ConfigError) and credentials.exit_code == 2


def test_postgres_errors_by_sqlstate(lab):
    import psycopg

    with pytest.raises(psycopg.Error) as missing:
        lab.pg.execute("SELECT 1 FROM public.users")
    assert isinstance(translate(missing.value), UsersTableMissing)
    lab.pg.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    lab.pg.execute("INSERT INTO public.t VALUES (1)")
    with pytest.raises(psycopg.Error) as duplicate:
        lab.pg.execute("INSERT INTO public.t VALUES (1)")
    refused = translate(duplicate.value)
    assert isinstance(refused, PostgresRefused) and refused.exit_code == 1
    assert str(refused) == (
        'Postgres refused a statement (duplicate key value violates unique constraint "t_pkey"):'
        " check the users database named by CONNECTION_URL"
    )


def test_os_errors_and_unknown_errors(tmp_path):
    denied = translate(PermissionError(13, "Permission denied", str(tmp_path / "x")))
    assert str(denied) == f"permission denied on {tmp_path / 'x'}: choose a place you may write to"
    assert translate(ValueError("a bug")) is None  # a bug keeps its traceback
    ours = CruddurLabError("already one line")
    assert translate(ours) is ours


def test_importing_the_errors_module_loads_neither_botocore_nor_psycopg():
    code = (
        "import sys, cruddur_lab.errors; "
        "print(sorted(m for m in ('botocore', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_module_dispatches_on_an_exception_class_name():
    """Translation is by type and code: ``type(error).__name__ == ...`` must not come back."""
    pattern = re.compile(r"__name__\s*(==|!=|in\b)|\.__class__\.__name__\s*(==|!=)")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and "__main__" not in line
    ]
    assert offenders == []
