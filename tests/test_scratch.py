"""Scratch copies measure the write patterns on the learner's data, at the learner's time."""

from __future__ import annotations

import pytest

from cruddur_lab.app.patterns import create_message, provision_caller
from cruddur_lab.errors import ConfigError, CruddurLabError
from cruddur_lab.model import SEED_GROUP_UUID
from cruddur_lab.modeling.catalogue import build_catalogue
from cruddur_lab.modeling.scratch import scratch_table
from cruddur_lab.scripts.lesson_data import move_clock_past_data
from cruddur_lab.scripts.schema import list_tables


def test_a_scratch_copy_keeps_the_clock_a_lesson_moved_past_its_data(seeded_lab):
    """A batch run with kept data moves the pinned clock past the newest message; a scratch
    copy with the settings' original pin wrote Pattern C's message onto existing keys."""
    caller = provision_caller(seeded_lab, "andrewbrown")
    for n in range(3):  # Pattern C tries three timestamps before it gives up
        create_message(seeded_lab, caller, SEED_GROUP_UUID, f"written at the pin, {n}")
    assert move_clock_past_data(seeded_lab) is not None
    entries = {e["pattern"]: e for e in build_catalogue(seeded_lab)}
    assert entries["C"]["operations"][-1] == "PutItem"


def _protect(scratch) -> None:
    """What makes DeleteTable fail on AWS and moto alike: deletion protection."""
    scratch.dynamodb.update_table(
        TableName=scratch.settings.table_name, DeletionProtectionEnabled=True
    )


def _unprotect_and_drop(lab, name: str) -> None:
    lab.dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
    lab.dynamodb.delete_table(TableName=name)


def test_a_scratch_table_is_deleted_on_exit(lab):
    with scratch_table(lab, copy=False, drain_stream=False) as scratch:
        name = scratch.settings.table_name
        assert name in list_tables(lab)
    assert name not in list_tables(lab)


def test_a_scratch_table_that_cannot_be_deleted_is_reported(lab):
    """It was suppressed: a leaked scratch table went unreported."""
    with (
        pytest.raises(CruddurLabError) as caught,
        scratch_table(lab, copy=False, drain_stream=False) as scratch,
    ):
        name = scratch.settings.table_name
        _protect(scratch)
    assert str(caught.value).startswith(f"scratch table {name!r} was left behind (")
    assert str(caught.value).endswith(f"): delete it with `cruddur-lab drop --table {name}`")
    assert name in list_tables(lab)
    _unprotect_and_drop(lab, name)


def test_a_leak_is_noted_on_the_error_that_ended_the_block(lab):
    with (
        pytest.raises(ValueError) as caught,
        scratch_table(lab, copy=False, drain_stream=False) as scratch,
    ):
        name = scratch.settings.table_name
        _protect(scratch)
        raise ValueError("the measurement failed")
    assert caught.value.__notes__[0].startswith(f"scratch table {name!r} was left behind")
    _unprotect_and_drop(lab, name)


def test_the_design_comparison_refuses_aws_before_sending_anything():
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.engine.settings import resolve
    from cruddur_lab.modeling.scratch import make_table, scratch_lab

    aws = Lab(resolve("aws", environ={}))
    with pytest.raises(ConfigError) as caught:
        make_table(scratch_lab(aws, "cruddur-alt-x"), refusal="not on AWS: use the embedded engine")
    assert str(caught.value) == "not on AWS: use the embedded engine"
