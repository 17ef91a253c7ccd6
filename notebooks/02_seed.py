# %% [markdown]
# # 02 · seed: users in Postgres, a conversation in DynamoDB
#
# ## Aim
#
# Seed the users database and the seed conversation between andrewbrown and bayko, see
# which items a seed writes, and prove that seeding twice changes nothing (the bootcamp's
# seed added another hundred messages on every run).
#
# ## Theory
#
# The seed writes, in this order:
#
# 1. the seed users into Postgres `public.users` (with `cognito_user_id = 'MOCK'`);
# 2. `messages` message rows under `MSG#<seed group>`, one minute apart, ending just before
#    `now`, 25 per `BatchWriteItem` (its limit), re-sending any `UnprocessedItems`;
# 3. one group row per participant, pointing at the newest message.
#
# Message ids derive from the group and the message's position, so a second run knows
# which messages exist and writes only missing ones. The messages end one minute before the
# notebook's clock: the conversation has just happened when the lesson starts.
#
# `BatchWriteItem` is not atomic: each put succeeds or fails on its own, and DynamoDB may
# hand some back as `UnprocessedItems` (under throttling, say) for the caller to send again.
# Its limit of 25 is a different matter: a request with 26 puts is not half done, it is
# refused whole with a `ValidationException`, and nothing of it is written.
#
# AWS documentation: [BatchWriteItem and its limits](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html),
# [working with items](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from textwrap import fill

from botocore.exceptions import ClientError

from cruddur_lab import Lab, model
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import show
from cruddur_lab.scripts.reads import scan
from cruddur_lab.scripts.schema import drop, schema_load
from cruddur_lab.scripts.seed import BATCH_SIZE, batch_write, seed, seed_message_uuid
from cruddur_lab.scripts.usersdb import list_users

print("seed group:", model.SEED_GROUP_UUID, "between", " and ".join(model.SEED_GROUP_HANDLES))
print("messages per BatchWriteItem:", BATCH_SIZE)

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
if reset:
    drop(lab, yes=yes)
print(schema_load(lab))

# %% [markdown]
# The first run. We record the DynamoDB requests it makes to count the batches.
#
# **Predict, then run:** how many `BatchWriteItem` requests do 100 messages need? (The two
# group rows are written afterwards, each in a transaction of its own, so that a re-seed can
# replace an inbox line in one step.)

# %%
with recording(lab, ["BatchWriteItem", "TransactWriteItems"]) as calls:
    first = seed(lab, messages=messages, yes=yes)
print(first)
operations = [c.operation for c in calls]
print("BatchWriteItem requests (messages):  ", operations.count("BatchWriteItem"))
print("TransactWriteItems requests (groups):", operations.count("TransactWriteItems"))

# %% [markdown]
# The users, as the app will look them up. Their uuids are stable (derived from the
# handle), so the partition keys below are the same on every run. Nobody is synced with
# Cognito yet: that is notebook 05.

# %%
users = list_users(lab)
rows = [{**u.__dict__, "synced with Cognito": u.cognito_user_id != "MOCK"} for u in users]
show(rows, ("handle", "display_name", "uuid", "synced with Cognito"))

# %% [markdown]
# The second run must write nothing: same users, same message ids, same times.

# %%
second = seed(lab, messages=messages, yes=yes)
print(second)

# %% [markdown]
# The newest three messages and both group rows. Each group row's `sk` and `message` are
# those of the newest message: that is what an inbox shows.

# %%
items = scan(lab).items
seed_messages = [i for i in items if i["pk"] == model.message_pk(model.SEED_GROUP_UUID)]
group_rows = [i for i in items if i.get("message_group_uuid") == model.SEED_GROUP_UUID]
show(seed_messages[-3:] + group_rows, ("pk", "sk", "user_handle", "message"), width=54)

# %% [markdown]
# ### The limit of 25, on the engine
#
# We send 26 of the seed's messages back, exactly as they are stored, in **one**
# `BatchWriteItem`.
#
# **Predict, then run:** will DynamoDB write 25 and hand the 26th back in `UnprocessedItems`,
# or refuse the request?

# %%
again = seed_messages[:26]
table = lab.settings.table_name
try:
    lab.dynamodb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": item}} for item in again]}
    )
    refused = None
    print("accepted")
except ClientError as error:
    refused = error.response["Error"]
    print(refused["Code"])
    print(fill(refused["Message"], 116))

# %% [markdown]
# Refused whole, with AWS's message (AWS prints the 26 requests themselves where this
# engine writes their count). The same 26 items through the seed's `batch_write`, which cuts them into
# requests of at most 25, go through. They are identical to the stored items, so the table
# does not change.

# %%
with recording(lab, ["BatchWriteItem"]) as batches:
    rewritten = batch_write(lab, again)
sizes = [len(call.params["RequestItems"][table]) for call in batches]
print(f"BatchWriteItem requests: {len(batches)}, puts in each: {sizes}, items written: {rewritten}")

# %% [markdown]
# ## Check

# %%
assert second.changed is False and second.messages_existing == messages
seeded = {seed_message_uuid(i) for i in range(messages)}
seed_only = [m for m in seed_messages if m["message_uuid"] in seeded]
assert len(seed_only) == messages
assert len(group_rows) == 2
# At the newest seed message, or later if other notebooks added messages since.
assert all(row["sk"] >= seed_only[-1]["sk"] for row in group_rows)
assert {row["user_handle"] for row in group_rows} == set(model.SEED_GROUP_HANDLES)
# The first run: messages in batches of at most 25, then one transaction per group row.
assert operations.count("BatchWriteItem") == -(-first.messages_written // BATCH_SIZE)
assert operations.count("TransactWriteItems") == first.group_rows_written
# 26 puts in one request are refused whole; 25 + 1 are accepted.
assert refused is not None and refused["Code"] == "ValidationException"
assert sizes == [25, 1] and rewritten == 26
assert len(scan(lab).items) == len(items)
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. How many `BatchWriteItem` requests does a seed of 1,000 messages need at least?
# 2. Delete one seed message with `lab.table.delete_item(Key=...)` and seed again. What
#    does the report say?
# 3. Why are the seed's timestamps computed from `now` minus the message count rather than
#    from the real time?
#
# <details><summary>Solutions</summary>
#
# 1. 40: 25 items per request. More if DynamoDB returns `UnprocessedItems` under throttling.
# 2. `key = {"pk": seed_messages[0]["pk"], "sk": seed_messages[0]["sk"]}` then
#    `lab.table.delete_item(Key=key)`; the next `seed(lab)` reports `messages written: 1
#    (already there: 99)`: only the missing row comes back, at its old time.
# 3. The pinned clock makes every run produce the same keys, so outputs (and tests) are
#    stable; with `now = "real"` the seed is anchored to the real time instead.
#
# </details>
#
# ## Summary
#
# * The seed writes users to Postgres, then messages in batches of 25 (26 are refused whole),
#   then each group row in a transaction of its own.
# * Ids and times come from the group, the position and the clock, so a second seed writes
#   nothing: a script that may run twice must be idempotent.
# * A group row repeats its conversation's newest message: the inbox is a copy kept current.

# %%
lab.close()
