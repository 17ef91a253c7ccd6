# %% [markdown]
# # 07 · Pattern B: list a user's conversations
#
# ## Aim
#
# Call the service for Pattern B, a user's inbox newest first, page through it, and watch
# the bootcamp's year filter hide a conversation two minutes after its last message.
#
# ## Theory
#
# The inbox is the item collection `GRP#<user uuid>`: one group row per conversation, its
# `sk` the time of the conversation's last message. Querying it newest first
# (`ScanIndexForward=False`) is the whole pattern: one request, after the caller is found
# in Postgres. It reads the table, not the index, so it could even ask for a strongly
# consistent read; an index query cannot. The bootcamp's `list_message_groups` (week 5,
# `lib/ddb.py` at commit `1b478f6`) added `begins_with(sk, <current year>)` and `Limit 20`,
# and returned no page token.
#
# AWS documentation: [Query](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html),
# [sort keys to organize data](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-sort-keys.html),
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
from cruddur_lab.app.patterns import create_message_group, list_message_groups, provision_caller
from cruddur_lab.clock import Clock, parse_timestamp
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import format_requests, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.usersdb import find_user_by_handle

print("inbox partition:", model.group_pk("<user uuid>"))

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))
andrew = provision_caller(lab, "andrewbrown")

# %% [markdown]
# A second conversation, with delenn, whose last message was sent on New Year's Eve, 23:58,
# before this notebook's clock (`now`). A second `Lab` on the same services, its clock pinned
# to that minute, writes it (Pattern D, notebook 09).

# %%
year = lab.clock.origin.year - 1  # last New Year's Eve
earlier = [r for r in list_message_groups(lab, andrew).items if r["user_handle"] == "delenn"]
if earlier:
    year = int(earlier[0]["sk"][:4])
    print("conversation with delenn: already there (an earlier run)")
else:
    december = Lab(lab.settings.with_(now=f"{year}-12-31T23:58:00+00:00"))
    create_message_group(december, andrew, "delenn", "Happy new year, Delenn!")
    december.close()
    print("conversation with delenn: created")

# %% [markdown]
# **Predict, then run:** in what order will the two conversations come back, and how many
# requests does the inbox cost?

# %%
with recording(lab, ["Query"]) as calls:
    inbox = list_message_groups(lab, andrew)
print(format_requests(calls))
show(inbox.items, ("sk", "user_handle", "message_group_uuid", "message"))

# %% [markdown]
# Pages of one row each, following `next_token`:

# %%
token, seen = None, []
while True:
    one = list_message_groups(lab, andrew, limit=1, page_token=token)
    seen += [row["user_handle"] for row in one.items]
    token = one.next_token
    if token is None:
        break
print(" -> ".join(seen))

# %% [markdown]
# ### The year filter, two minutes later
#
# The bootcamp's query (written out only to show it fail), first by a clock on New Year's
# Eve at 23:59, then by one on 1 January at 00:00, two minutes after the last message to
# delenn:


# %%
def bootcamp_list_message_groups(clock, user_uuid):
    """The bootcamp's inbox query: this year's conversations only. Do not copy."""
    year = str(clock.now().year)
    return lab.table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :year)",
        ExpressionAttributeValues={":pk": model.group_pk(user_uuid), ":year": year},
        ScanIndexForward=False,
    )["Items"]


andrew_uuid = find_user_by_handle(lab, "andrewbrown").uuid
eve = Clock.pinned(f"{year}-12-31T23:59:00+00:00")
new_year = Clock.pinned(f"{year + 1}-01-01T00:00:00+00:00")
on_new_years_eve = bootcamp_list_message_groups(eve, andrew_uuid)
on_new_years_day = bootcamp_list_message_groups(new_year, andrew_uuid)
on_notebook_clock = bootcamp_list_message_groups(lab.clock, andrew_uuid)
for label, rows in [
    (f"{eve.now():%d %B %Y %H:%M}", on_new_years_eve),
    (f"{new_year.now():%d %B %Y %H:%M}", on_new_years_day),
    (f"{lab.clock.origin:%d %B %Y %H:%M} (this notebook)", on_notebook_clock),
]:
    shown = "shown" if any(r["user_handle"] == "delenn" for r in rows) else "missing"
    print(f"{label:36} conversation with delenn {shown}")

# %% [markdown]
# The conversation did not change; the clock did. With this notebook's own clock (March)
# the bootcamp's query misses it too. The service has no year in its key condition; its
# answer does not depend on the date.
#
# ## Check

# %%
sks = [row["sk"] for row in inbox.items]
assert sks == sorted(sks, reverse=True)
assert {"bayko", "delenn"} <= {row["user_handle"] for row in inbox.items}
(with_delenn,) = [row for row in inbox.items if row["user_handle"] == "delenn"]
assert with_delenn["sk"].startswith(f"{year}-12-31")
assert seen == [row["user_handle"] for row in inbox.items]
assert len(calls) == 1 and "IndexName" not in calls[0].params
assert parse_timestamp(with_delenn["sk"]) < lab.clock.origin
december_group = with_delenn["message_group_uuid"]
assert december_group in {row["message_group_uuid"] for row in on_new_years_eve}
assert december_group not in {row["message_group_uuid"] for row in on_new_years_day}
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. List bayko's inbox. Who appears, and why is delenn not there?
# 2. What would a GSI on `user_handle` add, and why does this model not need one?
# 3. The bootcamp's inbox query had `Limit 20` and returned no page token. What did a user
#    with 25 conversations see?
#
# <details><summary>Solutions</summary>
#
# 1. `list_message_groups(lab, provision_caller(lab, "bayko"))`: only andrewbrown. Each
#    conversation has one group row per participant, in each participant's own partition.
# 2. A way to find conversations by the other person's handle; the app never asks that, it
#    only reads "my inbox" and "this conversation".
# 3. Their 20 most recent conversations and no way to reach the other five: the page's
#    `LastEvaluatedKey` was dropped. Here `next_token` reaches them.
#
# </details>
#
# ## Summary
#
# * Pattern B is one `Query` on `GRP#<user>`, newest first: the inbox is an item collection.
# * A page token (`LastEvaluatedKey`) reaches past the first page; the bootcamp dropped it.
# * Filtering on "this year" turns the calendar into a bug: keys must not depend on the clock.

# %%
lab.close()
