# %% [markdown]
# # 12 · The model as a design artifact, and the designs Cruddur did not choose
#
# ## Aim
#
# See the single-table model the way it is reviewed: what the index really holds (read
# from the index itself), the item collections, one picture of where the access patterns
# land, and the model exported for NoSQL Workbench and CloudFormation. Then run three
# designs the bootcamp could have chosen, each on its own table with the same seed, and
# measure what every message and every inbox read costs in each. You leave knowing why the
# Cruddur model is shaped as it is, and what that shape costs.
#
# ## Theory
#
# **Item collections.** Items that share a partition key form an item collection, stored
# together and read by one `Query` in sort-key order. Cruddur has two kinds: a user's inbox
# (`GRP#<user uuid>`, one group row per conversation) and a conversation
# (`MSG#<group uuid>`, its messages in time order).
# ([Partition key design](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html),
# [sort keys](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-sort-keys.html))
#
# **A sparse index.** A global secondary index holds only the items that carry its key
# attributes. Only group rows carry `message_group_uuid`, so the index
# `message-group-sk-index` holds two rows per conversation and no message: messages never
# cost an index write.
# ([Sparse indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html),
# [GSIs](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html))
#
# **What a write costs.** One write unit per 1 KB of item, rounded up per item; a
# transaction doubles the table's units (not the index's: measured on DynamoDB,
# [captures](https://github.com/nubo-db/dynoxide/blob/eafc4f65f60120a340f43d49968b38fff3443de2/tests/transactional_index_consumed_capacity.rs));
# every index the item enters, leaves or moves in costs index
# writes too (a changed index key is a delete plus a put). A group row whose `sk` is the
# time of the last message changes its *key* with every message, so it must be deleted and
# put again, in the table and in the index.
# ([Capacity units](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html),
# [GSI writes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes),
# [transactions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling))
#
# Every figure below is measured: the requests are recorded as they are sent, each with the
# `ConsumedCapacity` the engine reported. The embedded engine computes it by those rules,
# each held to figures measured on real DynamoDB; on `engine="aws"` it is AWS's bill.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask

# %%
import textwrap

from IPython.display import display

from cruddur_lab import Lab, model
from cruddur_lab.app import patterns
from cruddur_lab.modeling import catalogue, exports
from cruddur_lab.modeling.alternatives import compare, open_designs, race_first_messages
from cruddur_lab.modeling.design_comparison import comparison_rows, messages_per_second
from cruddur_lab.modeling.figure import collections_figure
from cruddur_lab.modeling.view_reads import index_definition, read_index
from cruddur_lab.notebook.display import format_table
from cruddur_lab.notebook.export_display import ExportOutline
from cruddur_lab.notebook.view_drawings import (
    CatalogueTable,
    IndexViewDisplay,
    ItemCollectionsByKind,
)
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import scan
from cruddur_lab.scripts.schema import describe, drop

# %% [markdown]
# ## Practice
#
# ### 1. The model as it is

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset))

# %% [markdown]
# **The access-pattern catalogue**: every script and pattern, the requests it sends, the
# table or index each reads, its key condition, and what one call costs on AWS. It is made
# by running each pattern once on a scratch copy of the table and reading off the requests.
# `CatalogueTable(entries).to_frame()` gives the same cells as a DataFrame to sort or filter.

# %%
entries = catalogue.build_catalogue(lab)
CatalogueTable(entries)

# %% [markdown]
# **The index, read from the index.** A `Scan` with `IndexName` reads what the index holds.
# The request is shown as it was sent; `K` marks the index's keys, `T` the table's keys
# (always projected), `P` the attributes the `ALL` projection copies. Below the entries:
# the base-table items the sparse index leaves out.

# %%
IndexViewDisplay(read_index(lab))

# %% [markdown]
# A `Query` on the index finds one conversation's group rows: this is how the stream
# handler learns whose inbox lines to move. `ScannedCount` equals `Count`: no filter, and
# the index holds nothing else under that key.

# %%
IndexViewDisplay(read_index(lab, model.SEED_GROUP_UUID))

# %% [markdown]
# **The item collections**, by kind, each in sort-key order (long ones show their first
# and last rows; uuids are cut to eight digits).

# %%
items = scan(lab).items
ItemCollectionsByKind(items, ("sk", "message_group_uuid", "user_handle", "message"))

# %% [markdown]
# **One picture.** Each bar is an item collection, as long as its items' bytes. The marks
# show where Pattern A (the newest 20 messages) and Pattern B (andrewbrown's inbox) land:
# each is one contiguous run of one collection, which is why each is a single `Query`.
# Below, the index: one small partition, and the messages left out.

# %%
caller = patterns.provision_caller(lab, "andrewbrown")
page_a = patterns.list_messages(lab, caller, model.SEED_GROUP_UUID)
page_b = patterns.list_message_groups(lab, caller)
collections_figure(
    items,
    table_name=lab.settings.table_name,
    index=index_definition(describe(lab)),
    reads={
        "Pattern A: newest 20 messages": page_a.items,
        "Pattern B: andrewbrown's inbox": page_b.items,
    },
)

# %% [markdown]
# **The model as files.** `cruddur-lab export cloudformation` writes the table as a
# CloudFormation resource; `cruddur-lab export workbench` a data model that
# [NoSQL Workbench](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/workbench.Modeler.ImportExisting.html)
# imports, with a facet per item kind whose key names are the key templates. Both come
# from `cruddur_lab/model.py`. Below, what each file holds; in JupyterLab the whole file is
# folded under its outline.

# %%
for kind in exports.FORMATS:
    display(ExportOutline(kind, exports.export(kind)))

# %% [markdown]
# ### 2. The alternatives, side by side
#
# Four tables on the same engine, each seeded with the same conversation:
#
# * **current**: the app as it is. Pattern C writes one message row; the stream handler
#   moves each group row to the new `sk` (a transaction: Delete + Put).
# * **sync-inbox**: the same keys, but Pattern C moves both group rows inside its own
#   transaction. No stream needed.
# * **fixed-key**: group rows at `GRP#<user>` / `GRP#<group>`, a `last_message_at`
#   attribute and a sparse index `inbox-index` (pk, `last_message_at`) for inbox order.
#   The stream handler updates each row in place with one conditional `UpdateItem`;
#   membership is one `GetItem`.
# * **pair-item**: the current keys plus one item `PAIR#<a>#<b>` per pair of users that
#   names their conversation.

#
# Where the engine differs from AWS: off AWS nothing runs a Lambda from a stream (moto would
# need Docker), so a design that uses the stream reads it and calls its handler itself, as
# the event source mapping would a moment later on AWS. The stream reads and the Lambda
# invocations are billed by their own services and are not counted in the figures; the
# table and index requests the handler sends are. The index here answers at once; on AWS a
# global secondary index is eventually consistent and may lag a write by a moment.
# ([Streams and Lambda](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html))

# %%
designs = list(open_designs(lab))
for design in designs:
    line = f"{design.name:11} {design.table_name}: {design.summary}"
    print(textwrap.fill(line, 120, subsequent_indent=" " * 12, break_on_hyphens=False))
sender, receiver, newcomer = (designs[0].user(h) for h in ("andrewbrown", "bayko", "londo"))

# %% [markdown]
# Each design answers the same four requests: andrewbrown sends a message to the seed
# conversation (Pattern C and the inbox update), bayko reads his inbox (B), andrewbrown
# starts a conversation with londo (D, new) and with bayko (D, they already share one).
#
# **Predict, then run:** which design writes the fewest WCU for one message, table and
# index together, and why? Think about which rows each one changes for a message, and
# whether a key changes with them.

# %%
measured = compare(designs, sender, receiver, newcomer, model.SEED_GROUP_UUID)
rows = comparison_rows(measured)
print(format_table(rows, ("design", "action", "requests", "RCU", "WCU table", "WCU index")))

# %% [markdown]
# The requests each one sent, in order:

# %%
print(f"{'design':11} {'action':18} sent")
for row in rows:
    lead = f"{row['design']:11} {row['action']:18} "
    print(
        textwrap.fill(
            row["sent"],
            120,
            initial_indent=lead,
            subsequent_indent=" " * len(lead),
            break_on_hyphens=False,
        )
    )

# %% [markdown]
# **Per message.** A message is the action that happens most. With the bootcamp's 5 WCU on
# the table and 5 on the index, the sustained message rate is what the scarcer of the two
# allows. (Index writes caused by a transaction are not doubled: measured on DynamoDB.)

# %%
per_message = [m for m in measured if m.title == "send (C + inbox)"]
print(
    format_table(
        [
            {
                "design": m.design,
                "requests": len(m.requests),
                "WCU table": f"{m.cost.wcu:g}",
                "WCU index": f"{m.cost.index_wcu:g}",
                "RCU": f"{m.cost.rcu + m.cost.index_rcu:g}",
                "messages/s at 5/5": f"{messages_per_second(m):.2f}",
            }
            for m in per_message
        ],
        ("design", "requests", "WCU table", "WCU index", "RCU", "messages/s at 5/5"),
    )
)

# %% [markdown]
# **The moment between.** In the current design the inbox catches up only when the stream
# delivers the message. Sending without delivering shows the moment a reader can fall into;
# the sync-inbox design has no such moment.

# %%
current, sync_inbox = designs[0], designs[1]
current.send(receiver, model.SEED_GROUP_UUID, "Are you there?", deliver=False)
sync_inbox.send(receiver, model.SEED_GROUP_UUID, "Are you there?")
print("current, before the stream:", current.inbox(sender)[0]["message"])
current.deliver_stream()
print("current, after the stream: ", current.inbox(sender)[0]["message"])
print("sync-inbox, at once:       ", sync_inbox.inbox(sender)[0]["message"])

# %% [markdown]
# **The race Pattern D cannot see.** Two users send each other a first message at the same
# moment: both check "do we share a group?", both hear "no", both write. The current keys
# have nothing that both writes touch, so both succeed; the pair item is written by both
# transactions on the condition that it is new, so one is cancelled and posts into the
# other's conversation instead.

# %%
pair = designs[3]
delenn, gkar = (current.user(h) for h in ("delenn", "gkar"))
for design in (current, pair):
    groups = race_first_messages(design, delenn, gkar)
    print(f"{design.name:10} delenn and gkar now share {len(groups)} conversation(s)")

# %% [markdown]
# ### What each costs you, and when you would choose it
#
# | design | what can go wrong | choose it when |
# |---|---|---|
# | current | every message moves two rows: Delete + Put in a transaction, in the table and in the index (the most write units); the inbox lags until the stream delivers; two of one user's conversations whose last messages share a timestamp collide on the same inbox key | you keep the bootcamp's schema and its inbox query on the table itself |
# | sync-inbox | the write costs more still (one transaction for message and moves, the table's units doubled); concurrent senders to one conversation conflict and must retry; a failed send leaves nothing for a stream to catch up, the caller must retry | the inbox must be current the moment the call returns, and messages are few |
# | fixed-key | a second index to provision and pay for; the inbox read goes to an eventually consistent index; the handler reads the sender's row first; for D's first message its two conditional updates fail (the rows are already current) and still consume write units | messages are frequent: each costs one put and two small in-place updates, rows never change key, membership is a `GetItem` |
# | pair-item | one more item per pair, written in D's transaction (more WCU for D); it must be kept if conversations are ever deleted | two people must never end up with two conversations, and "do we already talk?" must be one `GetItem` |

# %% [markdown]
# ## Check

# %%
view = read_index(lab)
assert view.requests[0].params["IndexName"] == model.GSI_NAME
assert view.count == view.scanned_count == len(view.items)
assert all(model.is_group_key(item["pk"]) for item in view.items)
assert all(model.is_message_key(item["pk"]) for item in view.left_out)
by = {(m.design, m.title): m for m in measured}
send = {
    name: by[(name, "send (C + inbox)")].cost for name in ("current", "sync-inbox", "fixed-key")
}
# Moving a row is a delete plus a put; updating it in place is one write.
assert send["fixed-key"].wcu < send["current"].wcu < send["sync-inbox"].wcu
assert by[("fixed-key", "read inbox (B)")].requests[0].index == "inbox-index"
# The catalogue's Pattern C and Pattern E, measured separately, add up to a current send.
listed = {e["pattern"]: e for e in entries}
assert listed["C"]["wcu"] + listed["E"]["wcu"] == send["current"].wcu
assert by[("pair-item", "start new (D)")].requests[0].operation == "GetItem"
assert len(race_first_messages(current, *(current.user(h) for h in ("sheridan", "delenn")))) == 2
assert len(race_first_messages(pair, *(pair.user(h) for h in ("sheridan", "delenn")))) == 1
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. In the fixed-key design, why does updating `last_message_at` still cost index writes,
#    although the table row keeps its key?
# 2. Make the current design's Pattern D safe against the race without a pair item. What
#    would you condition on?
# 3. At the bootcamp's 5 WCU, how many messages a second does each design sustain? Which
#    limit binds: the table or the index?
#
# <details><summary>Solutions</summary>
#
# 1. `last_message_at` is the *index's* sort key: changing it moves the entry in
#    `inbox-index`, a delete and a put there. The table row is updated in place (one write).
# 2. Nothing in the current keys is shared by both writers: each makes a new group uuid and
#    its own rows. A deterministic key both must write (the pair item, or a group uuid
#    derived from the two user ids) is what a condition can protect.
# 3. Read the "messages/s at 5/5" column: the current design's transactions make the table
#    the limit; the fixed-key design's index writes make the index the limit.
#
# </details>
#
# ## Summary
#
# * The sparse index holds the group rows and no message; an item collection is stored in
#   sort-key order, so Pattern A's page and Pattern B's inbox are each one `Query` of the table.
# * The current model pays for its inbox order with a key that moves on every message: a
#   Delete + Put in a transaction, in the table and in the index.
# * A fixed key with an index for order writes least; a synchronous update trades the stream
#   for a larger transaction; a pair item closes Pattern D's race for one small write.

# %%
for design in designs:
    drop(design.lab, yes=True)  # the comparison's own tables; the lesson's table stays

# %%
lab.close()
