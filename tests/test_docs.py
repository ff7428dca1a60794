"""The column reference is generated from the schema and cannot drift from it."""

from __future__ import annotations

import pytest

from allocator.docs import COLUMNS_MD, article_text, chinese_numeral, columns_markdown, main
from allocator.schema import CATEGORIES, COLUMNS, VIOLATIONS


def test_committed_reference_matches_the_schema():
    assert COLUMNS_MD.read_text(encoding="utf-8") == columns_markdown(), (
        "docs/columns.md is stale: run `python -m allocator.docs`")


def test_reference_names_every_column_choice_and_item():
    text = columns_markdown()
    for column in COLUMNS:
        for spelling in (column.key, column.zh, column.en, column.help_zh, column.help_en,
                         *column.aliases):
            assert spelling in text, spelling
        for choice in column.choices:
            assert f"`{choice.code}`" in text and choice.zh in text and choice.en in text
    for zh, en in (*CATEGORIES.values(), *VIOLATIONS.values()):
        assert zh in text and en in text


def test_columns_table_is_in_schema_order():
    text = columns_markdown()
    positions = [text.index(f"| `{c.key}` |") for c in COLUMNS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("number, numeral", [
    (1, "一"), (7, "七"), (10, "十"), (13, "十三"), (16, "十六"), (20, "二十"), (21, "二十一"),
    (99, "九十九"),
])
def test_chinese_numerals(number, numeral):
    assert chinese_numeral(number) == numeral


@pytest.mark.parametrize("article, zh, en", [
    ("5", "第五条", "Art. 5"),
    ("16(3)", "第十六条第三项", "Art. 16(3)"),
    ("13, 16", "第十三条、第十六条", "Art. 13, 16"),
])
def test_article_references(article, zh, en):
    assert (article_text(article).zh, article_text(article).en) == (zh, en)


def test_entry_point_writes_both_reference_pages(tmp_path, capsys):
    from allocator.scenario import parameters_markdown

    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "columns.md").read_text(encoding="utf-8") == columns_markdown()
    assert (tmp_path / "scenario.md").read_text(encoding="utf-8") == parameters_markdown()
