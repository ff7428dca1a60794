"""审批导出 Approve & export: approve a plan under the approver's name, download workbooks."""

from __future__ import annotations

import streamlit as st

from allocator.excel import write_comparison_workbook, write_plan_workbook
from allocator.excel.plan import EXPLANATIONS
from allocator.plan import ApprovalInfo, Plan, PlanStatus, plan_sha256
from allocator.store import MAX_APPROVER, MAX_NOTE
from allocator_app import results, state, ui
from allocator_app.present import XLSX_MIME, workbook_bytes
from allocator_app.ui import tr

APPROVER_WIDGET = "alloc.w.approver"
NOTE_WIDGET = "alloc.w.approval_note"
CONFIRM_WIDGET = "alloc.w.approval_confirm"
DESCRIPTION_WIDGET = "alloc.w.approval_description"
REASON_WIDGET = "alloc.w.supersede_reason"
WORKBOOKS = "alloc.workbooks"  # (plan hash, approval chain, language, explanations) → bytes


def explanations_choice() -> str:
    """The planner's choice for the plan's explanations: on screen (default), printed as an
    appendix, or left out; kept across reruns and languages."""
    return st.radio(tr("approve_doc.explanations"), EXPLANATIONS,
                    format_func=ui.labels(EXPLANATIONS,
                                          lambda c: tr(f"approve_doc.explanations_{c}")),
                    key=ui.kept_key("explanations", "sheet"), on_change=ui.keep,
                    args=("explanations",), horizontal=True) or "sheet"


def plan_workbook(plan: Plan, approval: ApprovalInfo | None,
                  explanations: str = "sheet") -> bytes:
    key = (plan_sha256(plan), approval.chain_sha256 if approval else "", ui.lang(),
           explanations)
    kept: dict[tuple[str, str, str, str], bytes] = st.session_state.setdefault(WORKBOOKS, {})
    if key not in kept:
        kept.clear()  # one plan at a time: the bytes are cheap to make again
        kept[key] = workbook_bytes(
            lambda path: write_plan_workbook(plan, path, approval=approval, lang=ui.lang(),
                                             explanations=explanations),
            "plan.xlsx")
    return kept[key]


def checked_workbook(plan: Plan, approval: ApprovalInfo | None,
                     explanations: str = "sheet") -> bytes:
    """The plan workbook; an approved one only after the whole store verifies (docs/record.md)."""
    if approval is not None:
        state.store().check_intact()
    return plan_workbook(plan, approval, explanations)


def file_stem(text: str) -> str:
    return state.safe_file_name(text).replace(" ", "_")


def approve(draft_id: str) -> str | None:
    approver = str(st.session_state.get(APPROVER_WIDGET) or "").strip()
    note = str(st.session_state.get(NOTE_WIDGET) or "").strip()
    if not approver:
        ui.flash("error", tr("approve.approver_needed"))
        return None
    if not st.session_state.get(CONFIRM_WIDGET):
        ui.flash("error", tr("approve.confirm_needed"))
        return None
    data = state.dataset()
    if data is None:
        return None
    draft = state.drafts()[draft_id]
    if state.stale_description(draft) and not st.session_state.get(DESCRIPTION_WIDGET):
        ui.flash("error", tr("approve.description_needed"))
        return None
    # One approved plan per plan year: replacing it needs a reason (issue 12).
    current = state.current_approval(data, draft.scenario)
    reason = str(st.session_state.get(REASON_WIDGET) or "").strip()
    if current is not None and not reason:
        ui.flash("error", tr("record.reason_needed", run=current.run_id))
        return None
    state.approve(data, draft, approver, note, ui.lang(),
                  supersede=None if current is None else current.run_id,
                  reason=reason if current is not None else "")
    st.session_state[CONFIRM_WIDGET] = False
    return None  # the page now shows the approval itself


def log_export(run_id: int, file_name: str) -> None:
    with ui.guarded("export"):
        state.store().log_export(run_id, file_name)


def approval_box(draft: state.Draft, plan: Plan) -> ApprovalInfo | None:
    """The plan's approval, or the form that gives it one."""
    found, done = ui.attempt("approve", lambda: state.approval_of(plan))
    if not done:
        return None
    if found is not None:
        run_id, approval = found
        st.success(tr("approve.approved", approver=approval.approver,
                      at=ui.when(approval.approved_at), run=run_id), icon=":material/verified:")
        if approval.superseded_by is not None:
            st.warning(tr("record.superseded", run=approval.superseded_by),
                       icon=":material/history:")
        if approval.supersedes is not None:
            st.caption(tr("record.supersedes", run=approval.supersedes, reason=approval.reason))
        st.caption(tr("approve.chain", chain=approval.chain_sha256, note=approval.note or "—"))
        return approval
    st.info(tr("approve.not_yet", name=draft.name), icon=":material/pending:")
    if not draft.valid:
        st.warning(tr("approve.invalid_edits"), icon=":material/warning:")
    data = state.dataset()
    current, _ = ui.attempt("approve", lambda: None if data is None else
                            state.current_approval(data, draft.scenario))
    with st.form("alloc.approve_form", border=True):
        if current is not None:
            st.warning(tr("record.year_taken", run=current.run_id, approver=current.approver,
                          at=ui.when(current.approved_at)), icon=":material/warning:")
            st.text_area(tr("record.reason"), key=REASON_WIDGET, height=68, max_chars=MAX_NOTE,
                         placeholder=tr("record.reason_placeholder"))
        st.text_input(tr("approve.approver"), key=APPROVER_WIDGET, max_chars=MAX_APPROVER,
                      placeholder=tr("approve.approver_placeholder"))
        st.text_area(tr("approve.note"), key=NOTE_WIDGET, height=80, max_chars=MAX_NOTE,
                     placeholder=tr("approve.note_placeholder"))
        st.checkbox(tr("approve.confirm", allocated=ui.number(plan.allocated),
                       name=draft.name), key=CONFIRM_WIDGET)
        if state.stale_description(draft) and draft.copy_of is not None:
            st.warning(tr("approve.stale", name=draft.copy_of.scenario.name),
                       icon=":material/edit_note:")
            st.checkbox(tr("approve.description_confirm"), key=DESCRIPTION_WIDGET)
        st.form_submit_button(tr("approve.button"), type="primary", icon=":material/verified:",
                              on_click=ui.flashed, args=("approve", lambda: approve(draft.id)),
                              disabled=not draft.valid)
    return None


def exports(draft: state.Draft, plan: Plan, approval: ApprovalInfo | None) -> None:
    st.subheader(tr("approve.export_title"))
    left, right = st.columns(2)
    with left:
        kind = tr("approve.approved_tag") if approval else tr("approve.draft_tag")
        name = f"{tr('approve.plan_file', name=file_stem(draft.name), kind=kind)}.xlsx"
        explanations = explanations_choice()
        workbook, done = ui.attempt("export",
                                    lambda: checked_workbook(plan, approval, explanations))
        if done and workbook is not None:
            st.download_button(
                tr("approve.download_plan"), data=workbook, file_name=name, mime=XLSX_MIME,
                icon=":material/download:", type="primary" if approval else "secondary",
                on_click=log_export if approval else "ignore",
                args=(approval.run_id, name) if approval else None)
            st.caption(tr("approve.plan_help") if approval else tr("approve.draft_help"))
    with right:
        comparison = state.last_comparison()
        if comparison is None:
            st.info(tr("approve.no_comparison"))
            st.page_link("allocator_app/page_compare.py", label=tr("nav.compare"),
                         icon=":material/compare_arrows:")
            return
        book, done = ui.attempt("export", lambda: workbook_bytes(
            lambda path: write_comparison_workbook(comparison, path, lang=ui.lang()),
            "comparison.xlsx"))
        if done and book is not None:
            st.download_button(tr("approve.download_comparison"), data=book,
                               file_name=f"{tr('approve.comparison_file')}.xlsx",
                               mime=XLSX_MIME, icon=":material/download:")
            names = ui.pick("、", ", ").join(comparison.names)
            st.caption(tr("approve.comparison_help", names=names))


def history() -> None:
    runs, done = ui.attempt("approve", lambda: state.store().runs())
    if not done or not runs:
        st.caption(tr("approve.no_runs"))
        return
    # Never list a forged or altered approval as if it were sound (issue 12).
    report, checked = ui.attempt("approve", lambda: state.store().verify())
    if checked and not report.ok:
        st.error(tr("record.altered", count=len(report.findings)) + "\n\n" + "\n".join(
            f"- {ui.show(found.message)}" for found in report.findings[:10]),
            icon=":material/gpp_bad:")
    st.dataframe({
        tr("approve.run"): [r.id for r in runs],
        tr("approve.run_time"): [ui.when(r.created_at) for r in runs],
        tr("approve.run_scenario"): [r.scenario_name for r in runs],
        tr("approve.run_data"): [r.dataset_file for r in runs],
        tr("approve.run_allocated"): [r.allocated for r in runs],
        tr("approve.run_approver"): [r.approval.approver if r.approval else "" for r in runs],
        tr("approve.run_approved_at"): [ui.when(r.approval.approved_at) if r.approval else ""
                                        for r in runs],
        tr("approve.run_plan"): [r.plan_sha256[:12] for r in runs],
    }, hide_index=True, width="stretch", column_config={
        tr("approve.run_allocated"): st.column_config.NumberColumn(format="localized")})


def main() -> None:
    st.title(tr("approve.title"))
    st.caption(tr("approve.intro"))
    ui.show_flash()
    data = results.ready_dataset()
    if data is None:
        return
    draft = state.current()  # the scenario chosen in the sidebar, as on every page
    st.subheader(tr("approve.scenario", name=draft.name))
    st.caption(tr("approve.pick_help"))
    plan = results.obtain_plan(data, draft.scenario)
    if plan is None:
        return
    if plan.status is PlanStatus.INFEASIBLE:
        results.conflicts(plan, draft)
        return
    summary = results.result(plan)
    st.markdown(tr("approve.summary", allocated=ui.number(summary["allocated"]),
                   allocatable=ui.number(summary["allocatable"]),
                   employers=sum(1 for r in summary["employers"] if r["allocated"] > 0),
                   status=results.status_text(plan), sha=summary["plan_sha256"][:12]))
    approval = approval_box(draft, plan)
    exports(draft, plan, approval)
    st.subheader(tr("approve.history"))
    history()


main()
