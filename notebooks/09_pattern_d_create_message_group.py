# %% [markdown]
# # 09 · Pattern D: start a conversation, in one transaction
#
# ## Aim
#
# Start a new conversation with the service for Pattern D: two group rows and the first
# message, written all together or not at all. See why the bootcamp's batch write was not
# the transaction its comment called it.
#
# ## Theory
#
# A new conversation is three items: the sender's group row (describing the receiver), the
# receiver's group row (describing the sender), and the first message. They go in one
# `TransactWriteItems`, each put conditioned on `attribute_not_exists(pk)`: if any condition
# fails, DynamoDB cancels the whole transaction and writes nothing.
#
# Before it writes, the service reads the sender's inbox (a strongly consistent `Query` on
# `GRP#<sender>` filtered on the receiver's uuid): if the two already share a conversation,
# the message goes there instead (Pattern C). So D sends a read, then the transaction.
#
# The bootcamp (week 5, `lib/ddb.py` at commit `1b478f6`) sent the same three puts with
# `BatchWriteItem` under a comment that called it a transaction. A batch is a bag of
# independent writes: it cannot carry conditions, and under load it answers with
# `UnprocessedItems` for the puts it did not do. The bootcamp ignored that answer, so a
# throttled request could leave two inbox lines pointing at a conversation with no message.
#
# A transaction has limits of its own: at most 100 actions, at most 4 MB of items in all,
# and no two actions on the same item (not even a `ConditionCheck` beside a `Put`).
# DynamoDB checks them before it evaluates any condition and refuses the whole request with
# a `ValidationException`. When a condition fails instead, the answer is a
# `TransactionCanceledException` whose `CancellationReasons` list has one entry per action,
# in the order the actions were sent: the failed action carries its reason (such as
# `ConditionalCheckFailed`), every other action the code `None`.
#
# A transaction makes the *table* all-or-nothing. The index and the stream follow
# asynchronously on AWS, also after a transaction: for a moment the GSI may hold none of the
# new group rows, or one of them. moto updates the index within the request.
#
# AWS documentation: [transactions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html),
# [TransactWriteItems and its limits](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html),
# [CancellationReason](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html),
# [BatchWriteItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html),
# [GSI writes and consistency](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html),
# [capacity of transactions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
import copy
from textwrap import fill

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from cruddur_lab import Lab, ServiceError, capacity, model
from cruddur_lab.app.patterns import create_message_group, provision_caller
from cruddur_lab.app.streams import group_row_problems
from cruddur_lab.capacity import total_cost
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import format_requests, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import query_group_index, scan
from cruddur_lab.scripts.usersdb import find_user_by_handle

print("sender's row:   ", model.group_pk("<sender uuid>"), "describes the receiver")
print("receiver's row: ", model.group_pk("<receiver uuid>"), "describes the sender")
print("first message:  ", model.message_pk("<new group uuid>"))

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))
andrew = provision_caller(lab, "andrewbrown")

# %% [markdown]
# **Predict, then run:** how many requests will starting a conversation with londo send,
# and how many items will it write?

# %%
with recording(lab) as sent:
    started = create_message_group(lab, andrew, "londo", "Ambassador, a word?")
group = started.message_group_uuid
calls = [c for c in sent if c.operation == "TransactWriteItems"]
print("existing group" if started.existing else f"new group {group}")
print(format_requests(sent))
print()
print("reported by the engine, all requests:", total_cost(call.cost for call in sent))

# %% [markdown]
# The three items on the table:

# %%
items = [
    i for i in scan(lab).items if group in (model.parse_pk(i["pk"])[1], i.get("message_group_uuid"))
]
show(items, ("pk", "sk", "message_group_uuid", "user_handle", "message"), width=44)

# %% [markdown]
# And a real query on the sparse GSI for the new conversation: only the two group rows are
# in it. (On AWS this query, a moment after the transaction, could still miss them.)

# %%
with recording(lab, ["Query"]) as index_calls:
    in_index = query_group_index(lab, group)
print(format_requests(index_calls))
print(f"Count {in_index.count}, ScannedCount {in_index.scanned_count}")
show(in_index.items, ("pk", "sk", "user_handle"))

# %% [markdown]
# Starting the same conversation again creates no second group: the service finds the one
# the two already share and posts the message there (Pattern C).

# %%
again = create_message_group(lab, andrew, "londo", "Are you there?")
print("existing:", again.existing, "| same group:", again.message_group_uuid == group)

# %% [markdown]
# ### All or nothing, on the engine
#
# The recorded transaction again, with one clash in it: the two group rows move to a new
# `sk` (keys that are free), and the first message is put again (its key is taken).
#
# **Predict, then run:** which actions will `CancellationReasons` mark, and how many items
# will be written?

# %%
before = scan(lab).count
later = lab.clock.timestamp()
clash = copy.deepcopy(calls[0].params["TransactItems"]) if calls else []
for action in clash:
    if model.is_group_key(action["Put"]["Item"]["pk"]):
        action["Put"]["Item"]["sk"] = later
reasons = []
if clash:
    try:
        lab.dynamodb.transact_write_items(TransactItems=clash)
    except ClientError as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        print(error.response["Error"]["Code"])
for number, (action, code) in enumerate(zip(clash, reasons, strict=True), start=1):
    item = action["Put"]["Item"]
    print(f"  action {number}: Put {model.parse_pk(item['pk'])[0]:7} sk {item['sk']} -> {code}")
print("items before:", before, "after:", scan(lab).count)

# %% [markdown]
# One reason per action, in the order sent. Only the message's put failed; the two group
# rows, whose keys were free, say `None`, and they were not written either. To learn which
# action broke a transaction, read the position of the entry that is not `None`: the first
# entry describes the first action, whatever happened to it.
#
# ### What one transaction may hold
#
# Each limit tried on the engine, in a conversation that does not exist. The puts are
# conditioned on `attribute_exists(pk)`, which fails on these new keys: were a request
# accepted, it would be cancelled and still write nothing.

# %%
probe = model.message_pk(lab.clock.new_id())
table = lab.settings.table_name
big = "x" * 380_000  # one item just under the 400 KB item limit


def check(sk):
    """A condition check on a free key: it passes and writes nothing."""
    key = {"pk": probe, "sk": sk}
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": key,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def put(sk, text):
    """A put that could only be cancelled: its key does not exist."""
    item = {"pk": probe, "sk": sk, "message": text}
    return {
        "Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_exists(pk)"}
    }


def send(actions):
    try:
        lab.dynamodb.transact_write_items(TransactItems=actions)
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    return "accepted", ""


large = [put(f"big-{n:02}", big) for n in range(12)]
large_bytes = sum(capacity.item_size(action["Put"]["Item"]) for action in large)
attempts = {
    "100 actions": [check(f"{n:03}") for n in range(100)],
    "101 actions": [check(f"{n:03}") for n in range(101)],
    f"{large_bytes:,} bytes": large,
    "two actions, one item": [put("same", "hi"), check("same")],
}
outcomes = {label: send(actions) for label, actions in attempts.items()}
for label, (code, message) in outcomes.items():
    print(f"{label}: {code}")
    if message:
        print(fill(message, 116, initial_indent="  ", subsequent_indent="  "))

# %% [markdown]
# 100 actions are accepted; one more, 4 MB of items, or two actions on one item, and the
# request is refused whole, before any condition is looked at (a condition would have
# answered `TransactionCanceledException`). The messages follow AWS's (AWS prints the
# actions themselves where this engine writes their count); for the 4 MB limit AWS documents
# the limit but not its message, so that line is the engine's own wording.

# %% [markdown]
# ### Half a conversation: what the batch allowed
#
# The bootcamp's batch for a conversation with gkar, where DynamoDB did the two group rows
# and returned the message in `UnprocessedItems`. We write just what such a batch would have
# done (the part DynamoDB did) to see the state it leaves:

# %%
gkar = find_user_by_handle(lab, "gkar")
me = find_user_by_handle(lab, "andrewbrown")
half = lab.clock.new_id()
at = lab.clock.timestamp()
rows = [
    model.group_item(owner=a, other=b, message_group_uuid=half, last_message="Hello", last_at=at)
    for a, b in ((me, gkar), (gkar, me))
]
answer = lab.dynamodb.batch_write_item(
    RequestItems={table_name: [{"PutRequest": {"Item": row}} for row in rows]}
)
print("UnprocessedItems in this answer:", answer["UnprocessedItems"] or "none")
print("\n".join(p for p in group_row_problems(lab) if half in p))

# %% [markdown]
# Two inbox lines promise a message that does not exist. Pattern D's transaction cannot
# end like that. We remove the two orphans again:

# %%
lab.dynamodb.batch_write_item(
    RequestItems={
        table_name: [{"DeleteRequest": {"Key": {"pk": r["pk"], "sk": r["sk"]}}} for r in rows]
    }
)
print([p for p in group_row_problems(lab) if half in p])

# %% [markdown]
# Validation comes first, before any write:

# %%
for label, receiver, text in [
    ("no receiver", "", "hi"),
    ("unknown receiver", "kosh", "hi"),
    ("myself", "andrewbrown", "hi"),
    ("blank", "bayko", " "),
]:
    try:
        create_message_group(lab, andrew, receiver, text)
    except ServiceError as error:
        print(f"{label:17} -> {error.code}")

# %% [markdown]
# ## Check

# %%
kinds = sorted(model.parse_pk(i["pk"])[0] for i in items)
assert kinds == ["group", "group", "message"] or started.existing
# On data an earlier run left behind, the conversation already exists and C's put is sent.
expected = ["Query", "PutItem"] if started.existing else ["Query", "TransactWriteItems"]
assert [c.operation for c in sent] == expected
assert started.existing or len(calls[0].params["TransactItems"]) == 3
# Exercise 1: 6 WCU on the table, 2 index writes (a transaction does not double them).
assert started.existing or (calls[0].cost.wcu, calls[0].cost.index_wcu) == (6, 2)
# One cancellation reason per action, in order: only the taken key failed.
failed = {
    model.parse_pk(a["Put"]["Item"]["pk"])[0]: str(c) for a, c in zip(clash, reasons, strict=True)
}
assert started.existing or failed == {"group": "None", "message": "ConditionalCheckFailed"}
# 100 actions pass; over 100 actions, over 4 MB and two actions on one item are refused.
assert large_bytes > 4 * 1024 * 1024
assert outcomes["100 actions"][0] == "accepted"
assert [code for code, _ in list(outcomes.values())[1:]] == ["ValidationException"] * 3
assert lab.table.query(KeyConditionExpression=Key("pk").eq(probe))["Count"] == 0
assert [c.params["IndexName"] for c in index_calls] == [model.GSI_NAME]
assert in_index.count == in_index.scanned_count == 2
assert {r["pk"] for r in in_index.items} == {i["pk"] for i in items if model.is_group_key(i["pk"])}
assert again.existing and again.message_group_uuid == group
assert scan(lab).count == before
assert not any(half in p for p in group_row_problems(lab))
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. How many write units does the transaction cost on AWS, table and index together?
# 2. Why condition every put on `attribute_not_exists(pk)`, when the group uuid is new?
# 3. Two users press "send" on a first message to each other at the same moment. What can
#    still happen, and what would prevent it?
#
# <details><summary>Solutions</summary>
#
# 1. On the table, each item is under 1 KB: 1 unit, doubled for a transaction, so 6 WCU.
#    On the index, the two group rows enter the GSI: one index write each, 2 WCU (measured
#    on DynamoDB: a transaction doubles the table's writes only, not the index's). The
#    message row never enters the sparse index. In all 8 WCU, plus the read before it.
# 2. A retry or a clock collision must fail loudly instead of overwriting an inbox line or
#    a message; the condition turns "overwrite" into "cancel everything".
# 3. Two groups for one pair: nothing in the model locks a pair. A third item keyed by the
#    pair (e.g. `PAIR#<uuid-a>#<uuid-b>`) with the same condition, in the same transaction,
#    would make the second transaction fail.
#
# </details>
#
# ## Summary
#
# * Pattern D reads the sender's inbox, then writes three items in one `TransactWriteItems`
#   (at most 100 actions and 4 MB, one action per item).
# * Conditions make a clash cancel everything, and `CancellationReasons` names the failed
#   action by its position; a batch has no conditions and may half-succeed.
# * The table is all-or-nothing; on AWS the index catches up asynchronously.

# %%
lab.close()
