"""The style cache of the plan and comparison workbooks gives each cell exactly the style that
setting it the usual openpyxl way gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from allocator import excel

FONTS = [None, excel.PLAN_FONT, excel.PLAN_BOLD, excel.TITLE_FONT]
FILLS = [None, excel.TOTAL_FILL, excel.HEADER_FILL]
BORDERS = [None, excel.BORDER]
ALIGNMENTS = [None, excel.WRAP, excel.NUMBER_ALIGNMENT, excel.CENTRE]
FORMATS = [None, excel.FORMAT_PERCENT, excel.FORMAT_COUNT, "#,##0.000"]
ATTRIBUTES = ("font", "fill", "border", "alignment", "number_format", "protection",
              "quotePrefix")

combination = st.tuples(st.sampled_from(FONTS), st.sampled_from(FILLS),
                        st.sampled_from(BORDERS), st.sampled_from(ALIGNMENTS),
                        st.sampled_from(FORMATS))


def _look(cell) -> list[str]:
    return [repr(getattr(cell, name)) for name in ATTRIBUTES]


@settings(max_examples=60, deadline=None)
@given(st.lists(combination, min_size=1, max_size=30), st.booleans())
def test_cached_styles_equal_direct_styles(combinations, restyle) -> None:
    cached, direct = Workbook(), Workbook()
    for row, (font, fill, border, alignment, number_format) in enumerate(combinations, 1):
        a = cached.active.cell(row=row, column=1)
        if restyle:  # a cell styled before gets exactly the new style, nothing of the old
            a.font, a.fill = excel.HEADER_FONT, excel.HEADER_FILL
        excel.apply_style(a, font=font, fill=fill, border=border, alignment=alignment,
                          number_format=number_format)
        excel.put(cached.active, row, 1, "=1+1")
        b = direct.active.cell(row=row, column=1)
        for name, value in (("font", font), ("fill", fill), ("border", border),
                            ("alignment", alignment), ("number_format", number_format)):
            if value is not None:
                setattr(b, name, value)
        excel.put(direct.active, row, 1, "=1+1")
        assert _look(a) == _look(b)
        assert a.data_type == "s" and a.quotePrefix  # a formula trigger stays quoted text


def test_cache_is_per_workbook() -> None:
    """Style indices belong to one workbook: a second workbook gets its own."""
    first, second = Workbook(), Workbook()
    excel.apply_style(first.active["A1"], font=excel.TITLE_FONT)
    excel.apply_style(second.active["A1"], fill=excel.HEADER_FILL)
    excel.apply_style(second.active["A2"], font=excel.TITLE_FONT)
    assert repr(second.active["A2"].font) == repr(first.active["A1"].font)
    assert repr(second.active["A2"].fill) == repr(first.active["B1"].fill)  # default fill


# -- bulk rows: the same cells as write_row, written as XML -----------------------------------
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["=1+2", "+1", "-2", "@SUM(A1)", "#N/A", "a & b < c > d", "第一行\n第二行",
                     " leading and trailing ", "\x07bell", "]]>", "<row r=\"9\">", "北京某某公司"]))
VALUES = st.one_of(st.none(), st.integers(-10**12, 10**12), TEXTS,
                   st.floats(min_value=-1e300, max_value=1e300), st.just(float("nan")),
                   st.fractions(max_denominator=1000), st.booleans())
BULK_FORMATS = ["0", None, "#,##0", "0.0%"]
BULK_WRAPS = [False, True, False, False]
BULK_WIDTHS = [6, 20, 8, 8]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(VALUES, min_size=4, max_size=4), min_size=1, max_size=12),
       st.integers(0, 3))
def test_bulk_rows_write_what_write_row_writes(tmp_path_factory, rows, headings) -> None:
    """Rows through bulk_rows, after a few openpyxl rows, read back exactly as the same rows
    written cell by cell with write_row: values, types, styles and row heights."""
    import openpyxl

    folder = tmp_path_factory.mktemp("bulk")
    books = []
    for bulk in (True, False):
        book = Workbook()
        sheet = book.active
        for row in range(1, headings + 1):  # rows openpyxl writes itself, before the table
            excel.put(sheet, row, 1, f"heading {row}")
        first = headings + 1
        if bulk:
            excel.bulk_rows(sheet, first, rows, BULK_FORMATS, BULK_WRAPS, BULK_WIDTHS,
                            font=excel.PLAN_FONT)
        else:
            for offset, values in enumerate(rows):
                excel.write_row(sheet, first + offset, values, BULK_FORMATS, BULK_WRAPS,
                                BULK_WIDTHS, 1, excel.PLAN_FONT, None)
        path = folder / f"{bulk}.xlsx"
        excel.save_workbook(book, path)
        books.append(openpyxl.load_workbook(path).active)
    fast, slow = books
    assert fast.max_row == slow.max_row == headings + len(rows)
    assert fast.dimensions == slow.dimensions
    for row in range(1, headings + len(rows) + 1):
        assert fast.row_dimensions[row].height == slow.row_dimensions[row].height
        for column in range(1, 5):
            a, b = fast.cell(row=row, column=column), slow.cell(row=row, column=column)
            assert a.data_type == b.data_type, (row, column)
            if isinstance(a.value, float):  # openpyxl writes 16 digits, bulk_rows all 17
                assert a.value == pytest.approx(b.value, rel=1e-15, abs=1e-300)
            else:
                assert a.value == b.value, (row, column)
            assert _look(a) == _look(b), (row, column)
