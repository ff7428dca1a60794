"""总量敏感性 Cap sensitivity: the plan at every cap, and the cap a policy needs."""

from __future__ import annotations

from fractions import Fraction

import streamlit as st

from allocator.excel.sweep import write_sweep_workbook
from allocator.schema import SECTORS
from allocator.sweep import cap_for_employer, cap_for_fill, smallest_feasible_cap
from allocator_app import results, sensitivity, state, ui
from allocator_app.present import XLSX_MIME, workbook_bytes
from allocator_app.ui import show, tr


def main() -> None:
    draft = state.current()
    st.title(tr("sensitivity.title"))
    data = results.ready_dataset()
    if data is None:
        return
    label = tr("sidebar.sample") if data.sample else data.name
    st.caption(tr("sensitivity.intro", name=draft.name, data=label))
    if not draft.valid:
        st.warning(tr("results.scenario_invalid", name=draft.name), icon=":material/warning:")
        return
    scenario = draft.scenario
    with ui.guarded("sweep"):
        oracle = sensitivity.oracle_of(data, scenario)
        feasible = smallest_feasible_cap(oracle)
        st.markdown(f"**{tr('sensitivity.feasible')}** {show(feasible.message)}")
        if feasible.cap is None:
            return
        result = sensitivity.sweep_of(data, scenario, feasible.cap)
        cap = scenario.cap.annual
        overall, sectors = sensitivity.curve_frames(result)
        left, right = st.columns(2)
        with left:
            st.markdown(f"**{tr('sensitivity.fill_curve')}**")
            sensitivity.fill_chart(overall, cap)
        with right:
            st.markdown(f"**{tr('sensitivity.sector_curve')}**")
            sensitivity.sector_chart(sectors, cap)
        st.caption(tr("sensitivity.current_help", cap=ui.number(cap)))
        answers = questions(oracle, result, cap)
        download(result, [feasible, *answers], draft.name)


def questions(oracle, result, cap: int) -> list:
    st.subheader(tr("sensitivity.questions"))
    first, second = st.columns(2)
    with first:
        rate = st.number_input(tr("sensitivity.fill_rate"), min_value=1, max_value=100,
                               value=90, step=1, key="alloc.w.sens.fill",
                               help=tr("sensitivity.fill_rate_help"))
        overall = cap_for_fill(oracle, Fraction(int(rate), 100))
        st.markdown(f"- {show(overall.message)}")
    with second:
        codes = [c.code for c in SECTORS]
        sector = st.selectbox(tr("charts.sector"), codes, key="alloc.w.sens.sector",
                              format_func=ui.labels(codes, lambda c: next(
                                  ui.pick(s.zh, s.en) for s in SECTORS if s.code == c)))
        by_sector = cap_for_fill(oracle, Fraction(int(rate), 100), sector)
        st.markdown(f"- {show(by_sector.message)}")
    frame = oracle.problem.employers
    positions = list(range(len(frame)))
    names = frame["name"].tolist()
    codes_of = frame["credit_code"].tolist()
    chosen = st.selectbox(tr("sensitivity.employer"), positions, index=None,
                          key="alloc.w.sens.employer",
                          placeholder=tr("sensitivity.employer_placeholder"),
                          format_func=lambda i: f"{names[i]}（{codes_of[i]}）")
    if chosen is None:
        return [overall, by_sector]
    answer = cap_for_employer(oracle, codes_of[chosen])
    st.markdown(f"- {show(answer.message)}")
    sensitivity.employer_chart(sensitivity.employer_frame(result, chosen),
                               int(frame.at[chosen, "eligible"]), cap)
    return [overall, by_sector, answer]


PREPARED = "alloc.sens.workbook"  # (sweep key, answers) → the workbook's bytes


def download(result, answers: list, name: str) -> None:
    """The sweep workbook (curve, employers by cap, the answers shown), made on request."""
    problem = result.problem
    key = (problem.input_sha256, problem.scenario_sha256, tuple(a.message.zh for a in answers),
           ui.lang())
    prepared = st.session_state.get(PREPARED)
    if prepared is None or prepared[0] != key:
        if st.button(tr("sensitivity.prepare"), icon=":material/table_view:",
                     key="alloc.w.sens.prepare"):
            book = workbook_bytes(lambda path: write_sweep_workbook(result, answers, path,
                                                                    lang=ui.lang()),
                                  "sweep.xlsx")
            st.session_state[PREPARED] = prepared = (key, book)
        else:
            return
    st.download_button(tr("sensitivity.download"), data=prepared[1],
                       file_name=f"{state.safe_file_name(name)}_{tr('sensitivity.file')}.xlsx",
                       mime=XLSX_MIME, icon=":material/download:")


main()
