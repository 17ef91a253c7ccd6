"""The smallest size of every benchmark runs, so none of them can rot (nothing about speed);
a figure taken on a busy machine judges no target."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_run = load_runner()
TARGETS = [
    {"target": "a", "limit": "≤ 1×", "value": 0.9, "status": "met"},
    {"target": "b", "limit": "≤ 1×", "value": 1.2, "status": "missed"},
    {"target": "c", "limit": "≤ 1×", "value": None, "status": "not measured"},
]


def test_a_quiet_machine_judges_every_target():
    reason = bench_run.busy_reason(0.4, 1.9, own_cores=2, cores=2)
    assert reason is None
    assert bench_run.judge(TARGETS, reason) == TARGETS


def test_a_busy_start_turns_met_and_missed_into_busy_and_asks_for_a_re_run():
    reason = bench_run.busy_reason(3.2, 0.2, cores=2)
    assert reason == "busy: load 3.2 > 1.5 at the start, re-run"
    judged = bench_run.judge(TARGETS, reason)
    assert [t["status"] for t in judged] == [reason, reason, "not measured"]
    # The figure itself is kept: only the verdict is withheld.
    assert [t["value"] for t in judged] == [0.9, 1.2, None]


def test_the_end_load_allows_for_the_benchmarks_own_processes_only():
    assert bench_run.busy_reason(1.0, 3.4, own_cores=2, cores=2) is None
    assert bench_run.busy_reason(1.0, 3.6, own_cores=2, cores=2) == (
        "busy: load 3.6 > 3.5 at the end, re-run"
    )
    assert bench_run.busy_reason(1.0, 2.6, own_cores=1, cores=2) == (
        "busy: load 2.6 > 2.5 at the end, re-run"
    )


def test_the_limit_scales_with_the_cores():
    assert bench_run.busy_limit(2) == 1.5
    assert bench_run.busy_reason(5.0, 0.0, cores=8) is None
    assert bench_run.busy_reason(6.1, 0.0, cores=8).startswith("busy: load 6.1 > 6 ")


def test_the_one_command_runs_every_benchmark_and_writes_results_with_every_target(tmp_path):
    result = subprocess.run(
        [
            *(sys.executable, "benchmarks/run.py", "--size", "ci", "--settle", "0"),
            *("--output", str(tmp_path)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["benchmarks"]) == {"seed", "patterns", "streams", "walkthrough", "startup"}
    assert results["machine"]["cores"] >= 1
    assert set(results["machine"]["packages"]) >= {"boto3", "moto", "papermill"}
    markdown = (tmp_path / "RESULTS.md").read_text()
    for name, bench in results["benchmarks"].items():
        assert bench["figures"], f"{name} reported no figure"
        assert set(bench["load"]) == {"start", "end"}
        for target in bench["targets"]:
            assert target["status"] in {"met", "missed", "not measured"} or (
                target["status"] == bench["busy"] and bench["busy"].startswith("busy: load ")
            )
            assert f"| {name} | {target['target']} |" in markdown
    assert "judges no target" in markdown


def load_walkthrough():
    sys.path.insert(0, str(ROOT / "benchmarks"))  # bench_walkthrough imports common
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_walkthrough", ROOT / "benchmarks" / "bench_walkthrough.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_walkthrough"] = module  # its dataclass looks itself up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_the_floor_counts_a_notebook_that_waited_for_a_deadlocked_kernel_at_the_median():
    """A notebook whose kernel did not end when asked cost papermill 2.5 s more; the floor
    counts it as a typical notebook (the median of the others), so the target gets harder,
    and a floor without such a kernel is its plain sum."""
    import logging

    walkthrough = load_walkthrough()
    timing = walkthrough.Floor([0.6, 4.02, 0.7, 0.5], [False, True, False, False])
    assert timing.total == sum([0.6, 4.02, 0.7, 0.5])
    assert abs(timing.without_hangs - (0.6 + 0.7 + 0.5 + 0.6)) < 1e-9
    plain = walkthrough.Floor([0.6, 0.7], [False, False])
    assert plain.without_hangs == plain.total
    # The deadlock is seen in jupyter_client's own debug line.
    seen = walkthrough._HangSeen()
    seen.handle(logging.makeLogRecord({"msg": "Kernel is taking too long to finish, terminating"}))
    assert seen.seen
