"""The faster paths of issue 14's third round give what the plain ones give."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from allocator.workbook import _CONTROL_BYTES, _calamine_column, _has_control_byte


@given(st.binary(max_size=64))
def test_control_byte_found_as_by_searching_each(data):
    assert _has_control_byte(data) == any(bytes([b]) in data for b in range(32))


def test_control_bytes_by_hand():
    assert len(_CONTROL_BYTES) == 32
    assert not _has_control_byte(b"")
    assert not _has_control_byte(b'<c r="A1"><v>1</v></c> ')
    assert _has_control_byte(b"a\tb") and _has_control_byte(b"\x00") and \
        _has_control_byte(b"x\x1f")
    assert not _has_control_byte(b"\x7f\xff")


def one_by_one(value):
    """calamine's value as openpyxl gives it, written out independently."""
    if isinstance(value, str):
        return value if value else None
    if type(value) is float and value == int(value):
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value


values = st.one_of(
    st.none(), st.text(max_size=3), st.integers(-3, 3), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-3, max_value=3),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 5)),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2020, 1, 2)),
    st.just(time(8, 30)), st.just(timedelta(hours=1)))


@given(st.lists(values, max_size=30))
def test_a_column_converted_per_distinct_value_is_the_column_converted_per_cell(column):
    converted = _calamine_column(tuple(column))
    expected = [one_by_one(v) for v in column]
    assert converted == expected
    # the same values of the same kind: 1 and 1.0 and True stay what each cell says
    assert [type(v) for v in converted] == [type(v) for v in expected]


def test_equal_values_share_one_object():
    column = ("a" * 20, "".join(["a"] * 20), "", None, 1.0, 1.0)
    # two number kinds would meet (1.0 → 1, and none other): shared all the same when alone
    converted = _calamine_column(column[:4])
    assert converted == ["a" * 20, "a" * 20, None, None]
    assert converted[0] is converted[1]


def test_credit_codes_checked_at_once_by_hand():
    from allocator.credit_code import valid_written

    good = "91110000802100433B"  # GB 32100's example (allocator.credit_code)
    values = [good, "91110000802100433C", "91110000802100433b", " " + good, good + " ",
              "9111000080210043B", 91110000, None, "9111000080210O433B"]
    assert valid_written(values) == {good}


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSZ ab-", min_size=16, max_size=19))
def test_credit_codes_checked_at_once_agree_with_the_cell_parser(value):
    from allocator.cells import CellError, parse_credit_code
    from allocator.credit_code import valid_written

    try:
        parsed = parse_credit_code(value)
    except CellError:
        parsed = None
    if value in valid_written([value]):
        assert parsed == value  # taken as it is only where the parser gives it unchanged
    else:
        assert parsed != value  # refused, or corrected into another spelling


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_every_body_with_its_check_character_is_taken(body):
    from allocator.credit_code import complete, valid_written

    assert valid_written([complete(body)]) == {complete(body)}
