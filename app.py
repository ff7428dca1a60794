"""《北京市工作居住证》办证指标分配 — the planners' app (``streamlit run app.py``).

A thin shell: the navigation, the language switch and the workspace summary in the sidebar.
Each page is a file in ``allocator_app/`` and every number comes from the ``allocator`` library.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from allocator.workbook import assert_safe_xml
from allocator_app import state, ui
from allocator_app.ui import tr

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

# The icon is a file served by the app itself: a Material icon as favicon would be fetched
# from the internet, which the bureau's network does not have.
ICON = Path(__file__).resolve().parent / "allocator_app" / "static" / "icon.png"
st.set_page_config(page_title="工作居住证指标分配 Permit quota allocator",
                   page_icon=str(ICON), layout="wide")
assert_safe_xml()  # refuse to start if workbooks could be parsed without defusedxml

with ui.guarded("start"):
    state.start()  # first: the workspace it restores holds the language
ui.language_switch()
ui.chinese_widgets()

PAGES = [
    ("import", "allocator_app/page_import.py", ":material/upload_file:"),
    ("scenario", "allocator_app/page_scenario.py", ":material/tune:"),
    ("results", "allocator_app/page_results.py", ":material/table_chart:"),
    ("sensitivity", "allocator_app/page_sensitivity.py", ":material/show_chart:"),
    ("compare", "allocator_app/page_compare.py", ":material/compare_arrows:"),
    ("approve", "allocator_app/page_approve.py", ":material/verified:"),
    ("about", "allocator_app/page_about.py", ":material/help:"),
]

# The first screen a newcomer sees is a working plan on the bundled sample.
navigation = st.navigation([
    st.Page(path, title=tr(f"nav.{name}"), icon=icon, url_path=name, default=name == "results")
    for name, path, icon in PAGES
])


CURRENT_WIDGET = "alloc.w.current"


def sidebar_summary() -> None:
    """Which workbook and which scenario every page is working on; the scenario can change."""
    with st.sidebar:
        data = state.dataset()
        if data is None:
            st.caption(tr("sidebar.no_data"))
        else:
            label = tr("sidebar.sample") if data.sample else data.name
            st.caption(tr("sidebar.data", name=label, rows=len(data.submissions)))
        chosen = state.drafts()
        # The app's own key holds the choice; the widget is seeded from it on every run.
        st.session_state[CURRENT_WIDGET] = state.current().id
        st.selectbox(tr("sidebar.scenario"), list(chosen), key=CURRENT_WIDGET,
                     format_func=lambda i: chosen[i].name if i in chosen else i,
                     on_change=lambda: state.set_current(st.session_state[CURRENT_WIDGET]),
                     help=tr("sidebar.scenario_help"))

def workspace_status(slot: DeltaGenerator) -> None:
    """Save the workspace when it changed, and say so; a problem is said, never hidden."""
    try:
        saved_at = state.autosave()
    except (OSError, sqlite3.Error) as problem:
        ui.log.warning("workspace not saved: %s", problem)
        slot.warning(tr("workspace.not_saved", file=state.workspace().path.name,
                        reason=str(problem)), icon=":material/sync_problem:")
        return
    slot.caption(tr("workspace.saved", at=ui.when(saved_at)[11:19]),
                 help=tr("workspace.saved_help", file=str(state.workspace().path)))


def roster_left_out(slot: DeltaGenerator) -> None:
    """The roster a refresh left out (personal data is not kept), said on every page until
    the planner gives it again (state.roster_left_out)."""
    left_out = state.roster_left_out()
    if left_out is not None:
        key = "roster_in_workbook" if left_out["in_workbook"] else "roster_not_kept"
        slot.warning(tr(f"workspace.{key}", workbook=left_out["workbook"],
                        roster=left_out["roster"]), icon=":material/person_off:")


def start_afresh_button() -> None:
    with st.sidebar.popover(tr("workspace.afresh"), icon=":material/restart_alt:",
                            width="stretch"):
        st.markdown(tr("workspace.afresh_help"))
        st.button(tr("workspace.afresh_confirm"), type="primary", on_click=state.start_afresh,
                  key="alloc.w.afresh")


with ui.guarded("start"):
    sidebar_summary()
    if st.session_state.get(state.RESTORE_PROBLEM):
        st.sidebar.warning(tr("workspace.not_restored",
                              reason=st.session_state[state.RESTORE_PROBLEM]))
saved_slot = st.sidebar.empty()
start_afresh_button()
left_out_slot = st.empty()  # above the page, filled after it (an upload there may end it)
with ui.guarded("page"):
    navigation.run()
with ui.guarded("start"):
    roster_left_out(left_out_slot)
with ui.guarded("autosave"):
    workspace_status(saved_slot)
