"""The store: exact datasets, replayable runs, permanent approvals, evident tampering.

Tampering is done the way an insider would: a plain ``sqlite3`` session that drops the guard
triggers, edits the data (often recomputing the obvious hashes too) and puts the triggers back,
so only the store's own hashes and chains can give it away. Crashes are real: a writer process
is killed with SIGKILL at random moments while it records and approves runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from allocator import store as store_module
from allocator.cli import main
from allocator.examples import employer, submissions
from allocator.model import solve
from allocator.plan import PlanStatus, plan_json, plan_sha256
from allocator.policy import build_problem
from allocator.scenario import default_scenario, load_scenario, parse_scenario, scenario_sha256
from allocator.store import (
    GENESIS,
    Store,
    StoreError,
    TamperedError,
    canonical,
    decode_submissions,
    encode_submissions,
    result_plan_hash,
    schema_version,
    sha256_text,
)
from allocator.submissions import Submissions, read_submissions

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_demand.xlsx"
SCENARIOS = ROOT / "scenarios"


# -- fixtures ---------------------------------------------------------------------------------
def tiny() -> tuple[Submissions, object, object]:
    """Six employers and a small cap: solved in milliseconds."""
    records = [employer(i, demand_total=3 + i, sector=("finance", "other")[i % 2],
                        categories=(i % 3 + 1,), attrition_rate=Decimal("0.05"),
                        submitted_on=date(2026, 10, i + 1)) for i in range(1, 7)]
    subs = submissions(records)
    scenario = default_scenario(20)
    return subs, scenario, solve(build_problem(subs, scenario))


@pytest.fixture(scope="module")
def sample() -> Submissions:
    return read_submissions(SAMPLE).raise_for_errors()


@pytest.fixture(scope="module")
def plans(sample):
    """The sample solved under three shipped scenarios and one infeasible default."""
    found = {}
    for name in ("baseline", "proportional", "sector_floors"):
        scenario = load_scenario(SCENARIOS / f"{name}.toml")
        found[name] = (scenario, solve(build_problem(sample, scenario)))
    scenario = default_scenario(10)  # the top-100 guarantees alone exceed 10 permits
    found["infeasible"] = (scenario, solve(build_problem(sample, scenario)))
    assert found["infeasible"][1].status is PlanStatus.INFEASIBLE
    return found


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "store.sqlite3"


def fill(db: Path, sample: Submissions, plans: dict) -> dict[str, int]:
    """A store with an approved run, an unapproved run and an infeasible run."""
    with Store.open(db, by="planner") as store:
        ids = {name: store.record_run(sample, plans[name][0], plans[name][1])
               for name in ("baseline", "proportional", "infeasible")}
        store.approve(ids["baseline"], "张三", note="区政府审议通过")
    return ids


@pytest.fixture
def filled(db, sample, plans) -> dict[str, int]:
    return fill(db, sample, plans)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, sample, plans) -> tuple[Path, dict[str, int]]:
    """One filled store shared by tests whose every change must be refused."""
    db = tmp_path_factory.mktemp("guarded") / "store.sqlite3"
    return db, fill(db, sample, plans)


def raw(db: Path) -> sqlite3.Connection:
    """A plain SQL session, as any SQLite tool would open it (foreign keys off)."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection


def tamper(db: Path, edit: Callable[[sqlite3.Connection], None]) -> None:
    """Edit behind the application's back: drop the guards, edit, restore the guards."""
    with closing(raw(db)) as connection:
        connection.execute("BEGIN")
        triggers = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for trigger in triggers:
            connection.execute(f"DROP TRIGGER {trigger['name']}")
        edit(connection)
        for trigger in triggers:
            connection.execute(trigger["sql"])
        connection.execute("COMMIT")


def stored_result(connection: sqlite3.Connection, run_id: int) -> dict:
    return json.loads(connection.execute("SELECT result FROM runs WHERE id = ?",
                                         (run_id,)).fetchone()[0])


def rewrite_result(connection: sqlite3.Connection, run_id: int, result: dict, *,
                   rehash: bool) -> None:
    """Replace a run's result JSON; ``rehash`` also fixes the result hash as an insider would."""
    blob = canonical(result)
    connection.execute("UPDATE runs SET result = ? WHERE id = ?", (blob, run_id))
    if rehash:
        connection.execute("UPDATE runs SET result_sha256 = ? WHERE id = ?",
                           (sha256_text(blob), run_id))


def verify(db: Path, **options):
    with Store.open(db) as store:
        return store.verify(**options)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# -- where the store lives; schema and migrations ---------------------------------------------
def test_every_test_gets_its_own_store_outside_the_user_data_directory():
    from platformdirs import user_data_dir

    configured = Path(os.environ["ALLOCATOR_DB"])
    assert store_module.default_path() == configured
    assert Path(user_data_dir("allocator")) not in configured.parents


def test_default_path_is_in_the_user_data_directory(monkeypatch):
    from platformdirs import user_data_dir

    monkeypatch.delenv("ALLOCATOR_DB")
    assert store_module.default_path() == Path(user_data_dir("allocator")) / "allocator.sqlite3"


def test_solve_records_in_the_store_named_by_the_environment(capsys, tmp_path):
    book = tmp_path / "demand.xlsx"
    assert main(["sample", str(book), "--employers", "20", "--seed", "5"]) == 0
    code, out, _ = cli(capsys, "solve", str(book), "--cap", "30", "--json",
                       str(tmp_path / "r.json"), "--by", "王五")
    assert code == 0
    run_id = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["run_id"]
    assert f"Run id: {run_id}" in out
    with Store.open() as store:
        assert store.path == Path(os.environ["ALLOCATOR_DB"])
        record = store.run(run_id)
    assert record.created_by == "王五" and record.status == "optimal"


def test_a_new_store_gets_the_schema_at_the_current_version(db):
    assert not db.exists()
    with Store.open(db) as store:
        assert store.version == schema_version() >= 1
        connection = store._db
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    with raw(db) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"datasets", "scenarios", "runs", "approvals", "audit"} <= tables
        assert connection.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        actions = [row[0] for row in connection.execute("SELECT action FROM audit")]
    assert actions == ["migrate"]
    assert verify(db).ok


def test_a_store_from_a_future_version_is_refused_untouched(db, capsys):
    Store.open(db).close()
    with raw(db) as connection:
        connection.execute(f"PRAGMA user_version = {schema_version() + 1}")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    with pytest.raises(StoreError) as raised:
        Store.open(db)
    assert raised.value.code == "future_version"
    assert str(raised.value) == (
        f"The store {db} was written by a newer allocator (schema version "
        f"{schema_version() + 1}; this allocator knows up to version {schema_version()}). "
        "Update allocator; the store was left untouched.")
    code, _, err = cli(capsys, "runs", "--db", str(db))
    assert code == 2
    assert f"version {schema_version() + 1}" in err and "结构版本" in err
    assert db.read_bytes() == before


def test_migration_steps_run_in_order_and_keep_the_data(db, monkeypatch):
    subs, scenario, plan = tiny()
    current = schema_version()
    with Store.open(db) as store:
        run_id = store.record_run(subs, scenario, plan)
    later = [*store_module.MIGRATIONS,
             ("ALTER TABLE runs ADD COLUMN label TEXT",),
             ("CREATE TABLE labels (name TEXT PRIMARY KEY)",
              "INSERT INTO labels SELECT 'first' WHERE (SELECT count(*) FROM runs) = 1")]
    monkeypatch.setattr(store_module, "MIGRATIONS", later)
    with Store.open(db) as store:
        assert store.version == len(later)
        assert store.run(run_id).plan_sha256 == plan_sha256(plan)
        assert [row[0] for row in store._db.execute("SELECT name FROM labels")] == ["first"]
        migrations = [entry.detail for entry in store.audit() if entry.action == "migrate"]
        report = store.verify()
    assert migrations == [{"from": 0, "to": current, "allocator": "0.1.0"},
                          {"from": current, "to": current + 2, "allocator": "0.1.0"}]
    assert report.ok, report.findings


@pytest.mark.parametrize("kind", ["text_file", "foreign_sqlite", "directory", "no_folder"])
def test_a_bad_store_path_is_a_clean_error(kind, tmp_path, capsys):
    target = tmp_path / "x.sqlite3"
    if kind == "text_file":
        target.write_text("name,weight\nA,1\n" * 50)
    elif kind == "foreign_sqlite":
        with sqlite3.connect(target) as connection:
            connection.execute("CREATE TABLE contacts (name TEXT)")
    elif kind == "directory":
        target.mkdir()
    else:
        target = tmp_path / "missing" / "x.sqlite3"
    before = target.read_bytes() if target.is_file() else None
    code, _, err = cli(capsys, "runs", "--db", str(target))
    assert code == 2
    assert str(target) in err and err.count(" / ") >= 1  # both languages
    assert (target.read_bytes() if target.is_file() else None) == before


# -- datasets, scenarios and runs are kept exactly --------------------------------------------
def cells(frame: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    return {str(c): [(type(v).__name__, repr(v)) for v in frame[c].tolist()]
            for c in frame.columns}


def test_submissions_round_trip_exactly(sample):
    frame = sample.frame.copy()
    # Unknown columns carry whatever the workbook held.
    frame["备注"] = [[1.5, "x", None, datetime(2026, 10, 3, 9, 30), True, float("nan"),
                    Decimal("0.10"), 7, time_of_day(9, 30, 15), timedelta(days=-1, seconds=5,
                                                                  microseconds=7)][i % 10]
                   for i in range(len(frame))]
    original = Submissions(frame, sample.issues, sample.file, sample.sheet, sample.header_row,
                           sample.plan_year, sample.sha256, ["备注"], sample.headers)
    rebuilt = decode_submissions(encode_submissions(original))
    assert cells(rebuilt.frame) == cells(original.frame)
    assert list(rebuilt.frame.dtypes) == list(original.frame.dtypes)
    assert rebuilt.frame.index.equals(original.frame.index)
    assert (rebuilt.file, rebuilt.sheet, rebuilt.header_row, rebuilt.plan_year,
            rebuilt.sha256, rebuilt.extra_columns, rebuilt.headers) == (
        original.file, original.sheet, original.header_row, original.plan_year,
        original.sha256, original.extra_columns, original.headers)
    assert rebuilt.issues == original.issues
    assert encode_submissions(rebuilt) == encode_submissions(original)


def test_plan_hash_from_the_result_json_matches_the_plan_module(plans):
    for _, plan in plans.values():
        assert result_plan_hash(plan_json(plan), plan.ortools_version) == plan_sha256(plan)


def test_a_recorded_run_loads_back_as_recorded(db, sample, plans):
    scenario, plan = plans["sector_floors"]
    with Store.open(db, by="planner") as store:
        run_id = store.record_run(sample, scenario, plan, by="李四")
        again = store.record_run(sample, scenario, plan)
        stored = store.load_run(run_id)
        record = store.run(run_id)
        runs = store.runs()
        datasets = store._db.execute("SELECT count(*) FROM datasets").fetchone()[0]
    assert again == run_id + 1 and datasets == 1  # one dataset kept once, two runs
    assert [r.id for r in runs] == [again, run_id]
    assert cells(stored.submissions.frame) == cells(sample.frame)
    assert scenario_sha256(stored.scenario) == scenario_sha256(scenario)
    expected = plan_json(plan)
    assert stored.result == {**expected, "run_id": run_id}
    assert (record.status, record.allocated, record.plan_sha256, record.created_by,
            record.scenario_name, record.dataset_file, record.approval) == (
        "optimal", plan.allocated, plan_sha256(plan), "李四", scenario.scenario.name,
        "sample_demand.xlsx", None)


def test_saved_scenarios_are_listed_and_loaded(db):
    with Store.open(db) as store:
        ids = [store.save_scenario(load_scenario(path)) for path in sorted(
            SCENARIOS.glob("*.toml"))]
        assert store.save_scenario(load_scenario(SCENARIOS / "baseline.toml")) in ids
        listed = store.scenarios()
        for path, scenario_id in zip(sorted(SCENARIOS.glob("*.toml")), ids, strict=True):
            assert scenario_sha256(store.scenario(scenario_id)) == scenario_sha256(
                load_scenario(path))
    assert sorted(r.id for r in listed) == sorted(ids) and len(set(ids)) == len(ids)
    with Store.open(db) as store, pytest.raises(StoreError):
        store.scenario(999)


@pytest.mark.parametrize("name", ["baseline", "proportional", "sector_floors"])
def test_re_solving_a_stored_run_gives_the_same_plan_hash(name, db, sample, plans):
    scenario, plan = plans[name]
    with Store.open(db) as store:
        run_id = store.record_run(sample, scenario, plan)
    with Store.open(db) as store:  # a later session: nothing but the file
        stored = store.load_run(run_id)
        again = solve(build_problem(stored.submissions, stored.scenario))
        replay = store.replay(run_id)
    assert plan_sha256(again) == plan_sha256(plan) == stored.record.plan_sha256
    assert replay.same and replay.plan_sha256 == plan_sha256(plan)
    assert [int(x) for x in replay.plan.allocation] == [int(x) for x in plan.allocation]


# -- approvals --------------------------------------------------------------------------------
def test_approvals_form_a_chain(db, sample, plans):
    with Store.open(db) as store:
        ids = [store.record_run(sample, *plans[name]) for name in
               ("baseline", "proportional", "sector_floors")]
        first = store.approve(ids[0], "张三", note="第一次")
        # One plan per plan year: the second replaces the first, with a reason.
        second = store.approve(ids[2], " 李四 ", supersede=ids[0], reason="复议")
        report = store.verify()
        rows = store._db.execute("SELECT run_id, prev_sha256, chain_sha256 FROM approvals "
                                 "ORDER BY id").fetchall()
        record = store.run(ids[2])
    assert [tuple(r) for r in rows] == [(ids[0], GENESIS, first.chain_sha256),
                                        (ids[2], first.chain_sha256, second.chain_sha256)]
    assert report.ok and report.chain_head == second.chain_sha256
    assert report.counts["approvals"] == 2 and report.counts["runs"] == 3
    assert second.approver == "李四" and record.approval == second
    assert datetime.fromisoformat(second.approved_at).utcoffset() is not None


def test_approval_refusals_are_clear(filled, db, capsys):
    code, _, err = cli(capsys, "approve", str(filled["baseline"]), "--by", "李四",
                         "--db", str(db))
    assert code == 2 and "张三" in err and "already approved" in err and "已于" in err
    code, _, err = cli(capsys, "approve", str(filled["infeasible"]), "--by", "李四",
                         "--db", str(db))
    assert code == 2 and "infeasible" in err and "无可行方案" in err
    code, _, err = cli(capsys, "approve", "404", "--by", "李四", "--db", str(db))
    assert code == 2 and "404" in err
    code, _, err = cli(capsys, "approve", str(filled["proportional"]), "--by", "  ",
                         "--db", str(db))
    assert code == 2 and "--by" in err
    # The name and the note go onto the approved plan: bounded, and no control characters
    # (a line break in the note is fine).
    proportional = str(filled["proportional"])
    for extra, words in (
            (["--by", "张\x1b[2J三"], ("U+001B", "审批人姓名", "approver's name")),
            (["--by", "张" * 101], ("101", "100", "审批人姓名")),
            (["--by", "李四", "--note", "x" * 2001], ("2001", "2000", "approval note")),
            (["--by", "李四", "--note", "同意\x07"], ("U+0007", "审批备注"))):
        code, _, err = cli(capsys, "approve", proportional, *extra, "--db", str(db))
        assert code == 2 and all(w in err for w in words), err
        assert "\x1b" not in err
    with Store.open(db) as store:
        assert [r.id for r in store.runs() if r.approved] == [filled["baseline"]]
        assert store.verify().ok
    code, _, _ = cli(capsys, "approve", proportional, "--by", "李四", "--note", "同意\n此致",
                     "--supersede", str(filled["baseline"]), "--reason", "复议", "--db", str(db))
    assert code == 0


def test_approve_and_runs_on_the_command_line(filled, db, capsys):
    code, out, _ = cli(capsys, "approve", str(filled["proportional"]), "--by", "王五",
                       "--note", "同意", "--supersede", str(filled["baseline"]),
                       "--reason", "复议", "--db", str(db), "--lang", "en")
    assert code == 0 and f"Run {filled['proportional']} approved by 王五" in out
    code, out, _ = cli(capsys, "runs", "--db", str(db), "--lang", "en")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[3:]}
    with Store.open(db) as store:
        for run in store.runs():
            line = lines[str(run.id)]
            assert run.plan_sha256[:12] in line and run.scenario_name in line
            assert str(run.allocated) in line and run.status in line
            assert ("王五" in line) == (run.id == filled["proportional"])


def test_an_exception_mid_approval_leaves_nothing(filled, db):
    with Store.open(db) as store:
        before = store.audit()

        def fail() -> None:
            raise RuntimeError("power cut")

        store.on_approval_write = fail
        with pytest.raises(RuntimeError):
            store.approve(filled["proportional"], "王五", supersede=filled["baseline"],
                          reason="复议")
    with raw(db) as connection:
        approvals = [tuple(r) for r in connection.execute("SELECT run_id FROM approvals")]
    with Store.open(db) as store:
        assert store.audit() == before
        assert store.run(filled["proportional"]).approval is None
        assert store.verify().ok
        approval = store.approve(filled["proportional"], "王五", supersede=filled["baseline"],
                                 reason="复议")  # the chain goes on
        assert store.verify().ok
    assert approvals == [(filled["baseline"],)]
    assert approval.run_id == filled["proportional"]


# -- the schema refuses changes to approved data ----------------------------------------------
@pytest.mark.parametrize("statement", [
    "UPDATE approvals SET approver = 'x'",
    "DELETE FROM approvals",
    "UPDATE runs SET allocated = allocated + 1 WHERE id = {baseline}",
    "UPDATE runs SET result = '{{}}' WHERE id = {baseline}",
    "DELETE FROM runs WHERE id = {baseline}",
    "UPDATE audit SET actor = 'x' WHERE id = 1",
    "DELETE FROM audit",
    "UPDATE datasets SET content = '{{}}'",
    "DELETE FROM datasets",
    "UPDATE scenarios SET toml = ''",
    "DELETE FROM scenarios",
    "INSERT INTO approvals (run_id, approver, approved_at, note, plan_sha256, allocations,"
    " prev_sha256, chain_sha256) VALUES ({infeasible}, 'x', 't', '', 'p', '[]', 'a', 'b')",
])
def test_triggers_refuse_plain_sql_changes(statement, guarded):
    db, filled = guarded
    def snapshot() -> list:
        with raw(db) as connection:
            return [[tuple(r) for r in connection.execute(f"SELECT * FROM {table}")]
                    for table in ("datasets", "scenarios", "runs", "approvals", "audit")]

    before = snapshot()
    with raw(db) as connection, pytest.raises(sqlite3.DatabaseError,
                                              match="allocator store"):
        connection.execute(statement.format(**filled))
    assert snapshot() == before


def test_an_unapproved_run_is_permanent_too(filled, db):
    """Issue 12: run ids are never reused, so no run record may be removed, approved or not;
    removed behind the guards, verify names it."""
    with raw(db) as connection, pytest.raises(sqlite3.DatabaseError, match="permanent"):
        connection.execute("DELETE FROM runs WHERE id = ?", (filled["proportional"],))
    tamper(db, lambda connection: connection.execute("DELETE FROM runs WHERE id = ?",
                                                     (filled["proportional"],)))
    with Store.open(db) as store:
        assert {r.id for r in store.runs()} == {filled["baseline"], filled["infeasible"]}
        report = store.verify()
    assert [f.code for f in report.findings] == ["run_missing"]
    assert report.altered_runs == [filled["proportional"]]


# -- verify catches edits that bypass the application -----------------------------------------
def bump_first_allocated(result: dict) -> str:
    row = next(r for r in result["employers"] if r["allocated"] > 0)
    row["allocated"] += 1
    return row["credit_code"]


def test_verify_passes_on_an_untouched_store(filled, db, capsys):
    code, out, err = cli(capsys, "verify", "--db", str(db), "--resolve")
    assert code == 0 and "3 runs" in out and "1 approvals" in out and not err


def test_editing_an_approved_allocation_is_caught_and_named(filled, db, capsys):
    run_id = filled["baseline"]
    changed: list[str] = []

    def edit(connection):
        result = stored_result(connection, run_id)
        changed.append(bump_first_allocated(result))
        rewrite_result(connection, run_id, result, rehash=True)

    tamper(db, edit)
    report = verify(db)
    assert report.altered_runs == [run_id]
    assert {f.code for f in report.findings} >= {"plan", "approval", "seats"}
    code, _, err = cli(capsys, "verify", "--db", str(db), "--lang", "en")
    assert code == 4
    assert f"Run {run_id}: employer {changed[0]}" in err
    assert f"Run {filled['proportional']}" not in err


def test_editing_the_json_text_with_sqlite_json_functions_is_caught(filled, db):
    run_id = filled["proportional"]  # not approved: only the hashes stand guard
    tamper(db, lambda c: c.execute(
        "UPDATE runs SET result = json_set(result, '$.employers[3].allocated',"
        " json_extract(result, '$.employers[3].allocated') + 2) WHERE id = ?", (run_id,)))
    report = verify(db)
    assert report.altered_runs == [run_id]
    assert {f.code for f in report.findings} >= {"result", "plan"}


def test_verify_names_each_altered_plan(filled, db, capsys):
    def edit(connection):
        for run_id in (filled["baseline"], filled["proportional"]):
            result = stored_result(connection, run_id)
            bump_first_allocated(result)
            rewrite_result(connection, run_id, result, rehash=False)

    tamper(db, edit)
    code, _, err = cli(capsys, "verify", "--db", str(db))
    assert code == 4
    for run_id in (filled["baseline"], filled["proportional"]):
        assert f"Run {run_id}:" in err and f"运行 {run_id}：" in err
    assert f"Run {filled['infeasible']}:" not in err


@pytest.mark.parametrize("target", ["result", "dataset"])
def test_an_altered_run_cannot_be_approved(target, filled, db, capsys):
    run_id = filled["proportional"]

    def edit(connection):
        if target == "result":
            result = stored_result(connection, run_id)
            bump_first_allocated(result)
            rewrite_result(connection, run_id, result, rehash=True)
        else:
            connection.execute("UPDATE datasets SET content = "
                               "replace(content, 'sample_demand.xlsx', 'other.xlsx')")

    tamper(db, edit)
    code, _, err = cli(capsys, "approve", str(run_id), "--by", "王五", "--db", str(db))
    assert code == 4 and str(run_id) in err
    with raw(db) as connection:
        assert connection.execute("SELECT count(*) FROM approvals WHERE run_id = ?",
                                  (run_id,)).fetchone()[0] == 0


def test_a_thorough_rewrite_of_an_approved_run_is_still_caught_by_the_chain(filled, db):
    """The insider rewrites the result, result hash, plan hash and run record hash: the
    approval chain still knows what was approved."""
    run_id = filled["baseline"]

    def edit(connection):
        row = connection.execute("SELECT r.*, d.sha256 AS ds, s.sha256 AS ss FROM runs r "
                                 "JOIN datasets d ON d.id = r.dataset_id "
                                 "JOIN scenarios s ON s.id = r.scenario_id WHERE r.id = ?",
                                 (run_id,)).fetchone()
        result = stored_result(connection, run_id)
        bump_first_allocated(result)
        result["plan_sha256"] = result_plan_hash(result, row["ortools_version"])
        result["allocated"] += 1
        blob = canonical(result)
        fields = {**dict(row), "allocated": result["allocated"],
                  "plan_sha256": result["plan_sha256"], "result_sha256": sha256_text(blob)}
        connection.execute(
            "UPDATE runs SET result = ?, result_sha256 = ?, plan_sha256 = ?, allocated = ?,"
            " record_sha256 = ? WHERE id = ?",
            (blob, fields["result_sha256"], fields["plan_sha256"], fields["allocated"],
             store_module._record_hash(fields, row["ds"], row["ss"]), run_id))

    tamper(db, edit)
    report = verify(db)
    codes = {f.code for f in report.findings}
    assert report.altered_runs == [run_id]
    assert "approval" in codes and "seats" in codes
    assert not codes & {"result", "plan", "record"}  # the rewrite itself was consistent


def test_editing_a_dataset_row_is_caught_and_names_its_runs(filled, db, capsys):
    def edit(connection):
        content = json.loads(connection.execute("SELECT content FROM datasets").fetchone()[0])
        total = [c["name"] for c in content["columns"]].index("demand_total")
        content["rows"][0][total] += 5
        connection.execute("UPDATE datasets SET content = ?", (canonical(content),))

    tamper(db, edit)
    report = verify(db)
    assert report.altered_runs == sorted(filled.values())
    assert "dataset" in {f.code for f in report.findings}
    code, _, err = cli(capsys, "export", str(filled["baseline"]), "--out", "x.xlsx",
                       "--db", str(db))
    assert code == 4 and "Dataset 1" in err


def test_a_dataset_edit_with_its_hash_recomputed_is_still_caught(filled, db):
    def edit(connection):
        content = json.loads(connection.execute("SELECT content FROM datasets").fetchone()[0])
        content["rows"][1][2] = "改过的单位名称"
        blob = canonical(content)
        connection.execute("UPDATE datasets SET content = ?, sha256 = ?",
                           (blob, sha256_text(blob)))

    tamper(db, edit)
    report = verify(db)
    assert report.altered_runs == sorted(filled.values())
    assert {f.code for f in report.findings} >= {"record", "approval"}


def test_editing_a_scenario_is_caught_and_names_its_runs(filled, db):
    def edit(connection):
        row = connection.execute("SELECT id, toml FROM scenarios WHERE id = "
                                 "(SELECT scenario_id FROM runs WHERE id = ?)",
                                 (filled["proportional"],)).fetchone()
        assert "annual = 3000" in row["toml"]
        connection.execute("UPDATE scenarios SET toml = ? WHERE id = ?",
                           (row["toml"].replace("annual = 3000", "annual = 3100"), row["id"]))

    tamper(db, edit)
    report = verify(db)
    assert report.altered_runs == [filled["proportional"]]
    assert [f.code for f in report.findings] == ["scenario"]
    with Store.open(db) as store, pytest.raises(TamperedError):
        store.load_run(filled["proportional"])


@pytest.mark.parametrize("edit, code", [
    ("UPDATE approvals SET note = '改过的备注'", "approval"),
    ("UPDATE approvals SET allocations = '[]'", "approval"),
    ("UPDATE audit SET actor = 'someone else' WHERE action = 'solve'", "audit"),
    ("DELETE FROM audit WHERE action = 'create'", "audit"),
    ("DELETE FROM approvals", "approval_missing"),
])
def test_edits_to_approvals_and_the_audit_log_are_caught(edit, code, filled, db):
    tamper(db, lambda connection: connection.execute(edit))
    report = verify(db)
    assert code in {f.code for f in report.findings}


def test_dropped_guards_are_reported(filled, db, capsys):
    with raw(db) as connection:
        connection.execute("DROP TRIGGER approvals_no_update")
    code, _, err = cli(capsys, "verify", "--db", str(db))
    assert code == 4 and "approvals_no_update" in err


def drift(plan):
    """The plan as a solver that drifted would give it: one permit less to its largest
    allocation (an infeasible plan, which has none, unchanged)."""
    if plan.allocation is not None:
        plan.allocation = plan.allocation.copy()
        plan.allocation[plan.allocation.argmax()] -= 1
    return plan


def test_export_refuses_a_plan_that_does_not_replay(filled, db, tmp_path, capsys,
                                                    monkeypatch):
    """Hashes intact, but the code now solves differently: nothing is exported."""
    import allocator.model

    real = allocator.model.solve

    def drifted(problem, options=None):
        return drift(real(problem, options))

    monkeypatch.setattr(allocator.model, "solve", drifted)
    out = tmp_path / "plan.xlsx"
    code, _, err = cli(capsys, "export", str(filled["baseline"]), "--out", str(out),
                       "--db", str(db))
    assert code == 4 and not out.exists()
    assert "Re-solving run" in err and "重新求解" in err
    assert verify(db).ok  # nothing stored was touched: only a replay can tell
    code, _, err = cli(capsys, "verify", "--resolve", "--db", str(db), "--lang", "en")
    assert code == 4
    named = sorted(int(line.split()[2].rstrip(":")) for line in err.splitlines()[1:])
    assert named == sorted([filled["baseline"], filled["proportional"]])


def workbook_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return "\n".join(str(value) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    finally:
        book.close()  # a read-only workbook keeps its file open until closed


def test_export_rewrites_the_stored_plan_with_its_approval(filled, db, tmp_path, capsys):
    approved, draft = tmp_path / "approved.xlsx", tmp_path / "draft.xlsx"
    code, out, _ = cli(capsys, "export", str(filled["baseline"]), "--out", str(approved),
                       "--db", str(db), "--by", "档案员")
    assert code == 0 and "张三" in out
    code, out, _ = cli(capsys, "export", str(filled["proportional"]), "--out", str(draft),
                       "--db", str(db))
    assert code == 0 and "not been approved" in out
    with Store.open(db) as store:
        approval = store.run(filled["baseline"]).approval
        exports = [e for e in store.audit() if e.action == "export"]
        assert store.verify().ok
    shown = workbook_text(approved)
    # Stored in UTC, shown on the audit sheet in Beijing time (issue 12).
    beijing = (datetime.fromisoformat(approval.approved_at) + timedelta(hours=8)).isoformat()
    assert approval.approved_at.endswith("+00:00") and beijing.endswith("+00:00")
    assert approval.approver in shown and beijing.replace("+00:00", "+08:00") in shown
    assert approval.chain_sha256 in shown
    assert "档案员" in shown  # who exported it
    assert "张三" not in workbook_text(draft)
    assert [(e.subject, e.actor, Path(e.detail["path"]).name) for e in exports] == [
        (f"run:{filled['baseline']}", "档案员", "approved.xlsx"),
        (f"run:{filled['proportional']}", store_module.current_user(), "draft.xlsx")]


def test_an_infeasible_run_cannot_be_approved_in_words(filled, db):
    run = filled["infeasible"]
    with Store.open(db) as store:
        with pytest.raises(StoreError) as refused:
            store.approve(run, "李四")
        assert refused.value.code == "approve_infeasible"
        assert str(refused.value) == f"Run {run} is infeasible: there is no plan to approve."
        assert store.approval(run) is None


def test_an_infeasible_run_has_nothing_to_export(filled, db, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    code, _, err = cli(capsys, "export", str(filled["infeasible"]), "--out", str(out),
                       "--db", str(db))
    assert code == 3 and not out.exists() and "infeasible" in err


def test_unknown_run_in_export_and_a_clean_message(filled, db, tmp_path, capsys):
    code, _, err = cli(capsys, "export", "77", "--out", str(tmp_path / "p.xlsx"),
                       "--db", str(db))
    assert code == 2 and "77" in err


# -- crashes and concurrency ------------------------------------------------------------------
# A clean interpreter that forks one writer per iteration: the test process itself may hold
# threads (the app's tests run Streamlit), and forking a threaded process is unsafe.
KILL_LAUNCHER = r"""
import os, random, sys, time
sys.path.insert(0, sys.argv[2])
from test_store import tiny
from allocator.plan import plan_json
from allocator.store import Store

db = sys.argv[1]
subs, scenario, plan = tiny()
result = plan_json(plan)


def writer(seed, events_path):
    # Record and approve runs as fast as possible until killed; one byte per event.
    events = os.open(events_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    rng = random.Random(seed)
    store = Store.open(db, by="writer")

    def slow_commit():  # inside the approval transaction: widen the window
        os.write(events, b"I")
        time.sleep(rng.uniform(0, 0.004))

    store.on_approval_write = slow_commit
    while True:
        run_id = store.record_run(subs, scenario, plan, result)
        os.write(events, b"R")
        # One plan per plan year: each approval replaces the year's current one.
        current = next((r.id for r in store.runs()
                        if r.approval is not None and not r.approval.superseded), None)
        store.approve(run_id, "审批人", note=f"第{run_id}次", supersede=current,
                      reason="复议" if current is not None else "")
        os.write(events, b"A")


for line in sys.stdin:
    command, *rest = line.split()
    if command == "fork":
        pid = os.fork()
        if pid == 0:
            try:
                writer(int(rest[0]), rest[1])
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif command == "wait":
        _, status = os.waitpid(int(rest[0]), 0)
        print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1, flush=True)
"""


def counts(db: Path) -> tuple[str, int, int, int]:
    with raw(db) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return (integrity, *(connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                             for t in ("runs", "approvals", "audit")))


def test_a_writer_killed_at_random_leaves_no_partial_plan(db, tmp_path):
    iterations = 30
    Store.open(db).close()
    launcher = subprocess.Popen(
        [sys.executable, "-c", KILL_LAUNCHER, str(db), str(Path(__file__).parent)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert launcher.stdin is not None and launcher.stdout is not None

    def ask(command: str) -> int:
        launcher.stdin.write(command + "\n")
        launcher.stdin.flush()
        return int(launcher.stdout.readline())

    rng = random.Random(6)
    mid_approval = 0
    try:
        for iteration in range(iterations):
            _, runs_before, approvals_before, _ = counts(db)
            events = tmp_path / f"events-{iteration}"
            pid = ask(f"fork {iteration} {events}")
            deadline = time.monotonic() + 60
            # Kill only after one complete run and approval, at a random later moment.
            while b"A" not in (events.read_bytes() if events.exists() else b""):
                assert time.monotonic() < deadline
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.05))
            os.kill(pid, signal.SIGKILL)
            assert ask(f"wait {pid}") == signal.SIGKILL  # killed, not crashed
            seen = events.read_bytes()
            mid_approval += seen.endswith(b"I")
            integrity, runs_after, approvals_after, _ = counts(db)
            assert integrity == "ok"
            # Everything the writer saw committed is there, plus at most the one in flight.
            assert runs_after - runs_before - seen.count(b"R") in (0, 1)
            assert approvals_after - approvals_before - seen.count(b"A") in (0, 1)
            report = verify(db)
            assert report.ok, (iteration, report.findings)
    finally:
        launcher.stdin.close()
        launcher.wait(30)
        launcher.stdout.close()
    print(f"\nkill test: {iterations} kills, {mid_approval} inside an approval transaction;"
          f" {runs_after} runs and {approvals_after} approvals survived intact")
    assert runs_after >= iterations and approvals_after >= iterations
    assert mid_approval >= 1  # some kills did land inside an approval


PARALLEL_WRITER = """
import json, pathlib, sys, time
from allocator.cli import main

db, books, tag, folder = sys.argv[1:5]
books = books.split(",")  # one plan year per run: one approved plan per year
folder = pathlib.Path(folder)
(folder / f"ready-{tag}").touch()
while not (folder / "go").exists():
    time.sleep(0.002)
ids = []
for k in range(4):
    out = folder / f"{tag}-{k}.json"
    assert main(["solve", books[k], "--cap", "40", "--db", db, "--by", tag,
                 "--json", str(out)]) == 0
    ids.append(json.loads(out.read_text(encoding="utf-8"))["run_id"])
for run_id in ids:
    assert main(["approve", str(run_id), "--by", tag, "--db", db]) == 0
(folder / f"ids-{tag}.json").write_text(json.dumps(ids))
"""


def run_together(folder: Path, commands: list[list[str]]) -> None:
    """Start the processes, let them all reach their start line (each touches ``ready-…`` in
    ``folder`` and waits for ``go``), release them at once, and require each to succeed."""
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for command in commands]
    # No deadline of our own: on a loaded machine six Python processes importing pandas may
    # take minutes to reach the line (pytest-timeout stops a real hang). A process that ends
    # before it gets there fails the test with its own words.
    while len(list(folder.glob("ready-*"))) < len(processes):
        ended = [p for p in processes if p.poll() is not None and p.returncode != 0]
        assert not ended, ended[0].communicate()[1].decode()
        time.sleep(0.01)
    (folder / "go").touch()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()


def test_two_processes_writing_at_once_do_not_corrupt_the_store(db, tmp_path):
    books = {}
    for number, tag in enumerate(("甲", "乙")):
        books[tag] = [tmp_path / f"demand-{tag}-{k}.xlsx" for k in range(4)]
        for k, book in enumerate(books[tag]):
            year = str(2027 + 4 * number + k)
            assert main(["sample", str(book), "--employers", "25", "--seed", "11",
                         "--year", year]) == 0
    assert not db.exists()  # both processes race to create the schema too
    run_together(tmp_path, [[sys.executable, "-c", PARALLEL_WRITER, str(db),
                             ",".join(map(str, books[tag])), tag, str(tmp_path)]
                            for tag in ("甲", "乙")])
    ids = {tag: json.loads((tmp_path / f"ids-{tag}.json").read_text()) for tag in ("甲", "乙")}
    integrity, runs, approvals, _ = counts(db)
    assert integrity == "ok" and runs == approvals == 8
    with Store.open(db) as store:
        by = {run.id: run.created_by for run in store.runs()}
        report = store.verify()
        migrations = [e for e in store.audit() if e.action == "migrate"]
    assert sorted(ids["甲"] + ids["乙"]) == sorted(by) == list(range(1, 9))
    assert all(by[i] == tag for tag in ids for i in ids[tag])
    assert report.ok, report.findings
    assert len(migrations) == 1


OPENER = """
import sys, time
from pathlib import Path
from allocator.store import Store
folder = Path(sys.argv[1])
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.002)
with Store.open(folder / "store.sqlite3") as store:
    store.runs()
"""


def test_many_processes_creating_one_store_at_once_all_get_it(tmp_path):
    """Openers racing to create the schema: none may find it half made ("not a store") or
    give up at once on a lock (SQLite does not always wait while the file changes mode)."""
    for trial in range(2):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        run_together(folder, [[sys.executable, "-c", OPENER, str(folder), str(k)]
                              for k in range(6)])
        integrity, runs, approvals, _ = counts(folder / "store.sqlite3")
        assert integrity == "ok" and runs == approvals == 0


# -- mutation survivors (docs/mutation.md) ----------------------------------------------------
def test_a_replay_under_a_newer_or_tools_compares_the_allocations(filled, db, monkeypatch):
    """The same allocations solved by another OR-Tools version replay as the same plan (hashed
    with the stored version); one permit moved does not."""
    import allocator.model

    real = allocator.model.solve

    def newer(problem, options=None):
        plan = real(problem, options)
        plan.ortools_version = "99.0.0"
        return plan

    monkeypatch.setattr(allocator.model, "solve", newer)
    with Store.open(db, by="planner") as store:
        replay = store.replay(filled["baseline"])
        assert replay.plan.ortools_version != replay.stored.record.ortools_version
        assert replay.plan_sha256 != replay.stored.record.plan_sha256
        assert replay.same

    def newer_and_drifted(problem, options=None):
        return drift(newer(problem, options))

    monkeypatch.setattr(allocator.model, "solve", newer_and_drifted)
    with Store.open(db, by="planner") as store:
        assert not store.replay(filled["baseline"]).same


def test_a_frame_the_dataset_cannot_rebuild_is_refused(sample):
    """A filtered frame (its index no longer 0, 1, 2, …) or one with a repeated column
    would not come back as it went in: refused rather than stored changed."""
    def with_frame(frame):
        return Submissions(frame, sample.issues, sample.file, sample.sheet, sample.header_row,
                           sample.plan_year, sample.sha256, [], sample.headers)

    filtered = sample.frame.iloc[1:]
    with pytest.raises(TypeError, match="default index"):
        encode_submissions(with_frame(filtered))
    repeated = pd.concat([sample.frame, sample.frame[["name"]]], axis=1)
    with pytest.raises(TypeError, match="unique columns"):
        encode_submissions(with_frame(repeated))


# -- mutation survivors, third sample (docs/mutation.md) -------------------------------------
def test_a_stored_dataset_of_an_unknown_format_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"unknown dataset format 'allocator\.dataset\.v0'"):
        store_module.decode_submissions(json.dumps({"format": "allocator.dataset.v0"}))


def test_an_approval_differing_from_its_run_in_many_seats_lists_ten_and_counts_the_rest(filled,
                                                                                      db):
    def edit(connection):
        allocations = json.loads(connection.execute(
            "SELECT allocations FROM approvals").fetchone()[0])
        for entry in allocations[:13]:  # 13 employers each given one more permit
            entry[1] += 1
        connection.execute("UPDATE approvals SET allocations = ?",
                           (json.dumps(allocations, ensure_ascii=False),))

    tamper(db, edit)
    findings = verify(db).findings
    assert sum(f.code == "seats" for f in findings) == 10
    [more] = [f for f in findings if f.code == "seats_more"]
    assert more.message.en == f"Run {filled['baseline']}: 3 more employers differ from the " \
                              "approved plan."


def test_a_scenario_rewritten_with_its_hash_recomputed_is_still_caught(filled, db):
    # The audit log's create entry keeps the scenario's original hash.
    def edit(connection):
        row = connection.execute("SELECT id, toml FROM scenarios WHERE id = "
                                 "(SELECT scenario_id FROM runs WHERE id = ?)",
                                 (filled["proportional"],)).fetchone()
        toml = row["toml"].replace("annual = 3000", "annual = 3100")
        sha = scenario_sha256(parse_scenario(toml))
        connection.execute("UPDATE scenarios SET toml = ?, sha256 = ? WHERE id = ?",
                           (toml, sha, row["id"]))

    tamper(db, edit)
    report = verify(db)
    assert filled["proportional"] in report.altered_runs
    assert "scenario" in {f.code for f in report.findings}


def test_a_store_file_that_cannot_be_read_is_refused_with_the_reason(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"SQLite format 3\x00")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(StoreError) as refused:
        Store.open(path)
    assert refused.value.code == "db_unreadable"
    assert str(refused.value) == f"Cannot open the store {path} ([Errno 13] Permission denied)."


def test_a_store_sqlite_cannot_open_is_refused_with_sqlites_reason(filled, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_module.sqlite3, "connect", refuse)
    with pytest.raises(StoreError) as refused:
        Store.open(db)
    assert str(refused.value) == f"Cannot open the store {db} (unable to open database file)."


# -- mutation survivors, check sample (seed 24) -----------------------------------------------
def test_superseding_a_run_that_is_not_the_years_approval_names_the_one_that_is(db, sample,
                                                                                 plans):
    with Store.open(db, by="planner") as store:
        ids = [store.record_run(sample, *plans[name]) for name in
               ("baseline", "proportional", "sector_floors")]
        store.approve(ids[0], "张三")
        with pytest.raises(StoreError) as refused:
            store.approve(ids[2], "李四", supersede=ids[1], reason="复议")
    assert refused.value.code == "supersede_wrong"
    assert str(refused.value) == (f"Run {ids[1]} is not the current approved plan of 2027; that "
                                  f"is run {ids[0]}. Give --supersede {ids[0]}.")


def test_a_new_store_file_has_the_permissions_sqlite_would_give_it(tmp_path):
    mask = os.umask(0o022)
    try:
        Store.open(tmp_path / "s.sqlite3", by="planner").close()
    finally:
        os.umask(mask)
    assert (tmp_path / "s.sqlite3").stat().st_mode & 0o777 == 0o644


def test_a_blank_store_path_means_the_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_DB", str(tmp_path / "default.sqlite3"))
    with Store.open("  ", by="planner") as store:
        assert store.path == tmp_path / "default.sqlite3"


def test_an_approval_whose_supersede_link_was_removed_breaks_the_one_plan_per_year_rule(db,
                                                                                       sample,
                                                                                       plans):
    with Store.open(db, by="planner") as store:
        ids = [store.record_run(sample, *plans[name]) for name in ("baseline", "sector_floors")]
        store.approve(ids[0], "张三")
        store.approve(ids[1], "李四", supersede=ids[0], reason="复议")
    tamper(db, lambda connection: connection.execute(
        "UPDATE approvals SET supersedes = NULL WHERE run_id = ?", (ids[1],)))
    findings = verify(db).findings
    [broken] = [f for f in findings if f.code == "supersede"]
    assert broken.message.en == (f"The approval of run {ids[1]} for 2027 does not follow the "
                                 "one-plan-per-year rule: it supersedes a run that is not the "
                                 "year's current approval.")
    assert broken.run_ids == (ids[1],)


def findings_of(db: Path) -> list[tuple[str, str]]:
    return [(f.code, f.message.en) for f in verify(db).findings]


def test_a_dropped_guard_is_named(filled, db):
    with raw(db) as connection:
        name = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                  "ORDER BY name LIMIT 1").fetchone()[0]
        connection.execute(f"DROP TRIGGER {name}")
    assert ("trigger", f"The schema guard {name} is missing or was changed.") in findings_of(db)


def test_a_trigger_or_table_allocator_never_created_is_named(filled, db):
    with raw(db) as connection:
        connection.execute("CREATE TABLE notes (x)")
        connection.execute("CREATE TRIGGER sneaky AFTER INSERT ON notes BEGIN SELECT 1; END")
    found = findings_of(db)
    assert ("object_extra", "The store has a table or view notes that allocator never "
                            "created.") in found
    assert ("trigger_extra", "The store has a trigger sneaky that allocator never created: it "
                             "may change data as it is written.") in found


def test_a_run_whose_solve_entry_is_gone_is_not_in_the_audit_log(filled, db):
    run = filled["proportional"]
    tamper(db, lambda connection: connection.execute(
        "DELETE FROM audit WHERE action = 'solve' AND subject = ?", (f"run:{run}",)))
    assert ("run_unlogged", f"Run {run} is not in the audit log: it was inserted outside "
                            "allocator.") in findings_of(db)


def test_a_result_that_is_not_json_any_more_is_unreadable(filled, db):
    run = filled["baseline"]  # approved: its result is always parsed
    blob = b"not json"

    def edit(connection):
        connection.execute("UPDATE runs SET result = ?, result_sha256 = ? WHERE id = ?",
                           (blob, hashlib.sha256(blob).hexdigest(), run))

    tamper(db, edit)
    assert ("unreadable", f"Run {run}: the stored result JSON cannot be read.") in findings_of(db)


def test_an_employer_dropped_from_an_approval_is_named_with_a_dash(filled, db):
    def edit(connection):
        allocations = json.loads(connection.execute(
            "SELECT allocations FROM approvals").fetchone()[0])
        connection.execute("UPDATE approvals SET allocations = ?",
                           (json.dumps(allocations[1:], ensure_ascii=False),))
        edit.code, edit.seats = allocations[0]

    tamper(db, edit)
    assert ("seats", f"Run {filled['baseline']}: employer {edit.code} was approved - permits; "
                     f"the stored plan now says {edit.seats}.") in findings_of(db)
