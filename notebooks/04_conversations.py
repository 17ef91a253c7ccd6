# %% [markdown]
# # 04 · get-conversation and list-conversations, and the year filter
#
# ## Aim
#
# Run the bootcamp's two read scripts: the newest messages of a conversation, and a user's
# conversations (their inbox). See the query each one issues, and watch the bootcamp's
# version lose every conversation on the first of January.
#
# ## Theory
#
# Both are one `Query` on a partition key, newest first (`ScanIndexForward=False`):
#
# * **get-conversation**: `pk = MSG#<group>`, `Limit 20`; the app shows the page oldest
#   first, so the page is reversed after reading.
# * **list-conversations**: `pk = GRP#<user uuid>`: every group row of the user.
#
# The bootcamp added `begins_with(sk, <current year>)` to both key conditions (in its week-5
# code, commit `1b478f6`, the year is `datetime.now().year`; an earlier commit of the same
# week had the literal `'2023'`). The sort key is a timestamp, so that only matches items
# written *this* year: on 1 January every conversation whose last message is from December
# disappears, and the result depends on the clock of the machine that runs the query.
#
# A page that stops at `Limit` carries `LastEvaluatedKey`. On AWS that key means "there
# *may* be more": a page that ends exactly on the last item still has one, and the next
# request then returns no items. moto sends the key only when another item exists.
#
# AWS documentation: [Query](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html),
# [key condition expressions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html),
# [paginating query results](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, model
from cruddur_lab.clock import Clock, parse_timestamp
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import format_read_summary, format_requests, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import get_conversation, list_conversations

print("page size:", model.PAGE_SIZE)
print("get-conversation key:  ", model.message_pk(model.SEED_GROUP_UUID))

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))

# %% [markdown]
# ### get-conversation
#
# The request, as `get_conversation` sends it:

# %%
with recording(lab, ["Query"]) as calls:
    conversation = get_conversation(lab)
print(format_requests(calls))

# %% [markdown]
# The newest 20 messages, oldest first, then the figures: `Count`, `ScannedCount`, and
# the capacity the engine reported (on the embedded engine: what AWS would bill for these
# item sizes).

# %%
print(format_read_summary(conversation, engine=lab.settings.engine))
more = conversation.last_evaluated_key is not None
print("LastEvaluatedKey returned (older messages may exist):", more)
show(conversation.items, ("sk", "user_handle", "message"), width=60)

# %% [markdown]
# ### list-conversations
#
# andrewbrown's inbox. Each group row names the *other* participant.

# %%
with recording(lab, ["Query"]) as calls:
    inbox = list_conversations(lab, "andrewbrown")
print(format_requests(calls))
show(inbox.items, ("sk", "message_group_uuid", "user_handle", "message"))

# %% [markdown]
# ### The year filter, on 1 January
#
# The bootcamp's query, written out here only to show it fail (the package never issues
# it). The year comes from the clock of whoever runs the script. First with today's clock:


# %%
def bootcamp_get_conversation(clock):
    """The bootcamp's key condition: this year's messages only. Do not copy."""
    year = str(clock.now().year)
    page = lab.table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :year)",
        ExpressionAttributeValues={":pk": model.message_pk(model.SEED_GROUP_UUID), ":year": year},
        ScanIndexForward=False,
        Limit=model.PAGE_SIZE,
    )
    return year, page["Items"]


this_year, items = bootcamp_get_conversation(lab.clock)
print(f"clock year {this_year}: {len(items)} messages")

# %% [markdown]
# Now the same script on the first morning of the next year. Nothing was deleted; the
# conversation's last message is simply from last year.
#
# **Predict, then run:** how many of the conversation's messages will the query return?

# %%
last_message_at = parse_timestamp(conversation.items[-1]["sk"])
january = Clock.pinned(f"{last_message_at.year + 1}-01-01T09:00:00+00:00")
year, vanished = bootcamp_get_conversation(january)
print("last message written:", conversation.items[-1]["sk"])
print(f"clock year {year}: {len(vanished)} messages")

# %% [markdown]
# The fix is to drop the filter: the key condition is `pk` alone, so the answer no longer
# depends on any clock. `get_conversation` returns the same 20 messages whatever the date.

# %%
fixed = get_conversation(lab)
print(f"get_conversation: {fixed.count} messages, newest {fixed.items[-1]['sk']}")

# %% [markdown]
# ## Check

# %%
assert conversation.count == min(model.PAGE_SIZE, messages)
assert [i["sk"] for i in conversation.items] == sorted(i["sk"] for i in conversation.items)
assert inbox.items and inbox.items[0]["user_handle"] == "bayko"
assert vanished == []
assert len(items) == sum(i["sk"].startswith(this_year) for i in conversation.items)
assert fixed.items == conversation.items
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Read the conversation's second page: `get_conversation(lab, pages=2)`. Which
#    messages does it add, and in what order are they shown?
# 2. Is `begins_with(sk, year)` ever a good idea on this table? Think of a key condition
#    that limits a query to a time range and does not break on 1 January.
# 3. Run this notebook with another clock: `cruddur-lab run 04 -p now
#    2027-01-01T00:10:00+00:00`. How many messages does the bootcamp's query find with
#    that day's own clock?
#
# <details><summary>Solutions</summary>
#
# 1. Twenty older messages; all forty are shown oldest first.
# 2. A range on the sort key: `sk BETWEEN :from AND :to` (or `sk >= :since`) with explicit
#    bounds chosen by the caller, never derived from "this year".
# 3. Ten. The seed is anchored to `now`, so its hundred minutes straddle midnight: only
#    the ten messages written after midnight start with `2027`.
#
# </details>
#
# ## Summary
#
# * get-conversation and list-conversations are each one `Query` on one partition, newest first.
# * A key condition derived from the clock (`begins_with(sk, year)`) makes answers change
#   with the date: on 1 January everything "vanishes".
# * `LastEvaluatedKey` means "maybe more": only its absence proves the end.

# %%
lab.close()
