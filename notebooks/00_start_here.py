# %% [markdown]
# # 00 · Start here: Cruddur's direct messages on one DynamoDB table
#
# ## Aim
#
# Meet the app, the data model and the engines. By the end you will have opened a `Lab`
# (the object every notebook starts from), loaded the table, seeded one conversation and
# looked at one item of each kind.
#
# What you need: nothing besides this project. The default *embedded* engine runs moto (a
# DynamoDB, DynamoDB Streams and Cognito emulator) and a throwaway PostgreSQL inside this
# kernel. No AWS account, no network.
#
# ## Theory
#
# Cruddur is the micro-blogging app of the 2023 AWS cloud bootcamp. In week 5 its direct
# messages moved to DynamoDB, with a **single-table design**: one table holds two kinds of
# items, and each access pattern is one `Query` on a key the model chose for it.
#
# * a **group row** is one line of a user's inbox: one per participant per conversation;
# * a **message row** is one message of a conversation.
#
# Users live in PostgreSQL (`public.users`); Cognito signs them in. The package
# `cruddur_lab` holds all the logic; these notebooks narrate it and call it. The names and
# key shapes come from one module, `cruddur_lab.model`; we print them from there.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, model
from cruddur_lab.notebook.display import format_items, format_mapping
from cruddur_lab.scripts.lesson_data import ensure_lesson_data

# %% [markdown]
# The model in four lines: the table, its keys, and the index.

# %%
print(
    format_mapping(
        {
            "table": model.TABLE_NAME,
            "key": f"{model.PARTITION_KEY} (HASH) + {model.SORT_KEY} (RANGE), both strings",
            "group row pk": model.group_pk("<owner user uuid>"),
            "message row pk": model.message_pk("<message group uuid>"),
            "sk": "an ISO-8601 time: last message (group row) or created_at (message row)",
            "GSI": f"{model.GSI_NAME}: {model.GSI_PARTITION_KEY} + {model.GSI_SORT_KEY}",
        }
    )
)
print()
print("group row attributes:  ", ", ".join(model.GROUP_ATTRIBUTES))
print("message row attributes:", ", ".join(model.MESSAGE_ATTRIBUTES))

# %% [markdown]
# Only group rows carry `message_group_uuid`, so the GSI is **sparse**: it indexes the two
# group rows of each conversation and never a message.
#
# **Engines.** A `Lab` resolves its engine once: an argument first, then the environment,
# then the default.
#
# | engine | what it talks to | how to choose it |
# |---|---|---|
# | `embedded` | moto + an embedded PostgreSQL, fresh, on loopback only | the default |
# | `endpoint` | any DynamoDB-compatible URL (DynamoDB Local, LocalStack, `cruddur-lab up`) and any Postgres | `AWS_ENDPOINT_URL` and `CONNECTION_URL`, or `engine = "endpoint"` |
# | `aws` | your AWS account, through the normal credential chain | only when named: `engine = "aws"` |
#
# The parameters cell above is what papermill replaces: `cruddur-lab run -p now
# 2027-01-02T09:00:00+00:00` runs every notebook with another clock. When `cruddur-lab run`
# executes the notebooks, all kernels share the one engine it started.
#
# ## Practice
#
# Open the Lab. `now` pins the clock: every timestamp and id the package makes is
# reproducible, which is why the outputs below never change.

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print("engine:", lab.describe_engine())
print("table: ", lab.settings.table_name)
print("clock: ", lab.clock)

# %% [markdown]
# `ensure_lesson_data` creates the table (if missing) and seeds users and the seed conversation (only
# what is missing). Every notebook starts with it, so each one runs on its own.

# %%
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))

# %% [markdown]
# One item of each kind, read by key: andrewbrown's inbox line for the seed conversation,
# and the conversation's first message. The group row describes the *other* participant
# (andrewbrown's line shows bayko); the message row describes its *sender*.

# %%
from cruddur_lab.scripts.usersdb import find_user_by_handle

andrew = find_user_by_handle(lab, "andrewbrown")
inbox = lab.table.query(
    KeyConditionExpression="pk = :pk",
    ExpressionAttributeValues={":pk": model.group_pk(andrew.uuid)},
)["Items"]
inbox_line = next(row for row in inbox if row["message_group_uuid"] == model.SEED_GROUP_UUID)
first_message = lab.table.query(
    KeyConditionExpression="pk = :pk",
    ExpressionAttributeValues={":pk": model.message_pk(model.SEED_GROUP_UUID)},
    Limit=1,
)["Items"][0]
print(format_items([inbox_line]))
print()
print(format_items([first_message]))

# %% [markdown]
# ## Check

# %%
assert lab.settings.table_name == table_name
assert inbox_line["user_handle"] == "bayko" and inbox_line["pk"] == model.group_pk(andrew.uuid)
assert model.GSI_PARTITION_KEY in inbox_line and model.GSI_PARTITION_KEY not in first_message
assert first_message["user_handle"] in model.SEED_GROUP_HANDLES
print("checks passed")

# %% [markdown]
# ## The notebooks
#
# | notebook | story |
# |---|---|
# | 01_schema_load | create the table, its sparse GSI and its stream from the model |
# | 02_seed | users in Postgres, a conversation in DynamoDB; seeding twice changes nothing |
# | 03_scan | every item, grouped by partition; why Scan is not an access pattern |
# | 04_conversations | get-conversation and list-conversations; the year filter that broke in January |
# | 05_cognito_user_ids | copy Cognito `sub`s into Postgres, every page of them |
# | 06_pattern_a_list_messages | A: a conversation's newest 20 messages, and older pages |
# | 07_pattern_b_list_message_groups | B: a user's inbox, newest first |
# | 08_pattern_c_create_message | C: one message row, and what it does not do |
# | 09_pattern_d_create_message_group | D: a new conversation in one transaction, not a batch |
# | 10_pattern_e_streams | E: the stream keeps inbox lines current; `Records[0]` and delete-then-put |
#
# ## Exercises
#
# 1. What is the partition key of bayko's inbox? Build it with the model, don't type it.
# 2. Which of the two items above would a query on the GSI return, and why?
# 3. Re-run this notebook from the top. What does `ensure_lesson_data` report the second time?
#
# <details><summary>Solutions</summary>
#
# 1. `model.group_pk(find_user_by_handle(lab, "bayko").uuid)`.
# 2. Only the group row: it is the only one with `message_group_uuid`, the index's key.
# 3. `already exists; nothing changed` and `messages written: 0 (already there: 100)`:
#    the seed is idempotent.
#
# </details>

# %%
lab.close()
