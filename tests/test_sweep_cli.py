"""``allocator sweep`` end to end: each point equals ``solve --cap``, outputs never overwrite
inputs, bad options exit 2, and the marginal permit in ``solve --json``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from allocator.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMAND = ROOT / "data" / "sample_demand.xlsx"
FLOORS = ROOT / "scenarios" / "sector_floors.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.mark.parametrize("scenario", [BASELINE, FLOORS])
def test_each_point_is_solve_at_that_cap(scenario, tmp_path, capsys):
    out = tmp_path / "sweep.json"
    assert main(["sweep", str(DEMAND), "--scenario", str(scenario), "--caps", "2100:3300:400",
                 "--json", str(out), "--out", str(tmp_path / "sweep.xlsx")]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["caps"] == [2100, 2500, 2900, 3300]
    for i, cap in enumerate(data["caps"]):
        result = tmp_path / f"plan{cap}.json"
        code = main(["solve", str(DEMAND), "--scenario", str(scenario), "--cap", str(cap),
                     "--json", str(result)])
        plan = json.loads(result.read_text(encoding="utf-8"))
        if code == 3:
            assert data["status"][i] == "infeasible"
            assert data["conflicts"][i] == plan["conflicts"]
            continue
        assert [e["allocated"][i] for e in data["employers"]] == \
            [e["allocated"] for e in plan["employers"]]
        assert data["unallocated"][i] == plan["unallocated"]
        assert data["divisor_interval"][i] == plan["divisor_interval"]
        for sector, totals in plan["by_sector"].items():
            assert data["by_sector"][sector]["allocated"][i] == totals["allocated"]
    book = load_workbook(tmp_path / "sweep.xlsx")
    assert book.sheetnames == ["总量敏感性", "各单位",
                               "反向问题"]
    assert book["各单位"].max_row == len(data["employers"]) + 1
    capsys.readouterr()


def test_inverse_questions_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["sweep", str(DEMAND), "--scenario", str(FLOORS), "--caps", "3000:3000:1",
                 "--fill", "80%", "--sector-fill", "金融=95%", "--json", str(out),
                 "--lang", "en"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    questions = [a["question"] for a in data["answers"]]
    assert questions == ["feasible", "fill", "sector_fill"]
    printed = capsys.readouterr().out
    for answer in data["answers"]:
        assert answer["en"] in printed
    # The smallest feasible cap: feasible there, infeasible one below (checked by solve).
    cap = data["answers"][0]["cap"]
    assert main(["solve", str(DEMAND), "--scenario", str(FLOORS), "--cap", str(cap)]) == 0
    assert main(["solve", str(DEMAND), "--scenario", str(FLOORS), "--cap",
                 str(cap - 1)]) == 3


@pytest.mark.parametrize("argv", [
    ["--caps", "10:5:1"], ["--caps", "a:b"], ["--caps", "0:100:0"], ["--fill", "120%"],
    ["--fill", "0"], ["--sector-fill", "mining=50%"], ["--caps", "0:10000000:1"]])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(DEMAND), "--scenario", str(BASELINE), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid command line" in err and "Traceback" not in err


def test_an_unknown_employer_exits_2(capsys):
    assert main(["sweep", str(DEMAND), "--scenario", str(BASELINE), "--caps", "0:10:5",
                 "--employer", "911101010000000000"]) == 2
    assert "911101010000000000" in capsys.readouterr().err


@pytest.mark.parametrize("which", ["demand", "scenario"])
def test_an_output_never_overwrites_an_input(which, tmp_path, capsys):
    demand, scenario = tmp_path / "d.xlsx", tmp_path / "s.toml"
    shutil.copy(DEMAND, demand)
    shutil.copy(BASELINE, scenario)
    before = {p: p.read_bytes() for p in (demand, scenario)}
    target = demand if which == "demand" else scenario
    for option in ("--json", "--out"):
        assert main(["sweep", str(demand), "--scenario", str(scenario), "--caps", "0:10:5",
                     option, str(target)]) == 2
        err = capsys.readouterr().err
        assert f"{option} {target}" in err and "nothing was written" in err
        assert "是本命令的输入" in err
    assert {p: p.read_bytes() for p in (demand, scenario)} == before


def test_an_output_never_overwrites_the_store(tmp_path, capsys, monkeypatch):
    store = tmp_path / "store.sqlite3"
    store.write_bytes(b"not touched")
    monkeypatch.setenv("ALLOCATOR_DB", str(store))
    assert main(["sweep", str(DEMAND), "--scenario", str(BASELINE), "--caps", "0:10:5",
                 "--json", str(store)]) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert store.read_bytes() == b"not touched"


def test_solve_json_names_the_marginal_permit(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["solve", str(DEMAND), "--scenario", str(BASELINE), "--json", str(out)]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    above, below = tmp_path / "above.json", tmp_path / "below.json"
    cap = plan["cap"]
    main(["solve", str(DEMAND), "--scenario", str(BASELINE), "--cap", str(cap + 1),
          "--json", str(above)])
    main(["solve", str(DEMAND), "--scenario", str(BASELINE), "--cap", str(cap - 1),
          "--json", str(below)])
    up = json.loads(above.read_text(encoding="utf-8"))["employers"]
    down = json.loads(below.read_text(encoding="utf-8"))["employers"]
    gains = [a["credit_code"] for a, b in zip(up, plan["employers"], strict=True)
             if a["allocated"] > b["allocated"]]
    loses = [a["credit_code"] for a, b in zip(down, plan["employers"], strict=True)
             if a["allocated"] < b["allocated"]]
    marginal = plan["marginal"]
    assert [e["credit_code"] for e in marginal["next_permit"]] == gains
    assert [e["credit_code"] for e in marginal["last_permit"]] == loses
    assert len(gains) == 1 and len(loses) == 1
    assert marginal["cap"] == cap
    printed = capsys.readouterr().out
    assert marginal["zh"] in printed


def test_solve_curve_adds_the_sweep_sheet_to_the_plan_workbook(tmp_path, capsys):
    out, plain = tmp_path / "plan.xlsx", tmp_path / "plain.xlsx"
    assert main(["solve", str(DEMAND), "--scenario", str(FLOORS), "--out", str(out),
                 "--curve"]) == 0
    assert main(["solve", str(DEMAND), "--scenario", str(FLOORS), "--out", str(plain)]) == 0
    with_curve, without = load_workbook(out), load_workbook(plain)
    assert with_curve.sheetnames == [*without.sheetnames, "总量敏感性"]
    sheet = with_curve["总量敏感性"]
    caps = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)
            if isinstance(row[0], int)]
    # From the smallest feasible cap (2,136 on the sample with these floors) to full demand.
    assert caps[0] == 2136 and 3000 in caps and caps == sorted(caps)
    capsys.readouterr()


def test_caps_solve_would_refuse_are_refused(capsys):
    assert main(["sweep", str(DEMAND), "--scenario", str(BASELINE), "--caps",
                 "0:20000000:10000000"]) == 2
    err = capsys.readouterr().err
    assert "cap.annual" in err and "20000000" in err and "Traceback" not in err
