"""Each cell parser: a passing and a failing case for every rule, checked by hand."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import cells
from allocator.cells import CellError
from allocator.schema import BY_KEY


def fails(parse, value) -> str:
    with pytest.raises(CellError) as raised:
        parse(value)
    return raised.value.code


@pytest.mark.parametrize(("raw", "expected"), [
    (12, 12), (12.0, 12), ("12", 12), (" １２ ", 12), ("1,200", 1200), ("0", 0), ("1e2", 100),
])
def test_count_accepts_whole_numbers_in_any_spelling(raw, expected):
    assert cells.parse_count(raw) == expected
    assert type(cells.parse_count(raw)) is int


@pytest.mark.parametrize(("raw", "code"), [
    (1.5, "count_fraction"), ("2.5", "count_fraction"), (-1, "count_negative"),
    ("-3", "count_negative"), (True, "number_boolean"), ("twelve", "number_text"),
    ("十二", "number_text"), (float("nan"), "number_not_finite"), ("inf", "number_not_finite"),
    (10**9, "count_too_large"), ("9" * 400, "count_too_large"),
    (datetime(2026, 1, 1), "number_is_date"),
])
def test_count_rejects(raw, code):
    assert fails(cells.parse_count, raw) == code


@pytest.mark.parametrize("raw", ["12%", "１２％", 12, "12", 0.12, "0.12", " 12 % "])
def test_rate_spellings_all_mean_twelve_percent(raw):
    assert cells.parse_rate(raw) == Decimal("0.12")


def test_rate_keeps_exact_decimals():
    # 0.1 typed in a cell is one tenth exactly, not 0.1000000000000000055511151231257827
    assert cells.parse_rate(0.1) == Decimal("0.1")
    assert cells.parse_rate("10.5%") == Decimal("0.105")


@pytest.mark.parametrize(("raw", "code"), [
    ("-5%", "rate_negative"), (-0.1, "rate_negative"), ("120%", "rate_too_large"),
    (150, "rate_too_large"), ("abc", "number_text"), (False, "number_boolean"),
])
def test_rate_rejects(raw, code):
    assert fails(cells.parse_rate, raw) == code


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), (False, False), ("是", True), ("否", False), ("Y", True), ("n", False),
    ("YES", True), ("no", False), ("TRUE", True), ("false", False), (1, True), (0, False),
    ("１", True), (" 是 ", True), ("有", True), ("没有", False), ("无", False),
    (0.0, False), (1.0, True),  # a numeric cell read as a float
])
def test_bool_spellings(raw, expected):
    assert cells.parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 2, "是的吧"])
def test_bool_rejects(raw):
    assert fails(cells.parse_bool, raw) == "bool_unknown"


@pytest.mark.parametrize(("raw", "expected"), [
    (datetime(2026, 10, 15, 9, 30), date(2026, 10, 15)), (date(2026, 10, 15), date(2026, 10, 15)),
    ("2026-10-15", date(2026, 10, 15)), ("2026/10/15", date(2026, 10, 15)),
    ("2026年10月15日", date(2026, 10, 15)), ("２０２６年１０月１５日", date(2026, 10, 15)),
    ("2026.1.5", date(2026, 1, 5)), ("20261015", date(2026, 10, 15)),
    ("2026-10-15 08:00", date(2026, 10, 15)),
    (46310, date(2026, 10, 15)),  # an Excel serial day number: 46310 days after 1899-12-30
])
def test_dates(raw, expected):
    assert cells.parse_date(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("2026-02-30", "date_impossible"), ("2026-13-01", "date_impossible"),
    ("15/10/2026", "date_format"), ("next week", "date_format"),
    ("1899-01-01", "date_out_of_range"), (1, "date_out_of_range"), (-5, "date_format"),
])
def test_dates_rejected(raw, code):
    assert fails(cells.parse_date, raw) == code


@pytest.mark.parametrize(("raw", "expected"), [
    ("一、三", (1, 3)), ("1,3", (1, 3)), ("3 1", (1, 3)), ("１；２", (1, 2)),
    ("(一)、(七)", (1, 7)),
    ("第二类", (2,)), ("1/1", (1,)), (5, (5,)), (5.0, (5,)), ("二和四", (2, 4)),
    # items in brackets one after another, full- or half-width, and circled numbers
    ("（一）（四）", (1, 4)), ("(1)(4)", (1, 4)), ("(二) (三)", (2, 3)), ("[1][7]", (1, 7)),
    ("①④", (1, 4)), ("③、⑤", (3, 5)), ("⑴⑷", (1, 4)), ("第（二）（六）类", (2, 6)),
])
def test_category_items(raw, expected):
    assert cells.items_parser(BY_KEY["categories"])(raw) == expected


@pytest.mark.parametrize("raw", ["八", "0", 8, "unicorn", 1.5, True, "①⑧", "(1)(8)", "()"])
def test_category_items_rejected(raw):
    assert fails(cells.items_parser(BY_KEY["categories"]), raw) == "items_unknown"


@pytest.mark.parametrize(("raw", "item"), [("八", "八"), (8, 8), (0, 0), ("0", "0"),
                                           (True, True), ("unicorn", "unicorn")])
def test_category_items_rejected_name_the_item_and_the_range(raw, item):
    with pytest.raises(CellError) as raised:
        cells.items_parser(BY_KEY["categories"])(raw)
    assert raised.value.params == {"largest": 7, "item": item}  # Art. 8 has seven items


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("categories", 1, (1,)), ("categories", 7, (7,)), ("categories", 7.0, (7,)),
    ("violations", 1, (1,)), ("violations", 6, (6,)),
])
def test_numeric_items_at_both_ends_of_the_range(key, raw, expected):
    assert cells.items_parser(BY_KEY[key])(raw) == expected


def test_numeric_violation_item_seven_is_refused():
    with pytest.raises(CellError) as raised:
        cells.items_parser(BY_KEY["violations"])(7)
    assert raised.value.params == {"largest": 6, "item": 7}  # Art. 16 has six items


def test_violation_items_stop_at_six():
    parse = cells.items_parser(BY_KEY["violations"])
    assert parse("六") == (6,)
    assert fails(parse, "七") == "items_unknown"


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("unit_type", "企业", "enterprise"), ("unit_type", " 律师事务所 ", "law_firm"),
    ("unit_type", "Law firm", "law_firm"), ("unit_type", "民非", "private_non_enterprise"),
    ("sector", "金融", "finance"), ("sector", "INFORMATION", "information"),
    ("status", "黑名单", "blacklisted"), ("negative_list", "禁止", "prohibited"),
    ("negative_list", "否", "none"),
])
def test_enums_accept_codes_labels_and_aliases(key, raw, expected):
    assert cells.enum_parser(BY_KEY[key])(raw) == expected


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("role", "高管", "senior"), ("role", "骨干", "key_staff"), ("role", "其它", "other"),
    ("role", "Key Staff", "key_staff"), ("degree", "本科", "bachelor"),
    ("degree", "PhD", "doctor"), ("title_level", "副高", "associate_senior"),
    ("origin", "大陆", "domestic"), ("origin", "中国大陆", "domestic"),
    ("origin", "香港", "hmt"), ("origin", "foreign", "overseas"), ("origin", "外籍", "overseas"),
])
def test_roster_enums_accept_the_usual_words(key, raw, expected):
    from allocator.schema import ROSTER_BY_KEY

    assert cells.enum_parser(ROSTER_BY_KEY[key])(raw) == expected


@pytest.mark.parametrize(("key", "raw"), [("title_level", "高级"), ("degree", "大专")])
def test_roster_words_that_are_ambiguous_or_outside_the_list_are_refused(key, raw):
    """高级 may mean 副高级 or 正高级, and 大专 is no degree of the list: the cell is refused,
    not guessed."""
    from allocator.schema import ROSTER_BY_KEY

    assert fails(cells.enum_parser(ROSTER_BY_KEY[key]), raw) == "enum_unknown"


def test_enum_rejects_with_the_options_in_both_languages():
    with pytest.raises(CellError) as raised:
        cells.enum_parser(BY_KEY["sector"])("制造业")
    assert raised.value.code == "enum_unknown"
    assert "金融" in raised.value.params["options"].zh
    assert "Finance" in raised.value.params["options"].en


@pytest.mark.parametrize(("raw", "expected"), [
    ("J66", "J66"), ("j6620", "J6620"), ("I6510", "I6510"), ("6510", "I6510"), (6620, "J6620"),
    ("Ｒ８６", "R86"), ("J", "J"), ("L 72.31", "L7231"),
])
def test_industry_codes(raw, expected):
    assert cells.parse_industry(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("J12", "industry_mismatch"), ("U12", "industry_mismatch"), ("Z", "industry_section"),
    ("99", "industry_division"), ("J6", "industry_format"), ("finance", "industry_format"),
    (66.5, "industry_format"),
])
def test_industry_codes_rejected(raw, code):
    assert fails(cells.parse_industry, raw) == code


# GB/T 4754-2017 by hand: section B (mining) holds divisions 06–12, R holds 86–90; there is no
# section U or Z and no division 99.
@pytest.mark.parametrize(("raw", "params"), [
    ("J12", {"division": "12", "section": "B", "letter": "J"}),
    ("U12", {"division": "12", "section": "B", "letter": "U"}),
    ("A86", {"division": "86", "section": "R", "letter": "A"}),
    ("Z", {"section": "Z"}),
    ("99", {"division": "99"}),
])
def test_industry_refusals_name_the_division_and_its_section(raw, params):
    with pytest.raises(CellError) as raised:
        cells.parse_industry(raw)
    assert raised.value.params == params


@pytest.mark.parametrize(("raw", "expected"), [
    ("91110000802100433B", "91110000802100433B"),
    ("９１１１００００８０２１００４３３Ｂ", "91110000802100433B"),  # full-width
    (" 91110000802100433b ", "91110000802100433B"),
    ("911100008-0210-0433B", "91110000802100433B"),
])
def test_credit_code_normalised(raw, expected):
    assert cells.parse_credit_code(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("91110000802100433", "credit_code_length"), ("91110000802100433BB", "credit_code_length"),
    ("9111000080210043OB", "credit_code_character"), ("91110000802100433A", "credit_code_check"),
    (911100008021004330, "credit_code_not_text"),
])
def test_credit_code_rejected(raw, code):
    assert fails(cells.parse_credit_code, raw) == code


def test_text_keeps_full_width_punctuation_but_strips_padding():
    assert cells.parse_text("  北京某某（集团）有限公司 ") == "北京某某（集团）有限公司"
    assert cells.parse_text(1234.0) == "1234"


@pytest.mark.parametrize(("raw", "shown"), [
    ("北京\x07东诚", "U+0007 at position 3"), ("\x1b[31m红字公司", "U+001B at position 1"),
    ("A\x00B\x08C\x00", "U+0000 at position 2, U+0008 at position 4, U+0000 at position 6"),
    ("删除\x7f", "U+007F at position 3")])
def test_text_with_control_characters_is_refused_naming_them(raw, shown):
    with pytest.raises(CellError) as refused:
        cells.parse_text(raw)
    assert refused.value.code == "text_control"
    assert refused.value.params["characters"].en == shown


# Issue 18: bidi controls make one name display as another; zero-width and soft hyphens make
# two names that look alike differ. Each is refused, named by code point, name and position.
@pytest.mark.parametrize(("raw", "en", "zh"), [
    ("百度\u202e司公", "U+202E RIGHT-TO-LEFT OVERRIDE at position 3",
     "U+202E RIGHT-TO-LEFT OVERRIDE（第3个字符）"),
    ("\u202a百度\u202c", "U+202A LEFT-TO-RIGHT EMBEDDING at position 1, U+202C POP DIRECTIONAL "
     "FORMATTING at position 4", None),
    ("A\u2066B\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE at position 2, U+2069 POP DIRECTIONAL "
     "ISOLATE at position 4", None),
    ("百\u200e度", "U+200E LEFT-TO-RIGHT MARK at position 2", None),
    ("百\u200f度", "U+200F RIGHT-TO-LEFT MARK at position 2", None),
    ("百度\u061c", "U+061C ARABIC LETTER MARK at position 3", None),
    ("北京某某有限公司\u200b", "U+200B ZERO WIDTH SPACE at position 9", None),
    ("\ufeff北京", "U+FEFF ZERO WIDTH NO-BREAK SPACE at position 1", None),
    ("北京\u00ad某某", "U+00AD SOFT HYPHEN at position 3", "U+00AD SOFT HYPHEN（第3个字符）"),
])
def test_names_with_bidi_or_invisible_characters_are_refused_naming_them(raw, en, zh):
    with pytest.raises(CellError) as refused:
        cells.parse_text(raw)
    assert refused.value.code == "text_control"
    assert refused.value.params["characters"].en == en
    if zh:
        assert refused.value.params["characters"].zh == zh


def test_a_soft_hyphen_in_a_credit_code_is_named_with_its_position():
    code = "91110\u00ad000802100433B"  # Baidu's code with a soft hyphen after 5 characters
    with pytest.raises(CellError) as refused:
        cells.parse_credit_code(code)
    assert refused.value.code == "text_control"
    assert refused.value.params["characters"].en == "U+00AD SOFT HYPHEN at position 6"
    with pytest.raises(CellError) as refused:
        cells.parse_credit_code("\u200b91110000802100433B")
    assert refused.value.params["characters"].en == "U+200B ZERO WIDTH SPACE at position 1"


# Issue 18: numbers typed as text are read only in forms that cannot be misread
# (docs/columns.md, "Numbers typed as text").
@pytest.mark.parametrize(("raw", "expected"), [
    ("1,500", 1500), ("123,456", 123456), ("1,000,000", 1000000), ("1 500", 1500),
    ("1500", 1500), ("0", 0),
    ("１，５００", 1500), ("+7", 7), ("999", 999), ("1000.000", 1000), ("1,000.0", 1000),
])
def test_counts_in_text_with_unambiguous_separators(raw, expected):
    assert cells.parse_count(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("1,5", "read.number_grouping"), ("1,50", "read.number_grouping"),
    ("15,00", "read.number_grouping"), ("1,5000", "read.number_grouping"),
    ("1.500,5", "read.number_grouping"), ("1.000.000", "read.number_grouping"),
    ("1 5", "read.number_grouping"), ("1,500 000", "read.number_grouping"),
    (",500", "read.number_grouping"), ("1,,500", "read.number_grouping"),
    ("1.000", "read.number_ambiguous"), ("12.500", "read.number_ambiguous"),
    ("150.000", "read.number_ambiguous"), ("-1.000", "read.number_ambiguous"),
])
def test_counts_in_text_with_ambiguous_separators_are_refused(raw, code):
    assert fails(cells.parse_count, raw) == code


@pytest.mark.parametrize(("raw", "point"), [("1.000", "1"), ("+12.500", "12"),
                                            ("-150.000", "150")])
def test_the_ambiguous_point_names_both_readings(raw, point):
    # "the point may be a decimal point (12 and a fraction) or a thousands separator"
    with pytest.raises(CellError) as refused:
        cells.parse_count(raw)
    assert refused.value.params == {"point": point}


@pytest.mark.parametrize(("raw", "expected"), [
    ("0.125", Decimal("0.125")), ("12.5%", Decimal("0.125")), ("1,5%", None), ("1.500%", None)])
def test_rates_follow_the_same_rule(raw, expected):
    if expected is None:
        assert fails(cells.parse_rate, raw).startswith("read.number_")
    else:
        assert cells.parse_rate(raw) == expected


@given(st.integers(min_value=1000, max_value=cells.MAX_COUNT))
def test_any_count_grouped_by_three_reads_back(n):
    assert cells.parse_count(f"{n:,}") == n
    assert cells.parse_count(f"{n:,}".replace(",", " ")) == n


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=99))
def test_a_comma_before_fewer_than_three_digits_is_never_read(whole, tail):
    raw = f"{whole},{tail}"  # "1,5", "12,50": a decimal comma, or a typo
    assert fails(cells.parse_count, raw) == "read.number_grouping"


def test_serial_dates_follow_the_workbooks_date_system():
    # 45000 days after 1899-12-30 is 2023-03-15; after 1904-01-01 it is 2027-03-16.
    assert cells.parse_date(45000) == date(2023, 3, 15)
    assert cells.parser_for(BY_KEY["submitted_on"], date1904=True)(45000) == date(2027, 3, 16)
    assert cells.parser_for(BY_KEY["submitted_on"])(45000) == date(2023, 3, 15)


def test_text_keeps_tabs_and_line_breaks():
    assert cells.parse_text("第一行\n第二行\t末") == "第一行\n第二行\t末"


@given(st.integers(min_value=0, max_value=cells.MAX_COUNT))
def test_count_round_trips_any_whole_number_as_text_or_float(n):
    assert cells.parse_count(str(n)) == n
    assert cells.parse_count(float(n)) == n
    full_width = str(n).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert cells.parse_count(full_width) == n


# -- the limits, at both ends, and what each refusal names (written by hand) --------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("2000-01-01", date(2000, 1, 1)), ("2100-12-31", date(2100, 12, 31)),
])
def test_dates_at_both_ends_of_the_accepted_range(raw, expected):
    assert cells.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["1999-12-31", "2101-01-01"])
def test_dates_just_outside_the_range_name_it(raw):
    with pytest.raises(CellError) as raised:
        cells.parse_date(raw)
    assert raised.value.code == "date_out_of_range"
    assert raised.value.params == {"earliest": date(2000, 1, 1), "latest": date(2100, 12, 31)}


def test_a_million_permits_is_the_largest_count():
    assert cells.parse_count(1_000_000) == 1_000_000
    with pytest.raises(CellError) as raised:
        cells.parse_count(1_000_001)
    assert raised.value.code == "count_too_large"
    assert raised.value.params == {"limit": 1_000_000}


@pytest.mark.parametrize(("raw", "expected"), [(2, Decimal("0.02")), ("2", Decimal("0.02")),
                                               (0.5, Decimal("0.5"))])
def test_a_rate_above_one_is_a_percentage(raw, expected):
    assert cells.parse_rate(raw) == expected


def test_credit_code_refusals_name_length_and_check_character():
    # 91110000600037341L is a published code (tests/test_credit_code.py).
    with pytest.raises(CellError) as raised:
        cells.parse_credit_code("9111000060003734")
    assert (raised.value.code, raised.value.params) == ("credit_code_length", {"length": 16})
    with pytest.raises(CellError) as raised:
        cells.parse_credit_code("91110000600037341X")
    assert raised.value.code == "credit_code_check"
    assert raised.value.params == {"expected": "L", "found": "X"}



# -- amounts (the roster's yuan and years) -----------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    (0, Decimal(0)), ("0", Decimal(0)), ("150000.50", Decimal("150000.50")), (3, Decimal(3)),
    ("1,200", Decimal(1200)), (0.5, Decimal("0.5")),
])
def test_amounts_are_exact_decimals_from_zero_up(raw, expected):
    assert cells.parse_amount(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    (-1, "count_negative"), ("-0.01", "count_negative"), ("10" + "0" * 20, "count_too_large"),
    ("abc", "number_text"), (True, "number_boolean"),
])
def test_amounts_below_zero_too_large_or_not_numbers_are_refused(raw, code):
    assert fails(cells.parse_amount, raw) == code
