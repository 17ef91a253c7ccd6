"""The AWS guard: nothing leaves loopback on the embedded engine, aws only when asked for,
destructive work on aws only with --yes, production-looking names warned about, secrets
never printed.

How "the request never left" is proven without timing: a Python audit hook watches every
``socket.getaddrinfo`` and ``socket.connect`` of this process. While a test watches, any
non-loopback destination is recorded *and refused* by the hook itself, so even a broken
guard sends no packet off this machine; the test then asserts on what was recorded. A
control test shows the watcher does see an unguarded request (the guard can fail).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_support import clean_environment, run_cli

from cruddur_lab.engine import settings as settings_module
from cruddur_lab.engine.lab import Lab, is_loopback
from cruddur_lab.errors import ConfigError, ConfirmationRequired, LoopbackViolation
from cruddur_lab.model import TABLE_NAME

# --- the network watcher -------------------------------------------------------------------

_WATCH: list[list[tuple[str, str]]] = []


def _is_local(host: Any) -> bool:
    text = str(host)
    if text.startswith("/") or text in {"localhost", ""}:
        return True  # Unix sockets (Postgres) and the loopback name
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH:
        return
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else address
    else:
        return
    if isinstance(host, bytes):
        host = host.decode()
    if not _is_local(host):
        _WATCH[-1].append((event, str(host)))
        raise ConnectionRefusedError(f"test watcher refused {host}: nothing may leave")


sys.addaudithook(_audit)


@contextlib.contextmanager
def watch_network() -> Iterator[list[tuple[str, str]]]:
    """Record (and refuse) every non-loopback lookup or connection inside the block."""
    seen: list[tuple[str, str]] = []
    _WATCH.append(seen)
    try:
        yield seen
    finally:
        _WATCH.remove(seen)


# --- the loopback guard --------------------------------------------------------------------


def embedded_lab_aimed_at(endpoint_url: str) -> Lab:
    """An embedded-engine Lab (loopback only) whose clients point at ``endpoint_url``."""
    settings = settings_module.resolve("embedded", environ={})
    return Lab(settings.with_(endpoint_url=endpoint_url, loopback_only=True))


CALLS = {
    "dynamodb client": lambda lab: lab.dynamodb.list_tables(),
    "table resource": lambda lab: lab.table.scan(),
    "streams": lambda lab: lab.streams.list_streams(),
    "cognito": lambda lab: lab.cognito.list_user_pools(MaxResults=1),
}


@pytest.mark.parametrize("target", ["http://10.255.255.1:8000", "https://example.com"])
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_guard_refuses_a_non_loopback_request_before_it_leaves(target, call):
    lab = embedded_lab_aimed_at(target)
    host = target.split("//")[1].split(":")[0]
    try:
        with watch_network() as seen, pytest.raises(LoopbackViolation) as raised:
            CALLS[call](lab)
    finally:
        lab.close()
    assert str(raised.value) == (
        f"blocked a request to {host}: the embedded engine only talks to loopback; "
        "choose --engine aws or endpoint to reach other hosts"
    )
    # Not even a DNS lookup: the hook ran before botocore opened anything.
    assert seen == []


def test_watcher_sees_an_unguarded_request_so_the_guard_test_can_fail():
    """Control: the same request without the guard reaches the socket layer (where the
    watcher refuses it), so the empty record above means the guard stopped it."""
    settings = settings_module.resolve(
        "endpoint", endpoint_url="http://10.255.255.1:8000", environ={}
    )
    lab = Lab(settings)
    try:
        with watch_network() as seen, pytest.raises(Exception) as raised:
            lab.dynamodb.list_tables()
    finally:
        lab.close()
    assert not isinstance(raised.value, LoopbackViolation)
    assert ("socket.getaddrinfo", "10.255.255.1") in seen


def test_embedded_lab_talks_only_to_loopback(lab):
    with watch_network() as seen:
        assert lab.dynamodb.list_tables()["TableNames"] == []
        lab.cognito.list_user_pools(MaxResults=1)
        lab.pg.execute("SELECT 1")
    assert seen == []


def test_embedded_lab_never_uses_real_credentials(monkeypatch, services):
    """Real keys in the environment stay unused: the embedded clients sign with dummies."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret-never-sent")
    lab = Lab.on_services(services)
    try:
        for client in (lab.dynamodb, lab.streams, lab.cognito):
            credentials = client._request_signer._credentials
            assert credentials.access_key == "testing"
            assert credentials.secret_key == "testing"
    finally:
        lab.close()


def test_endpoint_engine_does_not_probe_the_metadata_service(monkeypatch, tmp_path):
    """Without credentials, looking for them must not ask 169.254.169.254 (off-machine)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    settings = settings_module.resolve("endpoint", endpoint_url="http://127.0.0.1:9", environ={})
    lab = Lab(settings)
    try:
        with watch_network() as seen:
            credentials = lab.dynamodb._request_signer._credentials
    finally:
        lab.close()
    assert seen == []
    assert credentials.access_key == "testing"  # DynamoDB Local accepts any keys


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.9.9.9:8000", True),
        ("http://localhost:4566", True),
        ("http://[::1]:8000", True),
        ("http://10.255.255.1:8000", False),
        ("http://169.254.169.254/latest", False),
        ("http://0.0.0.0:8000", False),
        ("https://dynamodb.us-east-1.amazonaws.com", False),
        ("http://localhost.example.com:8000", False),
        ("http://127.0.0.1.nip.io:8000", False),
    ],
)
def test_is_loopback_accepts_only_loopback_hosts(url, loopback):
    assert is_loopback(url) is loopback


# --- aws only when chosen explicitly ------------------------------------------------------


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_PROFILE": "sandbox"},
        {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "eu-west-1"},
        {"AWS_DEFAULT_PROFILE": "default", "AWS_COGNITO_USER_POOL_ID": "eu-west-1_abc"},
    ],
    ids=["profile", "keys and region", "default profile and pool"],
)
def test_aws_settings_in_the_environment_do_not_select_aws(environ):
    assert settings_module.resolve(None, environ=environ).engine == "embedded"


@pytest.mark.parametrize(
    ("engine", "environ"),
    [("aws", {}), ("prod", {}), (None, {"CRUDDUR_ENGINE": "aws"})],
    ids=["--engine aws", "the bootcamp's prod", "CRUDDUR_ENGINE"],
)
def test_aws_is_used_when_named(engine, environ):
    resolved = settings_module.resolve(engine, environ=environ)
    assert (resolved.engine, resolved.engine_chosen) == ("aws", True)


def test_aws_engine_refuses_settings_it_was_not_chosen_by():
    from cruddur_lab.engine.lab import ENGINES

    defaulted = settings_module.resolve(None, environ={}).with_(engine="aws")
    with pytest.raises(ConfigError, match="only used when chosen: pass --engine aws"):
        ENGINES["aws"](defaulted, attach=False, port=0)


# --- destructive operations on aws ---------------------------------------------------------


class RequestRecorder:
    """A before-send hook that records every request and refuses to send it."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, request: Any, **_: Any) -> None:
        self.operations.append(request.headers.get("X-Amz-Target", b"").decode())
        raise ConnectionRefusedError("test recorder: no request may be sent")


@pytest.fixture
def aws_lab(monkeypatch):
    """A real `aws` Lab (credential chain, no endpoint) whose requests are recorded, never sent."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    lab = Lab.open("aws", region="eu-west-1", environ={})
    recorder = RequestRecorder()
    lab.dynamodb.meta.events.register_first("before-send.*.*", recorder)
    lab.recorder = recorder
    yield lab
    lab.close()


def test_drop_on_aws_without_yes_sends_nothing(aws_lab):
    from cruddur_lab.scripts.schema import drop

    with pytest.raises(ConfirmationRequired) as raised:
        drop(aws_lab)
    assert raised.value.exit_code == 3
    assert aws_lab.recorder.operations == []


def test_drop_on_aws_with_yes_goes_ahead(aws_lab):
    """Control: with yes=True the drop reaches DescribeTable (recorded, not sent)."""
    from cruddur_lab.scripts.schema import drop

    with pytest.raises(Exception):  # noqa: B017 - the recorder refuses the first request
        drop(aws_lab, yes=True)
    assert aws_lab.recorder.operations == ["DynamoDB_20120810.DescribeTable"]


@pytest.fixture
def aws_like_lab(services, monkeypatch):
    """The `aws` engine's rules (is_aws) on the session's moto: reseeding and dropping a
    table that holds data can be exercised for real."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    services.reset()
    settings = settings_module.resolve("aws", environ={}).with_(
        endpoint_url=services.endpoint_url,
        connection_url=services.connection_url,
        now="2026-03-01T12:00:00+00:00",
    )
    lab = Lab(settings)
    yield lab
    lab.close()


def test_reseeding_a_non_empty_aws_table_needs_yes(aws_like_lab):
    from cruddur_lab.scripts.reads import scan
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    schema_load(aws_like_lab)
    first = seed(aws_like_lab, messages=10)  # empty table: no confirmation needed
    assert first.messages_written == 10
    before = scan(aws_like_lab).items
    with pytest.raises(ConfirmationRequired, match="add --yes"):
        seed(aws_like_lab, messages=20)
    assert scan(aws_like_lab).items == before
    assert seed(aws_like_lab, messages=20, yes=True).messages_written == 10


def test_dropping_an_aws_table_needs_yes(aws_like_lab):
    from cruddur_lab.scripts.schema import drop, schema_load, table_exists

    schema_load(aws_like_lab)
    with pytest.raises(ConfirmationRequired):
        drop(aws_like_lab)
    assert table_exists(aws_like_lab)
    assert drop(aws_like_lab, yes=True) is True
    assert not table_exists(aws_like_lab)


def test_lesson_reset_on_aws_needs_yes(aws_like_lab):
    """Issue 15 item 2: the notebooks' preparation with reset=True dropped a real table
    without asking (it called drop(..., yes=True)). Now reset needs the same yes as drop."""
    from cruddur_lab.scripts.lesson_data import ensure_lesson_data
    from cruddur_lab.scripts.reads import scan
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    schema_load(aws_like_lab)
    seed(aws_like_lab, messages=10)
    before = scan(aws_like_lab).items
    with pytest.raises(ConfirmationRequired, match="refusing to drop table"):
        ensure_lesson_data(aws_like_lab, messages=10, reset=True)
    assert scan(aws_like_lab).items == before


def test_lesson_preparation_on_aws_runs_again_with_one_yes(aws_like_lab):
    """Issue 15 item 3: from the second notebook on, preparation finds the table seeded; on
    aws that needed a yes nobody could give. The notebooks' yes parameter gives it."""
    from cruddur_lab.scripts.lesson_data import ensure_lesson_data

    first = ensure_lesson_data(aws_like_lab, messages=10, yes=True)
    second = ensure_lesson_data(aws_like_lab, messages=10, yes=True)
    assert "messages written: 10" in first
    assert "messages written: 0 (already there: 10)" in second


def test_walkthrough_on_aws_runs_to_the_end_with_one_yes(aws_like_lab):
    """Issue 15 item 3: the walkthrough seeds twice; on aws the second seed asked for a
    --yes the walkthrough did not have. One yes now covers every step."""
    from cruddur_lab.cli.walkthrough import walkthrough

    lines: list[str] = []
    walkthrough(aws_like_lab, lines.append, messages=10, yes=True)
    assert lines[-1] == "\nwalkthrough complete"
    assert any(
        line.startswith("second run: users inserted: 0; messages written: 0") for line in lines
    )


def test_walkthrough_on_aws_without_yes_writes_nothing(aws_like_lab):
    from cruddur_lab.cli.walkthrough import walkthrough
    from cruddur_lab.scripts.schema import table_exists

    lines: list[str] = []
    with pytest.raises(ConfirmationRequired):
        walkthrough(aws_like_lab, lines.append, messages=10)
    assert lines == []
    assert not table_exists(aws_like_lab)
    assert aws_like_lab.cognito.list_user_pools(MaxResults=10)["UserPools"] == []


# --- production-looking names ---------------------------------------------------------------


def _cli(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(argv, clean_environment(**env))


def test_prod_looking_table_and_profile_are_warned_about_on_stderr(tmp_path):
    result = _cli(
        ["list-tables", "--table", "cruddur-messages-prod"],
        AWS_PROFILE="ProdAdmin",
        CRUDDUR_LAB_STATE=str(tmp_path / "up.json"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "(no tables)\n"
    assert result.stderr.splitlines() == [
        "cruddur-lab: warning: table 'cruddur-messages-prod' looks like a production table: "
        "use a lab table (--table) unless you mean it",
        "cruddur-lab: warning: AWS profile 'ProdAdmin' looks like a production account "
        "(only engine aws uses it): use a sandbox profile unless you mean it",
    ]


@pytest.mark.parametrize(
    ("table", "profile", "count"),
    [
        (TABLE_NAME, None, 0),
        (TABLE_NAME, "sandbox", 0),
        ("messages-PROD", None, 1),
        (TABLE_NAME, "production", 1),
        ("prod", "prod", 2),
    ],
)
def test_production_warnings(table, profile, count):
    settings = settings_module.resolve("aws", table_name=table, profile=profile, environ={})
    warnings = settings_module.production_warnings(settings)
    assert len(warnings) == count
    assert all("unless you mean it" in warning for warning in warnings)


# --- credentials are never printed -----------------------------------------------------------


def test_settings_repr_hides_the_postgres_password():
    settings = settings_module.resolve(
        "embedded", connection_url="postgresql://postgres:s3cret@127.0.0.1:5432/cruddur", environ={}
    )
    assert "s3cret" not in repr(settings)
    assert "postgresql://postgres:***@127.0.0.1:5432/cruddur" in repr(settings)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:s3cret@127.0.0.1:{port}/cruddur",
        "postgresql://postgres@127.0.0.1:{port}/cruddur?password=s3cret",
        "host=127.0.0.1 port={port} dbname=cruddur user=postgres password=s3cret",
    ],
    ids=["in the authority", "in the query", "key=value form"],
)
def test_postgres_errors_never_show_the_password(url):
    import socket

    from cruddur_lab.engine.lab import connect_postgres
    from cruddur_lab.errors import PostgresUnreachable

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PostgresUnreachable) as raised:
        connect_postgres(url.format(port=port))
    assert "s3cret" not in str(raised.value)
    assert "***" in str(raised.value)


def test_aws_errors_never_show_the_secret_key(tmp_path):
    """A failing aws command (dead proxy: nothing leaves) prints neither key nor token."""
    result = _cli(
        ["list-tables", "--engine", "aws"],
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_SESSION_TOKEN="session-token-never-printed",
        HTTPS_PROXY="http://127.0.0.1:9",
        CRUDDUR_LAB_STATE=str(tmp_path / "up.json"),
    )
    assert result.returncode == 1
    assert result.stderr == (
        "cruddur-lab: error: cannot reach AWS in us-east-1: check your network, proxy "
        "settings and --region\n"
    )
    for secret in ("wJalrXUtnFEMI", "session-token-never-printed", "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in result.stdout + result.stderr


def test_rejected_credentials_error_names_no_key():
    from botocore.exceptions import ClientError

    from cruddur_lab.errors import from_client_error

    error = ClientError(
        {
            "Error": {
                "Code": "UnrecognizedClientException",
                "Message": "The security token included in the request is invalid.",
            }
        },
        "ListTables",
    )
    translated = from_client_error(error, table_name=TABLE_NAME)
    assert isinstance(translated, ConfigError)
    assert str(translated) == (
        "AWS rejected the credentials (UnrecognizedClientException): check your profile or "
        "AWS_* variables"
    )


_SECRET_PATTERNS = (
    r"postgres(?:ql)?://[^:/\s]+:(?!\*\*\*@)[^@\s/]+@",  # a URL with a visible password
    r"AKIA[0-9A-Z]{16}",  # an AWS access key id
    r"aws_secret_access_key",
)


def test_notebook_outputs_hold_no_credentials():
    """Stored notebook outputs (what nbval compares and learners see) show no secrets."""
    import re

    notebooks = sorted(Path(__file__).resolve().parents[1].glob("notebooks/**/*.ipynb"))
    if not notebooks:
        pytest.skip("no notebooks in this checkout yet")
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        outputs = json.dumps([cell.get("outputs", []) for cell in cells])
        for pattern in _SECRET_PATTERNS:
            assert not re.search(pattern, outputs, re.IGNORECASE), f"{path.name}: {pattern}"


def test_unknown_profile_on_aws_is_one_line_and_sends_nothing(tmp_path):
    result = _cli(
        ["drop", "--engine", "aws", "--profile", "nosuch", "--yes"],
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        HTTPS_PROXY="http://127.0.0.1:9",
        CRUDDUR_LAB_STATE=str(tmp_path / "up.json"),
    )
    assert result.returncode == 2
    assert result.stderr == (
        "cruddur-lab: error: AWS profile 'nosuch' is not configured on this machine: run "
        "`aws configure --profile nosuch` or fix --profile / AWS_PROFILE\n"
    )


def test_a_missing_aws_profile_does_not_break_the_embedded_engine(tmp_path):
    """AWS_PROFILE is set in many shells; the embedded engine must not even read it."""
    result = _cli(
        ["list-tables"],
        AWS_PROFILE="left-over-from-work",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        CRUDDUR_LAB_STATE=str(tmp_path / "up.json"),
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "(no tables)\n", "")
