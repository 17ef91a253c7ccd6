# %% [markdown]
# # 03 · scan: every item, and why the app never scans
#
# ## Aim
#
# Read the whole table the way the bootcamp's `bin/ddb/scan` did, see it as item
# collections (items that share a partition key) and as the sparse GSI holds it, then do
# one job twice, with a Scan and with a Query, and compare what each reads and costs.
#
# ## Theory
#
# A `Scan` reads every item of the table, page by page (at most 1 MB read per page),
# following `LastEvaluatedKey`. A `FilterExpression` is applied *after* the read: it
# shrinks what comes back (`Count`) but not what was read (`ScannedCount`), and AWS charges
# for what was read. A `Query` reads one partition only: its key condition decides what is
# read. A filter on a Query works as on a Scan, so a filtered Query is charged for every
# item it evaluates, also those the filter drops (Pattern D's inbox check, notebook 09, is
# one). Only an unfiltered Query reads exactly what it returns.
#
# Read cost on AWS is counted in **read capacity units (RCU)**: the sizes of the items a
# page read are added up and rounded up to the next 4 KB, **once per page**; one RCU per
# 4 KB for a strongly consistent read, half an RCU for an eventually consistent one (the
# default, and the only kind an index offers).
#
# Four things differ between engines:
#
# * **order**: moto returns items in key order, real DynamoDB in hash order. We sort by
#   `pk`, then `sk`, before showing anything.
# * **consumed capacity**: moto itself reports a constant, whatever the size; this workbench's
#   engine replaces it with what AWS would bill, by AWS's rules held to figures measured on
#   DynamoDB. The figures below are the engine's; on AWS they are AWS's own.
# * **index freshness**: moto updates the GSI in the same request as the table. On AWS an
#   index is updated asynchronously: a row written a moment ago may be missing from it.
# * **page size**: AWS ends a page at 1 MB (1,048,576 bytes) read; moto ends it at
#   1,000,000 bytes. A table between the two needs one page on AWS and two here.
#
# AWS documentation: [Scan](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html),
# [Query](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html),
# [filter expressions on a Query](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html),
# [read capacity and item sizes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html),
# [querying a GSI](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, capacity, model
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import (
    compare_reads,
    format_read_summary,
    format_requests,
    show,
    show_collections,
)
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import list_conversations, query_group_index, scan, scan_where
from cruddur_lab.scripts.usersdb import find_user_by_handle

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))

# %%
result = scan(lab)
print(format_read_summary(result, engine=lab.settings.engine))

# %% [markdown]
# The items as **item collections**: one band per partition key, in sort-key order. We show
# the first three items of each collection.

# %%
preview = []
for pk in sorted({item["pk"] for item in result.items}):
    preview += [item for item in result.items if item["pk"] == pk][:3]
show_collections(preview, ("sk", "user_handle", "message"), width=44)

# %% [markdown]
# The whole result as a pandas `DataFrame` (`result.to_frame()`), for your own counting,
# sorting or plotting. Items per partition:

# %%
result.to_frame().groupby("pk").size().rename("items")

# %% [markdown]
# Predict what the whole scan costs from the item sizes, then compare with the figure the
# engine reported (the embedded engine reports what AWS would bill, by AWS's rules):

# %%
sizes = [capacity.item_size(item) for item in result.items]
print(f"{len(sizes)} items, {sum(sizes)} bytes, largest {max(sizes)} bytes, {result.pages} page(s)")
# Rounded up per page, not once over all pages; a strongly consistent page costs twice as much.
predicted = capacity.read_units(result.items)
print(f"predicted, eventually consistent: {predicted:g} RCU (strongly: {2 * predicted:g} RCU)")
print(f"reported by the engine:           {result.reported_capacity:g} RCU")

# %% [markdown]
# ### One job, two ways
#
# The job: *andrewbrown's inbox*, his group rows. A Scan can do it with a filter on `pk`; a
# Query asks for the partition `GRP#<his uuid>` directly (that is `list-conversations`,
# notebook 04).
#
# **Predict, then run:** the filtered Scan returns the same rows as the Query. Will it read
# the same number of items? Will it cost the same?

# %%
andrew = find_user_by_handle(lab, "andrewbrown")
with recording(lab, ["Scan", "Query"]) as calls:
    by_scan = scan_where(lab, "pk", model.group_pk(andrew.uuid))
    by_query = list_conversations(lab, "andrewbrown")
print(format_requests(calls))

# %%
compare_reads({"Scan + FilterExpression": by_scan, "Query on the partition": by_query})

# %% [markdown]
# Both return the same inbox (`Count`), but the Scan read every item of the table to find
# it (`ScannedCount`) and is charged for all of it; the Query read its partition only, and
# its cost is the minimum, half a unit. The gap grows with the table: the Scan's price is
# the size of every conversation of every user, the Query's the size of one inbox.
#
# ### The sparse index
#
# A real query on the GSI `message-group-sk-index`: the partition of the seed conversation.
# Only rows that carry `message_group_uuid`, the two group rows, are in it; the hundred
# messages of that conversation are not.

# %%
with recording(lab, ["Query"]) as calls:
    index_rows = query_group_index(lab, model.SEED_GROUP_UUID)
print(format_requests(calls))
print(f"Count {index_rows.count}, ScannedCount {index_rows.scanned_count}")
show(index_rows.items, ("pk", "sk", "message_group_uuid", "user_handle"))

# %% [markdown]
# ## Check

# %%
assert result.count == result.scanned_count == len(result.items)
assert result.items == sorted(result.items, key=lambda i: (i["pk"], i["sk"]))
message_rows = [i for i in result.items if model.is_message_key(i["pk"])]
group_rows = [i for i in result.items if model.is_group_key(i["pk"])]
assert len(message_rows) >= messages and len(group_rows) >= 2
assert all(model.GSI_PARTITION_KEY not in item for item in message_rows)
# The filtered Scan read the whole table and paid for it; the Query read its partition only.
assert by_scan.count == by_query.count and by_scan.scanned_count == result.count
assert by_query.scanned_count == by_query.count
assert by_scan.reported_capacity == result.reported_capacity > by_query.reported_capacity
# The prediction from the item sizes is the figure the embedded engine reported.
assert predicted == result.reported_capacity or not lab.is_embedded
assert sorted(i["sk"] for i in by_scan.items) == sorted(i["sk"] for i in by_query.items)
assert [call.params["IndexName"] for call in calls] == [model.GSI_NAME]
assert index_rows.count == 2 and all(model.is_group_key(i["pk"]) for i in index_rows.items)
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Filter the scan on a handle instead: `scan_where(lab, "user_handle", "bayko")`. Compare
#    `count`, `scanned_count` and `reported_capacity` with the scan above.
# 2. At what number of seed messages would the whole scan need a second page? (Hint: 1 MB.)
# 3. Why does the index query return two rows for one conversation?
#
# <details><summary>Solutions</summary>
#
# 1. `count` drops to bayko's items, `scanned_count` stays the whole table, and so does the
#    cost: a filter saves transfer, not capacity.
# 2. A page stops after 1 MB read: the page size divided by the average item size (28,795
#    bytes / 102 items, about 282 bytes). On AWS that is 1,048,576 / 282, about 3,700 items;
#    on this engine, which stops at 1,000,000 bytes, about 3,500. Between the two the
#    engines disagree; from 3,750 messages on, both need a second page:
#    `cruddur-lab run 03 -p messages 5000` shows 2 pages here, as it would on AWS.
# 3. One group row per participant; both carry the conversation's `message_group_uuid`.
#
# </details>
#
# ## Summary
#
# * A Scan reads (and is charged for) the whole table; a filter only trims what comes back.
# * A Query reads one partition and is charged for what it evaluates, filtered or not;
#   each page's sizes are rounded up to 4 KB on its own.
# * The sparse GSI holds group rows only; on AWS it is updated asynchronously after a write.

# %%
lab.close()
