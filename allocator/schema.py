"""The demand workbook's columns, in one table (docs/columns.md).

The reader (:mod:`allocator.submissions`), the submission template (:mod:`allocator.excel`) and
the column reference in the docs are all driven by :data:`COLUMNS`: a column is added here and
nowhere else.

Enumerated values have a canonical code (what the engine and the JSON use), a Chinese label
(what the workbook shows first) and an English label; any of the three, and the listed aliases,
are accepted on input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a cell is parsed and validated."""

    TEXT = "text"
    CREDIT_CODE = "credit_code"
    ENUM = "enum"
    INDUSTRY = "industry"
    ITEMS = "items"  # a list of article items, e.g. 一、三 or 1,3
    BOOL = "bool"
    COUNT = "count"  # whole number ≥ 0
    RATE = "rate"  # "12%", 12, 0.12
    DATE = "date"
    MONEY = "money"  # yuan ≥ 0, decimals allowed (the roster, docs/columns.md)
    YEARS = "years"  # a number of years ≥ 0 (the roster)


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.code, self.zh, self.en, *self.aliases)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind
    required: bool
    help_zh: str
    help_en: str
    article: str = ""
    choices: tuple[Choice, ...] = ()
    default: str | None = None  # canonical code used when the cell is blank (enums)
    items: int = 0  # for Kind.ITEMS: the largest item number
    aliases: tuple[str, ...] = field(default=())  # further accepted header spellings

    def choice(self, code: str) -> Choice:
        return next(c for c in self.choices if c.code == code)


UNIT_TYPES = (
    Choice("enterprise", "企业", "Enterprise", ("公司", "企业法人")),
    Choice("institution", "事业单位", "Public institution"),
    Choice("private_non_enterprise", "民办非企业单位", "Private non-enterprise unit",
           ("民非", "社会服务机构")),
    Choice("social_organisation", "社会团体", "Social organisation", ("社团",)),
    Choice("foundation", "基金会", "Foundation"),
    Choice("branch", "非法人分支机构", "Non-legal-person branch", ("分支机构",)),
    Choice("accounting_firm", "会计师事务所", "Accounting firm"),
    Choice("audit_firm", "审计师事务所", "Audit firm"),
    Choice("law_firm", "律师事务所", "Law firm"),
    Choice("tax_firm", "税务师事务所", "Tax advisory firm"),
    Choice("other", "其他", "Other", ("其它",)),
)

SECTORS = (
    Choice("finance", "金融", "Finance", ("金融业",)),
    Choice("culture", "文化", "Culture", ("文化产业",)),
    Choice("information", "信息服务", "Information services",
           ("信息", "信息服务业", "information services")),
    Choice("other", "其他", "Other", ("其它",)),
)

STATUSES = (
    Choice("normal", "正常", "Normal"),
    Choice("suspended", "暂停", "Suspended", ("暂停申请",)),
    Choice("terminated", "终止", "Terminated", ("终止申请",)),
    Choice("blacklisted", "黑名单", "Blacklisted", ("列入黑名单",)),
)

NEGATIVE_LIST = (
    Choice("none", "否", "No", ("无", "不在", "n")),
    Choice("restricted", "限制", "Restricted", ("限制类",)),
    Choice("prohibited", "禁止", "Prohibited", ("禁止类",)),
)

#: Art. 8 priority categories (docs/columns.md ``categories``), by item number.
CATEGORIES: dict[int, tuple[str, str]] = {
    1: ("独角兽、隐形冠军、高新技术企业", "Unicorns, hidden champions, high-tech firms"),
    2: ("信用良好的上市企业", "Listed firms with good credit"),
    3: ("重点金融机构", "Key financial institutions"),
    4: ("承担民生保障或重大科研任务的国有企业、新型研发机构",
        "SOEs and new R&D institutes with livelihood or major research tasks"),
    5: ("民办非企业单位、社会团体、基金会、知名猎头及会计、审计、律师、税务师事务所",
        "Private non-enterprise units, social organisations, foundations, well-known "
        "headhunters, accounting / audit / law / tax firms"),
    6: ("国际组织、跨国公司、世界500强（地区）总部、知名企业在京分支机构",
        "International organisations, multinationals, Fortune-500 (regional) HQs, Beijing "
        "branches of well-known firms"),
    7: ("区推荐并经市批准的单位", "Units recommended by the district and approved by the city"),
}

#: Art. 16 violation items.
VIOLATIONS: dict[int, tuple[str, str]] = {
    1: ("为不符合条件人员申报", "Applied for people outside the scope"),
    2: ("管理不力或拒不接受检查", "Weak management or refused inspection"),
    3: ("取证后三个月内离职或年流失率超过10%", "Leavers within 3 months or attrition above 10 %"),
    4: ("未及时注销离职人员证件或协助造假", "Did not cancel leavers' permits, or helped falsify"),
    5: ("未认真审核材料、拖延办理", "Did not verify materials, or delayed"),
    6: ("其他违规情形", "Other violations"),
}

COLUMNS: tuple[Column, ...] = (
    Column(
        "credit_code", "统一社会信用代码", "Unified social credit code", Kind.CREDIT_CODE, True,
        "18位统一社会信用代码，末位校验码按GB 32100-2015核验；每个单位只填一行。",
        "18-character unified social credit code; the check character is verified per "
        "GB 32100-2015. One row per employer.",
        aliases=("信用代码", "社会信用代码", "credit code", "uscc"),
    ),
    Column(
        "name", "单位名称", "Employer name", Kind.TEXT, True,
        "单位全称，与营业执照或登记证书一致。",
        "Full registered name of the employer.",
        aliases=("单位", "企业名称", "name", "employer"),
    ),
    Column(
        "unit_type", "单位类型", "Unit type", Kind.ENUM, True,
        "从下拉列表选择。第五条所列类型方可申请；“其他”类型不予分配。",
        "Pick from the list. Only the types of Art. 5 may apply; 'Other' receives no quota.",
        article="5", choices=UNIT_TYPES, aliases=("类型", "type"),
    ),
    Column(
        "industry_code", "行业代码", "Industry code", Kind.INDUSTRY, False,
        "国民经济行业分类GB/T 4754-2017代码，如J6621、I6513；“重点产业”为空时据此判定。",
        "GB/T 4754-2017 industry code, e.g. J6621 or I6513; sets the priority sector when that "
        "column is blank.",
        article="8", aliases=("国民经济行业代码", "行业分类代码", "industry"),
    ),
    Column(
        "sector", "重点产业", "Priority sector", Kind.ENUM, False,
        "金融、文化、信息服务或其他；为空时按行业代码和国家统计分类判定：金融业（门类J）为金融，"
        "门类I为信息服务（《数字经济及其核心产业统计分类（2021）》），《文化及相关产业分类（2018）》"
        "所列小类为文化。代码过粗或所属小类只部分属于文化时不作推断，按其他计并提示。",
        "Finance, culture, information services or other; when blank it follows the industry "
        "code by the national classifications: section J is finance, section I information "
        "services (digital economy classification, 2021), the classes of the classification "
        "of cultural and related industries (2018) culture. A code too coarse to decide, or a "
        "class that is only partly cultural, is not guessed: it counts as other, with a "
        "warning.",
        article="8", choices=SECTORS, aliases=("产业", "所属产业", "sector"),
    ),
    Column(
        "categories", "重点支持类别", "Priority categories", Kind.ITEMS, False,
        "第八条所列七类，填序号一至七或1至7，多项用顿号、逗号或空格分隔。",
        "Art. 8 categories 1–7 (or 一…七); separate several with 、 , ; / or spaces.",
        article="8", items=7, aliases=("支持类别", "重点类别", "categories"),
    ),
    Column(
        "top100", "区级百强企业", "District top-100 firm", Kind.BOOL, False,
        "是或否。区级百强企业的高级管理人员全额保障、业务骨干按比例保障。",
        "Yes or no. Top-100 firms' senior managers are fully guaranteed, and a share of their "
        "key staff.",
        article="8", aliases=("百强企业", "是否百强", "top100", "top 100"),
    ),
    Column(
        "demand_senior", "申报人数_高级管理人员", "Demand: senior managers", Kind.COUNT, False,
        "申报的高级管理人员人数（整数）。", "Number of senior managers applied for (whole number).",
        article="8", aliases=("高级管理人员", "高管人数", "senior"),
    ),
    Column(
        "demand_key_staff", "申报人数_业务骨干", "Demand: key staff", Kind.COUNT, False,
        "申报的业务骨干人数（整数）。", "Number of key staff applied for (whole number).",
        article="8", aliases=("业务骨干", "骨干人数", "key staff"),
    ),
    Column(
        "demand_other", "申报人数_其他人才", "Demand: other talent", Kind.COUNT, False,
        "申报的其他人才人数（整数）。", "Number of other talent applied for (whole number).",
        aliases=("其他人才", "其他人数", "other"),
    ),
    Column(
        "demand_total", "申报人数合计", "Demand: total", Kind.COUNT, True,
        "申报总人数；填写分项时须等于分项之和。",
        "Total number applied for; must equal the sum of the parts where they are given.",
        article="7", aliases=("申报人数", "需求人数", "合计人数", "demand", "total demand"),
    ),
    Column(
        "prior_quota", "上年度分配指标", "Prior-year quota", Kind.COUNT, False,
        "上一年度分配给本单位的指标数。", "Quota allocated to the employer last year.",
        aliases=("上年指标", "prior quota"),
    ),
    Column(
        "prior_used", "上年度实际使用", "Prior-year used", Kind.COUNT, False,
        "上一年度实际办理的人数。", "Permits actually issued to the employer last year.",
        aliases=("上年使用", "prior used"),
    ),
    Column(
        "attrition_rate", "近一年流失率", "One-year attrition rate", Kind.RATE, False,
        "近一年持证人员流失率，可填12%、12或0.12。超过方案阈值（默认10%）将压减指标。",
        "Share of permit holders who left in the past year: 12%, 12 or 0.12. Above the "
        "scenario's threshold (10 % by default) the quota is cut.",
        article="16(3)", aliases=("流失率", "attrition"),
    ),
    Column(
        "lost_within_3m", "取证后三个月内离职人数", "Left within 3 months of permit", Kind.COUNT,
        False,
        "取得工作居住证后三个月内离职的人数。",
        "Number of holders who left within three months of receiving the permit.",
        article="16(3)", aliases=("三个月内离职人数", "lost within 3m"),
    ),
    Column(
        "violations", "违规情形", "Violations", Kind.ITEMS, False,
        "第十六条所列违规情形序号一至六，多项用顿号或逗号分隔；无则留空。",
        "Art. 16 violation items 1–6, separated by 、 or commas; blank if none.",
        article="16", items=6, aliases=("违规", "violations"),
    ),
    Column(
        "status", "申请资格状态", "Application status", Kind.ENUM, False,
        "正常、暂停、终止或黑名单；为空视为正常。",
        "Normal, suspended, terminated or blacklisted; blank means normal.",
        article="13, 16", choices=STATUSES, default="normal",
        aliases=("资格状态", "状态", "status"),
    ),
    Column(
        "negative_list", "负面清单", "Negative list", Kind.ENUM, False,
        "是否属于全市禁止或限制目录：否、限制或禁止；为空视为否。",
        "Whether the employer's industry is on the city's negative list: no, restricted or "
        "prohibited; blank means no.",
        article="3", choices=NEGATIVE_LIST, default="none",
        aliases=("禁止限制目录", "negative list"),
    ),
    Column(
        "positive_list", "正面清单", "Positive list", Kind.BOOL, False,
        "是否属于全市支持和鼓励发展产业目录（第三条“正面清单”）：是或否；为空视为否。"
        "属于的单位按方案的正面清单权重倾斜。",
        "Whether the employer's industry is on the city's list of supported and encouraged "
        "industries (Art. 3, the 'positive list'): yes or no; blank means no. Such employers "
        "get the scenario's positive-list weight.",
        article="3", aliases=("支持和鼓励发展产业目录", "鼓励类产业", "positive list"),
    ),
    Column(
        "submitted_on", "申报日期", "Submission date", Kind.DATE, False,
        "申报日期，如2026-10-15；应在计划年度前一年的第四季度。",
        "Date of submission, e.g. 2026-10-15; expected in Q4 of the year before the plan year.",
        article="7", aliases=("填报日期", "日期", "submitted on", "date"),
    ),
)

BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required)
DEMAND_PARTS: tuple[str, ...] = ("demand_senior", "demand_key_staff", "demand_other")

#: GB/T 4754-2017 sections (门类) and the two-digit divisions (大类) each holds.
INDUSTRY_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}


def section_of_division(division: int) -> str | None:
    for letter, (first, last) in INDUSTRY_SECTIONS.items():
        if first <= division <= last:
            return letter
    return None


# -- the applicant roster (docs/columns.md) ---------------------------------------------------
ROLES = (
    Choice("senior", "高级管理人员", "Senior manager", ("高管", "senior manager")),
    Choice("key_staff", "业务骨干", "Key staff", ("骨干", "key staff")),
    Choice("other", "其他人才", "Other talent", ("其他", "其它", "其它人才", "other talent")),
)

DEGREES = (
    Choice("none", "无", "None", ("无学位", "其他")),
    Choice("bachelor", "学士", "Bachelor", ("学士学位", "本科", "bachelor's")),
    Choice("master", "硕士", "Master", ("硕士学位", "研究生", "master's")),
    Choice("doctor", "博士", "Doctorate", ("博士学位", "doctor", "phd")),
)

TITLE_LEVELS = (
    Choice("none", "无", "None", ("无职称",)),
    Choice("junior", "初级", "Junior", ("初级职称",)),
    Choice("intermediate", "中级", "Intermediate", ("中级职称",)),
    Choice("associate_senior", "副高级", "Associate senior", ("副高", "副高级职称")),
    Choice("senior", "正高级", "Senior", ("正高", "正高级职称")),
)

ORIGINS = (
    Choice("domestic", "境内", "Domestic", ("内地", "大陆", "中国大陆", "国内", "京外")),
    Choice("hmt", "港澳台", "Hong Kong, Macao, Taiwan", ("香港", "澳门", "台湾", "港澳")),
    Choice("overseas", "境外", "Overseas", ("国外", "外籍", "海外", "foreign")),
)

#: Art. 6 conditions (一)…(九), briefly.
CONDITIONS: dict[int, tuple[str, str]] = {
    1: ("学士以上学位且2年以上工作经历", "Bachelor's degree or higher and 2 years' work"),
    2: ("中级以上专业技术职称", "Mid-level or higher professional title"),
    3: ("国家或本市科技、文艺、社科奖项获奖人",
        "National or city science, arts or social-science award"),
    4: ("科技创新主体中近三年收入超过平均工资4倍",
        "At an innovation entity, income above 4× the average wage for 3 years"),
    5: ("科技创新服务主体中近三年收入超过平均工资8倍",
        "At an innovation-service firm, income above 8× the average wage for 3 years"),
    6: ("发明专利、专利或软件著作权在京转化",
        "Patents or software copyrights commercialised in Beijing"),
    7: ("创业团队核心股东", "Founding-team shareholder of a qualifying venture"),
    8: ("自由职业者近三年每年纳税20万元以上",
        "Freelancer paying 200,000 yuan tax a year for 3 years"),
    9: ("区推荐并经市人才主管部门批准", "Recommended by the district, approved by the city"),
}

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", "Unified social credit code", Kind.CREDIT_CODE, True,
           "申报单位的统一社会信用代码，须与申报表中的单位一致。",
           "The employer's unified social credit code; it must match an employer of the "
           "demand sheet.",
           aliases=("信用代码", "社会信用代码", "单位信用代码", "credit code", "uscc")),
    Column("person_id", "证件号码", "ID number", Kind.TEXT, True,
           "18位居民身份证号码（按GB 11643校验末位）或其他证件号码；同一名单内不得重复。"
           "系统只保存加盐哈希和脱敏形式（如110101********123X）。",
           "18-digit resident ID (check digit verified per GB 11643) or another document "
           "number; unique in the roster. Only a salted hash and a masked form "
           "(110101********123X) are kept.",
           article="6", aliases=("身份证号", "身份证号码", "证件号", "id number", "person id")),
    Column("person_name", "姓名", "Name", Kind.TEXT, True,
           "申请人姓名；导出时脱敏（张*明）。", "The applicant's name; masked in exports (张*明).",
           aliases=("申请人姓名", "name", "person name")),
    Column("role", "人员类别", "Role", Kind.ENUM, True,
           "高级管理人员、业务骨干或其他人才，与申报表分项对应。",
           "Senior manager, key staff or other talent, as in the demand sheet's parts.",
           article="8", choices=ROLES, aliases=("类别", "人才类别", "role")),
    Column("hired_on", "入职日期", "Hired on", Kind.DATE, True,
           "在申请单位连续聘用的起始日期；到方案参考日须满方案规定的月数（第六条：6个月）。",
           "Start of continuous employment with the employer; by the scenario's reference "
           "date it must reach the scenario's months (Art. 6: 6).",
           article="6", aliases=("聘用日期", "入职时间", "hired on", "hire date")),
    Column("beijing_residence", "本市固定住所", "Fixed residence in Beijing", Kind.BOOL, True,
           "在本市是否有固定住所：是或否（第六条）。",
           "Whether the applicant has a fixed residence in Beijing: yes or no (Art. 6).",
           article="6", aliases=("固定住所", "beijing residence")),
    Column("income_last_year", "上年度应税收入", "Taxable income last year", Kind.MONEY, True,
           "上年度应税收入（元）；须超过“方案倍数 × 上年度全市职工平均工资”（第六条）。",
           "Last year's taxable income in yuan; must exceed the scenario's multiple of last "
           "year's city average wage (Art. 6).",
           article="6", aliases=("应税收入", "年应税收入", "income last year", "income")),
    Column("conditions", "符合条件项", "Conditions claimed", Kind.ITEMS, True,
           "申请人符合的第六条条件序号一至九，多项用顿号分隔。",
           "The Art. 6 conditions 1–9 the applicant claims; separate several with 、 or commas.",
           article="6", items=9, aliases=("条件项", "符合条件", "conditions")),
    Column("degree", "最高学位", "Highest degree", Kind.ENUM, False,
           "无、学士、硕士或博士；第六条第一项需学士以上且工作年限满2年。",
           "None, bachelor, master or doctorate; Art. 6(1) needs a bachelor's or higher and 2 "
           "years' work.",
           article="6(1)", choices=DEGREES, aliases=("学位", "degree")),
    Column("work_years", "工作年限", "Years of work", Kind.YEARS, False,
           "工作年限（年），第六条第一项。", "Years of work experience, Art. 6(1).",
           article="6(1)", aliases=("工作经历", "work years")),
    Column("title_level", "专业技术职称", "Professional title", Kind.ENUM, False,
           "无、初级、中级、副高级或正高级；第六条第二项需中级以上。",
           "None, junior, intermediate, associate senior or senior; Art. 6(2) needs "
           "intermediate or higher.",
           article="6(2)", choices=TITLE_LEVELS, aliases=("职称", "title", "title level")),
    Column("income_3y_min", "近三年最低年应税收入", "Lowest yearly income, last 3 years",
           Kind.MONEY, False,
           "近三年中最低一年的应税收入（元）；第六条第四项须超过平均工资4倍，第五项8倍。这两项还要"
           "求所在单位属于特定类型（第四项：新型研发机构、创新型总部、高新技术企业；第五项：律师、"
           "会计、审计、税务、人力资源服务机构或金融机构），名单和申报表都不记载，本程序不核实："
           "仅凭这两项通过的人数和名单行号列在提示中，供人工核实。",
           "The lowest of the last three years' taxable incomes in yuan; Art. 6(4) needs more "
           "than 4× the average wage, 6(5) more than 8×. Those items also need the employer to "
           "be of a kind (item 4: a new R&D institute, innovative headquarters or high-tech "
           "firm; item 5: a law, accounting, audit, tax or HR-service firm or a financial "
           "institution) that neither the roster nor the demand sheet records, so it is not "
           "checked: a warning counts the applicants who pass on those items alone and names "
           "their roster rows, to be checked by hand.",
           article="6(4), 6(5)", aliases=("近三年最低收入", "income 3y min")),
    Column("origin", "人才来源", "Origin", Kind.ENUM, False,
           "境内、港澳台或境外；为空视为境内。港澳台及境外人才不占本指标（第十八条）。",
           "Domestic, Hong Kong/Macao/Taiwan or overseas; blank means domestic. The latter two "
           "are outside this quota (Art. 18).",
           article="18", choices=ORIGINS, default="domestic", aliases=("来源", "origin")),
    Column("falsified", "弄虚作假记录", "Falsification record", Kind.BOOL, False,
           "是否有弄虚作假记录：是则取消申请资格（第十七条）。",
           "Whether the applicant has a record of falsified materials: yes excludes the "
           "applicant (Art. 17).",
           article="17", aliases=("弄虚作假", "falsified")),
    Column("award", "获奖名称", "Award", Kind.TEXT, False,
           "第六条第三项的证明：所获国家或本市奖项的名称及年度。",
           "Evidence for Art. 6(3): the national or city award and its year.",
           article="6(3)", aliases=("奖项", "award")),
    Column("patents", "专利或著作权", "Patents or copyrights", Kind.TEXT, False,
           "第六条第六项的证明：专利号或软件著作权登记号及在京转化情况。",
           "Evidence for Art. 6(6): patent or software-copyright numbers and their "
           "commercialisation in Beijing.",
           article="6(6)", aliases=("专利", "patents")),
    Column("venture", "创业投资情况", "Venture", Kind.TEXT, False,
           "第六条第七项的证明：持股比例、投资或融资额。",
           "Evidence for Art. 6(7): shareholding, investment or financing.",
           article="6(7)", aliases=("创业情况", "venture")),
    Column("tax_3y_min", "近三年最低年纳税额", "Lowest yearly tax, last 3 years", Kind.MONEY, False,
           "第六条第八项的证明：近三年中最低一年的纳税额（元）。",
           "Evidence for Art. 6(8): the lowest of the last three years' tax paid, in yuan.",
           article="6(8)", aliases=("近三年最低纳税额", "tax 3y min")),
    Column("recommendation", "推荐批准文号", "Recommendation reference", Kind.TEXT, False,
           "第六条第九项的证明：区推荐、市人才主管部门批准的文号。",
           "Evidence for Art. 6(9): the reference of the district's recommendation approved "
           "by the city.",
           article="6(9)", aliases=("推荐文号", "recommendation")),
)

ROSTER_BY_KEY: dict[str, Column] = {column.key: column for column in ROSTER_COLUMNS}
ROSTER_REQUIRED: tuple[str, ...] = tuple(c.key for c in ROSTER_COLUMNS if c.required)
#: The evidence column each Art. 6 condition needs (items 4 and 5 share one).
CONDITION_EVIDENCE: dict[int, tuple[str, ...]] = {
    1: ("degree", "work_years"), 2: ("title_level",), 3: ("award",), 4: ("income_3y_min",),
    5: ("income_3y_min",), 6: ("patents",), 7: ("venture",), 8: ("tax_3y_min",),
    9: ("recommendation",),
}
