"""The plan as planners read it: headline figures, the table, charts, ties and warnings.

Shared by the Results page and the Compare / Approve pages. Every figure comes from the
library's :func:`allocator.plan.plan_json`; this module only labels and arranges.
"""

from __future__ import annotations

import time
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from allocator.constraints import Conflict
from allocator.docs import article_text
from allocator.explain import PlanSummary, explain_employer, plan_summary, warning_lines
from allocator.i18n import text
from allocator.plan import Plan, PlanStatus, plan_json
from allocator.scenario import PARAMETER, Scenario
from allocator.schema import CATEGORIES
from allocator_app import state, ui
from allocator_app.present import category_label, method_label, sector_label
from allocator_app.ui import show, tr

#: Fill-rate bands for the distribution chart: (label key, lower, upper) on allocated/requested.
FILL_BANDS: tuple[tuple[str, float, float], ...] = (
    ("fill_0", 0.0, 0.0), ("fill_1_25", 0.0, 0.25), ("fill_25_50", 0.25, 0.5),
    ("fill_50_75", 0.5, 0.75), ("fill_75_100", 0.75, 1.0), ("fill_100", 1.0, 1.0),
)  # 0 and 100 % exactly; the others are [low, high), the first open at 0


@st.cache_data(max_entries=32, show_spinner=False)
def _json(input_sha256: str, scenario_sha256: str, _plan: Plan) -> dict[str, Any]:
    return plan_json(_plan)


def result(plan: Plan) -> dict[str, Any]:
    """The plan's result object (docs/result.md), cached with the plan's own key."""
    problem = plan.problem
    return _json(problem.input_key, problem.scenario_sha256, plan)


def obtain_plan(data: state.Dataset, scenario: Scenario) -> Plan | None:
    """The plan for this workbook and scenario; a solve shows its progress in ``st.status``."""
    plan = state.cached_plan(data, scenario)
    if plan is not None:
        return plan
    name = scenario.scenario.name
    with st.status(tr("results.solving", name=name), expanded=False) as progress:
        st.write(tr("results.step_rules", rows=len(data.submissions)))
        st.write(tr("results.step_solve", method=method_label(scenario.method.rule)))
        started = time.perf_counter()
        plan, done = ui.attempt("solve", lambda: state.solve_plan(data, scenario))
        if not done or plan is None:
            progress.update(label=tr("results.solve_failed", name=name), state="error",
                            expanded=True)
            return None
        seconds = time.perf_counter() - started
        if plan.status is PlanStatus.INFEASIBLE:  # solved, but nothing to be glad about
            progress.update(label=tr("results.infeasible_status", name=name), state="error")
            return plan
        st.write(tr("results.step_verified"))
        progress.update(label=tr("results.solved", name=name, seconds=f"{seconds:.2f}"),
                        state="complete")
    return plan


def ready_dataset() -> state.Dataset | None:
    """The workbook to plan with, or ``None`` after saying what is missing."""
    data = state.dataset()
    if data is None:
        st.info(tr("results.no_data"))
        st.page_link("allocator_app/page_import.py", label=tr("nav.import"),
                     icon=":material/upload_file:")
        return None
    if not data.submissions.ok:
        st.error(tr("results.data_errors", name=data.name, errors=len(data.submissions.errors)))
        st.page_link("allocator_app/page_import.py", label=tr("nav.import"),
                     icon=":material/upload_file:")
        return None
    return data


def status_text(plan: Plan) -> str:
    return tr(f"results.status_{plan.status.value}")


def headline(plan: Plan, summary: dict[str, Any]) -> None:
    rows = summary["employers"]
    requested = sum(r["requested"] for r in rows)
    funded = sum(1 for r in rows if r["allocated"] > 0)
    first, second, third, fourth, fifth, sixth = st.columns(6)
    first.metric(tr("results.allocatable"), ui.number(summary["allocatable"]),
                 help=tr("results.allocatable_help", cap=ui.number(summary["cap"]),
                         reserve=ui.number(summary["reserve"])))
    second.metric(tr("results.allocated"), ui.number(summary["allocated"]))
    third.metric(tr("results.unallocated"), ui.number(summary["unallocated"]))
    fourth.metric(tr("results.funded"), tr("results.funded_value", funded=funded,
                                            total=len(rows)))
    fifth.metric(tr("results.fill_rate"),
                 ui.percent(summary["allocated"] / requested if requested else None),
                 help=tr("results.fill_rate_help", requested=ui.number(requested)))
    sixth.metric(tr("results.divisor"), ui.divisor(summary["divisor"]),
                 help=tr("results.divisor_help"))
    solver = summary.get("solver") or {}
    st.caption(tr("results.facts", status=status_text(plan),
                  method=method_label(summary["method"]), solver=solver.get("name", "—"),
                  sha=summary["plan_sha256"][:12]))


def plan_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per employer in input order, with the columns a planner reads."""
    rows = summary["employers"]
    frame = pd.DataFrame({
        "position": range(len(rows)),
        "row": [r["row"] for r in rows],
        "credit_code": [r["credit_code"] for r in rows],
        "name": [r["name"] for r in rows],
        "sector": [r["sector"] for r in rows],
        "top100": [r["top100"] for r in rows],
        "requested": [r["requested"] for r in rows],
        "eligible": [r["eligible"] for r in rows],
        "guaranteed": [r["guaranteed"] for r in rows],
        "upper": [r["upper"] for r in rows],
        "weight": [r["weight"] for r in rows],
        "allocated": [r["allocated"] for r in rows],
    })
    frame["fill"] = [r["allocated"] / r["requested"] if r["requested"] else None
                     for r in rows]
    return frame


def shown_table(frame: pd.DataFrame) -> pd.DataFrame:
    # Top-100 firms are a view of their own (filter "区级百强企业") and an employer's ceiling
    # is in its explanation; without their columns the table fits the page.
    out = frame.drop(columns=["position", "top100", "upper"]).copy()
    out["sector"] = out["sector"].map(sector_label)
    out["fill"] = out["fill"].map(lambda v: None if v is None else round(v * 100, 1))
    return out.rename(columns={key: tr(f"table.{key}") for key in out.columns})


def filtered(frame: pd.DataFrame) -> pd.DataFrame:
    search, sectors, which = st.columns([3, 3, 2])
    query = search.text_input(tr("results.search"), key=ui.kept_key("search", ""),
                              on_change=ui.keep, args=("search",),
                              placeholder=tr("results.search_hint"))
    codes = list(dict.fromkeys(frame["sector"]))
    chosen = sectors.multiselect(tr("results.sectors"), codes, key=ui.kept_key("sectors", []),
                                 select_all=ui.select_all(),
                                 format_func=ui.labels(codes, sector_label),
                                 on_change=ui.keep, args=("sectors",),
                                 placeholder=tr("results.all_sectors"))
    views = ["all", "allocated", "none", "cut", "top100"]
    view = which.selectbox(tr("results.view"), views, key=ui.kept_key("view", "all"),
                           format_func=ui.labels(views, lambda v: tr(f"results.view_{v}")),
                           on_change=ui.keep, args=("view",))
    mask = pd.Series(True, index=frame.index)
    if query and query.strip():
        needle = query.strip().casefold()
        mask &= (frame["name"].str.casefold().str.contains(needle, regex=False)
                 | frame["credit_code"].str.casefold().str.contains(needle, regex=False))
    if chosen:
        mask &= frame["sector"].isin(chosen)
    if view == "allocated":
        mask &= frame["allocated"] > 0
    elif view == "none":
        mask &= frame["allocated"] == 0
    elif view == "cut":
        mask &= frame["eligible"] < frame["requested"]
    elif view == "top100":
        mask &= frame["top100"]
    return frame[mask]


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """The filtered plan table; returns the rows it shows."""
    shown = filtered(frame)
    st.caption(tr("results.showing", shown=len(shown), total=len(frame),
                  allocated=ui.number(int(shown["allocated"].sum()))))
    fill = tr("table.fill")
    # Widths in pixels so that every column fits beside the sidebar at 1440 px, in both
    # languages (a longer name is cut; it is whole in the explanation below).
    numbers = {tr(f"table.{key}"): st.column_config.NumberColumn(format="localized",
                                                                  width=width)
               for key, width in TABLE_WIDTHS.items()}
    st.dataframe(shown_table(shown), hide_index=True, width="stretch", height=440,
                 column_config={
                     **numbers,
                     tr("table.credit_code"): st.column_config.TextColumn(width=160),
                     tr("table.name"): st.column_config.TextColumn(width=220),
                     tr("table.sector"): st.column_config.TextColumn(width=96),
                     fill: st.column_config.NumberColumn(fill, format="%.1f%%", width=68),
                     tr("table.weight"): st.column_config.NumberColumn(format="%.4g",
                                                                       width=60),
                 })
    return shown


#: The plan table's number columns and their widths in pixels.
TABLE_WIDTHS = {"row": 52, "requested": 80, "eligible": 72, "guaranteed": 88, "allocated": 80}


def reasons_frame(reasons: list[dict[str, Any]]) -> pd.DataFrame:
    """Each reason with its article as the text says it (第十三条) and its signed amount; a
    reason that changes no number has an empty amount."""
    lang = ui.lang()
    return pd.DataFrame({
        tr("explain.article"): [show(article_text(r["article"])) if r["article"] else ""
                                for r in reasons],
        tr("explain.reason"): [r[lang] for r in reasons],
        tr("explain.amount"): [ui.signed(r.get("amount")) for r in reasons],
    })


def explanation(plan: Plan, summary: dict[str, Any], frame: pd.DataFrame) -> None:
    """One employer's numbers and every reason behind them, on demand."""
    rows = summary["employers"]
    positions = frame["position"].tolist()
    if not positions:
        return
    picked = st.selectbox(
        tr("explain.pick"), positions, key="alloc.w.explain", index=None,
        format_func=lambda p: f"{rows[p]['name']}（{rows[p]['credit_code']}）",
        placeholder=tr("explain.placeholder"))
    if picked is None:
        return
    record = rows[picked]
    st.markdown(f"**{record['name']}** · {record['credit_code']} · "
                + tr("explain.row", row=record["row"]))
    cells = st.columns(5)
    for cell, key in zip(cells, ("requested", "eligible", "guaranteed", "upper", "allocated"),
                         strict=True):
        cell.metric(tr(f"table.{key}"), ui.number(record[key]))
    st.info(show(explain_employer(plan, picked)), icon=":material/lightbulb:")
    if record["reasons"]:
        st.table(reasons_frame(record["reasons"]), hide_index=True)
    else:
        st.caption(tr("explain.no_reasons"))


@st.cache_resource(max_entries=32, show_spinner=False)
def _summary(input_sha256: str, scenario_sha256: str, _plan: Plan) -> PlanSummary:
    return plan_summary(_plan)


def summary_of(plan: Plan) -> PlanSummary:
    """The library's plan summary (totals, breakdowns, reasons), cached with the plan."""
    problem = plan.problem
    return _summary(problem.input_key, problem.scenario_sha256, plan)


def headline_lines(plan: Plan) -> None:
    lines = summary_of(plan).lines
    if lines:
        st.markdown("\n".join(f"- {show(line)}" for line in lines))


#: The same quantity has the same colour in every chart.
SERIES_COLOURS: dict[str, str] = {"requested": "#9dc3e6", "eligible": "#2e75b6",
                                  "allocated": "#c00000", "employers": "#2e75b6"}


def bars(table: pd.DataFrame, x_title: str, y_title: str, *, height: int = 320,
         colours: list[str] | None = None, legend: bool | None = None) -> None:
    """Grouped bars: one group per row of ``table`` (its index, in order), one bar per column.

    Labels stay horizontal and the legend sits on top, so Chinese labels read as written.
    """
    long = table.rename_axis("group").reset_index().melt(
        id_vars="group", var_name="series", value_name="value")
    groups, series = list(table.index), list(table.columns)
    encoding: dict[str, Any] = {
        "x": alt.X("group:N", sort=groups, title=x_title,
                   axis=alt.Axis(labelAngle=0, labelLimit=160)),
        "y": alt.Y("value:Q", title=y_title),
        "tooltip": [alt.Tooltip("group:N", title=x_title),
                    alt.Tooltip("series:N", title=" "),
                    alt.Tooltip("value:Q", title=y_title, format=",")],
    }
    if len(series) > 1:
        encoding["xOffset"] = alt.XOffset("series:N", sort=series)
    scale = alt.Scale(domain=series, range=colours) if colours else alt.Undefined
    show_legend = len(series) > 1 if legend is None else legend
    encoding["color"] = alt.Color("series:N", sort=series, title=None, scale=scale,
                                  legend=alt.Legend(orient="top", labelLimit=480)
                                  if show_legend else None)
    chart = alt.Chart(long).mark_bar().encode(**encoding).properties(height=height)
    st.altair_chart(chart, width="stretch")


def breakdown_chart(table: pd.DataFrame, keys: tuple[str, ...], x_title: str) -> None:
    """Bars per row of a :class:`PlanSummary` breakdown, labelled in the current language."""
    label = "label_en" if ui.lang() == "en" else "label_zh"
    data = pd.DataFrame({tr(f"table.{key}"): table[key].tolist() for key in keys},
                        index=table[label].tolist())
    bars(data, x_title, tr("charts.permits"), colours=[SERIES_COLOURS[k] for k in keys])


def sector_chart(plan: Plan) -> None:
    breakdown_chart(summary_of(plan).by_sector, ("requested", "eligible", "allocated"),
                    tr("charts.sector"))


def category_chart(plan: Plan) -> None:
    table = summary_of(plan).by_category.copy()
    table["label_zh"] = [tr_in("zh", code) for code in table.index]
    table["label_en"] = [tr_in("en", code) for code in table.index]
    breakdown_chart(table, ("eligible", "allocated"), tr("charts.category"))
    st.caption(tr("charts.category_note") + " "
               + "；".join(category_label(item) for item in CATEGORIES))


def tr_in(lang: str, code: str) -> str:
    """A short category label (第1类 / Cat. 1) for the chart's axis."""
    key = "charts.no_category" if code == "none" else "charts.category_short"
    message = text(f"app.{key}", item=code)
    return message.en if lang == "en" else message.zh


def fill_band(share: float) -> str:
    if share <= 0:
        return "fill_0"
    if share >= 1:
        return "fill_100"
    for key, low, high in FILL_BANDS[1:-1]:
        if low <= share < high:
            return key
    return "fill_75_100"


def fill_chart(frame: pd.DataFrame) -> None:
    """How many employers received what share of their request."""
    bands = [fill_band(share) for share in frame["fill"].dropna()]
    data = pd.DataFrame({tr("charts.employers"): [bands.count(key) for key, _, _ in FILL_BANDS]},
                        index=[tr(f"charts.{key}") for key, _, _ in FILL_BANDS])
    bars(data, tr("charts.fill"), tr("charts.employers"), height=260,
         colours=[SERIES_COLOURS["employers"]])


def ties(summary: dict[str, Any]) -> None:
    found = summary["ties"]
    if not found:
        st.caption(tr("ties.none"))
        return
    names = {r["credit_code"]: r["name"] for r in summary["employers"]}
    scopes = {s["name"]: s[ui.lang()] for s in summary["scopes"]}
    st.table(pd.DataFrame({
        tr("ties.scope"): [scopes.get(t["scope"], t["scope"]) for t in found],
        tr("ties.employers"): ["、".join(names[c] for c in t["credit_codes"]) for t in found],
        tr("ties.permits"): [t["permits"] for t in found],
        tr("ties.awarded"): ["、".join(names[c] for c in t["awarded"]) for t in found],
        tr("ties.broken_by"): [tr(f"tiebreak.{t['broken_by']}") for t in found],
    }), hide_index=True)  # a static table wraps: every name and the rule stay readable
    st.caption(tr("ties.help"))


def warnings(plan: Plan) -> None:
    """Every warning of the workbook and of the policy, naming its row and employer."""
    found = warning_lines(plan)
    if not found:
        st.caption(tr("results.no_warnings"))
    for line in found:
        st.warning(show(line), icon=":material/warning:")


#: Per employer, the parameters that set a guaranteed minimum (the "单位保障" of a conflict).
GUARANTEES = ("method.min_per_employer", "guarantee.top100_senior",
              "guarantee.top100_key_staff")
#: Per employer, the parameters that lower its ceiling (the room a group floor can use).
CEILINGS = ("method.max_per_employer", "method.max_share")


def clashing_keys(conflict: Conflict, scenario: Scenario, edited: list[str]) -> list[str]:
    """The parameters behind a conflict that are in force, those edited last first."""
    guarantees = [k for k in GUARANTEES if scenario.get(k)]
    floors = [f"groups.{name}.min" for name, group in scenario.groups.items()
              if group.min and name != conflict.node]
    if conflict.code == "NEEDS_ABOVE_CAP":
        keys = ["cap.annual", *(["cap.reserve"] if scenario.cap.reserve else []),
                *guarantees, *floors]
    elif conflict.code == "NEEDS_ABOVE_CEILING":
        keys = [f"groups.{conflict.node}.max", *guarantees, *floors]
    elif conflict.code == "FLOOR_ABOVE_DEMAND":
        limits = [k for k in CEILINGS if scenario.get(k) not in (0, 1)]
        keys = [f"groups.{conflict.node}.min", *limits]
    else:
        keys = []
    return sorted(keys, key=lambda key: edit_rank(key, edited))


def edit_rank(key: str, edited: list[str]) -> int:
    """Sorts the parameter edited last first, then the others in their rule's order."""
    edited_as = "groups" if key.startswith("groups.") else key
    return -edited.index(edited_as) if edited_as in edited else 1


def parameter_name(key: str) -> str:
    """A parameter's name as the editor labels it; a group's bound with the group's name."""
    from allocator_app.editor import label

    if key.startswith("groups."):
        name, bound = key.removeprefix("groups.").rsplit(".", 1)
        return tr("results.group_bound", name=name, bound=label(PARAMETER[f"groups.*.{bound}"]))
    return label(PARAMETER[key])


def back_to_parameters(draft_id: str, keys: list[str]) -> None:
    """Open the scenario page with the sections of these parameters open and marked."""
    st.session_state[state.FOCUS] = (draft_id, keys)
    for key in keys:
        section = "groups" if key.startswith("groups.") else PARAMETER[key].section
        st.session_state[f"{state.KEPT}open.{section}"] = True
        st.session_state.pop(f"alloc.w.section.{section}", None)
    st.switch_page("allocator_app/page_scenario.py")


def conflicts(plan: Plan, draft: state.Draft | None = None) -> None:
    """Why the plan cannot be made, the parameters that clash, and a way back to them."""
    scenario = plan.problem.scenario
    st.error(tr("results.infeasible", name=scenario.scenario.name), icon=":material/block:")
    edited = draft.edited if draft is not None else []
    keys: list[str] = []
    for conflict in plan.conflicts:
        clashing = clashing_keys(conflict, scenario, edited)
        keys += [k for k in clashing if k not in keys]
        names = ui.pick("、", ", ").join(parameter_name(k) for k in clashing)
        st.markdown(f"- {show(conflict.message)}"
                    + (f"\n\n  {tr('results.clashing', names=names)}" if clashing else ""))
    st.caption(tr("results.infeasible_help"))
    if draft is not None and keys and st.button(
            tr("results.to_parameters"), icon=":material/tune:", type="primary",
            key=f"alloc.w.fix.{draft.id}"):
        back_to_parameters(draft.id, sorted(keys, key=lambda k: edit_rank(k, edited)))


def full(plan: Plan) -> None:
    """The Results page's body for one plan."""
    summary = result(plan)
    if plan.status is PlanStatus.INFEASIBLE:
        conflicts(plan, state.current())
        return
    headline(plan, summary)
    headline_lines(plan)
    from allocator_app.sensitivity import marginal_note

    marginal_note(plan, summary)
    frame = plan_frame(summary)
    tab_table, tab_charts, tab_notes = st.tabs([
        tr("results.tab_table"), tr("results.tab_charts"),
        tr("results.tab_notes", ties=len(summary["ties"]), warnings=len(summary["warnings"]))])
    with tab_table:
        shown = table(frame)
        st.subheader(tr("explain.title"))
        explanation(plan, summary, shown)
    with tab_charts:
        left, right = st.columns(2)
        with left:
            st.markdown(f"**{tr('charts.by_sector')}**")
            sector_chart(plan)
        with right:
            st.markdown(f"**{tr('charts.by_category')}**")
            category_chart(plan)
        st.markdown(f"**{tr('charts.fill_distribution')}**")
        fill_chart(frame)
    with tab_notes:
        st.markdown(f"**{tr('ties.title')}**")
        ties(summary)
        st.markdown(f"**{tr('results.warnings')}**")
        warnings(plan)

