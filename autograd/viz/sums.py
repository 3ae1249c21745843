"""Sums drawn as one: a chain of adds as one n-ary sum, Σ, with an edge from each term.

``total = 0; for x in xs: total = total + x*x`` (or ``sum(xs)``, which starts from 0 too)
records one add per term, each reading the partial sum before it: drawn op by op, a staircase
that widens with every term. What it computes is one sum, ``x0*x0 + x1*x1 + ... + x5*x5``, and
what backward does with it is as simple: d total / d partial = 1 all the way down the chain, so
every term receives the output's gradient unchanged. `find_sums` finds such chains so the
picture draws each as one Σ node, an edge from each term.

A partial sum is folded into the sum it feeds when nobody could want to see it on its own:

- it is made by an add and read once, by another add (a partial sum kept and read elsewhere
  is a value of its own);
- the person did not name it (`.name`, or a variable of theirs: `names.py`), and it is not
  the output;
- both adds run in the same module call, and every tensor operand of both has the shape of
  their output: no broadcasting, so each term's gradient really is the output's.

The adds joined this way form a tree (usually a chain); one with at least `MIN_ADDS` adds is a
`SumChain`. Constant 0 operands (where ``sum()`` and ``total = 0`` start) are folded into the
sum: they add nothing and receive nothing. Subtraction is left as it is (a term that is
subtracted receives the gradient negated: not the same picture).

One linear pass with an explicit stack (no recursion: a chain may be a million adds deep).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .graph import CONST, OP, TENSOR, GraphModel
from .labels import fmt_const

MIN_ADDS = 3  # two adds (a + b + c) stay as they are: the staircase starts at three
SUM_CHARS = 40  # the longest list of terms written out for a sum


@dataclass(eq=False)
class SumChain:
    """One n-ary sum found in a model.

    - ops: its add op nodes (creation order); the last one makes `out`;
    - inner: the partial sums folded in (tensor nodes); zeros: the constant 0 operands;
    - terms: the edges bringing each term in, in the sum's order (left to right);
    - out: the tensor node of the whole sum.
    """

    ops: list[int] = field(default_factory=list)
    inner: list[int] = field(default_factory=list)
    zeros: list[int] = field(default_factory=list)
    terms: list[int] = field(default_factory=list)
    out: int = -1

    def members(self) -> list[int]:
        """The nodes drawn as the one Σ node (the output is drawn as itself)."""
        return [*self.ops, *self.inner, *self.zeros]


def _is_add(g: GraphModel, op: int) -> bool:
    """An add of two operands whose tensor operands all have its output's shape."""
    node = g.nodes[op]
    ctx, out = node.ctx, node.tensor
    if node.kind != OP or ctx is None or out is None or ctx.op_name() != "add" or len(g.preds[op]) != 2:
        return False
    for e in g.preds[op]:
        src = g.nodes[g.edges[e].src]
        if src.kind == TENSOR and (src.tensor is None or src.tensor.shape != out.shape):
            return False
    return True


def _is_zero(g: GraphModel, n: int) -> bool:
    return g.nodes[n].kind == CONST and fmt_const(g.nodes[n].value) == "0"


def find_sums(g: GraphModel, min_adds: int = MIN_ADDS) -> list[SumChain]:
    """The n-ary sums of model `g` (see the module doc), in creation order of their output."""
    n_nodes = len(g.nodes)
    add = [False] * n_nodes
    for n in range(n_nodes):
        if g.nodes[n].kind == OP:
            add[n] = _is_add(g, n)
    # inner[t]: tensor node t is a partial sum folded into the add that reads it.
    inner = [False] * n_nodes
    for n, node in enumerate(g.nodes):
        if node.kind != TENSOR or node.named or n == g.root or len(g.succs[n]) != 1 or not g.preds[n]:
            continue
        op = g.edges[g.preds[n][0]].src
        user = g.edges[g.succs[n][0]].dst
        if add[op] and add[user] and g.nodes[op].scope == g.nodes[user].scope:
            inner[n] = True
    chains: list[SumChain] = []
    for n in range(n_nodes):  # the last add of each sum: an add whose output is not inner
        if not add[n] or not g.succs[n]:
            continue
        out = g.edges[g.succs[n][0]].dst
        if inner[out]:
            continue
        chain = SumChain(out=out)
        stack: list[tuple[bool, int]] = [(True, n)]  # (is an op, op node or edge index)
        while stack:
            is_op, k = stack.pop()
            if not is_op:
                src = g.edges[k].src
                if _is_zero(g, src) and len(g.succs[src]) == 1:
                    chain.zeros.append(src)
                else:
                    chain.terms.append(k)
                continue
            chain.ops.append(k)
            ins = sorted(g.preds[k], key=lambda e: g.edges[e].index)
            for e in reversed(ins):  # popped left to right: the terms in the sum's order
                src = g.edges[e].src
                if inner[src]:
                    chain.inner.append(src)
                    stack.append((True, g.edges[g.preds[src][0]].src))
                else:
                    stack.append((False, e))
        if len(chain.ops) >= min_adds:
            chain.ops.sort()
            chain.inner.sort()
            chains.append(chain)
    return chains


def sum_ops(chains: list[SumChain]) -> set[int]:
    """The add op nodes of these sums."""
    return {op for c in chains for op in c.ops}


def term_names(g: GraphModel, chain: SumChain) -> list[str]:
    """The names of a sum's terms, in order (constants as their value)."""
    out = []
    for e in chain.terms:
        nd = g.nodes[g.edges[e].src]
        out.append(fmt_const(nd.value) if nd.kind == CONST or nd.tensor is None else nd.name)
    return out


def sum_text(terms: list[str], limit: int = SUM_CHARS) -> str:
    """The terms as a sum, shortened to the first two and the last (``a + b + … + z``), else
    the first and the last, when longer than `limit`; "" when even that is too long, or when
    the terms all read alike (``…**2 + …**2 + … + …**2`` says no more than the count)."""
    if len(terms) > 1 and len(set(terms)) == 1 and "…" in terms[0]:
        return ""
    tries = [terms]
    if len(terms) > 4:
        tries.append([*terms[:2], "…", terms[-1]])
    if len(terms) > 3:
        tries.append([terms[0], "…", terms[-1]])
    for shown in tries:
        text = " + ".join(shown)
        if len(text) <= limit:
            return text
    return ""
