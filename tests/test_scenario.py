"""Scenario files (docs/scenario.md): the typed scenario, its one table of parameters, and every
way a planner can get a scenario file wrong.

Expectations are written out here from the regulation and the issues (the defaults, the line
numbers of the bad files below), not read back from the code under test.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, get_origin

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from allocator.errors import InputError, Issue
from allocator.i18n import catalogue
from allocator.scenario import (
    DOCS_PAGE,
    GROUP_PARAMETERS,
    METHOD_ALIASES,
    METHODS,
    PARAMETERS,
    Cut,
    Parameter,
    Scenario,
    canonical_json,
    default_scenario,
    dump_scenario,
    load_scenario,
    parameters_markdown,
    parse_scenario,
    scenario_sha256,
)
from allocator.schema import CATEGORIES, SECTORS, STATUSES, UNIT_TYPES, VIOLATIONS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CJK = re.compile(r"[\u4e00-\u9fff]")


def problems(source: str, file: str = "bad.toml") -> list[Issue]:
    with pytest.raises(InputError) as caught:
        parse_scenario(source, file)
    return caught.value.issues


def where(found: list[Issue]) -> set[tuple[str | None, int | None]]:
    return {(i.column, i.row) for i in found}


# -- shipped scenarios ------------------------------------------------------------------------
SHIPPED = sorted(SCENARIOS.glob("*.toml"))


def test_the_promised_scenarios_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {"baseline", "proportional", "finance_culture_first", "strict_sanctions",
            "sector_floors"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_states_its_question(path: Path):
    scenario = load_scenario(path)
    assert scenario.cap.annual == 3000
    assert scenario.scenario.name != "未命名方案"
    assert CJK.search(scenario.scenario.description)
    assert re.search(r"[A-Za-z]{4,}", scenario.scenario.description)  # English too
    assert parse_scenario(dump_scenario(scenario)) == scenario


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_can_screen_a_roster_as_the_baseline_does(path: Path):
    """A planner comparing the shipped scenarios with a roster needs each to give last year's
    city average wage (else it stops with an error naming the parameter); the scenarios differ
    in their policy questions, not in the roster's rules, so all screen as the baseline does
    (an update of the wage figure must reach every file)."""
    roster = load_scenario(path).roster
    assert roster.city_average_wage == 143_244  # Beijing 2023: 11,937 yuan a month × 12
    assert roster.wage_source and "11937" in roster.wage_source
    assert roster == load_scenario(SCENARIOS / "baseline.toml").roster


def flat_keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        if isinstance(value, dict):
            keys |= flat_keys(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


def test_baseline_writes_out_every_parameter_at_its_default():
    raw = tomllib.loads((SCENARIOS / "baseline.toml").read_text(encoding="utf-8"))
    assert flat_keys(raw) == {p.key for p in PARAMETERS}
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    default = default_scenario(3000)
    # The wage figure has no default (a roster without it is an error); the baseline states
    # the figure it uses and where it comes from (docs/columns.md).
    wage = {"scenario": True, "roster": {"city_average_wage", "wage_source"}}
    assert baseline.model_dump(exclude=wage) == default.model_dump(exclude=wage)
    assert baseline.roster.city_average_wage and baseline.roster.wage_source
    assert baseline.scenario.year == 2027


def test_contrasting_scenarios_say_what_they_promise():
    proportional = load_scenario(SCENARIOS / "proportional.toml")
    weights = proportional.weights
    assert {weights.sector.finance, weights.sector.culture, weights.sector.information,
            weights.sector.other, weights.top100, *weights.category.values()} == {Decimal(1)}
    assert proportional.guarantee.top100_senior == 0
    assert proportional.guarantee.top100_key_staff == 0

    tilted = load_scenario(SCENARIOS / "finance_culture_first.toml")
    assert tilted.weights.sector.finance > Decimal("1.2") < tilted.weights.sector.culture

    strict = load_scenario(SCENARIOS / "strict_sanctions.toml")
    assert strict.sanctions.attrition_threshold == Decimal("0.08")
    assert strict.sanctions.restricted_industry == "exclude"
    assert strict.sanctions.attrition_cut.amount(100) > 50  # heavier than the default half
    assert strict.sanctions.lost_within_3m_cut == Cut.count(2)

    floors = load_scenario(SCENARIOS / "sector_floors.toml")
    assert {g.sector for g in floors.groups.values()} == {"finance", "information", "culture"}
    assert all(g.min > 0 and g.max is None for g in floors.groups.values())
    assert sum(g.min for g in floors.groups.values()) <= floors.cap.allocatable


def test_sector_floors_bind_on_the_sample_as_the_description_says():
    """Each floor lies above what the baseline gives its sector and is met under the floors."""
    from allocator.model import solve
    from allocator.policy import build_problem
    from allocator.submissions import read_submissions

    submissions = read_submissions(SCENARIOS.parent / "data" / "sample_demand.xlsx")
    floors = load_scenario(SCENARIOS / "sector_floors.toml")
    baseline = solve(build_problem(submissions, load_scenario(SCENARIOS / "baseline.toml")))
    floored = solve(build_problem(submissions, floors))
    sectors = baseline.problem.employers["sector"].to_numpy()
    for group in floors.groups.values():
        members = sectors == group.sector
        assert baseline.allocation[members].sum() < group.min
        assert floored.allocation[members].sum() == group.min


# -- the table and the defaults ---------------------------------------------------------------
#: The defaults as the regulation and the issues state them, written independently of the table.
EXPECTED_DEFAULTS: dict[str, object] = {
    "scenario.name": "未命名方案", "scenario.description": "", "scenario.year": None,
    "cap.reserve": 0,
    "method.rule": "sainte-lague", "method.min_per_employer": 0, "method.max_per_employer": 0,
    "method.max_share": Decimal(1),
    "method.tie_break": ["weight", "submitted_on", "credit_code"],
    "eligibility.unit_types": [c.code for c in UNIT_TYPES if c.code != "other"],
    "eligibility.excluded_statuses": ["suspended", "terminated", "blacklisted"],
    "weights.sector.finance": Decimal("1.2"), "weights.sector.culture": Decimal("1.2"),
    "weights.sector.information": Decimal("1.2"), "weights.sector.other": Decimal(1),
    **{f"weights.category.{n}": Decimal("1.2") for n in range(1, 8)},
    "weights.top100": Decimal(1), "weights.positive_list": Decimal("1.2"),
    "weights.combine": "product",
    "guarantee.top100_senior": Decimal(1), "guarantee.top100_key_staff": Decimal(0),
    "sanctions.attrition_threshold": Decimal("0.10"),
    "sanctions.attrition_cut": Cut(kind="share", value=Decimal("0.5")),
    "sanctions.lost_within_3m_cut": Cut(kind="count", value=1),
    "sanctions.violation_cut.1": Cut(kind="share", value=Decimal("0.5")),
    "sanctions.violation_cut.2": Cut(kind="share", value=Decimal("0.3")),
    "sanctions.violation_cut.3": Cut(kind="count", value=0),
    "sanctions.violation_cut.4": Cut(kind="share", value=Decimal(1)),
    "sanctions.violation_cut.5": Cut(kind="share", value=Decimal("0.3")),
    "sanctions.violation_cut.6": Cut(kind="share", value=Decimal("0.2")),
    "sanctions.restricted_industry": "exclude",
    "sanctions.share_rounding": "at_least_one",  # docs/scenario.md: a breach never rounds to zero
    "utilisation.min_rate": Decimal(0), "utilisation.cut": Cut(kind="share", value=Decimal(0)),
    # Art. 6 (roster screening): six months, income above 1× a wage that has no default.
    "roster.months": 6, "roster.reference_date": "", "roster.income_multiple": Decimal(1),
    "roster.city_average_wage": None, "roster.wage_source": "", "roster.degree_work_years": 2,
    "roster.item4_multiple": Decimal(4), "roster.item5_multiple": Decimal(8),
    "roster.item8_tax": 200_000, "roster.unlisted": "keep",
}


def model_leaves(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every leaf key of the models, found by walking their fields (not the table)."""
    example = default_scenario(1)
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        key = prefix + name
        annotation = field.annotation
        if key == "groups":
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
                and annotation is not Cut:
            keys |= model_leaves(annotation, key + ".")
        elif get_origin(annotation) is dict:
            keys |= {f"{key}.{item}" for item in example.get(key)}
        else:
            keys.add(key)
    return keys


def test_every_model_leaf_is_in_the_table_and_nothing_else():
    assert {p.key for p in PARAMETERS} == model_leaves(Scenario)
    assert len({p.key for p in PARAMETERS}) == len(PARAMETERS)
    group_fields = {p.key.removeprefix("groups.*.") for p in GROUP_PARAMETERS}
    from allocator.scenario import GroupConfig
    assert group_fields == set(GroupConfig.model_fields)


def test_defaults_equal_the_table_and_the_design():
    scenario = default_scenario(3000)
    assert set(EXPECTED_DEFAULTS) | {"cap.annual"} == {p.key for p in PARAMETERS}
    for p in PARAMETERS:
        if p.key == "cap.annual":
            assert p.required
            continue
        table = list(p.default) if isinstance(p.default, tuple) else p.default
        assert scenario.get(p.key) == table == EXPECTED_DEFAULTS[p.key], p.key
        if isinstance(table, Cut):  # the kind matters as much as the value
            assert scenario.get(p.key).kind == EXPECTED_DEFAULTS[p.key].kind, p.key
    assert scenario.groups == {}
    assert scenario.cap.allocatable == 3000


def test_sector_and_category_items_follow_the_schema():
    scenario = default_scenario(10)
    assert set(type(scenario.weights.sector).model_fields) == {c.code for c in SECTORS}
    assert set(scenario.weights.category) == set(CATEGORIES)
    assert set(scenario.sanctions.violation_cut) == set(VIOLATIONS)


@pytest.mark.parametrize("parameter", [*PARAMETERS, *GROUP_PARAMETERS], ids=lambda p: p.key)
def test_every_parameter_is_described_in_both_languages(parameter: Parameter):
    assert CJK.search(parameter.label_zh) and CJK.search(parameter.help_zh)
    assert parameter.label_en.strip() and parameter.help_en.strip()
    assert not CJK.search(parameter.label_en)
    assert parameter.kind in ("int", "decimal", "share", "cut", "choice", "list", "text", "bool")
    if parameter.kind in ("choice", "list"):
        assert parameter.choices
    if parameter.kind in ("int", "decimal", "share"):
        assert parameter.minimum is not None and parameter.maximum is not None


def test_docs_page_is_generated_from_the_table():
    assert DOCS_PAGE.read_text(encoding="utf-8") == parameters_markdown()
    page = parameters_markdown()
    for p in PARAMETERS:
        assert f"`{p.key}`" in page and p.label_zh in page and p.label_en in page


def test_method_names_match_the_methods_module():
    methods = pytest.importorskip("allocator.methods")
    assert {m.value for m in methods.Method} == set(METHODS)


# -- cuts -------------------------------------------------------------------------------------
def test_one_is_one_permit_and_one_point_zero_is_everything():
    scenario = parse_scenario("[cap]\nannual = 10\n[sanctions]\nattrition_cut = 1\n"
                              "lost_within_3m_cut = 1.0\n")
    assert scenario.sanctions.attrition_cut == Cut(kind="count", value=1)
    assert scenario.sanctions.lost_within_3m_cut == Cut(kind="share", value=Decimal(1))
    assert scenario.sanctions.attrition_cut.amount(40) == 1
    assert scenario.sanctions.lost_within_3m_cut.amount(40) == 40
    again = parse_scenario(dump_scenario(scenario))
    assert again.sanctions.attrition_cut.kind == "count"
    assert again.sanctions.lost_within_3m_cut.kind == "share"
    assert "attrition_cut = 1\n" in dump_scenario(scenario)
    assert "lost_within_3m_cut = 1.0\n" in dump_scenario(scenario)


@pytest.mark.parametrize(("cut", "eligible", "removed"), [
    (Cut.share("0.3"), 10, 3),       # exactly 3, not 2.9999…
    (Cut.share("0.29"), 100, 29),    # in binary floating point 0.29 × 100 = 28.999…
    (Cut.share("0.57"), 100, 57),
    (Cut.share("0.1"), 30, 3),
    (Cut.share("0.7"), 10, 7),
    (Cut.share("0.5"), 7, 3),        # rounded down
    (Cut.share("0.333333"), 3, 0),
    (Cut.share("1.0"), 9, 9),
    (Cut.share("0"), 9, 0),
    (Cut.count(5), 3, 3),            # never more than eligible
    (Cut.count(2), 9, 2),
    (Cut.count(0), 9, 0),
    (Cut.share("0.5"), 0, 0),
])
def test_cut_amounts(cut: Cut, eligible: int, removed: int):
    assert cut.amount(eligible) == removed


@given(st.integers(0, 10**6), st.integers(0, 10**7))
def test_a_share_is_floored_exactly(millionths: int, eligible: int):
    cut = Cut.share(Decimal(millionths).scaleb(-6))
    assert cut.amount(eligible) == millionths * eligible // 10**6 <= eligible


def test_is_none_and_a_negative_eligible_is_a_bug():
    assert Cut.count(0).is_none() and Cut.share("0.0").is_none()
    assert not Cut.count(1).is_none() and not Cut.share("0.01").is_none()
    with pytest.raises(ValueError):
        Cut.count(1).amount(-1)


def test_restricted_industry_takes_a_word_or_a_cut():
    base = "[cap]\nannual = 10\n[sanctions]\nrestricted_industry = "
    assert parse_scenario(base + '"none"').sanctions.restricted_industry == "none"
    assert parse_scenario(base + "0.25").sanctions.restricted_industry == Cut.share("0.25")
    assert parse_scenario(base + "3").sanctions.restricted_industry == Cut.count(3)


# -- normalisation ----------------------------------------------------------------------------
def test_aliases_and_labels_are_normalised_to_codes():
    scenario = parse_scenario("""
[cap]
annual = 100
[method]
rule = "Webster"
tie_break = ["submitted_on"]
[eligibility]
unit_types = ["律师事务所", "enterprise", "Public institution"]
excluded_statuses = ["黑名单", "Suspended"]
[groups.fin]
sector = "金融"
[groups.cat]
category = "三"
""")
    assert scenario.method.rule == "sainte-lague"
    assert scenario.method.tie_break == ["submitted_on", "credit_code"]
    assert scenario.eligibility.unit_types == ["enterprise", "institution", "law_firm"]
    assert scenario.eligibility.excluded_statuses == ["suspended", "blacklisted"]
    assert scenario.groups["fin"].sector == "finance"
    assert scenario.groups["cat"].category == 3
    assert scenario.groups["cat"].selector == ("category", 3)


@pytest.mark.parametrize(("alias", "method"), [
    *METHOD_ALIASES.items(), ("D'Hondt", "dhondt"), ("Sainte-Laguë", "sainte-lague"),
    ("HUNTINGTON_HILL", "huntington-hill"),
])
def test_method_aliases(alias: str, method: str):
    assert default_scenario(5).with_values({"method.rule": alias}).method.rule == method


def test_missing_category_items_keep_their_default():
    scenario = parse_scenario('[cap]\nannual = 1\n[weights.category]\n"3" = 2.5\n')
    assert scenario.weights.category == {1: Decimal("1.2"), 2: Decimal("1.2"), 3: Decimal("2.5"),
                                         4: Decimal("1.2"), 5: Decimal("1.2"),
                                         6: Decimal("1.2"), 7: Decimal("1.2")}
    violations = parse_scenario('[cap]\nannual = 1\n[sanctions.violation_cut]\n"2" = 4\n')
    assert violations.sanctions.violation_cut[2] == Cut.count(4)
    assert violations.sanctions.violation_cut[4] == Cut.share("1.0")


def test_numbers_are_exact_decimals():
    scenario = parse_scenario("[cap]\nannual = 1\n[sanctions]\nattrition_threshold = 0.1\n")
    assert scenario.sanctions.attrition_threshold == Fraction(1, 10)
    assert isinstance(scenario.sanctions.attrition_threshold, Decimal)


def test_a_bom_from_notepad_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.toml"
    path.write_bytes("[cap]\nannual = 12\n".encode("utf-8-sig"))
    assert load_scenario(path).cap.annual == 12


# -- hashes -----------------------------------------------------------------------------------
ONE = """
[cap]
annual = 3000
reserve = 100
[sanctions]
attrition_threshold = 0.10
[weights.sector]
finance = 1.50
"""
THE_SAME_REORDERED = """
[weights.sector]
finance = 1.5
[sanctions]
attrition_threshold = 0.1
[cap]
reserve = 100
annual = 3000
[weights.category]
"1" = 1.2
"""


def test_equal_scenarios_written_differently_hash_the_same():
    one, two = parse_scenario(ONE), parse_scenario(THE_SAME_REORDERED)
    assert one == two
    assert scenario_sha256(one) == scenario_sha256(two)
    assert canonical_json(one) == canonical_json(two)


def test_the_hash_is_of_a_canonical_json_with_exact_decimals():
    scenario = parse_scenario(ONE)
    canonical = canonical_json(scenario)
    assert scenario_sha256(scenario) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert '"attrition_threshold":"0.1"' in canonical
    assert '"finance":"1.5"' in canonical
    assert '"lost_within_3m_cut":{"kind":"count","value":1}' in canonical
    assert '"attrition_cut":{"kind":"share","value":"0.5"}' in canonical
    assert re.fullmatch(r"[0-9a-f]{64}", scenario_sha256(scenario))


def test_different_scenarios_hash_differently():
    base = default_scenario(3000)
    variants = [base.with_values({"sanctions.attrition_cut": 1}),
                base.with_values({"sanctions.attrition_cut": "1.0"}),
                base.with_values({"cap.annual": 3001}),
                base.with_values({"weights.category.4": "1.21"})]
    hashes = {scenario_sha256(s) for s in [base, *variants]}
    assert len(hashes) == 5


# -- with_values, get, round trip -------------------------------------------------------------
def test_with_values_reads_text_like_toml_and_none_restores_the_default():
    base = default_scenario(3000)
    changed = base.with_values({"weights.sector.finance": "1.5", "sanctions.attrition_cut": "2",
                                "utilisation.cut": 0.25, "groups.fin.sector": "finance",
                                "groups.fin.min": 700})
    assert changed.weights.sector.finance == Decimal("1.5")
    assert changed.sanctions.attrition_cut == Cut.count(2)
    assert changed.utilisation.cut == Cut.share("0.25")
    assert changed.groups["fin"].min == 700
    assert changed.get("groups.fin.min") == 700
    back = changed.with_values({"weights.sector.finance": None, "sanctions.attrition_cut": None,
                                "utilisation.cut": None, "groups": None})
    assert back == base
    assert base.weights.sector.finance == Decimal("1.2")  # the original is untouched


def test_with_values_rejects_bad_changes_in_both_languages():
    with pytest.raises(InputError) as caught:
        default_scenario(3000).with_values({"cap.reserve": 5000, "method.colour": "red",
                                            "weights.top100": 0})
    assert where(caught.value.issues) == {("cap.reserve", None), ("method.colour", None),
                                          ("weights.top100", None)}


def test_get_rejects_unknown_keys():
    scenario = default_scenario(3)
    assert scenario.get("weights.category.3") == Decimal("1.2")
    assert scenario.get("sanctions.violation_cut.4") == Cut.share("1.0")
    for key in ("cap.nope", "weights.category.9", "cap.annual.x", "groups.x"):
        with pytest.raises(KeyError):
            scenario.get(key)


def decimals(low: int, high: int, scale: int = 6, above_low: bool = False,
             ) -> st.SearchStrategy[Decimal]:
    """Decimals in [low, high] (or (low, high]) with at most ``scale`` places."""
    first = low * 10**scale + (1 if above_low else 0)
    return st.integers(first, high * 10**scale).map(lambda n: Decimal(n).scaleb(-scale))


def value_for(parameter: Parameter) -> st.SearchStrategy[object]:
    """Valid values of one parameter, as an editor might pass them (numbers or text)."""
    kind = parameter.kind
    if kind == "int":
        high = min(int(parameter.maximum or 10**6), 10**6)
        return st.integers(int(parameter.minimum or 0), high)
    if kind in ("decimal", "share"):
        number = decimals(0, int(parameter.maximum or 1), above_low=parameter.exclusive_minimum)
        return st.one_of(number, number.map(str))
    if kind == "cut":
        cut = st.one_of(st.integers(0, 10**4), decimals(0, 1, 3))
        return st.one_of(cut, st.sampled_from(parameter.choices)) if parameter.choices else cut
    if kind == "choice":
        aliases = METHOD_ALIASES if parameter.key == "method.rule" else ()
        return st.sampled_from([*parameter.choices, *aliases])
    if kind == "list":
        return st.lists(st.sampled_from(parameter.choices), unique=True)
    if parameter.key == "roster.reference_date":  # text holding an ISO date, or blank
        return st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()))
    if kind == "text":
        return st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
    raise AssertionError(kind)


EDITABLE = [p for p in PARAMETERS if p.key != "method.rule"]


def expected(parameter: Parameter, value: object) -> object:
    """What ``get`` should give back for ``value``: worked out here, not by the module."""
    if parameter.kind == "cut" and value not in parameter.choices:
        number = value if isinstance(value, int) else Decimal(str(value))
        return Cut(kind="count", value=number) if isinstance(number, int) \
            else Cut(kind="share", value=number)
    if parameter.kind in ("decimal", "share"):
        return Decimal(str(value))
    if parameter.key == "method.tie_break":
        return [*value, *(["credit_code"] if "credit_code" not in value else [])]
    if parameter.kind == "list":
        order = [c.code for c in (UNIT_TYPES if "unit" in parameter.key else STATUSES)]
        return sorted(value, key=order.index)
    return value


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_with_values_then_dump_then_parse_is_the_identity(data: st.DataObject):
    chosen = data.draw(st.lists(st.sampled_from(EDITABLE), unique_by=lambda p: p.key,
                                max_size=8))
    changes = {p.key: data.draw(value_for(p), label=p.key) for p in chosen}
    if data.draw(st.booleans()):
        changes["method.rule"] = data.draw(st.sampled_from([*METHODS, *METHOD_ALIASES]))
    if data.draw(st.booleans()):
        selector = data.draw(st.sampled_from(["sector", "top100", "category"]))
        changes[f"groups.g1.{selector}"] = {"sector": "culture", "top100": False,
                                            "category": 6}[selector]
        changes["groups.g1.min"] = data.draw(st.integers(0, 50))
    try:
        scenario = default_scenario(3000).with_values(changes)
    except InputError as problem:
        # Only the rules across parameters may refuse values drawn within each one's bounds.
        assert {i.code for i in problem.issues} <= {"scenario.reserve_above_annual",
                                                    "scenario.per_employer_min_max"}
        reject()
    for p in chosen:
        assert scenario.get(p.key) == expected(p, changes[p.key]), p.key
        if p.kind == "cut" and isinstance(scenario.get(p.key), Cut):
            assert scenario.get(p.key).kind == expected(p, changes[p.key]).kind
    text = dump_scenario(scenario)
    again = parse_scenario(text)
    assert again == scenario
    assert scenario_sha256(again) == scenario_sha256(scenario)
    assert dump_scenario(again) == text


# -- invalid files ----------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "key", "row", "code"), [
    ("[cap]\nannual = 3000\nreserve = \n", None, 3, "scenario.syntax"),
    ("[cap]\nannual = 3000\nannual = 10\n", None, 3, "scenario.syntax"),
    ("[cap]\nannual ＝ 3000\n", None, 2, "scenario.syntax"),
    ("[cap]\nannual = 3000\ncolour = 1\n", "cap.colour", 3, "scenario.unknown_key"),
    ("[cap]\nannual = 3000\n[capp]\nannual = 1\n", "capp", 3, "scenario.unknown_section"),
    ('[cap]\nannual = "3000"\n', "cap.annual", 2, "scenario.integer"),
    ("[cap]\nannual = 3000.0\n", "cap.annual", 2, "scenario.integer"),
    ("[cap]\nannual = 3000\nreserve = true\n", "cap.reserve", 3, "scenario.integer"),
    ("[cap]\nannual = 1\n[weights.sector]\nfinance = nan\n", "weights.sector.finance", 4,
     "scenario.not_finite"),
    ("[cap]\nannual = 1\n[weights]\ntop100 = inf\n", "weights.top100", 4, "scenario.not_finite"),
    ("[cap]\nannual = -5\n", "cap.annual", 2, "scenario.range"),
    ("[cap]\nannual = 10_000_001\n", "cap.annual", 2, "scenario.range"),
    ("[cap]\nannual = 100\nreserve = 101\n", "cap.reserve", 3, "scenario.reserve_above_annual"),
    ("[cap]\nannual = 1\n[weights.sector]\nculture = 0\n", "weights.sector.culture", 4,
     "scenario.range_above"),
    ("[cap]\nannual = 1\n[weights.sector]\nculture = 1e9\n", "weights.sector.culture", 4,
     "scenario.range_above"),
    ('[cap]\nannual = 1\n[weights.category]\n"2" = 0.0\n', "weights.category.2", 4,
     "scenario.range_above"),
    ('[cap]\nannual = 1\n[weights.category]\n"8" = 1.5\n', "weights.category.8", 4,
     "scenario.item"),
    ("[cap]\nannual = 1\n[guarantee]\ntop100_senior = 1.5\n", "guarantee.top100_senior", 4,
     "scenario.range"),
    ("[cap]\nannual = 1\n[sanctions]\nattrition_cut = 1.5\n", "sanctions.attrition_cut", 4,
     "scenario.cut"),
    ("[cap]\nannual = 1\n[sanctions]\nattrition_cut = -2\n", "sanctions.attrition_cut", 4,
     "scenario.cut"),
    ("[cap]\nannual = 1\n[sanctions]\nattrition_threshold = 0.1234567\n",
     "sanctions.attrition_threshold", 4, "scenario.places"),
    ('[cap]\nannual = 1\n[sanctions]\nrestricted_industry = "maybe"\n',
     "sanctions.restricted_industry", 4, "scenario.restricted"),
    ('[cap]\nannual = 1\n[method]\nrule = "borda"\n', "method.rule", 4, "scenario.choice"),
    ('[cap]\nannual = 1\n[method]\ntie_break = ["weight", "weight"]\n', "method.tie_break", 4,
     "scenario.duplicate"),
    ('[cap]\nannual = 1\n[method]\ntie_break = "weight"\n', "method.tie_break", 4,
     "scenario.list"),
    ("[cap]\nannual = 1\n[method]\nmax_share = 0\n", "method.max_share", 4,
     "scenario.range_above"),
    ('[cap]\nannual = 1\n[eligibility]\nunit_types = ["企业", "公司"]\n',
     "eligibility.unit_types", 4, "scenario.duplicate"),
    ('[cap]\nannual = 1\n[eligibility]\nexcluded_statuses = ["asleep"]\n',
     "eligibility.excluded_statuses", 4, "scenario.choice"),
    ('[cap]\nannual = 1\n[groups.x]\nsector = "farming"\n', "groups.x.sector", 4,
     "scenario.choice"),
    ('[cap]\nannual = 1\n[groups.x]\nsector = "finance"\ntop100 = true\n', "groups.x", 3,
     "scenario.group_selectors"),
    ("[cap]\nannual = 1\n[groups.x]\nmin = 5\n", "groups.x", 3, "scenario.group_selectors"),
    ("[cap]\nannual = 1\n[groups.x]\ntop100 = true\nmin = 9\nmax = 3\n", "groups.x.min", 5,
     "scenario.group_min_max"),
    ("[cap]\nannual = 1\n[groups.x]\ncategory = 9\n", "groups.x.category", 4, "scenario.item"),
    ("[cap]\nannual = 1\n[groups.x]\ntop100 = 1\n", "groups.x.top100", 4, "scenario.bool"),
    ("[cap]\nreserve = 0\n", "cap.annual", 1, "scenario.missing"),
    ("[scenario]\nname = 'x'\n", "cap.annual", None, "scenario.missing"),
    ("cap = 3000\n", "cap", 1, "scenario.not_table"),
    ("[cap]\nannual = 1\n[scenario]\nname = 7\n", "scenario.name", 4, "scenario.text"),
    ("[cap]\nannual = 1\n[scenario]\nyear = 1999\n", "scenario.year", 4, "scenario.range"),
    ("[cap]\nannual = 1\n[method]\nmin_per_employer = 5\nmax_per_employer = 2\n",
     "method.min_per_employer", 4, "scenario.per_employer_min_max"),
])
def test_each_kind_of_mistake_is_named_with_key_line_and_both_languages(source, key, row, code):
    found = problems(source)
    assert [(i.code, i.column, i.row) for i in found] == [(code, key, row)]
    only = found[0]
    assert only.file == "bad.toml" and only.is_error
    assert CJK.search(only.message.zh) and only.message.en.strip()
    english = only.message.en
    for echoed in (only.value or "") + "＝，＂":  # the planner's own words may be Chinese
        english = english.replace(echoed, "")
    assert not CJK.search(english)
    assert "Input should" not in only.message.en  # never pydantic's own words
    assert "pydantic" not in only.message.en.casefold()


def test_the_value_and_the_allowed_range_are_named():
    [found] = problems("[cap]\nannual = 1\n[sanctions]\nattrition_threshold = 1.5\n")
    assert found.value == "1.5"
    assert found.message.zh == "流失率阈值须在0到1之间。"
    assert found.message.en == "Attrition threshold must be between 0 and 1."
    [weight] = problems("[cap]\nannual = 1\n[weights.sector]\nfinance = 1e9\n")
    assert "100" in weight.message.zh and "100" in weight.message.en


EVERYTHING_WRONG = """\
[scenario]
name = 5
[cap]
annual = -3
reserve = true
colour = "blue"
[method]
rule = "borda"
tie_break = ["weight", "weight"]
max_share = 1.5
[weights.sector]
finance = 0
culture = 1e9
information = nan
other = inf
[weights.category]
"9" = 1.2
"3" = "x"
[sanctions]
attrition_threshold = 1.5
attrition_cut = 1.5
violation_cut = { "1" = -1, "7" = 0.5 }
restricted_industry = "maybe"
[groups.a]
sector = "agri"
[groups.b]
sector = "finance"
top100 = true
[groups.c]
category = 3
min = 5
max = 2
[bogus]
x = 1
"""


def test_every_problem_is_reported_at_once_in_file_order():
    found = problems(EVERYTHING_WRONG)
    assert [(i.column, i.row) for i in found] == [
        ("scenario.name", 2), ("cap.annual", 4), ("cap.reserve", 5), ("cap.colour", 6),
        ("method.rule", 8), ("method.tie_break", 9), ("method.max_share", 10),
        ("weights.sector.finance", 12), ("weights.sector.culture", 13),
        ("weights.sector.information", 14), ("weights.sector.other", 15),
        ("weights.category.9", 17), ("weights.category.3", 18),
        ("sanctions.attrition_threshold", 20), ("sanctions.attrition_cut", 21),
        ("sanctions.violation_cut.1", 22), ("sanctions.violation_cut.7", 22),
        ("sanctions.restricted_industry", 23), ("groups.a.sector", 25), ("groups.b", 26),
        ("groups.c.min", 31), ("bogus", 33),
    ]
    assert all(i.file == "bad.toml" and i.message.zh != i.message.en for i in found)
    assert all(CJK.search(i.message.zh) for i in found)
    rendered = InputError(found).render("zh")
    assert rendered.count("\n") == len(found) - 1


def test_quoted_group_names_and_inline_tables_are_located():
    found = problems('[cap]\nannual = 1\n\n[groups."金融 保底"]\nsector = "finance"\n'
                     "min = 9\nmax = 3\n")
    assert where(found) == {("groups.金融 保底.min", 6)}
    assert "金融 保底" in found[0].message.zh


def test_a_file_that_is_missing_or_not_utf8(tmp_path: Path):
    with pytest.raises(InputError) as caught:
        load_scenario(tmp_path / "nope.toml")
    assert [i.code for i in caught.value.issues] == ["file_missing"]
    assert caught.value.issues[0].file == "nope.toml"
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('[scenario]\nname = "基准"\n[cap]\nannual = 1\n'.encode("gbk"))
    with pytest.raises(InputError) as caught:
        load_scenario(gbk)
    assert [(i.code, i.file) for i in caught.value.issues] == [("scenario.not_utf8", "gbk.toml")]


def test_syntax_errors_name_their_line_and_column():
    [found] = problems("[cap]\nannual = 3000\n\n[method]\nrule = sainte-lague\n")
    assert found.row == 5 and found.code == "scenario.syntax"
    assert "第5行" in found.message.zh and "line 5" in found.message.en
    assert found.value == "rule = sainte-lague"


def test_the_scenario_messages_are_in_both_catalogues():
    zh, en = catalogue("zh"), catalogue("en")
    ours = {k for k in zh if k.startswith("scenario.")}
    assert ours and ours == {k for k in en if k.startswith("scenario.")}
    assert all(CJK.search(zh[k]) for k in ours if not k.startswith("scenario.syntax_"))


# -- mutation survivors (docs/mutation.md): defaults and messages written out by hand ---------
def test_a_scenario_with_only_the_cap_takes_the_documented_defaults():
    # docs/scenario.md: the defaults a scenario file may leave out.
    scenario = parse_scenario("[cap]\nannual = 10\n")
    assert scenario.scenario.name == "未命名方案"
    assert scenario.method.tie_break == ["weight", "submitted_on", "credit_code"]
    assert scenario.eligibility.excluded_statuses == ["suspended", "terminated", "blacklisted"]
    assert "enterprise" in scenario.eligibility.unit_types
    assert "other" not in scenario.eligibility.unit_types
    assert scenario.weights.positive_list == Decimal("1.2")
    assert scenario.weights.sector.other == Decimal(1)
    assert scenario.weights.top100 == Decimal(1)


def test_listed_choices_are_read_in_chinese_and_english():
    scenario = parse_scenario('[cap]\nannual = 1\n[eligibility]\nunit_types = ["企业", '
                              '"institution"]\n')
    assert scenario.eligibility.unit_types == ["enterprise", "institution"]


@pytest.mark.parametrize(("source", "key", "code"), [
    ('[cap]\nannual = 1\n[scenario]\nname = "' + "x" * 101 + '"\n', "scenario.name",
     "scenario.text_too_long"),  # at most 100 characters
    ("[cap]\nannual = 1\n[weights]\npositive_list = 0\n", "weights.positive_list",
     "scenario.range_above"),  # a weight must be above 0
])
def test_text_lengths_and_decimal_ranges_are_enforced(source, key, code):
    [found] = problems(source)
    assert (found.code, found.column, found.row) == (code, key, 4)


def test_an_unknown_key_lists_the_keys_of_its_own_table():
    [found] = problems("[cap]\nannual = 1\n[method]\ncolour = 1\n")
    assert found.code == "scenario.unknown_key" and found.column == "method.colour"
    assert "rule, min_per_employer, max_per_employer, max_share, tie_break" in found.message.en


def test_a_syntax_error_tomllib_gives_no_reason_code_for_is_still_reported():
    [found] = problems('[cap]\nannual = 1\n[scenario]\nname = "a\\qb"\n')
    assert (found.code, found.row) == ("scenario.syntax", 4)
    assert "Unescaped" in found.message.en


def test_a_syntax_error_at_the_end_of_a_one_line_file_is_on_line_1():
    [found] = problems('name = "')
    assert (found.code, found.row, found.value) == ("scenario.syntax", 1, 'name = "')


def test_a_scenario_file_with_a_mistake_is_named_in_the_issue(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[cap]\nannual = -1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    [found] = caught.value.issues
    assert (found.code, found.file, found.row) == ("scenario.range", "mine.toml", 2)


def test_a_scenario_nested_too_deep_is_refused_in_words():
    # 5,000 nested arrays exceed Python's recursion limit inside tomllib.
    [found] = problems("a = " + "[" * 5000 + "]" * 5000, "deep.toml")
    assert (found.code, found.file) == ("scenario.too_deep", "deep.toml")
    assert found.message.zh.strip() and found.message.en.strip()


@pytest.mark.parametrize("written", ["x", "３", "3.0"])
def test_an_item_number_is_written_as_a_plain_number_or_a_chinese_numeral(written):
    # 3, "3" and "三" name item 3; a letter, a full-width digit or a decimal does not.
    assert parse_scenario('[cap]\nannual = 1\n[groups.x]\ncategory = "三"\n') \
        .groups["x"].category == 3
    [found] = problems(f'[cap]\nannual = 1\n[groups.x]\ncategory = "{written}"\n')
    assert (found.code, found.column, found.row) == ("scenario.item", "groups.x.category", 4)


# -- mutation survivors, third sample (docs/mutation.md) -------------------------------------
def test_a_syntax_error_names_its_own_line_and_column_not_the_last():
    source = 'name = "x"\n[cap]\nannual = 3000\n[method]\nrule = dhondt\nties = "input_order"\n'
    [found] = problems(source)
    assert (found.code, found.row, found.value) == ("scenario.syntax", 5, "rule = dhondt")
    assert "line 5, column 8" in found.message.en


def test_a_list_value_is_shown_as_written_in_the_message():
    [found] = problems('[cap]\nannual = 3000\n[eligibility]\nunit_types = ["enterprise", '
                       '"nope"]\n')
    assert (found.code, found.row, found.value) == ("scenario.choice", 4,
                                                    '["enterprise", "nope"]')
    assert found.message.en.startswith("Eligible unit types is not one of the allowed values: "
                                       "enterprise (Enterprise), institution (Public "
                                       "institution),")
    [twice] = problems('[cap]\nannual = 3000\n[eligibility]\nunit_types = ["enterprise", '
                       '"enterprise"]\n')
    assert twice.code == "scenario.duplicate"
    assert twice.message.en == "Eligible unit types lists 'enterprise' twice."


def test_an_unknown_key_in_a_nested_table_lists_that_tables_keys():
    [found] = problems('[cap]\nannual = 3000\n[weights.sector]\nfinance = 1.2\nfinanse = 2\n')
    assert (found.code, found.column, found.row) == ("scenario.unknown_key",
                                                     "weights.sector.finanse", 5)
    assert found.message.en.endswith("allowed: finance, culture, information, other.")


def test_an_unknown_key_in_a_group_names_the_group_and_its_keys():
    [found] = problems('[cap]\nannual = 3000\n[groups.fin]\nsector = "finance"\nmni = 3\n')
    assert (found.code, found.column, found.row) == ("scenario.unknown_key", "groups.fin.mni", 5)
    assert found.message.en == ("group 'fin' ([groups.fin]) has no parameter 'mni'; allowed: "
                                "sector, top100, category, min, max.")
    assert "分组“fin”" in found.message.zh


@pytest.mark.parametrize("key", ["cap.colour", "weights.category.99", "cap.annual.x",
                                 "weights.sector.nope"])
def test_a_missing_key_is_named_by_the_error(key):
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(KeyError) as missing:
        scenario.get(key)
    assert missing.value.args == (key,)


def test_a_scenario_given_as_tables_names_its_file_in_an_issue():
    from allocator.scenario import scenario_from_mapping

    with pytest.raises(InputError) as caught:
        scenario_from_mapping({"cap": {"annual": -1}}, file="mine.toml")
    [found] = caught.value.issues
    assert (found.code, found.file, found.column) == ("scenario.range", "mine.toml",
                                                      "cap.annual")


@pytest.mark.parametrize("quote", ["'", '"', ""])
def test_an_error_under_a_quoted_key_is_on_that_keys_line(quote):
    # TOML keys may be bare, "basic" or 'literal'; each finds its own line.
    source = (f"[cap]\nannual = 3000\n[sanctions.violation_cut]\n{quote}1{quote} = 0.5\n"
              f"{quote}4{quote} = 2.5\n")
    [found] = problems(source)
    assert (found.code, found.column, found.row) == ("scenario.cut",
                                                     "sanctions.violation_cut.4", 5)


def test_a_scenario_of_exactly_the_size_limit_is_read():
    from allocator.scenario import MAX_SCENARIO_BYTES

    head = "[cap]\nannual = 3000\n#"
    at_limit = head + "x" * (MAX_SCENARIO_BYTES - len(head))
    assert len(at_limit.encode()) == 1_000_000
    assert parse_scenario(at_limit).cap.annual == 3000
    [found] = problems(at_limit + "x")
    assert found.code == "scenario.too_large"


def test_a_quoted_key_json_cannot_read_is_still_found_on_its_line():
    # A TOML basic string may hold a raw tab, which JSON refuses: the key is read as written.
    [found] = problems('[cap]\nannual = 3000\n[method]\nrule = "dhondt"\n"ti\tes" = 1\n')
    assert (found.code, found.column, found.row) == ("scenario.unknown_key", "method.ti\tes", 5)


def test_a_value_outside_a_parameters_choices_lists_them():
    [found] = problems('[cap]\nannual = 3000\n[roster]\nunlisted = "nope"\n')
    assert (found.code, found.column, found.row, found.value) == (
        "scenario.choice", "roster.unlisted", 4, "nope")
    assert found.message.en == ("Employers without roster rows is not one of the allowed "
                                "values: keep, exclude.")


def test_the_default_scenarios_cap_refused_names_the_key_and_no_file():
    # Built in code, not read from a file: the error names the key alone.
    with pytest.raises(InputError) as refused:
        default_scenario(-5)
    [problem] = refused.value.issues
    assert problem.file == ""
    assert problem.where("en") == "column 'cap.annual'"
    assert problem.message.en == "Annual cap must be between 0 and 10000000."


@pytest.mark.parametrize(("source", "value", "en", "zh"), [
    # An item written as a table's key: the table is named, not the weight.
    ('[cap]\nannual = 1\n[weights.category]\n"9" = 1.5\n', "9",
     "Category weights has no item 9: use 1 to 7.", "重点支持类别权重没有第9项；只能填1至7。"),
    # A group naming no selector: there is no one value to show.
    ("[cap]\nannual = 1\n[groups.x]\nmin = 5\n", None,
     "Group 'x' must name exactly one selector: sector, top100 or category; it names 0.",
     "分组“x”须指定且只能指定一种范围：sector（重点产业）、top100（区级百强企业）或 "
     "category（重点支持类别），现在指定了0种。"),
])
def test_an_item_key_and_a_group_without_a_selector_are_named_in_words(source, value, en, zh):
    [problem] = problems(source)
    assert (problem.value, problem.message.en, problem.message.zh) == (value, en, zh)
