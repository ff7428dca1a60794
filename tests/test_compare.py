"""Scenario comparison: exact statistics against hand-worked values, tables against
hand-worked plans, the JSON, the workbook and the ``compare`` command."""

from __future__ import annotations

import json
import random
import zipfile
from fractions import Fraction
from itertools import product

import numpy as np
import openpyxl
import pytest

from allocator.cli import main
from allocator.compare import compare_plans, comparison_json, gini, percentile, show_value
from allocator.examples import employer, submissions
from allocator.excel import write_comparison_workbook, write_demand_workbook
from allocator.model import solve
from allocator.plan import PlanStatus
from allocator.policy import build_problem
from allocator.scenario import PARAMETER, Cut, default_scenario

NEUTRAL = {"weights.sector.finance": 1, "weights.sector.culture": 1,
           "weights.sector.information": 1, "weights.sector.other": 1,
           **{f"weights.category.{i}": 1 for i in range(1, 8)}}
HOSTILE = '=HYPERLINK("http://x","y")'


def plan_for(records, cap, name, **changes):
    scenario = default_scenario(cap).with_values({**NEUTRAL, "scenario.name": name, **changes})
    return solve(build_problem(submissions(records), scenario))


# -- statistics -------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "expected"), [
    ([1, 1, 1, 1], Fraction(0)),  # everyone the same
    ([0, 0, 0, 1], Fraction(3, 4)),  # Σ|xi−xj| = 6, 2n²x̄ = 2·16·¼ = 8
    ([1, 2, 3], Fraction(2, 9)),  # Σ|xi−xj| = 8, 2n²x̄ = 2·9·2 = 36
    ([2, 4], Fraction(1, 6)),  # Σ|xi−xj| = 4, 2n²x̄ = 2·4·3 = 24
    ([Fraction(7, 10), Fraction(3, 10)], Fraction(1, 5)),  # 0.8 / (2·4·½)
    ([0, 0], Fraction(0)),  # nothing anywhere: equal
])
def test_gini_hand_worked(values, expected):
    assert gini(values) == expected


def test_gini_equals_the_mean_absolute_difference_definition():
    rng = random.Random(4)
    for _ in range(200):
        xs = [Fraction(rng.randint(0, 20), rng.randint(1, 6)) for _ in range(rng.randint(1, 9))]
        n, total = len(xs), sum(xs)
        pairs = sum(abs(a - b) for a, b in product(xs, xs))
        expected = Fraction(0) if total == 0 else pairs / (2 * n * total)
        assert gini(xs) == expected
    assert gini([]) is None
    with pytest.raises(ValueError):
        gini([1, -1])


def test_percentile_hand_worked_and_like_numpy():
    assert percentile([1, 2, 3, 4], Fraction(1, 2)) == Fraction(5, 2)
    assert percentile(list(range(11)), Fraction(1, 10)) == 1
    assert percentile([1, 3], Fraction(1, 10)) == Fraction(6, 5)  # 1 + 0.1 · (3 − 1)
    assert percentile([7], Fraction(1, 10)) == 7
    assert percentile([], Fraction(1, 2)) is None
    rng = random.Random(8)
    for _ in range(100):
        xs = [rng.randint(0, 50) for _ in range(rng.randint(1, 30))]
        for p in (Fraction(1, 10), Fraction(1, 2), Fraction(9, 10)):
            assert float(percentile(xs, p)) == pytest.approx(np.percentile(xs, float(p) * 100))


# -- two hand-worked plans --------------------------------------------------------------------
def pair_records() -> list[dict]:
    return [employer(1, demand_total=10, sector="finance", top100=True, demand_senior=0,
                     demand_other=10),
            employer(2, demand_total=10, name=HOSTILE)]


@pytest.fixture(scope="module")
def pair():
    # A (finance) and B (other) ask for 10 each; 10 permits. Equal weights: 5 and 5. Finance
    # weighted 2: claims 20 and 10, Sainte-Laguë at D = 3 gives 6.67 → 7 and 3.33 → 3.
    even = plan_for(pair_records(), 10, "均衡")
    tilted = plan_for(pair_records(), 10, "金融倾斜", **{"weights.sector.finance": 2})
    return even, tilted


def test_metrics_of_hand_worked_plans(pair):
    even, tilted = pair
    assert [even.seats(i) for i in range(2)] == [5, 5]
    assert [tilted.seats(i) for i in range(2)] == [7, 3]
    c = compare_plans([even, tilted])
    assert c.names == ["均衡", "金融倾斜"]
    m = c.metrics
    assert m.loc["allocated", "均衡"] == 10 and m.loc["allocated", "金融倾斜"] == 10
    assert m.loc["sector.finance", "均衡"] == 5 and m.loc["sector.finance", "金融倾斜"] == 7
    assert m.loc["sector.other", "金融倾斜"] == 3
    assert m.loc["top100_allocated", "金融倾斜"] == 7
    assert m.loc["top100_share", "金融倾斜"] == pytest.approx(0.7)
    # Fill rates 0.5, 0.5 and 0.7, 0.3: medians 0.5; P10 0.3 + 0.1·0.4 = 0.34; Gini 0 and 0.2.
    assert m.loc["fill_median", "均衡"] == pytest.approx(0.5)
    assert m.loc["fill_median", "金融倾斜"] == pytest.approx(0.5)
    assert m.loc["fill_p10", "金融倾斜"] == pytest.approx(0.34)
    assert m.loc["fill_gini", "均衡"] == 0
    assert m.loc["fill_gini", "金融倾斜"] == pytest.approx(0.2)
    assert m.loc["employers_at_zero", "均衡"] == 0
    assert m.loc["divisor", "金融倾斜"] == pytest.approx(3)


def test_parameters_that_differ_and_differences(pair):
    c = compare_plans(list(pair))
    assert c.parameters["key"].tolist() == ["weights.sector.finance"]
    row = c.parameters.iloc[0]
    assert row["label_zh"] == "金融产业权重"
    assert (row["均衡"], row["金融倾斜"]) == ("1", "2")
    # Both employers change by 2: the larger change first, then input order.
    d = c.differences
    assert d["row"].tolist() == [2, 3]
    assert d["change"].tolist() == [2, -2] and d["spread"].tolist() == [2, 2]
    assert d.loc[1, "name"] == HOSTILE


def test_differences_sorted_by_size_and_only_changes():
    records = [employer(1, demand_total=4), employer(2, demand_total=30, sector="finance"),
               employer(3, demand_total=12, sector="finance"), employer(4, demand_total=5)]
    a = plan_for(records, 20, "A")
    b = plan_for(records, 20, "B", **{"weights.sector.finance": 3})
    c = compare_plans([a, b])
    changes = {int(r["row"]): int(r["change"]) for _, r in c.allocations.iterrows()}
    expected = {r: b.seats(i) - a.seats(i) for i, r in enumerate([2, 3, 4, 5])}
    assert changes == expected
    spreads = c.differences["spread"].tolist()
    assert spreads == sorted(spreads, reverse=True) and 0 not in spreads
    assert len(c.differences) == sum(1 for v in expected.values() if v)


def test_names_infeasible_plans_and_different_submissions(pair):
    even, tilted = pair
    c = compare_plans([even, tilted], names=["x", "x"])
    assert c.names == ["x", "x (2)"]
    assert compare_plans([even, tilted], names=["name", "row"]).names == ["name (2)", "row (2)"]
    impossible = plan_for(pair_records(), 10, "不可行",
                          groups={"fin": {"sector": "finance", "min": 11}})
    assert impossible.status is PlanStatus.INFEASIBLE
    c = compare_plans([even, impossible, tilted])
    assert c.names == ["均衡", "金融倾斜"] and [n for n, _ in c.infeasible] == ["不可行"]
    data = comparison_json(c)
    assert data["infeasible"][0]["conflicts"][0]["shortfall"] == 1
    with pytest.raises(ValueError):
        compare_plans([impossible])
    other = plan_for([employer(9, demand_total=3)], 2, "其他申报表")
    with pytest.raises(ValueError):
        compare_plans([even, other])


def test_comparison_json(pair):
    c = compare_plans(list(pair))
    data = json.loads(json.dumps(comparison_json(c), ensure_ascii=False))
    assert [s["name"] for s in data["scenarios"]] == ["均衡", "金融倾斜"]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["allocated"]["values"] == {"均衡": 10, "金融倾斜": 10}
    assert metrics["status"]["values"]["均衡"]["zh"] == "最优"
    assert data["parameters"][0]["values"]["金融倾斜"] == {"zh": "2", "en": "2"}
    assert {d["row"]: d["change"] for d in data["differences"]} == {2: 2, 3: -2}


def test_values_are_shown_as_planners_read_them():
    assert show_value(PARAMETER["sanctions.attrition_cut"], Cut.share("0.5")).zh == "50%"
    assert show_value(PARAMETER["sanctions.lost_within_3m_cut"], Cut.count(2)).zh == "2个"
    assert show_value(PARAMETER["method.rule"], "dhondt").zh == "洪德法"
    assert show_value(PARAMETER["eligibility.excluded_statuses"],
                      ("suspended", "blacklisted")).zh == "暂停、黑名单"
    assert show_value(PARAMETER["guarantee.top100_key_staff"],
                      __import__("decimal").Decimal("0.5")).en == "50%"


# -- the workbook -----------------------------------------------------------------------------
def test_comparison_workbook(pair, tmp_path):
    c = compare_plans(list(pair))
    path = tmp_path / "c.xlsx"
    write_comparison_workbook(c, path)
    again = tmp_path / "c2.xlsx"
    write_comparison_workbook(c, again)
    assert path.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in archive.read(n).decode() or "<f " in archive.read(n).decode()
                       for n in sheets)
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["指标对比", "分产业分配", "参数差异", "单位差异"]
    metrics = book["指标对比"]
    labels = {metrics.cell(row=r, column=1).value: r for r in range(1, metrics.max_row + 1)}
    row = labels["已分配"]
    assert [metrics.cell(row=row, column=k).value for k in (2, 3)] == [10, 10]
    assert metrics.cell(row=labels["金融产业分配"], column=3).value == 7
    sectors = book["分产业分配"]
    values = {sectors.cell(row=r, column=1).value: (sectors.cell(row=r, column=2).value,
                                                     sectors.cell(row=r, column=3).value)
              for r in range(4, 9)}
    assert values["金融"] == (5, 7) and values["其他"] == (5, 3) and values["合计"] == (10, 10)
    chart = sectors._charts[0]
    assert len(chart.series) == 2
    assert "'分产业分配'" in chart.series[0].val.numRef.f
    differences = book["单位差异"]
    names = [differences.cell(row=r, column=3).value for r in range(4, 6)]
    assert names == ["示例单位1", HOSTILE]
    assert differences.cell(row=5, column=3).data_type == "s"
    params = book["参数差异"]
    assert params.cell(row=4, column=1).value == "金融产业权重"
    # Numbers as numbers: the weights 1 and 2, not the texts "1" and "2".
    assert [params.cell(row=4, column=k).value for k in (3, 4)] == [1, 2]
    # The title names the district; the subtitle the reference, the date and the input.
    assert metrics["A1"].value.startswith("东城区") and \
        metrics["A1"].value.endswith("办证指标分配方案\n方案比较（2个方案）")
    assert "对照方案：均衡" in metrics["A2"].value
    assert c.plans[0].problem.input_sha256 in metrics["A2"].value
    # Each scenario's description is there.
    assert any(str(metrics.cell(row=r, column=1).value).startswith("金融倾斜：")
               for r in range(1, metrics.max_row + 1))


def test_one_change_column_per_scenario_against_the_reference(tmp_path):
    # A (finance) and B (other) ask for 10 each; 10 permits. Even weights: 5 and 5. Finance
    # ×2: claims 20 and 10 → 7 and 3. Other ×2: 3 and 7. Changes against 均衡: +2/−2, −2/+2.
    plans = [plan_for(pair_records(), 10, "均衡"),
             plan_for(pair_records(), 10, "金融倾斜", **{"weights.sector.finance": 2}),
             plan_for(pair_records(), 10, "其他倾斜", **{"weights.sector.other": 2})]
    path = tmp_path / "three.xlsx"
    write_comparison_workbook(compare_plans(plans), path)
    sheet = openpyxl.load_workbook(path)["单位差异"]
    headers = [c.value for c in sheet[3]]
    assert headers[5:10] == ["均衡", "金融倾斜", "其他倾斜", "金融倾斜−均衡", "其他倾斜−均衡"]
    rows = {sheet.cell(row=r, column=3).value: [sheet.cell(row=r, column=k).value
                                                for k in range(6, 11)]
            for r in range(4, sheet.max_row + 1)}
    assert rows["示例单位1"] == [5, 7, 3, 2, -2]
    assert rows[HOSTILE] == [5, 3, 7, -2, 2]
    assert sheet["I4"].number_format == "+#,##0;-#,##0;0"
    # Conditional formatting marks more (green) and fewer (red) on the change columns.
    rules = {str(r.sqref): [rule.operator for rule in r.rules]
             for r in sheet.conditional_formatting}
    assert rules == {f"I4:J{sheet.max_row}": ["greaterThan", "lessThan"]}


# -- the command ------------------------------------------------------------------------------
def test_compare_command(tmp_path, capsys):
    records = [employer(1, demand_total=10, sector="finance"), employer(2, demand_total=10),
               employer(3, demand_total=6, sector="culture")]
    demand = tmp_path / "demand.xlsx"
    write_demand_workbook(demand, submissions(records).frame)
    even = tmp_path / "even.toml"
    even.write_text('[scenario]\nname = "均衡"\n[cap]\nannual = 12\n[weights.sector]\n'
                    'finance = 1\nculture = 1\n', encoding="utf-8")
    tilted = tmp_path / "tilted.toml"
    tilted.write_text('[scenario]\nname = "倾斜"\n[cap]\nannual = 12\n[weights.sector]\n'
                      'finance = 2\nculture = 1\n', encoding="utf-8")
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('[scenario]\nname = "不可行"\n[cap]\nannual = 12\n'
                          '[groups.fin]\nsector = "finance"\nmin = 11\n', encoding="utf-8")
    out, report = tmp_path / "c.xlsx", tmp_path / "c.json"
    code = main(["compare", str(demand), str(even), str(tilted), str(impossible),
                 "--out", str(out), "--json", str(report)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "均衡" in printed and "倾斜" in printed and "不可行" in printed
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [s["name"] for s in data["scenarios"]] == ["均衡", "倾斜"]
    assert data["infeasible"][0]["name"] == "不可行"
    allocated = {m["key"]: m["values"] for m in data["metrics"]}["allocated"]
    assert allocated == {"均衡": 12, "倾斜": 12}
    assert openpyxl.load_workbook(out).sheetnames[0] == "指标对比"
    # --cap overrides every scenario; with nothing feasible the exit code is 3.
    assert main(["compare", str(demand), str(impossible), str(impossible)]) == 3
    assert "不可行" in capsys.readouterr().out
    assert main(["compare", str(demand), str(even), str(tilted), "--cap", "20", "--json",
                 str(report)]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {m["key"]: m["values"] for m in data["metrics"]}["allocatable"]["倾斜"] == 20
    # Usage and input errors: exit 2, every bad file named at once.
    assert main(["compare", str(demand), str(even)]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[cap]\nannual = -1\n", encoding="utf-8")
    assert main(["compare", str(demand), str(bad), str(tmp_path / "missing.toml")]) == 2
    errors = capsys.readouterr().err.split("give at least two")[1]
    assert "10000000" in errors and "文件不存在" in errors  # both files' problems at once
