"""How the demand workbook's columns are described to people, drawn from :mod:`allocator.schema`.

Two readers use these descriptions: the template's instructions sheet (:mod:`allocator.excel`)
and the column reference ``docs/columns.md``. Both come from the one table of columns, so
neither can drift from the reader. ``python -m allocator.docs`` regenerates it together with
the scenario reference ``docs/scenario.md``; the tests fail when a committed page differs from
what its table says.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from allocator.i18n import Text, text
from allocator.schema import (
    CATEGORIES,
    COLUMNS,
    CONDITIONS,
    ROSTER_COLUMNS,
    VIOLATIONS,
    Column,
    Kind,
)

#: The article-item tables behind the columns of kind ITEMS (Art. 8 categories, Art. 16 items).
ITEM_TABLES: dict[str, dict[int, tuple[str, str]]] = {
    "categories": CATEGORIES,
    "violations": VIOLATIONS,
    "conditions": CONDITIONS,  # the roster's Art. 6 items
}

COLUMNS_MD = Path(__file__).resolve().parent.parent / "docs" / "columns.md"

_DIGITS = "零一二三四五六七八九"
_ARTICLE = re.compile(r"^(\d+)(?:\((\d+)\))?$")


def chinese_numeral(number: int) -> str:
    """``1`` → ``一``, ``16`` → ``十六``, ``23`` → ``二十三``: 1 to 99, as articles are numbered."""
    if not 1 <= number <= 99:
        raise ValueError(f"no Chinese numeral for {number}")
    tens, units = divmod(number, 10)
    if tens == 0:
        return _DIGITS[units]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[units] if units else "")


def article_text(article: str) -> Text:
    """``"16(3)"`` → 第十六条第三项 / Art. 16(3); ``"13, 16"`` → 第十三条、第十六条."""
    if not article:
        return Text(zh="", en="")
    zh_parts = []
    for part in (p.strip() for p in article.split(",")):
        match = _ARTICLE.fullmatch(part)
        if match is None:
            raise ValueError(f"article reference not understood: {article!r}")
        zh = f"第{chinese_numeral(int(match[1]))}条"
        if match[2]:
            zh += f"第{chinese_numeral(int(match[2]))}项"
        zh_parts.append(zh)
    return Text(zh="、".join(zh_parts), en=f"Art. {article}")


def requirement_text(column: Column) -> Text:
    return text("excel.required" if column.required else "excel.optional")


def kind_text(column: Column) -> Text:
    """What a cell of this column holds, e.g. 0 或正整数 / whole number ≥ 0."""
    if column.kind in (Kind.MONEY, Kind.YEARS):  # the roster's own kinds
        return text(f"roster.kind_{column.kind.value}")
    return text(f"excel.kind.{column.kind.value}")


def choices_text(column: Column) -> Text:
    """The values a cell may take: the list for choices and items, else the expected format."""
    if column.kind is Kind.ENUM:
        return Text(zh="、".join(c.zh for c in column.choices),
                    en=", ".join(c.en for c in column.choices))
    if column.kind is Kind.BOOL:
        yes, no = text("common.yes"), text("common.no")
        return Text(zh=f"{yes.zh}、{no.zh}", en=f"{yes.en}, {no.en}")
    if column.kind is Kind.ITEMS and column.key in ITEM_TABLES:
        table = ITEM_TABLES[column.key]
        return Text(zh="\n".join(f"{chinese_numeral(n)}、{zh}" for n, (zh, _) in table.items()),
                    en="\n".join(f"{n}. {en}" for n, (_, en) in table.items()))
    return kind_text(column)


# -- the Markdown reference -------------------------------------------------------------------
def _cell(value: str) -> str:
    """Text made safe for one Markdown table cell."""
    return value.replace("|", "\\|").replace("\n", "<br>")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def columns_markdown() -> str:
    """The column reference (``docs/columns.md``), generated from :data:`schema.COLUMNS`."""
    lines = [
        "# 申报表列说明 / Demand workbook columns",
        "",
        "<!-- Generated from allocator/schema.py by `python -m allocator.docs`: do not edit by "
        "hand. -->",
        "",
        "每个单位填写一行。表头可用中文或英文，列的顺序不限；未列出的列原样保留。",
        "One row per employer. Headers may be Chinese or English, in any order; columns not "
        "listed here are carried through untouched.",
        "",
        "## 列一览 / Columns",
        "",
        *_table(COLUMNS),
    ]
    lines += ["", "## 各列说明 / Column details", ""]
    lines += _details(COLUMNS)
    lines += READING_RULES
    lines += _roster_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(columns: tuple[Column, ...]) -> list[str]:
    lines = [
        _row("#", "键 Key", "中文表头", "English header", "类型 Type", "必填 Required",
             "条款 Article"),
        _row(*["---"] * 7),
    ]
    for number, column in enumerate(columns, start=1):
        article = article_text(column.article)
        lines.append(_row(
            str(number), f"`{column.key}`", column.zh, column.en,
            f"{kind_text(column).zh} / {kind_text(column).en}",
            f"{requirement_text(column).zh} / {requirement_text(column).en}",
            f"{article.zh} / {article.en}" if column.article else "",
        ))
    return lines


def _roster_section() -> list[str]:
    """The applicant roster (docs/columns.md): the same reader's rules, one row per applicant."""
    return [
        "", "# 申报人员名单 / Applicant roster", "",
        "可选。申报表中名为“申报人员名单”的工作表，或用 `--roster 名单.xlsx` 另给的工作簿"
        "（读取其中名为“申报人员名单”的工作表，没有则读第一个工作表）。每行一名申请人；表头可用中文或英文，列的顺序不限。"
        "有名单时，各单位每类人员的有效申报数不超过该类中符合第六条且不属第十七、十八条情形的人数；"
        "方案须填写上年度全市职工平均工资（`roster.city_average_wage`，见 docs/scenario.md）。"
        "证件号码只保存加盐哈希和脱敏形式（110101********123X），导出和报告中姓名脱敏（张*明）。",
        "Optional. The demand workbook's sheet 申报人员名单, or a workbook given with "
        "`--roster ROSTER.xlsx` (its sheet 申报人员名单, else its first sheet). One row per "
        "applicant; Chinese or English headers in any order. With a roster, each role's "
        "eligible demand of an employer is at most its applicants of that role who meet Art. 6 "
        "and fall under neither Art. 17 nor Art. 18; the scenario must give last year's city "
        "average wage (`roster.city_average_wage`, see docs/scenario.md). ID numbers are kept "
        "only as a salted hash and a masked form (110101********123X); names are masked in "
        "exports and reports (张*明).",
        "", "## 列一览 / Columns", "", *_table(ROSTER_COLUMNS),
        "", "## 各列说明 / Column details", "", *_details(ROSTER_COLUMNS),
    ]


def _details(columns: tuple[Column, ...]) -> list[str]:
    lines: list[str] = []
    for column in columns:
        lines += [f"### {column.zh} / {column.en} (`{column.key}`)", "", column.help_zh, "",
                  column.help_en, ""]
        spellings = dict.fromkeys([column.zh, column.en, column.key, *column.aliases])
        lines.append("可用表头 Accepted headers: " + "、".join(f"`{s}`" for s in spellings))
        if column.default is not None:
            blank = column.choice(column.default)
            lines.append("")
            lines.append(f"空白视为 Blank means: {blank.zh} / {blank.en}")
        if column.choices:
            lines += ["", _row("代码 Code", "中文", "English", "其他写法 Also accepted"),
                      _row(*["---"] * 4)]
            lines += [_row(f"`{c.code}`", c.zh, c.en, "、".join(c.aliases)) for c in column.choices]
        elif column.kind is Kind.ITEMS and column.key in ITEM_TABLES:
            lines += ["", _row("序号 Item", "中文", "English"), _row(*["---"] * 3)]
            lines += [_row(f"{chinese_numeral(n)} ({n})", zh, en)
                      for n, (zh, en) in ITEM_TABLES[column.key].items()]
        elif column.kind is Kind.BOOL:
            lines += ["", f"可填 Values: {choices_text(column).zh} / {choices_text(column).en}"]
        lines.append("")
    return lines


#: How cells are read whatever their column (issue 18): the end of ``docs/columns.md``.
READING_RULES = [
    "## 单元格的读取规则 / How cells are read",
    "",
    "### 以文本填写的数字 / Numbers typed as text",
    "",
    "数字最好填成数字。填成文本时，只接受不会被误读的写法：不带分隔符的数字"
    "（`1500`、`12.5`），或自个位起每三位用逗号（或空格）分组的数字"
    "（`1,500`、`1 500`、`1,500.5`）。以下写法有歧义，会被拒绝并指出所在单元格："
    "逗号后不是恰好三位数字（`1,5`、`15,00`，在许多欧洲国家逗号是小数点）；"
    "点号与逗号的欧洲写法（`1.500,5`）；一到三位数字后接点号再接恰好三位数字"
    "（`1.000`、`12.500`：点号可能是小数点，也可能是千位分隔符）。全角数字和标点按半角读取。",
    "",
    "Numbers are best typed as numbers. Typed as text, only forms that cannot be misread are "
    "accepted: digits without separators (`1500`, `12.5`), or digits grouped by three from the "
    "units with commas (or spaces) (`1,500`, `1 500`, `1,500.5`). These are ambiguous and are "
    "refused, naming the cell: a comma not followed by exactly three digits (`1,5`, `15,00`; in "
    "much of Europe the comma is the decimal point); the European form with points and a comma "
    "(`1.500,5`); one to three digits, a point and exactly three digits (`1.000`, `12.500`: the "
    "point may be a decimal point or a thousands separator). Full-width digits and punctuation "
    "read as their half-width forms.",
    "",
    "### 序号与是否 / Item numbers and yes or no",
    "",
    "条款项目的序号（重点支持类别、违规情形、符合条件项）可写成一至九或1至9，也可带“第”和"
    "“项”“类”或括号：`一、四`、`1,4`、`第一项 第四项`、`（一）（四）`、`①④` 都读作第一项和第四项；"
    "多项用顿号、逗号、分号、斜杠、空格或“和”“及”分隔，括号或带圈数字连写时各算一项。超出该条项数的"
    "序号会被拒绝并指出所在单元格。是否列接受 是/否、有/无（没有）、Y/N、1/0、true/false、√/×。",
    "",
    "Item numbers of an article (priority categories, violations, conditions claimed) may be "
    "written 一 to 九 or 1 to 9, with 第 and 项 or 类, or in brackets: `一、四`, `1,4`, "
    "`第一项 第四项`, `（一）（四）` and `①④` all read as items 1 and 4; several are separated by "
    "、 , ; / a space or 和 / 及, and bracketed or circled numbers written one after another "
    "count one each. A number beyond the article's items is refused, naming the cell. Yes-or-no "
    "columns take 是/否, 有/无 (没有), Y/N, 1/0, true/false and √/×.",
    "",
    "### 看不见的字符 / Invisible characters",
    "",
    "单位名称、信用代码等文字中的控制字符和看不见的格式字符（双向文字控制符 U+202A–U+202E、"
    "U+2066–U+2069、U+200E、U+200F、U+061C，零宽字符，软连字符 U+00AD，字节顺序标记 U+FEFF 等"
    "Unicode Cf 类字符）会被拒绝，并指出其码位和位置：它们会使一个名称显示成另一个名称，或使看上"
    "去相同的两个代码不同。审批人姓名和审批备注同样检查。",
    "",
    "Control characters and invisible format characters (the bidi controls U+202A–U+202E, "
    "U+2066–U+2069, U+200E, U+200F and U+061C, zero-width characters, the soft hyphen U+00AD, "
    "the byte-order mark U+FEFF: Unicode category Cf) in names, credit codes and other text are "
    "refused, naming each code point and its position: they can make one name display as "
    "another, or two codes that look alike differ. The approver's name and note are checked "
    "the same way.",
    "",
    "### 日期 / Dates",
    "",
    "以 1904 日期系统保存的工作簿（旧版 Mac Excel）中，日期按该系统读取，包括常规格式的日期序号。",
    "",
    "In a workbook saved with the 1904 date system (old Mac Excel), dates are read on that "
    "system, serial day numbers in General format included.",
    "",
    "### 工作簿 / The workbook",
    "",
    "读取名为“需求申报”的工作表，没有时读取第一个工作表；若该表没有表头而另一个工作表有，提示会指"
    "出那个工作表。只设了格式的空行和空单元格（如整列设了格式，一直到第 1,048,576 行）不计入行数"
    "上限。“Strict Open XML”格式的工作簿不支持：请另存为“Excel 工作簿 (*.xlsx)”。内部损坏的单元格"
    "（引用不存在的共享文本、NaN、INF、十六进制数、不是日期的日期值）会被拒绝，并指出工作表和单元格。",
    "",
    "The sheet named 需求申报 is read, or else the first sheet; when it has no header and "
    "another sheet has one, the message names that sheet. Empty rows and cells that only hold "
    "formatting (a whole column formatted down to row 1,048,576) do not count towards the row "
    "limit. Strict Open XML workbooks are not supported: save as 'Excel Workbook (*.xlsx)'. "
    "Damaged cells (a shared text that does not exist, NaN, INF, hexadecimal numbers, a date "
    "value that is no date) are refused, naming the sheet and the cell.",
    "",
]


def main(argv: list[str] | None = None) -> int:
    """Write the generated reference pages: ``docs/columns.md`` and ``docs/scenario.md``.

    With a directory argument the pages are written there instead of ``docs/``.
    """
    from allocator.scenario import parameters_markdown  # the scenario table's own page

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else COLUMNS_MD.parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, page in (("columns.md", columns_markdown()), ("scenario.md", parameters_markdown())):
        (folder / name).write_text(page, encoding="utf-8")
        print(f"已写出 Written: {folder / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
