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
    members: np.ndarray  # every active employer in the subtree: positions, ascending
    children: list[Node] = field(default_factory=list)
    # Employers whose innermost node is this one: positions, ascending.
    direct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
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

    Near-linear (issue 12): groups are placed largest first, and each employer remembers the
    innermost group placed so far that holds it. A group whose members all share one
    innermost group lies inside it (the groups placed before form a laminar tree); members
    with different innermost groups mean an overlap, and only then are the pairs compared
    one by one, to name every overlapping pair.
    """
    active = upper > 0
    root = Node("cap", text("group.cap"), 0, allocatable, np.flatnonzero(active))
    masks = [g.members & active for g in groups]
    nodes = [Node(g.name, g.label, g.minimum, UNBOUNDED if g.maximum is None else g.maximum,
                  np.flatnonzero(mask)) for g, mask in zip(groups, masks, strict=True)]
    # Larger groups first; equal member sets nest by name so the tree is deterministic.
    ordered = sorted(range(len(nodes)), key=lambda i: (-nodes[i].members.size, nodes[i].name))
    label = np.full(len(upper), -1, dtype=np.int64)  # position in ``ordered``; -1: the cap
    placed: list[Node] = []
    for position, index in enumerate(ordered):
        node = nodes[index]
        if node.members.size:
            found = np.unique(label[node.members])
            if found.size != 1:
                _raise_overlaps(nodes, masks, file)
            # The innermost group holding all its members; equal member sets thus nest in
            # name order, each inside the one before (a chain, never siblings sharing members).
            parent = root if found[0] < 0 else placed[found[0]]
        else:  # no active member: under the smallest group placed before it (last of equals)
            parent = min(reversed(placed), key=lambda c: c.members.size) if placed else root
        node.parent = parent
        parent.children.append(node)
        placed.append(node)
        label[node.members] = position
    all_nodes = root.walk()
    for node in all_nodes:
        node.depth = 0 if node.parent is None else node.parent.depth + 1
    innermost = np.full(len(upper), -1, dtype=np.int64)
    for position, node in enumerate(all_nodes):  # parents first: deeper nodes overwrite
        innermost[node.members] = position
    # Each node's direct members, in input order, by one stable sort (not a scan per node).
    order = np.argsort(innermost, kind="stable")
    bounds = np.searchsorted(innermost[order], np.arange(len(all_nodes) + 1))
    for position, node in enumerate(all_nodes):
        node.direct = order[bounds[position]:bounds[position + 1]]
    return Tree(root, innermost, all_nodes)


def _raise_overlaps(nodes: list[Node], masks: list[np.ndarray], file: str) -> None:
    """Name every pair of groups that overlap without nesting (an error path: pairwise)."""
    problems = []
    for i, a in enumerate(nodes):
        for j in range(i + 1, len(nodes)):
            b = nodes[j]
            shared = int(np.count_nonzero(masks[i] & masks[j]))
            only_first = a.members.size - shared
            only_second = b.members.size - shared
            if shared and only_first and only_second:
                problems.append(issue(
                    Severity.ERROR, "groups_overlap", file=file, column=f"groups.{a.name}",
                    first=a.name, second=b.name, shared=shared, only_first=only_first,
                    only_second=only_second))
    raise InputError(problems)


def _bounds(node: Node, lower: np.ndarray, upper: np.ndarray,
            out: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(need, room) of ``node``'s subtree, before its own floor and ceiling are applied."""
    need = int(lower[node.direct].sum())
    room = int(upper[node.direct].sum())
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
        guaranteed = int(lower[node.direct].sum())
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
    nodes = tree.nodes
    position = {id(node): v for v, node in enumerate(nodes)}
    floor = [node.floor for node in nodes]
    ceiling = [node.ceiling for node in nodes]
    subtotal = [0] * len(nodes)
    need = [0] * len(nodes)
    for v in range(len(nodes) - 1, -1, -1):  # children (listed after parents) first
        node = nodes[v]
        subtotal[v] = int(seats[node.direct].sum()) + sum(
            need[position[id(child)]] for child in node.children)
        need[v] = max(floor[v], subtotal[v])
    # Each innermost node's path to the root, as node indices.
    paths = [[position[id(node)] for node in tree.path(int(node.direct[0]))]
             if node.direct.size else [] for node in nodes]
    innermost = tree.innermost.tolist()
    given = [0] * len(seats)
    handed = int(seats.sum())
    # Once a seat is refused, so is every later seat of the same innermost node: needs only
    # grow and floors below only fill, so the +1 reaches the same full node again.
    closed = [False] * len(nodes)
    for employer in claimants.tolist():
        if handed >= total:
            break
        start = innermost[employer]
        if closed[start]:
            continue
        # Propagate +1 up the path, stopping where a floor still absorbs it.
        changes = []
        delta = 1
        fits = True
        for v in paths[start]:
            new_subtotal = subtotal[v] + delta
            new_need = floor[v] if floor[v] > new_subtotal else new_subtotal
            if new_need > ceiling[v]:
                fits = False
                break
            changes.append((v, new_subtotal, new_need))
            delta = new_need - need[v]
            if delta == 0:
                break
        if not fits:
            closed[start] = True
            continue
        # Above the node whose floor absorbed the seat, every need is unchanged.
        for v, new_subtotal, new_need in changes:
            subtotal[v], need[v] = new_subtotal, new_need
        given[employer] += 1
        handed += 1
    return seats + np.asarray(given, dtype=np.int64)


def satisfied(tree: Tree, seats: np.ndarray) -> list[str]:
    """Names of the nodes whose floor or ceiling ``seats`` breaks (empty when all hold)."""
    broken = []
    for node in tree.nodes:
        count = int(seats[node.members].sum())
        if count < node.floor or count > node.ceiling:
            broken.append(node.name)
    return broken


def tight(tree: Tree, seats: np.ndarray) -> list[Node]:
    """Groups whose floor or ceiling the plan meets with equality (the root always counts)."""
    out = [tree.root]
    for node in tree.nodes[1:]:
        count = int(seats[node.members].sum())
        if count in (node.floor, node.ceiling) and (node.floor > 0 or
                                                    node.ceiling < UNBOUNDED):
            out.append(node)
    return out


def scopes(tree: Tree, seats: np.ndarray) -> list[tuple[Node, list[int]]]:
    """Each tight node with the employers whose innermost tight node it is (input order)."""
    tight_nodes = tight(tree, seats)
    chosen = {id(n) for n in tight_nodes}
    # Per node: its nearest tight ancestor-or-self (the root is always tight), as an index.
    position = {id(n): i for i, n in enumerate(tight_nodes)}
    scope_of = np.zeros(len(tree.nodes), dtype=np.int64)
    for v, node in enumerate(tree.nodes):
        found: Node | None = node
        while found is not None and id(found) not in chosen:
            found = found.parent
        assert found is not None  # the root is always chosen
        scope_of[v] = position[id(found)]
    employers = tree.root.members
    owner = scope_of[tree.innermost[employers]]
    return [(n, employers[owner == i].tolist()) for i, n in enumerate(tight_nodes)]
