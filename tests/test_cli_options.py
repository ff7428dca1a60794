"""Command-line option values are checked by the parser: a bad one exits 2 naming the option
(in Chinese and English), never a traceback from deep inside."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator import cli
from allocator.scenario import PARAMETER

ROOT = Path(__file__).resolve().parents[1]
DEMAND = str(ROOT / "data" / "sample_demand.xlsx")
SOLVE = ["solve", DEMAND, "--cap", "3000"]
COMPARE = ["compare", DEMAND, str(ROOT / "scenarios" / "baseline.toml"),
           str(ROOT / "scenarios" / "proportional.toml")]
OUT = "OUT"  # replaced by a file in the test's own folder


#: (command line before the option, the option, values it must refuse)
REFUSED = [
    (SOLVE, "--time-limit", ["nan", "inf", "0", "-1", "86401", "soon"]),
    (SOLVE, "--workers", ["0", "-3", "65", "1.5"]),
    (COMPARE, "--workers", ["abc"]),
    (COMPARE, "--time-limit", ["nan"]),
    (["validate", DEMAND], "--year", ["99999", "-1"]),
    (["sample", OUT], "--year", ["0"]),
    (["sample", OUT], "--seed", ["-1"]),
    (["sample", OUT], "--employers", ["0", "1000001"]),
]


@pytest.mark.parametrize(("argv", "option"), [
    ([*before, option, value], option) for before, option, values in REFUSED for value in values])
def test_a_bad_option_value_exits_2_naming_it(argv, option, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_DB", str(tmp_path / "store.sqlite3"))
    out = tmp_path / "out.xlsx"
    with pytest.raises(SystemExit) as exited:
        cli.main([str(out) if a == OUT else a for a in argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err
    assert "须为" in err and "must be" in err  # both languages
    assert "Traceback" not in err
    assert not out.exists()


def test_the_bounds_are_inclusive() -> None:
    assert cli.whole(1, 64)("64") == 64 and cli.whole(1, 64)(" 1 ") == 1
    assert cli.seconds("0.5") == 0.5 and cli.seconds("86400") == 86_400.0
    year = PARAMETER["scenario.year"]
    assert cli.plan_year(str(year.minimum)) == year.minimum
    assert cli.plan_year(str(year.maximum)) == year.maximum


def test_good_values_still_solve(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ALLOCATOR_DB", str(tmp_path / "store.sqlite3"))
    assert cli.main([*SOLVE, "--workers", "2", "--time-limit", "30"]) == cli.EXIT_OK
    assert "最优" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["approve", "export"])
@pytest.mark.parametrize("run", ["0", "-1", str(2**63), "x"])
def test_a_run_number_sqlite_cannot_hold_exits_2(command, run, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_DB", str(tmp_path / "store.sqlite3"))
    extra = ["--by", "张三"] if command == "approve" else ["--out", str(tmp_path / "p.xlsx")]
    with pytest.raises(SystemExit) as exited:
        cli.main([command, run, *extra])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument RUN_ID" in err and "Traceback" not in err


def test_the_explanations_choices_are_the_workbooks():
    # The command line names them without loading the workbook code (openpyxl).
    from allocator.cli import EXPLANATIONS
    from allocator.excel.plan import EXPLANATIONS as WORKBOOK

    assert EXPLANATIONS == WORKBOOK
