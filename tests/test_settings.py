"""Settings: argument → environment → default, and the state file of `cruddur-lab up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from cruddur_lab.engine.settings import read_state, resolve, state_path, write_state
from cruddur_lab.errors import ConfigError


def test_defaults_are_the_embedded_engine_and_the_bootcamp_table():
    settings = resolve(environ={})
    assert settings.engine == "embedded"
    assert not settings.engine_chosen
    assert settings.table_name == "cruddur-messages"
    assert settings.region == "us-east-1"
    assert settings.endpoint_url is None and settings.connection_url is None
    assert settings.user_pool_id is None and settings.now is None


def test_bootcamp_environment_variables_are_read():
    settings = resolve(
        environ={
            "AWS_ENDPOINT_URL": "http://localhost:8000",
            "CONNECTION_URL": "postgresql://postgres:password@localhost:5432/cruddur",
            "DDB_MESSAGE_TABLE": "my-messages",
            "AWS_COGNITO_USER_POOL_ID": "us-east-1_abc",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "CRUDDUR_NOW": "2025-12-31T23:00:00+00:00",
        }
    )
    assert settings.engine == "endpoint"
    assert settings.endpoint_url == "http://localhost:8000"
    assert settings.connection_url == "postgresql://postgres:password@localhost:5432/cruddur"
    assert settings.table_name == "my-messages"
    assert settings.user_pool_id == "us-east-1_abc"
    assert settings.region == "eu-west-1"
    assert settings.now == "2025-12-31T23:00:00+00:00"


def test_arguments_win_over_environment():
    env = {"DDB_MESSAGE_TABLE": "from-env", "AWS_REGION": "eu-west-1", "CRUDDUR_NOW": "real"}
    settings = resolve(table_name="from-arg", region="ap-south-1", now="2026-01-01", environ=env)
    assert (settings.table_name, settings.region, settings.now) == (
        "from-arg",
        "ap-south-1",
        "2026-01-01",
    )


def test_dynamodb_specific_endpoint_variable_wins_over_the_global_one():
    settings = resolve(
        environ={
            "AWS_ENDPOINT_URL": "http://global:1",
            "AWS_ENDPOINT_URL_DYNAMODB": "http://dynamo:2",
        }
    )
    assert settings.endpoint_url == "http://dynamo:2"


def test_engine_from_environment_counts_as_chosen():
    settings = resolve(environ={"CRUDDUR_ENGINE": "aws"})
    assert settings.engine == "aws" and settings.engine_chosen


def test_prod_is_the_bootcamps_name_for_aws():
    assert resolve("prod", environ={}).engine == "aws"


def test_unknown_engine_is_one_line_listing_the_choices():
    with pytest.raises(ConfigError) as caught:
        resolve("local", environ={})
    assert str(caught.value) == (
        "unknown engine 'local': choose one of embedded, endpoint, aws (--engine or CRUDDUR_ENGINE)"
    )
    assert caught.value.exit_code == 2


def test_embedded_with_an_endpoint_in_the_environment_is_a_conflict():
    with pytest.raises(ConfigError, match=r"engine 'embedded' conflicts with AWS_ENDPOINT_URL"):
        resolve("embedded", environ={"AWS_ENDPOINT_URL": "http://localhost:8000"})


def test_endpoint_engine_without_a_url_says_how_to_give_one():
    with pytest.raises(ConfigError, match=r"pass --endpoint-url or set AWS_ENDPOINT_URL"):
        resolve("endpoint", environ={})


def test_aws_engine_with_an_endpoint_is_a_conflict():
    with pytest.raises(ConfigError, match=r"engine 'aws' conflicts with the endpoint"):
        resolve("aws", endpoint_url="http://localhost:8000", environ={})


def test_state_path_follows_the_environment_variable(tmp_path):
    target = tmp_path / "x" / "state.json"
    assert state_path({"CRUDDUR_LAB_STATE": str(target)}) == target
    assert resolve(environ={"CRUDDUR_LAB_STATE": str(target)}).state_file == str(target)
    assert resolve(environ={}).state_file is None
    default = state_path({}, "8000")
    assert default.name == "up-8000.json" and f"cruddur-lab-{os.getuid()}" in str(default)


def test_state_round_trips_while_its_process_lives(tmp_path):
    path = tmp_path / "deep" / "up.json"
    state = {"pid": os.getpid(), "endpoint_url": "http://127.0.0.1:1", "connection_url": "pg"}
    write_state(path, state)
    # The process's start time is recorded with its pid: a reused pid is told apart.
    assert read_state(path) == {**state, "started": psutil.Process().create_time()}
    assert [p.name for p in path.parent.iterdir()] == ["up.json"]


def test_state_of_a_dead_process_is_ignored(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    path = tmp_path / "up.json"
    path.write_text(
        json.dumps(
            {"pid": int(finished.stdout), "started": 1.0, "endpoint_url": "http://127.0.0.1:1"}
        )
    )
    assert read_state(path) is None


def test_state_whose_pid_now_belongs_to_another_program_is_ignored(tmp_path):
    """The pid lives (it is this test's), but not the process that wrote the record: its
    start time differs, as after a killed `up` whose pid the system gave to another program."""
    path = tmp_path / "up.json"
    started = psutil.Process().create_time()
    endpoint = {"endpoint_url": "http://127.0.0.1:1"}
    path.write_text(json.dumps({"pid": os.getpid(), "started": started - 60.0, **endpoint}))
    assert read_state(path) is None
    path.write_text(json.dumps({"pid": "x", "started": started, **endpoint}))
    assert read_state(path) is None
    path.write_text(json.dumps({"pid": os.getpid(), "started": started, **endpoint}))
    assert read_state(path) is not None


def test_a_missing_state_file_is_no_up(tmp_path):
    assert read_state(tmp_path / "up.json") is None


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "not a JSON object"),
        ("not json", "not a JSON object"),
        ("[]", "not a JSON object"),
        ("{}", "no pid, started, endpoint_url"),
        ('{"pid": 1, "endpoint_url": "http://127.0.0.1:1"}', "no started"),
    ],
)
def test_a_state_file_that_is_no_record_is_refused_in_one_line(tmp_path, content, why):
    """Was "ignored" before issue 22: a record `up` did not write is said, with the fix."""
    path = tmp_path / "up.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        read_state(path)
    assert str(refused.value) == (
        f"state file {path} is not a record of `cruddur-lab up` ({why}): delete it"
    )


def test_state_files_are_private_and_written_whole(tmp_path):
    path = tmp_path / "new" / "up.json"
    write_state(path, {"pid": os.getpid(), "endpoint_url": "http://127.0.0.1:1"})
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"  # created by write_state
    write_state(path, {"pid": os.getpid(), "endpoint_url": "http://127.0.0.1:2"})
    assert read_state(path)["endpoint_url"] == "http://127.0.0.1:2"
    assert [p.name for p in path.parent.iterdir()] == ["up.json"]  # no temporary left


def test_the_default_state_folder_is_created_0700_and_an_old_0755_one_tightened(
    tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"cruddur-lab-{os.getuid()}"
    path = state_path({}, "lab1")
    write_state(path, {"pid": os.getpid(), "endpoint_url": "http://127.0.0.1:1"})
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    folder.chmod(0o755)  # as an `up` from before issue 22 left it
    from cruddur_lab.engine.upstate import running

    assert [up.name for up in running()] == ["lab1"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_settings_with_returns_a_changed_copy():
    settings = resolve(environ={})
    changed = settings.with_(table_name="t2")
    assert changed.table_name == "t2" and settings.table_name == "cruddur-messages"


PACKAGE = Path(__file__).resolve().parents[1] / "cruddur_lab"
#: Modules that build a *child's* environment (kernels, JupyterLab) rather than read settings.
CHILD_ENVIRONMENT_BUILDERS = {"settings", "notebooks", "lab_server"}
MODULES = sorted(
    path.stem
    for path in PACKAGE.glob("*.py")
    if path.stem not in CHILD_ENVIRONMENT_BUILDERS | {"__init__"}
)


@pytest.mark.parametrize("name", MODULES)
def test_only_settings_reads_the_environment(name):
    source = (PACKAGE / f"{name}.py").read_text()
    assert "os.environ" not in source and "os.getenv" not in source


def test_a_bad_clock_setting_is_refused_while_resolving():
    with pytest.raises(ConfigError, match=r"now='soon' is not an ISO-8601 time"):
        resolve(environ={"CRUDDUR_NOW": "soon"})
    assert resolve(now="real", environ={}).now == "real"


def test_up_on_another_engine_is_refused_not_ignored():
    with pytest.raises(ConfigError) as caught:
        resolve("aws", up="lab1", environ={})
    assert str(caught.value) == (
        "--up 'lab1' is only used by engine embedded (it picks a running `cruddur-lab up`): "
        "drop it, or drop --engine aws and AWS_ENDPOINT_URL"
    )
    # The variable may be set for a whole shell; only the option is refused.
    assert resolve("aws", environ={"CRUDDUR_LAB_UP": "lab1"}).up == "lab1"
