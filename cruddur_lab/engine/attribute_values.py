"""A shorter road through moto's response serializer for DynamoDB attribute values.

moto 5.2 writes every response by walking botocore's output model: for each attribute of
each item it visits the ten members of ``AttributeValue`` (``S``, ``N``, ``B``, ``SS`` ...)
and asks its attribute picker for each one under up to six aliases and their snake_case
forms. Items are already wire-format dicts by then (``{"S": "text"}``), so nearly all of that
search finds nothing; it was most of the engine's time on a Query or Scan that returns items.

``install()`` wraps the JSON serializer's structure step: an ``AttributeValue`` that is a
dict whose keys are all the model's member names is written directly, by the same rules
moto applies (members in the model's order, ``None`` members left out, strings through
``str``, binary base64-encoded, sets and lists and maps member by member). Anything else
(another shape, a value of another type, a key the model lacks, a ``None`` inside a list or
map) goes to moto's own code unchanged. tests/test_attribute_values.py compares both on
generated values. Response bodies are byte for byte what moto would send.
"""

from __future__ import annotations

import functools
from typing import Any

_INSTALLED = False
#: Returned when a value leaves the road this module knows: moto's own code takes it.
_MOTO = object()


def install() -> None:
    """Wrap moto's JSON serializer (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.core.serialize import BaseJSONSerializer

    BaseJSONSerializer._serialize_type_structure = _direct_attribute_values(
        BaseJSONSerializer._serialize_type_structure
    )
    _INSTALLED = True


def _direct_attribute_values(original: Any) -> Any:
    @functools.wraps(original)
    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue":
            written = attribute_value(self, value, shape)
            if written is not _MOTO:
                serialized[shape.serialization.get("name", key)] = written
                return
        original(self, serialized, value, shape, key)

    return serialize_structure


def attribute_value(serializer: Any, value: Any, shape: Any) -> Any:
    """``value`` (an ``AttributeValue``) as moto's serializer writes it, or ``_MOTO``."""
    if type(value) is not dict:
        return _MOTO
    members = shape.members
    if not value.keys() <= members.keys():
        return _MOTO
    written = {}
    for name, member in members.items():  # the model's order: moto writes in it
        member_value = value.get(name)
        if member_value is None:
            continue
        member_written = _member(serializer, member_value, member)
        if member_written is _MOTO:
            return _MOTO
        written[member.serialization.get("name", name)] = member_written
    return written


def _member(serializer: Any, value: Any, shape: Any) -> Any:
    kind = shape.type_name
    if kind == "string":
        return value if type(value) is str else _MOTO
    if kind == "boolean":
        return value if type(value) is bool else _MOTO
    if kind == "blob":
        return serializer._base64(value) if isinstance(value, bytes | str) else _MOTO
    if kind == "structure" and shape.name == "AttributeValue":
        return attribute_value(serializer, value, shape)
    if kind == "list" and type(value) is list:
        items = [_member(serializer, item, shape.member) for item in value if item is not None]
        if len(items) != len(value) or any(item is _MOTO for item in items):
            return _MOTO
        return items
    # moto writes an empty map key's members into the map itself: its own code does that.
    if kind == "map" and type(value) is dict and all(type(k) is str and k for k in value):
        entries = {k: _member(serializer, v, shape.value) for k, v in value.items()}
        return _MOTO if any(v is _MOTO for v in entries.values()) else entries
    return _MOTO
