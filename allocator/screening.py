"""Screening the applicants of a roster (Art. 6, 17, 18): each passes or fails, and why.

Art. 6 sets the conditions on people: six months' continuous employment with the employer, a
fixed residence in Beijing, taxable income above a multiple of last year's city average wage,
**and** one of nine conditions (一…九). Art. 17 excludes an applicant who falsified materials;
Art. 18 keeps Hong Kong, Macao, Taiwan and overseas talent outside this quota. Every threshold
is a ``[roster]`` parameter of the scenario (Art. 19).

An applicant fails for **every** reason that applies (not the first only), each citing its
article; a claimed condition whose evidence column is blank does not count, and the missing
evidence is named. The tests are vectorised over the whole roster (numpy / pandas): no loop
over applicants decides anything.

Per employer the result counts the listed applicants, those who pass (in total and per role)
and the failures per reason; :mod:`allocator.policy` caps each role's demand at the number who
pass (docs/columns.md) and says so in the employer's sentence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from allocator.docs import article_text
from allocator.errors import InputError, Issue, Severity, issue
from allocator.i18n import Text, text
from allocator.roster import Roster
from allocator.scenario import RosterConfig
from allocator.schema import CONDITION_EVIDENCE, CONDITIONS, ROLES, ROSTER_BY_KEY

#: Failure reasons, in the order they are reported, and the article each rests on.
REASONS: dict[str, str] = {
    "FALSIFIED": "17",
    "OUTSIDE_QUOTA": "18",
    "EMPLOYMENT_SHORT": "6",
    "NO_RESIDENCE": "6",
    "INCOME_LOW": "6",
    "CONDITION_UNMET": "6",
}
ROLE_CODES: tuple[str, ...] = tuple(c.code for c in ROLES)
_DEGREES_OK = frozenset({"bachelor", "master", "doctor"})
_TITLES_OK = frozenset({"intermediate", "associate_senior", "senior"})


@dataclass(frozen=True)
class Thresholds:
    """The figures one screening used (for the reports)."""

    reference: date
    months: int
    wage: int
    income_floor: Decimal  # income must be strictly above this
    item4_floor: Decimal
    item5_floor: Decimal
    item8_tax: int
    degree_work_years: int
    wage_source: str


@dataclass
class Screening:
    """The verdict on every applicant and the counts per employer.

    ``applicants`` (roster order): row, credit_code, role, person_masked, name_masked,
    passed, reasons (tuple of codes of :data:`REASONS`), unmet (claimed items that failed),
    missing (tuple of (item, evidence key)).
    ``employers`` (indexed by credit code): listed, passed, passed_<role> for each role,
    failed_<REASON> for each reason.
    """

    applicants: pd.DataFrame
    employers: pd.DataFrame
    thresholds: Thresholds
    file: str
    sha256: str
    unlisted: str  # "keep" | "exclude"
    #: The roster reader's warnings (a totals row ignored, …), each naming sheet and row.
    notes: tuple[Issue, ...] = ()

    def counts(self, credit_code: str) -> dict[str, int] | None:
        """An employer's counts (``None`` when none of its applicants is listed)."""
        table = self.__dict__.get("_by_code")
        if table is None:  # built once: a row lookup per employer in pandas is too slow
            columns = list(self.employers.columns)
            values = self.employers.to_numpy(dtype=np.int64).tolist()
            table = self.__dict__["_by_code"] = {
                code: dict(zip(columns, row, strict=True))
                for code, row in zip(self.employers.index.tolist(), values, strict=True)}
        return table.get(credit_code)

    def summary(self) -> dict[str, Any]:
        """Roster-wide figures for the result JSON (no personal data)."""
        table = self.applicants
        # An applicant's reasons name each code once: counting them all counts the applicants.
        named = Counter(chain.from_iterable(table["reasons"].tolist()))
        failed = {code: int(named[code]) for code in REASONS}
        t = self.thresholds
        return {
            "file": self.file, "sha256": self.sha256, "applicants": len(table),
            "passed": int(table["passed"].sum()), "failed": int((~table["passed"]).sum()),
            "failed_by_reason": failed, "reference_date": t.reference.isoformat(),
            "months": t.months, "city_average_wage": t.wage, "wage_source": t.wage_source,
            "income_above": str(t.income_floor), "unlisted": self.unlisted,
            # The reader's and the screening's warnings, whole: a plan replayed from the store
            # (which keeps no applicant) says them again (screening_from_result).
            "notes": [n.as_dict() for n in self.notes],
        }


def thresholds(rules: RosterConfig, plan_year: int | None, file: str = "") -> Thresholds:
    """The scenario's figures; a missing wage or reference date is an error naming the
    parameter (docs/columns.md)."""
    problems = []
    if rules.city_average_wage is None:
        problems.append(issue(Severity.ERROR, "roster.wage_missing", file=file,
                              column="roster.city_average_wage"))
    reference = rules.reference(plan_year)
    if reference is None:
        problems.append(issue(Severity.ERROR, "roster.reference_missing", file=file,
                              column="roster.reference_date"))
    if problems:
        raise InputError(problems)
    assert rules.city_average_wage is not None and reference is not None
    wage = rules.city_average_wage
    return Thresholds(reference, rules.months, wage, rules.income_multiple * wage,
                      rules.item4_multiple * wage, rules.item5_multiple * wage,
                      rules.item8_tax, rules.degree_work_years, rules.wage_source)


def _above(values: pd.Series, floor: Decimal) -> np.ndarray:
    """``value > floor`` exactly (Decimals compared as Decimals); blank is False."""
    array = values.to_numpy(dtype=object)
    known = pd.notna(values).to_numpy()
    out = np.zeros(len(array), dtype=bool)
    out[known] = array[known] > floor
    return out


def _at_least(values: pd.Series, floor: Decimal | int) -> np.ndarray:
    array = values.to_numpy(dtype=object)
    known = pd.notna(values).to_numpy()
    out = np.zeros(len(array), dtype=bool)
    out[known] = array[known] >= floor
    return out


def _claimed(conditions: list[Any], items: int) -> dict[int, np.ndarray]:
    """One boolean column per Art. 6 item: who claims it (a single pass over the tuples)."""
    lengths = np.fromiter((len(c) if c else 0 for c in conditions), dtype=np.int64,
                          count=len(conditions))
    flat = np.fromiter(chain.from_iterable(c for c in conditions if c), dtype=np.int64,
                       count=int(lengths.sum()))
    matrix = np.zeros((len(conditions), items + 1), dtype=bool)
    matrix[np.repeat(np.arange(len(conditions)), lengths), flat] = True
    return {item: matrix[:, item] for item in range(1, items + 1)}


def months_employed(hired: pd.Series, reference: date) -> np.ndarray:
    """Whole months from each hiring date to ``reference`` (negative when hired after it)."""
    stamps = pd.to_datetime(hired, errors="coerce")
    years = stamps.dt.year.to_numpy(dtype=float)
    months = stamps.dt.month.to_numpy(dtype=float)
    days = stamps.dt.day.to_numpy(dtype=float)
    whole = (reference.year - years) * 12 + (reference.month - months) - (reference.day < days)
    return np.nan_to_num(whole, nan=-1).astype(np.int64)


def screen(roster: Roster, rules: RosterConfig, plan_year: int | None) -> Screening:
    """Screen every applicant of a validated roster (call it only when ``roster.ok``)."""
    t = thresholds(rules, plan_year, roster.file)
    frame = roster.frame
    n = len(frame)
    fails: dict[str, np.ndarray] = {}
    fails["FALSIFIED"] = frame["falsified"].fillna(False).to_numpy(dtype=bool)
    fails["OUTSIDE_QUOTA"] = (frame["origin"].fillna("domestic") != "domestic").to_numpy()
    fails["EMPLOYMENT_SHORT"] = months_employed(frame["hired_on"], t.reference) < t.months
    fails["NO_RESIDENCE"] = ~frame["beijing_residence"].fillna(False).to_numpy(dtype=bool)
    fails["INCOME_LOW"] = ~_above(frame["income_last_year"], t.income_floor)

    # Art. 6 items: what each needs (its evidence present and sufficient).
    present = {key: pd.notna(frame[key]).to_numpy() for key in
               {k for keys in CONDITION_EVIDENCE.values() for k in keys}}
    satisfied = {
        1: frame["degree"].isin(_DEGREES_OK).to_numpy()
        & _at_least(frame["work_years"], t.degree_work_years),
        2: frame["title_level"].isin(_TITLES_OK).to_numpy(),
        3: present["award"],
        4: _above(frame["income_3y_min"], t.item4_floor),
        5: _above(frame["income_3y_min"], t.item5_floor),
        6: present["patents"],
        7: present["venture"],
        8: _at_least(frame["tax_3y_min"], t.item8_tax),
        9: present["recommendation"],
    }
    claimed = _claimed(frame["conditions"].tolist(), len(CONDITIONS))
    met = np.zeros(n, dtype=bool)
    for item in CONDITIONS:
        met |= claimed[item] & satisfied[item]
    fails["CONDITION_UNMET"] = ~met

    failing = np.zeros(n, dtype=bool)
    for mask in fails.values():
        failing |= mask
    passed = ~failing

    reasons = np.empty(n, dtype=object)
    reasons[:] = [()] * n
    unmet = np.empty(n, dtype=object)
    unmet[:] = [()] * n
    missing = np.empty(n, dtype=object)
    missing[:] = [()] * n
    for index in np.flatnonzero(failing):  # words for the failures only
        reasons[index] = tuple(code for code, mask in fails.items() if mask[index])
        if fails["CONDITION_UNMET"][index]:
            items = tuple(i for i in CONDITIONS if claimed[i][index])
            unmet[index] = items
            missing[index] = tuple((i, key) for i in items for key in CONDITION_EVIDENCE[i]
                                   if not present[key][index])
    # The roster's own text objects, kept as objects (no conversion to a string dtype): the
    # values are the same, and a forked reader's answer pickles each text once.
    applicants = pd.DataFrame({
        "row": frame["row"].to_numpy(), "credit_code": _objects(frame["credit_code"]),
        "role": _objects(frame["role"]), "person_masked": _objects(frame["person_masked"]),
        "name_masked": _objects(frame["name_masked"]), "passed": passed,
        "reasons": reasons, "unmet": unmet, "missing": missing,
    })
    counts = pd.DataFrame({"credit_code": _objects(frame["credit_code"]),
                           "listed": np.ones(n, dtype=np.int64),
                           "passed": passed.astype(np.int64)})
    for role in ROLE_CODES:
        counts[f"passed_{role}"] = (passed & (frame["role"] == role).to_numpy()).astype(np.int64)
    for code, mask in fails.items():
        counts[f"failed_{code}"] = mask.astype(np.int64)
    employers = counts.groupby("credit_code", sort=False).sum()
    return Screening(applicants, employers, t, roster.file, roster.sha256, rules.unlisted,
                     (*roster.warnings, *_kind_unchecked(roster, passed, claimed, satisfied)))


#: The items that also need the employer to be of a kind no column records: (4) a new R&D
#: institute, innovative headquarters or high-tech firm; (5) a law, accounting, audit, tax or
#: HR-service firm, or a financial institution.
KIND_ITEMS = (4, 5)
#: Rows named in the warning about them, at most.
KIND_ROWS_SHOWN = 10


def _kind_unchecked(roster: Roster, passed: np.ndarray, claimed: dict[int, np.ndarray],
                    satisfied: dict[int, np.ndarray]) -> list[Issue]:
    """A warning for the applicants who pass on items 4 or 5 alone: their income is checked,
    the kind of their employer cannot be (neither the roster nor the demand sheet records it),
    so it is said, with the first rows, for the planner to check — not judged either way."""
    other = np.zeros(len(passed), dtype=bool)
    for item in CONDITIONS:
        if item not in KIND_ITEMS:
            other |= claimed[item] & satisfied[item]
    alone = passed & ~other
    if not alone.any():
        return []
    rows = roster.frame["row"].to_numpy()[alone][:KIND_ROWS_SHOWN].tolist()
    count = int(alone.sum())
    shown = "、".join(map(str, rows)) + ("行等" if count > len(rows) else "行")
    shown_en = ", ".join(map(str, rows)) + (", …" if count > len(rows) else "")
    key = "issue.roster_employer_kind"  # the rows listed as each language lists them
    message = Text(zh=text(key, count=count, rows=shown).zh,
                   en=text(key, count=count, rows=shown_en).en)
    return [Issue(Severity.WARNING, "roster_employer_kind", message, roster.file, roster.sheet)]


def _objects(column: pd.Series) -> pd.Series:
    return pd.Series(column.to_numpy(dtype=object), dtype=object, copy=False)


# -- words --------------------------------------------------------------------------------------
def reason_label(code: str, t: Thresholds) -> Text:
    """A failure reason in a few words: 收入未达标, 聘用未满6个月, …"""
    return _label(code, t.months)


@cache
def _label(code: str, months: int) -> Text:
    return text(f"roster.reason.{code}", months=months)


def employer_sentence(requested: int, counts: dict[str, int], t: Thresholds) -> Text:
    """申报12人，名单中8人符合第六条（3人收入未达标，1人聘用未满6个月）."""
    failures = [(counts[f"failed_{code}"], code) for code in REASONS
                if counts[f"failed_{code}"]]
    failures.sort(key=lambda pair: -pair[0])  # stable: ties keep the order of REASONS
    if not failures:
        return text("roster.sentence_clean", requested=requested, passed=counts["passed"],
                    listed=counts["listed"])
    zh = "，".join(f"{n}人{reason_label(code, t).zh}" for n, code in failures)
    en = ", ".join(f"{n} {reason_label(code, t).en}" for n, code in failures)
    return text("roster.sentence", requested=requested, passed=counts["passed"],
                listed=counts["listed"], failures=Text(zh=zh, en=en))


def applicant_reasons(record: Any, t: Thresholds) -> Text:
    """Why one applicant failed, every reason with its article and the missing evidence."""
    if record.passed:
        return text("roster.passed")
    zh_parts, en_parts = [], []
    for code in record.reasons:
        label = reason_label(code, t)
        cited = article_text(REASONS[code])
        zh, en = f"{label.zh}（{cited.zh}）", f"{label.en} ({cited.en})"
        if code == "CONDITION_UNMET" and record.missing:
            names = Text(zh="、".join(f"第{_numeral(i)}项缺{ROSTER_BY_KEY[k].zh}"
                                      for i, k in record.missing),
                         en="; ".join(f"item {i} lacks {ROSTER_BY_KEY[k].en.lower()}"
                                      for i, k in record.missing))
            zh += f"：{names.zh}"
            en += f": {names.en}"
        zh_parts.append(zh)
        en_parts.append(en)
    return Text(zh="；".join(zh_parts), en="; ".join(en_parts))


def _numeral(item: int) -> str:
    return "一二三四五六七八九"[item - 1]


def screening_from_result(result: dict[str, Any], rules: RosterConfig,
                          plan_year: int | None) -> Screening | None:
    """The screening a stored result was solved with, rebuilt from its per-employer counts
    (what replay needs; the store keeps no applicant, masked or not). ``None`` for a result
    solved without a roster."""
    summary = result.get("roster")
    if not summary:
        return None
    columns = ["listed", "passed", *(f"passed_{r}" for r in ROLE_CODES),
               *(f"failed_{c}" for c in REASONS)]
    codes, rows = [], []
    for employer in result.get("employers", ()):
        counts = employer.get("roster")
        if counts is None:
            continue
        codes.append(employer["credit_code"])
        rows.append([counts["listed"], counts["passed"],
                     *(counts["passed_by_role"][r] for r in ROLE_CODES),
                     *(counts["failed_by_reason"][c] for c in REASONS)])
    employers = pd.DataFrame(rows, columns=columns, index=pd.Index(codes, name="credit_code"),
                             dtype=np.int64)
    applicants = pd.DataFrame({key: pd.Series(dtype="object") for key in (
        "row", "credit_code", "role", "person_masked", "name_masked", "passed", "reasons",
        "unmet", "missing")})
    notes = tuple(map(Issue.from_dict, summary.get("notes", ())))  # none in older results
    return Screening(applicants, employers, thresholds(rules, plan_year),
                     str(summary.get("file", "")), str(result.get("roster_sha256", "")),
                     rules.unlisted, notes)
