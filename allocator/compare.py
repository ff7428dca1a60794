"""Plans of several scenarios on the same submissions, side by side (README).

:func:`compare_plans` gives three tables:

* **metrics** — one row per measure, one column per scenario: permits allocated and left
  over, by sector and by Art. 8 category, the top-100 firms' share, employers left at zero,
  the median and 10th-percentile fill rate, the Gini coefficient of fill rates, the divisor;
* **parameters** — every scenario parameter whose value differs (walked from
  :data:`allocator.scenario.PARAMETERS`, with the groups' fields), by its Chinese label;
* **differences** — each employer whose allocation differs, largest change first.

Fill rates are allocated / eligible demand over the employers with eligible demand (how evenly
the rule serves what may be served; the set differs where scenarios' sanctions differ), computed
as exact fractions. The percentile is the linear interpolation between order statistics (the
default of numpy and of Excel's PERCENTILE.INC): for n sorted values and p in [0, 1], h =
(n − 1)·p and the value x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]); the median is p = ½.

The Gini coefficient is the mean absolute difference over twice the mean,
G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄) — 0 when every employer gets the same share of its demand, near
1 when one gets everything. It is computed from the sorted values as
G = 2 Σᵢ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n (i from 1), exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from allocator.docs import chinese_numeral
from allocator.explain import breakdown_groups, fill_rate, method_label, sector_label
from allocator.i18n import Text, text
from allocator.methods import Method
from allocator.plan import Plan, PlanStatus, plan_sha256
from allocator.scenario import GROUP_PARAMETERS, PARAMETERS, Cut, Parameter, Scenario
from allocator.schema import CATEGORIES, SECTORS, STATUSES, UNIT_TYPES

__all__ = ["Comparison", "compare_plans", "comparison_json", "gini", "infeasible_json",
           "parameter_differences", "percentile", "show_value", "unique_names"]

#: Parameters not compared: the name heads each column, the description is prose.
SKIPPED = ("scenario.name", "scenario.description")


# -- statistics, exact ------------------------------------------------------------------------
def gini(values: Sequence[Fraction | int]) -> Fraction | None:
    """The Gini coefficient Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄) of non-negative values, exactly.

    ``None`` for no values; 0 when all are equal (also when all are 0).

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 1]), gini([1, 2, 3])
    (Fraction(0, 1), Fraction(3, 4), Fraction(2, 9))
    """
    xs = sorted(Fraction(v) for v in values)
    n = len(xs)
    if n == 0:
        return None
    if any(x < 0 for x in xs):
        raise ValueError("the Gini coefficient needs non-negative values")
    total = sum(xs, Fraction(0))
    if total == 0:
        return Fraction(0)
    weighted = sum((i * x for i, x in enumerate(xs, start=1)), Fraction(0))
    return 2 * weighted / (n * total) - Fraction(n + 1, n)


def percentile(values: Sequence[Fraction | int], p: Fraction) -> Fraction | None:
    """The p-quantile (0 ≤ p ≤ 1) by linear interpolation between order statistics, exactly.

    >>> percentile([1, 2, 3, 4], Fraction(1, 2)), percentile(range(11), Fraction(1, 10))
    (Fraction(5, 2), Fraction(1, 1))
    """
    xs = sorted(Fraction(v) for v in values)
    if not xs:
        return None
    if not 0 <= p <= 1:
        raise ValueError("p must lie between 0 and 1")
    h = (len(xs) - 1) * Fraction(p)
    low = math.floor(h)
    if low + 1 >= len(xs):
        return xs[-1]
    return xs[low] + (h - low) * (xs[low + 1] - xs[low])


# -- the comparison ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Metric:
    key: str
    label: Text
    kind: str  # "count", "share" (0–1), "number", "text"


@dataclass
class Comparison:
    """Plans side by side.

    ``metrics``: index = metric key, columns ``label_zh``, ``label_en``, ``kind`` and one per
    scenario name (ints for counts, floats for shares and the divisor, None where undefined).
    ``parameters``: columns ``key``, ``label_zh``, ``label_en``, ``article``, one per scenario
    (values as text, Chinese) and ``<name>__en`` (English). ``differences``: columns ``row``,
    ``credit_code``, ``name``, ``sector``, ``requested``, one allocation column per scenario,
    ``change`` (last − first) and ``spread`` (max − min); only employers whose allocation
    differs, largest spread first, then input order. ``allocations``: every employer, same
    columns. ``by_sector``: allocated per sector (rows) and scenario (columns).
    """

    names: list[str]  # of the feasible plans, the columns of every table
    plans: list[Plan]  # the feasible plans
    metrics: pd.DataFrame
    parameters: pd.DataFrame
    differences: pd.DataFrame
    allocations: pd.DataFrame
    by_sector: pd.DataFrame
    infeasible: list[tuple[str, Plan]] = field(default_factory=list)  # named, with conflicts


def _metrics() -> list[Metric]:
    out = [Metric("status", text("compare.metric.status"), "text"),
           Metric("method", text("compare.metric.method"), "text"),
           Metric("allocatable", text("compare.metric.allocatable"), "count"),
           Metric("allocated", text("compare.metric.allocated"), "count"),
           Metric("unallocated", text("compare.metric.unallocated"), "count"),
           Metric("eligible", text("compare.metric.eligible"), "count"),
           Metric("fill_requested", text("compare.metric.fill_requested"), "share")]
    out += [Metric(f"sector.{c.code}", text("compare.metric.sector", sector=Text(c.zh, c.en)),
                   "count") for c in SECTORS]
    out += [Metric(f"category.{n}", text("compare.metric.category",
                                         item=Text(zh=chinese_numeral(n), en=str(n))), "count")
            for n in CATEGORIES]
    out += [Metric("top100_allocated", text("compare.metric.top100_allocated"), "count"),
            Metric("top100_share", text("compare.metric.top100_share"), "share"),
            Metric("employers_at_zero", text("compare.metric.employers_at_zero"), "count"),
            Metric("eligible_at_zero", text("compare.metric.eligible_at_zero"), "count"),
            Metric("fill_median", text("compare.metric.fill_median"), "share"),
            Metric("fill_p10", text("compare.metric.fill_p10"), "share"),
            Metric("fill_gini", text("compare.metric.fill_gini"), "number"),
            Metric("divisor", text("compare.metric.divisor"), "number"),
            Metric("ties", text("compare.metric.ties"), "count"),
            # Shown only when a plan was screened against a roster (Art. 6, 17, 18).
            Metric("roster.passed", text("compare.metric.roster.passed"), "count"),
            Metric("roster.failed", text("compare.metric.roster.failed"), "count")]
    return out


def metrics() -> tuple[Metric, ...]:
    """The measures of a comparison, in the order they are shown."""
    return tuple(_metrics())


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def plan_metrics(plan: Plan) -> dict[str, Any]:
    """The metrics of one feasible plan, by key (exact fractions turned to floats last)."""
    assert plan.allocation is not None
    problem = plan.problem
    frame = problem.employers
    x = np.asarray(plan.allocation, dtype=np.int64)
    eligible = frame["eligible"].to_numpy(dtype=np.int64)
    requested = int(frame["requested"].sum())
    top = frame["top100"].to_numpy(dtype=bool)
    fills = [Fraction(int(a), int(e)) for a, e in zip(x, eligible, strict=True) if e > 0]
    out: dict[str, Any] = {
        "status": text(f"compare.status.{plan.status.value}"),
        "method": method_label(problem.method),
        "allocatable": problem.allocatable, "allocated": plan.allocated,
        "unallocated": plan.unallocated, "eligible": int(eligible.sum()),
        "fill_requested": _float(fill_rate(plan.allocated, requested)),
    }
    for code, _, mask in breakdown_groups(frame, "sector"):
        out[f"sector.{code}"] = int(x[mask].sum())
    for code, _, mask in breakdown_groups(frame, "category"):
        if code != "none":
            out[f"category.{code}"] = int(x[mask].sum())
    out["top100_allocated"] = int(x[top].sum())
    out["top100_share"] = _float(fill_rate(int(x[top].sum()), plan.allocated))
    out["employers_at_zero"] = int((x == 0).sum())
    out["eligible_at_zero"] = int(((x == 0) & (eligible > 0)).sum())
    out["fill_median"] = _float(percentile(fills, Fraction(1, 2)))
    out["fill_p10"] = _float(percentile(fills, Fraction(1, 10)))
    out["fill_gini"] = _float(gini(fills))
    out["divisor"] = _float(plan.divisor)
    out["ties"] = len(plan.ties)
    passed = None if problem.screening is None else \
        problem.screening.applicants["passed"].to_numpy(dtype=bool)
    out["roster.passed"] = None if passed is None else int(passed.sum())
    out["roster.failed"] = None if passed is None else int((~passed).sum())
    return out


def compare_plans(plans: Sequence[Plan], names: Sequence[str] | None = None) -> Comparison:
    """Compare plans of scenarios on the same submissions.

    ``names`` default to the scenarios' names (blank ones dashed, repeats numbered). Infeasible
    plans have no allocation: they are set aside in ``infeasible``, with their conflicts, and
    the tables compare the others. Raises ``ValueError`` when no plan is feasible or the plans
    were made from different submissions.
    """
    everything = list(plans)
    if not everything:
        raise ValueError("nothing to compare")
    inputs = {p.problem.input_sha256 for p in everything}
    if len(inputs) != 1:
        raise ValueError("the plans were made from different submissions")
    all_names = unique_names(list(names) if names is not None
                        else [p.problem.scenario.scenario.name for p in everything])
    if len(all_names) != len(everything):
        raise ValueError(f"{len(all_names)} names for {len(everything)} plans")
    infeasible = [(n, p) for n, p in zip(all_names, everything, strict=True)
                  if p.allocation is None or p.status is PlanStatus.INFEASIBLE]
    kept = [(n, p) for n, p in zip(all_names, everything, strict=True)
            if not (p.allocation is None or p.status is PlanStatus.INFEASIBLE)]
    if not kept:
        raise ValueError("no plan is feasible: there is nothing to compare")
    names = [n for n, _ in kept]
    plans = [p for _, p in kept]

    values = [plan_metrics(p) for p in plans]
    rows = []
    for metric in metrics():
        if metric.key.startswith("roster.") and all(v[metric.key] is None for v in values):
            continue  # no plan was screened
        row: dict[str, Any] = {"key": metric.key, "label_zh": metric.label.zh,
                               "label_en": metric.label.en, "kind": metric.kind}
        for name, v in zip(names, values, strict=True):
            row[name] = v[metric.key]
        rows.append(row)
    metric_table = pd.DataFrame(rows).set_index("key")

    allocations = _allocations(plans, names)
    changed = allocations["spread"] > 0
    differences = allocations[changed].assign(_order=np.arange(int(changed.sum())))
    differences = differences.sort_values(["spread", "_order"], ascending=[False, True],
                                          kind="stable").drop(columns="_order")
    by_sector = pd.DataFrame(
        {name: [v[f"sector.{c.code}"] for c in SECTORS] for name, v in
         zip(names, values, strict=True)},
        index=pd.Index([c.code for c in SECTORS], name="sector"))
    by_sector.insert(0, "label_zh", [c.zh for c in SECTORS])
    by_sector.insert(1, "label_en", [c.en for c in SECTORS])
    return Comparison(names, plans, metric_table, _parameters(plans, names),
                      differences.reset_index(drop=True), allocations, by_sector, infeasible)


#: Column names of the comparison's own tables: a scenario may not take one of them.
RESERVED = frozenset({"key", "label_zh", "label_en", "kind", "article", "row", "credit_code",
                      "name", "sector", "requested", "change", "spread"})


def unique_names(names: list[str]) -> list[str]:
    """Scenario names as column names: blank ones dashed, repeats numbered, none reserved."""
    used: set[str] = set(RESERVED)
    out = []
    for name in names:
        base = name.strip() or "—"
        candidate, number = base, 2
        while candidate in used or candidate.endswith("__en"):
            candidate = f"{base} ({number})"
            number += 1
        used.add(candidate)
        out.append(candidate)
    return out


def _allocations(plans: list[Plan], names: list[str]) -> pd.DataFrame:
    first = plans[0].problem.employers
    codes = first["credit_code"].tolist()
    table = pd.DataFrame({
        "row": first["row"].astype(int).tolist(), "credit_code": codes,
        "name": first["name"].tolist(),
        "sector": [sector_label(s).zh for s in first["sector"]],
        "requested": first["requested"].astype(int).tolist(),
    })
    columns = []
    for name, plan in zip(names, plans, strict=True):
        # Same submissions, so the same employers; matched by credit code all the same.
        by_code = dict(zip(plan.problem.employers["credit_code"],
                           (int(x) for x in plan.allocation), strict=True))
        table[name] = [by_code[c] for c in codes]
        columns.append(name)
    seats = table[columns].to_numpy(dtype=np.int64)
    table["change"] = seats[:, -1] - seats[:, 0]
    table["spread"] = seats.max(axis=1) - seats.min(axis=1)
    return table


# -- parameters -------------------------------------------------------------------------------
_CHOICE_TABLES = {
    "eligibility.unit_types": UNIT_TYPES,
    "eligibility.excluded_statuses": STATUSES,
    "groups.*.sector": SECTORS,
}


#: Choice parameters whose options have labels, and where the catalogue keeps them.
OPTION_LABELS = {"sanctions.share_rounding": "scenario_option.share_rounding",
                 "weights.combine": "scenario_option.combine",
                 "roster.unlisted": "roster.unlisted_option"}


def show_value(parameter: Parameter | None, value: Any) -> Text:
    """A parameter's value as a planner reads it: 50% for a share cut, 2个 for a count,
    Chinese labels for codes, 是/否 for flags, — for none."""
    if value is None:
        return Text(zh="—", en="—")
    key = parameter.key if parameter is not None else ""
    if isinstance(value, Cut):
        if value.kind == "count":
            return text("compare.value.count", count=value.value)
        return text("compare.value.share", share=_percent(Decimal(value.value)))
    if isinstance(value, bool):
        return text("common.yes" if value else "common.no")
    if key == "method.rule" and isinstance(value, str):
        return method_label(Method(value))
    if key == "method.tie_break" and isinstance(value, list | tuple):
        shown = [text(f"explain.broken_by.{v}") for v in value]
        return Text(zh="、".join(s.zh for s in shown), en=", ".join(s.en for s in shown))
    if isinstance(value, list | tuple):
        choices = _CHOICE_TABLES.get(key)
        shown = [_choice(choices, v) if choices else Text(zh=str(v), en=str(v)) for v in value]
        return Text(zh="、".join(s.zh for s in shown), en=", ".join(s.en for s in shown))
    if key in _CHOICE_TABLES and isinstance(value, str):
        return _choice(_CHOICE_TABLES[key], value)
    if key == "sanctions.restricted_industry" and isinstance(value, str):
        return text(f"compare.value.restricted_{value}")
    if key in OPTION_LABELS and isinstance(value, str):
        return text(f"{OPTION_LABELS[key]}.{value}")
    if isinstance(value, Decimal):
        if parameter is not None and parameter.kind == "share":
            return Text(zh=_percent(value), en=_percent(value))
        shown = f"{value.normalize():f}"
        return Text(zh=shown, en=shown)
    return Text(zh=str(value), en=str(value))


def _choice(choices: Sequence[Any], code: str) -> Text:
    for choice in choices:
        if choice.code == code:
            return Text(zh=choice.zh, en=choice.en)
    return Text(zh=str(code), en=str(code))


def _percent(value: Decimal) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%"


def _parameters(plans: list[Plan], names: list[str]) -> pd.DataFrame:
    return parameter_differences([p.problem.scenario for p in plans], names)


def parameter_differences(scenarios: Sequence[Scenario], names: list[str]) -> pd.DataFrame:
    """The parameters (and group fields) whose values differ between the scenarios: columns
    ``key``, ``label_zh``, ``label_en``, ``article``, one per name (Chinese) and
    ``<name>__en``; name and description are prose and not compared."""
    rows = []
    for parameter in PARAMETERS:
        if parameter.key in SKIPPED:
            continue
        values = [s.get(parameter.key) for s in scenarios]
        if all(_same(values[0], v) for v in values[1:]):
            continue
        rows.append(_parameter_row(parameter.key, parameter.label, parameter, values, names))
    group_names = sorted({g for s in scenarios for g in s.groups})
    for group in group_names:
        for parameter in GROUP_PARAMETERS:
            field_name = parameter.name
            values = [_group_value(s, group, field_name) for s in scenarios]
            if all(_same(values[0], v) for v in values[1:]):
                continue
            label = text("compare.group_parameter", name=group, label=parameter.label)
            rows.append(_parameter_row(f"groups.{group}.{field_name}", label, parameter,
                                       values, names))
    columns = ["key", "label_zh", "label_en", "article", *names, *[f"{n}__en" for n in names]]
    return pd.DataFrame(rows, columns=columns)


def _group_value(scenario: Scenario, group: str, field_name: str) -> Any:
    config = scenario.groups.get(group)
    return None if config is None else getattr(config, field_name)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return bool(a == b)


def _parameter_row(key: str, label: Text, parameter: Parameter, values: list[Any],
                   names: list[str]) -> dict[str, Any]:
    shown = [show_value(parameter, v) for v in values]
    row: dict[str, Any] = {"key": key, "label_zh": label.zh, "label_en": label.en,
                           "article": parameter.article}
    for name, s in zip(names, shown, strict=True):
        row[name] = s.zh
        row[f"{name}__en"] = s.en
    return row


# -- JSON -------------------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    if isinstance(value, Text):
        return value.as_dict()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def infeasible_json(named: Sequence[tuple[str, Plan]]) -> list[dict[str, Any]]:
    """Scenarios that cannot be met: name, scenario hash and each conflict in words."""
    return [{"name": name, "scenario_sha256": p.problem.scenario_sha256,
             "status": p.status.value,
             "conflicts": [conflict.as_dict() for conflict in p.conflicts]}
            for name, p in named]


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The comparison as one JSON object (``allocator compare --json``)."""
    first = c.plans[0].problem
    return {
        "input_sha256": first.input_sha256,
        "scenarios": [{"name": name, "scenario_sha256": p.problem.scenario_sha256,
                       "plan_sha256": plan_sha256(p), "status": p.status.value,
                       "method": p.problem.method.value}
                      for name, p in zip(c.names, c.plans, strict=True)],
        "infeasible": infeasible_json(c.infeasible),
        "metrics": [{"key": key, "zh": row["label_zh"], "en": row["label_en"],
                     "values": {name: _json_value(row[name]) for name in c.names}}
                    for key, row in c.metrics.iterrows()],
        "parameters": [{"key": row["key"], "zh": row["label_zh"], "en": row["label_en"],
                        "article": row["article"],
                        "values": {name: {"zh": row[name], "en": row[f"{name}__en"]}
                                   for name in c.names}}
                       for _, row in c.parameters.iterrows()],
        "differences": [{"row": int(row["row"]), "credit_code": row["credit_code"],
                         "name": row["name"], "requested": int(row["requested"]),
                         "allocated": {name: int(row[name]) for name in c.names},
                         "change": int(row["change"]), "spread": int(row["spread"])}
                        for _, row in c.differences.iterrows()],
    }
