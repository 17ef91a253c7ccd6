"""The stream processor's background thread: poll, wait for a table or stream, say so once,
keep running through failures (as the Lambda service would), publish ``status()``.

``BackgroundRunner`` is the part of ``StreamProcessor`` that runs it in a thread; it uses the
processor's ``_lock``, ``reader``, ``_step``, ``totals``, ``status()`` and ``lab``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cruddur_lab.errors import StreamMissing, StreamProcessingError, TableMissing

log = logging.getLogger("cruddur_lab.app.streams")

__all__ = ["BackgroundRunner"]

#: How often the background loop re-lists shards (AWS rotates them every few hours).
SHARD_REFRESH_SECONDS = 10.0
#: At most one "batch failed" line this often; the ones in between are counted, not lost.
FAILURE_NOTICE_SECONDS = 10.0


class BackgroundRunner:
    lab: Any
    reader: Any
    totals: Any
    table_name: str
    poll_interval: float
    notice: Any
    status_file: Path | None
    _lock: threading.RLock

    def _init_runner(self) -> None:
        #: The last batch failure or unexpected error, kept after later successes: a
        #: processor whose handler failed never reports None.
        self.last_error: str | None = None
        self.last_error_at: str | None = None
        #: Why the background loop is idle: no table, or a table without a stream.
        self.waiting: str | None = None
        self._published: dict[str, Any] | None = None
        self._failure_noticed_at = -FAILURE_NOTICE_SECONDS
        self._failures_unsaid = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Any:
        """Run in a background thread until ``stop()`` or the Lab closes."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-processor-{self.table_name}", daemon=True
        )
        self._thread.start()
        self.lab.on_close(self.stop)
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop the background loop and wait until its thread has ended.

        By default it waits as long as the current pass takes: a pass ends after its
        requests, and each request is bounded by the client's timeouts (read_timeout 30 s,
        4 attempts). Giving up earlier would let the Lab close its clients under a request
        still running. With ``timeout`` given and exceeded it raises, and keeps running.
        """
        self._stop.set()
        thread = self._thread
        if thread is None:
            return
        thread.join(timeout)
        if thread.is_alive():
            raise StreamProcessingError(
                f"the stream processor is still busy after {timeout:g} s: wait for its "
                "current request to end, then stop it again"
            )
        self._thread = None
        self._publish()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _step(self, *, raise_after_attempts: bool) -> Any:
        raise NotImplementedError

    def _run(self) -> None:
        busy = False
        while not self._stop.is_set():
            try:
                with self._lock:
                    if self._refresh_due(busy):
                        self.reader.list_shards()
                    step = self._step(raise_after_attempts=False)
                self.totals.merge(step)
                self._found()
                busy = step.records > 0
            except (TableMissing, StreamMissing) as error:
                # `up` starts before a client has loaded the schema; the bootcamp's schema
                # has no stream until it is turned on; a drop removes the stream. Say so
                # once, then start over on the (new) stream as soon as there is one.
                with self._lock:
                    self.reader.forget()
                self._wait_for(str(error))
                busy = False
            except Exception as error:  # keep running, as the Lambda service would
                self._record_failure(f"{type(error).__name__}: {error}")
                busy = False
            self._publish()
            if not busy:
                self._stop.wait(self.poll_interval)

    def _wait_for(self, reason: str) -> None:
        if reason != self.waiting:
            self.waiting = reason
            self._say(f"stream processor: waiting: {reason}")

    def _found(self) -> None:
        if self.waiting is not None:
            self.waiting = None
            self._say(
                f"stream processor: found the stream of table {self.table_name!r}; "
                "applying it to the group rows"
            )

    def _record_failure(self, error: str) -> None:
        """Keep the error for status(); say it at most once per FAILURE_NOTICE_SECONDS."""
        self.last_error = error
        self.last_error_at = datetime.now(UTC).isoformat(timespec="seconds")
        now = time.monotonic()
        if now - self._failure_noticed_at < FAILURE_NOTICE_SECONDS:
            self._failures_unsaid += 1
            return
        more = (
            f" ({self._failures_unsaid} more failure(s) since the last line)"
            if self._failures_unsaid
            else ""
        )
        self._failure_noticed_at, self._failures_unsaid = now, 0
        self._say(f"stream processor: {error}{more}", warning=True)

    def _say(self, text: str, *, warning: bool = False) -> None:
        if self.notice is not None:
            self.notice(text)
        elif warning:
            log.warning("%s", text)

    def status(self) -> dict[str, Any]:
        raise NotImplementedError

    def _publish(self) -> None:
        if self.status_file is None:
            return
        status = self.status()
        if status == self._published:
            return
        self._published = status
        temporary = self.status_file.with_name(f".{self.status_file.name}.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(status, indent=2))
            temporary.replace(self.status_file)

    def _refresh_due(self, busy: bool) -> bool:
        """Re-list shards now and then; off AWS on every idle poll, because a table that is
        dropped and re-created between polls has a new stream, while moto still answers
        for the old stream ARN with the new table's shard."""
        if time.monotonic() - self.reader.listed_at > SHARD_REFRESH_SECONDS:
            return True
        return not busy and not self.lab.is_aws
