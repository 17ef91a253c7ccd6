# %% [markdown]
# # 08 · Pattern C: send a message in an existing conversation
#
# ## Aim
#
# Send a message as a signed-in user with the service for Pattern C, see the one item it
# writes, and see what it deliberately leaves to Pattern E. Meet the validation errors the
# bootcamp answered with a 500.
#
# ## Theory
#
# A message is one `PutItem` of a message row: `pk = MSG#<group>`, `sk` = the time it was
# sent, `message_uuid` a new id, and the sender's uuid, handle and display name. The write
# is conditional (`attribute_not_exists(pk)`), so two messages in the same microsecond
# never overwrite each other. The group rows (the inboxes) are **not** touched here: on AWS
# a Lambda on the table's stream moves them (notebook 10).
#
# Before the write, the service checks that the sender belongs to the conversation: the
# same membership `Query` on the sparse GSI as Pattern A (eventually consistent on AWS; a
# "no" is confirmed on the caller's own inbox). So C sends two requests.
#
# The bootcamp's `create_message` (week 5, `lib/ddb.py` at commit `1b478f6`) returned the
# *sender's user uuid* where the message's uuid belonged, wrote without a condition, and
# checked no membership; here the answer carries the message's own uuid.
#
# This notebook writes to a table of its own, so that no stream reader (such as the one
# `cruddur-lab up` runs on the main table) moves the inbox lines before we look at them.
#
# AWS documentation: [PutItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html),
# [condition expressions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html),
# [write capacity](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
from cruddur_lab import Lab, ServiceError, model
from cruddur_lab.app.patterns import create_message, list_messages, provision_caller
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import format_mapping, format_requests, short_ids, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import list_conversations

group = model.SEED_GROUP_UUID
print("message row attributes:", ", ".join(model.MESSAGE_ATTRIBUTES))
print("longest message:", model.MAX_MESSAGE_CHARS, "characters")

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=f"{table_name}-pattern-c", now=now)
print("table:", lab.settings.table_name)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))
bayko = provision_caller(lab, "bayko")


def seed_inbox_line():
    """andrewbrown's group row for the seed conversation."""
    rows = list_conversations(lab, "andrewbrown").items
    return [r for r in rows if r["message_group_uuid"] == group]


inbox_before = seed_inbox_line()

# %% [markdown]
# **Predict, then run:** which requests will sending one message make, and which items will
# it write?

# %%
with recording(lab) as calls:
    sent = create_message(lab, bayko, group, "Pattern C writes exactly one item.")
print(format_requests(calls))
print()
print(format_mapping({k: short_ids(v) for k, v in sent.as_dict().items()}))

# %% [markdown]
# The new message is the newest of the conversation (Pattern A shows it last):

# %%
andrew = provision_caller(lab, "andrewbrown")
latest = list_messages(lab, andrew, group).items[-3:]
show(latest, ("sk", "message_uuid", "user_handle", "message"), width=44)

# %% [markdown]
# andrewbrown's inbox line still shows the *previous* last message: nothing has moved it.
# On AWS, the stream's Lambda would move it a moment later (notebook 10).

# %%
inbox_after = seed_inbox_line()
rows = [{"when": "before", **inbox_before[0]}, {"when": "after", **inbox_after[0]}]
show(rows, ("when", "sk", "user_handle", "message"), width=60)

# %% [markdown]
# Validation, each answered with a code and one line before anything is written:

# %%
londo = provision_caller(lab, "londo")
attempts = [
    ("blank message", bayko, group, "   "),
    ("too long", bayko, group, "x" * (model.MAX_MESSAGE_CHARS + 1)),
    ("no group", bayko, "", "hello"),
    ("not a member", londo, group, "let me in"),
    ("unknown caller", "no-such-sub", group, "hello"),
]
for label, caller, target, text in attempts:
    try:
        create_message(lab, caller, target, text)
        print(f"{label:15} -> written?!")
    except ServiceError as error:
        print(f"{label:15} -> {error.code}")

# %% [markdown]
# ## Check

# %%
assert [c.operation for c in calls] == ["Query", "PutItem"]
assert calls[0].params["IndexName"] == model.GSI_NAME
assert calls[1].params["Item"]["message_uuid"] == sent.message_uuid
assert calls[1].params["Item"]["pk"] == model.message_pk(group)
assert sent.message_uuid != sent.user_uuid and sent.user_handle == "bayko"
assert latest[-1]["message_uuid"] == sent.message_uuid
# Pattern C wrote the message row only: the inbox line is exactly as it was.
assert inbox_after == inbox_before
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Send a message with exactly 1,024 characters. Accepted or refused?
# 2. Send two messages in a row and compare their `sk`. Why do they differ here, and what
#    would happen on a real clock within one microsecond?
# 3. Who should move the inbox lines: this service, or the stream? Think of a message
#    written by another program straight into the table.
#
# <details><summary>Solutions</summary>
#
# 1. Accepted: the limit is *more than* 1,024 (`message_exceed_max_chars`).
# 2. The pinned clock advances one second per call. On a real clock, two writes in the same
#    microsecond would share a key: the conditional put refuses the second, and the service
#    retries with a fresh timestamp.
# 3. The stream sees every write, whoever made it, so inboxes stay right even for messages
#    this service never saw; that is why the app left it to a Lambda.
#
# </details>
#
# ## Summary
#
# * Pattern C sends a membership `Query` on the index and one conditional `PutItem`.
# * `attribute_not_exists(pk)` makes a key clash fail instead of overwriting a message.
# * Inbox lines are not touched here: moving them is Pattern E's job, after the write.

# %%
lab.close()
