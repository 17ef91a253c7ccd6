"""Learners sharing one account: a table-name prefix, and a cleanup that deletes only the
tables carrying it (on AWS only with --yes, checked before any request)."""

from __future__ import annotations

from lab_support import clean_environment, run_cli

from cruddur_lab.engine.lab import Lab
from cruddur_lab.engine.settings import resolve
from cruddur_lab.scripts.schema import cleanup, list_tables, schema_load


def test_the_table_prefix_goes_in_front_of_the_table_name():
    assert resolve("embedded", table_prefix="alice-", environ={}).table_name == (
        "alice-cruddur-messages"
    )
    from_env = resolve("embedded", table_name="bench", environ={"CRUDDUR_TABLE_PREFIX": "bob-"})
    assert from_env.table_name == "bob-bench"
    # A name that already carries the prefix does not get it twice.
    assert resolve("embedded", table_name="bob-x1", table_prefix="bob-", environ={}).table_name == (
        "bob-x1"
    )


def test_cleanup_deletes_only_the_tables_that_start_with_the_prefix(lab, services):
    for name in ("alice-one", "alice-two", "bob-one", "alicexyz"):
        schema_load(Lab.on_services(services, table_name=name), billing_mode="PAY_PER_REQUEST")

    dropped = cleanup(lab, "alice-")

    assert dropped == ["alice-one", "alice-two"]
    assert list_tables(lab) == ["alicexyz", "bob-one"]


def test_cleanup_on_aws_without_yes_is_refused_with_exit_3():
    result = run_cli(
        ["cleanup", "--prefix", "alice-", "--engine", "aws", "--region", "eu-west-1"],
        clean_environment(),
    )
    assert result.returncode == 3
    assert result.stderr == (
        "cruddur-lab: error: refusing to delete every table whose name starts with 'alice-' "
        "on real AWS without confirmation: add --yes if you really mean it\n"
    )


def test_cleanup_with_a_one_character_prefix_is_refused_with_exit_2():
    result = run_cli(["cleanup", "--prefix", "a", "--engine", "aws", "--yes"], clean_environment())
    assert result.returncode == 2
    assert result.stderr.startswith("cruddur-lab: error: --prefix 'a' would match too many")
