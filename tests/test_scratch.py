"""Scratch copies measure the write patterns on the learner's data, at the learner's time."""

from __future__ import annotations

from cruddur_lab.app.patterns import create_message, provision_caller
from cruddur_lab.model import SEED_GROUP_UUID
from cruddur_lab.modeling.catalogue import build_catalogue
from cruddur_lab.scripts.lesson_data import move_clock_past_data


def test_a_scratch_copy_keeps_the_clock_a_lesson_moved_past_its_data(seeded_lab):
    """A batch run with kept data moves the pinned clock past the newest message; a scratch
    copy with the settings' original pin wrote Pattern C's message onto existing keys."""
    caller = provision_caller(seeded_lab, "andrewbrown")
    for n in range(3):  # Pattern C tries three timestamps before it gives up
        create_message(seeded_lab, caller, SEED_GROUP_UUID, f"written at the pin, {n}")
    assert move_clock_past_data(seeded_lab) is not None
    entries = {e["pattern"]: e for e in build_catalogue(seeded_lab)}
    assert entries["C"]["operations"][-1] == "PutItem"
