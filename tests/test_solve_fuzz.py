"""Any valid scenario on a realistic workbook ends in a plan that explains itself, or in
conflicts said in words — never in an exception (hypothesis over every scenario parameter).

The values stay inside each parameter's documented bounds, leaning to the edges (0, the cap,
tiny caps, caps above all demand, every method, group floors and ceilings), where a solver is
most likely to trip. ``FUZZ_EXAMPLES=1000`` runs a longer campaign.
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from allocator.compare import compare_plans
from allocator.errors import InputError
from allocator.excel import build_comparison_workbook, build_plan_workbook, save_workbook
from allocator.explain import explain_plan, plan_summary
from allocator.model import solve
from allocator.plan import PlanStatus, plan_json
from allocator.policy import build_problem
from allocator.sample import write_sample
from allocator.scenario import PARAMETER, PARAMETERS, default_scenario
from allocator.submissions import read_submissions

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
SECTORS = PARAMETER["groups.*.sector"].choices


def _value(key: str) -> st.SearchStrategy[object]:
    """Values a planner could type for ``key``, within its bounds."""
    parameter = PARAMETER[key]
    if parameter.kind == "choice":
        return st.sampled_from(parameter.choices)
    if parameter.kind == "list":
        return st.lists(st.sampled_from(parameter.choices), unique=True,
                        min_size=1 if key == "method.tie_break" else 0)
    if parameter.kind == "int":
        return st.sampled_from([0, 1, 2, 3, 5, 50])
    if parameter.kind == "share":
        low = Decimal("0.01") if parameter.exclusive_minimum else Decimal(0)
        return st.sampled_from([low, Decimal("0.05"), Decimal("0.5"), Decimal("1")])
    if parameter.kind == "decimal":
        return st.sampled_from(["0.01", "0.5", "1", "1.2", "3", "100"])
    if parameter.kind == "cut":
        extra = ["none", "exclude"] if parameter.choices else []
        return st.sampled_from(["0", "1", "3", "0.0", "0.3", "1.0", *extra])
    raise AssertionError(f"no strategy for {key} ({parameter.kind})")


TUNABLE = [p.key for p in PARAMETERS
           if p.kind != "text" and p.key not in ("cap.annual", "scenario.year")]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    changes: dict[str, object] = {
        "cap.annual": draw(st.sampled_from([0, 1, 7, 150, 400, 400, 1000, 1000, 5000]))}
    changes["method.rule"] = draw(_value("method.rule"))
    for key in draw(st.lists(st.sampled_from(TUNABLE), unique=True, max_size=8)):
        changes[key] = draw(_value(key))
    groups: dict[str, dict[str, object]] = {}
    for number, sector in enumerate(draw(st.lists(st.sampled_from(SECTORS), unique=True,
                                                  max_size=2))):
        group: dict[str, object] = {"sector": sector}
        low = draw(st.sampled_from([0, 1, 10, 60]))
        if low:
            group["min"] = low
        if draw(st.booleans()):
            group["max"] = low + draw(st.sampled_from([0, 5, 100]))
        groups[f"g{number}"] = group
    if groups:
        changes["groups"] = groups
    return changes


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("solve-fuzz") / "demand.xlsx"
    write_sample(path, employers=60, seed=11)
    read = read_submissions(path)
    assert read.ok
    return read


@pytest.fixture(scope="module")
def baseline(submissions):
    return solve(build_problem(submissions, default_scenario(400)))


@settings(deadline=None, max_examples=EXAMPLES or 60,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(changes=scenarios())
def test_any_valid_scenario_ends_in_a_plan_or_conflicts_in_words(submissions, baseline,
                                                                  changes):
    try:
        scenario = default_scenario(3000).with_values(changes)
    except InputError:
        event("scenario refused")
        return
    try:
        problem = build_problem(submissions, scenario)
        plan = solve(problem)
    except InputError as refused:  # a documented refusal, e.g. Hamilton with groups
        assert all(i.message.zh and i.message.en for i in refused.issues)
        event("refused by the policy or the model")
        return
    event(f"{problem.method.value}: {plan.status.value}")
    result = plan_json(plan)
    assert result["status"] == plan.status.value
    # Compared with a baseline, and the comparison written, whatever the plan is.
    comparison = compare_plans([baseline, plan], ["baseline", "fuzzed"])
    build_comparison_workbook(comparison)
    if plan.status is PlanStatus.INFEASIBLE:
        assert plan.conflicts and all(c.message.zh and c.message.en and c.shortfall > 0
                                      for c in plan.conflicts)
        return
    assert plan.status is PlanStatus.OPTIMAL
    seats = np.asarray(plan.allocation, dtype=np.int64)
    lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    assert (lower <= seats).all() and (seats <= upper).all()
    assert 0 <= seats.sum() <= problem.allocatable
    if seats.sum() < problem.allocatable:  # a surplus only when something stops more
        assert plan_summary(plan).unallocated == problem.allocatable - seats.sum()
    explanations = explain_plan(plan)  # raises when a sentence would not reproduce the plan
    assert [e.allocated for e in explanations] == seats.tolist()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        save_workbook(build_plan_workbook(plan), path)
        book = openpyxl.load_workbook(path, read_only=True)
        rows = sum(1 for _ in book["分配明细"].iter_rows())
        book.close()
        assert rows >= 3 + len(seats)  # title, header, one row per employer, total
