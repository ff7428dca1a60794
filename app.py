"""《北京市工作居住证》办证指标分配 — the planners' app (``streamlit run app.py``).

A thin shell: the navigation, the language switch and the workspace summary in the sidebar.
Each page is a file in ``allocator_app/`` and every number comes from the ``allocator`` library.
"""

from __future__ import annotations

import logging

import streamlit as st

from allocator.workbook import assert_safe_xml
from allocator_app import state, ui
from allocator_app.ui import tr

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="工作居住证指标分配 Permit quota allocator",
                   page_icon=":material/assignment:", layout="wide")
assert_safe_xml()  # refuse to start if workbooks could be parsed without defusedxml

ui.language_switch()
with ui.guarded("start"):
    state.start()

PAGES = [
    ("import", "allocator_app/page_import.py", ":material/upload_file:"),
    ("scenario", "allocator_app/page_scenario.py", ":material/tune:"),
    ("results", "allocator_app/page_results.py", ":material/table_chart:"),
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

with ui.guarded("start"):
    sidebar_summary()
with ui.guarded("page"):
    navigation.run()
