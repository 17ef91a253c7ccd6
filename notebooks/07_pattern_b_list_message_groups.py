# %% [markdown]
# # 07 · Pattern B: list a user's conversations
#
# ## Aim
#
# Call the service for Pattern B, a user's inbox newest first, page through it, and watch
# the bootcamp's year filter hide a conversation that is two minutes old.
#
# ## Theory
#
# The inbox is the item collection `GRP#<user uuid>`: one group row per conversation, its
# `sk` the time of the conversation's last message. Querying it newest first
# (`ScanIndexForward=False`) is the whole pattern. The bootcamp's `list_message_groups`
# added `begins_with(sk, <current year>)`.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, model
from cruddur_lab.app.patterns import create_message_group, list_message_groups, provision_caller
from cruddur_lab.clock import Clock
from cruddur_lab.notebook.display import format_items
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
# A second conversation, started on 31 December at 23:58 of this year. A second `Lab` on the
# same services with its clock pinned to that minute writes it (Pattern D, notebook 09).

# %%
year = lab.clock.origin.year
earlier = [r for r in list_message_groups(lab, andrew).items if r["user_handle"] == "delenn"]
if earlier:
    year = int(earlier[0]["sk"][:4])
    print("conversation with delenn: already there (an earlier run)")
else:
    december = Lab(lab.settings.with_(now=f"{year}-12-31T23:58:00+00:00"))
    create_message_group(december, andrew, "delenn", "Happy new year, Delenn!")
    december.close()
    print("conversation with delenn: created")

# %%
inbox = list_message_groups(lab, andrew)
columns = ("sk", "user_handle", "message_group_uuid", "message")
print(format_items(inbox.items, columns, max_width=36))

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
# The bootcamp's query (written out only to show it fail), run by a clock on 1 January at
# 00:00, two minutes after the last message to delenn:


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
print(f"31 December: {len(on_new_years_eve)} conversations")
print(f" 1 January:  {len(on_new_years_day)} conversations")

# %% [markdown]
# The service has no year in its key condition; its answer does not depend on the date.
#
# ## Check

# %%
sks = [row["sk"] for row in inbox.items]
assert sks == sorted(sks, reverse=True)
assert {"bayko", "delenn"} <= {row["user_handle"] for row in inbox.items}
(with_delenn,) = [row for row in inbox.items if row["user_handle"] == "delenn"]
assert with_delenn["sk"].startswith(f"{year}-12-31")
assert seen == [row["user_handle"] for row in inbox.items]
december_group = with_delenn["message_group_uuid"]
assert december_group in {row["message_group_uuid"] for row in on_new_years_eve}
assert december_group not in {row["message_group_uuid"] for row in on_new_years_day}
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. List bayko's inbox. Who appears, and why is delenn not there?
# 2. What would a GSI on `user_handle` add, and why does this model not need one?
# 3. The inbox query has no `Limit` in the bootcamp. When would that hurt?
#
# <details><summary>Solutions</summary>
#
# 1. `list_message_groups(lab, provision_caller(lab, "bayko"))`: only andrewbrown. Each
#    conversation has one group row per participant, in each participant's own partition.
# 2. A way to find conversations by the other person's handle; the app never asks that, it
#    only reads "my inbox" and "this conversation".
# 3. For a user with thousands of conversations: one request reads up to 1 MB of group
#    rows even though the screen shows twenty.
#
# </details>

# %%
lab.close()
