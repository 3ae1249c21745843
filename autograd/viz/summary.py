"""Fitting a graph of any size into a readable picture.

A picture of more than a few hundred nodes is unreadable, and `dot` slows down badly on large
graphs. `summarise` keeps the graph as it is when it has at most `max_nodes` nodes; otherwise it
replaces parts of it by single summary nodes, in this order, stopping as soon as it fits:

1. module collapse: every top-level module (`ctx.scope`) becomes one box;
2. chain folding: a long chain of one-input ops keeps its first and last nodes, and the middle
   becomes one "... N nodes ..." node;
3. budget: the nodes nearest the output are kept (breadth-first from the output, at most a few
   inputs of any op with a very wide fan-in), and everything further up is folded into
   "... N more nodes ..." nodes attached where it was cut off.

Before these, n-ary sums (`sums.py`, found by the view) are grouped, each drawn as one op:
they are then units like any node. Collapsing modules can also be asked for directly
(`collapse=`). Every step is a linear pass with explicit queues: no recursion, so a
million-node graph is summarised in seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .graph import CONST, OP, TENSOR, GraphModel, paused_gc
from .sums import SumChain

KEEP_CHAIN_ENDS = 2  # nodes kept visible at each end of a folded chain
FAN_FIRST, FAN_LAST = 4, 1  # inputs kept of an op with more than FAN_FIRST + FAN_LAST + 3


@dataclass(eq=False)
class Group:
    """Several nodes drawn as one.

    kind: "module" (a collapsed module), "chain" (the middle of a long chain), "more" (the
    part of the graph cut off by the node budget) or "sum" (the adds of an n-ary sum,
    `sums.py`: drawn as one op, an edge from each term).
    """

    id: str
    kind: str
    title: str
    members: list[int] = field(default_factory=list)
    scope: tuple[str, ...] = ()
    sum: SumChain | None = None  # a "sum" group's sum (node indices of the forward model)

    def op_counts(self, g: GraphModel) -> Counter[str]:
        c: Counter[str] = Counter()
        for n in self.members:
            ctx = g.nodes[n].ctx
            if g.nodes[n].kind == OP and ctx is not None:
                c[ctx.op_name()] += 1
        return c


@dataclass(eq=False)
class ViewEdge:
    """An edge of the picture between units (see `View`); `edge` is the model edge it shows
    when it joins two nodes drawn as themselves (else -1), `count` how many it stands for."""

    src: int
    dst: int
    edge: int = -1
    count: int = 1


@dataclass(eq=False)
class View:
    """What is drawn: units are node indices (0..N-1) for nodes drawn as themselves and
    N + k for `groups[k]`."""

    model: GraphModel
    group_of: list[int]
    groups: list[Group]
    edges: list[ViewEdge]
    notes: list[str]

    def unit(self, n: int) -> int:
        k = self.group_of[n]
        return n if k < 0 else len(self.model.nodes) + k

    def units(self) -> list[int]:
        """Every unit, in creation order of its first node."""
        n_nodes = len(self.model.nodes)
        seen: set[int] = set()
        out = []
        for n in range(n_nodes):
            u = self.unit(n)
            if u not in seen:
                seen.add(u)
                out.append(u)
        return out

    def group(self, u: int) -> Group | None:
        n_nodes = len(self.model.nodes)
        return self.groups[u - n_nodes] if u >= n_nodes else None

    def size(self) -> int:
        return len(self.units())


def _count(group_of: list[int], groups: list[Group]) -> int:
    return sum(1 for k in group_of if k < 0) + sum(1 for gr in groups if gr.members)


def _new_group(groups: list[Group], kind: str, title: str, scope: tuple[str, ...]) -> int:
    prefix = {"module": "m", "chain": "f", "more": "f", "sum": "s"}[kind]
    gid = len(groups)
    groups.append(Group(f"{prefix}{gid}", kind, title, [], scope))
    return gid


def collapse_modules(
    g: GraphModel, group_of: list[int], groups: list[Group], names: Iterable[str] | None
) -> None:
    """Group the nodes of each module into one unit: the modules named in `names` (matching
    any element of a scope path), or every top-level module when `names` is None."""
    wanted = None if names is None else set(names)
    by_prefix: dict[tuple[str, ...], int] = {}
    for n, node in enumerate(g.nodes):
        if (group_of[n] >= 0 and groups[group_of[n]].kind != "sum") or not node.scope:
            continue  # a sum inside a collapsed module goes into it with its nodes
        scope = node.scope
        if wanted is None:
            cut = 1
        else:
            cut = next((k + 1 for k, s in enumerate(scope) if s in wanted), 0)
            if cut == 0:
                continue
        prefix = scope[:cut]
        gid = by_prefix.get(prefix)
        if gid is None:
            gid = _new_group(groups, "module", prefix[-1], prefix[:-1])
            by_prefix[prefix] = gid
        group_of[n] = gid
        groups[gid].members.append(n)
    for k, grp in enumerate(groups):
        if grp.kind == "sum":
            grp.members = [m for m in grp.members if group_of[m] == k]


def _absorb_satellites(g: GraphModel, group_of: list[int], groups: list[Group], params: bool) -> None:
    """Constants (and, with `params`, any leaf) used only inside one group join that group."""
    for n, node in enumerate(g.nodes):
        if group_of[n] >= 0 or n == g.root:
            continue
        leaf = node.kind == CONST or (
            params and node.kind == TENSOR and node.tensor is not None and node.tensor._ctx is None
        )
        if not leaf or not g.succs[n]:
            continue
        ks = {group_of[m] for m in g.succ_nodes(n)}
        if len(ks) == 1:
            (k,) = ks
            if k >= 0 and groups[k].kind != "sum":  # a sum's terms stay drawn
                group_of[n] = k
                groups[k].members.append(n)


def _backbone(g: GraphModel, n: int) -> bool:
    """Ops and tensors made by ops: the nodes a chain runs through (leaves hang off it)."""
    node = g.nodes[n]
    made = node.kind == TENSOR and node.tensor is not None and node.tensor._ctx is not None
    return node.kind == OP or made


def fold_chains(g: GraphModel, group_of: list[int], groups: list[Group]) -> int:
    """Fold the middle of every long chain; returns how many chains were folded."""
    n_nodes = len(g.nodes)
    interior = [False] * n_nodes
    bpred = [-1] * n_nodes
    for n in range(n_nodes):
        if group_of[n] >= 0 or n == g.root or not _backbone(g, n) or len(g.succs[n]) != 1:
            continue
        succ = g.edges[g.succs[n][0]].dst
        if group_of[succ] >= 0:
            continue
        ps = [p for p in g.pred_nodes(n) if _backbone(g, p)]
        if len(ps) != 1 or group_of[ps[0]] >= 0:
            continue
        interior[n] = True
        bpred[n] = ps[0]
    folded = 0
    for n in range(n_nodes):  # node order is topological: runs are met at their start
        if not interior[n] or interior[bpred[n]]:
            continue
        run = []
        cur = n
        while interior[cur]:
            run.append(cur)
            cur = g.edges[g.succs[cur][0]].dst
        middle = run[KEEP_CHAIN_ENDS : len(run) - KEEP_CHAIN_ENDS]
        if len(middle) < 3:
            continue
        gid = _new_group(groups, "chain", "chain", _common_scope(g, middle))
        for m in middle:
            group_of[m] = gid
        groups[gid].members.extend(middle)
        folded += 1
    return folded


def _common_scope(g: GraphModel, members: Iterable[int]) -> tuple[str, ...]:
    common: tuple[str, ...] | None = None
    for m in members:
        s = g.nodes[m].scope
        if common is None:
            common = s
            continue
        k = 0
        while k < min(len(common), len(s)) and common[k] == s[k]:
            k += 1
        common = common[:k]
        if not common:
            break
    return common or ()


def fold_by_budget(g: GraphModel, group_of: list[int], groups: list[Group], max_nodes: int) -> None:
    """Keep the units nearest the output (breadth-first, fan-in capped); fold the rest."""
    n_nodes = len(g.nodes)

    def unit(n: int) -> int:
        k = group_of[n]
        return n if k < 0 else n_nodes + k

    # Inputs of each unit, deduplicated, in creation order.
    upreds: dict[int, dict[int, None]] = {}
    for e in g.edges:
        us, ud = unit(e.src), unit(e.dst)
        if us != ud:
            upreds.setdefault(ud, {})[us] = None
    reserve = max(3, max_nodes // 5)  # room for the summary nodes
    budget = max(1, max_nodes - reserve)
    root = unit(g.root)
    visited = {root: None}
    queue = [root]
    head = 0
    while head < len(queue) and len(visited) < budget:
        u = queue[head]
        head += 1
        ps = list(upreds.get(u, ()))
        if len(ps) > FAN_FIRST + FAN_LAST + 3:
            ps = ps[:FAN_FIRST] + ps[-FAN_LAST:]
        for p in ps:
            if p not in visited and len(visited) < budget:
                visited[p] = None
                queue.append(p)
    # Fold every unit not kept into a summary node attached where it was cut off.
    fold_of: dict[int, int] = {}
    seeds_seen = 0
    overflow: int | None = None
    queue2: list[int] = []
    for u in visited:
        new_group: int | None = None
        for p in upreds.get(u, ()):
            if p in visited or p in fold_of:
                continue
            if new_group is None:
                if seeds_seen < reserve - 1:
                    new_group = _new_group(groups, "more", "more", ())
                else:
                    if overflow is None:
                        overflow = _new_group(groups, "more", "more", ())
                    new_group = overflow
                seeds_seen += 1
            fold_of[p] = new_group
            queue2.append(p)
    head = 0
    while head < len(queue2):
        p = queue2[head]
        head += 1
        for q in upreds.get(p, ()):
            if q not in visited and q not in fold_of:
                fold_of[q] = fold_of[p]
                queue2.append(q)
    for n in range(n_nodes):
        gid = fold_of.get(unit(n))
        if gid is not None:
            group_of[n] = gid  # a folded module or chain goes into the fold with its nodes
    for grp in groups:
        grp.members = []
    for n in range(n_nodes):
        if group_of[n] >= 0:
            groups[group_of[n]].members.append(n)
    for gid in set(fold_of.values()):
        groups[gid].scope = _common_scope(g, groups[gid].members)


def summarise(
    g: GraphModel,
    max_nodes: int | None,
    collapse: bool | Iterable[str] | None = None,
    group_modules: bool = True,
    sums: Iterable[tuple[list[int], SumChain]] = (),
) -> View:
    """The view to draw: `g` itself if it fits in `max_nodes`, else a summary (module doc).

    collapse: True collapses every top-level module, a list of names collapses those modules,
    False never collapses (not even to fit), None (default) collapses only to fit.
    sums: n-ary sums drawn as one op each, as (their nodes in `g`, the sum): grouped first,
    they are then units like any node (a module collapse or the budget may fold them in turn).
    """
    with paused_gc():
        return _summarise(g, max_nodes, collapse, group_modules, sums)


def _summarise(
    g: GraphModel, max_nodes: int | None, collapse: bool | Iterable[str] | None, group_modules: bool,
    sums: Iterable[tuple[list[int], SumChain]] = (),
) -> View:
    n_nodes = len(g.nodes)
    group_of = [-1] * n_nodes
    groups: list[Group] = []
    notes: list[str] = []
    for members, chain in sums:
        gid = _new_group(groups, "sum", "sum", _common_scope(g, members))
        groups[gid].sum = chain
        groups[gid].members.extend(members)
        for m in members:
            group_of[m] = gid
    if collapse is True:
        collapse_modules(g, group_of, groups, None)
    elif collapse not in (None, False):
        names = [collapse] if isinstance(collapse, str) else list(collapse)  # type: ignore[arg-type]
        collapse_modules(g, group_of, groups, names)
    if groups:
        _absorb_satellites(g, group_of, groups, params=False)
    limit = max_nodes if max_nodes is not None else n_nodes
    if _count(group_of, groups) > limit and group_modules and collapse is not False:
        before = len(groups)
        collapse_modules(g, group_of, groups, None)
        _absorb_satellites(g, group_of, groups, params=False)
        if len(groups) > before:
            notes.append("modules collapsed")
    if _count(group_of, groups) > limit and fold_chains(g, group_of, groups):
        _absorb_satellites(g, group_of, groups, params=True)
        notes.append("long chains folded")
    if _count(group_of, groups) > limit:
        fold_by_budget(g, group_of, groups, limit)
        notes.append(
            f"the rest folded (nodes nearest the output kept, at most {FAN_FIRST + FAN_LAST} "
            "inputs of a wide op)"
        )
    return View(g, group_of, groups, _view_edges(g, group_of, groups), notes)


def _view_edges(g: GraphModel, group_of: list[int], groups: list[Group]) -> list[ViewEdge]:
    """The edges between units: each model edge between nodes drawn as themselves, and one
    (counting them) per pair of units for the others; but every edge into or out of a sum is
    drawn as itself, as an op's are (a term added twice has two edges)."""
    n_nodes = len(g.nodes)
    out: dict[tuple[int, int], ViewEdge] = {}
    plain: list[ViewEdge] = []
    for k, e in enumerate(g.edges):
        gs, gd = group_of[e.src], group_of[e.dst]
        if gs < 0 and gd < 0:
            plain.append(ViewEdge(e.src, e.dst, k))
            continue
        us = e.src if gs < 0 else n_nodes + gs
        ud = e.dst if gd < 0 else n_nodes + gd
        if us == ud:
            continue
        if (gs < 0 or groups[gs].kind == "sum") and (gd < 0 or groups[gd].kind == "sum"):
            plain.append(ViewEdge(us, ud, k))
            continue
        ve = out.get((us, ud))
        if ve is None:
            out[(us, ud)] = ViewEdge(us, ud)
        else:
            ve.count += 1
    return plain + list(out.values())
