"""Short text for values, shapes, ops and edges, shared by pictures, text trees and reports.

Nothing here knows any particular op: op labels come from `Function.label()`, local derivative
formulas from `Function.formulas`, and broadcasting is detected from shapes (or by running the
op's backward once), so a new op needs no code here.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor

SMALL = 6  # arrays with at most this many elements are shown in full


def fmt_number(x: Any, digits: int = 6) -> str:
    """A number in at most `digits` significant digits: 0.731059, -1.2e-08, 3."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    v = float(x)
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def fmt_shape(shape: tuple[int, ...]) -> str:
    """(2, 3) -> '(2,3)', (3,) -> '(3,)'; a scalar's () stays '()'."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(n) for n in shape) + ")"


def fmt_array(a: Any, small: int = SMALL, digits: int = 6) -> str:
    """The values when there are few (`small` or fewer), else 'min … mean … max …'; numbers
    in at most `digits` significant digits (pictures use 4)."""
    arr = np.asarray(a)

    def num(x: Any) -> str:
        return fmt_number(x, digits)

    if arr.size == 0:
        return "[]"
    if arr.ndim == 0:
        return num(arr.item())
    if arr.size <= small:
        text = np.array2string(
            arr, separator=", ", formatter={"all": num}, max_line_width=10**6, threshold=small
        )
        return " ".join(text.split())  # nested rows on one line: [[1, 2], [3, 4]]
    if arr.dtype.kind not in "biuf":
        return f"<{arr.dtype}>"
    with np.errstate(all="ignore"):
        finite = np.isfinite(arr) if arr.dtype.kind == "f" else np.ones(arr.shape, bool)
        parts = []
        if not finite.all():
            bad = arr.size - int(finite.sum())
            parts.append(f"{bad} non-finite")
            arr = arr[finite]
        if arr.size:
            parts.insert(0, f"min {num(arr.min())} mean {num(arr.mean())} max {num(arr.max())}")
    return ", ".join(parts)


def fmt_const(v: Any) -> str:
    """A constant operand (a Python number, or something else an op accepted)."""
    if isinstance(v, (int, float, np.number, bool)):
        short = fmt_number(v)
        # A constant is part of the op's definition: never show a rounded one (1.0000001 is not 1).
        if isinstance(v, (float, np.floating)) and float(short) != float(v):
            return repr(float(v))
        return short
    if isinstance(v, np.ndarray):
        return fmt_array(v)
    text = repr(v)
    return text if len(text) <= 30 else text[:27] + "..."


def tensor_grad(t: Tensor) -> Any:
    """The gradient stored on `t` (`.grad` of a leaf or a retained one), as an array, or None."""
    g = t.grad
    if g is None:
        return None
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def formula(ctx: Function, i: int) -> str:
    """The op's local derivative with respect to input i, as declared next to its backward."""
    f = type(ctx).formulas
    return f[i] if i < len(f) else "?"


def uses_upstream(ctx: Function, i: int) -> bool:
    """True when the op's rule for input i is written with the upstream gradient G (matmul's
    G @ B^T, a bias's sum of G over the batch): a vector-Jacobian product, not an elementwise
    derivative that could be shown on its own."""
    return "G" in _TOKEN.findall(formula(ctx, i))


def formula_vars(ctx: Function) -> list[str]:
    """The names the op's formulas use for its inputs: its forward's parameter names
    (`x, y` for add, `a, b` for matmul, `p, y` for binary cross-entropy), or x0, x1, ... for an
    op with a variable number of inputs."""
    n = len(ctx.inputs)
    names = _forward_params(type(ctx))
    if len(names) >= n:
        return list(names[:n])
    return ["x"] if n == 1 else [f"x{i}" for i in range(n)]


_PARAMS: dict[type, tuple[str, ...]] = {}


def _forward_params(cls: type) -> tuple[str, ...]:
    """The positional parameter names of cls.forward after ctx (cached per op class)."""
    if cls not in _PARAMS:
        try:
            params = list(inspect.signature(cls.forward).parameters.values())[1:]  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            params = []
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        _PARAMS[cls] = tuple(p.name for p in params if p.kind in kinds)
    return _PARAMS[cls]


def backward_name(ctx: Function) -> str:
    """'SigmoidBackward': the name of the op's gradient function in the backward picture."""
    return f"{type(ctx).__name__}Backward"


def broadcast_note(ctx: Function, i: int, out_shape: tuple[int, ...],
                   probes: dict[int, Any] | None = None) -> str | None:
    """'sum over broadcast (2,3)->(3,)' when the gradient of input i gets summed to its shape.

    The engine sums an input's gradient whenever the op's backward returns it with another
    shape (numpy broadcasting in the forward pass). We ask the op itself: its backward is run
    once on ones (cheap, and exact). If its saved values were released by backward(), we fall
    back on shapes: an input that broadcasts to a different output shape.

    probes: {id(ctx): the backward's results} kept by a caller that asks about every input of
    an op (a stack of 2,500 inputs ran its backward 2,500 times: quadratic).
    """
    a = ctx.inputs[i]
    if not isinstance(a, Tensor) or not a.requires_grad:
        return None
    in_shape = a.shape
    if in_shape == out_shape:
        return None
    g_shape: tuple[int, ...] | None = None
    if ctx.saved_tensors is not None:
        try:
            res = probes.get(id(ctx)) if probes is not None else None
            if res is None:
                with np.errstate(all="ignore"):
                    res = type(ctx).backward(ctx, np.ones(out_shape, dtype=a.data.dtype))
                if not isinstance(res, tuple):
                    res = (res,)
                if probes is not None:
                    probes[id(ctx)] = res
            gi = res[i] if i < len(res) else None
            g_shape = tuple(np.shape(gi)) if gi is not None else None
        except Exception:  # a probe: any failure means "fall back on shapes"
            g_shape = None
    if g_shape is None:
        # Only broadcasting ops have an output with the broadcast shape of their inputs.
        key = -id(ctx)  # the shapes' answer, kept apart from the backward's
        full = probes.get(key) if probes is not None else None
        if full is None:
            shapes = [np.shape(x.data if isinstance(x, Tensor) else x) for x in ctx.inputs]
            try:
                full = tuple(np.broadcast_shapes(*shapes)) if len(shapes) >= 2 else False
            except ValueError:
                full = False  # not a broadcasting op
            if probes is not None:
                probes[key] = full
        if full is False or full != out_shape:
            return None
        g_shape = out_shape
    if g_shape == in_shape:
        return None
    return f"sum over broadcast {fmt_shape(g_shape)}->{fmt_shape(in_shape)}"


# -- formulas in the operands' own names ---------------------------------------------------
# How an op reads as an expression, when it has a usual notation ({0}, {1}: its operands). An
# op class may declare its own `expression` (same placeholders); others read as `name(args)`.
EXPRESSIONS: dict[str, str] = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "truediv": "{0} / {1}",
    "matmul": "{0} @ {1}",
    "pow": "{0} ** {1}",
    "neg": "-{0}",
    "linear": "{0} @ {1}.T + {2}",
}
# Formulas that name the op's output (sigmoid's s, tanh's t): that symbol stands for the output.
OUTPUT_SYMBOL: dict[str, str] = {"sigmoid": "s", "tanh": "t", "softmax": "s", "log_softmax": "s"}
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]']*|-?[0-9.e+-]+")


_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\(")


def _one_call(text: str) -> bool:
    """True for one function call, 'sigmoid(x*3)' (not 'f(a) + g(b)')."""
    m = _CALL.match(text)
    if m is None or not text.endswith(")"):
        return False
    depth = 0
    for k in range(m.end() - 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[k], 0)
        if depth == 0:
            return k == len(text) - 1
    return False


def _operand(text: str) -> str:
    """An operand inside a bigger expression: parenthesised unless it is one name, number or
    function call."""
    return text if _PLAIN.fullmatch(text) or _one_call(text) else f"({text})"


def _top_level(text: str, ops: tuple[str, ...]) -> bool:
    """True when one of `ops` (' + ', ' - ') occurs in `text` outside any brackets."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and any(text.startswith(op, k) for op in ops):
            return True
    return False


_SUMS = (" + ", " - ")
_PRODUCTS = (" @ ", "*", "/", " ** ")


def _operand_of(op: str, i: int, text: str) -> str:
    """Operand i of `op` in its expression, bracketed only where needed: no brackets in a sum
    (``w1*x1 + b``) but around a sum in a product (``(a + b) * c``), as algebra writes it."""
    if _PLAIN.fullmatch(text) or _one_call(text):
        return text
    if op == "add" or (op == "sub" and i == 0):
        return text
    if op in ("mul", "matmul") or (op in ("div", "truediv") and i == 0):
        return text if not _top_level(text, _SUMS) and not text.startswith("-") else f"({text})"
    return f"({text})"


def d(of: str, wrt: str) -> str:
    """'dE/dW11', 'dh/d(V1*s1 + V2*s2)': the derivative of `of` with respect to `wrt`, names
    that are expressions in parentheses."""
    def br(text: str) -> str:  # dh/d(V1*s1 + V2*s2), d(relu(x))/dx: never dlinear(x)
        return text if _PLAIN.fullmatch(text) else f"({text})"

    return f"d{br(of)}/d{br(wrt)}"


def expression(ctx: Function, args: list[str]) -> str:
    """How the op computes its output from operands called `args`: 'w1 * x1', 'x @ W.T + b',
    'sigmoid(h1)', 'sum(x, axis=1)'."""
    template = getattr(type(ctx), "expression", None) or EXPRESSIONS.get(ctx.op_name())
    n = len(args)
    if template == EXPRESSIONS["linear"] and n == 2:
        template = "{0} @ {1}.T"
    if isinstance(template, str) and all(f"{{{i}}}" in template for i in range(n)) and (
        f"{{{n}}}" not in template
    ):
        return template.format(*(_operand_of(ctx.op_name(), i, a) for i, a in enumerate(args)))
    label = ctx.label()
    if "(" in label:  # sum(axis=1) -> sum(x, axis=1)
        head, rest = label.split("(", 1)
        return f"{head}({', '.join(args)}, {rest}" if args else label
    return f"{label}({', '.join(args)})"


def named_formula(ctx: Function, i: int, args: list[str], out: str, upstream: str = "G") -> str:
    """The local derivative d out / d input i with the formula's letters replaced by the
    operands' names (`y` of mul -> `x1`), the output's symbol by the output's name (`s` of
    sigmoid -> `h1`) and `G` (the upstream gradient) by `upstream`: letters that could clash
    with the user's own names never appear."""
    text = formula(ctx, i)
    vars_ = formula_vars(ctx)
    subst: dict[str, str] = {}
    for v, a in zip(vars_, args, strict=False):
        subst[v] = _operand(a)
        if len(v) == 1:
            subst.setdefault(v.upper(), _operand(a))  # matmul's A, B for its a, b
    sym = OUTPUT_SYMBOL.get(ctx.op_name())
    if sym and sym not in vars_:
        subst[sym] = _operand(out)
    subst.setdefault("G", _operand(upstream))
    return _single_brackets(_TOKEN.sub(lambda m: subst.get(m.group(0), m.group(0)), text))


def _single_brackets(text: str) -> str:
    """'exp((x*y))' -> 'exp(x*y)': a bracket pair that is all of the pair around it (an operand
    bracketed as the formula's whole argument) is written once."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for k, ch in enumerate(text):
        if ch == "(":
            stack.append(k)
        elif ch == ")" and stack:
            match[stack.pop()] = k
    drop = {k for i, j in match.items() if match.get(i + 1) == j - 1 for k in (i + 1, j - 1)}
    return "".join(ch for k, ch in enumerate(text) if k not in drop) if drop else text


def derivative_text(ctx: Function, i: int, args: list[str], out: str, upstream: str = "G") -> str:
    """'d(w1 * x1)/dw1 = x1': the local derivative of the op's expression with respect to its
    input i, written in the operands' names (see `named_formula`)."""
    return equation(*derivative_parts(ctx, i, args, out, upstream, always=True))


def derivative_parts(ctx: Function, i: int, args: list[str], out: str, upstream: str = "G",
                     always: bool = False) -> list[str]:
    """['d(w1 * x1)/dw1', 'x1']: what a report writes after ``d out/d input = ``, the op's
    expression differentiated, then the formula. The first is left out when the output is
    called by that very expression (``d(w1*x1)/dw1 = x1``, not ``d(w1*x1)/dw1 = d(w1 * x1)/dw1
    = x1``), unless `always`."""
    expr = expression(ctx, args)
    wrt = args[i] if i < len(args) else "?"
    d = f"d({expr})" if " " in expr or expr.startswith("-") else f"d {expr}"
    formula_text = named_formula(ctx, i, args, out, upstream)
    if not always and _same_text(expr, out):
        return [formula_text]
    # The input as d() writes it: d(bce(logits, y)), never dbce(logits, y).
    return [f"{d}/d{wrt if _PLAIN.fullmatch(wrt) else f'({wrt})'}", formula_text]


def _same_text(a: str, b: str) -> bool:
    """True for two writings of one text: 'w1*x1 * y' and 'w1*x1*y', '(p - y) ** 2' and
    '(p - y)**2' (spaces only set operators apart)."""
    return "".join(a.split()) == "".join(b.split())


def equation(*parts: str) -> str:
    """'dE/dh = d(a + b)/da = 1': the parts joined by ' = ', a part that repeats the one
    before it left out (a formula that is already its value: ``= 1``, never ``= 1 = 1``)."""
    kept: list[str] = []
    for part in parts:
        if not kept or not _same_text(part, kept[-1]):
            kept.append(part)
    return " = ".join(kept)
