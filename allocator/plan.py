"""A plan: the allocation of one problem, with its status, divisors, ties and audit data.

:func:`plan_json` writes the result JSON of docs/result.md; :func:`plan_sha256` is the hash of the
canonical plan — input and scenario hashes, OR-Tools version, method, status and every
allocation — so the same inputs give the same hash on any machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from allocator import __version__
from allocator.constraints import Conflict
from allocator.i18n import Text
from allocator.methods import Priority
from allocator.policy import PlanWarning, Problem
from allocator.schema import SECTORS


class PlanStatus(StrEnum):
    OPTIMAL = "optimal"  # proven optimal (and verified against the exact reference)
    FEASIBLE = "feasible"  # a limit stopped the solver before the proof: see the gap
    INFEASIBLE = "infeasible"  # the scenario's rules cannot all be met: see conflicts


@dataclass(frozen=True)
class Note:
    code: str
    message: Text

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.message.zh, "en": self.message.en}


@dataclass(frozen=True)
class TieReport:
    """Employers whose next permits had exactly equal priority at a cut-off."""

    employers: tuple[int, ...]  # positions in input order
    permits: int  # how many of the tied permits were handed out
    awarded: tuple[int, ...]
    broken_by: str  # the tie-break key that separated winners from the rest
    scope: str


@dataclass(frozen=True)
class Scope:
    """Employers apportioned together by one divisor: the cap's, or a binding group's.

    ``interval`` (low, high) holds every divisor that reproduces the scope's allocations
    (:func:`allocator.methods.divisor_interval`: the priorities of the strongest seat refused
    and the weakest awarded; high ``None`` when nothing was handed out); ``divisor`` is the
    representative inside it that the sentences use — the point itself at a tie.
    """

    name: str
    label: Text
    employers: tuple[int, ...]
    seats: int
    divisor: Fraction | None
    interval: tuple[Priority, Priority | None] | None = None


@dataclass(frozen=True)
class ApprovalInfo:
    """Who approved a stored plan, and when (shown on the exported plan)."""

    run_id: int
    approver: str
    approved_at: str  # ISO 8601, with time zone
    note: str
    chain_sha256: str  # this approval's link in the store's hash chain
    plan_year: int | None = None
    supersedes: int | None = None  # the run whose approval this one replaced
    reason: str = ""  # why it replaced it
    superseded_by: int | None = None  # the run whose approval later replaced this one

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None


@dataclass(frozen=True)
class SolverReport:
    name: str
    version: str
    status: str
    wall_s: float
    objective: int | None
    bound: int | None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None or self.bound == 0:
            return None
        return abs(self.bound - self.objective) / abs(self.bound)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "status": self.status,
                "wall_s": round(self.wall_s, 4), "objective": self.objective,
                "bound": self.bound, "gap": self.gap, "parameters": self.parameters}


@dataclass
class Plan:
    problem: Problem
    status: PlanStatus
    allocation: np.ndarray | None  # seats per employer in input order; None when infeasible
    scopes: list[Scope] = field(default_factory=list)
    ties: list[TieReport] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    solver: SolverReport | None = None
    ortools_version: str = ""
    #: The exact seat order the solve used (claimant, k per seat, best first) when every
    #: employer's bound was its own (not clipped by the cap): reused for the marginal permit.
    seat_order: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False,
                                                             compare=False)

    @property
    def allocated(self) -> int:
        return 0 if self.allocation is None else int(self.allocation.sum())

    @property
    def unallocated(self) -> int:
        return self.problem.allocatable - self.allocated

    @property
    def divisor(self) -> Fraction | None:
        """The cap's divisor: the one that explains employers outside every binding group."""
        return self.scopes[0].divisor if self.scopes else None

    @property
    def all_warnings(self) -> tuple[PlanWarning, ...]:
        """Everything a planner should be warned of (docs/result.md ``warnings``), for every output:
        the workbook's validation warnings and the policy's (each naming its row and
        employer), then the solver's notes on the plan as a whole."""
        return (*self.problem.warnings,
                *(PlanWarning(note.code, note.message) for note in self.warnings))

    def seats(self, employer: int) -> int:
        return 0 if self.allocation is None else int(self.allocation[employer])


def plan_hash(*, input_sha256: str, scenario_sha256: str, ortools: str, method: str,
              status: str, allocations: Sequence[Sequence[Any]],
              roster_sha256: str | None = None) -> str:
    """The canonical plan hash from its parts (also how the store re-checks a kept result).

    A plan screened against a roster (docs/columns.md) also hashes the roster file; a plan without
    one hashes exactly what it did before rosters existed.
    """
    canonical = {
        "input_sha256": input_sha256, "scenario_sha256": scenario_sha256, "ortools": ortools,
        "method": method, "status": status,
        "allocations": [[code, int(seats)] for code, seats in allocations],
    }
    if roster_sha256:
        canonical["roster_sha256"] = roster_sha256
    blob = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def plan_sha256(plan: Plan) -> str:
    problem = plan.problem
    allocation = [] if plan.allocation is None else plan.allocation.tolist()
    return plan_hash(input_sha256=problem.input_sha256,
                     scenario_sha256=problem.scenario_sha256, ortools=plan.ortools_version,
                     method=problem.method.value, status=plan.status.value,
                     allocations=list(zip(problem.column("credit_code"), allocation,
                                          strict=False)),
                     roster_sha256=problem.screening.sha256 if problem.screening else None)


def _number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def exact_number(value: Fraction) -> str:
    """A rational number written exactly: a terminating decimal as one (``1.84``), any other
    as a fraction (``7/3``)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    whole = value * 10**places
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole.numerator)).rjust(places + 1, "0")
    return sign + (digits if not places else f"{digits[:-places]}.{digits[-places:]}")


def priority_text(priority: Priority) -> str:
    """A priority (a divisor's bound) exactly: a rational one by :func:`exact_number`, an
    irrational Huntington–Hill one v/√(k(k+1)) as ``sqrt(q)`` with q its exact square."""
    value = priority.value
    if value is not None:
        return exact_number(value)
    square = priority.square
    assert square is not None
    return f"sqrt({exact_number(square)})"


def interval_json(scope: Scope | None) -> list[str | None] | None:
    """``[low, high]`` of docs/result.md ``divisor_interval``: exact strings, ``high`` null when
    the interval has no upper end; ``None`` when no divisor reproduces the scope."""
    if scope is None or scope.interval is None:
        return None
    low, high = scope.interval
    return [priority_text(low), None if high is None else priority_text(high)]


def roster_counts(counts: dict[str, int] | None) -> dict[str, Any] | None:
    """An employer's roster figures for the result JSON: listed, passed (per role) and failed
    per reason; ``None`` for an employer with no applicant on the roster."""
    if counts is None:
        return None
    roles, reasons = _count_keys(tuple(counts))
    return {
        "listed": counts["listed"], "passed": counts["passed"],
        "passed_by_role": {short: counts[key] for key, short in roles},
        "failed": counts["listed"] - counts["passed"],
        "failed_by_reason": {short: counts[key] for key, short in reasons},
    }


@cache
def _count_keys(keys: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The ``passed_<role>`` and ``failed_<reason>`` keys of an employer's counts, each with
    its short name, in their order (found once per set of keys, not per employer)."""
    return (tuple((k, k.removeprefix("passed_")) for k in keys if k.startswith("passed_")),
            tuple((k, k.removeprefix("failed_")) for k in keys if k.startswith("failed_")))


def plan_json(plan: Plan) -> dict[str, Any]:
    """The result object of docs/result.md (plus a few additive fields: scopes, conflicts, …)."""
    problem = plan.problem
    employers = problem.employers
    codes = problem.column("credit_code")
    rows = []
    own = problem.warnings_by_row()
    screening = problem.screening
    for position, record in enumerate(employers.itertuples(index=False)):
        row = {
            "row": int(record.row), "credit_code": record.credit_code, "name": record.name,
            "unit_type": record.unit_type, "sector": record.sector,
            "categories": list(record.categories or ()), "top100": bool(record.top100),
            "requested": int(record.requested), "eligible": int(record.eligible),
            "guaranteed": int(record.guaranteed), "upper": int(record.upper),
            "weight": float(record.weight), "claim": float(record.claim),
            "allocated": plan.seats(position),
            "reasons": [r.as_dict() for r in record.reasons],
            "warnings": [w.as_dict() for w in own.get(int(record.row), ())],
        }
        if screening is not None:
            row["roster"] = roster_counts(screening.counts(record.credit_code))
        rows.append(row)
    by_sector = {}
    for choice in SECTORS:
        mask = (employers["sector"] == choice.code).to_numpy(dtype=bool)
        by_sector[choice.code] = {
            "requested": int(employers["requested"][mask].sum()),
            "eligible": int(employers["eligible"][mask].sum()),
            "allocated": int(plan.allocation[mask].sum()) if plan.allocation is not None
            else 0,
        }
    return {
        "status": plan.status.value,
        "method": problem.method.value,
        "scenario": {"name": problem.scenario.scenario.name,
                     "description": problem.scenario.scenario.description},
        "cap": problem.cap, "reserve": problem.reserve, "allocatable": problem.allocatable,
        "allocated": plan.allocated,
        "unallocated": plan.unallocated if plan.allocation is not None else None,
        "divisor": _number(plan.divisor),
        "divisor_exact": None if plan.divisor is None else str(plan.divisor),
        "divisor_interval": interval_json(plan.scopes[0] if plan.scopes else None),
        "employers": rows,
        "ties": [{"credit_codes": [codes[i] for i in tie.employers], "permits": tie.permits,
                  "awarded": [codes[i] for i in tie.awarded], "broken_by": tie.broken_by,
                  "scope": tie.scope} for tie in plan.ties],
        "scopes": [{"name": s.name, "zh": s.label.zh, "en": s.label.en,
                    "employers": len(s.employers), "allocated": s.seats,
                    "divisor": _number(s.divisor),
                    "divisor_exact": None if s.divisor is None else str(s.divisor),
                    "divisor_interval": interval_json(s)}
                   for s in plan.scopes],
        "by_sector": by_sector,
        "conflicts": [c.as_dict() for c in plan.conflicts],
        "warnings": [w.as_dict() for w in plan.all_warnings],
        "input_sha256": problem.input_sha256,
        "scenario_sha256": problem.scenario_sha256,
        **({} if screening is None else {"roster_sha256": screening.sha256,
                                         "roster": screening.summary()}),
        "plan_sha256": plan_sha256(plan),
        "allocator_version": __version__,
        "solver": None if plan.solver is None else plan.solver.as_dict(),
    }
