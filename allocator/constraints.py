"""The constraint structure of a plan: the cap ⊇ groups ⊇ employers, as a laminar tree.

A scenario's groups (``[groups.NAME]``: a sector, a category or the top-100 firms, with a floor
and/or a ceiling) must form a *laminar* family over the employers that can receive permits: any
two groups are disjoint or one contains the other. Then the cap, the groups and the employers'
own bounds form a tree, and three facts make the plan exact and explainable:

* **Feasibility is local.** Bottom-up, each node needs at least ``need = max(floor, Σ children's
  needs)`` and can take at most ``room = min(ceiling, Σ children's rooms)``, with an employer
  needing ``guaranteed`` and taking at most ``upper``. The plan exists iff ``need ≤ ceiling`` and
  ``floor ≤ room`` at every node and the root's need fits the cap. Each failure is a sentence a
  planner understands: which rule, which numbers, by how many permits (:func:`conflicts`).
* **The greedy is optimal.** The feasible seat sets are the bases of a matroid (laminar bounds
  define an M-convex set), so handing out seats in the exact priority order of the divisor
  method, skipping a seat only when taking it would make some rule impossible to meet, gives the
  unique optimum of *every* objective that ranks seats in that order (:func:`greedy`) — in
  particular of the integer program that :mod:`allocator.model` solves with CP-SAT.
* **Divisors stay meaningful.** Fix the count of every group whose floor or ceiling is met with
  equality: the employers of each such group, and the employers outside all of them, are each
  apportioned by the plain divisor method with their own divisor (:func:`scopes`).

Overlapping groups (say, a finance floor and a top-100 floor where some top-100 firms are
banks) break all three: the optimum would depend on the objective's numbers rather than on the
priority order alone, and no divisor would explain it. They are refused with a message naming
both groups and the employers they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.errors import InputError, Severity, issue
from allocator.i18n import Text, text

UNBOUNDED = 1 << 62


@dataclass
class Node:
    """The cap (root) or one group, with the employers directly under it."""

    name: str
    label: Text
    floor: int
    ceiling: int  # UNBOUNDED when the group has no ceiling
    members: frozenset[int]  # every active employer in the subtree
    children: list[Node] = field(default_factory=list)
    direct: list[int] = field(default_factory=list)  # employers whose innermost node is this
    parent: Node | None = None
    depth: int = 0

    def walk(self) -> list[Node]:
        """This node and its descendants, parents before children."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class Conflict:
    """Why a scenario cannot be met, in words: which rules clash and by how many permits."""

    code: str
    node: str
    message: Text
    shortfall: int

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.node, "shortfall": self.shortfall,
                "zh": self.message.zh, "en": self.message.en}


@dataclass
class Tree:
    root: Node
    innermost: np.ndarray  # per employer: index into ``nodes`` (−1 for inactive employers)
    nodes: list[Node]

    def path(self, employer: int) -> list[Node]:
        node: Node | None = self.nodes[self.innermost[employer]]
        out = []
        while node is not None:
            out.append(node)
            node = node.parent
        return out


def build_tree(groups: list[Any], upper: np.ndarray, allocatable: int, file: str = "") -> Tree:
    """The laminar tree of the cap and the scenario's groups over active employers.

    ``groups`` are :class:`allocator.policy.Group`. Raises :class:`InputError` when two groups
    overlap without one containing the other.
    """
    active = upper > 0
    root = Node("cap", text("group.cap"), 0, allocatable, frozenset(np.flatnonzero(active)))
    nodes = [Node(g.name, g.label, g.minimum, UNBOUNDED if g.maximum is None else g.maximum,
                  frozenset(np.flatnonzero(g.members & active))) for g in groups]
    problems = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            shared = a.members & b.members
            if shared and not (a.members <= b.members or b.members <= a.members):
                problems.append(issue(
                    Severity.ERROR, "groups_overlap", file=file, column=f"groups.{a.name}",
                    first=a.name, second=b.name, shared=len(shared),
                    only_first=len(a.members - b.members),
                    only_second=len(b.members - a.members)))
    if problems:
        raise InputError(problems)
    # Larger groups first; equal member sets nest by name so the tree is deterministic.
    ordered = sorted(nodes, key=lambda n: (-len(n.members), n.name))
    for position, node in enumerate(ordered):
        # The smallest earlier group containing this one is its parent.
        containing = [c for c in ordered[:position] if node.members <= c.members]
        parent = min(containing, key=lambda c: len(c.members)) if containing else root
        node.parent = parent
        parent.children.append(node)
    all_nodes = root.walk()
    for node in all_nodes:
        node.depth = 0 if node.parent is None else node.parent.depth + 1
    innermost = np.full(len(upper), -1, dtype=np.int64)
    index = {id(node): position for position, node in enumerate(all_nodes)}
    for node in all_nodes:  # parents first: deeper nodes overwrite
        for employer in node.members:
            innermost[employer] = index[id(node)]
    for employer in np.flatnonzero(active):
        all_nodes[innermost[employer]].direct.append(int(employer))
    return Tree(root, innermost, all_nodes)


def _bounds(node: Node, lower: np.ndarray, upper: np.ndarray,
            out: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(need, room) of ``node``'s subtree, before its own floor and ceiling are applied."""
    need = int(lower[node.direct].sum()) if node.direct else 0
    room = int(upper[node.direct].sum()) if node.direct else 0
    for child in node.children:
        child_need, child_room = _bounds(child, lower, upper, out)
        need += max(child.floor, child_need)
        room += min(child.ceiling, child_room)
    out[id(node)] = (need, room)
    return need, room


def conflicts(tree: Tree, lower: np.ndarray, upper: np.ndarray) -> list[Conflict]:
    """Every rule that cannot be met, each with the permits it is short by."""
    sums: dict[int, tuple[int, int]] = {}
    _bounds(tree.root, lower, upper, sums)
    found = []
    for node in tree.nodes:
        need, room = sums[id(node)]
        guaranteed = int(lower[node.direct].sum()) if node.direct else 0
        floors = need - guaranteed
        if node.parent is None:
            if need > node.ceiling:
                found.append(Conflict("NEEDS_ABOVE_CAP", node.name, text(
                    "conflict.needs_above_cap", need=need, cap=node.ceiling,
                    guaranteed=guaranteed, floors=floors, short=need - node.ceiling),
                    need - node.ceiling))
            continue
        if need > node.ceiling:
            found.append(Conflict("NEEDS_ABOVE_CEILING", node.name, text(
                "conflict.needs_above_ceiling", group=node.label, name=node.name, need=need,
                ceiling=node.ceiling, guaranteed=guaranteed, floors=floors,
                short=need - node.ceiling), need - node.ceiling))
        if node.floor > room:
            found.append(Conflict("FLOOR_ABOVE_DEMAND", node.name, text(
                "conflict.floor_above_demand", group=node.label, name=node.name,
                floor=node.floor, room=room, short=node.floor - room), node.floor - room))
    return found


def greedy(tree: Tree, claimants: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           total: int) -> np.ndarray:
    """Hand out seats in ``claimants`` order (best first), skipping a seat that would break a rule.

    ``claimants`` lists, for every seat above the guarantees, the employer it belongs to, sorted
    by exact priority and tie-break (:func:`allocator.methods.seat_order`). A node's *need* is
    ``max(floor, Σ children's needs)`` with an employer's need its current seats; a seat is
    taken when every node on its path still has need ≤ ceiling (the root's ceiling is the cap).
    Requires :func:`conflicts` to be empty.
    """
    seats = lower.astype(np.int64).copy()
    need: dict[int, int] = {}
    subtotal: dict[int, int] = {}

    def fill(node: Node) -> int:
        total_below = int(seats[node.direct].sum()) if node.direct else 0
        total_below += sum(fill(child) for child in node.children)
        subtotal[id(node)] = total_below
        need[id(node)] = max(node.floor, total_below)
        return need[id(node)]

    fill(tree.root)
    handed = int(seats.sum())
    closed = np.zeros(len(seats), dtype=bool)
    paths: dict[int, list[Node]] = {}
    for employer in claimants:
        if handed >= total:
            break
        if closed[employer]:
            continue
        path = paths.get(employer)
        if path is None:
            path = paths[employer] = tree.path(int(employer))
        # Propagate +1 up the path, stopping where a floor still absorbs it.
        changes = []
        delta = 1
        fits = True
        for node in path:
            key = id(node)
            new_subtotal = subtotal[key] + delta
            new_need = max(node.floor, new_subtotal)
            changes.append((key, new_subtotal, new_need))
            if new_need > node.ceiling:
                fits = False
                break
            delta = new_need - need[key]
            if delta == 0:
                break
        if not fits:
            closed[employer] = True  # later seats of this employer rank lower: also refused
            continue
        # Above the node whose floor absorbed the seat, every need is unchanged.
        for key, new_subtotal, new_need in changes:
            subtotal[key], need[key] = new_subtotal, new_need
        seats[employer] += 1
        handed += 1
    return seats


def satisfied(tree: Tree, seats: np.ndarray) -> list[str]:
    """Names of the nodes whose floor or ceiling ``seats`` breaks (empty when all hold)."""
    broken = []
    for node in tree.nodes:
        count = int(seats[list(node.members)].sum()) if node.members else 0
        if count < node.floor or count > node.ceiling:
            broken.append(node.name)
    return broken


def tight(tree: Tree, seats: np.ndarray) -> list[Node]:
    """Groups whose floor or ceiling the plan meets with equality (the root always counts)."""
    out = [tree.root]
    for node in tree.nodes[1:]:
        count = int(seats[list(node.members)].sum()) if node.members else 0
        if count in (node.floor, node.ceiling) and (node.floor > 0 or
                                                    node.ceiling < UNBOUNDED):
            out.append(node)
    return out


def scopes(tree: Tree, seats: np.ndarray) -> list[tuple[Node, list[int]]]:
    """Each tight node with the employers whose innermost tight node it is (input order)."""
    tight_nodes = tight(tree, seats)
    chosen = {id(n) for n in tight_nodes}
    members: dict[int, list[int]] = {id(n): [] for n in tight_nodes}
    for employer in sorted(tree.root.members):
        node: Node | None = tree.nodes[tree.innermost[employer]]
        while node is not None and id(node) not in chosen:
            node = node.parent
        assert node is not None  # the root is always chosen
        members[id(node)].append(int(employer))
    return [(n, members[id(n)]) for n in tight_nodes]
