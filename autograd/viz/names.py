"""Names people wrote: what the code that asked for a picture calls each tensor.

After ``h1 = (w1 * x1 + b).sigmoid()`` a picture should say ``h1``, not ``t7``. Python keeps
no link from an object to the variables bound to it, but the *calling frame* does: its locals
map names to objects. `caller_names()` walks out of this library's own frames (``autograd/``)
to the first frame of the user's code and reads its locals, then its globals; a tensor bound
to several names takes the first one met. Tensors kept in a list, tuple or dict bound to a
name get ``xs[3]`` / ``p['W11']``.

The order in which a tensor gets its displayed name (`display_name`):

1. its own ``.name`` (``name=`` at creation; `nn.Module` parameters get their dotted name);
2. the variable it is bound to in the caller's code (locals, then globals);
3. for a tensor an op made: a short expression of its operands' names (``w1*x1``,
   ``relu(…)``, ``bce(logits, y)``: `expression_name`); for a leaf: its value when that is
   short (``1``, ``[1, 0]``, ``zeros(1,8)``), else what it is (``input``, ``param``;
   `leaf_name`).

A picture never shows a tensor's id (``t7``): a learner cannot tell what it stands for.

Every viz entry point (`draw`, `to_dot`, `print_graph`, `render_text`, `explain`,
`trace_backward`, the explorer) gets these names through `build_graph`, which calls
`caller_names()` itself: the walk skips every frame inside the library, so it finds the user's
frame however deep the call is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ..tensor import Tensor
from .labels import SMALL, fmt_array

_LIBRARY = str(Path(__file__).resolve().parent.parent)  # the autograd/ package folder
MAX_ITEMS = 1000  # containers bigger than this are not searched (cost, and unreadable names)


def _in_library(frame: FrameType) -> bool:
    return frame.f_code.co_filename.startswith(_LIBRARY)


def user_frame(start: FrameType | None = None) -> FrameType | None:
    """The innermost frame outside this library (the code that called into it), or None."""
    frame: FrameType | None = start if start is not None else sys._getframe(1)
    while frame is not None and _in_library(frame):
        frame = frame.f_back
    return frame


def _bind(out: dict[int, str], name: str, value: Any) -> None:
    """Record `name` for a tensor, and `name[i]` / `name['k']` for tensors in a container."""
    if isinstance(value, Tensor):
        out.setdefault(id(value), name)
    elif isinstance(value, (list, tuple)) and len(value) <= MAX_ITEMS:
        for i, v in enumerate(value):
            if isinstance(v, Tensor):
                out.setdefault(id(v), f"{name}[{i}]")
    elif isinstance(value, dict) and len(value) <= MAX_ITEMS:
        for k, v in value.items():
            if isinstance(v, Tensor) and isinstance(k, (str, int)):
                out.setdefault(id(v), f"{name}[{k!r}]")


def names_in(scopes: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """{id(tensor): variable name} for the tensors bound in these namespaces (first wins).

    Names starting with ``_`` are skipped (``_``, ``__builtins__``, private helpers).
    """
    out: dict[int, str] = {}
    for ns in scopes:
        for name, value in list(ns.items()):
            if name.startswith("_"):
                continue
            _bind(out, name, value)
    return out


def caller_names(frame: FrameType | None = None) -> dict[int, str]:
    """{id(tensor): name} from the user's frame (see the module doc): locals, then globals.

    `frame`: start the walk there instead of at the caller of this function.

    >>> import autograd as ag
    >>> w1 = ag.tensor(0.5)
    >>> caller_names()[id(w1)]
    'w1'
    """
    f = user_frame(frame if frame is not None else sys._getframe(1))
    if f is None:
        return {}
    try:
        scopes: list[Mapping[str, Any]] = [f.f_locals]
        if f.f_globals is not f.f_locals:
            scopes.append(f.f_globals)
        return names_in(scopes)
    finally:
        del f  # a frame reference kept alive would keep every local alive too


def display_name(t: Tensor, inferred: Mapping[int, str], fallback: str) -> str:
    """The name to show for `t`: its `.name`, else its variable name, else `fallback`."""
    return t.name or inferred.get(id(t)) or fallback


# -- a tensor nobody named: a short expression of what made it --------------------------------------
# An intermediate bound to no variable (``w1 * x1`` inside ``h1 = (w1 * x1 + b).sigmoid()``)
# is called by what computes it, in its operands' names: ``w1*x1``, ``w1*x1 + b``,
# ``sigmoid(…)``. Products are written without spaces and sums with them, so the eye groups
# them as in algebra; an operand that is itself an expression is elided to ``…`` when the whole
# would be longer than EXPR_CHARS (a box title stays short: pictures must stay legible). A
# chain of sums (a loop's ``total = total + x*x``) keeps the last term, ``… + x2*x2``, and
# stays in that style all along (`sum_name`), so no partial sum falls back to an id.
EXPR_CHARS = 18
ATOM, PRODUCT, SUM = 0, 1, 2  # how tightly an expression binds (for parentheses)
_INFIX = {"add": (" + ", SUM), "sub": (" - ", SUM), "mul": ("*", PRODUCT), "div": ("/", PRODUCT),
          "truediv": ("/", PRODUCT), "matmul": (" @ ", PRODUCT)}


def _wrap(text: str, level: int, limit: int) -> str:
    return f"({text})" if level > limit else text


def compose(op: str, label: str, args: list[tuple[str, int]]) -> tuple[str, int]:
    """(text, level) of op `op` (its `op_name`, its `label()`) applied to operands given as
    (text, level): ``compose("mul", "mul", [("w1", 0), ("x1", 0)]) == ("w1*x1", PRODUCT)``."""
    if op in _INFIX and len(args) == 2:
        sym, level = _INFIX[op]
        (a, la), (b, lb) = args
        # a - (b + c), a / (b * c): the right operand of - and / binds tighter than its level.
        right = level - 1 if op in ("sub", "div", "truediv") else level
        return f"{_wrap(a, la, level)}{sym}{_wrap(b, lb, right)}", level
    if op == "neg" and len(args) == 1:
        return f"-{_wrap(args[0][0], args[0][1], ATOM)}", PRODUCT
    if op == "pow" and len(args) == 2:
        return f"{_wrap(args[0][0], args[0][1], ATOM)}**{_wrap(args[1][0], args[1][1], ATOM)}", PRODUCT
    inner = ", ".join(a for a, _ in args)
    if "(" in label:  # sum(axis=1) -> sum(x, axis=1)
        head, rest = label.split("(", 1)
        return f"{head}({inner}, {rest}", ATOM
    return f"{label}({inner})", ATOM


def expression_name(op: str, label: str, args: list[tuple[str, int, bool]],
                    limit: int = EXPR_CHARS) -> tuple[str, int]:
    """A short name for an op's output from its operands (text, level, is an expression):
    written out while it fits in `limit`, else shortened (inner expressions elided, the op
    named alone, and in the end `shortest_name`)."""
    text, level = compose(op, label, [(a, lv) for a, lv, _ in args])
    if len(text) <= limit and _says_something(text):
        return text, level
    given = args
    if any(e for _, _, e in args):
        args = [("…", ATOM, False) if e else (a, lv, e) for a, lv, e in args]
        text, level = compose(op, label, [(a, lv) for a, lv, _ in args])
        if len(text) <= limit and _says_something(text):
            return text, level
    # A module's parameters (dotted names: layers.0.weight) are what the op is; its other
    # operands are what it was applied to: linear(x), relu(linear(x)).
    # When what it was applied to is elided, the module is named instead (as its parameters
    # are: layers.1.weight -> layers.1.linear(…)), so two layers' outputs never read alike.
    params = [a for a, _, _ in args if "." in a and not a.startswith(".") and "(" not in a]
    if params and "(" in compose(op, label, [("x", ATOM)] * len(args))[0]:
        rest = [(a, lv) for a, lv, _ in args if a not in params]
        owners = {a.rsplit(".", 1)[0] for a in params}
        heads = [label.split("(")[0]]
        if any("…" in a for a, _ in rest) and len(owners) == 1:
            owner = owners.pop()
            heads = [f"{owner}.{heads[0]}", owner]  # layers.1.fc(…) when the longer one is too long
        for head in heads if rest else []:
            text, level = compose(op, head, rest)
            if len(text) <= limit and _says_something(text):
                return text, level
    # Then: the op alone with its operands elided, ``reshape(…)``, when even that fits.
    text, level = compose(op, label.split("(")[0], [("…", ATOM)] * len(args))
    if len(text) <= limit and _says_something(text):
        return text, level
    return shortest_name(op, label, given, limit)


# Op names too long for a box title, shortened as people write them (bce(logits, y)).
SHORT_OPS = {
    "binary_cross_entropy_with_logits": "bce",
    "binary_cross_entropy": "bce",
    "scaled_dot_product_attention": "attention",
}


def short_op(op: str, label: str) -> str:
    """The op's name for an expression name: its label without keyword arguments, or the
    usual abbreviation of a long one (`SHORT_OPS`)."""
    return SHORT_OPS.get(op, label.split("(")[0])


MAX_KEPT = 3  # ops with more operands (stack of 10,000) are not tried operand by operand


def shortest_name(op: str, label: str, args: list[tuple[str, int, bool]],
                  limit: int = EXPR_CHARS) -> tuple[str, int]:
    """A name for an op's output when `expression_name`'s rules all make it too long: never
    an id (``t14`` tells a learner nothing), the first of

    - the op under its short name (`SHORT_OPS`): ``bce(logits, y)``, ``bce(…, y)``;
    - one operand elided, the one that keeps the most text (on a tie the first operand is
      kept: expressions read left to right): ``x_t @ W + …``;
    - the op's name with its operands elided, ``add(…, …)``, ``stack(…)`` for many;
    - the op's name alone, even when longer than `limit`."""
    short = short_op(op, label)
    plain = [(a, lv) for a, lv, _ in args]
    if short != label.split("(")[0]:
        elided = [("…", ATOM) if e else (a, lv) for a, lv, e in args]
        for cand in (plain, elided):
            text, level = compose(op, short, cand)
            if len(text) <= limit and _says_something(text):
                return text, level
    best: tuple[str, int] | None = None
    for k, (a, _, _) in enumerate(args if 2 <= len(args) <= MAX_KEPT else []):
        if a == "…":
            continue
        cand = plain[:k] + [("…", ATOM)] + plain[k + 1:]
        text, level = compose(op, short, cand)
        if len(text) <= limit and _says_something(text) and (best is None or len(text) >= len(best[0])):
            best = text, level
    if best is not None:
        return best
    call = f"{short}({', '.join('…' for _ in args)})" if len(args) <= MAX_KEPT else f"{short}(…)"
    if len(call) <= limit:
        return call, ATOM
    return short, ATOM


@dataclass(frozen=True, slots=True)
class SumText:
    """What a sum's expression name is made of, kept per partial sum so a long chain of adds
    (``total = total + x*x`` in a loop, ``sum(xs)``) is named in one style all along.

    last: its last term; full: the whole sum while it fits in EXPR_CHARS, else None (so the
    memory stays bounded however long the chain)."""

    last: str
    full: str | None


def sum_term(text: str) -> SumText:
    """One operand of a sum (a name, an expression, a constant) as a sum of one term."""
    return SumText(text, text)


def sum_name(a: SumText, b: SumText, limit: int = EXPR_CHARS) -> tuple[SumText, str | None]:
    """The sum a + b, and its name: written in full while it fits in `limit` (``0 + x0*x0 +
    x1*x1``), else by its last term (``… + x2*x2``). Once a partial sum is shortened, every sum
    that extends it is too, so the names along a chain switch style once and never back (an
    elided partial sum is never written out as ``… + x3*x3 + x4*x4``); None when not even
    ``… + z`` fits (the caller then elides as for any expression)."""
    full = f"{a.full} + {b.full}" if a.full is not None and b.full is not None else None
    if full is not None and len(full) <= limit:
        return SumText(b.last, full), full
    text = f"… + {b.last}"
    return SumText(b.last, None), text if len(text) <= limit and _says_something(text) else None


def _says_something(text: str) -> bool:
    """False for an expression of elided operands only (``… + …``): it says nothing."""
    return text.strip("…() +-*/@,") != ""


# -- a leaf nobody named: its value, or what it is -----------------------------------------
# A leaf with no name and no variable is most often a constant the library made from a
# Python number or list (the target ``1.0`` of a loss: ``bce(y_hat, 1)``) or a loop's first
# state (``h = zeros`` before ``h`` is rebound): its value says what it is. A leaf with many
# values is called by its kind, as the picture colours it: ``input`` (no gradient) or
# ``param`` (a leaf that requires grad), numbered when there are several (``input1``).


def value_name(t: Tensor, limit: int = EXPR_CHARS) -> str | None:
    """A constant leaf's value as its name when that is short: ``1``, ``[1, 0]``,
    ``zeros(1,8)``, ``ones(3)``; None for a leaf that requires grad, or whose values do not fit
    in `limit` characters."""
    if t.requires_grad:
        return None  # a parameter: its value is what training changes, not what it is
    data = t.data
    if data.dtype.kind not in "biuf" or data.size == 0:
        return None
    flat = data.reshape(-1)
    if flat.size > 1 and bool((flat == flat[0]).all()) and flat[0] in (0, 1):
        shape = ",".join(str(n) for n in data.shape)
        text = f"{'zeros' if flat[0] == 0 else 'ones'}({shape})"
        return text if len(text) <= limit else None
    if data.size > SMALL:
        return None  # too many values to read as a name (and no need to format them)
    text = fmt_array(data, digits=4)
    return text if len(text) <= limit else None


def leaf_kind(t: Tensor) -> str:
    """``param`` for a leaf that requires grad, else ``input`` (as pictures colour them)."""
    return "param" if t.requires_grad else "input"
