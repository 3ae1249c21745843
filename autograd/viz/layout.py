"""A very small layered layout drawn as inline SVG, for when no Graphviz renderer exists.

Columns by longest path from the inputs (left to right; leaves just left of their first user),
rows in creation order. Node and edge
ids are the same as in the DOT picture, so the HTML trace can colour either one. It is plain,
not pretty: install a renderer for the real picture.
"""

from __future__ import annotations

from html import escape

from .graph import CONST, OP, TENSOR
from .labels import fmt_const, fmt_shape
from .summary import View

COL_W, ROW_H, BOX_W, BOX_H = 170, 64, 140, 44


def _label(view: View, u: int) -> list[str]:
    grp = view.group(u)
    if grp is not None:
        return [grp.title if grp.kind == "module" else "...", f"{len(grp.members):,} nodes"]
    node = view.model.nodes[u]
    if node.kind == TENSOR and node.tensor is not None:
        t = node.tensor
        return [t.name or node.id, f"{fmt_shape(t.shape)} {t.dtype}"]
    if node.kind == OP and node.ctx is not None:
        return [node.ctx.label()]
    return [fmt_const(node.value)]


def svg_layout(view: View) -> str:
    """The view as an `<svg>` element (a string), nodes `<g id=...>`, edges `<g id=e_...>`."""
    g = view.model
    units = view.units()
    n_nodes = len(g.nodes)
    preds: dict[int, list[int]] = {}
    for ve in view.edges:
        preds.setdefault(ve.dst, []).append(ve.src)
    succs: dict[int, list[int]] = {}
    for ve in view.edges:
        succs.setdefault(ve.src, []).append(ve.dst)
    col: dict[int, int] = {}
    for u in units:  # creation order; groups may come early, so this is only approximate
        col[u] = max((col[p] + 1 for p in preds.get(u, ()) if p in col), default=0)
    for u in units:
        if u not in preds and u in succs:
            # Inputs, parameters and constants sit just left of their first user, not all in
            # column 0 with long edges across the picture.
            col[u] = max(0, min(col[s] for s in succs[u]) - 1)
    rows: dict[int, int] = {}
    pos: dict[int, tuple[int, int]] = {}
    for u in units:
        c = col[u]
        r = rows.get(c, 0)
        rows[c] = r + 1
        pos[u] = (20 + c * COL_W, 20 + r * ROW_H)
    width = 40 + (max(col.values(), default=0) + 1) * COL_W
    height = 40 + max(rows.values(), default=1) * ROW_H
    ids = {u: (view.group(u).id if u >= n_nodes else g.nodes[u].id) for u in units}  # type: ignore[union-attr]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for ve in view.edges:
        (x1, y1), (x2, y2) = pos[ve.src], pos[ve.dst]
        if ve.edge >= 0:
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}_{g.edges[ve.edge].index}"
        else:
            eid = f"e_{ids[ve.src]}_{ids[ve.dst]}"
        parts.append(
            f'<g id="{escape(eid)}" class="edge"><path d="M{x1 + BOX_W},{y1 + BOX_H // 2} '
            f'L{x2},{y2 + BOX_H // 2}" stroke="#555" fill="none" marker-end="url(#arrow)"/></g>'
        )
    for u in units:
        x, y = pos[u]
        node_kind = "group" if u >= n_nodes else g.nodes[u].kind
        shape = (
            f'<ellipse cx="{x + BOX_W // 2}" cy="{y + BOX_H // 2}" rx="{BOX_W // 2}" '
            f'ry="{BOX_H // 2}" fill="#f3f3f3" stroke="#333"/>'
            if node_kind == OP
            else f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="{"#ffffff" if node_kind != CONST else "none"}" stroke="#333"/>'
        )
        lines = _label(view, u)
        texts = "".join(
            f'<text x="{x + BOX_W // 2}" y="{y + 17 + 14 * k}" text-anchor="middle">{escape(s)}</text>'
            for k, s in enumerate(lines[:2])
        )
        parts.append(f'<g id="{escape(ids[u])}" class="node">{shape}{texts}</g>')
    parts.append("</svg>")
    return "\n".join(parts)
