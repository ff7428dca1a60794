"""The session's workspace: the demand workbook, the scenarios being edited, and their plans.

Everything a planner does lives under ``alloc.*`` keys of ``st.session_state``, never in a
widget's own state, so switching pages never loses work. The library does all the work: this
module only reads, validates, solves and remembers, and caches what is expensive — a workbook
by its content hash, a plan by (input hash, scenario hash).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from allocator.clock import shown
from allocator.compare import Comparison, compare_plans, parameter_differences
from allocator.errors import InputError, Issue
from allocator.i18n import LANGS, Text, text
from allocator.model import SolveOptions, solve
from allocator.plan import ApprovalInfo, Plan, plan_sha256
from allocator.policy import build_problem
from allocator.roster import Roster, check_employers, read_roster
from allocator.scenario import (
    Scenario,
    default_scenario,
    dump_scenario,
    load_scenario,
    parse_scenario,
    scenario_sha256,
)
from allocator.screening import Screening, screen
from allocator.store import ScenarioRecord, Store, StoreError, default_path
from allocator.submissions import Submissions, read_submissions
from allocator_app.ui import LANG_KEY
from allocator_app.workspace import FILE_NAME as WORKSPACE_NAME
from allocator_app.workspace import Workspace, encode, workspace_path

log = logging.getLogger("allocator_app")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_demand.xlsx"
SCENARIO_DIR = ROOT / "scenarios"
BASELINE = "baseline"
#: The cap of the built-in scenario used when no scenario file can be read.
FALLBACK_CAP = 3000
#: A solve is stopped (and the best plan found reported as not proven) after this long.
SOLVE_SECONDS = 60.0

DATASET = "alloc.dataset"
DRAFTS = "alloc.drafts"
CURRENT = "alloc.current"
PLANS = "alloc.plans"
STARTED = "alloc.started"
LOAD_PROBLEMS = "alloc.load_problems"
FOCUS = "alloc.focus"  # (draft id, parameter keys) that clash, shown beside their fields
PLANS_KEPT = 24


@dataclass
class Dataset:
    """The demand workbook in use: its name as uploaded, content hash and what was read."""

    name: str
    sha256: str
    submissions: Submissions
    sample: bool
    size: int
    content: bytes = field(default=b"", repr=False)  # kept for the workspace file
    #: The applicant roster (docs/columns.md): the workbook's 申报人员名单 sheet, or a roster
    #: workbook uploaded beside it (kept for this session only: never in the workspace file).
    roster: Roster | None = None

    @property
    def key(self) -> str:
        """What a plan of this dataset depends on: the workbook, and the roster if any."""
        return self.sha256 if self.roster is None else f"{self.sha256}+{self.roster.sha256}"


@dataclass
class Draft:
    """A scenario in the workspace.

    ``scenario`` is the last valid version; edits that do not validate yet wait in
    ``pending`` (by dotted key) with the problems found in ``issues``. ``version`` changes when
    the scenario is replaced as a whole, so the editor's widgets start afresh.
    """

    id: str
    scenario: Scenario
    origin: str = ""
    pending: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    version: int = 0
    group_rows: list[dict[str, Any]] | None = None  # the group table as being edited
    group_problems: list[str] = field(default_factory=list)  # rows that are not groups yet
    #: The scenario this one was copied from, as it was then: its description came with it.
    copy_of: Scenario | None = None
    #: The parameters the planner changed, most recent last (a clash names these first).
    edited: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.scenario.scenario.name

    @property
    def valid(self) -> bool:
        return not self.pending and not self.group_problems

    def reset_edits(self) -> None:
        self.pending = {}
        self.issues = []
        self.group_rows = None
        self.group_problems = []
        self.version += 1


# -- reading ----------------------------------------------------------------------------------
def safe_file_name(name: str) -> str:
    """The uploaded file's own name, reduced to something safe to write in a temp folder."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f<>:\"/\\|?*]", "_", base).strip(" .") or "upload.xlsx"
    return base[:120]


@st.cache_resource(max_entries=8, show_spinner=False)
def _read(sha256: str, name: str, _data: bytes) -> tuple[Submissions, Roster | None]:
    """The library's reader on an uploaded file (and its roster sheet, if it has one); cached
    by content hash and name."""
    with tempfile.TemporaryDirectory(prefix="allocator-") as folder:
        path = Path(folder) / name
        path.write_bytes(_data)
        submissions = read_submissions(path)
        roster = read_roster(path, separate=False)
        if roster is not None:
            _check_roster(roster, submissions)
        return submissions, roster


def _check_roster(roster: Roster, submissions: Submissions) -> None:
    codes = {c for c in submissions.frame["credit_code"].tolist() if c is not None}
    if len(roster):
        check_employers(roster, codes)


def read_workbook(name: str, data: bytes, *, sample: bool = False) -> Dataset:
    sha = hashlib.sha256(data).hexdigest()
    name = safe_file_name(name)
    submissions, roster = _read(sha, name, data)
    # A workbook with a roster sheet holds personal data: it is never written to the
    # workspace file (PIPL; docs/columns.md), so it is not restored after a refresh either.
    kept = b"" if sample or roster is not None else data
    return Dataset(name, sha, submissions, sample, len(data), kept, roster)


def read_roster_workbook(dataset: Dataset, name: str, data: bytes) -> Dataset:
    """``dataset`` with the roster of a separately uploaded roster workbook (docs/columns.md)."""
    with tempfile.TemporaryDirectory(prefix="allocator-") as folder:
        path = Path(folder) / safe_file_name(name)
        path.write_bytes(data)
        roster = read_roster(path)
    if roster is not None:
        _check_roster(roster, dataset.submissions)
    return Dataset(dataset.name, dataset.sha256, dataset.submissions, dataset.sample,
                   dataset.size, dataset.content, roster)


def screening_of(data: Dataset, scenario: Scenario) -> Screening | None:
    """The roster screened under ``scenario``; raises InputError for a roster with errors or
    a scenario without the figures screening needs."""
    if data.roster is None:
        return None
    if data.roster.errors:
        raise InputError(data.roster.errors)
    # The plan year as the command line takes it: the scenario's, else the workbook's.
    return screen(data.roster, scenario.roster,
                  scenario.scenario.year or data.submissions.plan_year)


def use_dataset(dataset: Dataset) -> None:
    st.session_state[DATASET] = dataset


def dataset() -> Dataset | None:
    return st.session_state.get(DATASET)


def load_sample() -> Dataset:
    return read_workbook(SAMPLE.name, SAMPLE.read_bytes(), sample=True)


# -- scenarios --------------------------------------------------------------------------------
def shipped_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml"), key=lambda p: (p.stem != BASELINE, p.name))


def drafts() -> dict[str, Draft]:
    return st.session_state.setdefault(DRAFTS, {})


def current() -> Draft:
    chosen = drafts()
    wanted = st.session_state.get(CURRENT)
    if wanted not in chosen:
        wanted = next(iter(chosen))
        st.session_state[CURRENT] = wanted
    return chosen[wanted]


def set_current(draft_id: str) -> None:
    if draft_id in drafts():
        st.session_state[CURRENT] = draft_id


def new_id(stem: str) -> str:
    taken = drafts()
    stem = re.sub(r"[^0-9A-Za-z_\-]+", "-", stem).strip("-") or "scenario"
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def add_draft(scenario: Scenario, stem: str, origin: str = "",
              copy_of: Scenario | None = None) -> Draft:
    draft = Draft(new_id(stem), scenario, origin, copy_of=copy_of)
    drafts()[draft.id] = draft
    return draft


def replace_scenario(draft: Draft, scenario: Scenario, origin: str | None = None) -> None:
    draft.scenario = scenario
    draft.reset_edits()
    if origin is not None:
        draft.origin = origin


def edit(draft: Draft, changes: Mapping[str, Any]) -> bool:
    """Apply editor changes; keep them pending with the library's explanation if invalid."""
    draft.edited = [k for k in draft.edited if k not in changes] + list(changes)
    st.session_state.pop(FOCUS, None)
    wanted = {**draft.pending, **changes}
    try:
        scenario = draft.scenario.with_values(wanted)
    except InputError as problem:
        draft.pending = wanted
        draft.issues = problem.issues
        return False
    draft.scenario = scenario
    draft.pending = {}
    draft.issues = []
    return True


def discard_pending(draft: Draft) -> None:
    draft.reset_edits()


def load_file(path: Path) -> Scenario:
    return load_scenario(path)


# -- copies -----------------------------------------------------------------------------------
def description_copied(draft: Draft) -> bool:
    """The draft is a copy whose description is still, word for word, its source's."""
    source = draft.copy_of
    if source is None:
        return False
    copied = source.scenario.description.strip()
    return bool(copied) and draft.scenario.scenario.description.strip() == copied


def changes_since_copy(draft: Draft) -> list[Text]:
    """Each parameter that differs from the source's, as "name: before → after"."""
    if draft.copy_of is None:
        return []
    table = parameter_differences([draft.copy_of, draft.scenario], ["before", "after"])
    return [text("app.scenario.change", label=Text(row.label_zh, row.label_en),
                 before=Text(row.before, row.before__en), after=Text(row.after, row.after__en))
            for row in table.itertuples(index=False)]


def stale_description(draft: Draft) -> bool:
    """The description describes the source, whose parameters this copy has changed."""
    return description_copied(draft) and bool(changes_since_copy(draft))


def with_changes_written(draft: Draft, lang: str) -> Scenario:
    """The draft's scenario with its changes from the source appended to its description,
    so that the approved document says what the copied description does not."""
    changes = changes_since_copy(draft)
    if not changes or draft.copy_of is None:
        return draft.scenario
    note = text("app.scenario.changes_note", name=draft.copy_of.scenario.name,
                changes=Text("；".join(c.zh for c in changes), "; ".join(c.en for c in changes)))
    written = note.en if lang == "en" else note.zh
    description = draft.scenario.scenario.description.rstrip()
    if written in description:
        return draft.scenario
    joined = f"{description}\n\n{written}" if description else written
    return draft.scenario.with_values({"scenario.description": joined})


# -- solving ----------------------------------------------------------------------------------
@st.cache_resource(max_entries=64, show_spinner=False)
def _solve(input_sha256: str, scenario_sha256: str, _submissions: Submissions,
           _scenario: Scenario, _cancel: Callable[[], bool] | None = None,
           _screening: Screening | None = None) -> Plan:
    """The library's plan, cached by (input hash — the roster's included —, scenario hash)
    for every session.

    ``_cancel`` stops the work once the browser session that asked for it is gone (issue 12):
    the server does not keep solving for nobody (:class:`~allocator.model.Cancelled`).
    """
    problem = build_problem(_submissions, _scenario, _screening)
    return solve(problem, SolveOptions(time_limit_s=SOLVE_SECONDS), cancel=_cancel)


def session_gone() -> Callable[[], bool]:
    """A check that says True once this browser session has disconnected (never outside a
    running Streamlit server, e.g. under AppTest)."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without these
        return lambda: False
    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: False
    runtime, session = Runtime.instance(), context.session_id
    return lambda: not runtime.is_active_session(session)


def plan_key(data: Dataset, scenario: Scenario) -> tuple[str, str]:
    return data.key, scenario_sha256(scenario)


def cached_plan(data: Dataset, scenario: Scenario) -> Plan | None:
    return st.session_state.setdefault(PLANS, {}).get(plan_key(data, scenario))


def solve_plan(data: Dataset, scenario: Scenario) -> Plan:
    """Solve (or fetch) the plan; errors in the input raise :class:`InputError`."""
    key = plan_key(data, scenario)
    plans: dict[tuple[str, str], Plan] = st.session_state.setdefault(PLANS, {})
    if key not in plans:
        data.submissions.raise_for_errors()
        plans[key] = _solve(*key, data.submissions, scenario, session_gone(),
                            screening_of(data, scenario))
        while len(plans) > PLANS_KEPT:
            plans.pop(next(iter(plans)))
    return plans[key]


# -- comparing --------------------------------------------------------------------------------
COMPARISON = "alloc.comparison"  # (key, Comparison): the comparison last shown


def comparison_of(plans: list[Plan], names: list[str]) -> Comparison:
    """The library's comparison of these plans, kept for the export page."""
    key = (tuple((p.problem.input_key, p.problem.scenario_sha256) for p in plans),
           tuple(names))
    found = st.session_state.get(COMPARISON)
    if found is None or found[0] != key:
        found = (key, compare_plans(plans, names))
        st.session_state[COMPARISON] = found
    return found[1]


def last_comparison() -> Comparison | None:
    """The comparison the Compare page last showed, if it is of the current workbook."""
    found = st.session_state.get(COMPARISON)
    data = dataset()
    if found is None or data is None or found[0][0][0][0] != data.key:
        return None
    return found[1]


# -- first start ------------------------------------------------------------------------------
def start() -> None:
    """On a session's first run: the workspace as it was left, else the bundled sample and the
    shipped scenarios, ready to solve."""
    if st.session_state.get(STARTED):
        return
    st.session_state[STARTED] = True
    snapshot = None
    try:
        snapshot = workspace().load()
    except (OSError, sqlite3.Error, ValueError) as problem:
        log.warning("workspace unreadable: %s", problem)
        st.session_state[RESTORE_PROBLEM] = str(problem)
    if snapshot is not None:
        try:
            restore(snapshot.body)
        except Exception as problem:  # a damaged snapshot must not keep the app from starting
            log.exception("workspace not restored")
            st.session_state[RESTORE_PROBLEM] = str(problem)
            for key in (DRAFTS, CURRENT, DATASET, COMPARE_IDS):
                st.session_state.pop(key, None)
        else:
            st.session_state[RESTORED] = snapshot.saved_at
            st.session_state[SAVED] = (encode(snapshot_body()), snapshot.saved_at, None)
            return
    fresh()


def fresh() -> None:
    """The bundled sample and the shipped scenarios."""
    problems: list[tuple[str, list[Issue]]] = []
    for path in shipped_scenarios():
        try:
            add_draft(load_file(path), path.stem, origin=f"scenarios/{path.name}")
        except InputError as problem:
            problems.append((path.name, problem.issues))
    if not drafts():
        add_draft(default_scenario(FALLBACK_CAP), BASELINE)
    st.session_state[LOAD_PROBLEMS] = problems
    st.session_state[CURRENT] = BASELINE if BASELINE in drafts() else next(iter(drafts()))
    if SAMPLE.is_file():
        use_dataset(load_sample())


# -- the workspace file (allocator_app.workspace) ---------------------------------------------
COMPARE_IDS = "alloc.compare_ids"  # the scenarios the Compare page shows, in order
KEPT = "alloc.keep."  # prefix of the filters and names a planner typed (see ui.kept_key)
SAVED = "alloc.saved"  # (snapshot JSON, saved at, workbook hash) last written or restored
SAVE_PROBLEM = "alloc.save_problem"
#: The roster of the restored workspace, named but not kept (personal data): roster_left_out.
ROSTER_NOT_KEPT = "alloc.roster_not_kept"
RESTORED = "alloc.restored"  # when the snapshot this session started from was saved
RESTORE_PROBLEM = "alloc.restore_problem"


def workspace() -> Workspace:
    return Workspace(workspace_path())


def draft_body(draft: Draft) -> dict[str, Any]:
    return {"id": draft.id, "origin": draft.origin, "scenario": dump_scenario(draft.scenario),
            "pending": draft.pending, "group_rows": draft.group_rows,
            "group_problems": draft.group_problems,
            "copy_of": None if draft.copy_of is None else dump_scenario(draft.copy_of),
            "edited": draft.edited}


def snapshot_body() -> dict[str, Any]:
    """Everything the planner would miss after a refresh, as plain JSON values."""
    data = dataset()
    return {
        "lang": st.session_state.get(LANG_KEY, "zh"),
        "dataset": None if data is None or not (data.sample or data.content) else {
            "name": data.name, "sha256": data.sha256, "sample": data.sample},
        "drafts": [draft_body(d) for d in drafts().values()],
        "current": st.session_state.get(CURRENT),
        "compare": list(st.session_state.get(COMPARE_IDS, [])),
        "roster_left_out": roster_marker(data),
        "kept": {key: st.session_state[key] for key in sorted(st.session_state.keys())
                 if str(key).startswith(KEPT)},
    }


def roster_marker(data: Dataset | None) -> dict[str, Any] | None:
    """What a refresh will leave out of the workspace because it is personal data: the roster
    in use (a roster workbook, or the roster sheet with the whole workbook that holds it), by
    name only; or the marker restored, while it still applies (:func:`roster_left_out`)."""
    if data is not None and data.roster is not None and not data.sample:
        return {"workbook": data.name, "sha256": data.sha256, "roster": data.roster.file,
                "in_workbook": not data.content}
    return roster_left_out()


def roster_left_out() -> dict[str, Any] | None:
    """The roster the workspace was screened against but does not keep, while the planner has
    not given it again: the workbook that held it is not open (``in_workbook``), or the demand
    workbook it went with is open without it. ``None`` once the planner uploads it again,
    opens another workbook or starts afresh."""
    marker = st.session_state.get(ROSTER_NOT_KEPT)
    if marker is None:
        return None
    data = dataset()
    if marker["in_workbook"]:
        applies = data is None
    else:
        applies = data is not None and data.sha256 == marker["sha256"] and data.roster is None
    if not applies:
        st.session_state.pop(ROSTER_NOT_KEPT, None)
        return None
    return marker


def restore(body: Mapping[str, Any]) -> None:
    """The session as the snapshot describes it (a scenario that no longer reads is an error)."""
    if body.get("lang") in LANGS:
        st.session_state[LANG_KEY] = body["lang"]
    for saved in body["drafts"]:
        file = f"{WORKSPACE_NAME}:{saved['id']}"
        copy_of = saved.get("copy_of")
        draft = Draft(saved["id"], parse_scenario(saved["scenario"], file=file),
                      saved.get("origin", ""),
                      copy_of=None if copy_of is None else parse_scenario(copy_of, file=file))
        drafts()[draft.id] = draft
        if saved.get("pending"):
            edit(draft, saved["pending"])
        draft.edited = list(saved.get("edited") or [])
        draft.group_rows = saved.get("group_rows")
        draft.group_problems = list(saved.get("group_problems") or [])
    if not drafts():
        raise ValueError("the workspace holds no scenario")
    st.session_state[CURRENT] = body.get("current")
    st.session_state[COMPARE_IDS] = [i for i in body.get("compare", []) if i in drafts()]
    for key, value in (body.get("kept") or {}).items():
        if key.startswith(KEPT):
            st.session_state[key] = value
    left_out = body.get("roster_left_out")
    if isinstance(left_out, dict):
        st.session_state[ROSTER_NOT_KEPT] = left_out
    chosen = body.get("dataset")
    if chosen is None:
        return
    if chosen["sample"]:
        if SAMPLE.is_file():
            use_dataset(load_sample())
        return
    found = workspace().workbook(chosen["sha256"])
    if found is None:
        raise ValueError(f"the workbook {chosen['name']} is missing from the workspace")
    use_dataset(read_workbook(found[0], found[1]))


def autosave() -> str:
    """Write the workspace if anything changed since the last write; when it was saved."""
    body = snapshot_body()
    text = encode(body)
    last = st.session_state.get(SAVED)
    if last is not None and last[0] == text:
        return last[1]
    data = dataset()
    kept = None if data is None or data.sample or not data.content else data.sha256
    content = None
    if kept is not None and (last is None or last[2] != kept):
        content = (data.name, data.content) if data is not None else None
    saved_at = workspace().save(body, kept, content)
    st.session_state[SAVED] = (text, saved_at, kept)
    return saved_at


def start_afresh() -> None:
    """Forget the workspace: the sample and the shipped scenarios again (the record stays)."""
    workspace().clear()
    for key in list(st.session_state.keys()):
        if str(key).startswith("alloc.") and key != LANG_KEY:
            del st.session_state[key]


# -- the store (allocator.store) --------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    """One store per file for the whole server; ``path`` only keys the cache."""
    return Store.open()


def store() -> Store:
    """The store named by ``$ALLOCATOR_DB``, else the one in the user's data directory."""
    return _open_store(str(default_path()))


def save_to_store(scenario: Scenario, author: str) -> int:
    return store().save_scenario(scenario, by=author)


def saved_scenarios() -> list[ScenarioRecord]:
    return store().scenarios()


APPROVALS = "alloc.approvals"


def approval_of(plan: Plan) -> tuple[int, ApprovalInfo] | None:
    """The run and approval of this very plan (same ``plan_sha256``), if it was approved."""
    sha = plan_sha256(plan)
    for run in store().runs():
        if run.plan_sha256 == sha and run.approval is not None:
            return run.id, run.approval
    return None


def plan_year(data: Dataset, scenario: Scenario) -> int | None:
    """The plan year an approval counts against: the scenario's, else the workbook's."""
    year = scenario.scenario.year
    if year is None:
        year = data.submissions.plan_year
    return None if year is None else int(year)


def current_approval(data: Dataset, scenario: Scenario) -> ApprovalInfo | None:
    """The approved plan of the scenario's plan year, which a new approval must supersede."""
    return store().current_approval(plan_year(data, scenario))


def approve(data: Dataset, draft: Draft, approver: str, note: str, lang: str, *,
            supersede: int | None = None, reason: str = "") -> ApprovalInfo:
    """Record the plan's run in the store and approve it under the approver's name.

    A copy's changes from its source are first written into its description (in ``lang``),
    and the draft keeps that description: what is approved is what the planner then sees.
    """
    scenario = with_changes_written(draft, lang)
    plan = solve_plan(data, scenario)
    done = approval_of(plan)
    if done is not None:  # the same plan is approved once, whichever run recorded it
        run_id, approval = done
        raise StoreError("already_approved", run=run_id, approver=approval.approver,
                         at=shown(approval.approved_at))
    keeper = store()
    run_id = keeper.record_run(data.submissions, scenario, plan, by=approver.strip() or None)
    approval = keeper.approve(run_id, approver, note, supersede=supersede, reason=reason)
    if scenario is not draft.scenario:
        replace_scenario(draft, scenario)
    return approval
