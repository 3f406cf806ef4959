"""The benchmarks import as a package and run with ``python -m``; their target checks."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bench._targets import Targets, figure

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "export",
    "faults",
    "imports",
    "lighthouse",
    "page_weight",
    "places",
    "read_audit",
    "reports",
    "risk_map",
    "submit",
]


@pytest.fixture(scope="module")
def helps():
    """``python -m bench.NAME --help`` for every benchmark, each in its own process, at once."""
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}", "--help"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in BENCHMARKS
    }
    results = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=60)
        results[name] = (process.returncode, out, err)
    return results


def test_every_benchmark_is_listed():
    found = {p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_")}
    assert found == set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_as_a_module(helps, name):
    code, out, err = helps[name]
    assert code == 0, err
    assert out.startswith(f"usage: python -m bench.{name}")
    assert "target" in out.lower()


def test_no_benchmark_edits_sys_path():
    for path in (ROOT / "bench").glob("*.py"):
        assert "sys.path" not in path.read_text(), path.name


def test_all_targets_met_exits_0():
    out = io.StringIO()
    targets = Targets(out)
    assert targets.check("page", 120, 150, "KB", baseline=40)
    assert targets.check("share", 36, 30, "%", better="higher", baseline="healthz 1,900 req/s")
    assert targets.check("lost", 0, 0)
    assert targets.finish() == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "page: 120 KB (target <= 150 KB; baseline 40 KB)"
    assert lines[1] == "share: 36% (target >= 30%; baseline healthz 1,900 req/s)"
    assert lines[2] == "lost: 0 (target <= 0; no same-run baseline)"
    assert lines[-1] == "all targets met (3)"


def test_a_missed_target_exits_non_zero_and_is_named():
    out = io.StringIO()
    targets = Targets(out)
    targets.check("build", 0.1, 0.3, "s")
    assert not targets.check("painted", 1.4, 1.0, "s", baseline=0.5)
    assert not targets.check("speed-up", 80, 100, "x", better="higher")
    assert targets.finish() != 0
    text = out.getvalue()
    assert "painted: 1.4 s (target <= 1 s; baseline 0.5 s)   MISSED" in text
    assert text.splitlines()[-1] == "MISSED: painted, speed-up"


def test_an_unmeasured_figure_is_a_miss():
    out = io.StringIO()
    targets = Targets(out)
    assert not targets.check("speed-up", None, 100, "x", better="higher")
    assert targets.finish() != 0
    assert "speed-up: not measured" in out.getvalue()


def test_checking_nothing_is_not_a_pass():
    assert Targets(io.StringIO()).finish() != 0


def test_figures_to_about_three_significant_figures():
    assert figure(0.012345, "s") == "0.0123 s"
    assert figure(24.96, "ms") == "25.0 ms"
    assert figure(1234.5, "req/s") == "1234 req/s"
    assert figure(150, "KB") == "150 KB"
    assert figure(165.2, "x") == "165x"
