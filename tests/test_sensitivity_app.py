"""The app's sensitivity page and the marginal permit on the Results page, driven with AppTest;
every expectation is computed with the library on the same inputs."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from allocator.model import solve
from allocator.policy import build_problem
from allocator.scenario import Scenario, load_scenario
from allocator.submissions import Submissions, read_submissions
from allocator.sweep import (
    Oracle,
    cap_for_employer,
    cap_for_fill,
    marginal,
    problem_at,
    smallest_feasible_cap,
    sweep,
)

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE = ROOT / "data" / "sample_demand.xlsx"
TIMEOUT = 90


@cache
def sample() -> Submissions:
    return read_submissions(SAMPLE)


@cache
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


@cache
def oracle() -> Oracle:
    return Oracle(sample(), baseline())


@pytest.fixture
def app() -> Iterator[AppTest]:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    at.switch_page("allocator_app/page_sensitivity.py").run()
    assert not at.exception, [e.message for e in at.exception]
    yield at
    assert not at.exception, [e.message for e in at.exception]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_page_answers_the_inverse_questions_as_the_library(app: AppTest) -> None:
    shown = markdown(app)
    assert smallest_feasible_cap(oracle()).message.zh in shown
    assert cap_for_fill(oracle(), Fraction(90, 100)).message.zh in shown
    assert cap_for_fill(oracle(), Fraction(90, 100), "finance").message.zh in shown
    app.number_input(key="alloc.w.sens.fill").set_value(75).run()
    app.selectbox(key="alloc.w.sens.sector").select("culture").run()
    shown = markdown(app)
    assert cap_for_fill(oracle(), Fraction(75, 100)).message.zh in shown
    assert cap_for_fill(oracle(), Fraction(75, 100), "culture").message.zh in shown


def test_selecting_an_employer_shows_its_answer(app: AppTest) -> None:
    frame = oracle().problem.employers
    position = int(frame["eligible"].to_numpy().argmax())
    app.selectbox(key="alloc.w.sens.employer").select(position).run()
    answer = cap_for_employer(oracle(), frame.at[position, "credit_code"])
    assert answer.message.zh in markdown(app)
    # Its step curve is drawn beside the two curves of the page.
    assert len(app.get("vega_lite_chart")) == 3


def test_the_results_page_names_the_marginal_permit(app: AppTest) -> None:
    app.switch_page("allocator_app/page_results.py").run()
    plan = solve(build_problem(sample(), baseline()))
    expected = marginal(sample(), baseline(), plan.allocation)
    assert expected is not None and len(expected.gains) == 1 == len(expected.loses)
    # Independently: the plans one above and one below differ from it in exactly those rows.
    cap = baseline().cap.annual
    above = solve(problem_at(sample(), baseline(), cap + 1)).allocation
    below = solve(problem_at(sample(), baseline(), cap - 1)).allocation
    assert [int(i) for i in (above > plan.allocation).nonzero()[0]] == list(expected.gains)
    assert [int(i) for i in (below < plan.allocation).nonzero()[0]] == list(expected.loses)
    assert expected.message.zh in [i.value for i in app.info]


def test_curve_frames_are_the_sweep() -> None:
    from allocator_app.sensitivity import curve_frames

    caps = [0, 1500, 3000, 3500]
    result = sweep(sample(), baseline(), caps, interval=False)
    overall, sectors = curve_frames(result)
    eligible = int(result.problem.employers["eligible"].sum())
    plan = solve(problem_at(sample(), baseline(), 1500))
    row = overall[(overall["cap"] == 1500) & (overall["series"] == "eligible")]
    assert float(row["fill"].iloc[0]) == pytest.approx(plan.allocated / eligible)
    finance = sectors[(sectors["cap"] == 1500) & (sectors["sector"] == "finance")]
    mask = (result.problem.employers["sector"] == "finance").to_numpy()
    assert int(finance["permits"].iloc[0]) == int(plan.allocation[mask].sum())
    from allocator_app.sensitivity import employer_frame

    position = int(result.problem.employers["eligible"].to_numpy().argmax())
    curve = employer_frame(result, position)
    assert curve["cap"].tolist() == caps[1:]  # cap 0 is below the guarantees (157)
    assert int(curve.loc[curve["cap"] == 1500, "permits"].iloc[0]) == \
        int(plan.allocation[position])


def test_the_page_in_english(app: AppTest) -> None:
    app.sidebar.segmented_control[0].set_value("en").run()
    app.switch_page("allocator_app/page_sensitivity.py").run()
    assert app.title[0].value == "Cap sensitivity"
    shown = markdown(app)
    assert smallest_feasible_cap(oracle()).message.en in shown
    assert cap_for_fill(oracle(), Fraction(90, 100)).message.en in shown
    assert not app.error, [e.value for e in app.error]


def test_the_sweep_workbook_is_made_on_request(app: AppTest) -> None:
    import io

    from openpyxl import load_workbook

    assert not app.download_button
    app.button(key="alloc.w.sens.prepare").click().run()
    (button,) = app.download_button
    assert button.label == "下载敏感性工作簿"
    _, data = app.session_state["alloc.sens.workbook"]
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["总量敏感性", "各单位",
                               "反向问题"]
    answers = [row[2] for row in book["反向问题"].iter_rows(
        min_row=4, values_only=True) if row[2]]
    assert answers[0] == smallest_feasible_cap(oracle()).message.zh
    assert cap_for_fill(oracle(), Fraction(90, 100)).message.zh in answers
