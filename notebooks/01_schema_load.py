# %% [markdown]
# # 01 · schema-load: the table, its sparse index and its stream
#
# ## Aim
#
# Create `cruddur-messages` exactly as the bootcamp's `bin/ddb/schema-load` did, from the
# model rather than from a hand-written dictionary, and read back what DynamoDB made of it.
# Learn why loading the schema twice must be harmless.
#
# ## Theory
#
# `CreateTable` needs the key schema, a definition for every *key* attribute (not for the
# others: DynamoDB is schemaless beyond its keys), the GSI, the throughput and the stream.
# The bootcamp used provisioned throughput 5/5 on the table and on the index; its
# `bin/ddb/schema-load` created no stream, and students switched it on by hand later.
# Pattern E (notebook 10) needs it, with view type `NEW_IMAGE`, so the model's spec has it.
#
# AWS documentation: [CreateTable](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html),
# [global secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html),
# [provisioned capacity](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/provisioned-capacity-mode.html),
# [DynamoDB Streams](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, model
from cruddur_lab.notebook.display import format_mapping
from cruddur_lab.notebook.request_display import format_parameters
from cruddur_lab.scripts.schema import describe, drop, list_tables, schema_load, summarize

# %% [markdown]
# The request `schema-load` sends, built by `model.create_table_spec`.
#
# **Predict, then run:** which attributes will `AttributeDefinitions` list? All seven of a
# group row, or fewer?

# %%
print(format_parameters("CreateTable", model.create_table_spec(table_name)))

# %% [markdown]
# Three: `pk`, `sk` and `message_group_uuid`, the attributes some key uses.
#
# ## Practice
#
# Open the Lab and load the schema. On a fresh engine the table is created and the call
# waits until it is `ACTIVE`.

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
if reset:
    print("dropped:", drop(lab, yes=yes))
first = schema_load(lab)
print(first)

# %% [markdown]
# A second run finds the table and changes nothing. The bootcamp's script failed here with
# `ResourceInUseException`; a script that runs in CI and in a student's shell should be
# safe to repeat.

# %%
second = schema_load(lab)
print(second)
print(list_tables(lab))

# %% [markdown]
# What DynamoDB reports back, reduced to what a learner reads (the full description also
# carries ARNs and creation times that change on every run):

# %%
summary = summarize(describe(lab))
print(format_mapping(summary))

# %% [markdown]
# The schema check that every other command runs first (`require_table`) compares the live
# table with the model. An empty list means they agree:

# %%
print(model.schema_differences(describe(lab)))

# %% [markdown]
# ## Check

# %%
assert second.created is False
assert table_name in list_tables(lab)
assert summary["KeySchema"] == "pk (HASH) + sk (RANGE)"
assert model.GSI_NAME in summary["GlobalSecondaryIndexes"]
assert summary["Stream"] == model.STREAM_VIEW_TYPE
assert model.schema_differences(describe(lab)) == []
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Why does `AttributeDefinitions` list `message_group_uuid` but not `message`?
# 2. Build the spec for on-demand billing. What disappears from it?
# 3. What would `schema_differences` say about a table whose GSI is keyed on `pk`?
#
# <details><summary>Solutions</summary>
#
# 1. Only attributes used in a key (of the table or of an index) are declared;
#    `message_group_uuid` is the GSI's partition key, `message` is no key at all.
# 2. `model.create_table_spec(table_name, billing_mode="PAY_PER_REQUEST")`: both
#    `ProvisionedThroughput` entries are gone.
# 3. Try it on a copy of the description:
#    `d = describe(lab); d["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"] = "pk"`
#    then `model.schema_differences(d)` names the GSI's keys.
#
# </details>
#
# ## Summary
#
# * `CreateTable` declares only key attributes: `pk`, `sk` and the GSI's `message_group_uuid`.
# * The spec comes from `cruddur_lab.model`, and `schema_differences` compares a live table
#   with it before every command.
# * The stream (`NEW_IMAGE`) is part of the table from the start: Pattern E depends on it.

# %%
lab.close()
