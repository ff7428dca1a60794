"""Cap sensitivity in the app: the sweep cached per (workbook, scenario), the chart data, the
charts, and the marginal permit shown on the Results page. Every number comes from
:mod:`allocator.sweep`; this module only arranges and labels.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from allocator.plan import Plan
from allocator.scenario import Scenario
from allocator.schema import SECTORS
from allocator.screening import Screening
from allocator.submissions import Submissions
from allocator.sweep import Marginal, Oracle, Sweep, default_caps, marginal, sweep
from allocator_app import state, ui
from allocator_app.ui import show, tr

#: Points on the page's curve: enough for a smooth line, few enough to redraw at once.
CURVE_POINTS = 100


@st.cache_resource(max_entries=16, show_spinner=False)
def _oracle(input_sha256: str, scenario_sha256: str, _submissions: Submissions,
            _scenario: Scenario, _screening: Screening | None = None) -> Oracle:
    return Oracle(_submissions, _scenario, _screening)


def oracle_of(data: state.Dataset, scenario: Scenario) -> Oracle:
    """The plan at any cap for this workbook and scenario, cached for every session."""
    data.submissions.raise_for_errors()
    return _oracle(*state.plan_key(data, scenario), data.submissions, scenario,
                   state.screening_of(data, scenario))


@st.cache_resource(max_entries=16, show_spinner=False)
def _sweep(input_sha256: str, scenario_sha256: str, _submissions: Submissions,
           _scenario: Scenario, start: int | None, _screening: Screening | None = None) -> Sweep:
    problem = Oracle(_submissions, _scenario, _screening).problem
    return sweep(_submissions, _scenario, default_caps(problem, start, CURVE_POINTS),
                 interval=False, problem=problem)


def sweep_of(data: state.Dataset, scenario: Scenario, start: int | None) -> Sweep:
    return _sweep(*state.plan_key(data, scenario), data.submissions, scenario, start,
                  state.screening_of(data, scenario))


def curve_frames(result: Sweep) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(overall, by sector): long frames of the fill rates and each sector's permits per cap,
    feasible caps only."""
    frame = result.problem.employers
    requested, eligible = int(frame["requested"].sum()), int(frame["eligible"].sum())
    caps = np.asarray(result.caps)
    allocated = result.allocated()
    feasible = np.array([a is not None for a in allocated])
    got = np.array([a or 0 for a in allocated], dtype=float)
    overall = pd.DataFrame({
        "cap": np.concatenate([caps[feasible], caps[feasible]]),
        "series": ["eligible"] * int(feasible.sum()) + ["requested"] * int(feasible.sum()),
        "fill": np.concatenate([got[feasible] / max(eligible, 1),
                                got[feasible] / max(requested, 1)]),
    })
    parts = []
    for code, mask in result.sector_masks().items():
        if not frame["eligible"][mask].sum():
            continue
        values = result.allocated(mask)
        parts.append(pd.DataFrame({"cap": caps[feasible], "sector": code,
                                   "permits": [values[i] for i in np.flatnonzero(feasible)]}))
    sectors = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({"cap": [], "sector": [], "permits": []})
    return overall, sectors


def _current(cap: int) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"cap": [cap]})).mark_rule(
        color="#c00000", strokeDash=[4, 3]).encode(
        x="cap:Q", tooltip=[alt.Tooltip("cap:Q", title=tr("sensitivity.current"), format=",")])


def fill_chart(overall: pd.DataFrame, cap: int) -> None:
    names = {"eligible": tr("sensitivity.of_eligible"),
             "requested": tr("sensitivity.of_requested")}
    data = overall.assign(series=overall["series"].map(names))
    line = alt.Chart(data).mark_line().encode(
        x=alt.X("cap:Q", title=tr("sensitivity.cap")),
        y=alt.Y("fill:Q", title=tr("sensitivity.fill"), axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("cap:Q", title=tr("sensitivity.cap"), format=","),
                 alt.Tooltip("fill:Q", title=tr("sensitivity.fill"), format=".1%")])
    st.altair_chart(line + _current(cap), width="stretch")


def sector_chart(sectors: pd.DataFrame, cap: int) -> None:
    labels = {c.code: ui.pick(c.zh, c.en) for c in SECTORS}
    data = sectors.assign(sector=sectors["sector"].map(labels))
    line = alt.Chart(data).mark_line().encode(
        x=alt.X("cap:Q", title=tr("sensitivity.cap")),
        y=alt.Y("permits:Q", title=tr("charts.permits")),
        color=alt.Color("sector:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("cap:Q", title=tr("sensitivity.cap"), format=","),
                 alt.Tooltip("sector:N", title=tr("charts.sector")),
                 alt.Tooltip("permits:Q", title=tr("charts.permits"), format=",")])
    st.altair_chart(line + _current(cap), width="stretch")


def employer_frame(result: Sweep, position: int) -> pd.DataFrame:
    """One employer's permits at every feasible cap of the sweep."""
    kept = [(cap, int(point.allocation[position]))
            for cap, point in zip(result.caps, result.points, strict=True)
            if point.allocation is not None]
    return pd.DataFrame(kept, columns=["cap", "permits"])


def employer_chart(frame: pd.DataFrame, eligible: int, cap: int) -> None:
    line = alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=alt.X("cap:Q", title=tr("sensitivity.cap")),
        y=alt.Y("permits:Q", title=tr("charts.permits")),
        tooltip=[alt.Tooltip("cap:Q", title=tr("sensitivity.cap"), format=","),
                 alt.Tooltip("permits:Q", title=tr("charts.permits"), format=",")])
    full = alt.Chart(pd.DataFrame({"permits": [eligible]})).mark_rule(
        color="#2e75b6", strokeDash=[2, 2]).encode(y="permits:Q")
    st.altair_chart(line + full + _current(cap), width="stretch")


# -- the marginal permit on the Results page ---------------------------------------------------
@st.cache_resource(max_entries=32, show_spinner=False)
def _marginal(input_sha256: str, scenario_sha256: str, _submissions: Submissions,
              _scenario: Scenario, _plan: Plan) -> Marginal | None:
    return marginal(_submissions, _scenario, _plan.allocation, _plan.problem, _plan.seat_order)


def marginal_of(plan: Plan) -> Marginal | None:
    data = state.dataset()
    problem = plan.problem
    if data is None or data.sha256 != problem.input_sha256 or plan.allocation is None:
        return None
    return _marginal(problem.input_key, problem.scenario_sha256, data.submissions,
                     problem.scenario, plan)


def marginal_note(plan: Plan, summary: dict[str, Any]) -> None:
    """Who gets the next permit if the cap rises by one, who loses one if it falls."""
    found = marginal_of(plan)
    if found is None:
        return
    st.info(show(found.message), icon=":material/exposure:")
