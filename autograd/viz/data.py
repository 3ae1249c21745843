"""Stage 3, the data emitter: a scene as plain JSON-able data, for pages and other viewers.

`scene_data(scene)` is what an interactive page (the explorer) or a new picture format reads
instead of DOT: one dict per drawn unit and per edge, with the same ids as the DOT picture (so
an SVG drawn from `emit_dot` can be matched node for node), the labels' text, values,
gradients, boxes and roll-ups. Numbers are given as short text (``fmt_array``) and, for small
arrays, as lists. Nothing here escapes for HTML: put the result in a page with
`escape.json_script`.

>>> import autograd as ag
>>> from autograd.viz.graph import build_graph
>>> from autograd.viz.view import decide
>>> w = ag.tensor(0.5, requires_grad=True)
>>> y = (w * 3.0).exp()
>>> y.backward()
>>> d = scene_data(decide(build_graph(y)))
>>> [n["name"] for n in d["nodes"] if n["kind"] == "tensor"]
['w', 'w*3', 'y']
>>> d["nodes"][0]["grad"]
'13.4451'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .graph import CONST, OP, TENSOR
from .labels import expression, fmt_array, fmt_const
from .sums import term_names
from .view import Scene, box_key

SMALL = 64  # arrays up to this many elements are also given in full, as lists


def _values(a: Any) -> Any:
    arr = np.asarray(a)
    if arr.size > SMALL or arr.dtype.kind not in "biuf":
        return None
    return arr.tolist()


def scene_data(sc: Scene) -> dict[str, Any]:
    """The scene as data (see the module doc): {"nodes", "edges", "boxes", "rolls", "root",
    "rankdir", "backward", "notes"}."""
    view, g = sc.view, sc.model
    nodes: list[dict[str, Any]] = []
    ids: dict[int, str] = {}
    for u in view.units():
        grp = view.group(u)
        box = list(box_key(sc.boxes.get(u, ())))
        if grp is not None:
            ids[u] = grp.id
            item_g: dict[str, Any] = {"id": grp.id, "kind": "group", "group": grp.kind, "name": grp.title,
                                      "size": len(grp.members), "box": box}
            if grp.sum is not None:  # an n-ary sum (`sums.py`): its terms, in order
                item_g["terms"] = term_names(sc.forward, grp.sum)
            nodes.append(item_g)
            continue
        nd = g.nodes[u]
        ids[u] = nd.id
        item: dict[str, Any] = {"id": nd.id, "kind": nd.kind, "name": nd.name, "box": box}
        if nd.kind == TENSOR and nd.tensor is not None:
            t = nd.tensor
            grad = sc.grad_of(t)
            item.update(
                named=nd.named, shape=list(t.shape), dtype=str(t.dtype),
                role="output" if u == g.root else ("parameter" if t._ctx is None and t.requires_grad
                                                   else "input" if t._ctx is None else "tensor"),
                data=fmt_array(t.data), data_values=_values(t.data),
                grad=None if grad is None else fmt_array(grad),
                grad_values=None if grad is None else _values(grad),
            )
        elif nd.kind == OP and nd.ctx is not None:
            ctx = nd.ctx
            args = [sc.forward.name(a) if isinstance(a, Tensor) else fmt_const(a) for a in ctx.inputs]
            item.update(op=ctx.op_name(), label=ctx.label(), expression=expression(ctx, args),
                        formulas=list(type(ctx).formulas))
        elif nd.kind == CONST:
            item["value"] = fmt_const(nd.value)
        nodes.append(item)
    ghost_of = {gh.edge: gh for gh in sc.ghosts}
    for gh in {gh.id: gh for gh in sc.ghosts}.values():  # copies of a shared leaf, one per user
        nodes.append({"id": gh.id, "kind": "ghost", "of": ids[gh.of], "name": g.nodes[gh.of].name,
                      "use": gh.use + 1, "uses": gh.uses,
                      "box": list(box_key(sc.boxes.get(view.edges[gh.edge].dst, ())))})
    edges: list[dict[str, Any]] = []
    eids: dict[str, int] = {}  # a term added to a sum twice: two edges, two ids
    for k, ve in enumerate(view.edges):
        if ve.edge >= 0:
            e = g.edges[ve.edge]
            src = ghost_of[k].id if k in ghost_of else ids[ve.src]
            eid = f"e_{src}_{ids[ve.dst]}_{e.index}"
            seen = eids.get(eid, 0)
            eids[eid] = seen + 1
            edge: dict[str, Any] = {"id": f"{eid}_{seen}" if seen else eid,  # as in the DOT
                                    "src": src, "dst": ids[ve.dst], "index": e.index}
            if e.tensor is not None:
                grad = sc.grad_of(e.tensor)
                edge["grad"] = None if grad is None else fmt_array(grad)
        else:
            edge = {"id": f"e_{ids[ve.src]}_{ids[ve.dst]}", "src": ids[ve.src], "dst": ids[ve.dst],
                    "count": ve.count}
        edges.append(edge)
    for a, b, index, count in sc.loops:
        if a in ids and b in ids:
            edges.append({"id": f"e_{ids[a]}_{ids[b]}_{index}_loop", "src": ids[a], "dst": ids[b],
                          "index": index, "loop": count})
    boxes = {}
    for u in view.units():
        path = sc.boxes.get(u, ())
        for k in range(1, len(path) + 1):
            key = box_key(path[:k])
            boxes["/".join(key)] = {"title": sc.box_label.get(key[-1], str(path[k - 1])),
                                    "parent": "/".join(key[:-1]) or None}
    return {
        "nodes": nodes,
        "edges": edges,
        "boxes": boxes,
        "rolls": [{"id": r.id, "count": r.count, "period": r.period,
                   "members": [sc.forward.nodes[m].id for m in r.members]}
                  for r in sc.rolls],
        "root": ids.get(view.unit(g.root)),
        "rankdir": sc.rankdir,
        "backward": sc.backward,
        "notes": list(sc.notes),
    }
