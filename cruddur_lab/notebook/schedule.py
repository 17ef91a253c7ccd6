"""Which notebook to start first: each run records what its notebooks took in the output
folder, and ``--jobs`` starts the longest first, so no worker is left with a long one at the
end (a first run guesses from the stored notebook's size)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Seconds each notebook took in the last run into a folder (``--jobs`` starts the longest).
SECONDS_FILE = ".seconds.json"


def save_seconds(output: Path, results: Sequence[Any]) -> None:
    known = last_seconds(output)
    known.update({r.name: round(r.seconds, 2) for r in results if r.ok})
    with contextlib.suppress(OSError):
        (output / SECONDS_FILE).write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")


def last_seconds(output: Path) -> dict[str, float]:
    try:
        known = json.loads((output / SECONDS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in known.items() if isinstance(v, int | float)}


def longest_first(notebooks: Sequence[Path], output: Path) -> list[int]:
    """Indexes of ``notebooks``, the longest first: by the last run's seconds, else by a
    guess from the stored notebook's size (more cells and outputs, more work)."""
    known = last_seconds(output)

    def expected(index: int) -> float:
        notebook = notebooks[index]
        if notebook.stem in known:
            return known[notebook.stem]
        try:
            return 1.0 + notebook.stat().st_size / 20_000
        except OSError:
            return 1.0

    return sorted(range(len(notebooks)), key=lambda index: (-expected(index), index))
