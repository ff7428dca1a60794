"""The style cache of the plan and comparison workbooks gives each cell exactly the style that
setting it the usual openpyxl way gives."""

from __future__ import annotations

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
