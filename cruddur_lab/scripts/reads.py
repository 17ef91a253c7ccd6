"""The read scripts: ``scan``, ``get-conversation`` and ``list-conversations``.

None of them filters on ``begins_with(sk, <this year>)`` as the bootcamp's did: that filter
made last year's conversations vanish every first of January.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab.engine.trace import reported_units
from cruddur_lab.errors import InvalidArgument, NotFound
from cruddur_lab.model import (
    GROUP_ATTRIBUTES,
    GSI_NAME,
    GSI_PARTITION_KEY,
    MESSAGE_ATTRIBUTES,
    PAGE_SIZE,
    SEED_GROUP_HANDLES,
    SEED_GROUP_UUID,
    group_pk,
    message_pk,
)
from cruddur_lab.model import normalize_uuid as _normalize_uuid
from cruddur_lab.scripts.schema import require_table
from cruddur_lab.scripts.usersdb import find_user_by_handle

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab


@dataclass
class ReadResult:
    """Items of a Scan or Query with the figures a learner should look at."""

    items: list[dict[str, Any]]
    count: int = 0
    scanned_count: int = 0
    pages: int = 0
    #: The capacity the engine reported (embedded: AWS's rules; aws: AWS's bill).
    reported_capacity: float | None = None
    last_evaluated_key: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """The items as a pandas DataFrame, one row per item, in the order they are listed."""
        return items_frame(self.items)


def items_frame(items: list[dict[str, Any]]) -> Any:
    """Items as a pandas DataFrame: ``pk`` and ``sk`` first, then the model's attribute order.

    Items of both kinds share the table, so a column a kind lacks is empty (NaN) in its rows,
    which is how a learner sees that only group rows carry ``message_group_uuid``.
    """
    import pandas as pd

    known = list(dict.fromkeys((*GROUP_ATTRIBUTES, *MESSAGE_ATTRIBUTES)))
    present = {name for item in items for name in item}
    columns = [c for c in known if c in present] + sorted(present - set(known))
    return pd.DataFrame(items, columns=columns)


def normalize_group_uuid(value: str) -> str:
    try:
        return _normalize_uuid(value, "message group uuid")
    except ValueError as error:
        raise InvalidArgument(f"{error}: pass a uuid such as {SEED_GROUP_UUID}") from None


def pages_of(lab: Lab, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The pages of a table ``query`` or ``scan`` (botocore's paginator follows
    ``LastEvaluatedKey``). ``lab.dynamodb`` is the resource's client, so conditions and plain
    values go in and plain values come out, as with ``lab.table``.
    """
    paginator = lab.dynamodb.get_paginator(operation)
    yield from paginator.paginate(TableName=lab.settings.table_name, **kwargs)


def read_all(lab: Lab, operation: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a table ``query`` or ``scan``, all pages."""
    with lab.translate_errors():
        return [item for page in pages_of(lab, operation, **kwargs) for item in page["Items"]]


def read_pages(
    lab: Lab,
    operation: str,
    kwargs: dict[str, Any],
    max_pages: int | None = None,
) -> ReadResult:
    """Run a Query or Scan (of the table, or of an index with ``IndexName``), up to
    ``max_pages`` pages, with Count, ScannedCount and the capacity the engine reported.

    A page may be empty and still carry ``LastEvaluatedKey`` (AWS keys a page that stops
    exactly at ``Limit``; a filter can keep nothing of a page): the walk goes on until a page
    comes back without one. The capacity is the engine's figure, summed over the pages: on
    AWS, what AWS charged (a filtered page is charged for the items it *evaluated*); on the
    embedded engine, the same by AWS's rules.
    """
    result = ReadResult(items=[])
    reported: list[float] = []
    kwargs = {**kwargs, "ReturnConsumedCapacity": "TOTAL"}
    with lab.translate_errors():
        for page in pages_of(lab, operation, **kwargs):
            result.pages += 1
            result.items.extend(page["Items"])
            result.count += page["Count"]
            result.scanned_count += page.get("ScannedCount", page["Count"])
            units = reported_units(page)
            if units is not None:
                reported.append(units)
            result.last_evaluated_key = page.get("LastEvaluatedKey")
            if max_pages is not None and result.pages >= max_pages:
                break
    result.reported_capacity = sum(reported) if reported else None
    return result


def sort_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pk, then sk: moto returns key order, AWS hash order; a learner wants one order."""
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def scan(lab: Lab) -> ReadResult:
    """Every item of the table, all pages (past 1 MB), sorted by pk then sk."""
    require_table(lab)
    result = read_pages(lab, "scan", {}, max_pages=None)
    result.items = sort_items(result.items)
    return result


def scan_where(lab: Lab, attribute: str, value: str) -> ReadResult:
    """A Scan that keeps only items whose ``attribute`` equals ``value`` (a filter).

    ``count`` is what the filter kept, ``scanned_count`` what the Scan read, and
    ``reported_capacity`` what it consumed: a filter is applied after the read, so it
    lowers the data returned, not the capacity consumed. Items sorted by pk then sk.
    """
    require_table(lab)
    result = read_pages(
        lab,
        "scan",
        {
            "FilterExpression": "#attribute = :value",
            "ExpressionAttributeNames": {"#attribute": attribute},
            "ExpressionAttributeValues": {":value": value},
        },
        max_pages=None,
    )
    result.items = sort_items(result.items)
    return result


def query_group_index(lab: Lab, message_group_uuid: str = SEED_GROUP_UUID) -> ReadResult:
    """The sparse GSI's partition for one conversation: its group rows, newest first.

    Index reads are eventually consistent only (``ConsistentRead`` is refused on a GSI); on
    AWS a row written a moment ago may not be there yet.
    """
    group = normalize_group_uuid(message_group_uuid)
    require_table(lab)
    return read_pages(
        lab,
        "query",
        {
            "IndexName": GSI_NAME,
            "KeyConditionExpression": f"{GSI_PARTITION_KEY} = :group",
            "ExpressionAttributeValues": {":group": group},
            "ScanIndexForward": False,
        },
        max_pages=None,
    )


def get_conversation(
    lab: Lab, message_group_uuid: str = SEED_GROUP_UUID, *, limit: int = PAGE_SIZE, pages: int = 1
) -> ReadResult:
    """The newest ``limit`` messages of a group (per page), shown oldest first.

    ``pages`` > 1 follows ``LastEvaluatedKey`` further back in time; ``pages=0`` reads all.
    A group that nobody's inbox names and that has no messages is ``NotFound``: a mistyped
    uuid must not read as an empty conversation.
    """
    group = normalize_group_uuid(message_group_uuid)
    if limit < 1:
        raise InvalidArgument(f"limit must be at least 1, got {limit}")
    if pages < 0:
        raise InvalidArgument(f"pages must be 0 (all) or more, got {pages}")
    require_table(lab)
    result = read_pages(
        lab,
        "query",
        {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": message_pk(group)},
            "ScanIndexForward": False,
            "Limit": limit,
        },
        max_pages=pages or None,
    )
    if not result.items and not _has_group_rows(lab, group):
        raise NotFound(
            f"no conversation {group}: list the real ones with `cruddur-lab "
            "list-conversations HANDLE` (the seed group is the default)"
        )
    result.items.reverse()
    return result


def _has_group_rows(lab: Lab, message_group_uuid: str) -> bool:
    """True when someone's inbox names the group: a group with no messages still exists."""
    from boto3.dynamodb.conditions import Key

    with lab.translate_errors():
        page = lab.table.query(
            IndexName=GSI_NAME,
            KeyConditionExpression=Key(GSI_PARTITION_KEY).eq(message_group_uuid),
            Limit=1,
        )
    return bool(page["Items"])


def list_conversations(
    lab: Lab, handle: str = SEED_GROUP_HANDLES[0], *, limit: int | None = None, pages: int = 0
) -> ReadResult:
    """A user's group rows (their inbox), newest first; all pages unless ``pages`` is set."""
    require_table(lab)
    user = find_user_by_handle(lab, handle)
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": group_pk(user.uuid)},
        "ScanIndexForward": False,
    }
    if limit:
        kwargs["Limit"] = limit
    result = read_pages(lab, "query", kwargs, max_pages=pages or None)
    result.extra["user"] = user
    return result
