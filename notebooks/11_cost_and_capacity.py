# %% [markdown]
# # 11 · Cost and capacity: predict, then measure
#
# ## Aim
#
# For every script and pattern you have met, first predict what one call costs on AWS,
# then measure it: the requests it sends, the sizes of the items they touch, and the
# capacity the engine reported for each. Then turn the costs into what
# an app owner asks: how many calls a second the bootcamp's provisioned 5 RCU / 5 WCU carried,
# and what a million calls cost on demand. It ends with a trade-off the bootcamp never
# priced.
#
# ## Theory
#
# DynamoDB charges **capacity units** computed from item sizes
# ([item sizes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html),
# [read and write units](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html)):
#
# * **Item size**: for every attribute, the UTF-8 bytes of its *name* plus its value
#   (strings by UTF-8 bytes; numbers 1 byte plus the integer and the fraction digits, each
#   side counted in pairs: `15` is 2 bytes, `1.5` is 3, as measured on DynamoDB; booleans
#   and nulls one byte, lists and maps 3 bytes plus 1 per element). At most 400 KB.
# * **Reads**: 1 RCU per 4 KB strongly consistent, half of that eventually consistent,
#   double in a transaction. `GetItem` rounds its item; a `Query` or `Scan` *sums* the items
#   it **evaluates** and rounds once per page (a page stops at 1 MB). A filter does not
#   lower the cost, and a read that finds nothing still costs the minimum. Reads of a global
#   secondary index count against the **index's** capacity, never strongly consistent.
# * **Writes**: 1 WCU per 1 KB of the *larger* of the old and new item, per item; a delete
#   counts the deleted item; a write whose condition fails still costs the existing item
#   ([conditional writes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate)).
# * **Index writes**
#   ([GSI writes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes)):
#   an item entering the index costs one index write, leaving it one, a changed index key two
#   (delete and put), a change of projected attributes one, an item never in the index
#   nothing. That is the sparse index's payoff: message rows carry no `message_group_uuid`.
# * **Transactions** cost double
#   ([transactions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling)),
#   on the **table** only. The guide does not say what happens to the index writes a
#   transaction causes; measured on DynamoDB (eu-west-2, August 2026), they cost what they
#   cost outside a transaction: a transactional update moving the index key of a
#   1,518-byte item reports table 4, index 4, not 8
#   ([the captures](https://github.com/nubo-db/dynoxide/blob/eafc4f65f60120a340f43d49968b38fff3443de2/tests/transactional_index_consumed_capacity.rs)).
# * **Throughput and money**: provisioned capacity is per second, on the table and on each
#   index separately; on demand, a read or write request unit is billed per million
#   ([pricing](https://aws.amazon.com/dynamodb/pricing/on-demand/)).
#
# **Whose figure.** Every cost below is the `ConsumedCapacity` the engine reported. The
# embedded engine (moto) computes it the way AWS bills, by the rules above, each held to
# figures measured on real DynamoDB (the project's `tests/test_billing.py` cites each
# capture; `cruddur_lab.capacity.SILENT` lists what no measurement or guide settles). With
# `engine="aws"` it is AWS's own bill; with an endpoint, whatever that engine says. Your
# predictions use the same rules (`cruddur_lab.capacity`) from the items themselves.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the pinned clock keeps outputs stable; "real" for real time
table_name = "cruddur-messages"
messages = 100  # messages in the seed conversation
reset = False  # True drops the table first; nothing is ever deleted unless you ask

# %%
import math

import pandas as pd
from IPython.display import display

from cruddur_lab import Lab, capacity, model
from cruddur_lab.engine.trace import recording
from cruddur_lab.modeling.costs import (
    BOOTCAMP_CAPACITY,
    ON_DEMAND_PRICES,
    to_frame,
)
from cruddur_lab.modeling.pattern_costs import measure_patterns, measure_trade_offs, per_message
from cruddur_lab.notebook.request_display import PatternRequests, format_parameters
from cruddur_lab.scripts.lesson_data import ensure_lesson_data
from cruddur_lab.scripts.reads import get_conversation

pd.set_option("display.width", 120)  # a table's text form on one line, as wide as the rest


def verdict(guess, actual, unit, source="the engine reported"):
    """Your prediction beside the figure the engine reported (or a rule gives)."""
    said = "no guess yet" if guess is None else f"you guessed {guess:g} {unit}"
    return f"{said}; {source} {actual:g} {unit}"


print("bootcamp capacity:", BOOTCAMP_CAPACITY)
print(
    f"on-demand prices ({ON_DEMAND_PRICES.region}, {ON_DEMAND_PRICES.as_of}):",
    f"${ON_DEMAND_PRICES.read_per_million} per million read request units,",
    f"${ON_DEMAND_PRICES.write_per_million} per million write request units",
)

# %% [markdown]
# ## Practice

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
print(ensure_lesson_data(lab, messages=messages, reset=reset))

# %% [markdown]
# ### 1. How big is a message?
#
# **Predict.** A message row has seven string attributes: `pk` (`MSG#` and a uuid), `sk`
# (a timestamp), `message_uuid`, `message`, and the sender's uuid, display name and handle.
# How many bytes is the newest seed message? Write your guess, then run the next cell.

# %%
guess_bytes = None  # e.g. 250

# %%
row = get_conversation(lab).items[-1]
for name in model.MESSAGE_ATTRIBUTES:
    value = row[name]
    print(f"{name:18} {len(name.encode()):2} + {len(value.encode()):3} bytes  {value[:44]}")
size = capacity.item_size(row)
print(verdict(guess_bytes, size, "bytes", source="AWS's size rule gives"))
print("one write unit holds 1,024 bytes, one read unit 4,096")

# %% [markdown]
# The names count as much as the values: `user_display_name` costs 17 bytes in every item.
# And text is counted in UTF-8 bytes, not characters: the longest message the app accepts,
# written in four-byte characters, makes the message value four times bigger than in plain
# letters; the item, whose names and keys stay the same, grows less (about 3.5 times).

# %%
longest = {**row, "message": "🙂" * model.MAX_MESSAGE_CHARS}
plain = {**row, "message": "x" * model.MAX_MESSAGE_CHARS}
ratio = capacity.item_size(longest) / capacity.item_size(plain)
print(
    f"1,024 letters: {capacity.item_size(plain)} bytes; 1,024 emoji: {capacity.item_size(longest)}",
    f"bytes ({ratio:.1f}x)",
)
print(
    f"1,024 emoji: {capacity.item_size(longest)} bytes ->",
    f"{capacity.write_units(longest):g} WCU to write,",
    f"{capacity.item_read_units(longest):g} RCU to read (eventually consistent)",
)
print(
    "still far under the 400 KB item limit:",
    capacity.check_item_size(longest) < capacity.MAX_ITEM_BYTES,
)

# %% [markdown]
# ### 2. Run every pattern once, recorded
#
# Each script and pattern runs once, as the app calls it, while the recorder keeps every
# request it sends and the capacity the engine reported for it (nothing else is sent). The writes (C, D, E) run on a scratch copy of this table, so the lesson's
# data stays as it is; the requests are shown under this table's name.

# %%
costs = measure_patterns(lab)
print(", ".join(costs))

# %% [markdown]
# A request as it went over the wire: typed values (`{"S": …}`), the table, and the
# `ReturnConsumedCapacity` that asks the engine for its figure.

# %%
print(format_parameters("Query", costs["get-conversation"].requests[0].wire))

# %% [markdown]
# ### 3. Reads: get-conversation and Pattern A
#
# **Predict.** `get-conversation` reads the newest 20 messages, eventually consistent, in
# one page. Each is about the size you measured above. How many RCU? And Pattern A, which
# first checks on the index that you belong to the group?

# %%
guess_get_conversation = None  # RCU
guess_pattern_a = None  # RCU, table and index together

# %%
display(PatternRequests(costs["get-conversation"], costs["A"]))
print(verdict(guess_get_conversation, costs["get-conversation"].cost.rcu, "RCU"))
cost_a = costs["A"].cost
print(verdict(guess_pattern_a, cost_a.rcu + cost_a.index_rcu, "RCU"))

# %% [markdown]
# Twenty items of about 290 bytes sum to more than 4 KB: two blocks, halved. Rounded per
# item instead (twenty `GetItem`s), they would cost twenty blocks: 10 RCU. Pattern B and list-conversations read one small
# inbox row, the minimum; the scan reads every item, page by page:

# %%
PatternRequests(*(costs[name] for name in ("B", "list-conversations", "scan")))

# %% [markdown]
# ### 4. Writes: Pattern C and the sparse index
#
# **Predict.** Pattern C puts one message row (after a membership check on the index). How
# many table WCU, and how many index WCU?

# %%
guess_c_table, guess_c_index = None, None  # WCU

# %%
display(PatternRequests(costs["C"]))
print(verdict(guess_c_table, costs["C"].cost.wcu, "table WCU"))
print(verdict(guess_c_index, costs["C"].cost.index_wcu, "index WCU"))

# %% [markdown]
# ### 5. Pattern D: a new conversation
#
# **Predict.** One transaction puts both group rows and the first message. Each item is
# under 1 KB. Table WCU? And the index: which of the three items enter it?

# %%
guess_d_table, guess_d_index = None, None  # WCU

# %%
display(PatternRequests(costs["D"]))
print(verdict(guess_d_table, costs["D"].cost.wcu, "table WCU"))
print(verdict(guess_d_index, costs["D"].cost.index_wcu, "index WCU"))

# %% [markdown]
# Three puts, doubled: 6 WCU on the table. The two group rows also enter the index: 2 index
# writes, not doubled (a transaction doubles the table's units only). So Pattern D is not
# "6 units in all" but 8, plus the strongly consistent read that checks whether the two
# already share a conversation.
#
# ### 6. Pattern E: what each message really costs
#
# **Predict.** For one new message the stream handler reads the index, then moves each of
# the two group rows with a transaction: delete the old key, put the new one. Table WCU?
# Index WCU?

# %%
guess_e_table, guess_e_index = None, None  # WCU

# %%
display(PatternRequests(costs["E"]))
print(verdict(guess_e_table, costs["E"].cost.wcu, "table WCU"))
print(verdict(guess_e_index, costs["E"].cost.index_wcu, "index WCU"))

# %% [markdown]
# Each move changes the row's key, so for the index it is a row leaving and a row entering:
# two index writes a move. The bootcamp's 5 WCU table carried far fewer messages than its
# five writes a second suggest.
#
# ### 7. Throughput at the bootcamp's 5 RCU / 5 WCU
#
# Calls per second each budget sustains: the table's reads and writes, the index's reads
# and writes, each provisioned at 5. The smallest one is the limit. A message is C and E
# together.

# %%
message = per_message(costs)
rows = [*costs.values(), message]
table = to_frame(rows)[["requests", "rcu", "wcu", "index_rcu", "index_wcu", "per_second_at_5_5"]]
display(table)

# %%
rates = message.sustained()
for budget in ("table_reads", "table_writes", "index_reads", "index_writes"):
    rate = rates[budget]
    print(f"{budget:13} {'not used' if rate is None else f'{rate:.2f} messages a second'}")
print(
    f"the table sustained {rates['limit']:.2f} messages a second,",
    f"{rates['limit'] * 3600:.0f} an hour, for the whole app",
)

# %% [markdown]
# ### 8. Money, on demand
#
# On demand there is no budget to exceed: each request unit is billed. Per million calls,
# with the prices above:

# %%
money = to_frame(rows)[["usd_per_million"]]
display(money)

# %% [markdown]
# ### 9. The trade-off the bootcamp never priced
#
# The bootcamp's handler moved a group row with a plain `DeleteItem`, then a `PutItem`: two
# requests that a failure between them turns into a lost row (notebook 10). The handler here
# puts both in one transaction. And the index is sparse: if message rows carried
# `message_group_uuid`, every message would enter the index too. Both measured on a scratch
# copy:

# %%
trade = measure_trade_offs(lab)
display(PatternRequests(trade["E-bootcamp"]))
bootcamp, safe = trade["E-bootcamp"].cost, costs["E"].cost
print(
    f"per message, table WCU: transactional {safe.wcu:g}, bootcamp {bootcamp.wcu:g}",
    f"-> {safe.wcu / bootcamp.wcu:g}x",
)
print(
    f"per message, index WCU: transactional {safe.index_wcu:g}, bootcamp {bootcamp.index_wcu:g}",
    "(a transaction does not double index writes)",
)
dense = trade["C-not-sparse"].cost
print(
    f"a message row in the index would add {dense.index_wcu:g} index WCU to every message",
    f"(sparse: {costs['C'].cost.index_wcu:g})",
)

# %% [markdown]
# ## Check

# %%
newest = get_conversation(lab).items
by_hand = math.ceil(sum(capacity.item_size(i) for i in newest) / 4096) / 2
assert costs["get-conversation"].cost.rcu == by_hand
assert all(c.cost is not None for c in costs["A"].requests)  # every figure is the engine's
moves = [c for c in costs["E"].requests if c.operation == "TransactWriteItems"]
assert costs["E"].cost.wcu == 4 * len(moves) and costs["E"].cost.index_wcu == 2 * len(moves)
assert safe.index_wcu == bootcamp.index_wcu  # the transaction doubles the table arm only
assert 3 < ratio < 4
assert costs["C"].cost.index_wcu == 0 and dense.index_wcu == 1
assert safe.wcu == 2 * bootcamp.wcu
assert costs["D"].cost.index_wcu > 0
with recording(lab) as calls:
    get_conversation(lab)
assert [c.operation for c in calls if c.cost and c.cost.rcu] == ["Query"]
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Send a message of 1,000 characters with Pattern C (`create_message` inside
#    `recording(lab)`). How many WCU, and why not 1?
# 2. A scan with a filter that matches nothing: what does it cost compared with the same
#    scan without the filter? Try `lab.table.scan(FilterExpression=...)` while recording.
# 3. A message costs the index 4 WCU (E's two moves, not doubled by their transactions).
#    How many messages a second does the index's 5 WCU allow, and is it the index that
#    limits the bootcamp's table?
#
# <details><summary>Solutions</summary>
#
# 1. The item is over 1 KB (1,000 bytes of text plus about 230 of names and keys): 2 WCU.
#    Size is bytes of names and values, rounded up per item.
# 2. The same: a Scan is charged for the items it evaluates, before the filter; the filter
#    saves transfer, not capacity.
# 3. The index allows 5 / 4 = 1.25 messages a second, but the table needs 9 WCU a message
#    (C's 1 and E's 8): 5 / 9 = 0.56 a second. The table's writes are the limit.
#
# </details>
#
# ## Summary
#
# * Costs follow item sizes, names included: a Query sums what it evaluates and rounds per
#   page; a write counts the larger image, per item; a transaction doubles the table's
#   units, not the index's (measured on DynamoDB).
# * Index writes are extra: D's two group rows and E's two moves pay them; messages do not,
#   because the index is sparse.
# * A message costs 9 table WCU end to end: the bootcamp's 5 WCU carried about half a
#   message a second; the safe handler costs twice the unsafe one, and is worth it.

# %% [markdown]
# ## Planning a month: on-demand or provisioned?
#
# ### Aim
#
# Turn the per-call figures above into a month at a traffic you choose, and decide which
# capacity mode to buy: for the class, and for an app of 100,000 daily users.
#
# ### Theory
#
# * **On-demand** bills every request unit: the units above, times the calls, times the
#   [price per million](https://aws.amazon.com/dynamodb/pricing/on-demand/).
# * **Provisioned** bills every unit-hour you provision, used or not, on the table and on each
#   index apart, at least one unit each
#   ([pricing](https://aws.amazon.com/dynamodb/pricing/provisioned/)). Capacity must carry the
#   **peak**, and [auto scaling](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html)
#   aims at a target utilization (70% by default), so you provision peak / 0.7. The plan keeps
#   that capacity all month: what auto scaling saves off-peak is not counted.
# * **Break-even.** A unit provisioned for an hour costs what 3,600 units a second used all
#   hour would cost at a fraction of the on-demand price; that fraction is the utilization
#   (consumed over provisioned, on average) above which provisioned is cheaper.
# * **Storage** bills each item's bytes plus 100 bytes of overhead, in the table and again in
#   the index for each entry it holds: the guide gives every item 100 bytes of storage
#   overhead for indexing
#   ([item sizes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)).
#   A month is 730 hours.
#
# The per-call figures are measured again on a freshly seeded scratch table: the units the
# engine reports for each pattern, as above (so your own table's items do not change the
# plan). The result is an estimate, never an invoice: the free tier, reserved capacity,
# burst and adaptive capacity, data transfer and backups are left out (the plan lists them).
#
# **Predict.** A class sends a few hundred messages a day; a 100,000-user app a couple of
# million. Which mode is cheaper for each? And at a peak twice the average, what utilization
# can provisioned capacity reach at best?

# %%
guess_class_mode = None  # "on-demand" or "provisioned"
guess_large_mode = None

# %%
from cruddur_lab.modeling.capacity_plan import Profile, plan
from cruddur_lab.modeling.per_call import per_call_figures
from cruddur_lab.modeling.plan_figure import cost_curve
from cruddur_lab.modeling.plan_report import format_plan

# The per-call figures measured in Practice above (the seed data): no second measurement.
figures = per_call_figures(costs)
class_plan = plan(Profile(daily_users=30), figures)
large_plan = plan(Profile(daily_users=100_000), figures)
print(format_plan(class_plan))

# %% [markdown]
# The class's traffic fills a fraction of one unit: provisioned pays for four whole units
# (table and index, reads and writes) that stand idle. The same model at 100,000 daily users
# (the tables that change; prices and what is not modeled are as above):

# %%
print(format_plan(large_plan, brief=True))

# %%
for guess, result in ((guess_class_mode, class_plan), (guess_large_mode, large_plan)):
    said = "no guess yet" if guess is None else f"you guessed {guess}"
    print(f"{result.profile.daily_users:>9,g} daily users: {said}; cheaper: {result.total.cheaper}")

# %% [markdown]
# ### Monthly cost against daily users
#
# Both bills for the same profile from ten daily users to a million. Provisioned starts at its
# floor (one unit on each of the four arms); past the break-even point its line stays below
# on-demand's, by the ratio of the utilization it reaches to the break-even utilization.

# %%
curve = cost_curve(Profile(), figures)
display(curve)

# %% [markdown]
# ### What Pattern E's stream-driven inbox costs
#
# Every message, in an existing conversation or a new one, makes the stream handler move both
# inbox rows: a delete and a put of each, in a transaction, and for the index a row leaving
# and a row entering.

# %%
for result in (class_plan, large_plan):
    e = next(line for line in result.lines if line.pattern == "E")
    print(
        f"{result.profile.daily_users:>9,g} daily users: Pattern E runs {e.calls_per_month:,.0f}"
        f" times a month, ${e.on_demand_usd:,.2f} on-demand"
        f" ({e.on_demand_usd / result.total.on_demand_usd:.0%} of the request bill)"
    )

# %% [markdown]
# ### Check

# %%
e_call, e_line = figures["E"], large_plan.lines[-1]
assert e_line.pattern == "E"
assert math.isclose(e_line.units["index_wcu"], e_call.index_wcu * e_line.calls_per_month)
assert math.isclose(
    large_plan.total.on_demand_usd, sum(line.on_demand_usd for line in large_plan.lines)
)
assert class_plan.total.cheaper == "on-demand" and large_plan.total.cheaper == "provisioned"
assert curve.break_even is not None and 30 < curve.break_even < 100_000
assert large_plan.total.utilization > large_plan.total.break_even_utilization
print("checks passed")

# %% [markdown]
# ### Exercises
#
# 1. Plan the 100,000-user app with a peak four times the average
#    (`plan(Profile(daily_users=100_000, peak_to_average=4), figures)`). Which mode wins, and
#    why does the number of users not matter?
# 2. Double the reads (`inbox_reads_per_message=2, conversation_reads_per_message=2`). How much
#    does the bill move, and which pattern still dominates it?
# 3. From a shell: `cruddur-lab plan --users 100000 --json`. Find the index's share of the
#    writes.
#
# <details><summary>Solutions</summary>
#
# 1. On-demand: the best utilization is then 70% / 4 = 17.5%, under the break-even
#    utilization, at every size; only the floor of whole units changes with the users.
# 2. Little: a read unit costs a fifth of a write unit and each read is half a unit or one;
#    Pattern E's transactional writes still make most of the bill.
# 3. `total.units.index_wcu` over `table_wcu + index_wcu`: the index writes come from D's two
#    group rows and E's moves; message rows never enter the sparse index.
#
# </details>
#
# ### Summary
#
# * On-demand is cheaper while the traffic is small or spiky; provisioned wins once the average
#   use of the capacity bought for the peak stays above the break-even utilization.
# * The stream-driven inbox (Pattern E) is most of the request bill: its transactions write
#   both inbox rows, in the table and in the index, for every message.
# * These are estimates from AWS's rules and published prices, not an invoice.

# %%
lab.close()
