"""The smallest size of every benchmark runs, so none of them can rot (nothing about speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_one_command_runs_every_benchmark_and_writes_results_with_every_target(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--size", "ci", "--output", str(tmp_path)],
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
        for target in bench["targets"]:
            assert target["status"] in {"met", "missed", "not measured"}
            assert f"| {name} | {target['target']} |" in markdown
    assert "shared with other engineers" in markdown
