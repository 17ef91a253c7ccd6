# %% [markdown]
# # 06 · Pattern A: list the messages of a conversation
#
# ## Aim
#
# Call the app's service for Pattern A as a signed-in user: the newest 20 messages of a
# conversation, oldest first, and older pages on request. See every request it sends, and
# what the bootcamp's version got wrong: it never returned a page token, and it let anyone
# read any conversation.
#
# ## Theory
#
# The service sends two requests, after finding the caller in Postgres by their Cognito `sub`:
#
# 1. **membership**: a `Query` on the sparse GSI, `message_group_uuid = <group>`, which
#    returns the conversation's two group rows; the caller must own one of them. Index
#    reads are eventually consistent, and on AWS the index is updated asynchronously after
#    a write: a conversation created a moment ago may not be in it yet. So a "no" from the
#    index is confirmed by a strongly consistent read of the caller's own inbox.
# 2. **messages**: a `Query` on the partition `MSG#<group>`, newest first, `Limit 20`,
#    reversed for display.
#
# DynamoDB stops after `Limit` items and hands back `LastEvaluatedKey`; passing it as
# `ExclusiveStartKey` continues where the page ended. The service returns it as an opaque
# `next_token`. **Engines differ at the end**: AWS returns a key whenever a page stops at
# `Limit`, even on the very last message, so with 100 messages in pages of 20 the sixth
# request answers with an empty page and no key. moto returns a key only when another
# message exists, so here the walk ends after five pages. Code that walks pages must accept
# an empty page.
#
# **`Limit` counts what is read, not what is returned.** DynamoDB stops a page after `Limit`
# items *evaluated*, and only then applies a `FilterExpression`. A filtered page can hold
# fewer than `Limit` items, or none, and still have a `LastEvaluatedKey`: only its absence
# says that the last page has been read.
#
# The bootcamp's week-5 `lib/ddb.py` (commit `1b478f6`) queried with `Limit 40` and a year
# filter, returned no page token, and its `Messages` service never checked that the caller
# belongs to the conversation.
#
# AWS documentation: [paginating query results](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html),
# [Query API: Limit and LastEvaluatedKey](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html),
# [filter expressions on a Query](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html),
# [read consistency](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from boto3.dynamodb.conditions import Attr, Key

from cruddur_lab import Lab, ServiceError, model
from cruddur_lab.app.patterns import list_messages, provision_caller, walk_message_pages
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import describe_page, format_requests, short_ids, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data

group = model.SEED_GROUP_UUID
print("partition read:", model.message_pk(group), "| page size:", model.PAGE_SIZE)

# %% [markdown]
# ## Practice
#
# `provision_caller` gives the Cognito `sub` of a seed user (on a local engine it syncs the
# user pool first, as notebook 05 did). It is random, so we never print it.

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))
andrew = provision_caller(lab, "andrewbrown")

# %% [markdown]
# **Predict, then run:** how many DynamoDB requests does one call of `list_messages` send?

# %%
with recording(lab, ["Query"]) as calls:
    page = list_messages(lab, andrew, group)
print(format_requests(calls))
print()
print(f"{page.count} messages; next_token: {'yes' if page.next_token else 'none'}")
show(page.items, ("sk", "user_handle", "message"), width=60)

# %% [markdown]
# Two: the membership query on the index (`IndexName`), then the page of messages.
#
# Older pages: pass `next_token` back until a page comes without one. `walk_message_pages`
# does exactly that, and keeps an empty page if DynamoDB sends one.

# %%
pages = list(walk_message_pages(lab, andrew, group))
for number, p in enumerate(pages, start=1):
    print(describe_page(number, p))

# %% [markdown]
# ### `Limit` before the filter
#
# The same query as the page above, newest first with `Limit 20`, plus a filter that keeps
# bayko's messages only.
#
# **Predict, then run:** how many messages come back, and is there a `LastEvaluatedKey`?

# %%
filtered = lab.table.query(
    KeyConditionExpression=Key("pk").eq(model.message_pk(group)),
    FilterExpression=Attr("user_handle").eq("bayko"),
    ScanIndexForward=False,
    Limit=model.PAGE_SIZE,
)
more = "yes" if "LastEvaluatedKey" in filtered else "none"
counts = f"ScannedCount {filtered['ScannedCount']}, Count {filtered['Count']}"
print(f"Limit {model.PAGE_SIZE}: {counts}, LastEvaluatedKey: {more}")

# %% [markdown]
# DynamoDB read 20 messages, then dropped andrewbrown's: the page holds bayko's share of
# the newest 20, not his newest 20. A "20 messages from bayko" feature would have to follow
# `LastEvaluatedKey` until it has 20, and pay for every message read on the way.
#
# ### The bootcamp's version
#
# The bootcamp's service returned the first page and dropped `LastEvaluatedKey`: the app
# could never show more than one page. It also never checked who was asking. londo is not
# in this conversation:

# %%
londo = provision_caller(lab, "londo")
try:
    list_messages(lab, londo, group)
except ServiceError as error:
    print(error.code)
    print(short_ids(str(error)))

# %% [markdown]
# Bad input is answered with a code and one line, not a crash:

# %%
for bad_group in ("", "not-a-uuid"):
    try:
        list_messages(lab, andrew, bad_group)
    except ServiceError as error:
        print(f"{bad_group!r:14} -> {error.code}")

# %% [markdown]
# ## Check

# %%
every = [item for p in reversed(pages) for item in p.items]
assert [c.params.get("IndexName") for c in calls] == [model.GSI_NAME, None]
assert page.count == min(model.PAGE_SIZE, len(every))
assert [i["sk"] for i in every] == sorted(i["sk"] for i in every)
assert len({i["message_uuid"] for i in every}) == len(every) >= messages
assert page.items == every[-page.count :]
assert pages[-1].next_token is None
assert all(p.count == model.PAGE_SIZE for p in pages if p.next_token)
# Limit stopped the read at 20 evaluated messages; the filter then kept bayko's only.
assert filtered["ScannedCount"] == model.PAGE_SIZE > filtered["Count"] > 0
assert {i["user_handle"] for i in filtered["Items"]} == {"bayko"}
assert "LastEvaluatedKey" in filtered
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. How many requests does reading all pages cost? Count the `Query` calls with
#    `recording(lab, ["Query"])` around `list(walk_message_pages(lab, andrew, group))`.
# 2. Try a page token from bayko's inbox on this conversation. What does the service say?
# 3. Why reverse each page instead of querying oldest first (`ScanIndexForward=True`)?
#
# <details><summary>Solutions</summary>
#
# 1. Two per page: the membership query on the index and the page itself, so 10 here for
#    5 pages. On AWS, 12: the sixth, empty page is a request too.
# 2. `invalid_page_token`: the token names another partition, so it is refused before any
#    query runs.
# 3. Oldest first would return the *first* 20 messages ever written; the app wants the
#    newest 20, in reading order.
#
# </details>
#
# ## Summary
#
# * Pattern A sends two requests: a membership query on the eventually consistent index,
#   then a `Query` on `MSG#<group>`, newest first, `Limit 20`.
# * `next_token` is `LastEvaluatedKey`; follow it until it is absent, accepting an empty page:
#   `Limit` counts the items read, before any filter, so a short page is not the last.
# * Only members may read a conversation; a "no" from the index is confirmed on the table.

# %%
lab.close()
