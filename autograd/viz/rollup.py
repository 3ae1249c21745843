"""Repeated structure rolled up: a loop's steps drawn once, marked ``x N``.

A recurrent cell run for 60 steps records the same ops 60 times, every step reading the same
weights: drawn node by node that is 60 copies side by side and each shared weight fanning out
to all of them (27,430 x 3,076 px). Like torchview's ``roll=True``, `roll_up` finds runs of
repeated op sequences and keeps one repeat (the last, nearest the output: its values and
gradients are shown) in a block marked ``x N``; the other repeats are folded into it, so a
shared weight has one edge into the block, and the step-to-step edge becomes one loop edge.

Two ops "match" when they are the same op, with the same output shape, in the same kind of
module call, reading the same kinds of inputs: the *same* shared tensor (a weight used by
several ops), a leaf of the same shape used once (``x_t``, a new input each step), the same
constant, or the output of the op the same number of steps back. The sequence of ops in
creation order is scanned for a period p with ops[k] matching ops[k + p] over a long run
(a linear pass per candidate period; candidates are the distances between matching ops).
Repeated module calls are found the same way: a module called in a loop records the same ops.

The result is a reduced `GraphModel` (the same `Node` objects, fewer of them) plus its `rolls`
and `loops`; the summary and the emitters read it like any model. `roll=False` in `draw` keeps
every repeat.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..scopes import ScopeName
from .graph import CONST, OP, TENSOR, Edge, GraphModel
from .labels import fmt_const

MIN_REPEATS = 3  # fewer repeats are drawn as they are
MAX_PERIOD = 400  # ops in one repeat
CANDIDATES = 6  # periods tried (the most frequent distances between matching ops)


@dataclass(eq=False)
class Roll:
    """One rolled-up run: `count` repeats of `period` ops; `members` are the node indices (in
    the reduced model) of the repeat that is drawn; `marker` is the scope element that puts
    them in one box (its label: ``x 60``); `depth` how many module scopes the whole loop runs
    inside (the box goes there, around the module calls that differ from repeat to repeat)."""

    id: str
    count: int
    period: int
    members: list[int] = field(default_factory=list)
    marker: ScopeName = field(default_factory=lambda: ScopeName("", -1))
    depth: int = 0


@dataclass(eq=False)
class Rolled:
    """A model with repeats rolled up (see the module doc).

    - model: the reduced graph (node order still topological; loop edges are not in it);
    - rolls: the rolled runs; loops: edges from a repeat's output back into the drawn repeat
      (the step-to-step recurrence), `index` is the input position, drawn ``x N``;
    - hidden: how many nodes were folded into drawn repeats.
    """

    model: GraphModel
    rolls: list[Roll]
    loops: list[tuple[Edge, int]]
    hidden: int


def _signatures(g: GraphModel, ops: list[int]) -> list[tuple[Any, ...]]:
    pos = {op: k for k, op in enumerate(ops)}
    sigs: list[tuple[Any, ...]] = []
    for k, op in enumerate(ops):
        node = g.nodes[op]
        ctx = node.ctx
        out = g.output_of(op)
        t = g.nodes[out].tensor
        parts: list[Any] = [
            ctx.op_name() if ctx is not None else "?",
            t.shape if t is not None else (),
            tuple(str(s) for s in node.scope),
        ]
        for m in g.inputs_of(op):
            nd = g.nodes[m]
            if nd.kind == CONST:
                parts.append(("c", fmt_const(nd.value)))
            elif g.preds[m]:
                parts.append(("o", k - pos[g.edges[g.preds[m][0]].src]))
            elif len(g.succs[m]) > 1:
                parts.append(("p", m))  # a shared tensor: the very same one
            else:
                t_in = nd.tensor
                shape = t_in.shape if t_in is not None else ()
                parts.append(("l", shape, t_in is not None and t_in.requires_grad))
        sigs.append(tuple(parts))
    return sigs


def _runs(sigs: list[tuple[Any, ...]], p: int) -> list[tuple[int, int]]:
    """(start, end) of every maximal stretch of ops with period p (ops[start:end])."""
    out = []
    k, n = 0, len(sigs)
    while k + p < n:
        if sigs[k] != sigs[k + p]:
            k += 1
            continue
        s = k
        while k + p < n and sigs[k] == sigs[k + p]:
            k += 1
        out.append((s, k + p))
    return out


def _aligned(sigs: list[tuple[Any, ...]], s: int, end: int, p: int) -> tuple[int, int]:
    """(start, repeats): where in a periodic stretch one repeat begins.

    Any p consecutive ops of the stretch repeat; the best cut is the one whose repeat reads
    the fewest values made before it (a step reads the previous step's state, not half of
    the previous step's ops), then the one that ends where the stretch ends, then the one with
    the most whole repeats.
    """
    best: tuple[int, bool, int, int] | None = None
    for j in range(min(p, end - s)):
        q = s + j
        reps = (end - q) // p
        if reps < 1:
            continue
        outside = sum(
            1 for i in range(p) for part in sigs[q + i][3:] if part[0] == "o" and part[1] > i
        )
        # Then the cut where the last repeat ends the stretch: the loop's last step ends there.
        key = (outside, (end - q) % p != 0, -reps, j)
        if best is None or key < best:
            best = key
    if best is None:
        return s, 0
    return s + best[3], -best[2]


def _recurrent(sigs: list[tuple[Any, ...]], ops: list[int], s: int, p: int, sums: set[int]) -> bool:
    """True when a repeat (the one starting at ops[s]) reads a value of an earlier repeat
    through an op that is not an add of a sum (`sums`): a real step-to-step state (``h``)."""
    for j in range(p):
        if ops[s + j] in sums:
            continue
        if any(part[0] == "o" and part[1] > j for part in sigs[s + j][3:]):
            return True
    return False


def find_runs(g: GraphModel, sums: set[int] | None = None) -> list[tuple[int, int, int]]:
    """The runs to roll up, as (start, period, repeats) in the list of op nodes in creation
    order; the runs covering the most ops are chosen first, never overlapping.

    sums: the add ops of n-ary sums (`sums.find_sums`). A run whose repeats are linked only
    through those adds (``total = total + f(x_i)``: independent terms summed) is a sum, not a
    loop with a state, and is left to be drawn as one (Σ with an edge from each term)."""
    ops = [n for n, nd in enumerate(g.nodes) if nd.kind == OP]
    if len(ops) < 2 * MIN_REPEATS:
        return []
    sigs = _signatures(g, ops)
    last: dict[tuple[Any, ...], int] = {}
    dist: Counter[int] = Counter()
    for k, sig in enumerate(sigs):
        j = last.get(sig)
        if j is not None and k - j <= MAX_PERIOD:
            dist[k - j] += 1
        last[sig] = k
    found: list[tuple[int, int, int]] = []  # (covered ops, start, period) ...
    for p, _ in dist.most_common(CANDIDATES):
        for s0, end in _runs(sigs, p):
            s, reps = _aligned(sigs, s0, end, p)
            if sums and reps >= MIN_REPEATS and not _recurrent(sigs, ops, s + (reps - 1) * p, p, sums):
                continue
            if reps >= MIN_REPEATS:
                found.append((reps * p, s, p))
    found.sort(key=lambda x: (-x[0], x[1]))
    taken = [False] * len(ops)
    chosen: list[tuple[int, int, int]] = []
    for covered, s, p in found:
        if any(taken[s : s + covered]):
            continue
        for k in range(s, s + covered):
            taken[k] = True
        chosen.append((s, p, covered // p))
    return chosen


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many leading scope elements (module calls) a and b share."""
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k


def roll_up(g: GraphModel, sums: set[int] | None = None) -> Rolled:
    """`g` with every run of at least MIN_REPEATS repeats drawn once (see the module doc);
    `sums`: see `find_runs`."""
    ops = [n for n, nd in enumerate(g.nodes) if nd.kind == OP]
    runs = find_runs(g, sums)
    if not runs:
        return Rolled(g, [], [], 0)
    alias: dict[int, int] = {}  # original node -> the node of the drawn repeat it folds into
    roll_of: dict[int, int] = {}  # original node of a drawn repeat -> its roll
    rolls: list[Roll] = []
    for r, (s, p, reps) in enumerate(sorted(runs)):
        marker = ScopeName(f"x {reps}", -(r + 1))
        last = s + (reps - 1) * p  # the drawn repeat: the last one
        depth = min(
            _shared(g.nodes[ops[s + j]].scope, g.nodes[ops[last + j]].scope) for j in range(p)
        )
        rolls.append(Roll(f"r{r}", reps, p, [], marker, depth))
        for j in range(p):
            rep_op = ops[last + j]
            for q in range(reps - 1):
                op = ops[s + q * p + j]
                alias[op] = rep_op
                alias[g.output_of(op)] = g.output_of(rep_op)
                for m, m_rep in zip(g.inputs_of(op), g.inputs_of(rep_op), strict=True):
                    kind = g.nodes[m].kind
                    leaf_once = kind == TENSOR and not g.preds[m] and len(g.succs[m]) == 1
                    if (kind == CONST or leaf_once) and m != m_rep:
                        alias[m] = m_rep
            roll_of[rep_op] = r
            roll_of[g.output_of(rep_op)] = r
            for m in g.inputs_of(rep_op):
                nd = g.nodes[m]
                if nd.kind == CONST or (not g.preds[m] and len(g.succs[m]) == 1):
                    roll_of[m] = r
    return _reduce(g, alias, roll_of, rolls)


def _reduce(g: GraphModel, alias: dict[int, int], roll_of: dict[int, int], rolls: list[Roll]) -> Rolled:
    b = GraphModel()
    new: dict[int, int] = {}
    for n, node in enumerate(g.nodes):
        if n in alias:
            continue
        new[n] = b.add_node(node)
        r = roll_of.get(n)
        if r is not None:
            rolls[r].members.append(new[n])
    seen: set[tuple[int, int, int]] = set()
    loops: dict[tuple[int, int, int], list[Any]] = {}
    for e in g.edges:
        src, dst = new[alias.get(e.src, e.src)], new[alias.get(e.dst, e.dst)]
        key = (src, dst, e.index)
        if src >= dst:  # from a later repeat's node back into the drawn repeat: the recurrence
            if key in loops:
                loops[key][1] += 1
            else:
                loops[key] = [Edge(src, dst, e.index, e.tensor), 1]
            continue
        if key in seen:
            continue
        seen.add(key)
        b.add_edge(src, dst, e.index, e.tensor)
    for old, n in new.items():
        t = g.nodes[old].tensor
        if g.nodes[old].kind == TENSOR and t is not None:
            b.index_of[id(t)] = n
    for old, rep in alias.items():
        t = g.nodes[old].tensor
        if g.nodes[old].kind == TENSOR and t is not None:
            b.index_of[id(t)] = new[rep]
    b.root = new[alias.get(g.root, g.root)]
    b.grads = {new[n]: a for n, a in g.grads.items() if n in new}
    b.forward = g.forward
    return Rolled(b, rolls, [(e, c) for e, c in loops.values()], len(alias))
