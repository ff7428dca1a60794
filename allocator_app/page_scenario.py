"""方案设置 Scenario: every parameter of the current scenario, load, duplicate, save, groups."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from allocator.errors import InputError
from allocator.scenario import dump_scenario, parse_scenario
from allocator.store import MAX_APPROVER, StoreError
from allocator_app import editor, state, ui
from allocator_app.ui import tr

FILE_WIDGET = "alloc.w.scenario_file"
TOML_WIDGET = "alloc.w.scenario_upload"
LAST_TOML = "alloc.last_toml"
NEW_NAME_WIDGET = "alloc.w.new_name"


@st.cache_data(show_spinner=False)
def shipped_name(path: str, modified: float) -> str:
    """A shipped scenario's name, read from its file (``modified`` keys the cache)."""
    try:
        return state.load_file(Path(path)).scenario.name
    except InputError:
        return Path(path).name  # its problems are shown when it is loaded


def sources() -> dict[str, str]:
    """What can be loaded, by name: the shipped scenarios and those saved in the store."""
    found = {f"scenarios/{p.name}": tr("scenario.shipped", name=shipped_name(
        str(p), p.stat().st_mtime)) for p in state.shipped_scenarios()}
    try:
        records = state.saved_scenarios()
    except StoreError as problem:  # the files stay usable when the store is not
        ui.log.warning("store unavailable: %s", problem)
        records = []
    for record in records:
        found[f"store:{record.id}"] = tr("scenario.stored", name=record.name,
                                         at=ui.when(record.created_at)[:16],
                                         by=record.created_by)
    return found


def origin_text(origin: str, name: str) -> str:
    """Where a scenario came from, by name (its file or store number stay in the help)."""
    if origin.startswith("store:"):
        return tr("scenario.origin_store", name=name)
    if origin.startswith("scenarios/"):
        return tr("scenario.shipped", name=name)
    return tr("scenario.uploaded", file=origin)


def load_source(source: str) -> str:
    if source.startswith("store:"):
        scenario = state.store().scenario(int(source.removeprefix("store:")))
        stem = "saved"
    else:
        path = state.SCENARIO_DIR / source.removeprefix("scenarios/")
        scenario = state.load_file(path)
        stem = path.stem
    origin = source
    existing = next((d for d in state.drafts().values() if d.origin == origin), None)
    if existing is None:
        existing = state.add_draft(scenario, stem, origin)
    else:
        state.replace_scenario(existing, scenario)
    state.set_current(existing.id)
    return tr("scenario.loaded", name=scenario.scenario.name,
              file=origin_text(origin, scenario.scenario.name))


def duplicate() -> str:
    draft = state.current()
    name = tr("scenario.copy_name", name=draft.name)
    copy = state.add_draft(draft.scenario.with_values({"scenario.name": name}),
                           f"{draft.id}-copy", copy_of=draft.scenario)
    state.set_current(copy.id)
    return tr("scenario.duplicated", name=name)


def save_as_new() -> str | None:
    name = str(st.session_state.get(NEW_NAME_WIDGET) or "").strip()
    if not name:
        ui.flash("error", tr("scenario.name_needed"))
        return None
    author = str(st.session_state.get(f"alloc.w.author.{ui.lang()}")
                 or st.session_state.get(f"{state.KEPT}author") or "").strip()
    if not author:
        ui.flash("error", tr("scenario.author_needed"))
        return None
    draft = state.current()
    scenario = draft.scenario.with_values({"scenario.name": name})
    scenario_id = state.save_to_store(scenario, author)
    saved = state.add_draft(scenario, "saved", origin=f"store:{scenario_id}",
                            copy_of=draft.copy_of)
    state.set_current(saved.id)
    st.session_state[NEW_NAME_WIDGET] = ""
    return tr("scenario.saved", name=name)


def take_toml_upload() -> None:
    uploaded = st.session_state.get(TOML_WIDGET)
    if uploaded is None or st.session_state.get(LAST_TOML) == uploaded.file_id:
        return
    st.session_state[LAST_TOML] = uploaded.file_id
    with ui.guarded("open_scenario"):
        try:
            source = uploaded.getvalue().decode("utf-8-sig")
        except UnicodeDecodeError:
            st.error(tr("scenario.not_utf8", file=uploaded.name))
            return
        scenario = parse_scenario(source, file=uploaded.name)
        draft = state.add_draft(scenario, "uploaded", origin=state.safe_file_name(uploaded.name))
        state.set_current(draft.id)
        st.rerun()


def actions(draft: state.Draft) -> None:
    """Load, duplicate, save as new, download, open a file: one row each, buttons aligned."""
    found = sources()
    source, load, copy, download = st.columns([4, 1.2, 1.8, 1.8], vertical_alignment="bottom")
    chosen = source.selectbox(tr("scenario.load_from"), list(found),
                              key=f"{FILE_WIDGET}.{ui.lang()}",
                              format_func=ui.labels(found, found.__getitem__),
                              help=tr("scenario.load_help"))
    load.button(tr("scenario.load"), icon=":material/folder_open:", disabled=not found,
                on_click=ui.flashed, args=("load_scenario", lambda: load_source(chosen)),
                width="stretch")
    copy.button(tr("scenario.duplicate"), icon=":material/content_copy:", width="stretch",
                on_click=ui.flashed, args=("duplicate", duplicate),
                help=tr("scenario.duplicate_help"))
    download.download_button(tr("scenario.download"), data=dump_scenario(draft.scenario),
                             file_name=f"{draft.id}.toml", mime="application/toml",
                             icon=":material/download:", help=tr("scenario.download_help"),
                             width="stretch")
    name, author, save = st.columns([4, 3, 1.8], vertical_alignment="bottom")
    name.text_input(tr("scenario.new_name"), key=NEW_NAME_WIDGET,
                    placeholder=tr("scenario.new_name_placeholder"))
    author.text_input(tr("scenario.author"), key=ui.kept_key("author", ""), on_change=ui.keep,
                      args=("author",), max_chars=MAX_APPROVER,
                      placeholder=tr("scenario.author_placeholder"))
    save.button(tr("scenario.save_as"), icon=":material/save:", width="stretch",
                on_click=ui.flashed, args=("save_scenario", save_as_new),
                help=tr("scenario.save_help"))
    with st.expander(tr("scenario.open_file")):
        st.file_uploader(tr("scenario.open_file_label"), key=TOML_WIDGET,
                         help=tr("scenario.open_file_help"))
        take_toml_upload()


def copied_description(draft: state.Draft) -> None:
    """A copy's description came from its source: say so, and warn while it no longer fits."""
    if not state.description_copied(draft) or draft.copy_of is None:
        return
    source = draft.copy_of.scenario.name
    changes = state.changes_since_copy(draft)
    if changes:
        st.warning(tr("scenario.stale", name=source, changes=ui.pick("；", "; ").join(
            ui.show(change) for change in changes)), icon=":material/edit_note:")
    else:
        st.caption(tr("scenario.copied_from", name=source))


def status(draft: state.Draft) -> None:
    if draft.valid:
        st.success(tr("scenario.valid"), icon=":material/check_circle:")
        return
    count = len(draft.issues) + len(draft.group_problems)
    st.warning(tr("scenario.invalid", count=count) + "\n\n" + editor.problem_list(draft),
               icon=":material/warning:")
    st.button(tr("scenario.discard"), icon=":material/undo:",
              on_click=state.discard_pending, args=(draft,))


def main() -> None:
    draft = state.current()
    st.title(tr("scenario.title"))
    st.caption(tr("scenario.intro"))
    ui.show_flash()
    for file_name, issues in st.session_state.get(state.LOAD_PROBLEMS, []):
        st.error(tr("scenario.file_problems", file=file_name))
        ui.show_issues(issues)
    draft = state.current()
    st.subheader(tr("scenario.editing", name=draft.name))
    if draft.origin:
        st.caption(tr("scenario.origin", origin=origin_text(draft.origin, draft.name)))
    copied_description(draft)
    actions(draft)
    status(draft)
    editor.parameter_fields(draft)
    with editor.open_section("groups", bool(draft.scenario.groups),
                             force=draft.group_rows is not None and not draft.valid):
        st.caption(tr("groups.intro"))
        editor.group_editor(draft)


main()
