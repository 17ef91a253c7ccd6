# %% [markdown]
# # 06 · Pattern A: list the messages of a conversation
#
# ## Aim
#
# Call the app's service for Pattern A as a signed-in user: the newest 20 messages of a
# conversation, oldest first, and older pages on request. See what the bootcamp's version
# got wrong: it never returned a page token, and it let anyone read any conversation.
#
# ## Theory
#
# One `Query` on the conversation's partition, newest first, `Limit 20`, reversed for
# display. DynamoDB stops after `Limit` items and hands back `LastEvaluatedKey`; passing it
# as `ExclusiveStartKey` continues where the page ended. The service returns it as an
# opaque `next_token`. The caller is named by their Cognito `sub`, looked up in Postgres.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, ServiceError, model
from cruddur_lab.app.patterns import list_messages, provision_caller
from cruddur_lab.engine.trace import format_calls, recording
from cruddur_lab.notebook.display import format_items
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

# %%
with recording(lab, ["Query"]) as calls:
    page = list_messages(lab, andrew, group)
print(format_calls(calls[-1:]))
print()
print(format_items(page.items, ("sk", "user_handle", "message"), max_width=60))
print()
print(f"{page.count} messages; next_token: {'yes' if page.next_token else 'none'}")

# %% [markdown]
# The membership check happens first (the recording shows its GSI query before the one
# above). Older pages: pass `next_token` back until there is none.

# %%
pages = [page]
while pages[-1].next_token:
    pages.append(list_messages(lab, andrew, group, page_token=pages[-1].next_token))
for number, p in enumerate(pages, start=1):
    print(f"page {number}: {p.count:3d} messages, {p.items[0]['sk']} .. {p.items[-1]['sk']}")

# %% [markdown]
# The bootcamp's service returned the first page and dropped `LastEvaluatedKey`: the app
# could never show more than 20 messages. It also never checked who was asking. londo is
# not in this conversation:

# %%
londo = provision_caller(lab, "londo")
try:
    list_messages(lab, londo, group)
except ServiceError as error:
    print(f"{error.code}: {error}")

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
assert page.count == min(model.PAGE_SIZE, len(every))
assert [i["sk"] for i in every] == sorted(i["sk"] for i in every)
assert len({i["message_uuid"] for i in every}) == len(every) >= messages
assert page.items == every[-page.count :]
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. How many requests does reading all pages cost? Count the `Query` calls with
#    `recording(lab, ["Query"])`.
# 2. Try a page token from bayko's inbox on this conversation. What does the service say?
# 3. Why reverse each page instead of querying oldest first (`ScanIndexForward=True`)?
#
# <details><summary>Solutions</summary>
#
# 1. One per page for the messages, plus the membership check's GSI query per call.
# 2. `invalid_page_token`: the token names another partition, so it is refused before any
#    query runs.
# 3. Oldest first would return the *first* 20 messages ever written; the app wants the
#    newest 20, in reading order.
#
# </details>

# %%
lab.close()
