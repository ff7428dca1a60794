"""方案对比 Compare: two or more scenarios on the same workbook, side by side."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from allocator.compare import Comparison
from allocator.docs import article_text
from allocator.plan import Plan, PlanStatus
from allocator.schema import SECTORS
from allocator_app import results, state, ui
from allocator_app.present import sector_label
from allocator_app.ui import show, tr

PICK_WIDGET = "alloc.w.compare"
CHOSEN = state.COMPARE_IDS


def chosen_ids() -> list[str]:
    """The scenarios to compare: the planner's choice, else the current one and the next."""
    drafts = state.drafts()
    kept = [i for i in st.session_state.get(CHOSEN, []) if i in drafts]
    if len(kept) >= 2 or len(drafts) < 2:
        return kept
    first = state.current().id
    other = next(i for i in drafts if i != first)
    return [first, other]


def remember() -> None:
    st.session_state[CHOSEN] = list(st.session_state[PICK_WIDGET])


def metric_cell(key: str, kind: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if key == "divisor":
        return ui.divisor(float(value))
    if kind == "share":
        return ui.percent(float(value))
    if kind == "number":
        return ui.number(float(value), 4)
    if kind == "count":
        return ui.number(int(value))
    return show(value)


def heading(comparison: Comparison, name: str) -> str:
    """A scenario's column heading; the first is marked as the reference."""
    return tr("compare.reference", name=name) if name == comparison.names[0] else name


def right_aligned(comparison: Comparison) -> dict[str, Any]:
    """Figures line up on the right, like numbers in a printed table."""
    return {heading(comparison, name): st.column_config.Column(alignment="right")
            for name in comparison.names}


def metrics_table(comparison: Comparison) -> pd.DataFrame:
    label = "label_en" if ui.lang() == "en" else "label_zh"
    table = comparison.metrics
    out = pd.DataFrame({tr("compare.measure"): table[label].tolist()})
    for name in comparison.names:
        out[heading(comparison, name)] = [
            metric_cell(key, kind, value)
            for key, kind, value in zip(table.index, table["kind"], table[name], strict=True)]
    return out


def sector_differences(comparison: Comparison) -> pd.DataFrame:
    """Each scenario's allocation by sector minus the first scenario's."""
    table = comparison.by_sector
    first = comparison.names[0]
    labels = [sector_label(code) for code in table.index]
    return pd.DataFrame({tr("compare.versus", name=name):
                         (table[name] - table[first]).tolist()
                         for name in comparison.names[1:]}, index=labels)


def sector_totals(comparison: Comparison) -> pd.DataFrame:
    table = comparison.by_sector
    out = pd.DataFrame({tr("table.sector"): [sector_label(c) for c in table.index]})
    for name in comparison.names:
        out[heading(comparison, name)] = table[name].tolist()
    return out


def parameters_table(comparison: Comparison) -> pd.DataFrame:
    table = comparison.parameters
    english = ui.lang() == "en"
    out = pd.DataFrame({
        tr("compare.parameter"): table["label_en" if english else "label_zh"].tolist(),
        tr("explain.article"): [show(article_text(a)) if a else "" for a in table["article"]],
    })
    for name in comparison.names:
        out[name] = table[f"{name}__en" if english else name].tolist()
    return out


def differences_table(comparison: Comparison) -> pd.DataFrame:
    table = comparison.differences.copy()
    by_zh = {c.zh: c.code for c in SECTORS}
    table["sector"] = [sector_label(by_zh.get(s, s)) for s in table["sector"]]
    renamed = {key: tr(f"table.{key}") for key in
               ("row", "credit_code", "name", "sector", "requested")}
    renamed["change"] = tr("compare.change", last=comparison.names[-1])
    renamed[comparison.names[0]] = heading(comparison, comparison.names[0])
    renamed["spread"] = tr("compare.spread")
    return table.rename(columns=renamed)


def signed_change(comparison: Comparison) -> dict[str, Any]:
    """The change column shows its sign (+3 / −2): more or fewer than the reference."""
    title = tr("compare.change", last=comparison.names[-1])
    return {title: st.column_config.NumberColumn(format="%+d")}


def plans_for(ids: list[str], data: state.Dataset) -> tuple[list[Plan], list[str]]:
    """The chosen scenarios' plans; those that cannot be met are explained here (the library
    sets them aside in the comparison)."""
    drafts = state.drafts()
    plans, names = [], []
    for draft_id in ids:
        draft = drafts[draft_id]
        if not draft.valid:
            st.warning(tr("results.scenario_invalid", name=draft.name), icon=":material/warning:")
        plan = results.obtain_plan(data, draft.scenario)
        if plan is None:
            continue
        if plan.status is PlanStatus.INFEASIBLE:
            st.warning(tr("compare.infeasible", name=draft.name), icon=":material/block:")
            for conflict in plan.conflicts:
                st.markdown(f"- {show(conflict.message)}")
        plans.append(plan)
        names.append(draft.name)
    return plans, names


def main() -> None:
    st.title(tr("compare.title"))
    st.caption(tr("compare.intro"))
    data = results.ready_dataset()
    if data is None:
        return
    drafts = state.drafts()
    st.session_state[PICK_WIDGET] = chosen_ids()
    ids = st.multiselect(tr("compare.pick"), list(drafts), key=PICK_WIDGET, on_change=remember,
                         select_all=ui.select_all(),
                         format_func=ui.labels(drafts, lambda i: drafts[i].name),
                         placeholder=tr("compare.pick_placeholder"), help=tr("compare.pick_help"))
    st.session_state[CHOSEN] = list(ids)
    if len(ids) < 2:
        st.info(tr("compare.need_two"))
        return
    plans, names = plans_for(ids, data)
    if sum(p.status is not PlanStatus.INFEASIBLE for p in plans) < 2:
        st.info(tr("compare.need_two_feasible"))
        return
    comparison, done = ui.attempt("compare", lambda: state.comparison_of(plans, names))
    if not done or comparison is None:
        return
    st.subheader(tr("compare.metrics"))
    st.dataframe(metrics_table(comparison), hide_index=True, width="stretch", height=560,
                 column_config=right_aligned(comparison))
    st.subheader(tr("compare.by_sector"))
    left, right = st.columns([3, 2])
    with left:
        results.bars(sector_differences(comparison), tr("charts.sector"),
                     tr("compare.difference"), legend=True)
        st.caption(tr("compare.by_sector_help", first=comparison.names[0]))
    with right:
        st.dataframe(sector_totals(comparison), hide_index=True, width="stretch",
                     column_config={heading(comparison, name):
                                    st.column_config.NumberColumn(format="localized")
                                    for name in comparison.names})
    st.subheader(tr("compare.parameters", count=len(comparison.parameters)))
    if len(comparison.parameters):
        st.dataframe(parameters_table(comparison), hide_index=True, width="stretch")
    else:
        st.caption(tr("compare.same_parameters"))
    st.subheader(tr("compare.differences", count=len(comparison.differences)))
    if len(comparison.differences):
        st.caption(tr("compare.differences_help"))
        st.dataframe(differences_table(comparison), hide_index=True, width="stretch",
                     height=420, column_config=signed_change(comparison))
    else:
        st.caption(tr("compare.no_differences"))


main()
