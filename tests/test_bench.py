"""The benchmark's yardstick (bench/bench.py): the numpy greedy against the exact plan."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from allocator.model import solve
from allocator.policy import build_problem
from allocator.submissions import Submissions

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_the_numpy_greedy_is_close_to_the_exact_plan(bench):
    frame = bench.demand_frame(300)
    frame.insert(0, "row", range(3, 3 + len(frame)))
    submissions = Submissions(frame, [], "sample.xlsx", "需求申报", 2, bench.YEAR, "0" * 64)
    problem = build_problem(submissions, bench.scenarios(bench.cap_for(300))["baseline"])
    greedy = bench.numpy_greedy(problem)
    exact = solve(problem).allocation
    assert greedy.sum() == exact.sum() == problem.allocatable
    assert np.abs(greedy - exact).sum() <= 0.02 * problem.allocatable  # ties and floats only
