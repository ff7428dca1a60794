"""分配结果 Results: the current scenario's plan on the current workbook."""

from __future__ import annotations

import streamlit as st

from allocator_app import results, state, ui
from allocator_app.ui import tr


def main() -> None:
    draft = state.current()
    st.title(tr("results.title"))
    data = results.ready_dataset()
    if data is None:
        return
    label = tr("sidebar.sample") if data.sample else data.name
    st.caption(tr("results.intro", name=draft.name, data=label, rows=len(data.submissions)))
    if not draft.valid:
        st.warning(tr("results.scenario_invalid", name=draft.name), icon=":material/warning:")
        st.page_link("allocator_app/page_scenario.py", label=tr("nav.scenario"),
                     icon=":material/tune:")
    plan = results.obtain_plan(data, draft.scenario)
    if plan is not None:
        with ui.guarded("show"):
            results.full(plan)


main()
