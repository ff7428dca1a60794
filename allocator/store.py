"""The store: datasets, scenarios, runs, approvals and an audit log in one SQLite file.

A plan the district government approves must be kept exactly, be provably unaltered and be
reproducible years later. The store keeps everything needed to replay a run — the normalised
submissions (not the workbook), the scenario as canonical TOML, the result JSON with its
``plan_sha256``, and the allocator and OR-Tools versions — and makes tampering evident:

* **Content hashes.** A dataset is kept as canonical JSON (:func:`encode_submissions`) under
  the SHA-256 of that text; a scenario under :func:`~allocator.scenario.scenario_sha256`; a
  run's result JSON under its own SHA-256, and each run record under a hash of its fields and
  of the hashes of its dataset and scenario.
* **An approval chain.** Each approval's ``chain_sha256`` covers the approved allocations, the
  run's ``plan_sha256`` and result hash, its dataset and scenario hashes, who approved when,
  and the previous approval's ``chain_sha256``. Show the chain head (on the exported plan, in a
  letter) and no approval before it can be changed without :meth:`Store.verify` noticing.
* **An audit log** of every create, solve, approve and export, itself a hash chain.
* **Triggers** make approvals, approved runs and the audit log refuse ``UPDATE`` and ``DELETE``
  even through plain SQL; run records, datasets and scenarios are never updated either.

Hashes without a secret cannot stop someone who rewrites the whole file consistently; they make
every edit that bypasses the application visible, and the approval chain's head, once printed
on an approved plan, pins everything approved before it.

Durability: WAL, ``synchronous=FULL``, foreign keys on, a busy timeout for concurrent writers;
every write (approval included) is one ``BEGIN IMMEDIATE`` transaction, so a writer killed at
any point leaves either all of it or none of it. The schema is versioned with
``PRAGMA user_version`` and an ordered list of :data:`MIGRATIONS`; a store written by a newer
allocator is refused, untouched.

Python API (the command line and the app are thin shells over it)::

    with Store.open() as store:              # --db PATH, $ALLOCATOR_DB, or the user data dir
        scenario_id = store.save_scenario(scenario)
        run_id = store.record_run(submissions, scenario, plan)
        store.runs()                         # [RunRecord]: newest first, with approvals
        store.approve(run_id, "张三", note="区政府常务会审议通过")
        report = store.verify()              # report.ok, report.findings
        stored = store.load_run(run_id)      # submissions, scenario, result, approval
        replay = store.replay(run_id)        # re-solved plan; replay.same is the hash check

Only the standard library is imported at module load; pandas, the scenario model and the solver
are imported when a call needs them, so ``allocator --help`` stays fast.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import monotonic, sleep
from typing import TYPE_CHECKING, Any

from allocator import __version__
from allocator.errors import hidden_characters
from allocator.i18n import Text, text
from allocator.plan import plan_hash

if TYPE_CHECKING:
    from allocator.plan import ApprovalInfo, Plan
    from allocator.scenario import Scenario
    from allocator.submissions import Submissions

#: ``PRAGMA application_id``: marks a SQLite file as an allocator store ("ALLO").
APPLICATION_ID = 0x414C4C4F
#: Environment variable naming the store file when ``--db`` is not given.
ENV_VAR = "ALLOCATOR_DB"
FILE_NAME = "allocator.sqlite3"
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = 30_000
#: ``prev_sha256`` of the first approval and of the first audit entry.
GENESIS = "0" * 64
#: Version of the dataset encoding inside ``datasets.content``.
DATASET_FORMAT = 1
#: Employers listed one by one when an approved plan's allocations were changed.
DIFFS_LISTED = 10


# -- schema -----------------------------------------------------------------------------------
# Each migration is a sequence of single SQL statements, applied in one transaction together
# with ``PRAGMA user_version = <its position>``. Never edit a released step: append a new one.
_SCHEMA_1: tuple[str, ...] = (
    """CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,            -- SHA-256 of content
        input_sha256 TEXT NOT NULL,             -- the workbook file's hash (the plan's input)
        file TEXT NOT NULL,
        sheet TEXT,
        rows INTEGER NOT NULL,
        content TEXT NOT NULL,                  -- canonical JSON: see encode_submissions()
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    )""",
    """CREATE TABLE scenarios (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,            -- scenario_sha256() of the parsed TOML
        name TEXT NOT NULL,
        toml TEXT NOT NULL,                     -- dump_scenario()
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE RESTRICT,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE RESTRICT,
        status TEXT NOT NULL CHECK (status IN ('optimal', 'feasible', 'infeasible')),
        allocated INTEGER NOT NULL,
        plan_sha256 TEXT NOT NULL,
        result TEXT NOT NULL,                   -- the result JSON (docs/result.md), canonical
        result_sha256 TEXT NOT NULL,
        allocator_version TEXT NOT NULL,
        ortools_version TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        record_sha256 TEXT NOT NULL             -- covers every field above and the hashes of
                                                -- the dataset and scenario
    )""",
    "CREATE INDEX runs_dataset ON runs(dataset_id)",
    "CREATE INDEX runs_scenario ON runs(scenario_id)",
    """CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id) ON DELETE RESTRICT,
        approver TEXT NOT NULL CHECK (length(trim(approver)) > 0),
        approved_at TEXT NOT NULL,
        note TEXT NOT NULL,
        plan_sha256 TEXT NOT NULL,
        allocations TEXT NOT NULL,              -- [[credit_code, permits], ...] as approved
        prev_sha256 TEXT NOT NULL UNIQUE,       -- UNIQUE: the chain cannot fork
        chain_sha256 TEXT NOT NULL UNIQUE
    )""",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL
            CHECK (action IN ('migrate', 'create', 'solve', 'approve', 'export')),
        subject TEXT NOT NULL,                  -- e.g. 'run:7', 'dataset:2'
        detail TEXT NOT NULL,                   -- canonical JSON
        prev_sha256 TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL UNIQUE
    )""",
    # Approved data and the audit log are permanent, even through plain SQL.
    """CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
    BEGIN SELECT RAISE(ABORT, 'allocator store: approvals are permanent'); END""",
    """CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
    BEGIN SELECT RAISE(ABORT, 'allocator store: approvals are permanent'); END""",
    """CREATE TRIGGER approvals_feasible_only BEFORE INSERT ON approvals
    WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'optimal'
     AND (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'feasible'
    BEGIN SELECT RAISE(ABORT, 'allocator store: only a feasible run can be approved'); END""",
    # A run record is what happened: never rewritten; an approved one is never removed.
    """CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs
    BEGIN SELECT RAISE(ABORT, 'allocator store: run records are never changed'); END""",
    """CREATE TRIGGER runs_approved_no_delete BEFORE DELETE ON runs
    WHEN EXISTS (SELECT 1 FROM approvals WHERE run_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'allocator store: an approved run is permanent'); END""",
    # Datasets and scenarios are kept under their content hash: never changed, and kept while
    # a run uses them (also when a plain SQL session leaves foreign keys off).
    """CREATE TRIGGER datasets_no_update BEFORE UPDATE ON datasets
    BEGIN SELECT RAISE(ABORT, 'allocator store: datasets are never changed'); END""",
    """CREATE TRIGGER datasets_used_no_delete BEFORE DELETE ON datasets
    WHEN EXISTS (SELECT 1 FROM runs WHERE dataset_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'allocator store: a dataset used by a run is permanent'); END""",
    """CREATE TRIGGER scenarios_no_update BEFORE UPDATE ON scenarios
    BEGIN SELECT RAISE(ABORT, 'allocator store: scenarios are never changed'); END""",
    """CREATE TRIGGER scenarios_used_no_delete BEFORE DELETE ON scenarios
    WHEN EXISTS (SELECT 1 FROM runs WHERE scenario_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'allocator store: a scenario used by a run is permanent'); END""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'allocator store: the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'allocator store: the audit log is append-only'); END""",
)

# Schema 2 (issue 12): run records are never removed (their ids are never reused); an approval
# names its plan year, the approval it supersedes and why, and the audit chain's head when it
# was given, so the approval chain also pins the audit log before it.
_SCHEMA_2: tuple[str, ...] = (
    # Approvals and the audit log get AUTOINCREMENT ids: SQLite's sqlite_sequence then keeps
    # the highest id ever given, so removing the newest rows leaves a visible gap.
    "DROP TRIGGER runs_approved_no_delete",
    """CREATE TABLE approvals_2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id) ON DELETE RESTRICT,
        approver TEXT NOT NULL CHECK (length(trim(approver)) > 0),
        approved_at TEXT NOT NULL,
        note TEXT NOT NULL,
        plan_sha256 TEXT NOT NULL,
        allocations TEXT NOT NULL,
        prev_sha256 TEXT NOT NULL UNIQUE,
        chain_sha256 TEXT NOT NULL UNIQUE,
        format INTEGER NOT NULL DEFAULT 1,      -- 2: every column below is in chain_sha256
        plan_year INTEGER,                      -- one approved plan per plan year
        supersedes INTEGER REFERENCES runs(id), -- the run whose approval this one replaces
        reason TEXT NOT NULL DEFAULT '',        -- why it replaces it
        audit_sha256 TEXT NOT NULL DEFAULT ''   -- the audit chain's head when approved
    )""",
    "INSERT INTO approvals_2 (id, run_id, approver, approved_at, note, plan_sha256,"
    " allocations, prev_sha256, chain_sha256) SELECT id, run_id, approver, approved_at, note,"
    " plan_sha256, allocations, prev_sha256, chain_sha256 FROM approvals",
    "DROP TABLE approvals",
    "ALTER TABLE approvals_2 RENAME TO approvals",
    """CREATE TABLE audit_2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL
            CHECK (action IN ('migrate', 'create', 'solve', 'approve', 'export')),
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_sha256 TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL UNIQUE
    )""",
    "INSERT INTO audit_2 SELECT id, at, actor, action, subject, detail, prev_sha256, sha256"
    " FROM audit",
    "DROP TABLE audit",
    "ALTER TABLE audit_2 RENAME TO audit",
    """CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
    BEGIN SELECT RAISE(ABORT, 'allocator store: approvals are permanent'); END""",
    """CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
    BEGIN SELECT RAISE(ABORT, 'allocator store: approvals are permanent'); END""",
    """CREATE TRIGGER approvals_feasible_only BEFORE INSERT ON approvals
    WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'optimal'
     AND (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'feasible'
    BEGIN SELECT RAISE(ABORT, 'allocator store: only a feasible run can be approved'); END""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'allocator store: the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'allocator store: the audit log is append-only'); END""",
    # Run records are never removed now, approved or not: their ids are never reused.
    """CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
    BEGIN SELECT RAISE(ABORT, 'allocator store: run records are permanent'); END""",
)

#: Ordered migration steps; step *n* (1-based) brings the schema to version *n*.
MIGRATIONS: list[Sequence[str]] = [_SCHEMA_1, _SCHEMA_2]
#: The tables of the current schema (a missing one means the file was altered).
TABLES = ("datasets", "scenarios", "runs", "approvals", "audit")
#: The first bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"


def schema_version() -> int:
    """The schema version this allocator writes: the number of migration steps."""
    return len(MIGRATIONS)


def _schema_tables() -> set[str]:
    """The tables the migrations create (what :meth:`Store.verify` expects, no more)."""
    found: set[str] = set()
    for step in MIGRATIONS:
        for statement in step:
            words = statement.split()
            if words[:2] == ["CREATE", "TABLE"]:
                found.add(words[2].split("(")[0])
            elif words[:2] == ["DROP", "TABLE"]:
                found.discard(words[2])
            elif words[:2] == ["ALTER", "TABLE"] and words[3:5] == ["RENAME", "TO"]:
                found.discard(words[2])
                found.add(words[5])
    return found


def _guard_triggers() -> dict[str, str]:
    """Trigger name → SQL as created by the migrations (what :meth:`Store.verify` expects)."""
    found: dict[str, str] = {}
    for step in MIGRATIONS:
        for statement in step:
            words = statement.split()
            if words[:2] == ["CREATE", "TRIGGER"]:
                found[words[2]] = " ".join(words)
            elif words[:2] == ["DROP", "TRIGGER"]:
                found.pop(words[-1], None)
    return found


# -- errors -----------------------------------------------------------------------------------
#: Longest approver name and approval note (they are printed on the approved plan).
MAX_APPROVER, MAX_NOTE = 100, 2000


#: The approval row format this allocator writes (2: schema 2, every column in the chain hash).
APPROVAL_FORMAT = 2


def check_text(label: Text, value: str, limit: int, allowed: str = "") -> None:
    """Refuse (:class:`StoreError`) a text that is too long or holds control characters."""
    if len(value) > limit:
        raise StoreError("approval_too_long", field=label, limit=limit, length=len(value))
    found = hidden_characters(value, allowed)  # controls, bidi, zero-width
    if found:
        raise StoreError("approval_control", field=label, characters=found)


def check_approver(approver: str) -> str:
    """The approver's name as recorded (trimmed), or :class:`StoreError` saying why not.

    Every rule for approver names lives here, for the command line and the app alike.
    """
    name = approver.strip()
    if not name:
        raise StoreError("approver_blank")
    check_text(Text(zh="审批人姓名", en="approver's name"), name, MAX_APPROVER)
    return name


class StoreError(Exception):
    """The store cannot do what was asked (bad path, unknown run, …): the CLI exits 2."""

    def __init__(self, code: str, /, **params: Any):
        from allocator.i18n import has

        self.code = code
        self.params = params
        key = f"store.{code}" if has(f"store.{code}") else f"record.{code}"
        self.message: Text = text(key, **params)
        super().__init__(self.message.en)


class TamperedError(StoreError):
    """A stored record no longer matches its hashes: the CLI exits 4."""


class StoreAltered(TamperedError):
    """:meth:`Store.verify` found changes, so the store refuses to approve: ``report`` has
    every finding (the CLI lists them and exits 4)."""

    def __init__(self, report: VerifyReport):
        self.report = report
        super().__init__("store_altered", count=len(report.findings),
                         first=report.findings[0].message if report.findings else "")


# -- records ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioRecord:
    id: int
    name: str
    sha256: str
    toml: str
    created_at: str
    created_by: str


@dataclass(frozen=True)
class RunRecord:
    """One recorded solve, as listed by ``allocator runs`` and the app."""

    id: int
    created_at: str
    created_by: str
    dataset_id: int
    dataset_file: str
    scenario_id: int
    scenario_name: str
    status: str  # optimal | feasible | infeasible
    allocated: int
    plan_sha256: str
    allocator_version: str
    ortools_version: str
    approval: ApprovalInfo | None

    @property
    def approved(self) -> bool:
        return self.approval is not None


@dataclass
class StoredRun:
    """A run rebuilt from the store: what :func:`~allocator.policy.build_problem` needs."""

    record: RunRecord
    submissions: Submissions
    scenario: Scenario
    result: dict[str, Any]  # the stored result JSON, with ``run_id``

    @property
    def approval(self) -> ApprovalInfo | None:
        return self.record.approval


@dataclass
class Replay:
    """A stored run solved again from the stored submissions and scenario."""

    stored: StoredRun
    plan: Plan
    plan_sha256: str  # of the new plan, as computed now
    compared_sha256: str  # the new plan hashed with the stored OR-Tools version

    @property
    def same(self) -> bool:
        return self.compared_sha256 == self.stored.record.plan_sha256

    @property
    def ortools_changed(self) -> bool:
        return self.plan.ortools_version != self.stored.record.ortools_version


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    sha256: str


@dataclass(frozen=True)
class Finding:
    """One thing :meth:`Store.verify` found altered."""

    code: str
    message: Text
    run_ids: tuple[int, ...] = ()


@dataclass
class VerifyReport:
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    chain_head: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def altered_runs(self) -> list[int]:
        return sorted({run for found in self.findings for run in found.run_ids})


# -- canonical forms and hashes ---------------------------------------------------------------
def canonical(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 as is, no NaN."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def sha256_text(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def result_allocations(result: dict[str, Any]) -> list[list[Any]]:
    """``[[credit_code, permits], ...]`` in input order; none for an infeasible plan."""
    if result.get("status") == "infeasible":
        return []
    return [[row["credit_code"], row["allocated"]] for row in result["employers"]]


def result_plan_hash(result: dict[str, Any], ortools: str) -> str:
    return plan_hash(input_sha256=result["input_sha256"],
                     scenario_sha256=result["scenario_sha256"], ortools=ortools,
                     method=result["method"], status=result["status"],
                     allocations=result_allocations(result),
                     roster_sha256=result.get("roster_sha256"))


def _record_hash(row: sqlite3.Row | dict[str, Any], dataset_sha256: str,
                 scenario_sha256: str) -> str:
    fields = ("id", "status", "allocated", "plan_sha256", "result_sha256", "allocator_version",
              "ortools_version", "created_at", "created_by")
    return sha256_text(canonical({**{name: row[name] for name in fields},
                                  "dataset_sha256": dataset_sha256,
                                  "scenario_sha256": scenario_sha256}))


def _chain_hash(*, run_id: int, approver: str, approved_at: str, note: str, plan_sha256: str,
                result_sha256: str, dataset_sha256: str, scenario_sha256: str,
                allocations: str, prev_sha256: str, format: int = 1,
                plan_year: int | None = None, supersedes: int | None = None, reason: str = "",
                audit_sha256: str = "") -> str:
    fields: dict[str, Any] = {
        "run_id": run_id, "approver": approver, "approved_at": approved_at, "note": note,
        "plan_sha256": plan_sha256, "result_sha256": result_sha256,
        "dataset_sha256": dataset_sha256, "scenario_sha256": scenario_sha256,
        "allocations": allocations, "prev_sha256": prev_sha256,
    }
    if format != 1:  # schema 2: every column of the approval is covered
        fields.update(format=format, plan_year=plan_year, supersedes=supersedes, reason=reason,
                      audit_sha256=audit_sha256)
    return sha256_text(canonical(fields))


def _audit_hash(entry_id: int, at: str, actor: str, action: str, subject: str, detail: str,
                prev_sha256: str) -> str:
    return sha256_text(canonical([entry_id, at, actor, action, subject, detail, prev_sha256]))


# -- datasets: lossless JSON of the normalised submissions ------------------------------------
def _encode(value: Any) -> Any:
    """A cell as JSON that :func:`_decode` turns back into the same Python value and type."""
    import numpy as np

    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}  # exact, and nan/inf survive
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}  # keeps digits and exponent: Decimal('0.10') stays
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):  # a duration cell, in an unknown column
        return {"$timedelta": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot store a cell of type {type(value).__name__}: {value!r}")


_PLAIN = (str, int, bool, type(None))


def _encode_column(column: list[Any]) -> list[Any]:
    """A column of cells as :func:`_encode` would give them, cell by cell only where needed."""
    if all(type(value) in _PLAIN for value in column):
        return column  # JSON already keeps these exactly as they are
    # A column repeats few distinct values (dates, rates, category lists): encode each once.
    # The key is the repr, not the value: Decimal("0.10") == Decimal("0.1") but must stay apart.
    seen: dict[tuple[type, str], Any] = {}
    out = []
    for value in column:
        key = (type(value), repr(value))
        if key not in seen:
            seen[key] = _encode(value)
        out.append(seen[key])
    return out


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$float": float,
    "$decimal": Decimal,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$timedelta": lambda parts: timedelta(*parts),
    "$tuple": lambda items: tuple(_decode(v) for v in items),
    "$dict": lambda pairs: {_decode(k): _decode(v) for k, v in pairs},
}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        ((tag, inner),) = value.items()
        return _DECODERS[tag](inner)
    return value


def encode_submissions(submissions: Submissions) -> str:
    """The submissions as canonical JSON, from which :func:`decode_submissions` rebuilds them
    exactly: every column with its dtype, every cell with its type (Decimal, date, tuple, …),
    the issues, and where they were read from."""
    import pandas as pd

    frame = submissions.frame
    columns = [str(name) for name in frame.columns]
    if len(set(columns)) != len(columns) or not frame.index.equals(pd.RangeIndex(len(frame))):
        raise TypeError("submissions frame must have unique columns and a default index")
    values = [_encode_column(frame[name].tolist()) for name in frame.columns]
    document = {
        "format": DATASET_FORMAT,
        "file": submissions.file, "sheet": submissions.sheet,
        "header_row": submissions.header_row, "plan_year": submissions.plan_year,
        "input_sha256": submissions.sha256,
        "extra_columns": list(submissions.extra_columns),
        "headers": dict(submissions.headers),
        "issues": [found.as_dict() for found in submissions.issues],
        "columns": [{"name": name, "dtype": str(frame[name].dtype)} for name in columns],
        "rows": [list(row) for row in zip(*values, strict=True)] if values else
        [[] for _ in range(len(frame))],
    }
    return canonical(document)


def decode_submissions(content: str) -> Submissions:
    import pandas as pd

    from allocator.errors import Issue
    from allocator.submissions import Submissions

    document = json.loads(content)
    if document.get("format") != DATASET_FORMAT:
        raise ValueError(f"unknown dataset format {document.get('format')!r}")
    columns = document["columns"]
    rows = [[_decode(cell) for cell in row] for row in document["rows"]]
    frame = pd.DataFrame({
        spec["name"]: pd.Series([row[i] for row in rows], dtype=spec["dtype"])
        for i, spec in enumerate(columns)
    })
    if not columns:
        frame = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    issues = [Issue.from_dict(d) for d in document["issues"]]
    return Submissions(frame, issues, document["file"], document["sheet"],
                       document["header_row"], document["plan_year"],
                       document["input_sha256"], list(document["extra_columns"]),
                       dict(document["headers"]))


# -- where the store lives --------------------------------------------------------------------
def default_path() -> Path:
    """``$ALLOCATOR_DB`` if set, else ``allocator.sqlite3`` in the user's data directory."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("allocator")) / FILE_NAME


def current_user() -> str:
    """The operating-system user, for records made without ``--by``."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def now() -> str:
    """Now in UTC, ISO 8601 with its offset (``+00:00``): unambiguous on any machine. People
    see it converted to Beijing time (:func:`allocator.clock.shown`)."""
    from allocator.clock import now_utc

    return now_utc()


def _marked_read_only(target: Path) -> bool:
    """The store file or its folder has no write permission (an archived store).

    Permission bits are read as well as ``os.access``: an administrator may write anything, but
    a store marked read-only is still treated as the archive it is.
    """
    for place in ([target] if target.exists() else []) + [target.parent]:
        try:
            mode = place.stat().st_mode
        except OSError:
            continue
        if not os.access(place, os.W_OK) or not mode & 0o222:
            return True
    return False


def _check_file(target: Path) -> None:
    """Refuse an existing file that cannot be a store, before SQLite touches it."""
    try:
        with target.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as problem:
        raise StoreError("db_unreadable", path=str(target), reason=str(problem)) from None
    if not head:
        raise TamperedError("store_empty", path=str(target))
    if head != SQLITE_MAGIC:
        raise StoreError("not_a_store", path=str(target))


def _damaged(target: Path, problem: sqlite3.DatabaseError) -> StoreError:
    """The words for a SQLite error on a file that starts like a database."""
    reason = str(problem)
    if isinstance(problem, sqlite3.OperationalError) and ("locked" in reason or "busy" in reason
                                                          or "readonly" in reason):
        return StoreError("db_unreadable", path=str(target), reason=reason)
    return TamperedError("store_damaged", path=str(target), reason=reason)


def _shown(stamp: str) -> str:
    """A stored time as people read it (Beijing time), for messages."""
    from allocator.clock import shown

    return shown(stamp)


def subject_id(subject: Any, kind: str) -> int | None:
    """The id in an audit subject such as ``run:7``; None for anything else."""
    if not isinstance(subject, str):
        return None
    prefix, _, number = subject.partition(":")
    if prefix != kind or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def _last_logged_run(db: sqlite3.Connection) -> int:
    found = 0
    for (subject,) in db.execute("SELECT subject FROM audit WHERE action = 'solve'"):
        found = max(found, subject_id(subject, "run") or 0)
    return found


# -- the store --------------------------------------------------------------------------------
class Store:
    """One SQLite store file; open with :meth:`Store.open`, use as a context manager.

    A store object may be shared between threads (the app's sessions); each process opens its
    own. Every write is one transaction.
    """

    #: Test seam: called inside the approval transaction, after the approval row is written
    #: and before the audit entry and the commit. Raising there must leave nothing behind.
    on_approval_write: Callable[[], None] | None = None

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path
        self._lock = threading.RLock()
        self.read_only = False

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, *, by: str | None = None,
             read_only: bool = False, writable: bool = True) -> Store:
        """Open (creating or upgrading) the store at ``path``, ``$ALLOCATOR_DB`` or the default.

        Only a missing file is created: an empty file, a damaged store (:class:`TamperedError`)
        or a file that is not an allocator store (:class:`StoreError`) is refused, untouched.
        A store marked read-only (its file or folder without write permission, as an archived
        copy is) is opened read-only when ``writable`` is False (``runs``, ``verify``,
        ``export``) and refused in words when ``writable`` is True, before anything is done.
        ``read_only`` opens read-only in any case. A store written by a newer allocator is
        refused, untouched.
        """
        explicit = path is not None and str(path).strip() != ""
        target = Path(str(path)).expanduser() if explicit else default_path()
        shown = str(target)
        if target.is_dir():
            raise StoreError("db_is_dir", path=shown)
        if not target.parent.is_dir():
            if explicit or os.environ.get(ENV_VAR, "").strip():
                raise StoreError("db_dir_missing", path=shown, folder=str(target.parent))
            if read_only or not writable:
                raise StoreError("db_missing", path=shown)
            target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            if read_only or not writable:
                raise StoreError("db_missing", path=shown)
            cls._create(target, by or current_user())
        _check_file(target)
        locked = read_only or _marked_read_only(target)
        if locked and writable and not read_only:
            raise StoreError("db_read_only", path=shown)
        try:
            if locked:
                uri = f"{target.resolve().as_uri()}?mode=ro&immutable=1"
                connection = sqlite3.connect(uri, uri=True, isolation_level=None,
                                             check_same_thread=False)
            else:
                connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000,
                                             isolation_level=None, check_same_thread=False)
        except sqlite3.Error as problem:
            raise StoreError("db_unreadable", path=shown, reason=str(problem)) from None
        store = cls(connection, target)
        store.read_only = locked
        try:
            if locked:
                store._prepare_read_only()
            else:
                store._prepare_patiently(by or current_user())
            store._check_tables()
        except StoreError:
            connection.close()
            raise
        except sqlite3.DatabaseError as problem:
            connection.close()
            raise _damaged(target, problem) from None
        return store

    @classmethod
    def _create(cls, target: Path, actor: str) -> None:
        """Make a new store beside ``target`` and link it into place only if there is still
        no file there: a file that appears meanwhile (another process's store) is never
        replaced, and no process ever sees a half-made store."""
        import tempfile

        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new",
                                            dir=target.parent)
        except OSError as problem:  # a full disk, a folder that refuses new files, …
            raise StoreError("db_unreadable", path=str(target),
                             reason=problem.strerror or str(problem)) from None
        os.close(handle)
        fresh = Path(name)
        try:
            connection = sqlite3.connect(fresh, isolation_level=None)
            try:
                store = cls(connection, fresh)
                store._prepare(actor, creating=True)
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(fresh, 0o666 & ~mask)  # as SQLite would create it, not mkstemp's 0600
            try:
                os.link(fresh, target)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not target.exists():
                    os.replace(fresh, target)
        except sqlite3.Error as problem:
            raise StoreError("db_unreadable", path=str(target), reason=str(problem)) from None
        except OSError as problem:
            raise StoreError("db_unreadable", path=str(target),
                             reason=problem.strerror or str(problem)) from None
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{fresh}{suffix}").unlink(missing_ok=True)

    def _prepare_patiently(self, actor: str) -> None:
        """:meth:`_prepare`, tried again while another process holds the file (it creates or
        migrates the schema, or switches it to WAL): SQLite may answer "locked" at once there,
        without waiting for the busy timeout."""
        deadline = monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._prepare(actor)
                return
            except sqlite3.OperationalError as problem:
                busy = "locked" in str(problem) or "busy" in str(problem)
                if not busy or monotonic() > deadline:
                    raise
                sleep(0.05)

    def _prepare(self, actor: str, *, creating: bool = False) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        header = self._header()
        if header == (0, 0, 0) and not creating:
            # A store is only ever created whole (Store._create): an empty database here
            # is a store whose content was removed, never a place to start again.
            raise TamperedError("store_empty", path=str(self.path))
        self._check_version(*header)
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError("db_unreadable", path=str(self.path),
                             reason=f"journal_mode={mode}")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        if self._header()[0] < schema_version():
            self._migrate(actor)

    def _prepare_read_only(self) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        version, application, objects = self._header()
        if application == 0 and version == 0 and objects == 0:
            raise TamperedError("store_empty", path=str(self.path))
        self._check_version(version, application, objects)
        if version < schema_version():
            raise StoreError("read_only_old", path=str(self.path), found=version,
                             known=schema_version())

    def _check_tables(self) -> None:
        """A table of the schema is missing: the file was altered (:class:`TamperedError`)."""
        present = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [name for name in TABLES if name not in present]
        if missing:
            raise TamperedError("tables_missing", path=str(self.path), tables=", ".join(missing))

    def _header(self) -> tuple[int, int, int]:
        # One statement, so one snapshot: three separate reads could see another process's
        # new tables but not yet its application id, and call a fresh store a foreign file.
        row = self._db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT application_id FROM pragma_application_id),"
            " (SELECT count(*) FROM sqlite_master)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def _check_version(self, version: int, application: int, objects: int) -> None:
        shown = str(self.path)
        if application != APPLICATION_ID and (application != 0 or version or objects):
            raise StoreError("not_a_store", path=shown)
        if version > schema_version():
            raise StoreError("future_version", path=shown, found=version,
                             known=schema_version())

    def _migrate(self, actor: str) -> None:
        with self._write():
            # Another process may have migrated while this one waited for the lock.
            version, application, objects = self._header()
            self._check_version(version, application, objects)
            for number in range(version + 1, schema_version() + 1):
                for statement in MIGRATIONS[number - 1]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            if version < schema_version():
                self._audit("migrate", "store", {"from": version, "to": schema_version(),
                                                 "allocator": __version__}, actor)

    @property
    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue, not deadlock."""
        if self.read_only:
            raise StoreError("db_read_only", path=str(self.path))
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as problem:  # locked beyond the busy timeout, …
                raise StoreError("db_unreadable", path=str(self.path),
                                 reason=str(problem)) from None
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as problem:  # disk full, I/O error, …
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError("db_unreadable", path=str(self.path),
                                 reason=str(problem)) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs (WAL readers never block writers)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    def _audit_head(self) -> str:
        row = self._db.execute("SELECT sha256 FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        return row["sha256"] if row else GENESIS

    def _audit(self, action: str, subject: str, detail: dict[str, Any], actor: str,
               at: str | None = None) -> int:
        """Append to the audit log; call inside a write transaction."""
        last = self._db.execute("SELECT id, sha256 FROM audit ORDER BY id DESC LIMIT 1")
        row = last.fetchone()
        entry_id, prev = (row["id"] + 1, row["sha256"]) if row else (1, GENESIS)
        at, blob = at or now(), canonical(detail)
        digest = _audit_hash(entry_id, at, actor, action, subject, blob, prev)
        self._db.execute(
            "INSERT INTO audit (id, at, actor, action, subject, detail, prev_sha256, sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, at, actor, action, subject, blob, prev, digest))
        return entry_id

    # -- datasets and scenarios -----------------------------------------------------------------
    def _save_dataset(self, submissions: Submissions, actor: str) -> tuple[int, str]:
        content = encode_submissions(submissions)
        digest = sha256_text(content)
        row = self._db.execute("SELECT id FROM datasets WHERE sha256 = ?", (digest,)).fetchone()
        if row:
            return row["id"], digest
        at = now()
        cursor = self._db.execute(
            "INSERT INTO datasets (sha256, input_sha256, file, sheet, rows, content, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (digest, submissions.sha256, submissions.file, submissions.sheet,
             len(submissions), content, at, actor))
        dataset_id = int(cursor.lastrowid or 0)
        self._audit("create", f"dataset:{dataset_id}",
                    {"sha256": digest, "file": submissions.file, "rows": len(submissions),
                     "input_sha256": submissions.sha256, "sheet": submissions.sheet,
                     "created_at": at}, actor, at)
        return dataset_id, digest

    def _save_scenario(self, scenario: Scenario, actor: str) -> tuple[int, str]:
        from allocator.scenario import dump_scenario, parse_scenario, scenario_sha256

        digest = scenario_sha256(scenario)
        row = self._db.execute("SELECT id FROM scenarios WHERE sha256 = ?",
                               (digest,)).fetchone()
        if row:
            return row["id"], digest
        source = dump_scenario(scenario)
        if scenario_sha256(parse_scenario(source)) != digest:  # a bug: the TOML is lossy
            raise ValueError("the scenario does not survive dump_scenario/parse_scenario")
        name = scenario.scenario.name
        at = now()
        cursor = self._db.execute(
            "INSERT INTO scenarios (sha256, name, toml, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?)", (digest, name, source, at, actor))
        scenario_id = int(cursor.lastrowid or 0)
        self._audit("create", f"scenario:{scenario_id}",
                    {"sha256": digest, "name": name, "created_at": at}, actor, at)
        return scenario_id, digest

    def save_scenario(self, scenario: Scenario, *, by: str | None = None) -> int:
        """Keep a scenario (once per content); returns its id."""
        with self._write():
            return self._save_scenario(scenario, by or current_user())[0]

    def scenarios(self) -> list[ScenarioRecord]:
        """Saved scenarios, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, name, sha256, toml, created_at, created_by "
                                    "FROM scenarios ORDER BY id DESC").fetchall()
        return [ScenarioRecord(**dict(row)) for row in rows]

    def scenario(self, scenario_id: int) -> Scenario:
        """A saved scenario, checked against its hash."""
        with self._lock:
            row = self._db.execute("SELECT * FROM scenarios WHERE id = ?",
                                   (scenario_id,)).fetchone()
        if row is None:
            raise StoreError("unknown_scenario", scenario=scenario_id, path=str(self.path))
        return self._parse_scenario(row)

    def _parse_scenario(self, row: sqlite3.Row) -> Scenario:
        from allocator.errors import InputError
        from allocator.scenario import parse_scenario, scenario_sha256

        try:
            scenario = parse_scenario(row["toml"], file=f"scenario:{row['id']}")
        except InputError:
            scenario = None
        if scenario is None or scenario_sha256(scenario) != row["sha256"]:
            raise TamperedError("scenario_altered", scenario=row["id"], name=row["name"])
        return scenario

    # -- runs -----------------------------------------------------------------------------------
    def record_run(self, submissions: Submissions, scenario: Scenario, plan: Plan,
                   result: dict[str, Any] | None = None, *, by: str | None = None) -> int:
        """Keep a solved plan with its dataset and scenario; returns the run id.

        ``result`` is :func:`~allocator.plan.plan_json` of ``plan`` (computed when omitted).
        """
        from allocator.plan import plan_json, plan_sha256

        actor = by or current_user()
        result = dict(plan_json(plan) if result is None else result)
        result.pop("run_id", None)
        if (result["input_sha256"] != submissions.sha256
                or result["plan_sha256"] != plan_sha256(plan)
                or result["plan_sha256"] != result_plan_hash(result, plan.ortools_version)):
            raise ValueError("the result does not belong to these submissions and plan")
        blob = canonical(result)
        with self._write():
            dataset_id, dataset_sha = self._save_dataset(submissions, actor)
            scenario_id, scenario_sha = self._save_scenario(scenario, actor)
            if result["scenario_sha256"] != scenario_sha:
                raise ValueError("the result does not belong to this scenario")
            row = {"status": result["status"], "allocated": int(result["allocated"]),
                   "plan_sha256": result["plan_sha256"], "result_sha256": sha256_text(blob),
                   "allocator_version": __version__, "ortools_version": plan.ortools_version,
                   "created_at": now(), "created_by": actor}
            # Never reuse a run id, also not one whose record was removed behind the store's
            # back: the audit log remembers every run ever recorded.
            row["id"] = max(self._db.execute("SELECT coalesce(max(id), 0) FROM runs")
                            .fetchone()[0], _last_logged_run(self._db)) + 1
            record_sha = _record_hash(row, dataset_sha, scenario_sha)
            self._db.execute(
                "INSERT INTO runs (id, dataset_id, scenario_id, status, allocated, plan_sha256,"
                " result, result_sha256, allocator_version, ortools_version, created_at,"
                " created_by, record_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row["id"], dataset_id, scenario_id, row["status"], row["allocated"],
                 row["plan_sha256"], blob, row["result_sha256"], row["allocator_version"],
                 row["ortools_version"], row["created_at"], actor, record_sha))
            self._audit("solve", f"run:{row['id']}",
                        {"dataset": dataset_id, "scenario": scenario_id,
                         "status": row["status"], "allocated": row["allocated"],
                         "plan_sha256": row["plan_sha256"], "record_sha256": record_sha},
                        actor, row["created_at"])
        return int(row["id"])

    _RUNS = """
        SELECT r.id, r.created_at, r.created_by, r.dataset_id, d.file AS dataset_file,
               r.scenario_id, s.name AS scenario_name, r.status, r.allocated, r.plan_sha256,
               r.allocator_version, r.ortools_version,
               a.approver, a.approved_at, a.note, a.chain_sha256, a.plan_year, a.supersedes,
               a.reason, (SELECT b.run_id FROM approvals b WHERE b.supersedes = r.id
                          AND a.id IS NOT NULL ORDER BY b.id LIMIT 1) AS superseded_by
        FROM runs r JOIN datasets d ON d.id = r.dataset_id JOIN scenarios s ON s.id = r.scenario_id
        LEFT JOIN approvals a ON a.run_id = r.id"""

    @staticmethod
    def _run_record(row: sqlite3.Row) -> RunRecord:
        from allocator.plan import ApprovalInfo

        approval = None if row["approver"] is None else ApprovalInfo(
            run_id=row["id"], approver=row["approver"], approved_at=row["approved_at"],
            note=row["note"], chain_sha256=row["chain_sha256"], plan_year=row["plan_year"],
            supersedes=row["supersedes"], reason=row["reason"] or "",
            superseded_by=row["superseded_by"])
        fields = {name: row[name] for name in (
            "id", "created_at", "created_by", "dataset_id", "dataset_file", "scenario_id",
            "scenario_name", "status", "allocated", "plan_sha256", "allocator_version",
            "ortools_version")}
        return RunRecord(**fields, approval=approval)

    def runs(self) -> list[RunRecord]:
        """Every recorded run, newest first."""
        with self._lock:
            rows = self._db.execute(self._RUNS + " ORDER BY r.id DESC").fetchall()
        return [self._run_record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord:
        """One run; :class:`StoreError` when there is none with this id."""
        with self._lock:
            row = self._db.execute(self._RUNS + " WHERE r.id = ?", (run_id,)).fetchone()
        if row is None:
            raise StoreError("unknown_run", run=run_id, path=str(self.path))
        return self._run_record(row)

    def load_run(self, run_id: int) -> StoredRun:
        """A run's submissions, scenario and result as stored, each checked against its hash
        (:class:`TamperedError` when one was altered)."""
        with self._read() as db:
            row = db.execute(self._RUNS + " WHERE r.id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError("unknown_run", run=run_id, path=str(self.path))
            data = db.execute(
                "SELECT r.result, r.result_sha256, d.id AS dataset_id, d.content, d.file,"
                " d.sha256 AS dataset_sha256, s.id, s.name, s.toml, s.sha256 FROM runs r"
                " JOIN datasets d ON d.id = r.dataset_id JOIN scenarios s ON s.id = r.scenario_id"
                " WHERE r.id = ?", (run_id,)).fetchone()
        record = self._run_record(row)
        if sha256_text(data["content"]) != data["dataset_sha256"]:
            raise TamperedError("dataset_altered", dataset=data["dataset_id"],
                                file=data["file"], runs=run_id)
        if sha256_text(data["result"]) != data["result_sha256"]:
            raise TamperedError("result_altered", run=run_id)
        result = json.loads(data["result"])
        if result_plan_hash(result, record.ortools_version) != record.plan_sha256:
            raise TamperedError("result_altered", run=run_id)
        scenario = self._parse_scenario(data)
        submissions = decode_submissions(data["content"])
        return StoredRun(record, submissions, scenario, {**result, "run_id": run_id})

    def replay(self, run_id: int) -> Replay:
        """Solve a stored run again, with its stored solver parameters.

        ``replay.same`` says whether the new plan has the stored ``plan_sha256``. When the
        installed OR-Tools is newer than the one that solved the run, the new allocations are
        hashed with the stored version (the allocations, not the version, are what must match).
        """
        from allocator.model import SolveOptions, solve
        from allocator.plan import plan_sha256
        from allocator.policy import build_problem

        stored = self.load_run(run_id)
        parameters = (stored.result.get("solver") or {}).get("parameters") or {}
        options = SolveOptions(workers=int(parameters.get("num_workers", 1)),
                               seed=int(parameters.get("random_seed", 0)),
                               time_limit_s=float(parameters.get("max_time_in_seconds", 120)))
        from allocator.screening import screening_from_result

        # A run screened against a roster is solved again with the counts it kept per
        # employer (docs/columns.md): the store holds no applicant.
        screening = screening_from_result(stored.result, stored.scenario.roster,
                                          stored.submissions.plan_year)
        plan = solve(build_problem(stored.submissions, stored.scenario, screening), options)
        fresh = plan_sha256(plan)
        compared = fresh
        if plan.ortools_version != stored.record.ortools_version:
            allocation = [] if plan.allocation is None else [int(x) for x in plan.allocation]
            compared = plan_hash(
                input_sha256=plan.problem.input_sha256,
                scenario_sha256=plan.problem.scenario_sha256,
                ortools=stored.record.ortools_version, method=plan.problem.method.value,
                status=plan.status.value,
                allocations=list(zip(plan.problem.column("credit_code"), allocation,
                                     strict=False)),
                roster_sha256=None if screening is None else screening.sha256)
        return Replay(stored, plan, fresh, compared)

    # -- approvals ------------------------------------------------------------------------------
    def approve(self, run_id: int, approver: str, note: str = "", *,
                supersede: int | None = None, reason: str = "") -> ApprovalInfo:
        """Approve a run's plan: one transaction, permanent, linked into the approval chain.

        One plan per plan year: when another is approved for the run's year, ``supersede``
        must name that run and ``reason`` say why; the old approval stays in the chain,
        marked as superseded. Refused (:class:`StoreError`) for an unknown, infeasible or
        already approved run, and (:class:`TamperedError`) for a run whose stored plan no
        longer matches its hashes.
        """
        from allocator.plan import ApprovalInfo

        approver = check_approver(approver)
        note, reason = note.strip(), reason.strip()
        check_text(Text(zh="审批备注", en="approval note"), note, MAX_NOTE, "\n")
        check_text(Text(zh="取代理由", en="reason"), reason, MAX_NOTE, "\n")
        if supersede is not None and not reason:
            raise StoreError("reason_needed", run=supersede)
        if supersede is None and reason:
            raise StoreError("reason_without_supersede")
        with self._write() as db:
            # Never approve in an altered store: the whole store verifies first, inside the
            # transaction, so nothing can change between the check and the approval.
            report = _Verifier(db).run()
            if not report.ok:
                raise StoreAltered(report)
            row = db.execute(
                "SELECT r.*, d.sha256 AS dataset_sha256, d.file AS dataset_file,"
                " d.content AS dataset_content, s.sha256 AS scenario_sha256 FROM runs r"
                " JOIN datasets d ON d.id = r.dataset_id JOIN scenarios s ON s.id = r.scenario_id"
                " WHERE r.id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError("unknown_run", run=run_id, path=str(self.path))
            done = db.execute("SELECT approver, approved_at FROM approvals WHERE run_id = ?",
                              (run_id,)).fetchone()
            if done is not None:
                raise StoreError("already_approved", run=run_id, approver=done["approver"],
                                 at=_shown(done["approved_at"]))
            if row["status"] == "infeasible":
                raise StoreError("approve_infeasible", run=run_id)
            # Never approve a plan that is not what was recorded.
            if sha256_text(row["dataset_content"]) != row["dataset_sha256"]:
                raise TamperedError("dataset_altered", dataset=row["dataset_id"],
                                    file=row["dataset_file"], runs=run_id)
            scenario = self._parse_scenario(db.execute(
                "SELECT * FROM scenarios WHERE id = ?", (row["scenario_id"],)).fetchone())
            result = json.loads(row["result"])
            if (sha256_text(row["result"]) != row["result_sha256"]
                    or result_plan_hash(result, row["ortools_version"]) != row["plan_sha256"]
                    or _record_hash(row, row["dataset_sha256"], row["scenario_sha256"])
                    != row["record_sha256"]):
                raise TamperedError("result_altered", run=run_id)
            year = scenario.scenario.year
            if year is None:
                year = json.loads(row["dataset_content"]).get("plan_year")
            year = None if year is None else int(year)
            self._check_year(db, run_id, year, supersede)
            last = db.execute("SELECT chain_sha256 FROM approvals ORDER BY id DESC LIMIT 1")
            previous = last.fetchone()
            prev = previous["chain_sha256"] if previous else GENESIS
            allocations = canonical(result_allocations(result))
            at = now()
            audit_head = self._audit_head()
            version = APPROVAL_FORMAT
            chain = _chain_hash(
                run_id=run_id, approver=approver, approved_at=at, note=note,
                plan_sha256=row["plan_sha256"], result_sha256=row["result_sha256"],
                dataset_sha256=row["dataset_sha256"], scenario_sha256=row["scenario_sha256"],
                allocations=allocations, prev_sha256=prev, format=version, plan_year=year,
                supersedes=supersede, reason=reason, audit_sha256=audit_head)
            db.execute(
                "INSERT INTO approvals (run_id, approver, approved_at, note, plan_sha256,"
                " allocations, prev_sha256, chain_sha256, format, plan_year, supersedes,"
                " reason, audit_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, approver, at, note, row["plan_sha256"], allocations, prev, chain,
                 version, year, supersede, reason, audit_head))
            if self.on_approval_write is not None:
                self.on_approval_write()
            self._audit("approve", f"run:{run_id}",
                        {"approver": approver, "note": note, "plan_sha256": row["plan_sha256"],
                         "chain_sha256": chain, "plan_year": year, "supersedes": supersede,
                         "reason": reason}, approver, at)
        return ApprovalInfo(run_id=run_id, approver=approver, approved_at=at, note=note,
                            chain_sha256=chain, plan_year=year, supersedes=supersede,
                            reason=reason)

    @staticmethod
    def _check_year(db: sqlite3.Connection, run_id: int, year: int | None,
                    supersede: int | None) -> None:
        """One approved plan per plan year; another only by superseding it, with a reason."""
        current = db.execute(
            "SELECT run_id, approver, approved_at FROM approvals a WHERE plan_year IS ?"
            " AND NOT EXISTS (SELECT 1 FROM approvals b WHERE b.supersedes = a.run_id)"
            " ORDER BY id DESC LIMIT 1", (year,)).fetchone()
        shown_year = "-" if year is None else year
        if current is None:
            if supersede is not None:
                raise StoreError("nothing_to_supersede", run=supersede, year=shown_year)
            return
        if supersede is None:
            raise StoreError("year_approved", year=shown_year, run=current["run_id"],
                             approver=current["approver"], at=_shown(current["approved_at"]),
                             new=run_id)
        if supersede != current["run_id"]:
            raise StoreError("supersede_wrong", run=supersede, year=shown_year,
                             current=current["run_id"])

    def approval(self, run_id: int) -> ApprovalInfo | None:
        return self.run(run_id).approval

    def log_export(self, run_id: int, path: str | Path, *, by: str | None = None,
                   before_commit: Callable[[], None] | None = None) -> None:
        """Record in the audit log that a run's plan was exported.

        ``before_commit`` (e.g. renaming the written file into place) runs inside the
        transaction: when it fails, nothing is logged.
        """
        record = self.run(run_id)
        with self._write():
            self._audit("export", f"run:{run_id}",
                        {"path": str(Path(path).resolve()), "plan_sha256": record.plan_sha256},
                        by or current_user())
            if before_commit is not None:
                before_commit()

    def current_approval(self, year: int | None) -> ApprovalInfo | None:
        """The plan year's approved plan that nothing superseded (None when there is none)."""
        with self._lock:
            row = self._db.execute(
                "SELECT run_id FROM approvals a WHERE plan_year IS ? AND NOT EXISTS"
                " (SELECT 1 FROM approvals b WHERE b.supersedes = a.run_id)"
                " ORDER BY id DESC LIMIT 1", (year,)).fetchone()
        return None if row is None else self.run(int(row[0])).approval

    def check_intact(self) -> None:
        """:class:`StoreAltered` unless the whole store verifies (before an approved export)."""
        report = self.verify()
        if not report.ok:
            raise StoreAltered(report)

    def approval_by_chain(self, chain_sha256: str) -> ApprovalInfo | None:
        """The approval whose chain hash is ``chain_sha256``, if the store holds it."""
        with self._lock:
            row = self._db.execute("SELECT run_id FROM approvals WHERE chain_sha256 = ?",
                                   (chain_sha256,)).fetchone()
        return None if row is None else self.run(int(row[0])).approval

    def verify_against(self, heads: Sequence[tuple[str, str]],
                       report: VerifyReport | None = None) -> VerifyReport:
        """:meth:`verify`, and each ``(label, chain head)`` — read from an approved export —
        must be an approval the store still holds (with everything before it, which the chain
        check covers). A restored older copy, a truncated or replaced store fails here."""
        report = self.verify() if report is None else report
        for label, head in heads:
            if self.approval_by_chain(head) is None:
                report.findings.append(Finding("against", text(
                    "record.verify.against", file=label, head=head[:16])))
        return report

    def audit(self) -> list[AuditEntry]:
        """The audit log, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM audit ORDER BY id").fetchall()
        return [AuditEntry(row["id"], row["at"], row["actor"], row["action"], row["subject"],
                           json.loads(row["detail"]), row["sha256"]) for row in rows]

    # -- verification ---------------------------------------------------------------------------
    def verify(self, *, resolve: bool = False) -> VerifyReport:
        """Recompute every hash and both chains; ``resolve`` also re-solves every run.

        Each :class:`Finding` names the runs whose plans it concerns.
        """
        with self._read() as db:
            report = _Verifier(db, thorough=resolve).run()
        if resolve and not any(f.code == "damaged_rest" for f in report.findings):
            for run_id in [r.id for r in self.runs()]:
                if run_id in report.altered_runs:
                    continue
                try:
                    replay = self.replay(run_id)
                except TamperedError as problem:
                    report.findings.append(Finding(problem.code, problem.message, (run_id,)))
                    continue
                if not replay.same:
                    report.findings.append(Finding("replay", text(
                        "store.verify.replay", run=run_id, new=replay.compared_sha256[:12],
                        stored=replay.stored.record.plan_sha256[:12]), (run_id,)))
        return report


class _Verifier:
    """Every check of :meth:`Store.verify`, over one read snapshot.

    Each table is read once, row by row; each stored result is hashed and parsed once. Every
    row of every table is tied to a hash: datasets and scenarios to their content hash and to
    their ``create`` audit entry, runs to their record hash and their ``solve`` entry,
    approvals to the approval chain and their ``approve`` entry, the audit log to its own
    chain. A row that cannot even be read is reported, never raised.
    """

    def __init__(self, db: sqlite3.Connection, *, thorough: bool = False):
        self.db = db
        self.thorough = thorough  # parse every stored result, not only approved ones
        self.findings: list[Finding] = []
        self.approvals = 0
        #: (kind, id) → the audit entries naming it, as (action, actor, at, detail, prev)
        self.logged: dict[tuple[str, int], list[tuple[str, str, str, dict[str, Any], str]]] = {}
        self.audit_hashes: set[str] = set()

    def add(self, code: str, runs: Sequence[int] = (), /, **params: Any) -> None:
        key = f"store.verify.{code}" if code in _OLD_FINDINGS else f"record.verify.{code}"
        self.findings.append(Finding(code, text(key, **params), tuple(runs)))

    def run(self) -> VerifyReport:
        db = self.db
        integrity = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
        if integrity != ["ok"]:
            self.add("integrity", detail="; ".join(integrity[:5]))
        try:
            self.check_schema()
            audit = self.check_audit()
            datasets = self.check_datasets()
            scenarios = self.check_scenarios()
            runs = self.check_runs(datasets, scenarios)
            head = self.check_approvals(runs)
            self.check_log_references(runs, datasets, scenarios)
        except sqlite3.DatabaseError as problem:
            # Pages too damaged for SQLite to read on (text that is no longer UTF-8, a broken
            # b-tree): what was found so far is reported, and that the rest could not be read.
            self.add("damaged_rest", reason=_short_reason(problem))
            return VerifyReport({}, self.findings)
        counts = {"datasets": len(datasets), "scenarios": len(scenarios), "runs": len(runs),
                  "approvals": self.approvals, "audit": audit}
        return VerifyReport(counts, self.findings, head)

    def check_schema(self) -> None:
        expected = _guard_triggers()
        present = {row["name"]: " ".join(str(row["sql"]).split()) for row in self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
        for name, sql in expected.items():
            if present.get(name) != sql:
                self.add("trigger", name=name)
        for name in sorted(present.keys() - expected.keys()):
            self.add("trigger_extra", name=name)
        views = [row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'view'")]
        for name in views:
            self.add("object_extra", name=name)
        tables = {row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        for name in sorted(tables - _schema_tables() - {"sqlite_sequence", "sqlite_stat1"}):
            self.add("object_extra", name=name)
        if "sqlite_sequence" in tables:
            given = {str(row[0]): row[1] for row in self.db.execute(
                "SELECT name, seq FROM sqlite_sequence")}
            for table in ("approvals", "audit"):
                highest = self.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
                written = given.get(table, 0)
                if not isinstance(written, int) or written < highest:
                    # SQLite's counter itself was lowered, removed or overwritten
                    self.add("sequence_behind", table=table, written=visible_text(written),
                             present=highest)
                elif written > highest:
                    self.add("sequence", table=table, highest=written, present=highest)
        else:
            self.add("object_missing", name="sqlite_sequence")

    # -- the audit log first: every other table is compared with it -------------------------
    def check_audit(self) -> int:
        prev, count, expected_id = GENESIS, 0, 1
        for row in self.db.execute("SELECT * FROM audit ORDER BY id"):
            count += 1
            try:
                digest = _audit_hash(row["id"], row["at"], row["actor"], row["action"],
                                     row["subject"], row["detail"], row["prev_sha256"])
            except (TypeError, ValueError):
                digest = ""
            if (row["prev_sha256"] != prev or digest != row["sha256"]
                    or row["id"] != expected_id):
                self.add("audit", entry=row["id"])
            prev = row["sha256"]
            expected_id = row["id"] + 1 if isinstance(row["id"], int) else expected_id + 1
            self.audit_hashes.add(str(row["sha256"]))
            try:
                detail = json.loads(row["detail"])
            except (TypeError, ValueError):
                detail = None
            if not isinstance(detail, dict):
                self.add("audit_detail", entry=row["id"])
                continue
            action, subject = row["action"], row["subject"]
            kind = {"solve": "run", "approve": "run", "export": "run"}.get(action)
            if action == "create":
                kind = str(subject).partition(":")[0]
                if kind not in ("dataset", "scenario"):
                    kind = None
            if kind is None:
                if action != "migrate" or subject != "store":
                    self.add("audit_subject", entry=row["id"], subject=visible_text(subject))
                continue
            number = subject_id(subject, kind)
            if number is None:
                self.add("audit_subject", entry=row["id"], subject=visible_text(subject))
                continue
            self.logged.setdefault((kind, number), []).append(
                (action, row["actor"], row["at"], detail, row["prev_sha256"]))
        self.audit_head = prev
        return count

    def entries(self, kind: str, number: int, action: str
                ) -> list[tuple[str, str, str, dict[str, Any], str]]:
        return [entry for entry in self.logged.get((kind, number), ()) if entry[0] == action]

    def users(self, column: str, key: int) -> list[int]:
        return [row[0] for row in self.db.execute(
            f"SELECT id FROM runs WHERE {column} = ? ORDER BY id", (key,))]

    def logged_as(self, kind: str, number: int, row: sqlite3.Row,
                  fields: dict[str, Any]) -> bool:
        """The row matches its one ``create`` entry (each field the entry records)."""
        entries = self.entries(kind, number, "create")
        if len(entries) != 1:
            return False
        _, actor, at, detail, _ = entries[0]
        if actor != row["created_by"]:
            return False
        if "created_at" in detail and (detail["created_at"] != row["created_at"]
                                       or at != row["created_at"]):
            return False
        return all(detail[name] == value for name, value in fields.items() if name in detail)

    def check_datasets(self) -> dict[int, str]:
        hashes: dict[int, str] = {}
        for row in self.db.execute("SELECT * FROM datasets"):
            hashes[row["id"]] = row["sha256"]
            try:
                intact = sha256_text(row["content"]) == row["sha256"]
                if intact:
                    document = json.loads(row["content"])
                    intact = (document["input_sha256"] == row["input_sha256"]
                              and document["file"] == row["file"]
                              and document["sheet"] == row["sheet"]
                              and len(document["rows"]) == row["rows"])
                intact = intact and self.logged_as("dataset", row["id"], row, {
                    "sha256": row["sha256"], "file": row["file"], "rows": row["rows"],
                    "input_sha256": row["input_sha256"], "sheet": row["sheet"]})
            except (ValueError, KeyError, TypeError, AttributeError):
                intact = False
            if not intact:
                runs = self.users("dataset_id", row["id"])
                self.add("dataset", runs, dataset=row["id"], file=visible_text(row["file"]),
                         runs=_ids(runs))
        return hashes

    def check_scenarios(self) -> dict[int, str]:
        from allocator.errors import InputError
        from allocator.scenario import parse_scenario, scenario_sha256

        hashes: dict[int, str] = {}
        for row in self.db.execute("SELECT * FROM scenarios"):
            hashes[row["id"]] = row["sha256"]
            try:
                scenario = parse_scenario(row["toml"])
                intact = (scenario_sha256(scenario) == row["sha256"]
                          and scenario.scenario.name == row["name"]
                          and self.logged_as("scenario", row["id"], row,
                                             {"sha256": row["sha256"], "name": row["name"]}))
            except (InputError, ValueError, KeyError, TypeError, AttributeError):
                intact = False
            if not intact:
                runs = self.users("scenario_id", row["id"])
                self.add("scenario", runs, scenario=row["id"], name=visible_text(row["name"]),
                         runs=_ids(runs))
        return hashes

    def check_runs(self, datasets: dict[int, str],
                   scenarios: dict[int, str]) -> dict[int, dict[str, Any]]:
        """Every run, once: result hashed and parsed once, compared with its ``solve`` entry.
        Returns the few fields the approvals need (allocations only for approved runs)."""
        approved = {row[0] for row in self.db.execute("SELECT run_id FROM approvals")}
        inputs = {row[0]: row[1] for row in self.db.execute(
            "SELECT id, input_sha256 FROM datasets")}
        runs: dict[int, dict[str, Any]] = {}
        columns = [row[1] for row in self.db.execute("PRAGMA table_info(runs)")
                   if row[1] != "result"]
        # The result as bytes: hashed as stored, without decoding and re-encoding 0.5 MB.
        query = (f"SELECT {', '.join(columns)}, CAST(result AS BLOB) AS result FROM runs"
                 " ORDER BY id")
        for row in self.db.execute(query):
            run_id = row["id"]
            kept: dict[str, Any] = {name: row[name] for name in (
                "plan_sha256", "result_sha256", "dataset_id", "scenario_id")}
            kept["dataset_sha256"] = datasets.get(row["dataset_id"], "")
            kept["scenario_sha256"] = scenarios.get(row["scenario_id"], "")
            runs[run_id] = kept
            try:
                self.check_run(row, kept, inputs, approved)
            except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
                self.add("record", [run_id], run=run_id)
        return runs

    def check_run(self, row: sqlite3.Row, kept: dict[str, Any], inputs: dict[int, str],
                  approved: set[int]) -> None:
        run_id = row["id"]
        blob = row["result"] if isinstance(row["result"], bytes) else b""
        if hashlib.sha256(blob).hexdigest() != row["result_sha256"]:
            self.add("result", [run_id], run=run_id)
        elif run_id not in approved and not self.thorough and all(
                "record_sha256" in entry[3] for entry in self.entries("run", run_id, "solve")):
            # The text is exactly what was recorded (its hash is in the record hash, which is
            # in the audit chain): parsing 0.5 MB of JSON per run would add nothing but time.
            # Approved runs are parsed, for their plan hash and allocations, and so are runs
            # recorded before schema 2, whose audit entry does not hold the record hash.
            self.check_run_record(row, kept)
            return
        try:
            result = json.loads(blob)
            recomputed = result_plan_hash(result, row["ortools_version"])
        except (ValueError, KeyError, TypeError, AttributeError):
            self.add("unreadable", [run_id], run=run_id)
            return
        if run_id in approved:
            kept["allocations"] = result_allocations(result)
        if recomputed != row["plan_sha256"] or result.get("plan_sha256") != recomputed:
            self.add("plan", [run_id], run=run_id, stored=str(row["plan_sha256"])[:12],
                     recomputed=recomputed[:12])
        links = {
            "dataset": inputs.get(row["dataset_id"]) == result.get("input_sha256"),
            "scenario": kept["scenario_sha256"] == result.get("scenario_sha256"),
            "status": result.get("status") == row["status"]
            and result.get("allocated") == row["allocated"],
        }
        for what, intact in links.items():
            if not intact:
                self.add("link", [run_id], run=run_id, what=text(f"store.what.{what}"))
        self.check_run_record(row, kept)

    def check_run_record(self, row: sqlite3.Row, kept: dict[str, Any]) -> None:
        """The run's record hash, and the run against its ``solve`` entry in the audit log."""
        run_id = row["id"]
        if _record_hash(row, kept["dataset_sha256"], kept["scenario_sha256"]) != \
                row["record_sha256"]:
            self.add("record", [run_id], run=run_id)
        solves = self.entries("run", run_id, "solve")
        if not solves:
            self.add("run_unlogged", [run_id], run=run_id)
            return
        if len(solves) > 1:
            self.add("run_id_reused", [run_id], run=run_id, count=len(solves))
        _, actor, at, detail, _ = solves[-1]
        expected = {"dataset": row["dataset_id"], "scenario": row["scenario_id"],
                    "status": row["status"], "allocated": row["allocated"],
                    "plan_sha256": row["plan_sha256"], "record_sha256": row["record_sha256"]}
        same = actor == row["created_by"] and all(
            detail[name] == value for name, value in expected.items() if name in detail)
        if "record_sha256" in detail and at != row["created_at"]:
            same = False
        if not same:
            self.add("run_log", [run_id], run=run_id)

    def check_approvals(self, runs: dict[int, dict[str, Any]]) -> str:
        prev = GENESIS
        year_current: dict[Any, int] = {}
        for row in self.db.execute("SELECT * FROM approvals ORDER BY id"):
            self.approvals += 1
            run_id = row["run_id"]
            if row["prev_sha256"] != prev:
                self.add("chain", [run_id], approval=row["id"], run=run_id)
            prev = row["chain_sha256"]
            run = runs.get(run_id)
            if run is None:
                self.add("approved_run_missing", [run_id], run=run_id)
                continue
            try:
                chain = _chain_hash(
                    run_id=run_id, approver=row["approver"], approved_at=row["approved_at"],
                    note=row["note"], plan_sha256=run["plan_sha256"],
                    result_sha256=run["result_sha256"], dataset_sha256=run["dataset_sha256"],
                    scenario_sha256=run["scenario_sha256"], allocations=row["allocations"],
                    prev_sha256=row["prev_sha256"], format=row["format"],
                    plan_year=row["plan_year"], supersedes=row["supersedes"],
                    reason=row["reason"], audit_sha256=row["audit_sha256"])
            except (ValueError, TypeError, OverflowError):
                chain = ""
            intact = chain == row["chain_sha256"] and row["plan_sha256"] == run["plan_sha256"]
            if not intact:
                self.add("approval", [run_id], approval=row["id"], run=run_id)
            self.compare_seats(row, run.get("allocations"), reported=not intact)
            self.check_approval_log(row)
            if row["format"] != 1:
                year = row["plan_year"]
                current = year_current.get(year)
                if row["supersedes"] != current:
                    self.add("supersede", [run_id], run=run_id,
                             year="-" if year is None else year)
                year_current[year] = run_id
        return prev

    def check_approval_log(self, row: sqlite3.Row) -> None:
        run_id = row["run_id"]
        entries = self.entries("run", run_id, "approve")
        if not entries:
            self.add("approval_unlogged", [run_id], run=run_id)
            return
        _, actor, at, detail, audit_prev = entries[-1]
        same = (len(entries) == 1 and detail.get("chain_sha256") == row["chain_sha256"]
                and actor == row["approver"])
        if row["format"] != 1:
            same = same and at == row["approved_at"] and audit_prev == row["audit_sha256"]
        if not same:
            self.add("approval_log", [run_id], run=run_id)

    def compare_seats(self, row: sqlite3.Row, allocations: list[list[Any]] | None, *,
                      reported: bool) -> None:
        """Name the employers whose stored allocation differs from the approved one. Approved
        allocations that cannot be read are the approval's finding, unless ``reported``."""
        if allocations is None:
            return  # already reported as unreadable or altered
        run_id = row["run_id"]
        try:
            approved = {code: seats for code, seats in json.loads(row["allocations"])}
            stored = {code: seats for code, seats in allocations}
        except (ValueError, KeyError, TypeError):
            if not reported:
                self.add("approval", [run_id], approval=row["id"], run=run_id)
            return
        differing = [code for code in sorted(approved.keys() | stored.keys(), key=str)
                     if approved.get(code) != stored.get(code)]
        for code in differing[:DIFFS_LISTED]:
            self.add("seats", [run_id], run=run_id, code=code,
                     approved=approved.get(code, "-"), stored=stored.get(code, "-"))
        if len(differing) > DIFFS_LISTED:
            self.add("seats_more", [run_id], run=run_id, count=len(differing) - DIFFS_LISTED)

    def check_log_references(self, runs: dict[int, dict[str, Any]], datasets: dict[int, str],
                             scenarios: dict[int, str]) -> None:
        """Whatever the audit log recorded must still exist: a removed row is named."""
        approved = {row[0] for row in self.db.execute("SELECT run_id FROM approvals")}
        for (kind, number), entries in sorted(self.logged.items()):
            actions = {entry[0] for entry in entries}
            if kind == "run":
                if number not in runs and actions & {"solve", "approve", "export"}:
                    self.add("run_missing", [number], run=number)
                elif "approve" in actions and number not in approved:
                    self.add("approval_missing", [number], run=number)
            elif kind == "dataset" and number not in datasets:
                self.add("dataset_missing", dataset=number)
            elif kind == "scenario" and number not in scenarios:
                self.add("scenario_missing", scenario=number)


def _short_reason(problem: Exception, limit: int = 80) -> str:
    """SQLite's reason, cut short: it may quote a damaged row's text at length."""
    reason = " ".join(str(problem).split())
    return reason if len(reason) <= limit else reason[:limit] + "…"


#: Finding codes whose words predate issue 12 (``store.verify.*``); newer ones are
#: ``record.verify.*``.
_OLD_FINDINGS = frozenset({
    "integrity", "trigger", "dataset", "scenario", "result", "unreadable", "plan", "link",
    "record", "chain", "approved_run_missing", "approval", "seats", "seats_more", "audit",
    "approval_missing", "approval_unlogged", "replay"})


def visible_text(value: Any) -> str:
    from allocator.errors import visible

    return visible(str(value))[:80]


def _ids(runs: Sequence[int]) -> str:
    return ", ".join(str(r) for r in runs) or "-"
