"""What ``python benchmarks/run.py --engine aws --only seed patterns`` costs on AWS, on demand.

    python benchmarks/aws_cost.py --size full

Counts, from the same item builders and sizes the benchmarks use, the request units each
variant consumes by AWS's rules (``cruddur_lab.capacity``), and prices them with the dated
on-demand prices of ``cruddur_lab.modeling.costs``. Reads of a few items (GetItem, the
patterns' 20-item Queries) are counted at their minimum. Storage for the hour the tables
exist and the stream (nobody reads it: no charge) are left out; delete the tables after.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_patterns import PER_CONVERSATION
from bench_patterns import SIZES as PATTERN_SIZES
from bench_seed import PUT_SAMPLE
from bench_seed import SIZES as SEED_SIZES

from cruddur_lab.capacity import read_units, write_units
from cruddur_lab.clock import Clock, stable_id
from cruddur_lab.model import User, message_item
from cruddur_lab.modeling.costs import ON_DEMAND_PRICES
from cruddur_lab.scripts.seed import plan_messages


class _Clocked:
    clock = Clock.pinned("2026-03-01T12:00:00+00:00")


def seed_items(n: int) -> list[dict[str, str]]:
    users = [User(stable_id("u", h), h, h) for h in ("andrewbrown", "bayko")]
    return plan_messages(_Clocked(), users, n, {})


def seed_units(n: int) -> tuple[float, float]:
    """(write units, read units) of the seed benchmark at ``n`` messages."""
    items = seed_items(n)
    each = sum(write_units(item) for item in items)
    # floor twice, PutItem on a sample, seed, seed with writers: the same items each time.
    writes = 4 * each + each * min(n, PUT_SAMPLE) / n
    # Two transactional puts of a group row per seeded table, two tables: each doubled on
    # the table (2) and entering the index once, not doubled (measured on DynamoDB).
    group_rows = 2 * 2 * (2 + 1)
    # The re-seed: one GetItem and a COUNT Query over every message (charged by size).
    reads = 0.5 + read_units(items)
    return writes + group_rows, reads


def pattern_units(n: int, calls: int) -> tuple[float, float]:
    sender = User(stable_id("bench-user"), "someone", "Someone")
    items = seed_items(100) + [
        message_item(
            message_group_uuid=stable_id("bench-group", k // PER_CONVERSATION),
            message_uuid=stable_id("m", k),
            sender=sender,
            text=f"message {k}",
            created_at=f"2026-01-01T00:00:00.{k:06d}+00:00",
        )
        for k in range(max(0, n - 100))
    ]
    writes = sum(write_units(item) for item in items)
    scan_calls = max(1, min(calls, 100_000 // n // 10))
    reads = (1 + scan_calls) * read_units(items) + calls * 1.0  # scans; get-conversation
    return writes, reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("ci", "default", "full"), default="full")
    args = parser.parse_args()
    prices = ON_DEMAND_PRICES
    rows = []
    for n in SEED_SIZES[args.size]["sizes"]:
        rows.append((f"seed, {n:,} messages", *seed_units(n)))
    calls = PATTERN_SIZES[args.size]["calls"]
    for n in PATTERN_SIZES[args.size]["sizes"]:
        rows.append((f"patterns, {n:,} messages", *pattern_units(n, calls)))
    print(f"| run | write units | read units | USD ({prices.region}, {prices.as_of}) |")
    print("|---|---:|---:|---:|")
    total = [0.0, 0.0, 0.0]
    for name, writes, reads in rows:
        usd = writes / 1e6 * prices.write_per_million + reads / 1e6 * prices.read_per_million
        total = [total[0] + writes, total[1] + reads, total[2] + usd]
        print(f"| {name} | {writes:,.0f} | {reads:,.0f} | {usd:.4f} |")
    print(f"| **total** | {total[0]:,.0f} | {total[1]:,.0f} | **{total[2]:.2f}** |")
    print(f"\nPrices: {prices.source}")


if __name__ == "__main__":
    main()
