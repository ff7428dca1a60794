"""One language per document: every workbook the command line writes (the plan from ``solve``
and ``export``, the comparison, the sweep) is in the language of ``--lang``, Chinese by default,
sheet names, page headers and footers included. Only data values — employer names, credit codes,
scenario names and texts taken from the scenario files — may be in the other language."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from allocator.cli import main
from allocator.scenario import load_scenario
from allocator.submissions import read_submissions

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [ROOT / "scenarios" / name for name in
             ("baseline.toml", "proportional.toml", "finance_culture_first.toml")]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Codes are not prose: parameter keys (cap.annual), method names (sainte-lague), hashes.
IDENTIFIER = re.compile(r"[A-Za-z0-9_]+(?:[._\-][A-Za-z0-9_]+)+|[0-9a-f]{16,}")
# English prose: two words in a row.
ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}")


@cache
def workbooks(tmp: Path, lang: str) -> dict[str, Path]:
    """The four documents written with ``--lang`` (``zh`` also as the default, no flag)."""
    demand = tmp / "demand.xlsx"
    if not demand.exists():
        assert main(["sample", str(demand), "--employers", "60", "--seed", "5"]) == 0
    flag = [] if lang == "zh" else ["--lang", lang]
    out = {name: tmp / f"{name}_{lang}.xlsx" for name in ("plan", "export", "compare", "sweep")}
    db = str(tmp / f"store_{lang}.db")
    assert main(["solve", str(demand), "--scenario", str(SCENARIOS[2]), "--out",
                 str(out["plan"]), "--curve", "--db", db, *flag]) == 0
    assert main(["export", "1", "--out", str(out["export"]), "--db", db, *flag]) == 0
    assert main(["compare", str(demand), *map(str, SCENARIOS), "--out", str(out["compare"]),
                 *flag]) == 0
    assert main(["sweep", str(demand), "--scenario", str(SCENARIOS[0]), "--fill", "80%",
                 "--out", str(out["sweep"]), *flag]) == 0
    return out


def data_values(demand: Path) -> list[str]:
    """What the documents quote from their inputs, longest first (so none hides a longer one)."""
    frame = read_submissions(demand).frame
    values = {str(v) for v in frame["name"]} | {str(v) for v in frame["credit_code"]}
    for path in SCENARIOS:
        scenario = load_scenario(path)
        values.add(scenario.scenario.name)
        values.add(scenario.roster.wage_source)  # one bilingual line in the scenario file
    values.add("未命名方案")  # the default of scenario.name, shown as the parameter's default
    return sorted((v for v in values if v), key=len, reverse=True)


def foreign_text(path: Path, lang: str, data: list[str]) -> list[str]:
    """Every place where ``path`` holds text in the other language, outside data values."""
    found = []
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        texts = [("sheet name", sheet.title),
                 ("header", sheet.oddHeader.center.text or ""),
                 ("footer", sheet.oddFooter.center.text or "")]
        texts += [(cell.coordinate, cell.value) for row in sheet.iter_rows() for cell in row
                  if isinstance(cell.value, str)]
        for where, value in texts:
            rest = value
            for quoted in data:
                rest = rest.replace(quoted, "")
            wrong = CJK.search(rest) if lang == "en" else ENGLISH.search(IDENTIFIER.sub(" ",
                                                                                      rest))
            if wrong:
                found.append(f"{path.name} {sheet.title}!{where}: {value[:80]!r}")
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_workbook_is_in_the_chosen_language(tmp_path_factory, lang):
    tmp = tmp_path_factory.getbasetemp() / "language"
    tmp.mkdir(exist_ok=True)
    paths = workbooks(tmp, lang)
    data = data_values(tmp / "demand.xlsx")
    assert [place for path in paths.values() for place in foreign_text(path, lang, data)] == []
    # And the check can fail: the sheet names themselves are in the language.
    names = openpyxl.load_workbook(paths["plan"]).sheetnames
    assert all(bool(CJK.search(name)) == (lang == "zh") for name in names), names


def test_the_checker_finds_the_other_language(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Sheet"
    book.active["A1"] = "分配 (allocated by sector)"
    book.active["A2"] = "晟泓银行"  # a data value
    book.active["A3"] = "cap.annual sainte-lague 3f2a9c0d1e2b3a4f"  # codes, not prose
    book.save(tmp_path / "x.xlsx")
    found = ["x.xlsx Sheet!A1: '分配 (allocated by sector)'"]
    assert foreign_text(tmp_path / "x.xlsx", "en", ["晟泓银行"]) == found
    assert foreign_text(tmp_path / "x.xlsx", "zh", ["晟泓银行"]) == found
