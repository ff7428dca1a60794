"""数据导入 Import: upload a demand workbook (or keep the sample), see every problem, preview."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from allocator.excel import write_template
from allocator.i18n import text
from allocator.schema import ROLES
from allocator.screening import REASONS, applicant_reasons, reason_label
from allocator_app import state, ui
from allocator_app.present import XLSX_MIME, submissions_preview, workbook_bytes
from allocator_app.ui import tr

UPLOAD_WIDGET = "alloc.w.upload"
LAST_UPLOAD = "alloc.last_upload"
ROSTER_WIDGET = "alloc.w.roster_upload"
LAST_ROSTER = "alloc.last_roster"
REASON_FILTER = "alloc.w.roster_reasons"


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    return workbook_bytes(write_template, "template.xlsx")


def take_upload() -> None:
    """Read a newly uploaded file once; the reader checks its content, not its extension."""
    uploaded = st.session_state.get(UPLOAD_WIDGET)
    if uploaded is None or st.session_state.get(LAST_UPLOAD) == uploaded.file_id:
        return
    st.session_state[LAST_UPLOAD] = uploaded.file_id
    read = False
    with st.spinner(tr("import.reading", name=uploaded.name)), ui.guarded("read"):
        state.use_dataset(state.read_workbook(uploaded.name, uploaded.getvalue()))
        read = True
    if read:
        st.rerun()  # so that the sidebar, drawn before this page, names the new workbook


def take_roster_upload() -> None:
    """A roster workbook uploaded beside the demand workbook (docs/columns.md)."""
    uploaded = st.session_state.get(ROSTER_WIDGET)
    data = state.dataset()
    if uploaded is None or data is None or st.session_state.get(LAST_ROSTER) == \
            (uploaded.file_id, data.sha256):
        return
    st.session_state[LAST_ROSTER] = (uploaded.file_id, data.sha256)
    with st.spinner(tr("import.reading", name=uploaded.name)), ui.guarded("read"):
        state.use_dataset(state.read_roster_workbook(data, uploaded.name, uploaded.getvalue()))


def roster_t(key: str, /, **params: object) -> str:
    return text(f"roster.app.{key}", **params).get(ui.lang())


def screening_view(data: state.Dataset) -> None:
    """Who passes Art. 6, 17, 18 under the current scenario; failures filtered by reason."""
    roster = data.roster
    assert roster is not None
    if roster.errors:
        st.error(roster_t("has_errors", errors=len(roster.errors)))
        return
    scenario = state.current().scenario
    screening, done = ui.attempt("read", lambda: state.screening_of(data, scenario))
    if not done or screening is None:
        return
    st.caption(roster_t("intro", scenario=scenario.scenario.name))
    t = screening.thresholds
    summary = screening.summary()
    columns = st.columns(3)
    columns[0].metric(roster_t("listed"), f"{summary['applicants']:,}")
    columns[1].metric(roster_t("passed"), f"{summary['passed']:,}")
    columns[2].metric(roster_t("failed"), f"{summary['failed']:,}")
    labels = {code: reason_label(code, t).get(ui.lang()) for code in REASONS}
    counts = summary["failed_by_reason"]
    chosen = st.multiselect(roster_t("filter"), options=list(REASONS),
                            format_func=lambda c: f"{labels[c]}（{counts[c]:,}）",
                            key=REASON_FILTER)
    table = screening.applicants
    if chosen:
        mask = table["reasons"].map(lambda found: any(c in found for c in chosen))
        table = table[mask.to_numpy(dtype=bool)]
    roles = {c.code: (c.zh if ui.lang() == "zh" else c.en) for c in ROLES}
    shown = pd.DataFrame({
        roster_t("row"): table["row"].astype("int64"),
        roster_t("credit_code"): table["credit_code"],
        roster_t("person"): table["person_masked"],
        roster_t("name"): table["name_masked"],
        roster_t("role"): table["role"].map(roles),
        roster_t("verdict"): table["passed"].map(
            lambda ok: roster_t("pass") if ok else roster_t("fail")),
        roster_t("reasons"): [applicant_reasons(r, t).get(ui.lang()) if not r.passed else ""
                              for r in table.itertuples(index=False)],
    })
    st.dataframe(shown, hide_index=True, width="stretch", height=420)


def use_sample() -> None:
    with ui.guarded("read"):
        state.use_dataset(state.load_sample())


def summary(data: state.Dataset) -> None:
    subs = data.submissions
    facts = tr("import.facts", name=data.name, sheet=subs.sheet or "—",
               header=subs.header_row or "—", rows=len(subs), year=subs.plan_year or "—",
               errors=len(subs.errors), warnings=len(subs.warnings))
    if data.sample:
        st.info(tr("import.using_sample"), icon=":material/info:")
    if not subs.ok:
        st.error(tr("import.failed", errors=len(subs.errors)) + "\n\n" + facts)
    elif subs.warnings:
        st.warning(tr("import.passed_warnings", warnings=len(subs.warnings)) + "\n\n" + facts)
    else:
        st.success(tr("import.passed") + "\n\n" + facts)


def main() -> None:
    st.title(tr("import.title"))
    st.caption(tr("import.intro"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.file_uploader(tr("import.upload"), key=UPLOAD_WIDGET, help=tr("import.upload_help"))
    take_upload()
    if state.dataset() is not None:
        with left:
            st.file_uploader(roster_t("upload"), key=ROSTER_WIDGET, help=roster_t("upload_help"))
        take_roster_upload()
    with right:
        st.download_button(tr("import.template"), data=template_bytes(),
                           file_name=tr("import.template_file"), mime=XLSX_MIME,
                           icon=":material/download:", help=tr("import.template_help"))
        data = state.dataset()
        if data is None or not data.sample:
            st.button(tr("import.use_sample"), on_click=use_sample, icon=":material/restart_alt:",
                      disabled=not state.SAMPLE.is_file())
    data = state.dataset()
    if data is None:
        st.info(tr("import.no_data"))
        return
    summary(data)
    subs = data.submissions
    if subs.ok:
        st.page_link("allocator_app/page_results.py", label=tr("import.to_results"),
                     icon=":material/arrow_forward:")
    roster = data.roster
    issues = [*subs.issues, *(roster.issues if roster is not None else ())]
    if roster is not None:
        st.info(roster_t("facts", file=roster.file, sheet=roster.sheet or "—",
                         applicants=len(roster), errors=len(roster.errors),
                         warnings=len(roster.warnings)), icon=":material/badge:")
    titles = [tr("import.tab_problems", count=len(issues)),
              tr("import.tab_preview", rows=len(subs))]
    # The problems first when there are any, else the data.
    tabs = st.tabs((titles if issues else titles[::-1])
                   + ([roster_t("tab")] if roster is not None else []))
    first, second = tabs[0], tabs[1]
    problems, preview = (first, second) if issues else (second, first)
    if roster is not None:
        with tabs[2]:
            screening_view(data)
    with problems:
        if issues:
            st.caption(tr("import.problems_help"))
            ui.show_issues([i for i in issues if i.is_error] +
                           [i for i in issues if not i.is_error])
        else:
            st.write(tr("import.no_problems"))
    with preview:
        st.dataframe(submissions_preview(subs.frame, subs.extra_columns), hide_index=True,
                     width="stretch", height=420)


main()
