"""The app's input rules (``app.validation``): each refusal is one line with its code."""

from __future__ import annotations

import pytest

from cruddur_lab.app import validation
from cruddur_lab.errors import InvalidInput
from cruddur_lab.model import SEED_GROUP_UUID, message_pk


def refused(call, *args) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value


def test_a_blank_message_is_refused():
    assert refused(validation.require_text, "  \n").code == "message_blank"
    assert refused(validation.require_text, None).code == "message_blank"


def test_a_message_of_1024_characters_fits_and_1025_does_not():
    assert validation.require_text("x" * 1024) == "x" * 1024
    error = refused(validation.require_text, "x" * 1025)
    assert error.code == "message_exceed_max_chars"
    assert str(error) == "the message has 1025 characters, more than the 1024 allowed: shorten it"


def test_a_lone_surrogate_is_refused_naming_its_position():
    error = refused(validation.require_text, "ab\udcff")
    assert error.code == "message_invalid_characters"
    assert "character 3 is a lone surrogate" in str(error)


def test_a_group_uuid_is_kept_in_its_canonical_lower_case_form():
    assert validation.require_group_uuid(SEED_GROUP_UUID.upper()) == SEED_GROUP_UUID
    assert refused(validation.require_group_uuid, "nope").code == "invalid_message_group_uuid"
    assert refused(validation.require_group_uuid, " ").code == "message_group_uuid_blank"


def test_a_handle_is_stripped_and_a_blank_one_refused():
    assert validation.require_handle("  bayko ") == "bayko"
    assert refused(validation.require_handle, "").code == "receiver_handle_blank"


@pytest.mark.parametrize("limit", [0, -1, True, 2.5, "3"])
def test_a_limit_must_be_a_whole_number_of_at_least_one(limit):
    assert refused(validation.require_limit, limit, 20).code == "invalid_limit"


def test_no_limit_means_the_default():
    assert validation.require_limit(None, 20) == 20


def test_a_page_token_carries_the_last_key_back_unchanged():
    key = {"pk": message_pk(SEED_GROUP_UUID), "sk": "2025-01-01T00:00:00+00:00"}
    token = validation.encode_page_token(key)
    assert validation.decode_page_token(token, key["pk"]) == key
    assert validation.encode_page_token(None) is None
    assert validation.decode_page_token(None, key["pk"]) is None


def test_a_page_token_of_another_conversation_or_made_up_is_refused():
    key = {"pk": message_pk(SEED_GROUP_UUID), "sk": "2025-01-01T00:00:00+00:00"}
    token = validation.encode_page_token(key)
    other = refused(validation.decode_page_token, token, "GRP#someone")
    assert other.code == "invalid_page_token" and "another conversation" in str(other)
    assert refused(validation.decode_page_token, "!!", key["pk"]).code == "invalid_page_token"
