# %% [markdown]
# # 00 · Start here: Cruddur's direct messages on one DynamoDB table
#
# ## Aim
#
# Meet the app and its data model. Cruddur is the micro-blogging app of the 2023 AWS cloud
# bootcamp; in week 5 its direct messages moved from PostgreSQL to DynamoDB. By the end of
# this notebook you will know the two kinds of items the messages table holds, the access
# patterns that read and write them (and every request each one really sends), and you will
# have looked at one item of each kind.
#
# ## Theory
#
# The bootcamp chose a **single-table design**: one table, `cruddur-messages`, holds two
# kinds of items, and the key of each is shaped so that every screen of the app is one
# cheap read of one partition.
#
# * A **group row** is one line of a user's inbox: one per participant per conversation,
#   keyed `GRP#<owner's user uuid>`, its sort key the time of the conversation's last message.
#   It describes the *other* participant.
# * A **message row** is one message, keyed `MSG#<conversation uuid>`, its sort key the time
#   it was sent. It describes its *sender*.
#
# Only group rows carry `message_group_uuid`, and a global secondary index (GSI) is keyed on
# it: a **sparse** index that holds the two group rows of each conversation and never a
# message. Users themselves live in PostgreSQL (`public.users`); Cognito signs them in, and
# the app finds the caller by the `sub` of their token.
#
# The access patterns, and what each one really sends (every pattern first looks the caller
# up in PostgreSQL):
#
# | pattern | what the app does | DynamoDB requests |
# |---|---|---|
# | A | list a conversation's newest 20 messages | a `Query` on the GSI (is the caller in it? if it says no, a consistent `Query` of the caller's inbox confirms), then a `Query` on `MSG#<group>` |
# | B | list a user's conversations | one `Query` on `GRP#<user>` |
# | C | send a message | a `Query` on the GSI (membership), then one `PutItem` |
# | D | start a conversation | a `Query` of the sender's inbox (do they already share one?), then one `TransactWriteItems` of three puts |
# | E | keep inboxes current | per new message: a `Query` on the GSI, then one `TransactWriteItems` per group row |
#
# So "one pattern, one `Query`" is true of B only: the others add a membership check, a
# look-up or one write per row. Notebooks 06–10 record each request as it is sent.
#
# Where the bootcamp's code is quoted, it is its week-5 state in
# `ExamProCo/aws-bootcamp-cruddur-2023` (commit `1b478f6`: `backend-flask/lib/ddb.py`,
# `bin/ddb/…`, `bin/db/update_cognito_user_ids`); where an earlier commit differs, the
# notebook says so.
#
# AWS documentation: [core components of DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html),
# [NoSQL design](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-general-nosql-design.html),
# [sparse indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, model
from cruddur_lab.notebook.display import format_mapping, item_columns, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.usersdb import find_user_by_handle

# %% [markdown]
# ## Practice
#
# The model in a few lines, printed from `cruddur_lab.model`, the one place that names the
# table, its keys and its index:

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
# Every notebook starts by opening a `Lab`: the connection to DynamoDB, Cognito and
# PostgreSQL, with the notebook's clock. `ensure_lesson_data` then creates the table if it
# is missing and seeds the users and one conversation between andrewbrown and bayko (only
# what is missing), so each notebook runs on its own.

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print("engine:", lab.describe_engine())
print("table: ", lab.settings.table_name)
print("clock: ", lab.clock)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))

# %% [markdown]
# One item of each kind, read by key: andrewbrown's inbox line for the seed conversation,
# and the conversation's first message, side by side, one attribute a row.
#
# **Predict, then run:** andrewbrown owns the inbox line. Whose handle will it show? And
# whose handle will the first message show?

# %%
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
rows = [
    {
        "attribute": name,
        "group row": inbox_line.get(name, "(absent)"),
        "message row": first_message.get(name, "(absent)"),
    }
    for name in item_columns([inbox_line, first_message])
]
show(rows, ("attribute", "group row", "message row"))

# %% [markdown]
# The group row shows **bayko**, the other participant; the message shows its sender. The
# message row has no `message_group_uuid`: its conversation is in its key instead, and that
# absence is what keeps messages out of the index. (Uuids are shortened to eight characters
# in tables; hover over a cell in JupyterLab to see the whole value.)
#
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
# | 03_scan | every item, grouped by partition; a Scan and a Query for the same job |
# | 04_conversations | get-conversation and list-conversations; the year filter that broke in January |
# | 05_cognito_user_ids | copy Cognito `sub`s into Postgres, every page of them (no DynamoDB) |
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
#
# ## Summary
#
# * One table holds inbox lines (`GRP#<user>`) and messages (`MSG#<conversation>`); each
#   screen of the app reads one partition.
# * Only group rows carry `message_group_uuid`, so the GSI on it is sparse: no message is in it.
# * Pattern B is one `Query`; A, C, D and E each send more than one request, shown in 06–10.
#
# ## How this workbench runs
#
# A `Lab` resolves its engine once: an argument first, then the environment, then the
# default.
#
# | engine | what it talks to | how to choose it |
# |---|---|---|
# | `embedded` | moto (a DynamoDB, Streams and Cognito emulator) and a throwaway PostgreSQL, on loopback only | the default |
# | `endpoint` | any DynamoDB-compatible URL (DynamoDB Local, LocalStack, `cruddur-lab up`) and any Postgres | `AWS_ENDPOINT_URL` and `CONNECTION_URL`, or `engine = "endpoint"` |
# | `aws` | your AWS account, through the normal credential chain | only when named: `engine = "aws"` |
#
# The cell tagged `parameters` holds what a batch run may change: `cruddur-lab run -p now
# 2027-01-02T09:00:00+00:00` runs every notebook with another clock (papermill replaces that
# cell). `now` pins the clock, so every timestamp and id the package makes is the same on
# every run; `now = "real"` uses the real time. When `cruddur-lab run` executes the notebooks,
# all kernels share the one engine it started. Where an engine behaves differently from AWS,
# the notebook says so where it shows.
#
# Tables of items are HTML in JupyterLab and plain text elsewhere. To sort, filter or plot
# them yourself, hand them to pandas: `show(rows).to_frame()` is a `DataFrame`.

# %%
lab.close()
