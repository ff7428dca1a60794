"""Fuzzing the inputs (issue #8): whatever a workbook or a scenario holds, only InputError escapes.

Workbooks: random headers (schema spellings, junk, duplicates) over random cells of every type,
written by openpyxl, read by ``read_submissions`` and, when valid, turned into a problem by
``build_problem`` under the default scenario. Scenarios: random TOML tables of random values,
random text and random bytes through ``parse_scenario`` / ``load_scenario``.

``FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py`` runs a longer campaign; the normal run keeps
a few hundred examples.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import credit_code, workbook
from allocator.errors import InputError
from allocator.policy import build_problem
from allocator.scenario import PARAMETERS, default_scenario, load_scenario, parse_scenario
from allocator.schema import COLUMNS
from allocator.store import decode_submissions, encode_submissions
from allocator.submissions import read_submissions

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
FAST = settings(deadline=None, max_examples=EXAMPLES or 150,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
SCENARIO = default_scenario(3000)
ROOT = Path(__file__).resolve().parents[1]

# -- workbooks --------------------------------------------------------------------------------
SPELLINGS = sorted({s for c in COLUMNS for s in (c.zh, c.en, c.key, *c.aliases)})
CHOICES = sorted({s for c in COLUMNS for choice in c.choices for s in choice.spellings()})
SAFE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
CODES = ["91110000802100433B", "911000001000013428", "91100000100003962T",
         "91110108MA01ABCD1X", "911000001000013429", "９１１１００００８０２１００４３３Ｂ"]

CELL = st.one_of(
    st.none(),
    SAFE_TEXT,
    st.sampled_from(CHOICES + CODES + ["是", "否", "12%", "一、三", "J66", "I6510", "合计",
                                       "2026-10-15", "2026年10月15日", "=1+2", "#N/A", "", " ",
                                       # control characters, as Excel stores them
                                       "公司_x0007_", "_x001B_[2J", "a_x0000_b", "_x000A_",
                                       # issue 18: separators, bidi and invisible characters
                                       "1,5", "1.000", "1,500", "1.500,5", "1 500", "12,50",
                                       "百度\u202e司公", "\u2066中国\u2069", "码\u00ad",
                                       "\u200b", "\ufeff企业"]),
    st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 1, 1)),
    st.dates(date(1900, 3, 1), date(9999, 1, 1)),
    st.times(),
    st.timedeltas(timedelta(0), timedelta(days=9999)),
)
HEADER = st.one_of(st.sampled_from(SPELLINGS), SAFE_TEXT, st.none(),
                   st.integers(0, 99), st.just("合计"))


def cell_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # openpyxl cannot write nan or inf as numbers
    return value


@st.composite
def demand_sheet(draw: st.DrawFn) -> list[list[object]]:
    width = draw(st.integers(1, 12))
    header = draw(st.lists(HEADER, min_size=width, max_size=width))
    if draw(st.booleans()):  # most fuzzed sheets should get past the header
        required = ["统一社会信用代码", "单位名称", "单位类型", "申报人数合计"]
        for position, key in enumerate(required[:width]):
            header[position] = key
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 2), max_size=8))
    if draw(st.booleans()) and width >= 4:  # many sheets should reach the policy too
        header[4:] = [f"备注{i}" if draw(st.booleans()) else h for i, h in enumerate(header[4:])]
        for number, row in enumerate(rows):
            row[:4] = [credit_code.complete(f"91110101{number:08d}0"),
                       draw(SAFE_TEXT.filter(str.strip) | st.just("名称_x0008_")),
                       draw(st.sampled_from(["企业", "事业单位", "律师事务所", "其他"])),
                       draw(st.integers(0, 500))]
    title = draw(st.lists(st.one_of(st.none(), SAFE_TEXT), max_size=2))
    return [[t] for t in title] + [header] + rows


@pytest.fixture
def in_process(monkeypatch):
    # The files are generated here and benign; hundreds of child processes would be slow.
    monkeypatch.setattr(workbook, "ISOLATE", False)


@FAST
@given(sheet=demand_sheet(), merged=st.booleans())
def test_any_workbook_ends_in_issues_or_a_problem(tmp_path, in_process, sheet, merged):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "需求申报"
    for row in sheet:
        ws.append([cell_value(v) for v in row])
    if merged and ws.max_row >= 3:
        ws.merge_cells(start_row=ws.max_row - 1, start_column=1, end_row=ws.max_row,
                       end_column=2)
    path = tmp_path / "fuzz.xlsx"
    book.save(path)
    submissions = read_submissions(path)  # must not raise
    assert all(i.file == "fuzz.xlsx" and i.message.zh and i.message.en
               for i in submissions.issues)
    # The store keeps whatever was read exactly (issue #6): every cell with its type.
    rebuilt = decode_submissions(encode_submissions(submissions))
    assert [(c, [repr(v) for v in rebuilt.frame[c]]) for c in rebuilt.frame.columns] == \
        [(c, [repr(v) for v in submissions.frame[c]]) for c in submissions.frame.columns]
    assert list(rebuilt.frame.dtypes) == list(submissions.frame.dtypes)
    assert rebuilt.issues == submissions.issues
    if not submissions.ok:
        with pytest.raises(InputError):
            submissions.raise_for_errors()
        return
    try:
        problem = build_problem(submissions, SCENARIO)
    except InputError:
        return
    assert problem.size == len(submissions.frame)
    assert (problem.employers["upper"] >= problem.employers["guaranteed"]).all()


# -- scenarios --------------------------------------------------------------------------------
KEYS = sorted({p.key for p in PARAMETERS})
SECTIONS = sorted({k.split(".")[0] for k in KEYS} | {"groups", "weights.category"})
SCALAR = st.one_of(
    st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(float),
    st.booleans(), SAFE_TEXT, st.text(max_size=3000),
    st.dates(), st.datetimes(), st.times(),
)
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(SAFE_TEXT.filter(bool), inner, max_size=4)),
    max_leaves=12)


@st.composite
def scenario_tables(draw: st.DrawFn) -> dict[str, object]:
    data: dict[str, dict[str, object]] = {}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=8)):
        section, name = key.rsplit(".", 1)
        table = data
        for part in section.split("."):
            table = table.setdefault(part, {})  # type: ignore[assignment]
        table[name] = draw(VALUE)
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=3)):
        data.setdefault(section, {})[draw(SAFE_TEXT.filter(bool))] = draw(VALUE)
    if draw(st.booleans()):
        data.setdefault("cap", {})["annual"] = draw(st.one_of(st.integers(-5, 10**8), VALUE))
    if draw(st.booleans()):
        data.setdefault("groups", {})[draw(SAFE_TEXT.filter(bool))] = draw(VALUE)
    return data


def only_input_errors(text: str) -> None:
    try:
        parse_scenario(text, file="fuzz.toml")
    except InputError as refused:
        assert refused.issues and all(i.message.zh and i.message.en for i in refused.issues)


def toml_text(data: dict[str, object]) -> str | None:
    def plain(value: object) -> object:
        if isinstance(value, float) and math.isfinite(value) and value == int(value) \
                and abs(value) < 1e300:
            return value
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    try:
        return tomli_w.dumps(plain(data))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@FAST
@given(data=scenario_tables())
def test_any_scenario_table_ends_in_a_scenario_or_input_error(data):
    text = toml_text(data)
    if text is not None:
        only_input_errors(text)


BASELINE = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")


@FAST
@given(cut=st.integers(0, len(BASELINE)), length=st.integers(0, 40), insert=st.text(max_size=40))
def test_a_mangled_baseline_ends_in_a_scenario_or_input_error(cut, length, insert):
    only_input_errors(BASELINE[:cut] + insert + BASELINE[cut + length:])


@FAST
@given(raw=st.binary(max_size=400))
def test_any_bytes_end_in_a_scenario_or_input_error(tmp_path, raw):
    path = tmp_path / "bytes.toml"
    path.write_bytes(b"[cap]\nannual = 10\n" + raw)
    with contextlib.suppress(InputError):
        load_scenario(path)


@pytest.mark.parametrize("text", [
    "[cap]\nannual = nan", "[cap]\nannual = inf", "[cap]\nannual = -inf",
    "[cap]\nannual = 99999999999999999999999999999",
    "[cap]\nannual = 10\n[weights.sector]\nfinance = 1e300",
    "[cap]\nannual = 10\n[weights.sector]\nfinance = 0.0000001",
    "[cap]\nannual = 10\n[method]\nmin_per_employer = -1",
    "[cap]\nannual = 10\n[sanctions]\nattrition_cut = -0.5",
    "[cap]\nannual = 10\n[scenario]\nname = '" + "名" * 100_000 + "'",
    "[cap]\nannual = 10\n" + "".join(f"unknown{i} = {i}\n" for i in range(2000)),
    "[cap]\nannual = 10\n[groups.a.b.c.d.e]\nx = 1",
    "[" + ".".join(["a"] * 20_000) + "]",
])
def test_absurd_values_are_refused_by_name(text):
    with pytest.raises(InputError) as refused:
        parse_scenario(text, file="absurd.toml")
    assert all(i.file == "absurd.toml" for i in refused.value.issues)


@pytest.mark.parametrize("text", ["x = " + "[" * 100_000 + "]" * 100_000,
                                  "x = " + "{a = " * 5_000 + "1" + "}" * 5_000])
def test_deep_nesting_is_refused_by_name(text):
    with pytest.raises(InputError) as raised:
        parse_scenario(text)
    assert [i.code for i in raised.value.issues] == ["scenario.too_deep"]


def test_weights_are_bounded_so_claims_stay_exact():
    """Largest weight: sector × category × top-100 multipliers, each ≤ MAX_WEIGHT."""
    from allocator.scenario import MAX_PERMITS, MAX_WEIGHT

    largest_weight = MAX_WEIGHT ** 3
    assert largest_weight * 1_000_000 < 2**53  # weight × a cell's largest demand, as a float
    assert MAX_PERMITS < 2**31


# -- raw cells (issue 18): damaged shared strings, odd stored numbers, date systems, formatting
_MAKE = Path(__file__).parent / "corpus" / "make_corpus.py"
_RAW_STRINGS = ["标题", "统一社会信用代码", "单位名称", "单位类型", "申报人数合计", "申报日期",
                "百度", "企业"]
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _corpus_maker():
    import importlib.util
    import sys

    if "make_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_corpus", _MAKE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_corpus"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_corpus"]


def _raw_book(index: str, value: str, serial: int, date1904: bool, formatted_to: int) -> dict:
    make = _corpus_maker()
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">'
            + "".join(f'<c r="{c}2" t="s"><v>{i + 1}</v></c>' for i, c in enumerate("ABCDE"))
            + '</row><row r="3"><c r="A3" t="inlineStr"><is><t>91110000802100433B</t></is>'
            f'</c><c r="B3" t="s"><v>{index}</v></c><c r="C3" t="s"><v>7</v></c>'
            f'<c r="D3"><v>{value}</v></c><c r="E3"><v>{serial}</v></c></row>')
    if formatted_to:
        rows += f'<row r="{formatted_to}"><c r="A{formatted_to}" s="1"/></row>'
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{make.MAIN}" '
                f'xmlns:r="{make.RELS}"><workbookPr date1904="{int(date1904)}"/><sheets>'
                f'<sheet name="{make.SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = (f'<?xml version="1.0"?><Relationships xmlns="{make.PKG}"><Relationship Id="rId1" '
            f'Type="{make.WS_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{make.RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts = make.package(sheets=[(make.SHEET, "visible", make.sheet_xml(rows))],
                         workbook=workbook, workbook_rels=rels,
                         extra={"xl/sharedStrings.xml": make.sst(_RAW_STRINGS)})
    return {"parts": parts, "write": make.write_zip}


@FAST
@given(index=st.one_of(st.integers(-3, 12).map(str), st.integers(0, 10**22).map(str),
                       st.text(alphabet="0123456789.-+eE abx", min_size=1, max_size=12)),
       value=st.one_of(st.integers(-10, 2 * 10**6).map(str),
                       st.text(alphabet="0123456789.-+eEINFNax", min_size=1, max_size=10)),
       serial=st.integers(30000, 80000), date1904=st.booleans(),
       formatted_to=st.sampled_from([0, 4, 5000, 200_100, 1_048_576]))
def test_raw_cells_are_read_exactly_or_refused_naming_the_cell(
        tmp_path, in_process, index, value, serial, date1904, formatted_to):
    book = _raw_book(index, value, serial, date1904, formatted_to)
    path = tmp_path / "raw.xlsx"
    book["write"](path, book["parts"])
    result = read_submissions(path)
    errors = [(i.code, i.sheet, i.row, i.column) for i in result.errors]
    # A shared-string index must be a whole number below the table's 8 texts.
    if not re.fullmatch(r"\d{1,15}", index) or int(index) >= len(_RAW_STRINGS):
        assert errors == [("reading.file.shared_string_index", "需求申报", 3, "B")]
        return
    # A stored number must be a number: otherwise the cell is named, never guessed.
    if not _INTEGER.fullmatch(value) and not _DECIMAL.fullmatch(value):
        assert errors == [("reading.file.cell_value", "需求申报", 3, "D")]
        return
    number = Decimal(value) if _INTEGER.fullmatch(value) else Decimal(repr(float(value)))
    demand_error = None
    if not number.is_finite():
        demand_error = "number_not_finite"
    elif number != number.to_integral_value():
        demand_error = "count_fraction"
    elif number < 0:
        demand_error = "count_negative"
    elif number > 1_000_000:
        demand_error = "count_too_large"
    epoch = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
    day = epoch + timedelta(days=serial)
    date_error = None if date(2000, 1, 1) <= day <= date(2100, 12, 31) else "date_out_of_range"
    expected = sorted([(code, "需求申报", 3, column) for code, column in (
        (demand_error, "申报人数合计"), (date_error, "申报日期")) if code])
    assert sorted(errors) == expected
    assert result.frame["name"].tolist() == [_RAW_STRINGS[int(index)]]
    assert result.frame["demand_total"].tolist() == [None if demand_error else int(number)]
    assert result.frame["submitted_on"].tolist() == [None if date_error else day]
