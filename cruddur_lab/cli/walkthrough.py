"""The week-5 scripts end to end on one engine: what README's first command shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cruddur_lab.notebook.display import format_capacity, format_item_collections, format_items
from cruddur_lab.scripts.cognito import seed_user_pool, update_cognito_user_ids
from cruddur_lab.scripts.reads import get_conversation, list_conversations, scan
from cruddur_lab.scripts.schema import require_confirmation, schema_load
from cruddur_lab.scripts.seed import seed

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: The scan prints this many items per item collection; the rest are counted.
SCAN_PREVIEW = 3


def walkthrough(
    lab: Lab, out: Callable[[str], None], *, messages: int = 100, yes: bool = False
) -> None:
    """Every step once (the seed twice); on real AWS only with ``yes``, asked for up front.

    On AWS it writes to the table, the users database and a Cognito user pool, and its
    second seed finds the table non-empty: one confirmation before the first step covers
    them all, so the walkthrough never stops halfway for want of another.
    """
    require_confirmation(
        lab,
        f"run the walkthrough (it writes to table {lab.settings.table_name!r}, the users "
        "database and a Cognito user pool)",
        yes,
    )
    out(f"engine: {lab.describe_engine()}; table {lab.settings.table_name!r}")
    out("\n== 1. schema-load")
    out(str(schema_load(lab)))
    out("\n== 2. seed (run twice: the second run must change nothing)")
    out(f"first run:  {seed(lab, messages=messages, yes=yes)}")
    out(f"second run: {seed(lab, messages=messages, yes=yes)}")
    out("\n== 3. scan (sorted by pk, sk; first items of each collection)")
    result = scan(lab)
    preview = []
    for pk in sorted({item["pk"] for item in result.items}):
        preview += [item for item in result.items if item["pk"] == pk][:SCAN_PREVIEW]
    out(format_item_collections(preview, max_width=36))
    out(f"Count {result.count}, ScannedCount {result.scanned_count}, pages {result.pages}")
    out("\n== 4. get-conversation (newest 20, shown oldest first)")
    conversation = get_conversation(lab)
    out(format_items(conversation.items, ("sk", "user_handle", "message"), max_width=60))
    out(format_capacity(conversation.reported_capacity, engine=lab.settings.engine))
    out("\n== 5. list-conversations andrewbrown (newest first)")
    inbox = list_conversations(lab, "andrewbrown")
    out(format_items(inbox.items, ("sk", "message_group_uuid", "user_handle", "message")))
    out("\n== 6. update-cognito-user-ids (Cognito → Postgres)")
    pool_id = seed_user_pool(lab)
    out(f"user pool {pool_id} seeded")
    out(f"first run:  {update_cognito_user_ids(lab, pool_id)}")
    out(f"second run: {update_cognito_user_ids(lab, pool_id)}")
    out("\nwalkthrough complete")
