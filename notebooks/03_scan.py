# %% [markdown]
# # 03 · scan: every item, and why the app never scans
#
# ## Aim
#
# Read the whole table the way the bootcamp's `bin/ddb/scan` did, see it as item
# collections (items that share a partition key) and as the GSI sees it, and learn what a
# Scan costs compared with a Query.
#
# ## Theory
#
# A `Scan` reads every item of the table, page by page (1 MB each), following
# `LastEvaluatedKey`. It is charged for everything it reads, even what a filter throws
# away afterwards (`ScannedCount` versus `Count`). Access patterns use `Query` on a key
# instead; Scan is for looking, exporting and checking.
#
# Two things differ between engines:
#
# * **order**: moto returns items in key order, real DynamoDB in hash order. We sort by
#   `pk`, then `sk`, before showing anything.
# * **consumed capacity**: moto reports a constant, whatever the size. `cruddur_lab.capacity`
#   estimates what AWS would charge from the item sizes (4 KB per read unit, half for an
#   eventually consistent read).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, capacity, model
from cruddur_lab.notebook.display import ItemCollections, format_gsi_view, format_read_summary
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import scan

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))

# %%
result = scan(lab)
print(format_read_summary(result, engine_is_aws=lab.is_aws))

# %% [markdown]
# The items as **item collections**: one block per partition key, in sort-key order. We
# show the first three of each collection; the counts are of the whole collection. In
# JupyterLab the view is an HTML table with a band per partition; elsewhere it is text.

# %%
preview = []
for pk in sorted({item["pk"] for item in result.items}):
    collection = [item for item in result.items if item["pk"] == pk]
    preview += collection[:3]
    print(f"{pk}: {len(collection)} items")
ItemCollections(preview, ("sk", "user_handle", "message"), max_width=44)

# %% [markdown]
# The same items through the sparse GSI `message-group-sk-index`: only the rows that carry
# `message_group_uuid` (the group rows) are in it, grouped by conversation.

# %%
print(format_gsi_view(result.items, ("sk", "pk", "user_handle")))

# %% [markdown]
# What the scan would cost on AWS, from the item sizes, next to what this engine reported:

# %%
sizes = [capacity.item_size(item) for item in result.items]
print(f"{len(sizes)} items, {sum(sizes)} bytes, largest {max(sizes)} bytes")
print(f"eventually consistent scan: {capacity.read_units(result.items)} RCU")
print(f"strongly consistent scan:   {capacity.read_units(result.items, consistent=True)} RCU")
print(f"reported by this engine:    {result.reported_capacity}")

# %% [markdown]
# ## Check

# %%
assert result.count == result.scanned_count == len(result.items)
assert result.items == sorted(result.items, key=lambda i: (i["pk"], i["sk"]))
message_rows = [i for i in result.items if model.is_message_key(i["pk"])]
group_rows = [i for i in result.items if model.is_group_key(i["pk"])]
assert len(message_rows) >= messages and len(group_rows) >= 2
assert all(model.GSI_PARTITION_KEY not in item for item in message_rows)
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Scan with a filter, `lab.table.scan(FilterExpression="user_handle = :h",
#    ExpressionAttributeValues={":h": "bayko"})`. Compare `Count` and `ScannedCount`.
#    Which one are you charged for?
# 2. At what number of seed messages would this scan need a second page? (Hint: 1 MB.)
# 3. Why does the GSI view show two rows per conversation?
#
# <details><summary>Solutions</summary>
#
# 1. `Count` is what the filter kept, `ScannedCount` what was read; you pay for what was
#    read, so the filter saves transfer, not capacity.
# 2. About 1,048,576 / (average item size) messages: with items near 285 bytes, roughly
#    3,700. `cruddur-lab run 03 -p messages 5000` shows `pages 2`.
# 3. One group row per participant; both carry the conversation's `message_group_uuid`.
#
# </details>

# %%
lab.close()
