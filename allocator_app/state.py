"""The session's workspace: the demand workbook, the scenarios being edited, and their plans.

Everything a planner does lives under ``alloc.*`` keys of ``st.session_state``, never in a
widget's own state, so switching pages never loses work. The library does all the work: this
module only reads, validates, solves and remembers, and caches what is expensive — a workbook
by its content hash, a plan by (input hash, scenario hash).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from allocator.compare import Comparison, compare_plans
from allocator.errors import InputError, Issue
from allocator.model import SolveOptions, solve
from allocator.plan import ApprovalInfo, Plan, plan_sha256
from allocator.policy import build_problem
from allocator.scenario import Scenario, default_scenario, load_scenario, scenario_sha256
from allocator.store import ScenarioRecord, Store, StoreError, default_path
from allocator.submissions import Submissions, read_submissions

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
PLANS_KEPT = 24


@dataclass
class Dataset:
    """The demand workbook in use: its name as uploaded, content hash and what was read."""

    name: str
    sha256: str
    submissions: Submissions
    sample: bool
    size: int


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
def _read(sha256: str, name: str, _data: bytes) -> Submissions:
    """The library's reader on an uploaded file; cached by content hash and name."""
    with tempfile.TemporaryDirectory(prefix="allocator-") as folder:
        path = Path(folder) / name
        path.write_bytes(_data)
        return read_submissions(path)


def read_workbook(name: str, data: bytes, *, sample: bool = False) -> Dataset:
    sha = hashlib.sha256(data).hexdigest()
    name = safe_file_name(name)
    return Dataset(name, sha, _read(sha, name, data), sample, len(data))


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


def add_draft(scenario: Scenario, stem: str, origin: str = "") -> Draft:
    draft = Draft(new_id(stem), scenario, origin)
    drafts()[draft.id] = draft
    return draft


def replace_scenario(draft: Draft, scenario: Scenario, origin: str | None = None) -> None:
    draft.scenario = scenario
    draft.reset_edits()
    if origin is not None:
        draft.origin = origin


def edit(draft: Draft, changes: Mapping[str, Any]) -> bool:
    """Apply editor changes; keep them pending with the library's explanation if invalid."""
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


# -- solving ----------------------------------------------------------------------------------
@st.cache_resource(max_entries=64, show_spinner=False)
def _solve(input_sha256: str, scenario_sha256: str, _submissions: Submissions,
           _scenario: Scenario) -> Plan:
    """The library's plan, cached by (input hash, scenario hash) for every session."""
    problem = build_problem(_submissions, _scenario)
    return solve(problem, SolveOptions(time_limit_s=SOLVE_SECONDS))


def plan_key(data: Dataset, scenario: Scenario) -> tuple[str, str]:
    return data.sha256, scenario_sha256(scenario)


def cached_plan(data: Dataset, scenario: Scenario) -> Plan | None:
    return st.session_state.setdefault(PLANS, {}).get(plan_key(data, scenario))


def solve_plan(data: Dataset, scenario: Scenario) -> Plan:
    """Solve (or fetch) the plan; errors in the input raise :class:`InputError`."""
    key = plan_key(data, scenario)
    plans: dict[tuple[str, str], Plan] = st.session_state.setdefault(PLANS, {})
    if key not in plans:
        data.submissions.raise_for_errors()
        plans[key] = _solve(*key, data.submissions, scenario)
        while len(plans) > PLANS_KEPT:
            plans.pop(next(iter(plans)))
    return plans[key]


# -- comparing --------------------------------------------------------------------------------
COMPARISON = "alloc.comparison"  # (key, Comparison): the comparison last shown


def comparison_of(plans: list[Plan], names: list[str]) -> Comparison:
    """The library's comparison of these plans, kept for the export page."""
    key = (tuple((p.problem.input_sha256, p.problem.scenario_sha256) for p in plans),
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
    if found is None or data is None or found[0][0][0][0] != data.sha256:
        return None
    return found[1]


# -- first start ------------------------------------------------------------------------------
def start() -> None:
    """On a session's first run: the bundled sample and the shipped scenarios, ready to solve."""
    if st.session_state.get(STARTED):
        return
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
    st.session_state[STARTED] = True


# -- the store (allocator.store) --------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    """One store per file for the whole server; ``path`` only keys the cache."""
    return Store.open()


def store() -> Store:
    """The store named by ``$ALLOCATOR_DB``, else the one in the user's data directory."""
    return _open_store(str(default_path()))


def save_to_store(scenario: Scenario) -> int:
    return store().save_scenario(scenario)


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


def approve(data: Dataset, scenario: Scenario, approver: str, note: str) -> ApprovalInfo:
    """Record the plan's run in the store and approve it under the approver's name."""
    plan = solve_plan(data, scenario)
    done = approval_of(plan)
    if done is not None:  # the same plan is approved once, whichever run recorded it
        run_id, approval = done
        raise StoreError("already_approved", run=run_id, approver=approval.approver,
                         at=approval.approved_at)
    keeper = store()
    run_id = keeper.record_run(data.submissions, scenario, plan, by=approver.strip() or None)
    return keeper.approve(run_id, approver, note)
