# %% [markdown]
# # 10 · Pattern E: the stream keeps every inbox current
#
# ## Aim
#
# Watch a new message move both inbox lines of its conversation, through the table's
# stream and the same handler code a Lambda runs on AWS. Then break it the two ways the
# bootcamp's handler did, reading only `Records[0]` and moving a row with a delete and a
# separate put, and see how the handler here avoids both.
#
# ## Theory
#
# **The stream.** A DynamoDB stream records *item-level modifications*: one record per item
# a write actually changed, with the item's new image (`NEW_IMAGE`). A conditional write
# that fails, or a write that changes nothing, leaves no record. AWS guarantees two things:
# each record appears in the stream **exactly once**, and the records of one item appear
# **in the order of that item's changes**. Nothing orders the records of different items:
# those of one transaction are not atomic or ordered on the stream, and a reader may see
# some of them before the others. Records are kept for **24 hours**: reading "from the
# start" (`TRIM_HORIZON`) means from the oldest record still kept, not from the table's
# birth. Like the GSI, the stream is written asynchronously after the table.
#
# **At least once.** The stream holds each record once, but Lambda's event source mapping
# delivers it *at least* once: after an error, a timeout or a partial failure it invokes
# the function again from its last checkpoint, records already applied included, and AWS
# asks for functions that can take a record twice. A handler that re-keys a row to
# whatever record it is handed cannot: a second delivery of an older message, arriving
# after a newer one, would move the inbox line backwards. Hence the **forward-only** move
# below: a row moves only to a newer `sk`, so a repeated record changes nothing.
#
# **Partial batch response.** The template's mapping sets `FunctionResponseTypes:
# [ReportBatchItemFailures]`, and the handler answers `{"batchItemFailures":
# [{"itemIdentifier": <SequenceNumber>}, ...]}` with the records it could not apply (an
# empty list when all went well). Lambda checkpoints before the lowest listed record and
# retries from it, so the records after it come again too: one more repeat the forward-only
# move makes harmless. Without that setting Lambda ignores the answer: a batch whose
# function returns counts as done, and only an error retries it, whole.
#
# **The mapping.** On AWS an event source mapping reads the stream and hands batches of
# records to a Lambda. moto never runs that Lambda (it would need Docker), so
# `StreamProcessor` does the mapping's job: it reads the stream through the
# `dynamodbstreams` API (DescribeStream, GetShardIterator, GetRecords), builds the same
# Lambda event, calls the handler, and checkpoints. `process_pending()` steps until the
# stream is drained, so we can look before and after.
#
# **The bootcamp's handler** (`aws/lambdas/cruddur-messaging-stream.py`, commit `dc11514`)
# read `Records[0]` only, moved each group row with `delete_item` then `put_item`, and
# hard-coded its region, endpoint and table. Both defects are replayed below.
#
# **The handler here.** For each message INSERT it queries the sparse GSI for the conversation's
# group rows, then moves each row to the message's `sk` and text with one
# `TransactWriteItems`: delete the old key *if it still exists*, put the new key *if it is
# free*. Moves only go forward, so a record delivered twice changes nothing.
#
# **The deployment** (`cruddur_lab/app/deploy/template.yaml`) differs from this notebook in
# two ways you will see below. Its mapping *filters* events: only `INSERT`s of `MSG#` rows
# invoke the function, so on AWS the "skipped" counts here would be zero (those records are
# dropped by the filter and never billed as invocations). And a record the handler keeps
# failing on is retried 10 times or for 6 hours; after that the mapping sends its details
# to an **on-failure destination**, an SQS queue in the template. Without a destination,
# Lambda would simply drop the record, and that message's inbox lines would stay behind.
#
# This notebook works on a table of its own, so that no other stream reader (such as the
# one `cruddur-lab up` runs on the main table) moves rows before we look at them.
#
# AWS documentation: [DynamoDB Streams](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html),
# [Streams and Lambda](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html),
# [Lambda event source for DynamoDB](https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html),
# [at-least-once delivery](https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html),
# [partial batch response](https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html),
# [discarded records and on-failure destinations](https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html),
# [transactions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask
yes = False  # on engine aws: True confirms reset and seeding a table that holds items

# %%
import io
from collections import Counter
from contextlib import redirect_stderr

from cruddur_lab import Lab, model
from cruddur_lab.app.deploy.handler import StreamHandler
from cruddur_lab.app.patterns import create_message, provision_caller
from cruddur_lab.app.streams import StreamProcessor, group_row_problems
from cruddur_lab.capacity import total_cost
from cruddur_lab.engine.trace import recording
from cruddur_lab.notebook.display import format_requests, show
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import list_conversations

group = model.SEED_GROUP_UUID
print("stream view type:", model.STREAM_VIEW_TYPE, "| rows found through:", model.GSI_NAME)

# %% [markdown]
# ## Practice
#
# Prepare the data, then let a processor catch up with everything already on the stream
# (the seed's writes). Only `MSG#` inserts move anything; the seed's group rows are
# counted as skipped (on AWS, the template's filter would keep them from the function).

# %%
lab = Lab.open(engine, table_name=f"{table_name}-pattern-e", now=now)
print("table:", lab.settings.table_name)
print(ensure_lesson_data(lab, messages=messages, reset=reset, yes=yes))
andrew = provision_caller(lab, "andrewbrown")
bayko = provision_caller(lab, "bayko")
processor = StreamProcessor(lab)
print(processor.process_pending())


def seed_rows():
    """Both inbox lines of the seed conversation."""
    rows = list_conversations(lab, "andrewbrown").items + list_conversations(lab, "bayko").items
    return [r for r in rows if r["message_group_uuid"] == group]


columns = ("pk", "sk", "user_handle", "message")

# %% [markdown]
# ### A message arrives
#
# bayko sends a message (Pattern C writes only the message row). Before the stream is
# processed, both inbox lines still show the previous message:

# %%
sent = create_message(lab, bayko, group, "Did the stream move our inbox lines?")
show(seed_rows(), columns, width=44)

# %% [markdown]
# Now the processor reads the stream and calls the handler, as Lambda would. We keep each
# event it passes, and show the records reduced to the parts the handler reads (the full
# record also has times and sizes that change every run).
#
# **Predict, then run:** how many requests will the handler send for this one message?

# %%
events = []
default_handler = processor.handler


def looking_handler(event, context):
    events.append(event)
    return default_handler(event, context)


processor.handler = looking_handler
# The handler's requests to the table (the processor's own stream reads are not among them).
with recording(lab, ["Query", "TransactWriteItems", "GetItem", "DeleteItem"]) as moves:
    report = processor.process_pending()
processor.handler = default_handler
print(report)
for number, event in enumerate(events, start=1):
    kinds = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"][:4]) for r in event["Records"]]
    counts = sorted(Counter(kinds).items())
    print(f"event {number}:", ", ".join(f"{n} x {name} {prefix}" for (name, prefix), n in counts))
message_record = events[0]["Records"][0]
data = message_record["dynamodb"]
print("event 1:", message_record["eventName"], data["Keys"]["pk"]["S"], data["Keys"]["sk"]["S"])
print("  NewImage:", ", ".join(sorted(data["NewImage"])))

# %% [markdown]
# Two events for one message. The first holds bayko's message, the only record the handler
# acts on. The handler's moves are writes to the same table: each moved a group row by
# deleting its old key and putting the new one, and those four changes (two `REMOVE`, two
# `INSERT` of `GRP#` keys) came back on the stream. The processor reads until the stream is
# drained, so it handed them over as a second event, and the handler skipped them: they are
# not messages. On AWS the template's filter keeps such records from invoking the function.
#
# The handler sent three requests: one query on the index to find the group rows, then
# **one** transaction per row, each a conditional delete of the old key and a conditional
# put of the new one:

# %%
print(format_requests(moves))
show(seed_rows(), columns, width=44)

# %% [markdown]
# What one message costs on AWS, priced per message: the index query reads two group rows,
# well under 4 KB, eventually consistent: 0.5 RCU. Each transaction deletes one row and
# puts one, each under 1 KB: 1 WCU each, doubled in a transaction, so 4 WCU. Each move
# changes the row's index key (`sk`), which is two index writes, a delete and a put: 2 WCU
# on the GSI (measured on DynamoDB: a transaction doubles the table's writes only).
# With two participants that is **8 WCU on the table, 4 on the index and
# 0.5 RCU per message**, on top of Pattern C's own 1 WCU put. With the bootcamp's 5 WCU
# provisioned on the table, that sustains about one message every two seconds. The
# figures the engine reported for the three requests above, added up:

# %%
per_message = total_cost(call.cost for call in moves)
print("Pattern E, one message, two participants:", per_message)

# %% [markdown]
# ### Delivered twice, and the answer Lambda reads
#
# Lambda may hand the same batch over again. The handler's work and its Lambda response for
# bayko's message, delivered a second time:

# %%
redelivered = processor.stream_handler.process(events[0])
print(f"moved {redelivered.group_rows_moved}, already current {redelivered.group_rows_current}")
print("Lambda response:", redelivered.lambda_response())

# %% [markdown]
# Nothing moved, and the empty `batchItemFailures` tells Lambda the whole batch is done. When
# the handler cannot bring a conversation up to date (its rows kept changing under every
# re-read), it lists that message's record instead, and Lambda retries from it. A handler
# allowed no attempt at all gives that answer. It also logs a line, which a Lambda sends
# to CloudWatch Logs; we catch it and print it:

# %%
impatient = StreamHandler(lab.client("dynamodb"), lab.settings.table_name, max_attempts=0)
with redirect_stderr(io.StringIO()) as handler_log:
    answer = impatient(events[0])
print("handler's log:", handler_log.getvalue().strip())
sequence = message_record["dynamodb"]["SequenceNumber"]
failures = answer["batchItemFailures"]
print("records reported failed:", len(failures))
same = failures[0]["itemIdentifier"] == sequence
print("itemIdentifier is the message record's SequenceNumber:", same)

# %% [markdown]
# ### The bootcamp's handler: `Records[0]`
#
# It read `event["Records"][0]` and nothing else. Lambda batches records, so when two
# messages arrive together the second is lost. The handler below wraps ours and passes it
# only the first record, as the bootcamp did:


# %%
def records_zero_only(event, context):
    """The bootcamp's mistake: only the first record of the batch. Do not copy."""
    return default_handler({"Records": event["Records"][:1]}, context)


processor.handler = records_zero_only
create_message(lab, andrew, group, "First of two quick messages.")
second = create_message(lab, bayko, group, "Second of two: does it reach the inbox?")
bootcamp = processor.process_pending()
print(bootcamp)
processor.handler = default_handler
lost = [p for p in group_row_problems(lab) if group in p]
print(f"{len(lost)} inbox line(s) behind the newest message")
show(seed_rows(), columns, width=44)

# %% [markdown]
# The checkpoint moved past the second record: this processor will never see it again.
# The handler here reads every record, and its moves only go forward, so replaying the
# stream from its oldest kept record is safe (within the 24 hours the stream keeps them;
# an inbox line left behind for longer needs a repair job, not a replay). A new processor
# does exactly that:

# %%
replay = StreamProcessor(lab).process_pending()
print(replay)
show(seed_rows(), columns, width=44)

# %% [markdown]
# ### The bootcamp's move: delete, then put
#
# The bootcamp re-keyed a group row with `delete_item` followed by a separate `put_item`.
# If the Lambda stops between the two (a timeout, a throttled put), the row is gone. Here
# that stop is simulated by an exception between the two calls:

# %%
row = next(r for r in seed_rows() if r["user_handle"] == "bayko")
try:
    lab.table.delete_item(Key={"pk": row["pk"], "sk": row["sk"]})
    raise TimeoutError("the Lambda timed out between the delete and the put")
    lab.table.put_item(Item=row)  # never reached
except TimeoutError as error:
    print("stopped:", error)
missing_after_crash = len([r for r in seed_rows() if r["pk"] == row["pk"]])
print("andrewbrown's inbox lines for this conversation:", missing_after_crash)

# %% [markdown]
# andrewbrown lost the conversation from his inbox, and no later message brings it back:
# the handler finds rows through the GSI, and there is no row left to move. With one
# transaction both halves happen or neither does. We put the row back:

# %%
lab.table.put_item(Item=row)
print(StreamProcessor(lab).process_pending())
show(seed_rows(), columns, width=44)

# %% [markdown]
# ### What the first processor finds now
#
# The first processor's checkpoint is still where the `Records[0]` run left it. Since then,
# the other processors moved group rows and we deleted and put one back: every one of those
# writes is a stream record. None is a new message, so all are skipped (and with the
# template's filter, none would reach the function on AWS).

# %%
late = processor.process_pending()
print(late)

# %% [markdown]
# ## Check

# %%
rows = seed_rows()
assert len(rows) == 2 and len({r["pk"] for r in rows}) == 2
assert all(r["sk"] == second.created_at and r["message"] == second.message for r in rows)
assert group_row_problems(lab) == []
assert report.message_inserts == 1
# One message, two events: the message, then the handler's own moves coming back.
assert len(events) == 2 and events[0]["Records"] == [message_record]
assert all(model.is_group_key(r["dynamodb"]["Keys"]["pk"]["S"]) for r in events[1]["Records"])
assert sorted(r["eventName"] for r in events[1]["Records"]) == ["INSERT"] * 2 + ["REMOVE"] * 2
# Delivered again: nothing moves; the partial batch response lists only what failed.
assert (redelivered.group_rows_moved, redelivered.group_rows_current) == (0, 2)
assert redelivered.lambda_response() == {"batchItemFailures": []}
assert answer == {"batchItemFailures": [{"itemIdentifier": sequence}]}
assert report.group_rows_moved + report.group_rows_current == 2
# The handler's requests for one message: an index query, then one transaction per row.
assert [c.operation for c in moves] == ["Query", "TransactWriteItems", "TransactWriteItems"]
assert moves[0].params["IndexName"] == model.GSI_NAME
assert (per_message.wcu, per_message.index_rcu) == (8, 0.5)
assert per_message.index_wcu == 4
# Records[0] lost the second message: both inbox lines stayed one message behind.
assert len(lost) == 2
assert missing_after_crash == 0
assert late.records > 0 and late.message_inserts == 0 and late.skipped == late.records
assert processor.process_pending().records == 0  # exercise 1, checked
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Run `processor.process_pending()` once more. What does it report now, and why?
# 2. A batch of 100 records fails on its 40th, and the handler lists that record in
#    `batchItemFailures`. Which records does Lambda deliver again, and why is that safe here?
# 3. On AWS the GSI is updated asynchronously. Can the handler trust what it returns?
#
# <details><summary>Solutions</summary>
#
# 1. `0 stream records`: the cell above read everything up to the end of the stream, and
#    nothing has been written since. (Before that cell it found the records shown there:
#    the other processors' moves and the row we put back, all skipped.)
# 2. Records 40 to 100: Lambda checkpoints before the lowest failed record and retries from
#    it, so records 41 to 100, already applied, come again. Each finds its rows at or past
#    its message and changes nothing: forward-only moves make redelivery harmless.
# 3. Only partly. The conditions protect the rows the index *returned*: a move never loses
#    or duplicates one of them, and a cancelled move is re-read and retried. But a group row
#    the index does not show yet (a conversation created a moment ago) is simply not moved:
#    that inbox line stays on the previous message until the next one arrives. Closing the
#    gap needs a source that is not eventually consistent, such as the participants' uuids
#    on the message row (then the handler reads `GRP#<uuid>` rows from the table with a
#    strongly consistent read), or a periodic repair that compares each group row with its
#    conversation's newest message (`group_row_problems` is that check).
#
# </details>
#
# ## Summary
#
# * A stream holds each change once, in order per item, for 24 hours; Lambda (here
#   `StreamProcessor`) delivers it at least once, retrying from the lowest failed record.
# * Per message, Pattern E sends an index query and one conditional transaction per group row.
# * Read every record, move rows atomically and forward only; send what keeps failing to an
#   on-failure destination instead of dropping it.

# %%
lab.close()
