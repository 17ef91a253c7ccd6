"""The frame every alternative design shares: its own table on the lab's engine, the same
seed and clock, patterns B, C and D as methods, and ``measure`` to price what one action sent.

Every design gets a table of its own on the same engine, the same seed (users, the
andrewbrown/bayko conversation of 100 messages) and the same clock. ``measure`` records the
requests of one action with the priced recorder (``engine.trace``), so every figure is what
the requests cost by AWS's rules, not a constant typed in. The designs themselves are in
``cruddur_lab.modeling.alternatives``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cruddur_lab.engine.pricing import DATA_PLANE
from cruddur_lab.engine.trace import recording
from cruddur_lab.model import (
    GSI_PARTITION_KEY,
    User,
    create_table_spec,
    group_pk,
    group_rows,
    message_item,
)
from cruddur_lab.modeling.costs import Measured

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab


# --- the designs -----------------------------------------------------------------------------


class Design:
    """One way to store the conversation: its table, its seed, and patterns B, C and D."""

    name = ""
    summary = ""
    uses_stream = True

    def __init__(self, lab: Lab, table_name: str) -> None:
        from cruddur_lab.modeling.scratch import scratch_lab

        # One clock: the same seed times and ids in every table.
        self.lab = scratch_lab(lab, table_name)
        lab.on_close(self.lab.close)
        self.table_name = table_name
        self.processor: Any = None

    # table and seed

    def table_spec(self) -> dict[str, Any]:
        return create_table_spec(self.table_name)

    def create(self) -> None:
        """Drop this design's table if an earlier run left it, then create and seed it.

        Never on AWS: making and dropping comparison tables in a real account is not
        something a lesson should do behind a learner's back.
        """
        from cruddur_lab.modeling.scratch import make_table

        spec = self.table_spec()
        # The seed writes the finished state (its group rows already show the newest
        # message), so its stream records would change nothing: the stream starts after
        # it. Handling them was most of the comparison's set-up time.
        stream = spec.pop("StreamSpecification", None) if self.uses_stream else None
        make_table(
            self.lab,
            spec,
            refusal=f"the design comparison creates and drops its own tables ({self.table_name}); "
            "it runs on the embedded or an endpoint engine, never on AWS",
        )
        self.seed()
        if self.uses_stream:
            from cruddur_lab.app.streams import StreamProcessor

            if stream is not None:
                with self.lab.translate_errors():
                    self.lab.dynamodb.update_table(
                        TableName=self.table_name, StreamSpecification=stream
                    )
            self.processor = StreamProcessor(self.lab, handler=self.stream_handler())

    def seed(self) -> None:
        from cruddur_lab.scripts.seed import seed

        seed(self.lab)

    def stream_handler(self) -> Any:
        return None  # the app's own handler

    def user(self, handle: str) -> User:
        """A seed user with their Cognito id (synced once, as the app's callers are)."""
        from cruddur_lab.app.patterns import provision_caller
        from cruddur_lab.scripts.usersdb import find_user_by_handle

        provision_caller(self.lab, handle)
        return find_user_by_handle(self.lab, handle)

    def deliver_stream(self) -> None:
        """What the event source mapping would do next: hand new records to the handler."""
        if self.processor is not None:
            self.processor.process_pending()

    # patterns (subclasses)

    def send(self, sender: User, group: str, text: str, *, deliver: bool = True) -> None:
        """Pattern C, and the inbox update (through the stream when ``deliver``)."""
        raise NotImplementedError

    def inbox(self, user: User) -> list[dict[str, Any]]:
        raise NotImplementedError

    def start(self, sender: User, receiver: User, text: str) -> str:
        """Pattern D: post into the conversation the two share, or start one."""
        shared = self.check_shared(sender, receiver)
        if shared is not None:
            self.send(sender, shared, text)
            return shared
        group = self.commit_start(sender, receiver, text)
        # The first message's stream record belongs to this action, not to the next one.
        self.deliver_stream()
        return group

    def check_shared(self, sender: User, receiver: User) -> str | None:
        """Pattern D's first step: the conversation the two already share, if any."""
        return self.find_shared(sender, receiver)

    def commit_start(self, sender: User, receiver: User, text: str) -> str:
        """Pattern D's second step: write a new conversation; returns the group it used."""
        return self.commit_new_group(sender, receiver, text)

    def groups_between(self, a: User, b: User) -> list[str]:
        """Every conversation ``a`` has with ``b`` (more than one is the race's damage)."""
        rows = self._rows_about(a, b, consistent=True)
        return sorted({row[self.group_attribute] for row in rows})

    #: The attribute of a group row that names its conversation.
    group_attribute = GSI_PARTITION_KEY

    def find_shared(self, sender: User, receiver: User) -> str | None:
        """The newest conversation ``sender`` has with ``receiver``, from their inbox."""
        rows = self._rows_about(sender, receiver, consistent=False)
        return rows[0][self.group_attribute] if rows else None

    def _rows_about(self, owner: User, other: User, *, consistent: bool) -> list[dict[str, Any]]:
        """``owner``'s group rows that describe ``other``, newest first (a filtered Query)."""
        from boto3.dynamodb.conditions import Attr, Key

        from cruddur_lab.scripts.reads import read_all

        return read_all(
            self.lab,
            "query",
            KeyConditionExpression=Key("pk").eq(group_pk(owner.uuid)),
            FilterExpression=Attr("user_uuid").eq(other.uuid),
            ScanIndexForward=False,
            ConsistentRead=consistent,
        )

    # shared writes

    def _transact(self, actions: list[dict[str, Any]]) -> bool:
        """One TransactWriteItems; False when a condition cancelled it."""
        from botocore.exceptions import ClientError

        with self.lab.translate_errors():
            try:
                self.lab.dynamodb.transact_write_items(TransactItems=actions)
            except ClientError as error:
                if error.response["Error"]["Code"] == "TransactionCanceledException":
                    return False
                raise
        return True

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        """A transaction's Put that never replaces an existing item."""
        condition = "attribute_not_exists(pk)"
        return {
            "Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": condition}
        }

    def _new_message(self, sender: User, group: str, text: str) -> dict[str, str]:
        return message_item(
            message_group_uuid=group,
            message_uuid=self.lab.clock.new_id(),
            sender=sender,
            text=text,
            created_at=self.lab.clock.timestamp(),
        )

    def _new_group_rows(
        self, sender: User, receiver: User, group: str, message: dict[str, str]
    ) -> list[dict[str, str]]:
        return group_rows(
            sender,
            receiver,
            message_group_uuid=group,
            last_message=message["message"],
            last_at=message["sk"],
        )

    def commit_new_group(self, sender: User, receiver: User, text: str) -> str:
        """Write a new conversation (both group rows and the first message), no check."""
        group = self.lab.clock.new_id()
        message = self._new_message(sender, group, text)
        rows = self._new_group_rows(sender, receiver, group, message)
        self._transact([self._put(item) for item in [*rows, message]])
        return group


def comparison_rows(measurements: list[Measured]) -> list[dict[str, Any]]:
    """One row per measurement, the figures a learner compares (units by AWS's rules)."""
    return [
        {
            "design": m.design,
            "action": m.title,
            "requests": len(m.requests),
            "RCU": _units(m.cost.rcu + m.cost.index_rcu),
            "WCU table": _units(m.cost.wcu),
            "WCU index": _units(m.cost.index_wcu),
            "sent": m.operations(),
        }
        for m in measurements
    ]


def messages_per_second(measurement: Measured, provisioned: float = 5) -> float:
    """Sustained messages a second that ``provisioned`` WCU on the table *and* on the index
    allow, when each message costs what ``measurement`` measured (the scarcer one binds)."""
    cost = measurement.cost
    limits = [provisioned / units for units in (cost.wcu, cost.index_wcu) if units]
    return min(limits) if limits else float("inf")


def _units(value: float) -> str:
    return f"{value:g}"


def measure(design: Design, action: str, run: Callable[[], Any]) -> Measured:
    """Run ``run`` with every DynamoDB request of ``design``'s table recorded, each with
    the capacity the engine reported."""
    with recording(design.lab) as calls:
        run()
    # Only this design's Lab is recorded, so every call is on its table (a transaction names
    # its tables per action, not at the top). The stream reader's DescribeTable is control
    # plane: no capacity units.
    sent = [c for c in calls if c.operation in DATA_PLANE]
    return Measured(action, sent, design=design.name)
