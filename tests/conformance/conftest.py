"""The conformance tests' fixture: a raw client on a fresh engine with two small tables.

The tests in this folder each follow a page of AWS's DynamoDB API reference (named in
their docstrings), not another emulator's suite, and run against the embedded engine.
"""

from __future__ import annotations

import pytest
from conformance_support import make_tables, raw_client


@pytest.fixture
def ddb(lab):
    """A raw client on a fresh embedded engine holding the two conformance tables."""
    client = raw_client(lab)
    make_tables(client)
    return client
