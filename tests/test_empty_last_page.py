"""Walking pages the way AWS ends them: a page that stops exactly at ``Limit`` still carries
``LastEvaluatedKey``, so the request after the last full page answers with no items.

moto returns ``LastEvaluatedKey`` only when another item exists, so it never produces that
empty page. A botocore Stubber stands in for that one AWS behaviour: the responses are built
from the real seeded items (read from moto first), arranged into the pages AWS would send.
Docs: "If LastEvaluatedKey is not empty, it does not necessarily mean that there is more data
in the result set" (DynamoDB API reference, Query, LastEvaluatedKey).
"""

from __future__ import annotations

import copy

import pytest
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer
from botocore.stub import Stubber

from cruddur_lab.app.patterns import list_messages, provision_caller, walk_message_pages
from cruddur_lab.app.validation import encode_page_token
from cruddur_lab.model import GSI_NAME, PAGE_SIZE, SEED_GROUP_UUID, SEED_MESSAGES, message_pk
from cruddur_lab.notebook.display import describe_page
from cruddur_lab.scripts.reads import get_conversation

_SERIALIZER = TypeSerializer()


def wire(item: dict) -> dict:
    return {name: _SERIALIZER.serialize(value) for name, value in item.items()}


def key_of(item: dict) -> dict:
    return wire({"pk": item["pk"], "sk": item["sk"]})


def aws_pages(newest_first: list[dict], *, empty_page_has_key: bool) -> list[dict]:
    """Query pages as AWS sends them: every full page keyed, then one empty page.

    With ``empty_page_has_key`` the empty page also carries a key (a page can end on the
    1 MB limit or after a filter with nothing to show) and a second empty page ends the walk.
    """
    pages = []
    for start in range(0, len(newest_first), PAGE_SIZE):
        chunk = newest_first[start : start + PAGE_SIZE]
        page = {"Items": [wire(i) for i in chunk], "Count": len(chunk), "ScannedCount": len(chunk)}
        if len(chunk) == PAGE_SIZE:
            page["LastEvaluatedKey"] = key_of(chunk[-1])
        pages.append(page)
    empty = {"Items": [], "Count": 0, "ScannedCount": 0}
    if empty_page_has_key:
        pages.append({**empty, "LastEvaluatedKey": key_of(newest_first[-1])})
    pages.append(empty)
    return pages


@pytest.fixture
def seeded(seeded_lab):
    caller = provision_caller(seeded_lab, "andrewbrown")
    newest_first = seeded_lab.table.query(
        KeyConditionExpression=Key("pk").eq(message_pk(SEED_GROUP_UUID)), ScanIndexForward=False
    )["Items"]
    group_rows = seeded_lab.table.query(
        IndexName=GSI_NAME, KeyConditionExpression=Key("message_group_uuid").eq(SEED_GROUP_UUID)
    )["Items"]
    assert len(newest_first) == SEED_MESSAGES and SEED_MESSAGES % PAGE_SIZE == 0
    return seeded_lab, caller, newest_first, group_rows


@pytest.mark.parametrize("empty_page_has_key", [False, True], ids=["aws-final", "keyed-empty"])
def test_pattern_a_walks_every_page_when_aws_ends_with_an_empty_page(seeded, empty_page_has_key):
    lab, caller, newest_first, group_rows = seeded
    pages = aws_pages(newest_first, empty_page_has_key=empty_page_has_key)
    membership = {"Items": [wire(r) for r in group_rows], "Count": 2, "ScannedCount": 2}
    with Stubber(lab.dynamodb) as stub:
        for page in pages:
            # The membership check on the index; boto3 turns a response's typed values into
            # plain ones in place, so each answer is a copy of its own.
            stub.add_response("query", copy.deepcopy(membership))
            stub.add_response("query", page)
        walked = list(walk_message_pages(lab, caller, SEED_GROUP_UUID))
        stub.assert_no_pending_responses()

    assert [p.count for p in walked] == [PAGE_SIZE] * (SEED_MESSAGES // PAGE_SIZE) + [0] * (
        len(pages) - SEED_MESSAGES // PAGE_SIZE
    )
    assert walked[-1].next_token is None
    shown = [item for page in reversed(walked) for item in page.items]
    assert shown == list(reversed(newest_first))
    lines = [describe_page(number, page) for number, page in enumerate(walked, start=1)]
    assert lines[0].startswith("page 1:  20 messages, ")
    assert lines[-1].startswith(f"page {len(walked)}:   0 messages (empty:")


def test_one_page_at_a_time_the_empty_page_is_an_answer_not_an_error(seeded):
    lab, caller, newest_first, group_rows = seeded
    last_full = aws_pages(newest_first, empty_page_has_key=False)[-1]
    membership = {"Items": [wire(r) for r in group_rows], "Count": 2, "ScannedCount": 2}
    with Stubber(lab.dynamodb) as stub:
        stub.add_response("query", membership)
        stub.add_response("query", last_full)
        token = encode_page_token({k: newest_first[-1][k] for k in ("pk", "sk")})
        page = list_messages(lab, caller, SEED_GROUP_UUID, page_token=token)
    assert page.items == [] and page.next_token is None


def test_get_conversation_reads_all_pages_when_aws_ends_with_an_empty_page(seeded):
    lab, _caller, newest_first, _rows = seeded
    pages = aws_pages(newest_first, empty_page_has_key=False)
    described = lab.dynamodb.describe_table(TableName=lab.settings.table_name)
    described.pop("ResponseMetadata")
    # moto says 0 where the API's own model requires at least 1 (the Stubber validates).
    for throughput in [described["Table"], *described["Table"]["GlobalSecondaryIndexes"]]:
        throughput["ProvisionedThroughput"].pop("NumberOfDecreasesToday", None)
    with Stubber(lab.dynamodb) as stub:
        # require_table: one DescribeTable says both that it exists and that it matches.
        stub.add_response("describe_table", described)
        for page in pages:
            stub.add_response("query", page)
        result = get_conversation(lab, pages=0)
        stub.assert_no_pending_responses()
    assert result.pages == len(pages)
    assert result.count == SEED_MESSAGES
    assert result.items == list(reversed(newest_first))
    assert result.last_evaluated_key is None
