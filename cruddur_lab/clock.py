"""One source of time and ids for the whole package.

A *pinned* clock (``Clock.pinned("2026-03-01T12:00:00+00:00")``) makes notebooks and tests
byte-stable: every ``now()`` call moves it forward by one second from the pinned instant,
and ids are uuid5 values derived from the pin and a counter, so the same sequence of calls
always yields the same timestamps and ids. A *real* clock reads UTC time and uuid4.

Timestamps are written as ISO-8601 in UTC with an explicit offset and always with
microseconds (``2026-03-01T12:00:00.000000+00:00``): strings of that one shape sort in
time order, which is what DynamoDB sort keys compare.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

#: The pin used when nothing else is asked for (notebooks and tests).
DEFAULT_NOW = "2026-03-01T12:00:00+00:00"
_ID_NAMESPACE = uuid.UUID("0b6c2f0e-6d43-4c7e-9a39-3c5c0e2d1a77")


def format_timestamp(moment: datetime) -> str:
    """``moment`` as a sort-key string: UTC, explicit offset, microseconds."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware; got a naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 string; naive values (the bootcamp wrote some) are taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stable_id(*parts: object) -> str:
    """A uuid that depends only on ``parts`` (seed rows, seed users)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(str(p) for p in parts)))


class Clock:
    """Time and ids. Thread-safe: writer threads may share one clock."""

    def __init__(self, pinned_at: datetime | None = None, step: timedelta | None = None) -> None:
        self._pinned_at = pinned_at
        self._step = step or timedelta(seconds=1)
        self._ticks = 0
        self._ids = 0
        self._lock = threading.Lock()

    @classmethod
    def pinned(cls, now: str | datetime = DEFAULT_NOW) -> Clock:
        moment = parse_timestamp(now) if isinstance(now, str) else now
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(pinned_at=moment.astimezone(UTC))

    @classmethod
    def real(cls) -> Clock:
        return cls()

    @classmethod
    def from_setting(cls, now: str | None) -> Clock:
        """``None``/``""``/``"real"`` → real time; anything else is the pinned instant."""
        if now in (None, "", "real"):
            return cls.real()
        try:
            return cls.pinned(now)
        except ValueError:
            raise ValueError(
                f"now={now!r} is not an ISO-8601 time: use e.g. {DEFAULT_NOW!r} or 'real'"
            ) from None

    @property
    def is_pinned(self) -> bool:
        return self._pinned_at is not None

    @property
    def origin(self) -> datetime:
        """The pinned instant, or the current time for a real clock (does not tick)."""
        return self._pinned_at if self._pinned_at is not None else datetime.now(UTC)

    def now(self) -> datetime:
        """The current time; a pinned clock advances one step per call."""
        if self._pinned_at is None:
            return datetime.now(UTC)
        with self._lock:
            moment = self._pinned_at + self._ticks * self._step
            self._ticks += 1
        return moment

    def timestamp(self) -> str:
        """``now()`` as a sort-key string."""
        return format_timestamp(self.now())

    def new_id(self) -> str:
        """A fresh uuid: uuid4 on a real clock, a reproducible uuid5 on a pinned one."""
        if self._pinned_at is None:
            return str(uuid.uuid4())
        with self._lock:
            self._ids += 1
            count = self._ids
        return stable_id("id", format_timestamp(self._pinned_at), count)

    def __repr__(self) -> str:
        if self._pinned_at is None:
            return "Clock.real()"
        return f"Clock.pinned({format_timestamp(self._pinned_at)!r})"
