"""数据导入 Import: upload a demand workbook (or keep the sample), see every problem, preview."""

from __future__ import annotations

import streamlit as st

from allocator.excel import write_template
from allocator_app import state, ui
from allocator_app.present import XLSX_MIME, submissions_preview, workbook_bytes
from allocator_app.ui import tr

UPLOAD_WIDGET = "alloc.w.upload"
LAST_UPLOAD = "alloc.last_upload"


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
    titles = [tr("import.tab_problems", count=len(subs.issues)),
              tr("import.tab_preview", rows=len(subs))]
    # The problems first when there are any, else the data.
    first, second = st.tabs(titles if subs.issues else titles[::-1])
    problems, preview = (first, second) if subs.issues else (second, first)
    with problems:
        if subs.issues:
            st.caption(tr("import.problems_help"))
            ui.show_issues(subs.errors + subs.warnings)
        else:
            st.write(tr("import.no_problems"))
    with preview:
        st.dataframe(submissions_preview(subs.frame, subs.extra_columns), hide_index=True,
                     width="stretch", height=420)


main()
