"""Start-up and memory: ``import cruddur_lab``, ``cruddur-lab --help``, the embedded engine's
start (moto + PostgreSQL), and the peak memory of a seed, each in a fresh process."""

from __future__ import annotations

import statistics
import sys
from typing import Any

from common import Report, peak_rss

SIZES = {
    "ci": {"seed": 200, "repeat": 1},
    "default": {"seed": 10_000, "repeat": 3},
    "full": {"seed": 100_000, "repeat": 3},
}

ENGINE = (
    "import time; t = time.perf_counter();"
    "from cruddur_lab.engine.embedded import EmbeddedServices;"
    "s = EmbeddedServices().start(); print(time.perf_counter() - t); s.stop()"
)
SEED = (
    "import sys; from cruddur_lab.engine.lab import Lab;"
    "from cruddur_lab.scripts.schema import schema_load;"
    "from cruddur_lab.scripts.seed import seed;"
    "lab = Lab.open('embedded', attach=False, table_name='bench-memory',"
    " now='2026-03-01T12:00:00+00:00');"
    "schema_load(lab, billing_mode='PAY_PER_REQUEST');"
    "print(seed(lab, messages=int(sys.argv[1]), progress=False)); lab.close()"
)


def seconds_of(command: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        seconds, _, result = peak_rss(command)
        assert result.returncode == 0, result.stdout
        runs.append(seconds)
    return statistics.median(runs)


def measure(services: Any, seed: int, repeat: int) -> Report:
    report = Report("startup")
    python = seconds_of([sys.executable, "-c", "pass"], repeat)
    report.figure("python -c pass", python, "s")
    report.figure(
        "import cruddur_lab", seconds_of([sys.executable, "-c", "import cruddur_lab"], repeat), "s"
    )
    report.figure(
        "cruddur-lab --help",
        seconds_of([sys.executable, "-m", "cruddur_lab.cli", "--help"], repeat),
        "s",
    )
    starts = []
    for _ in range(repeat):
        _, _, result = peak_rss([sys.executable, "-c", ENGINE])
        assert result.returncode == 0, result.stdout
        starts.append(float(result.stdout.strip().splitlines()[-1]))
    report.figure("embedded engine start (moto + PostgreSQL)", statistics.median(starts), "s")
    seconds, peak, result = peak_rss([sys.executable, "-c", SEED, str(seed)])
    assert result.returncode == 0, result.stdout
    report.figure(
        f"peak memory of a {seed:,}-message seed (process tree)",
        peak / 2**20,
        "MiB",
        seconds=round(seconds, 1),
    )
    report.notes.append(
        "Times are medians of fresh processes; the seed's memory includes its own embedded "
        "engine (moto in-process, PostgreSQL as a child), sampled every 50 ms with psutil."
    )
    return report
