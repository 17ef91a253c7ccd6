"""What every benchmark shares: its report (figures and targets), timing, and the engine.

A benchmark module has ``SIZES`` (``ci``: the smallest, seconds; ``default``; ``full``: the
100,000-message run) and ``measure(services, **size) -> Report``. Figures are measured side by
side in one run on one engine, so their ratios mean something on a busy machine; absolute
times depend on the machine and are reported, never asserted.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    """One benchmark's figures, the targets its issue set, and notes on how to read them."""

    name: str
    figures: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, what: str, value: float, unit: str, **context: Any) -> float:
        self.figures.append({"figure": what, "value": value, "unit": unit, **context})
        return value

    def target(
        self, what: str, value: float | None, limit: float, *, unit: str = "×", at_most=True
    ) -> None:
        """``value`` must stay at or under ``limit`` (over it when ``at_most`` is False).

        A value of None means the run did not measure it: the target is marked not measured.
        """
        if value is None:
            status = "not measured"
        else:
            met = value <= limit if at_most else value >= limit
            status = "met" if met else "missed"
        self.targets.append(
            {
                "target": what,
                "limit": f"{'≤' if at_most else '≥'} {limit:g}{unit}",
                "value": None if value is None else round(value, 3),
                "status": status,
            }
        )


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Seconds ``function(*args, **kwargs)`` took, and what it returned."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def percentile(values: list[float], pct: int) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


#: Set by run.py for ``--engine aws``: (table prefix,). None means the embedded engine.
AWS: dict[str, Any] | None = None


def open_table(services: Any, name: str, *, now: str = "real") -> Any:
    """A Lab with its own on-demand table, so no variant pays for another's data.

    On the embedded engine the table lives on ``services``; with ``--engine aws`` it is a
    real table named with the run's prefix (``cruddur-lab cleanup --prefix`` removes them).
    """
    from cruddur_lab.engine.lab import Lab
    from cruddur_lab.scripts.schema import schema_load

    if AWS is None:
        lab = Lab.on_services(services, table_name=name, now=now)
    else:
        lab = Lab.open("aws", table_name=name, table_prefix=AWS["prefix"], now=now)
    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    return lab


def wire(item: dict[str, str]) -> dict[str, dict[str, str]]:
    """An item of strings in DynamoDB's wire format, built before any timing starts."""
    return {name: {"S": value} for name, value in item.items()}


def peak_rss(command: list[str], **popen: Any) -> tuple[float, int, Any]:
    """Run ``command``; return its seconds, the peak RSS of its whole process tree, its result.

    Sampled every 50 ms with psutil: a short peak between samples can be missed.
    """
    import subprocess

    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen
    )
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):  # a process may end while it is read
            for member in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += member.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.05)
    stdout = process.stdout.read() if process.stdout else ""
    seconds = time.perf_counter() - started
    return seconds, peak, subprocess.CompletedProcess(command, process.returncode, stdout, "")
