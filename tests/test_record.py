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
