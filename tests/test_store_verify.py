"""``allocator verify``: each of its findings, produced by a realistic tampering of a real store
(plain SQL on the file, behind the guards where the store guards itself) and named word for
word; then the store's other refusals that a mutation sample found unchecked. The expected
texts are written here by hand from what each finding must say.

Every test starts from a small store of its own (six employers, solved once; the store is built
anew for each test, in milliseconds, so that mutmut relates every test to the store functions
that built its store — a module-scoped store would be recorded for the first test alone):

====  =========================  ==========================================
 id    audit entry                what
====  =========================  ==========================================
 1     migrate store              the store created by planner
 2     create dataset:1           the six employers
 3     create scenario:1          cap 20
 4     solve run:1                cap 20, by planner
 5     create scenario:2          cap 15
 6     solve run:2                cap 15, by planner (never approved)
 7     approve run:1              approval 1, by 张三
====  =========================  ==========================================
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_store import drift, raw, tamper  # a drifted solver, the plain-SQL session, a guarded edit

import allocator
from allocator import store as store_module
from allocator.errors import Issue, Severity
from allocator.examples import employer, submissions
from allocator.i18n import Text
from allocator.model import solve
from allocator.policy import build_problem
from allocator.scenario import default_scenario
from allocator.store import Store, StoreError, canonical
from allocator.submissions import Submissions

APPROVED, OPEN = 1, 2  # the template's approved run and its run never approved


def demand() -> Submissions:
    return submissions([employer(i, demand_total=3 + i, sector=("finance", "other")[i % 2],
                                 categories=(i % 3 + 1,), attrition_rate=Decimal("0.05"),
                                 submitted_on=date(2026, 10, i + 1)) for i in range(1, 7)])


@pytest.fixture(scope="module")
def solved() -> list[tuple[object, object]]:
    """The two scenarios of the store and their plans, solved once."""
    subs = demand()
    return [(scenario, solve(build_problem(subs, scenario)))
            for scenario in (default_scenario(20), default_scenario(15))]


def build(path: Path, solved: list[tuple[object, object]], note: str = "区政府审议通过") -> Path:
    with Store.open(path, by="planner") as store:
        for scenario, plan in solved:
            store.record_run(demand(), scenario, plan, by="planner")
        store.approve(APPROVED, "张三", note=note)
    return path


@pytest.fixture
def db(solved, tmp_path) -> Path:
    return build(tmp_path / "store.sqlite3", solved)


def test_the_store_every_test_starts_from_is_intact(db):
    with Store.open(db) as store:
        assert store.verify().ok
        assert [(e.id, e.action, e.subject, e.actor) for e in store.audit()] == [
            (1, "migrate", "store", "planner"), (2, "create", "dataset:1", "planner"),
            (3, "create", "scenario:1", "planner"), (4, "solve", "run:1", "planner"),
            (5, "create", "scenario:2", "planner"), (6, "solve", "run:2", "planner"),
            (7, "approve", "run:1", "张三")]


def sql(statement: str, *parameters: object) -> Callable[[sqlite3.Connection], None]:
    return lambda connection: connection.execute(statement, parameters)


# The two findings of an approval of run 1 that was altered, and of its entry in the audit log.
APPROVAL_1 = ("approval", "Run 1: approval 1 no longer matches the stored plan, dataset or "
                          "scenario.", (1,))
APPROVAL_1_LOG = ("approval_log", "The approval of run 1 does not match its entry in the audit "
                                  "log (approver, time, chain or audit head).", (1,))


def found(db: Path, *, lang: str = "en", **options: bool) -> list[tuple[str, str, tuple]]:
    with Store.open(db) as store:
        report = store.verify(**options)
    return [(f.code, f.message.get(lang), f.run_ids) for f in report.findings]


def result_of(connection: sqlite3.Connection, run: int) -> dict:
    return json.loads(connection.execute("SELECT result FROM runs WHERE id = ?",
                                         (run,)).fetchone()[0])


def rewrite_result(connection: sqlite3.Connection, run: int, result: dict) -> None:
    """A run's result replaced, with its result hash recomputed as an insider would."""
    blob = canonical(result)
    connection.execute("UPDATE runs SET result = ?, result_sha256 = ? WHERE id = ?",
                       (blob, hashlib.sha256(blob.encode()).hexdigest(), run))


def one_permit_less(connection: sqlite3.Connection, run: int, *, rehash: bool = True) -> dict:
    """A run's result with one permit taken from its first funded employer, written back (with
    its result hash recomputed, as an insider would, unless ``rehash`` is false); the result."""
    result = result_of(connection, run)
    row = next(r for r in result["employers"] if r["allocated"] > 0)
    row["allocated"] -= 1
    if rehash:
        rewrite_result(connection, run, result)
    return result


def content_hashes(connection: sqlite3.Connection, run: sqlite3.Row) -> tuple[str, str]:
    """The stored hashes of a run's dataset and scenario."""
    return tuple(connection.execute(f"SELECT sha256 FROM {table} WHERE id = ?",
                                    (run[f"{column}_id"],)).fetchone()[0]
                 for table, column in (("datasets", "dataset"), ("scenarios", "scenario")))


def rehash_record(connection: sqlite3.Connection, run: int) -> str:
    """The run's record hash recomputed from its row as it now stands, and written back."""
    stored = connection.execute("SELECT * FROM runs WHERE id = ?", (run,)).fetchone()
    record = store_module._record_hash(stored, *content_hashes(connection, stored))
    connection.execute("UPDATE runs SET record_sha256 = ? WHERE id = ?", (record, run))
    return record


# -- the approval chain and the approvals' audit entries --------------------------------------
def test_an_approval_given_another_approver_breaks_its_hash_and_its_audit_entry(db):
    tamper(db, sql("UPDATE approvals SET approver = '李四'"))
    assert found(db) == [APPROVAL_1, APPROVAL_1_LOG]


def test_an_approval_whose_audit_entry_was_removed_is_not_in_the_audit_log(db):
    # The approval is the newest audit entry: its removal leaves the chain whole, but SQLite's
    # sequence still remembers entry 7.
    tamper(db, sql("DELETE FROM audit WHERE action = 'approve'"))
    assert found(db) == [
        ("sequence", "Table audit: rows up to id 7 were written, but the newest now is 6: the "
                     "newest rows were removed.", ()),
        ("approval_unlogged", "Run 1: the approval is not in the audit log.", (1,)),
    ]
    assert found(db, lang="zh")[1][1] == "运行 1：该审批不在审计日志中。"


def test_an_approval_that_does_not_follow_the_previous_one_breaks_the_chain(db):
    tamper(db, sql("UPDATE approvals SET prev_sha256 = ?", "f" * 64))
    assert found(db) == [
        ("chain", "Approval 1 (run 1) does not follow the previous approval: the approval chain "
                  "is broken.", (1,)),
        APPROVAL_1,
    ]


def test_a_removed_first_approval_breaks_the_chain_at_the_second(db):
    with Store.open(db) as store:
        store.approve(OPEN, "李四", supersede=APPROVED, reason="复议")
    tamper(db, sql("DELETE FROM approvals WHERE id = 1"))
    assert found(db) == [
        ("chain", "Approval 2 (run 2) does not follow the previous approval: the approval chain "
                  "is broken.", (2,)),
        ("supersede", "The approval of run 2 for 2027 does not follow the one-plan-per-year "
                      "rule: it supersedes a run that is not the year's current approval.",
         (2,)),
        ("approval_missing", "Run 1: the audit log records an approval, but the approval is "
                             "missing.", (1,)),
    ]


def test_an_approved_run_whose_record_was_removed_is_named_twice(db):
    tamper(db, sql("DELETE FROM runs WHERE id = ?", APPROVED))
    assert found(db) == [
        ("approved_run_missing", "Run 1 was approved but its record is missing.", (1,)),
        ("run_missing", "Run 1 is in the audit log but its record is missing: it was removed.",
         (1,)),
    ]


def test_a_removed_run_whose_solve_entry_went_with_it_is_still_remembered_by_its_approval(db):
    def remove(connection: sqlite3.Connection) -> None:
        connection.execute("DELETE FROM runs WHERE id = ?", (APPROVED,))
        connection.execute("DELETE FROM audit WHERE id = 4")  # its solve entry

    tamper(db, remove)
    assert found(db) == [
        ("audit", "Audit entry 5 was changed, removed or inserted: the audit chain is broken "
                  "there.", ()),
        ("approved_run_missing", "Run 1 was approved but its record is missing.", (1,)),
        ("run_missing", "Run 1 is in the audit log but its record is missing: it was removed.",
         (1,)),
    ]


def test_a_removed_approval_is_missing_and_shortens_the_sequence(db):
    tamper(db, sql("DELETE FROM approvals"))
    assert found(db) == [
        ("sequence", "Table approvals: rows up to id 1 were written, but the newest now is 0: "
                     "the newest rows were removed.", ()),
        ("approval_missing", "Run 1: the audit log records an approval, but the approval is "
                             "missing.", (1,)),
    ]
    assert found(db, lang="zh")[0][1] == ("数据表 approvals：曾写入至编号 1，现存最新为 0：最新"
                                          "的记录已被删除。")


# -- the audit log's own entries --------------------------------------------------------------
@pytest.mark.parametrize("entry, detail, then", [
    (6, "{", ("run_unlogged", "Run 2 is not in the audit log: it was inserted outside "
                              "allocator.", (2,))),
    (7, "[1]", ("approval_unlogged", "Run 1: the approval is not in the audit log.", (1,))),
])
def test_an_audit_entry_whose_details_are_not_a_json_object_is_named(db, entry, detail, then):
    tamper(db, sql("UPDATE audit SET detail = ? WHERE id = ?", detail, entry))
    assert found(db) == [
        ("audit", f"Audit entry {entry} was changed, removed or inserted: the audit chain is "
                  "broken there.", ()),
        ("audit_detail", f"Audit entry {entry}: its details cannot be read.", ()),
        then,
    ]


@pytest.mark.parametrize("entry, subject, shown, then", [
    # a migration of something other than the store
    (1, "runs", "runs", []),
    # a created object that is neither a dataset nor a scenario
    (3, "table:1", "table:1", [
        ("scenario", "Scenario 1 (未命名方案) was changed after it was saved; used by run(s) 1.",
         (1,))]),
    # a dataset or a run without a number
    (2, "dataset:one", "dataset:one", [
        ("dataset", "Dataset 1 (example.xlsx) was changed after it was saved; used by run(s) "
                    "1, 2.", (1, 2))]),
    (6, "run:x", "run:x", [
        ("run_unlogged", "Run 2 is not in the audit log: it was inserted outside allocator.",
         (2,))]),
    # control characters are shown, never obeyed; a long subject is cut at 80 characters
    (6, "run:2\n\x07", "run:2\\n\\x07", [
        ("run_unlogged", "Run 2 is not in the audit log: it was inserted outside allocator.",
         (2,))]),
    (4, "run:" + "9" * 100, "run:" + "9" * 76, [
        ("run_unlogged", "Run 1 is not in the audit log: it was inserted outside allocator.",
         (1,))]),
])
def test_an_audit_entry_naming_an_impossible_subject_is_named(db, entry, subject, shown, then):
    tamper(db, sql("UPDATE audit SET subject = ? WHERE id = ?", subject, entry))
    assert found(db) == [
        ("audit", f"Audit entry {entry} was changed, removed or inserted: the audit chain is "
                  "broken there.", ()),
        ("audit_subject", f"Audit entry {entry} names an impossible subject '{shown}': it was "
                          "inserted or altered.", ()),
        *then,
    ]


def test_every_audit_entry_of_an_action_allocator_never_logs_is_named(db):
    # SQLite's CHECK constraint on the action is switched off for the edit; the file's own
    # check then reports seven violations, of which five are shown.
    def edit(connection):
        connection.execute("PRAGMA ignore_check_constraints = ON")
        connection.execute("UPDATE audit SET action = 'erase'")

    tamper(db, edit)
    with closing(raw(db)) as connection:
        assert [row[0] for row in connection.execute("PRAGMA quick_check")] == [
            "CHECK constraint failed in audit"] * 7
    findings = found(db)
    assert findings[0] == ("integrity", "The database file is damaged: CHECK constraint failed "
                           "in audit; CHECK constraint failed in audit; CHECK constraint failed "
                           "in audit; CHECK constraint failed in audit; CHECK constraint failed "
                           "in audit", ())
    subjects = ["store", "dataset:1", "scenario:1", "run:1", "scenario:2", "run:2", "run:1"]
    assert findings[1:15] == [finding for entry, subject in enumerate(subjects, 1) for finding in (
        ("audit", f"Audit entry {entry} was changed, removed or inserted: the audit chain is "
                  "broken there.", ()),
        ("audit_subject", f"Audit entry {entry} names an impossible subject '{subject}': it "
                          "was inserted or altered.", ()))]
    assert [code for code, _, _ in findings[15:]] == [
        "dataset", "scenario", "scenario", "run_unlogged", "run_unlogged", "approval_unlogged"]


# -- runs against their audit entries ---------------------------------------------------------
def test_a_run_given_another_author_no_longer_matches_its_audit_entry(db):
    tamper(db, sql("UPDATE runs SET created_by = '王五' WHERE id = ?", OPEN))
    assert found(db) == [
        ("record", "Run 2: the run record or its dataset or scenario hash was changed.", (2,)),
        ("run_log", "Run 2 no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (2,)),
    ]


def test_a_removed_run_whose_id_an_older_allocator_gave_again_is_logged_twice(db, monkeypatch):
    # An allocator before issue 12 numbered runs after the highest run still stored, without
    # looking at the audit log: a removed run's id came back.
    tamper(db, sql("DELETE FROM runs WHERE id = ?", OPEN))
    monkeypatch.setattr(store_module, "_last_logged_run", lambda connection: 0)
    subs, scenario = demand(), default_scenario(12)
    with Store.open(db) as store:
        assert store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                                by="planner") == OPEN
    assert found(db) == [
        ("run_id_reused", "Run id 2 was recorded 2 times in the audit log: a run was removed "
                          "and its id reused.", (2,)),
    ]
    assert found(db, lang="zh")[0][1] == ("运行编号 2 在审计日志中被记录了 2 次：有运行被删除且编号"
                                          "被重复使用。")


# -- what the audit log recorded must still exist ---------------------------------------------
def test_a_removed_scenario_no_run_used_is_missing(db):
    with Store.open(db) as store:
        assert store.save_scenario(default_scenario(12), by="planner") == 3
    tamper(db, sql("DELETE FROM scenarios WHERE id = 3"))
    assert found(db) == [
        ("scenario_missing", "Scenario 3 is in the audit log but missing from the store: it was "
                             "removed.", ()),
    ]


def test_a_removed_dataset_and_its_run_are_both_missing(db):
    other = submissions([employer(i, demand_total=4 + i) for i in range(1, 5)])
    scenario = default_scenario(10)
    with Store.open(db) as store:
        run = store.record_run(other, scenario, solve(build_problem(other, scenario)),
                               by="planner")
    assert run == 3

    def edit(connection):
        connection.execute("DELETE FROM runs WHERE id = 3")
        connection.execute("DELETE FROM datasets WHERE id = 2")

    tamper(db, edit)
    assert found(db) == [
        ("dataset_missing", "Dataset 2 is in the audit log but missing from the store: it was "
                            "removed.", ()),
        ("run_missing", "Run 3 is in the audit log but its record is missing: it was removed.",
         (3,)),
    ]


# -- a run's result against its own record ----------------------------------------------------
def test_an_approved_run_whose_total_was_changed_no_longer_matches_its_result(db):
    tamper(db, sql("UPDATE runs SET allocated = allocated - 1 WHERE id = ?", APPROVED))
    assert found(db) == [
        ("link", "Run 1: the result does not match the run's stored status and allocated total.",
         (1,)),
        ("record", "Run 1: the run record or its dataset or scenario hash was changed.", (1,)),
        ("run_log", "Run 1 no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (1,)),
    ]
    assert found(db, lang="zh")[0][1] == "运行 1：结果与该运行存储的 状态和已分配总数 不符。"


def test_a_result_pointing_at_another_input_file_no_longer_matches_its_dataset(db):
    def edit(connection):
        result = result_of(connection, APPROVED)
        result["input_sha256"] = "f" * 64
        rewrite_result(connection, APPROVED, result)

    tamper(db, edit)
    codes = [(code, message) for code, message, _ in found(db)]
    assert ("link", "Run 1: the result does not match the run's stored dataset.") in codes
    assert [code for code, _ in codes] == ["plan", "link", "record", "approval"]


def test_a_result_whose_scenario_was_removed_and_blanked_does_not_match_any_scenario(db):
    # Removing a run's scenario and nulling the scenario hash in its result must not make the
    # two "agree": a missing scenario matches nothing.
    def edit(connection):
        result = result_of(connection, APPROVED)
        result["scenario_sha256"] = None
        rewrite_result(connection, APPROVED, result)
        connection.execute("DELETE FROM scenarios WHERE id = 1")

    tamper(db, edit)
    codes = [(code, message) for code, message, _ in found(db)]
    assert ("link", "Run 1: the result does not match the run's stored scenario.") in codes
    assert [code for code, _ in codes] == [
        "plan", "link", "record", "approval", "scenario_missing"]


def test_an_unapproved_result_rewritten_with_its_hash_is_caught_by_the_record_hash(db):
    # Without --resolve an unapproved run's result is not parsed: its hash is in the record
    # hash, which is in the audit chain. A thorough check also recomputes the plan hash.
    tamper(db, lambda connection: one_permit_less(connection, OPEN))
    record = ("record", "Run 2: the run record or its dataset or scenario hash was changed.",
              (2,))
    assert found(db) == [record]
    thorough = found(db, resolve=True)
    assert [code for code, _, _ in thorough] == ["plan", "record"]
    assert thorough[0][1].startswith("Run 2: the stored allocations do not match the plan hash")
    assert thorough[1] == record


# -- the file itself --------------------------------------------------------------------------
def test_a_store_rebuilt_without_sqlites_sequence_table_is_named(db, tmp_path):
    # Copied table by table into a new file by a tool that dropped AUTOINCREMENT: every row,
    # guard and header is the same, but SQLite's record of the highest ids is gone.
    rebuilt = tmp_path / "rebuilt.sqlite3"
    old, new = raw(db), sqlite3.connect(rebuilt, isolation_level=None)
    try:
        for statement in old.iterdump():
            if "sqlite_sequence" not in statement:
                new.execute(statement.replace(" AUTOINCREMENT", ""))
        for pragma in ("user_version", "application_id"):
            new.execute(f"PRAGMA {pragma} = {old.execute(f'PRAGMA {pragma}').fetchone()[0]}")
    finally:
        old.close()
        new.close()
    assert found(rebuilt) == [
        ("object_missing", "The store lacks SQLite's sqlite_sequence: the file was rebuilt "
                           "outside allocator.", ()),
    ]


def test_a_new_store_sqlite_fails_to_write_is_refused_with_sqlites_reason(tmp_path,
                                                                           monkeypatch):
    def full(self, actor, *, creating=False):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_prepare", full)
    path = tmp_path / "new.sqlite3"
    with pytest.raises(StoreError) as refused:
        Store.open(path, by="planner")
    assert refused.value.code == "db_unreadable"
    assert str(refused.value) == f"Cannot open the store {path} (database or disk is full)."
    assert list(tmp_path.iterdir()) == []  # the half-made file is removed


# -- a stored dataset keeps its issues --------------------------------------------------------
def test_a_recorded_runs_dataset_gives_back_its_warnings_as_read(db):
    warning = Issue(Severity.WARNING, "prior_above_quota",
                    Text(zh="上年使用数超过上年指标", en="prior use above the prior quota"),
                    "申报.xlsx", "需求申报", 7, "上年使用数", "12")
    subs = demand()
    subs = Submissions(subs.frame, [warning], "申报.xlsx", "需求申报", subs.header_row,
                       subs.plan_year, subs.sha256, list(subs.extra_columns), dict(subs.headers))
    scenario = default_scenario(12)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                               by="planner")
        stored = store.load_run(run)
    [back] = stored.submissions.issues
    assert (back.severity, back.code, back.message.zh, back.message.en, back.file, back.sheet,
            back.row, back.column, back.value) == (
        Severity.WARNING, "prior_above_quota", "上年使用数超过上年指标",
        "prior use above the prior quota", "申报.xlsx", "需求申报", 7, "上年使用数", "12")


# -- mutation survivors of the fresh sample (seed 26) -----------------------------------------
def test_a_run_record_rehashed_by_an_insider_still_differs_from_its_audit_entry(db):
    # The run's result rewritten and every hash of the row recomputed (result, record): the row
    # agrees with itself, but not with the record hash its solve entry logged.
    def edit(connection):
        one_permit_less(connection, OPEN)
        rehash_record(connection, OPEN)

    tamper(db, edit)
    assert found(db) == [
        ("run_log", "Run 2 no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (2,)),
    ]


@pytest.mark.parametrize("rehash", [False, True])
def test_a_rewritten_plan_is_refused_when_the_run_is_loaded(db, rehash):
    # Caught by the result hash, or (recomputed) by the plan hash.
    def edit(connection):
        result = one_permit_less(connection, OPEN, rehash=rehash)
        if not rehash:
            connection.execute("UPDATE runs SET result = ? WHERE id = ?",
                               (canonical(result), OPEN))

    tamper(db, edit)
    with Store.open(db) as store, pytest.raises(store_module.TamperedError) as refused:
        store.load_run(OPEN)
    assert refused.value.code == "result_altered"
    assert str(refused.value) == ("The stored plan of run 2 no longer matches its hashes: it "
                                  "was altered.")


def test_superseding_in_a_dataset_without_a_plan_year_names_the_year_with_a_dash(db):
    subs = demand()
    subs = Submissions(subs.frame, [], subs.file, subs.sheet, subs.header_row, None,
                       subs.sha256, list(subs.extra_columns), dict(subs.headers))
    scenario = default_scenario(12)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                               by="planner")
        with pytest.raises(StoreError) as refused:
            store.approve(run, "张三", supersede=OPEN, reason="复议")
    assert refused.value.code == "nothing_to_supersede"
    assert str(refused.value) == ("Run 2 is not the approved plan of -: there is no approved "
                                  "plan for that year to supersede. Approve without "
                                  "--supersede.")


def test_a_new_store_is_made_beside_its_file_not_in_the_temporary_folder(tmp_path,
                                                                         monkeypatch):
    # The system's temporary folder may be another file system (no link into place) or gone.
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))
    path = tmp_path / "store" / "new.sqlite3"
    path.parent.mkdir()
    with Store.open(path, by="planner") as store:
        assert store.verify().ok
    assert sorted(p.name for p in path.parent.iterdir()) == ["new.sqlite3"]


def test_the_first_store_in_the_user_data_directory_creates_its_folder(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.delenv("ALLOCATOR_DB")
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda name: str(tmp_path / "data" / name))
    with Store.open(by="planner") as store:
        assert store.path == tmp_path / "data" / "allocator" / "allocator.sqlite3"
        assert store.verify().ok


@pytest.mark.parametrize("answer", ["database is locked", "database is busy"])
def test_a_store_another_process_holds_for_a_moment_is_opened_after_waiting(db, monkeypatch,
                                                                            answer):
    # SQLite may answer "locked" at once while another process switches the file to WAL or
    # migrates it; opening tries again instead of failing.
    real, refusals = Store._prepare, []

    def held(self, actor, *, creating=False):
        if len(refusals) < 2:
            refusals.append(actor)
            raise sqlite3.OperationalError(answer)
        return real(self, actor, creating=creating)

    monkeypatch.setattr(Store, "_prepare", held)
    with Store.open(db, by="planner") as store:
        assert store.verify().ok
    assert refusals == ["planner", "planner"]


@pytest.mark.parametrize("field, value", [("rows", 7), ("file", "other.xlsx"),
                                          ("sheet", "Sheet1"), ("input_sha256", "f" * 64)])
def test_a_datasets_create_entry_altered_no_longer_matches_the_dataset(db, field, value):
    # Each field the audit log recorded of a dataset is compared, not only its hash.
    def edit(connection):
        detail = json.loads(connection.execute("SELECT detail FROM audit WHERE id = 2")
                            .fetchone()[0])
        assert field in detail and detail[field] != value
        detail[field] = value
        connection.execute("UPDATE audit SET detail = ? WHERE id = 2", (canonical(detail),))

    tamper(db, edit)
    assert found(db) == [
        ("audit", "Audit entry 2 was changed, removed or inserted: the audit chain is broken "
                  "there.", ()),
        ("dataset", "Dataset 1 (example.xlsx) was changed after it was saved; used by run(s) "
                    "1, 2.", (1, 2)),
    ]


# -- mutation survivors of a second fresh sample (seed 27) ------------------------------------
def cut_to_nothing(path: Path) -> None:
    path.write_bytes(b"")


def content_removed(path: Path) -> None:
    """A SQLite file with nothing in it (every table dropped)."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE x (y)")
        connection.execute("DROP TABLE x")
        connection.commit()


@pytest.mark.parametrize("empty", [cut_to_nothing, content_removed])
def test_an_empty_store_file_is_refused_naming_it_and_never_made_again(tmp_path, empty):
    path = tmp_path / "cut.sqlite3"
    empty(path)
    before = path.read_bytes()
    with pytest.raises(store_module.TamperedError) as refused:
        Store.open(path)
    assert refused.value.code == "store_empty"
    assert str(refused.value) == (f"The store file {path} is empty: its content was removed or "
                                  "it was cut to 0 bytes. It was not re-created; restore it from "
                                  "a backup, or remove the file to start a new store.")
    assert path.read_bytes() == before


def test_a_file_system_without_hard_links_still_gets_the_new_store(tmp_path, monkeypatch):
    import errno
    import os

    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "store" / "new.sqlite3"
    path.parent.mkdir()
    with Store.open(path, by="planner") as store:
        assert store.verify().ok
    assert sorted(p.name for p in path.parent.iterdir()) == ["new.sqlite3"]


def test_an_old_read_only_store_is_refused_naming_it_and_both_versions(db):
    with closing(raw(db)) as connection:  # closed: into the file, not only its write-ahead log
        connection.execute("PRAGMA user_version = 1")
    known = store_module.schema_version()
    with pytest.raises(StoreError) as refused:
        Store.open(db, read_only=True)
    assert refused.value.code == "read_only_old"
    assert str(refused.value) == (f"The read-only store {db} has the older schema version 1 "
                                  f"(this allocator writes {known}) and cannot be upgraded while "
                                  "it is read-only; make a writable copy to upgrade it.")


def test_a_run_whose_dataset_was_edited_is_refused_when_loaded_naming_the_dataset(db):
    tamper(db, sql("UPDATE datasets SET content = replace(content, 'example', 'exampel')"))
    with Store.open(db) as store, pytest.raises(store_module.TamperedError) as refused:
        store.load_run(OPEN)
    assert refused.value.code == "dataset_altered"
    assert str(refused.value) == ("Dataset 1 (example.xlsx) was changed after it was saved; used "
                                  "by run(s) 2.")


def test_reading_a_default_store_that_does_not_exist_creates_no_folder(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.delenv("ALLOCATOR_DB")
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda name: str(tmp_path / "data" / name))
    path = tmp_path / "data" / "allocator" / "allocator.sqlite3"
    with pytest.raises(StoreError) as refused:
        Store.open(writable=False)
    assert refused.value.code == "db_missing"
    assert str(refused.value) == (f"There is no store at {path}: nothing to read. Check --db or "
                                  "$ALLOCATOR_DB.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options", [{"writable": False}, {"read_only": True}])
def test_reading_a_store_that_does_not_exist_creates_none(tmp_path, options):
    path = tmp_path / "none.sqlite3"
    with pytest.raises(StoreError) as refused:
        Store.open(path, **options)
    assert refused.value.code == "db_missing"
    assert str(refused.value) == (f"There is no store at {path}: nothing to read. Check --db or "
                                  "$ALLOCATOR_DB.")
    assert list(tmp_path.iterdir()) == []


# -- every refusal of the store, word for word ------------------------------------------------
APPROVED_AT = "2026-12-03T07:04:05+00:00"  # shown in Beijing time: 2026-12-03 15:04:05 +08:00


@pytest.fixture
def timed(solved, tmp_path, monkeypatch) -> Path:
    """The store of every test, each record made at APPROVED_AT."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "now", lambda: APPROVED_AT)
        return build(tmp_path / "store.sqlite3", solved, note="")


def approve(*args, **kwargs) -> Callable[[Store], object]:
    return lambda store: store.approve(*args, **kwargs)


@pytest.mark.parametrize("action, code, message", [
    (lambda store: store.run(404), "unknown_run",
     "There is no run 404 in the store {db}; `allocator runs` lists the runs."),
    (lambda store: store.load_run(404), "unknown_run",
     "There is no run 404 in the store {db}; `allocator runs` lists the runs."),
    (approve(404, "李四"), "unknown_run",
     "There is no run 404 in the store {db}; `allocator runs` lists the runs."),
    (lambda store: store.scenario(404), "unknown_scenario",
     "There is no scenario 404 in the store {db}."),
    (approve(APPROVED, "李四"), "already_approved",
     "Run 1 was already approved by 张三 at 2026-12-03 15:04:05 +08:00; an approval cannot be "
     "repeated or changed."),
    (approve(OPEN, "李四"), "year_approved",
     "A plan for 2027 is already approved (run 1, by 张三 at 2026-12-03 15:04:05 +08:00). One "
     "plan per plan year: to replace it, approve run 2 with --supersede 1 --reason TEXT."),
    (approve(OPEN, "李四", supersede=APPROVED), "reason_needed",
     "Superseding the approval of run 1 needs a reason: give --reason."),
    (approve(OPEN, "李四", reason="复议"), "reason_without_supersede",
     "--reason is only for replacing an approved plan: give --supersede RUN as well."),
    (approve(OPEN, " \t"), "approver_blank", "The approver's name is blank; give it with --by."),
    (approve(OPEN, "张" * 101), "approval_too_long",
     "The approver's name is too long: 101 characters, at most 100."),
    (approve(OPEN, "李四", note="x" * 2001), "approval_too_long",
     "The approval note is too long: 2001 characters, at most 2000."),
    (approve(OPEN, "李四", supersede=APPROVED, reason="y" * 2001), "approval_too_long",
     "The reason is too long: 2001 characters, at most 2000."),
    (approve(OPEN, "张\u200b三"), "approval_control",
     "The approver's name contains invisible control characters (U+200B ZERO WIDTH SPACE at "
     "position 2); remove them and try again."),
    (approve(OPEN, "李四", note="同意\x07"), "approval_control",
     "The approval note contains invisible control characters (U+0007 at position 3); remove "
     "them and try again."),
])
def test_each_refusal_of_the_store_in_words(timed, monkeypatch, action, code, message):
    monkeypatch.delenv("ALLOCATOR_TZ", raising=False)
    db = timed
    with Store.open(db) as store, pytest.raises(StoreError) as refused:
        action(store)
    assert refused.value.code == code
    assert str(refused.value) == message.format(db=db)


def test_a_run_whose_scenario_was_edited_is_refused_when_loaded_naming_the_scenario(db):
    tamper(db, sql("UPDATE scenarios SET toml = replace(toml, '15', '16') WHERE id = 2"))
    with Store.open(db) as store, pytest.raises(store_module.TamperedError) as refused:
        store.load_run(OPEN)
    assert refused.value.code == "scenario_altered"
    assert str(refused.value) == "Scenario 2 (未命名方案) was changed after it was saved."


@pytest.mark.parametrize("kind", ["folder", "no folder", "text file", "other database",
                                  "read-only file"])
def test_each_store_path_that_cannot_be_a_store_is_refused_in_words(tmp_path, kind):
    path = tmp_path / "x.sqlite3"
    if kind == "folder":
        path.mkdir()
        expected = (f"The store path {path} is a folder; give a file name, e.g. "
                    f"{path}/allocator.sqlite3.")
    elif kind == "no folder":
        path = tmp_path / "missing" / "x.sqlite3"
        expected = (f"The folder {tmp_path / 'missing'} for the store {path} does not exist; "
                    "create it or choose another --db path.")
    elif kind in ("text file", "other database"):
        if kind == "text file":
            path.write_text("name,weight\nA,1\n")
        else:
            with closing(sqlite3.connect(path)) as connection:
                connection.execute("CREATE TABLE contacts (name TEXT)")
                connection.commit()
        expected = (f"{path} is not an allocator store (another file or database); choose "
                    "another --db path.")
    else:
        Store.open(path, by="planner").close()
        path.chmod(0o444)
        expected = (f"The store {path} is read-only (an archived store, or no write permission "
                    "for it or its folder): this command would change it, so it was refused and "
                    "nothing was written. `allocator runs`, `verify` and `export` can still read "
                    "it.")
    with pytest.raises(StoreError) as refused:
        Store.open(path, by="planner")
    assert str(refused.value) == expected


def test_a_store_opened_read_only_refuses_to_write_in_words(db):
    with Store.open(db, read_only=True) as store, pytest.raises(StoreError) as refused:
        store.save_scenario(default_scenario(12), by="planner")
    assert refused.value.code == "db_read_only"
    assert str(refused.value).startswith(f"The store {db} is read-only (an archived store")


def test_a_store_missing_one_of_its_tables_is_refused_naming_it(db):
    with closing(raw(db)) as connection:  # its triggers go with it
        connection.execute("DROP TABLE approvals")
    with pytest.raises(store_module.TamperedError) as refused:
        Store.open(db)
    assert refused.value.code == "tables_missing"
    assert str(refused.value) == (f"The store {db} lacks its table(s) approvals: it was altered "
                                  "outside allocator. Restore it from a backup.")


@pytest.mark.parametrize("column, other", [("dataset_id", 2), ("scenario_id", 3)])
def test_a_run_pointed_at_another_dataset_or_scenario_no_longer_matches_its_audit_entry(
        db, column, other):
    subs = submissions([employer(i, demand_total=4 + i) for i in range(1, 5)])
    scenario = default_scenario(10)
    with Store.open(db) as store:  # dataset 2 and scenario 3, with their run 3
        assert store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                                by="planner") == 3
    tamper(db, sql(f"UPDATE runs SET {column} = ? WHERE id = ?", other, OPEN))
    assert found(db) == [
        ("record", "Run 2: the run record or its dataset or scenario hash was changed.", (2,)),
        ("run_log", "Run 2 no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (2,)),
    ]


# -- mutation survivors of a third fresh sample (seed 28) -------------------------------------
def test_a_frame_the_dataset_cannot_rebuild_is_refused_in_words():
    subs = demand()
    shifted = subs.frame.iloc[1:]  # its index no longer 0, 1, 2, …
    with pytest.raises(TypeError) as refused:
        store_module.encode_submissions(Submissions(
            shifted, [], subs.file, subs.sheet, subs.header_row, subs.plan_year, subs.sha256,
            [], dict(subs.headers)))
    assert str(refused.value) == "submissions frame must have unique columns and a default index"


@pytest.mark.parametrize("step, reason", [
    ("tempfile.mkstemp", "No space left on device"),  # a full disk: not even a new file
    ("os.chmod", "Operation not permitted"),  # a network share that refuses permissions
])
def test_a_new_store_the_system_refuses_is_refused_with_the_systems_reason(tmp_path,
                                                                          monkeypatch, step,
                                                                          reason):
    import errno

    def refuse(*args, **kwargs):
        number = errno.ENOSPC if "space" in reason else errno.EPERM
        raise OSError(number, reason)

    monkeypatch.setattr(step, refuse)
    path = tmp_path / "new.sqlite3"
    with pytest.raises(StoreError) as refused:
        Store.open(path, by="planner")
    assert refused.value.code == "db_unreadable"
    assert str(refused.value) == f"Cannot open the store {path} ({reason})."
    assert list(tmp_path.iterdir()) == []


def test_a_recorded_runs_solve_entry_holds_what_the_run_was(db):
    subs, scenario = demand(), default_scenario(12)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                               by="planner")
        entry = store.audit()[-1]
    with closing(raw(db)) as connection:
        row = connection.execute("SELECT * FROM runs WHERE id = ?", (run,)).fetchone()
    assert (run, entry.action, entry.subject, entry.actor, entry.at) == (
        3, "solve", "run:3", "planner", row["created_at"])
    # Six employers asking 4 to 9 permits, 12 to hand out: an optimal plan of all 12.
    assert entry.detail == {"dataset": 1, "scenario": 3, "status": "optimal", "allocated": 12,
                            "plan_sha256": row["plan_sha256"],
                            "record_sha256": row["record_sha256"]}


def test_a_result_forged_with_the_audit_logs_tail_cannot_be_approved(db):
    # An insider rewrites a run recorded after the last approval: its result, every hash of
    # its row but the plan hash, and its solve entry, the newest of the audit log. Without
    # --resolve, verify finds nothing (the run's record agrees with the log); approving it
    # still recomputes the plan hash from the result and refuses.
    subs, scenario = demand(), default_scenario(12)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                               by="planner")

    def edit(connection):
        one_permit_less(connection, run)
        record = rehash_record(connection, run)
        entry = connection.execute("SELECT * FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        detail = canonical({**json.loads(entry["detail"]), "record_sha256": record})
        digest = store_module._audit_hash(entry["id"], entry["at"], entry["actor"],
                                          entry["action"], entry["subject"], detail,
                                          entry["prev_sha256"])
        connection.execute("UPDATE audit SET detail = ?, sha256 = ? WHERE id = ?",
                           (detail, digest, entry["id"]))

    tamper(db, edit)
    assert found(db) == []
    with Store.open(db) as store, pytest.raises(store_module.TamperedError) as refused:
        store.approve(run, "李四", supersede=APPROVED, reason="复议")
    assert refused.value.code == "result_altered"
    assert str(refused.value) == ("The stored plan of run 3 no longer matches its hashes: it "
                                  "was altered.")


def test_an_exported_plan_the_store_no_longer_holds_is_a_finding_of_its_own(db):
    with Store.open(db) as store:
        report = store.verify_against([("plan.xlsx", "ab" * 32)])
    assert [(f.code, f.message.en, f.run_ids) for f in report.findings] == [
        ("against", "plan.xlsx: the store does not hold its approval (chain head "
                    "abababababababab…): it is an older copy, or it was truncated or replaced.",
         ())]


# -- mutation survivors of a fourth fresh sample (seed 29) ------------------------------------
def test_a_new_stores_first_audit_entry_is_its_migration_to_the_current_schema(tmp_path):
    with Store.open(tmp_path / "new.sqlite3", by="planner") as store:
        [entry] = store.audit()
    assert (entry.id, entry.action, entry.subject, entry.actor) == (
        1, "migrate", "store", "planner")
    assert entry.detail == {"from": 0, "to": store_module.schema_version(),
                            "allocator": allocator.__version__}


@pytest.mark.parametrize("recorded, used", [
    ({"num_workers": 2, "random_seed": 7, "max_time_in_seconds": 30.5}, (2, 7, 30.5)),
    (None, (1, 0, 120)),  # a run recorded without them: the defaults
])
def test_a_run_is_replayed_with_the_solver_parameters_it_was_recorded_with(db, recorded, used):
    from allocator.plan import plan_json

    subs, scenario = demand(), default_scenario(12)
    plan = solve(build_problem(subs, scenario))
    result = plan_json(plan)
    if recorded is None:
        del result["solver"]["parameters"]
    else:
        result["solver"]["parameters"].update(recorded)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, plan, result, by="planner")
        again = store.replay(run)
    assert again.same
    parameters = again.plan.solver.parameters
    assert (parameters["num_workers"], parameters["random_seed"],
            parameters["max_time_in_seconds"]) == used


def test_the_current_approval_of_a_year_is_the_one_nothing_superseded(db):
    with Store.open(db) as store:
        first = store.current_approval(2027)
        assert store.current_approval(2026) is None
        store.approve(OPEN, "李四", supersede=APPROVED, reason="复议")
        second = store.current_approval(2027)
    assert (first.run_id, first.approver, first.note, first.plan_year, first.supersedes) == (
        1, "张三", "区政府审议通过", 2027, None)
    assert (second.run_id, second.approver, second.plan_year, second.supersedes,
            second.reason) == (2, "李四", 2027, 1, "复议")


def test_a_view_allocator_never_created_is_named(db):
    with closing(raw(db)) as connection:
        connection.execute("CREATE VIEW plans AS SELECT id, allocated FROM runs")
    assert found(db) == [
        ("object_extra", "The store has a table or view plans that allocator never created.", ()),
    ]


# -- mutation survivors of a fifth fresh sample (seed 30) -------------------------------------
def test_an_approvals_audit_head_is_part_of_its_chain_hash(db):
    # The audit log's head when the approval was made is covered by the approval's own hash as
    # well as compared with the log: changed, both checks fail.
    tamper(db, sql("UPDATE approvals SET audit_sha256 = ?", "f" * 64))
    assert found(db) == [APPROVAL_1, APPROVAL_1_LOG]


def test_a_cell_holding_a_mapping_is_stored_and_read_back_exactly():
    subs = demand()
    frame = subs.frame.copy()
    cell = {"a": Decimal("0.10"), 2: [1.5, None], "c": {"d": date(2026, 10, 3)}}
    frame["备注"] = [cell] + [None] * (len(frame) - 1)
    original = Submissions(frame, [], subs.file, subs.sheet, subs.header_row, subs.plan_year,
                           subs.sha256, ["备注"], dict(subs.headers))
    rebuilt = store_module.decode_submissions(store_module.encode_submissions(original))
    back = rebuilt.frame["备注"].tolist()
    assert back[0] == {"a": Decimal("0.10"), 2: [1.5, None], "c": {"d": date(2026, 10, 3)}}
    assert str(back[0]["a"]) == "0.10"
    assert back[1:] == [None] * (len(frame) - 1)


def test_a_record_made_where_no_user_name_is_known_names_the_uid_or_unknown(monkeypatch):
    import getpass
    import os

    def nameless():
        raise KeyError("getpwuid(): uid not found: 1234")  # a container without a passwd entry

    monkeypatch.setattr(getpass, "getuser", nameless)
    monkeypatch.setattr(os, "getuid", lambda: 1234)
    assert store_module.current_user() == "uid:1234"
    monkeypatch.delattr(os, "getuid")  # as on Windows
    assert store_module.current_user() == "unknown"


# -- mutation survivors of a sixth fresh sample (seed 31) -------------------------------------
def test_approving_in_an_altered_store_is_refused_counting_and_naming_the_first_problem(db):
    tamper(db, sql("UPDATE approvals SET approver = '李四'"))
    with Store.open(db) as store, pytest.raises(store_module.StoreAltered) as refused:
        store.approve(OPEN, "王五", supersede=APPROVED, reason="复议")
    assert refused.value.code == "store_altered"
    assert str(refused.value) == (
        "The store was altered (2 problem(s)), so nothing is approved or exported; first: Run 1: "
        "approval 1 no longer matches the stored plan, dataset or scenario. `allocator verify` "
        "lists them all.")


@pytest.mark.parametrize("resolve", [False, True])
def test_a_store_too_damaged_to_read_on_is_reported_not_raised(db, resolve, capsys):
    """Bytes overwritten inside a stored dataset (a disk fault): SQLite's own check still
    passes (the pages are whole), but the text is no longer UTF-8 and reading it fails. verify
    reports what it could not read, with SQLite's reason cut short, and exits 4 — it does not
    fail with the 'damaged while reading: run allocator verify' of the other commands."""
    from allocator.cli import main

    content = db.read_bytes()
    at = content.index(b'{"columns":')
    db.write_bytes(content[:at + 20] + b"\xff\xfe\xff" + content[at + 23:])
    findings = found(db, resolve=resolve)
    assert [code for code, _, _ in findings] == ["damaged_rest"]
    with Store.open(db) as store:
        assert store.verify().counts == {}  # nothing could be counted
    message = findings[0][1]
    assert message.startswith("The store file is damaged and the rest of it cannot be read, "
                              "so it could not be checked item by item (SQLite: Could not "
                              "decode to UTF-8 column ")
    assert message.endswith("…). Check a backup with `allocator verify --db BACKUP --against "
                            "APPROVED.xlsx`, then restore the store from it.")
    assert len(message) < 320  # the damaged row is not quoted whole
    options = ["--resolve"] if resolve else []
    assert main(["verify", "--db", str(db), *options, "--lang", "en"]) == 4
    shown = capsys.readouterr()
    assert "The store file is damaged and the rest of it cannot be read" in shown.err
    assert "Run `allocator verify`" not in shown.out + shown.err


# -- paths no test of the store took (coverage of the mutation selection, 3 December) ---------
def test_an_audit_entry_whose_time_is_no_longer_text_breaks_the_chain_there(db):
    """A time overwritten with bytes cannot be hashed: the entry is named, not a traceback, and
    the scenario it created no longer matches its entry's time."""
    tamper(db, sql("UPDATE audit SET at = X'41' WHERE id = 3"))
    assert found(db) == [
        ("audit", "Audit entry 3 was changed, removed or inserted: the audit chain is broken "
                  "there.", ()),
        ("scenario", "Scenario 1 (未命名方案) was changed after it was saved; used by run(s) 1.",
         (1,)),
    ]


def test_a_scenario_overwritten_with_text_that_is_not_toml_is_named_and_refused(db):
    tamper(db, sql("UPDATE scenarios SET toml = 'not [ toml' WHERE id = 2"))
    assert found(db) == [
        ("scenario", "Scenario 2 (未命名方案) was changed after it was saved; used by run(s) 2.",
         (2,)),
    ]
    with Store.open(db) as store, pytest.raises(store_module.TamperedError) as refused:
        store.scenario(2)
    assert refused.value.code == "scenario_altered"
    assert str(refused.value) == "Scenario 2 (未命名方案) was changed after it was saved."


def test_a_dataset_rewritten_as_other_json_with_its_hash_is_named(db):
    """'[]' hashed as an insider would: valid JSON, but not a dataset."""
    tamper(db, sql("UPDATE datasets SET content = '[]', sha256 = ?",
                   hashlib.sha256(b"[]").hexdigest()))
    assert found(db) == [
        ("dataset", "Dataset 1 (example.xlsx) was changed after it was saved; used by run(s) 1, "
                    "2.", (1, 2)),
        ("record", "Run 1: the run record or its dataset or scenario hash was changed.", (1,)),
        ("record", "Run 2: the run record or its dataset or scenario hash was changed.", (2,)),
        APPROVAL_1,
    ]


def test_a_run_whose_time_was_moved_with_its_record_rehashed_differs_from_its_audit_entry(db):
    """The solve entry keeps the time the run was made: moving it (and hashing the record
    again) is caught by that time alone."""
    def move(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE runs SET created_at = '2020-01-01T00:00:00+00:00' "
                           "WHERE id = 2")
        rehash_record(connection, 2)

    tamper(db, move)
    assert found(db) == [
        ("run_log", "Run 2 no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (2,)),
    ]


@pytest.mark.parametrize("value", ["'abc'", "X'07'"])
def test_an_approval_whose_plan_year_cannot_be_hashed_is_named(db, value):
    """A year that is text makes the chain hash differ; one that is bytes cannot be hashed at
    all: either way the approval is named, not a traceback."""
    tamper(db, sql(f"UPDATE approvals SET plan_year = {value}"))
    assert found(db) == [APPROVAL_1]


def approved_seats_unreadable(connection: sqlite3.Connection, *, rechain: bool) -> None:
    """The approval's allocations overwritten with text that is not JSON; with ``rechain``, its
    chain hash recomputed over that text as an insider would."""
    connection.execute("UPDATE approvals SET allocations = 'not json'")
    if not rechain:
        return
    row = connection.execute("SELECT * FROM approvals").fetchone()
    run = connection.execute("SELECT * FROM runs WHERE id = ?", (row["run_id"],)).fetchone()
    dataset, scenario = content_hashes(connection, run)
    chain = store_module._chain_hash(
        run_id=row["run_id"], approver=row["approver"], approved_at=row["approved_at"],
        note=row["note"], plan_sha256=run["plan_sha256"], result_sha256=run["result_sha256"],
        dataset_sha256=dataset, scenario_sha256=scenario, allocations=row["allocations"],
        prev_sha256=row["prev_sha256"], format=row["format"], plan_year=row["plan_year"],
        supersedes=row["supersedes"], reason=row["reason"], audit_sha256=row["audit_sha256"])
    connection.execute("UPDATE approvals SET chain_sha256 = ?", (chain,))


def test_approved_allocations_that_cannot_be_read_are_named_once(db):
    tamper(db, lambda connection: approved_seats_unreadable(connection, rechain=False))
    assert found(db) == [APPROVAL_1]


def test_approved_allocations_that_cannot_be_read_are_named_even_with_the_chain_rehashed(db):
    """The chain hash recomputed over the unreadable text matches it: the approval is still
    named (its allocations cannot be compared with the run's), and so is its audit entry."""
    tamper(db, lambda connection: approved_seats_unreadable(connection, rechain=True))
    assert found(db) == [APPROVAL_1, APPROVAL_1_LOG]


def test_numpy_cells_are_stored_as_plain_values_and_other_objects_refused_in_words():
    import numpy as np

    assert [(value, type(value)) for value in
            (store_module._encode(np.int64(7)), store_module._encode(np.bool_(True)))] == [
        (7, int), (True, bool)]
    assert store_module._encode(np.float64(0.1)) == {"$float": "0.1"}
    with pytest.raises(TypeError) as refused:
        store_module._encode({1, 2})
    assert str(refused.value) == "cannot store a cell of type set: {1, 2}"


def test_a_dataset_without_columns_keeps_its_number_of_rows():
    subs = demand()
    bare = Submissions(subs.frame[[]], [], subs.file, subs.sheet, subs.header_row,
                       subs.plan_year, subs.sha256, [], {})
    back = store_module.decode_submissions(store_module.encode_submissions(bare))
    assert list(back.frame.columns) == [] and len(back.frame) == 6
    assert back.frame.index.equals(bare.frame.index)


@pytest.mark.parametrize("subject, kind, expected", [
    ("run:7", "run", 7), ("run:0", "run", 0), ("dataset:12", "dataset", 12),
    ("dataset:12", "run", None), ("run:", "run", None), ("run:7a", "run", None),
    ("run:-7", "run", None), ("run:" + "9" * 18, "run", 10 ** 18 - 1),
    ("run:" + "9" * 19, "run", None), ("run", "run", None), (7, "run", None),
    (None, "run", None),
])
def test_the_id_in_an_audit_subject(subject, kind, expected):
    assert store_module.subject_id(subject, kind) == expected


def test_a_store_another_process_made_first_is_the_one_opened(db, tmp_path, monkeypatch):
    """Two processes create one store at once: the one whose new store arrives second links
    nothing (the first one's is there) and opens the first one's, removing its own."""
    import os
    import shutil

    path = tmp_path / "shared" / "store.sqlite3"
    path.parent.mkdir()
    real_link = os.link

    def arrived_first(source, target):
        shutil.copyfile(db, target)  # the other process's store, with its runs
        real_link(source, target)  # FileExistsError, as for the second of two processes

    monkeypatch.setattr(os, "link", arrived_first)
    with Store.open(path, by="planner") as store:
        assert [run.id for run in store.runs()] == [OPEN, APPROVED]
        assert store.verify().ok
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.sqlite3"]


def test_a_store_held_beyond_the_busy_timeout_is_refused_after_trying_again(db, monkeypatch):
    tries = []

    def held(self, actor, *, creating=False):
        tries.append(actor)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 500)
    monkeypatch.setattr(Store, "_prepare", held)
    with pytest.raises(StoreError) as refused:
        Store.open(db, by="planner")
    assert refused.value.code == "db_unreadable"
    assert str(refused.value) == f"Cannot open the store {db} (database is locked)."
    assert len(tries) >= 3  # tried again every 50 ms (about ten times) until the timeout


def test_a_store_failing_for_another_reason_while_opened_is_not_tried_again(db, monkeypatch):
    tries = []

    def failing(self, actor, *, creating=False):
        tries.append(actor)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "_prepare", failing)
    with pytest.raises(store_module.TamperedError) as refused:
        Store.open(db, by="planner")
    assert refused.value.code == "store_damaged"
    assert tries == ["planner"]


class Refusing(sqlite3.Connection):
    """A connection whose file system cannot keep a write-ahead log (SQLite then stays in its
    old journal mode), or whose disk fails when a transaction commits."""

    refuse = ""

    def execute(self, statement, *parameters):
        if statement == "PRAGMA journal_mode = WAL" and Refusing.refuse == "wal":
            return super().execute("SELECT 'delete'")
        if statement == "COMMIT" and Refusing.refuse == "commit":
            raise sqlite3.OperationalError("disk I/O error")
        return super().execute(statement, *parameters)


@pytest.fixture
def refusing(monkeypatch) -> type[Refusing]:
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect",
                        lambda *args, **kwargs: real(*args, factory=Refusing, **kwargs))
    yield Refusing
    Refusing.refuse = ""


def test_a_store_where_sqlite_cannot_keep_a_write_ahead_log_is_refused_in_words(db, refusing):
    refusing.refuse = "wal"
    with pytest.raises(StoreError) as refused:
        Store.open(db, by="planner")
    assert refused.value.code == "db_unreadable"
    assert str(refused.value) == f"Cannot open the store {db} (journal_mode=delete)."


def test_a_write_whose_commit_fails_leaves_nothing_and_is_refused_in_words(db, refusing):
    with Store.open(db, by="planner") as store:
        refusing.refuse = "commit"
        with pytest.raises(StoreError) as refused:
            store.save_scenario(default_scenario(12), by="planner")
        refusing.refuse = ""
        assert refused.value.code == "db_unreadable"
        assert str(refused.value) == f"Cannot open the store {db} (disk I/O error)."
        assert [s.id for s in store.scenarios()] == [2, 1]
        assert store.verify().ok
        assert store.save_scenario(default_scenario(12), by="planner") == 3


def test_a_write_while_another_process_holds_the_store_beyond_the_timeout_is_refused(
        db, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    with Store.open(db, by="planner") as store, closing(raw(db)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as refused:
            store.save_scenario(default_scenario(12), by="planner")
        other.execute("ROLLBACK")
        assert str(refused.value) == f"Cannot open the store {db} (database is locked)."
        assert [s.id for s in store.scenarios()] == [2, 1]


def test_an_emptied_store_opened_read_only_is_refused_naming_it(tmp_path):
    path = tmp_path / "cut.sqlite3"
    content_removed(path)
    with pytest.raises(store_module.TamperedError) as refused:
        Store.open(path, read_only=True)
    assert refused.value.code == "store_empty"
    assert str(refused.value).startswith(f"The store file {path} is empty: its content was "
                                         "removed or it was cut to 0 bytes.")


def test_a_scenario_that_would_not_read_back_as_saved_is_never_kept(db, monkeypatch):
    """A guard against a bug of the scenario writer: a TOML that reads back as another
    scenario is refused before anything is written."""
    import allocator.scenario as scenario_module

    real = scenario_module.dump_scenario
    monkeypatch.setattr(scenario_module, "dump_scenario",
                        lambda scenario: real(default_scenario(13)))
    with Store.open(db) as store:
        with pytest.raises(ValueError) as refused:
            store.save_scenario(default_scenario(12), by="planner")
        assert str(refused.value) == ("the scenario does not survive "
                                      "dump_scenario/parse_scenario")
        assert [s.id for s in store.scenarios()] == [2, 1]
        assert store.verify().ok


def test_a_result_of_another_plan_or_scenario_is_never_recorded(db, solved):
    from allocator.plan import plan_json

    (cap20, plan20), (_, plan15) = solved

    with Store.open(db) as store:
        audit = len(store.audit())
        with pytest.raises(ValueError) as refused:
            store.record_run(demand(), cap20, plan20, plan_json(plan15), by="planner")
        assert str(refused.value) == "the result does not belong to these submissions and plan"
        other = plan_json(plan20)
        other["input_sha256"] = "0" * 64
        with pytest.raises(ValueError) as refused:
            store.record_run(demand(), cap20, plan20, other, by="planner")
        assert str(refused.value) == "the result does not belong to these submissions and plan"
        edited = plan_json(plan20)  # its plan hash kept, one permit moved
        funded = [row for row in edited["employers"] if row["allocated"] > 0]
        funded[0]["allocated"] -= 1
        funded[1]["allocated"] += 1
        with pytest.raises(ValueError) as refused:
            store.record_run(demand(), cap20, plan20, edited, by="planner")
        assert str(refused.value) == "the result does not belong to these submissions and plan"
        with pytest.raises(ValueError) as refused:  # cap 20's plan under another scenario
            store.record_run(demand(), default_scenario(12), plan20, plan_json(plan20),
                             by="planner")
        assert str(refused.value) == "the result does not belong to this scenario"
        assert len(store.audit()) == audit  # the new scenario was not kept either
        assert [s.id for s in store.scenarios()] == [2, 1]
        assert store.verify().ok


def test_a_runs_approval_is_read_by_its_run_id(db):
    with Store.open(db) as store:
        approval = store.approval(APPROVED)
        assert (approval.approver, approval.note) == ("张三", "区政府审议通过")
        assert store.approval(OPEN) is None


def test_an_export_is_logged_with_its_full_path_and_the_plan_it_holds(db, monkeypatch):
    monkeypatch.chdir(db.parent)
    with Store.open(db) as store:
        store.log_export(APPROVED, "plan.xlsx", by="李四")
        entry = store.audit()[-1]
        plan = store.run(APPROVED).plan_sha256
    assert (entry.action, entry.subject, entry.actor) == ("export", "run:1", "李四")
    assert entry.detail == {"path": str(db.parent.resolve() / "plan.xlsx"),
                                        "plan_sha256": plan}


def test_check_intact_passes_an_intact_store_and_refuses_an_altered_one(db):
    with Store.open(db) as store:
        store.check_intact()
    tamper(db, sql("UPDATE approvals SET note = '另'"))
    with Store.open(db) as store, pytest.raises(store_module.StoreAltered) as refused:
        store.check_intact()
    assert str(refused.value) == (
        "The store was altered (1 problem(s)), so nothing is approved or exported; first: Run 1: "
        "approval 1 no longer matches the stored plan, dataset or scenario. `allocator verify` "
        "lists them all.")


# -- the checks behind the whole-store check: a plan altered in a way the verifier missed ----
@pytest.fixture
def blind(monkeypatch) -> None:
    """The whole-store check as if it had a bug that misses every alteration: what ``approve``
    and ``verify --resolve`` check on their own must still refuse the altered run."""
    monkeypatch.setattr(store_module._Verifier, "run",
                        lambda self: store_module.VerifyReport(counts={}))


@pytest.mark.parametrize("edit, code, message", [
    (sql("UPDATE datasets SET content = replace(content, 'example.xlsx', 'other.xlsx')"),
     "dataset_altered", "Dataset 1 (example.xlsx) was changed after it was saved; used by run(s) "
                        "2."),
    (sql("UPDATE scenarios SET toml = replace(toml, '15', '16') WHERE id = 2"),
     "scenario_altered", "Scenario 2 (未命名方案) was changed after it was saved."),
    (sql("UPDATE runs SET result = replace(result, '\"status\"', '\"status\" ') WHERE id = 2"),
     "result_altered", "The stored plan of run 2 no longer matches its hashes: it was altered."),
    (lambda connection: one_permit_less(connection, OPEN),
     "result_altered", "The stored plan of run 2 no longer matches its hashes: it was altered."),
    (sql("UPDATE runs SET created_by = '李四' WHERE id = 2"),
     "result_altered", "The stored plan of run 2 no longer matches its hashes: it was altered."),
])
def test_approve_refuses_an_altered_run_even_when_the_whole_store_check_misses_it(
        db, blind, edit, code, message):
    tamper(db, edit)
    with Store.open(db) as store:
        with pytest.raises(store_module.TamperedError) as refused:
            store.approve(OPEN, "王五", supersede=APPROVED, reason="复议")
        assert refused.value.code == code
        assert str(refused.value) == message
        assert store.approval(OPEN) is None


def test_verify_resolve_names_each_run_its_replay_refuses_even_when_the_check_misses_it(
        db, blind):
    def both(connection: sqlite3.Connection) -> None:
        for run in (OPEN, APPROVED):
            one_permit_less(connection, run)

    tamper(db, both)
    assert found(db, resolve=True) == [
        ("result_altered", f"The stored plan of run {run} no longer matches its hashes: it was "
                           "altered.", (run,)) for run in (OPEN, APPROVED)]


# -- what the store gives back, every field against the file read with plain SQL --------------
def test_a_runs_record_gives_back_every_field_as_stored(timed):
    import ortools

    with closing(raw(timed)) as connection:
        hashes = {row["id"]: row["plan_sha256"] for row in
                  connection.execute("SELECT id, plan_sha256 FROM runs")}
        chain = connection.execute("SELECT chain_sha256 FROM approvals").fetchone()[0]
    with Store.open(timed) as store:
        listed = store.runs()
        one = [store.run(OPEN), store.run(APPROVED)]
    shared = {"created_at": APPROVED_AT, "created_by": "planner", "dataset_id": 1,
              "dataset_file": "example.xlsx", "scenario_name": "未命名方案", "status": "optimal",
              "allocator_version": allocator.__version__, "ortools_version": ortools.__version__}
    expected = [
        store_module.RunRecord(id=2, scenario_id=2, allocated=15, plan_sha256=hashes[2],
                               approval=None, **shared),
        store_module.RunRecord(
            id=1, scenario_id=1, allocated=20, plan_sha256=hashes[1], **shared,
            approval=allocator.plan.ApprovalInfo(
                run_id=1, approver="张三", approved_at=APPROVED_AT, note="",
                chain_sha256=chain, plan_year=2027, supersedes=None, reason="",
                superseded_by=None)),
    ]
    assert listed == expected and one == expected


def test_a_superseded_approval_names_the_run_that_replaced_it(db):
    with Store.open(db) as store:
        store.approve(OPEN, "李四", note="复议通过", supersede=APPROVED, reason="名额调整")
        old, new = store.run(APPROVED).approval, store.run(OPEN).approval
    assert (old.superseded_by, old.supersedes, old.reason) == (2, None, "")
    assert (new.superseded_by, new.supersedes, new.reason, new.note, new.approver) == (
        None, 1, "名额调整", "复议通过", "李四")


def test_the_audit_log_gives_back_every_entry_as_stored(timed):
    from allocator.scenario import scenario_sha256

    with closing(raw(timed)) as connection:
        rows = connection.execute("SELECT * FROM audit ORDER BY id").fetchall()
    with Store.open(timed) as store:
        entries = store.audit()
    assert [(e.id, e.at, e.actor, e.action, e.subject, e.sha256) for e in entries] == [
        (row["id"], APPROVED_AT, "张三" if row["action"] == "approve" else "planner",
         row["action"], row["subject"], row["sha256"]) for row in rows]
    assert [e.detail for e in entries] == [json.loads(row["detail"]) for row in rows]
    assert entries[0].detail == {"from": 0, "to": store_module.schema_version(),
                                 "allocator": allocator.__version__}
    assert {key: entries[1].detail[key] for key in ("file", "rows", "sheet", "created_at")} == {
        "file": "example.xlsx", "rows": 6, "sheet": "需求申报", "created_at": APPROVED_AT}
    assert [entries[number].detail for number in (2, 4)] == [
        {"sha256": scenario_sha256(default_scenario(cap)), "name": "未命名方案",
         "created_at": APPROVED_AT} for cap in (20, 15)]


def test_saved_scenarios_are_given_back_newest_first_with_what_was_saved(timed):
    from allocator.scenario import scenario_sha256

    with Store.open(timed) as store:
        saved = store.scenarios()
        loaded = [store.scenario(record.id) for record in saved]
    assert [(s.id, s.name, s.created_at, s.created_by) for s in saved] == [
        (2, "未命名方案", APPROVED_AT, "planner"), (1, "未命名方案", APPROVED_AT, "planner")]
    assert [s.sha256 for s in saved] == [scenario_sha256(default_scenario(cap))
                                         for cap in (15, 20)]
    assert [scenario.cap.annual for scenario in loaded] == [15, 20]
    assert ["annual = 15" in s.toml for s in saved] == [True, False]


def test_a_loaded_run_is_its_dataset_scenario_and_result_as_recorded(db, solved):
    from allocator.plan import plan_json
    from allocator.scenario import scenario_sha256

    with Store.open(db) as store:
        stored = store.load_run(OPEN)
    assert stored.record.id == OPEN and stored.approval is None
    assert scenario_sha256(stored.scenario) == scenario_sha256(default_scenario(15))
    assert stored.submissions.frame.equals(demand().frame)
    assert stored.submissions.sha256 == demand().sha256
    assert stored.result == {**plan_json(solved[1][1]), "run_id": OPEN}


@pytest.mark.parametrize("edit, code, message", [
    ("PRAGMA user_version = 99", "future_version",
     "The store {db} was written by a newer allocator (schema version 99; this allocator knows "
     "up to version {known}). Update allocator; the store was left untouched."),
    ("PRAGMA application_id = 7", "not_a_store",
     "{db} is not an allocator store (another file or database); choose another --db path."),
])
def test_a_store_opened_read_only_is_refused_like_a_writable_one(db, edit, code, message):
    with closing(raw(db)) as connection:
        connection.execute(edit)
    for options in ({"read_only": True}, {"writable": True}):
        with pytest.raises(StoreError) as refused:
            Store.open(db, **options)
        assert refused.value.code == code
        assert str(refused.value) == message.format(db=db, known=store_module.schema_version())


def test_a_store_opened_read_only_reads_every_table_by_its_column_names(db):
    with Store.open(db, read_only=True) as store:
        assert store.read_only
        assert [run.id for run in store.runs()] == [OPEN, APPROVED]
        assert store.verify().ok


@pytest.mark.parametrize("reason, code", [
    ("database is locked", "db_unreadable"), ("database table is locked", "db_unreadable"),
    ("database is busy", "db_unreadable"),
    ("attempt to write a readonly database", "db_unreadable"),
    ("disk I/O error", "store_damaged"), ("database disk image is malformed", "store_damaged"),
])
def test_sqlites_refusals_are_told_apart_from_damage(reason, code):
    # Locked, busy or read-only: try again later (exit 2). Any other SQLite failure on a file
    # that starts like a database is damage (exit 4).
    path = Path("x.sqlite3")
    told = store_module._damaged(path, sqlite3.OperationalError(reason))
    assert told.code == code
    if code == "db_unreadable":
        assert str(told) == f"Cannot open the store {path} ({reason})."
    else:
        assert isinstance(told, store_module.TamperedError)
        assert str(told) == (f"The store file {path} is damaged and cannot be read ({reason}). "
                             "It was left untouched; restore it from a backup.")
    other = store_module._damaged(path, sqlite3.DatabaseError("database is locked"))
    assert other.code == "store_damaged"  # only SQLite's operational errors are a busy file


def test_an_approval_is_found_by_its_chain_hash_and_each_exported_head_checked(db):
    with closing(raw(db)) as connection:
        head = connection.execute("SELECT chain_sha256 FROM approvals").fetchone()[0]
    with Store.open(db) as store:
        assert store.approval_by_chain(head).run_id == APPROVED
        assert store.approval_by_chain("cd" * 32) is None
        report = store.verify()
        assert store.verify_against([("old.xlsx", "cd" * 32), ("plan.xlsx", head)],
                                    report) is report
    assert [(f.code, f.message.zh, f.run_ids) for f in report.findings] == [
        ("against", "old.xlsx：存储库中没有其审批（审批链哈希 cdcdcdcdcdcdcdcd…）："
                    "这是较旧的副本，或已被截断或替换。", ())]



def test_an_approval_is_written_whole_its_chain_hash_computed_by_hand(timed, monkeypatch):
    """Every column of a superseding approval and of its audit entry, and its chain hash
    recomputed here with hashlib over the fields docs/record.md lists."""
    clock = iter(["2026-12-04T01:00:00+00:00", "2026-12-04T01:00:01+00:00"])
    monkeypatch.setattr(store_module, "now", lambda: next(clock))  # one reading, for both
    with closing(raw(timed)) as connection:
        head = connection.execute("SELECT sha256 FROM audit ORDER BY id DESC").fetchone()[0]
        first = connection.execute("SELECT chain_sha256 FROM approvals").fetchone()[0]
        run = connection.execute("SELECT * FROM runs WHERE id = 2").fetchone()
        dataset, scenario = content_hashes(connection, run)
    seats = [[row["credit_code"], row["allocated"]]
             for row in json.loads(run["result"])["employers"]]
    with Store.open(timed) as store:
        given = store.approve(OPEN, " 李四 ", note=" 复议通过 ", supersede=APPROVED,
                              reason=" 名额调整 ")
    allocations = json.dumps(seats, ensure_ascii=False, separators=(",", ":"))
    fields = {"run_id": 2, "approver": "李四", "approved_at": "2026-12-04T01:00:00+00:00",
              "note": "复议通过", "plan_sha256": run["plan_sha256"],
              "result_sha256": run["result_sha256"], "dataset_sha256": dataset,
              "scenario_sha256": scenario, "allocations": allocations, "prev_sha256": first,
              "format": 2, "plan_year": 2027, "supersedes": 1, "reason": "名额调整",
              "audit_sha256": head}
    chain = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False,
                                      separators=(",", ":")).encode()).hexdigest()
    with closing(raw(timed)) as connection:
        row = dict(connection.execute("SELECT * FROM approvals WHERE run_id = 2").fetchone())
        entry = connection.execute("SELECT * FROM audit ORDER BY id DESC").fetchone()
    assert row == {"id": 2, "run_id": 2, "approver": "李四",
                   "approved_at": "2026-12-04T01:00:00+00:00", "note": "复议通过",
                   "plan_sha256": run["plan_sha256"], "allocations": allocations,
                   "prev_sha256": first, "chain_sha256": chain, "format": 2, "plan_year": 2027,
                   "supersedes": 1, "reason": "名额调整", "audit_sha256": head}
    assert (entry["at"], entry["actor"], entry["action"], entry["subject"]) == (
        "2026-12-04T01:00:00+00:00", "李四", "approve", "run:2")
    assert json.loads(entry["detail"]) == {
        "approver": "李四", "note": "复议通过", "plan_sha256": run["plan_sha256"],
        "chain_sha256": chain, "plan_year": 2027, "supersedes": 1, "reason": "名额调整"}
    assert given == allocator.plan.ApprovalInfo(
        run_id=2, approver="李四", approved_at="2026-12-04T01:00:00+00:00", note="复议通过",
        chain_sha256=chain, plan_year=2027, supersedes=1, reason="名额调整")


def ticking(monkeypatch: pytest.MonkeyPatch, minute: str) -> None:
    """The store's clock, moving on by a second at each reading from ``minute``:00 (UTC)."""
    seconds = iter(range(60))
    monkeypatch.setattr(store_module, "now", lambda: f"{minute}:{next(seconds):02d}+00:00")


def test_each_record_and_its_audit_entry_share_one_reading_of_the_clock(tmp_path, solved,
                                                                       monkeypatch):
    """A clock that moves on by a second at each reading: every record and its audit entry
    still carry the same time, and the store verifies."""
    ticking(monkeypatch, "2026-12-04T01:00")
    path = build(tmp_path / "store.sqlite3", solved)
    with closing(raw(path)) as connection:
        made = {f"{table[:-1]}:{row[0]}": row[1] for table in ("datasets", "scenarios", "runs")
                for row in connection.execute(f"SELECT id, created_at FROM {table}")}
        made.update({f"approval:{row[0]}": row[1] for row in
                     connection.execute("SELECT run_id, approved_at FROM approvals")})
    with Store.open(path) as store:
        assert store.verify().ok
        logged = {(e.action, e.subject): e.at for e in store.audit()}
    assert logged == {
        ("migrate", "store"): "2026-12-04T01:00:00+00:00",
        ("create", "dataset:1"): made["dataset:1"], ("create", "scenario:1"): made["scenario:1"],
        ("solve", "run:1"): made["run:1"], ("create", "scenario:2"): made["scenario:2"],
        ("solve", "run:2"): made["run:2"], ("approve", "run:1"): made["approval:1"]}
    assert sorted(made.values()) == [f"2026-12-04T01:00:{second:02d}+00:00"
                                     for second in range(1, 7)]


def test_a_migration_another_process_made_meanwhile_is_not_made_or_logged_again(db):
    """Two processes open an old store at once; the second to take the write lock finds it
    migrated already (the header is read again inside the transaction)."""
    with Store.open(db) as store:
        before = store.audit()
        store._migrate("planner")
        assert store.audit() == before
        assert store.version == store_module.schema_version()


def test_a_result_whose_text_was_changed_without_its_hash_is_named(db):
    tamper(db, sql("UPDATE runs SET result = replace(result, '\"status\"', '\"status\" ') "
                   "WHERE id = 2"))
    assert found(db) == [
        ("result", "Run 2: the stored result JSON was changed after it was recorded.", (2,))]


def test_verify_resolve_names_each_run_that_solves_differently_now(db, monkeypatch):
    """Nothing stored was touched, but the solver now gives one permit less to the largest
    allocation: every run's replay differs, each named with both plan hashes."""
    import allocator.model

    real = allocator.model.solve

    def drifted(problem, options=None):
        return drift(real(problem, options))

    with closing(raw(db)) as connection:
        stored = dict(connection.execute("SELECT id, plan_sha256 FROM runs").fetchall())
    monkeypatch.setattr(allocator.model, "solve", drifted)
    assert found(db) == []
    findings = found(db, resolve=True)
    assert [(code, runs) for code, _, runs in findings] == [("replay", (2,)), ("replay", (1,))]
    for (_, message, (run,)) in findings:
        new, old = message.removeprefix(f"Run {run}: re-solving gives plan hash ").split(
            "…, but ")
        assert len(new) == 12 and new != stored[run][:12]
        assert old == f"{stored[run][:12]}… is stored."


@pytest.mark.parametrize("edit, written", [
    ("DELETE FROM sqlite_sequence WHERE name = 'audit'", 0),
    ("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'audit'", 3),
    ("UPDATE sqlite_sequence SET seq = 'x' WHERE name = 'audit'", "x"),  # not even a number
])
def test_sqlites_counter_of_written_rows_lowered_is_named_as_such(db, edit, written):
    """The newest rows are all there, but SQLite's counter was lowered, removed or
    overwritten: not a removal of rows, and not a traceback."""
    tamper(db, sql(edit))
    assert found(db) == [
        ("sequence_behind", f"Table audit: SQLite's counter of written rows stands at {written}, "
                            "below the newest id 7: the counter was altered outside allocator.",
         ())]
    assert found(db, lang="zh")[0][1] == (f"数据表 audit：SQLite 记录的已写入编号为 {written}，"
                                          "低于现存最新编号 7：该计数已在 allocator 之外被改动。")


# -- an approval made under the first schema, as allocator then wrote it ----------------------
def approve_as_schema_1(store: Store, run: int, approver: str, note: str) -> None:
    """What ``approve`` wrote before schema 2: eight columns, a chain hash without the plan
    year, supersede, reason and audit head, and its audit entry timed by a second reading of
    the clock."""
    with store._write() as db:
        row = db.execute(
            "SELECT r.*, d.sha256 AS dataset_sha256, s.sha256 AS scenario_sha256 FROM runs r"
            " JOIN datasets d ON d.id = r.dataset_id JOIN scenarios s ON s.id = r.scenario_id"
            " WHERE r.id = ?", (run,)).fetchone()
        allocations = canonical(store_module.result_allocations(json.loads(row["result"])))
        at = store_module.now()
        chain = store_module._chain_hash(
            run_id=run, approver=approver, approved_at=at, note=note,
            plan_sha256=row["plan_sha256"], result_sha256=row["result_sha256"],
            dataset_sha256=row["dataset_sha256"], scenario_sha256=row["scenario_sha256"],
            allocations=allocations, prev_sha256=store_module.GENESIS)
        db.execute("INSERT INTO approvals (run_id, approver, approved_at, note, plan_sha256,"
                   " allocations, prev_sha256, chain_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (run, approver, at, note, row["plan_sha256"], allocations,
                    store_module.GENESIS, chain))
        store._audit("approve", f"run:{run}", {"approver": approver, "note": note,
                                               "plan_sha256": row["plan_sha256"],
                                               "chain_sha256": chain}, approver)


@pytest.fixture
def upgraded(tmp_path, solved, monkeypatch) -> Path:
    """A store made and approved under schema 1, then opened (and so migrated) by this
    allocator; the clock moves on by a second at each reading."""
    ticking(monkeypatch, "2026-01-05T01:00")
    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as before:
        before.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
        with Store.open(path, by="planner") as store:
            assert store.version == 1
            store.record_run(demand(), *solved[0], by="planner")
            approve_as_schema_1(store, APPROVED, "张三", "同意")
    Store.open(path, by="planner").close()
    return path


def test_an_approval_made_under_the_first_schema_still_verifies_after_the_upgrade(upgraded):
    with Store.open(upgraded) as store:
        assert store.version == store_module.schema_version()
        assert store.verify().ok
        approval = store.run(APPROVED).approval
    assert (approval.approver, approval.note, approval.plan_year, approval.supersedes) == (
        "张三", "同意", None, None)
    with closing(raw(upgraded)) as connection:
        assert connection.execute("SELECT format FROM approvals").fetchone()[0] == 1


def test_an_edit_to_an_approval_of_the_first_schema_is_caught(upgraded):
    tamper(upgraded, sql("UPDATE approvals SET note = '不同意'"))
    assert found(upgraded) == [APPROVAL_1]
    tamper(upgraded, sql("UPDATE approvals SET note = '同意', approver = '李四'"))
    assert found(upgraded) == [APPROVAL_1, APPROVAL_1_LOG]


def test_a_solve_entry_retimed_with_the_audit_chain_rehashed_is_caught_by_the_runs_time(db):
    """An insider changes the time of the newest audit entry (a solve) and recomputes its hash:
    the chain holds, and only the run's own time, kept in its record, shows the change."""
    subs, scenario = demand(), default_scenario(12)
    with Store.open(db) as store:
        run = store.record_run(subs, scenario, solve(build_problem(subs, scenario)),
                               by="planner")

    def retime(connection: sqlite3.Connection) -> None:
        entry = connection.execute("SELECT * FROM audit ORDER BY id DESC").fetchone()
        at = "2020-01-01T00:00:00+00:00"
        digest = store_module._audit_hash(entry["id"], at, entry["actor"], entry["action"],
                                          entry["subject"], entry["detail"],
                                          entry["prev_sha256"])
        connection.execute("UPDATE audit SET at = ?, sha256 = ? WHERE id = ?",
                           (at, digest, entry["id"]))

    tamper(db, retime)
    assert found(db) == [
        ("run_log", f"Run {run} no longer matches its entry in the audit log (dataset, scenario, "
                    "status, total, plan, author or time).", (run,))]


def test_canonical_json_is_sorted_compact_utf8_and_refuses_what_json_cannot_hold():
    assert canonical({"b": [1, 2.5], "a": "中文", "c": None}) == '{"a":"中文","b":[1,2.5],"c":null}'
    for value in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            canonical({"x": value})
