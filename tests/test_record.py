"""Issue 12, the official record: outputs never destroy inputs, times in Beijing time,
approvals that cannot be forged, rolled back or overwritten unnoticed.

Every recipe of the issue is replayed here with the exact steps (plain ``sqlite3`` edits
included), asserting the exit code, the words and that nothing was written.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from allocator.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_demand.xlsx"
SCENARIOS = ROOT / "scenarios"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its hash: to prove nothing was written."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "demand.xlsx")
    for name in ("baseline", "proportional"):
        shutil.copy(SCENARIOS / f"{name}.toml", folder / f"{name}.toml")
    return folder


# -- outputs never overwrite inputs (item 5) ---------------------------------------------------
@pytest.mark.parametrize("option", ["--out", "--json"])
def test_solve_refuses_to_write_over_its_demand_workbook(option, work, capsys):
    before = listing(work)
    code, _, err = cli(capsys, "solve", work / "demand.xlsx", "--scenario",
                       work / "baseline.toml", option, work / "demand.xlsx")
    assert code == 2
    assert "is the input DEMAND.xlsx" in err and "输入" in err and "nothing was written" in err
    assert listing(work) == before


def test_solve_refuses_a_scenario_or_the_store_as_output(work, capsys, monkeypatch):
    store = work / "store.sqlite3"
    monkeypatch.setenv("ALLOCATOR_DB", str(store))
    assert cli(capsys, "solve", work / "demand.xlsx", "--scenario", work / "baseline.toml")[0] == 0
    before = listing(work)
    for target, named in ((work / "baseline.toml", "--scenario"), (store, "--db")):
        code, _, err = cli(capsys, "solve", work / "demand.xlsx", "--scenario",
                           work / "baseline.toml", "--out", target)
        assert code == 2 and f"is the input {named}" in err
    assert listing(work) == before


def test_another_spelling_or_a_link_of_an_input_is_the_same_file(work, capsys):
    (work / "sub").mkdir()
    os.symlink(work / "demand.xlsx", work / "link.xlsx")
    os.link(work / "baseline.toml", work / "hard.toml")
    before = listing(work)
    for target in (work / "sub" / ".." / "demand.xlsx", work / "link.xlsx"):
        code, _, err = cli(capsys, "solve", work / "demand.xlsx", "--cap", "500",
                           "--json", target)
        assert code == 2 and "DEMAND.xlsx" in err
    code, _, err = cli(capsys, "solve", work / "demand.xlsx", "--scenario", work / "hard.toml",
                       "--json", work / "baseline.toml")
    assert code == 2 and "--scenario" in err
    assert listing(work) == before


def test_compare_refuses_to_write_over_a_scenario(work, capsys):
    before = listing(work)
    code, _, err = cli(capsys, "compare", work / "demand.xlsx", work / "baseline.toml",
                       work / "proportional.toml", "--out", work / "baseline.toml")
    assert code == 2 and "S.toml" in err
    code, _, err = cli(capsys, "compare", work / "demand.xlsx", work / "baseline.toml",
                       work / "proportional.toml", "--out", work / "c.xlsx",
                       "--json", work / "c.xlsx")
    assert code == 2 and "same file" in err
    assert listing(work) == before


def test_validate_refuses_its_report_over_the_workbook(work, capsys):
    before = listing(work)
    code, _, err = cli(capsys, "validate", work / "demand.xlsx", "--json", work / "demand.xlsx")
    assert code == 2 and "DEMAND.xlsx" in err
    assert listing(work) == before


def test_outputs_are_renamed_into_place_and_a_failed_write_leaves_the_old_file(work):
    from allocator.outputs import write_atomically

    target = work / "out.txt"
    target.write_text("old")

    def failing(temporary: Path) -> None:
        temporary.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, failing)
    assert target.read_text() == "old"
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []
    write_atomically(target, lambda temporary: temporary.write_text("new"))
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def test_a_pipe_or_device_is_written_through_never_replaced(tmp_path):
    """`--json /dev/stdout` must work and `--json /dev/full` must fail, not replace the device
    node with a file (renaming over it would). A FIFO stands in for the device here."""
    import stat
    import threading

    from allocator.outputs import write_text_atomically

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_text_atomically(fifo, "计划 plan\n")
    reader.join(timeout=30)
    assert received == ["计划 plan\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- times in Beijing time (item 7) ------------------------------------------------------------
def test_stored_utc_times_are_shown_in_beijing_time(monkeypatch):
    from allocator.clock import shown

    monkeypatch.delenv("ALLOCATOR_TZ", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    assert shown("2026-12-31T17:30:00+00:00") == "2027-01-01 01:30:00 +08:00"
    monkeypatch.setenv("ALLOCATOR_TZ", "UTC")
    assert shown("2026-12-31T17:30:00+00:00") == "2026-12-31 17:30:00 +00:00"
    monkeypatch.setenv("ALLOCATOR_TZ", "Europe/Berlin")
    assert shown("2026-07-01T00:00:00+00:00") == "2026-07-01 02:00:00 +02:00"
    assert shown("not a time") == "not a time"


def test_an_unknown_zone_is_refused_in_words(monkeypatch, capsys, work):
    monkeypatch.setenv("ALLOCATOR_TZ", "Mars/Olympus")
    monkeypatch.setenv("ALLOCATOR_DB", str(work / "s.sqlite3"))
    assert cli(capsys, "solve", work / "demand.xlsx", "--cap", "500")[0] == 0
    code, _, err = cli(capsys, "runs")
    assert code == 2 and "Mars/Olympus" in err and "ALLOCATOR_TZ" in err and "时区" in err


def test_the_store_keeps_utc_and_runs_shows_beijing_time(monkeypatch, capsys, work):
    from datetime import datetime, timedelta

    from allocator.store import Store

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("ALLOCATOR_TZ", raising=False)
    db = work / "s.sqlite3"
    assert cli(capsys, "solve", work / "demand.xlsx", "--cap", "500", "--db", db)[0] == 0
    with Store.open(db) as store:
        created = store.runs()[0].created_at
    assert created.endswith("+00:00")
    beijing = (datetime.fromisoformat(created) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    code, out, _ = cli(capsys, "runs", "--db", db)
    assert code == 0 and f"{beijing}" in out and "+08:00" in out


# -- the store: the issue's recipes, step by step ---------------------------------------------
import sqlite3  # noqa: E402

from allocator.store import Store  # noqa: E402


def raw(db: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(db, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection


def behind_the_guards(db: Path, *statements: str, params: tuple = ()) -> None:
    """As an insider with sqlite3 would: drop the triggers, edit, put the triggers back."""
    with raw(db) as connection:
        connection.execute("BEGIN")
        triggers = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for trigger in triggers:
            connection.execute(f"DROP TRIGGER {trigger['name']}")
        for statement in statements:
            connection.execute(statement, params if "?" in statement else ())
        for trigger in triggers:
            connection.execute(trigger["sql"])
        connection.execute("COMMIT")
    connection.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, Path]:
    """A store with run 1 (baseline, approved), run 2 (proportional, not approved), and the
    approved export of run 1; plus a copy of the store taken before the approval."""
    folder = tmp_path_factory.mktemp("base")
    db = folder / "store.sqlite3"
    for name in ("baseline", "proportional"):
        assert main(["solve", str(SAMPLE), "--scenario", str(SCENARIOS / f"{name}.toml"),
                     "--db", str(db), "--by", "规划员"]) == 0
    shutil.copy(db, folder / "before-approval.sqlite3")
    assert main(["approve", "1", "--by", "张三", "--note", "区政府审议通过", "--db", str(db)]) == 0
    assert main(["export", "1", "--out", str(folder / "approved-1.xlsx"), "--db", str(db)]) == 0
    return {"db": db, "older": folder / "before-approval.sqlite3",
            "approved": folder / "approved-1.xlsx"}


@pytest.fixture
def store(base, tmp_path) -> Path:
    """A fresh copy of the base store for one test to attack."""
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copy(base["db"], folder / "store.sqlite3")
    return folder / "store.sqlite3"


def refused_export(capsys, db: Path, run: str = "1") -> str:
    """``export`` exits 4 and writes nothing; returns its words."""
    out = db.parent / "out.xlsx"
    before = listing(db.parent)
    code, _, err = cli(capsys, "export", run, "--out", out, "--db", db)
    assert code == 4, err
    assert not out.exists()
    after = listing(db.parent)
    assert {k: v for k, v in after.items() if not k.endswith(("-wal", "-shm"))} == \
        {k: v for k, v in before.items() if not k.endswith(("-wal", "-shm"))}
    return err


def verify_fails(capsys, db: Path, *words: str, against: Path | None = None) -> str:
    extra = ["--against", against] if against else []
    code, _, err = cli(capsys, "verify", "--db", db, *extra)
    assert code == 4, err
    for word in words:
        assert word in err, (word, err)
    return err


def test_the_base_store_verifies_and_exports(base, store, capsys, tmp_path):
    code, out, _ = cli(capsys, "verify", "--db", store, "--against", base["approved"])
    assert code == 0
    assert "Store intact" in out and "every approval before it" in out
    code, out, _ = cli(capsys, "export", "2", "--out", tmp_path / "two.xlsx", "--db", store)
    assert code == 0 and (tmp_path / "two.xlsx").exists()


def test_a_forged_approval_is_never_exported(store, capsys):
    """Recipe: drop the triggers, INSERT one approval for the unapproved run 2."""
    behind_the_guards(store, "INSERT INTO approvals (run_id, approver, approved_at, note,"
                      " plan_sha256, allocations, prev_sha256, chain_sha256) VALUES (2, '李四',"
                      " '2026-12-01T10:00:00+08:00', '', 'x', '[]', 'forged-prev', 'forged')")
    err = refused_export(capsys, store, "2")
    assert "Run 2" in err and "运行 2" in err and "Nothing was written" in err
    verify_fails(capsys, store, "Run 2")


def test_swapped_run_ids_are_never_exported(store, capsys):
    behind_the_guards(store, "UPDATE runs SET id = 99 WHERE id = 1",
                      "UPDATE runs SET id = 1 WHERE id = 2", "UPDATE runs SET id = 2 WHERE id = 99")
    refused_export(capsys, store, "2")
    refused_export(capsys, store, "1")


def test_a_renamed_approver_is_never_exported(store, capsys):
    behind_the_guards(store, "UPDATE approvals SET approver = '王五'")
    err = refused_export(capsys, store)
    assert "approval" in err.lower() and "审批" in err


def test_a_deleted_run_is_visible_and_its_id_never_reused(store, capsys):
    behind_the_guards(store, "DELETE FROM runs WHERE id = 2")
    verify_fails(capsys, store, "Run 2 is in the audit log but its record is missing",
                 "运行 2")
    assert cli(capsys, "solve", SAMPLE, "--cap", "500", "--db", store)[0] == 0
    with Store.open(store) as opened:
        assert [run.id for run in opened.runs()] == [3, 1]
    verify_fails(capsys, store, "Run 2")


def test_a_store_cut_to_zero_bytes_is_reported_and_left_as_it_is(store, capsys):
    store.write_bytes(b"")
    for command in (["verify"], ["runs"], ["approve", "2", "--by", "x"]):
        code, _, err = cli(capsys, *command, "--db", store)
        assert code == 4 and "is empty" in err and "空" in err
        assert store.read_bytes() == b""
    code, _, err = cli(capsys, "solve", SAMPLE, "--cap", "500", "--db", store,
                       "--json", store.parent / "r.json")
    assert code == 4 and store.read_bytes() == b"" and not (store.parent / "r.json").exists()


def test_a_restored_older_copy_is_caught_against_the_approved_export(base, store, capsys):
    shutil.copy(base["older"], store)
    cli(capsys, "verify", "--db", store)  # on its own the older copy is consistent
    err = verify_fails(capsys, store, "older copy", "较旧的副本", against=base["approved"])
    assert str(base["approved"]) in err


def test_a_replaced_store_is_caught_against_the_approved_export(base, tmp_path, capsys):
    other = tmp_path / "other.sqlite3"
    assert cli(capsys, "solve", SAMPLE, "--scenario", SCENARIOS / "baseline.toml",
               "--db", other)[0] == 0
    assert cli(capsys, "approve", "1", "--by", "张三", "--db", other)[0] == 0
    verify_fails(capsys, other, "does not hold its approval", against=base["approved"])


def test_removing_the_last_approval_and_audit_row_is_visible(store, capsys):
    behind_the_guards(store, "DELETE FROM approvals WHERE id = (SELECT max(id) FROM approvals)",
                      "DELETE FROM audit WHERE id > (SELECT max(id) FROM audit) - 2")
    verify_fails(capsys, store, "newest rows were removed")


def test_removing_the_tail_and_fixing_the_sequence_is_caught_against_the_export(
        base, store, capsys):
    behind_the_guards(store, "DELETE FROM approvals", "DELETE FROM audit WHERE action IN"
                      " ('approve', 'export')",
                      "UPDATE sqlite_sequence SET seq = (SELECT max(id) FROM audit)"
                      " WHERE name = 'audit'", "DELETE FROM sqlite_sequence WHERE name ="
                      " 'approvals'")
    verify_fails(capsys, store, against=base["approved"])


def rehash_run(connection: sqlite3.Connection, run_id: int, edit) -> None:
    """Edit a run's result and recompute every hash of the run, as an insider would."""
    from allocator import store as store_module

    row = connection.execute("SELECT r.*, d.sha256 AS d, s.sha256 AS s FROM runs r JOIN datasets"
                             " d ON d.id = r.dataset_id JOIN scenarios s ON s.id ="
                             " r.scenario_id WHERE r.id = ?", (run_id,)).fetchone()
    result = __import__("json").loads(row["result"])
    edit(result)
    result["plan_sha256"] = store_module.result_plan_hash(result, row["ortools_version"])
    blob = store_module.canonical(result)
    fields = dict(row)
    fields.update(result_sha256=store_module.sha256_text(blob),
                  plan_sha256=result["plan_sha256"], allocated=result["allocated"])
    record = store_module._record_hash(fields, row["d"], row["s"])
    connection.execute("UPDATE runs SET result = ?, result_sha256 = ?, plan_sha256 = ?,"
                       " allocated = ?, record_sha256 = ? WHERE id = ?",
                       (blob, fields["result_sha256"], fields["plan_sha256"],
                        fields["allocated"], record, run_id))


def move_one_permit(result: dict) -> None:
    rows = [r for r in result["employers"] if r["allocated"] > 0]
    rows[0]["allocated"] -= 1
    rows[1]["allocated"] += 1


def test_an_unapproved_run_edited_with_every_hash_recomputed_is_caught(store, capsys):
    with raw(store) as connection:
        connection.execute("BEGIN")
        connection.execute("DROP TRIGGER runs_no_update")
        rehash_run(connection, 2, move_one_permit)
        connection.execute(
            "CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT,"
            " 'allocator store: run records are never changed'); END")
        connection.execute("COMMIT")
    verify_fails(capsys, store, "Run 2 no longer matches its entry in the audit log")
    code, _, err = cli(capsys, "approve", "2", "--by", "李四", "--supersede", "1",
                       "--reason", "复议", "--db", store)
    assert code == 4, err
    refused_export(capsys, store, "2")


@pytest.mark.parametrize("attack, words", [
    ("DROP TABLE scenarios", ("lacks its table", "scenarios", "缺少数据表")),
    ("DROP TABLE audit", ("lacks its table", "audit")),
    ("INSERT INTO audit (id, at, actor, action, subject, detail, prev_sha256, sha256) VALUES"
     " (999, 't', 'x', 'approve', 'run', '{}', 'p', 's')", ("Audit entry 999",)),
    ("UPDATE runs SET allocated = 9e999 WHERE id = 2", ("Run 2",)),
    ("UPDATE runs SET allocated = 'many' WHERE id = 2", ("Run 2",)),
    ("UPDATE runs SET result = x'00ff' WHERE id = 2", ("Run 2",)),
    ("UPDATE audit SET detail = '[' WHERE id = 2", ("Audit entry 2",)),
    ("UPDATE datasets SET created_by = '王五'", ("Dataset 1",)),
    ("UPDATE scenarios SET name = '另一个' WHERE id = 2", ("Scenario 2",)),
    ("UPDATE scenarios SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = 1",
     ("Scenario 1",)),
    ("UPDATE runs SET created_by = '王五' WHERE id = 2", ("Run 2",)),
    ("UPDATE approvals SET reason = '补' ", ("Run 1",)),
    ("UPDATE approvals SET plan_year = 2030", ("Run 1",)),
    ("CREATE TABLE notes (x)", ("notes",)),
    ("CREATE TRIGGER sneaky AFTER INSERT ON runs BEGIN SELECT 1; END", ("sneaky",)),
    ("DELETE FROM datasets", ("Dataset 1",)),
])
def test_insider_edits_are_reported_in_words_with_exit_4(attack, words, store, capsys):
    if attack.startswith("DROP TABLE"):  # its own triggers go with it
        with raw(store) as connection:
            connection.execute(attack)
        connection.close()
    else:
        behind_the_guards(store, attack)
    verify_fails(capsys, store, *words)
    refused_export(capsys, store)


def test_a_damaged_page_is_reported_in_words(store, capsys):
    data = bytearray(store.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page:page + 64] = b"\xff" * 64  # the header of the second page
    store.write_bytes(bytes(data))
    before = store.read_bytes()
    code, _, err = cli(capsys, "verify", "--db", store)
    assert code == 4 and ("damaged" in err or "altered" in err) and store.read_bytes() == before
    refused_export(capsys, store)


def test_a_foreign_file_is_refused_untouched(tmp_path, capsys):
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("not a store\n")
    code, _, err = cli(capsys, "runs", "--db", text_file)
    assert code == 2 and "not an allocator store" in err
    assert text_file.read_text() == "not a store\n"


# -- read-only stores (item 4) ----------------------------------------------------------------
def make_read_only(*paths: Path) -> None:
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)


def test_an_archived_read_only_store_can_be_listed_verified_and_exported(base, store, capsys):
    make_read_only(store)
    before = digest(store)
    try:
        assert cli(capsys, "runs", "--db", store)[0] == 0
        code, out, _ = cli(capsys, "verify", "--db", store, "--against", base["approved"])
        assert code == 0 and "Store intact" in out
        out_dir = store.parent.parent / "exports"
        out_dir.mkdir()
        code, out, _ = cli(capsys, "export", "1", "--out", out_dir / "a.xlsx", "--db", store)
        assert code == 0 and "read-only" in out and (out_dir / "a.xlsx").exists()
        for command in (["approve", "2", "--by", "x", "--supersede", "1", "--reason", "r"],
                        ["solve", SAMPLE, "--cap", "500", "--json", out_dir / "r.json"]):
            code, _, err = cli(capsys, *command, "--db", store)
            assert code == 2 and "read-only" in err and "只读" in err
        assert not (out_dir / "r.json").exists()
        assert digest(store) == before
    finally:
        store.chmod(0o644)


def test_a_store_in_a_read_only_folder_can_be_verified_but_not_written(store, capsys):
    # The store file itself stays writable (0644): the folder's mode (0555, no write bit for
    # anyone) is what marks the archive, even for an administrator whom os.access lets write.
    folder = store.parent
    make_read_only(folder)
    try:
        assert cli(capsys, "verify", "--db", store)[0] == 0
        assert cli(capsys, "runs", "--db", store)[0] == 0
        code, _, err = cli(capsys, "approve", "2", "--by", "x", "--supersede", "1", "--reason",
                           "r", "--db", store)
        assert code == 2 and "read-only" in err and "只读" in err
        assert sorted(p.name for p in folder.iterdir()) == ["store.sqlite3"]
    finally:
        folder.chmod(0o755)


def test_export_over_the_store_is_refused(store, capsys):
    before = digest(store)
    code, _, err = cli(capsys, "export", "1", "--out", store, "--db", store)
    assert code == 2 and "--db" in err
    assert digest(store) == before


# -- one approved plan per plan year (item 6) -------------------------------------------------
def workbook_strings(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row
                     if c.value is not None)


def test_a_second_plan_for_the_year_needs_supersede_and_a_reason(store, capsys, tmp_path):
    code, _, err = cli(capsys, "approve", "2", "--by", "李四", "--db", store)
    assert code == 2 and "already approved" in err and "--supersede 1" in err and "2027" in err
    code, _, err = cli(capsys, "approve", "2", "--by", "李四", "--supersede", "1", "--db", store)
    assert code == 2 and "--reason" in err
    code, _, err = cli(capsys, "approve", "2", "--by", "李四", "--supersede", "2",
                       "--reason", "复议", "--db", store)
    assert code == 2 and "run 1" in err
    with Store.open(store) as opened:
        assert [r.id for r in opened.runs() if r.approved] == [1]
    code, out, _ = cli(capsys, "approve", "2", "--by", "李四", "--supersede", "1",
                       "--reason", "区政府复议调整", "--db", store)
    assert code == 0 and "superseded" in out and "取代" in out
    code, out, _ = cli(capsys, "runs", "--db", store)
    assert "已被运行 2 取代" in out
    assert cli(capsys, "verify", "--db", store)[0] == 0
    assert cli(capsys, "export", "1", "--out", tmp_path / "old.xlsx", "--db", store)[0] == 0
    assert cli(capsys, "export", "2", "--out", tmp_path / "new.xlsx", "--db", store)[0] == 0
    old, new = workbook_strings(tmp_path / "old.xlsx"), workbook_strings(tmp_path / "new.xlsx")
    assert "（已被取代）" in old and "已被取代" not in new  # the cover's status line
    assert "区政府复议调整" in new
    from allocator.record import read_chain_head

    assert read_chain_head(tmp_path / "old.xlsx").run_id == 1
    assert read_chain_head(tmp_path / "new.xlsx").run_id == 2
    code, out, _ = cli(capsys, "verify", "--db", store, "--against", tmp_path / "old.xlsx",
                       tmp_path / "new.xlsx")
    assert code == 0


def test_a_draft_export_carries_no_head(store, capsys, tmp_path):
    assert cli(capsys, "export", "2", "--out", tmp_path / "draft.xlsx", "--db", store)[0] == 0
    code, _, err = cli(capsys, "verify", "--db", store, "--against", tmp_path / "draft.xlsx")
    assert code == 2 and "no approval chain head" in err


# -- groups in near-linear time, with a limit; scenario files with a size limit (item 8) -----
import numpy as np  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from allocator.constraints import build_tree  # noqa: E402
from allocator.errors import InputError  # noqa: E402
from allocator.i18n import Text  # noqa: E402


class FakeGroup:
    def __init__(self, name: str, members: np.ndarray):
        self.name, self.members = name, members
        self.label = Text(zh=name, en=name)
        self.minimum, self.maximum = 0, None


def reference_tree(groups: list[FakeGroup], active: np.ndarray) -> dict[str, str] | None:
    """By definition: None when two groups cross; else each group's parent is the smallest
    group before it (larger first, then by name) that holds all its active members, the last
    of equals (groups with the same members nest one inside the other, in name order)."""
    sets = {g.name: frozenset(np.flatnonzero(g.members & active)) for g in groups}
    names = [g.name for g in groups]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if sets[a] & sets[b] and sets[a] - sets[b] and sets[b] - sets[a]:
                return None
    ordered = sorted(names, key=lambda n: (-len(sets[n]), n))
    parents = {}
    for position, name in enumerate(ordered):
        holders = [c for c in ordered[:position] if sets[name] <= sets[c]]
        parents[name] = min(reversed(holders), key=lambda c: len(sets[c])) if holders else "cap"
    return parents


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=0, max_size=7),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.booleans())))
def test_the_group_tree_matches_its_definition(case):
    _, rows, active_flags, nested = case
    if nested:  # make most cases laminar: each group inside the previous one or disjoint
        for k in range(1, len(rows)):
            rows[k] = [a and b for a, b in zip(rows[k], rows[k - 1], strict=True)]
    groups = [FakeGroup(f"g{k}", np.array(row, dtype=bool)) for k, row in enumerate(rows)]
    active = np.array(active_flags, dtype=bool)
    upper = active.astype(np.int64) * 5
    expected = reference_tree(groups, active)
    if expected is None:
        with pytest.raises(InputError) as raised:
            build_tree(groups, upper, 100)
        assert all(found.code == "groups_overlap" for found in raised.value.issues)
    else:
        tree = build_tree(groups, upper, 100)
        nodes = {node.name: node for node in tree.nodes}
        assert {name: nodes[name].parent.name for name in expected} == expected
        for node in tree.nodes:  # each active employer directly in its innermost group
            members = {int(i) for i in node.members}
            deeper = set().union(*({int(i) for i in c.members} for c in node.children))
            assert [int(i) for i in node.direct] == sorted(members - deeper)


def test_overlapping_groups_name_every_crossing_pair():
    members = {"a": [1, 1, 0, 0], "b": [0, 1, 1, 0], "c": [0, 0, 1, 1]}
    groups = [FakeGroup(name, np.array(m, dtype=bool)) for name, m in members.items()]
    with pytest.raises(InputError) as raised:
        build_tree(groups, np.ones(4, dtype=np.int64), 10)
    pairs = {(i.message.en.split("'")[1], i.message.en.split("'")[3])
             for i in raised.value.issues}
    assert pairs == {("a", "b"), ("b", "c")}


def groups_toml(count: int) -> str:
    tables = "".join(f'\n[groups.g{k}]\nsector = "finance"\nmin = 0\n' for k in range(count))
    return f"[cap]\nannual = 500\n{tables}"


def test_a_hundred_groups_are_fine_and_a_hundred_and_one_are_refused_by_name(tmp_path, capsys):
    from allocator.scenario import MAX_GROUPS, parse_scenario

    assert MAX_GROUPS == 100
    assert len(parse_scenario(groups_toml(100)).groups) == 100
    path = tmp_path / "many.toml"
    path.write_text(groups_toml(101))
    code, _, err = cli(capsys, "solve", SAMPLE, "--scenario", path, "--json",
                       tmp_path / "r.json")
    assert code == 2 and "101 groups" in err and "'g100'" in err and "分组" in err
    assert "many.toml" in err and "groups.g100" in err
    assert not (tmp_path / "r.json").exists()


def test_a_hundred_nested_groups_solve(tmp_path, capsys):
    path = tmp_path / "hundred.toml"
    path.write_text(groups_toml(100))
    code, _, err = cli(capsys, "solve", SAMPLE, "--scenario", path, "--db",
                       tmp_path / "s.sqlite3")
    assert code == 0, err


def test_a_huge_scenario_file_is_refused_before_parsing(tmp_path, capsys, monkeypatch):
    import allocator.scenario as scenario_module

    path = tmp_path / "huge.toml"
    path.write_text("[cap]\nannual = 500\n" + "".join(f"k{k} = 1\n" for k in range(200_000)))
    assert path.stat().st_size > 1_000_000

    def never(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(scenario_module.tomllib, "loads", never)
    code, _, err = cli(capsys, "solve", SAMPLE, "--scenario", path)
    assert code == 2 and "huge.toml" in err and "1,000,000" in err and "上限" in err
    with pytest.raises(InputError):
        scenario_module.parse_scenario(path.read_text())


# -- the property: any history, then any one tampering action → verify 4, export writes nothing
import tempfile  # noqa: E402
from datetime import date as day  # noqa: E402
from decimal import Decimal  # noqa: E402

from allocator.examples import employer, submissions  # noqa: E402
from allocator.model import solve  # noqa: E402
from allocator.policy import build_problem  # noqa: E402
from allocator.scenario import default_scenario  # noqa: E402

TINY = submissions([employer(i, demand_total=3 + i, sector=("finance", "other")[i % 2],
                             categories=(i % 3 + 1,), attrition_rate=Decimal("0.05"),
                             submitted_on=day(2026, 10, i + 1)) for i in range(1, 7)])
TINY_PLANS = {cap: (default_scenario(cap), solve(build_problem(TINY, default_scenario(cap))))
              for cap in (12, 16, 20)}

#: Each tampering action: (name, precondition on the store's state, SQL statements).
TAMPERING = {
    "edit a dataset": (lambda s: True, ["UPDATE datasets SET file = 'other.xlsx'"]),
    "edit a scenario's name": (lambda s: True, ["UPDATE scenarios SET name = 'x'"]),
    "edit a run's author": (lambda s: True,
                            ["UPDATE runs SET created_by = 'x' WHERE id = (SELECT max(id)"
                             " FROM runs)"]),
    "edit a run's total": (lambda s: True,
                           ["UPDATE runs SET allocated = allocated + 1 WHERE id = (SELECT"
                            " min(id) FROM runs)"]),
    "delete a run": (lambda s: True, ["DELETE FROM runs WHERE id = (SELECT max(id) FROM runs)"]),
    "delete an audit entry": (lambda s: True, ["DELETE FROM audit WHERE id = (SELECT max(id)"
                                               " FROM audit)"]),
    "edit an audit entry": (lambda s: True, ["UPDATE audit SET actor = 'x' WHERE id = 1"]),
    "edit an approval's note": (lambda s: s["approvals"] > 0,
                                ["UPDATE approvals SET note = 'x'"]),
    "edit approved allocations": (lambda s: s["approvals"] > 0,
                                  ["UPDATE approvals SET allocations = '[]'"]),
    "delete the last approval": (lambda s: s["approvals"] > 0,
                                 ["DELETE FROM approvals WHERE id = (SELECT max(id) FROM"
                                  " approvals)"]),
    "forge an approval": (lambda s: s["unapproved"] > 0,
                          ["INSERT INTO approvals (run_id, approver, approved_at, note,"
                           " plan_sha256, allocations, prev_sha256, chain_sha256, format)"
                           " SELECT max(r.id), 'x', '2026-01-01T00:00:00+00:00', '', r.plan_sha256,"
                           " '[]', 'forged-prev', 'forged-chain', 1 FROM runs r WHERE r.status <>"
                           " 'infeasible' AND r.id NOT IN (SELECT run_id FROM approvals)"]),
    "drop a trigger": (lambda s: True, ["DROP TRIGGER audit_no_delete"]),
    "swap two runs": (lambda s: s["runs"] > 1,
                      ["UPDATE runs SET id = -1 WHERE id = 1", "UPDATE runs SET id = 1 WHERE"
                       " id = 2", "UPDATE runs SET id = 2 WHERE id = -1"]),
}


def tamper_with(db: Path, statements: list[str]) -> None:
    if statements[0].startswith("DROP TRIGGER"):
        with raw(db) as connection:
            connection.execute(statements[0])
        connection.close()
    else:
        behind_the_guards(db, *statements)


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(["solve", "approve", "export"]),
                                st.sampled_from(sorted(TINY_PLANS))), min_size=1, max_size=6),
       action=st.sampled_from(sorted(TAMPERING)))
def test_any_history_then_any_tampering_is_caught(steps, action):
    from allocator.store import Store

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "store.sqlite3"
        with Store.open(db, by="规划员") as opened:
            runs: list[int] = [opened.record_run(TINY, *TINY_PLANS[12])]
            for kind, cap in steps:
                if kind == "solve":
                    runs.append(opened.record_run(TINY, *TINY_PLANS[cap]))
                elif kind == "approve":
                    todo = [r.id for r in opened.runs() if not r.approved]
                    if todo:
                        current = opened.current_approval(2027)
                        opened.approve(todo[0], "张三", supersede=current and current.run_id,
                                       reason="复议" if current else "")
                else:
                    assert main(["export", str(runs[-1]), "--db", str(db), "--out",
                                 str(Path(folder) / "e.xlsx")]) == 0
            state = {"runs": len(opened.runs()),
                     "approvals": sum(r.approved for r in opened.runs()),
                     "unapproved": sum(not r.approved for r in opened.runs())}
            assert opened.verify().ok
        precondition, statements = TAMPERING[action]
        assume(precondition(state))
        tamper_with(db, statements)
        assert main(["verify", "--db", str(db)]) == 4
        out = Path(folder) / "after.xlsx"
        assert main(["export", "1", "--db", str(db), "--out", str(out)]) == 4
        assert not out.exists()


@pytest.mark.parametrize("action", sorted(TAMPERING))
def test_every_tampering_action_of_the_catalogue_is_caught(action, tmp_path, capsys):
    """The catalogue once each, after a fixed history: two solves, an approval, an export,
    another solve (so every precondition holds)."""
    from allocator.store import Store

    db = tmp_path / "store.sqlite3"
    with Store.open(db) as opened:
        first = opened.record_run(TINY, *TINY_PLANS[12])
        opened.record_run(TINY, *TINY_PLANS[16])
        opened.approve(first, "张三")
    assert cli(capsys, "export", first, "--db", db, "--out", tmp_path / "a.xlsx")[0] == 0
    with Store.open(db) as opened:
        opened.record_run(TINY, *TINY_PLANS[20])
    tamper_with(db, TAMPERING[action][1])
    code, _, err = cli(capsys, "verify", "--db", db)
    assert code == 4 and "Traceback" not in err
    assert cli(capsys, "export", "1", "--db", db, "--out", tmp_path / "b.xlsx")[0] == 4
    assert not (tmp_path / "b.xlsx").exists()


# -- the app's solve stops when its session is gone (item 8) ----------------------------------
def test_a_cancelled_solve_stops_and_gives_no_plan():
    from allocator.model import Cancelled

    problem = build_problem(TINY, default_scenario(12))
    with pytest.raises(Cancelled):
        solve(problem, cancel=lambda: True)
    asked: list[int] = []

    def never() -> bool:
        asked.append(1)
        return False

    plan = solve(problem, cancel=never)
    assert plan.allocation is not None and asked  # asked at least before it started


def test_a_solve_is_stopped_while_cp_sat_runs(monkeypatch):
    """CP-SAT is stopped from the watcher thread: the solve ends long before its time limit."""
    import time as clock

    from allocator import model
    from allocator.model import Cancelled, SolveOptions

    monkeypatch.setattr(model, "CANCEL_POLL_S", 0.01)
    calls = {"n": 0}

    def gone_after_start() -> bool:
        calls["n"] += 1
        return calls["n"] > 1  # alive when asked first, gone at the first poll

    from ortools.sat.python import cp_model

    real = cp_model.CpSolver

    class SlowSolver(real):  # a search that would run for 30 s unless stopped
        def solve(self, built, *rest):
            stopped = False
            original = self.stop_search

            def stop() -> None:
                nonlocal stopped
                stopped = True
                original()

            self.stop_search = stop
            deadline = clock.monotonic() + 30
            while not stopped and clock.monotonic() < deadline:
                clock.sleep(0.005)
            return super().solve(built, *rest)

    monkeypatch.setattr(cp_model, "CpSolver", SlowSolver)
    problem = build_problem(TINY, default_scenario(12))
    started = clock.monotonic()
    with pytest.raises(Cancelled):
        solve(problem, SolveOptions(time_limit_s=60), cancel=gone_after_start)
    assert clock.monotonic() - started < 10


def test_outside_a_running_server_the_session_is_never_gone():
    from allocator_app.state import session_gone

    assert session_gone()() is False


def test_a_schema_1_store_is_upgraded_and_still_verifies(tmp_path, monkeypatch):
    from allocator import store as store_module
    from allocator.store import Store

    db = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", [store_module.MIGRATIONS[0]])
        with Store.open(db) as old:
            first = old.record_run(TINY, *TINY_PLANS[12])
            second = old.record_run(TINY, *TINY_PLANS[16])
            assert old.version == 1
    relog_as_schema_1(db)
    with Store.open(db) as upgraded:
        assert upgraded.version == 2
        assert upgraded.verify().ok
        upgraded.approve(first, "张三")
        upgraded.approve(second, "李四", supersede=first, reason="复议")
        report = upgraded.verify()
        migrations = [e.detail for e in upgraded.audit() if e.action == "migrate"]
    assert report.ok, report.findings
    assert [m["to"] for m in migrations] == [1, 2]
    behind_the_guards(db, "DELETE FROM runs WHERE id = 2")
    with Store.open(db) as upgraded:
        assert not upgraded.verify().ok


@pytest.mark.parametrize("keep", [100, 4096, 8192, 20_000])
def test_a_store_cut_short_is_reported_in_words(keep, store, capsys):
    data = store.read_bytes()
    assert len(data) > keep
    store.write_bytes(data[:keep])
    for command in (["verify"], ["runs"]):
        code, _, err = cli(capsys, *command, "--db", store)
        assert code == 4, err
        assert store.read_bytes() == data[:keep]
    refused_export(capsys, store)


def test_runs_never_lists_a_forged_approval_as_sound(store, capsys):
    behind_the_guards(store, "INSERT INTO approvals (run_id, approver, approved_at, note,"
                      " plan_sha256, allocations, prev_sha256, chain_sha256) VALUES (2, '李四',"
                      " '2026-12-01T10:00:00+08:00', '', 'x', '[]', 'forged-prev', 'forged')")
    code, out, err = cli(capsys, "runs", "--db", store)
    assert code == 4
    line = next(line for line in out.splitlines() if line.startswith("2 "))
    assert "李四" in line and "已被改动" in line and "ALTERED" in line
    assert "Run 2" in err


def relog_as_schema_1(db: Path) -> None:
    """Make the audit log as allocator before schema 2 wrote it: solve entries without the
    record hash, the chain recomputed."""
    import json

    from allocator import store as store_module

    with raw(db) as connection:
        connection.execute("BEGIN")
        connection.execute("DROP TRIGGER audit_no_update")
        prev = store_module.GENESIS
        for row in connection.execute("SELECT * FROM audit ORDER BY id").fetchall():
            detail = json.loads(row["detail"])
            if row["action"] == "solve":
                detail.pop("record_sha256")
            blob = store_module.canonical(detail)
            digest = store_module._audit_hash(row["id"], row["at"], row["actor"],
                                              row["action"], row["subject"], blob, prev)
            connection.execute("UPDATE audit SET detail = ?, prev_sha256 = ?, sha256 = ?"
                               " WHERE id = ?", (blob, prev, digest, row["id"]))
            prev = digest
        connection.execute(
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT,"
            " 'allocator store: the audit log is append-only'); END")
        connection.execute("COMMIT")
    connection.close()


def test_a_schema_1_run_rewritten_with_its_hashes_is_still_caught(tmp_path, monkeypatch):
    """Runs recorded before schema 2 have no record hash in their audit entry: their result is
    parsed and tied to the plan hash the audit entry holds."""
    from allocator import store as store_module
    from allocator.store import Store

    db = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", [store_module.MIGRATIONS[0]])
        with Store.open(db) as old:
            old.record_run(TINY, *TINY_PLANS[12])
    relog_as_schema_1(db)
    with Store.open(db) as upgraded:
        assert upgraded.verify().ok

    def keep_plan_hash(result: dict) -> None:
        move_one_permit(result)

    with raw(db) as connection:
        connection.execute("BEGIN")
        connection.execute("DROP TRIGGER runs_no_update")
        row = connection.execute("SELECT plan_sha256 FROM runs WHERE id = 1").fetchone()
        rehash_run(connection, 1, keep_plan_hash)
        # ...but the plan hash stays as the audit log has it
        connection.execute("UPDATE runs SET plan_sha256 = ? WHERE id = 1", (row[0],))
        from allocator import store as again

        fixed = dict(connection.execute("SELECT * FROM runs WHERE id = 1").fetchone())
        hashes = connection.execute("SELECT d.sha256, s.sha256 FROM datasets d, scenarios s"
                                    ).fetchone()
        connection.execute("UPDATE runs SET record_sha256 = ? WHERE id = 1",
                           (again._record_hash(fixed, hashes[0], hashes[1]),))
        connection.execute(
            "CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT,"
            " 'allocator store: run records are never changed'); END")
        connection.execute("COMMIT")
    connection.close()
    with Store.open(db) as upgraded:
        report = upgraded.verify()
    assert not report.ok and report.altered_runs == [1]
