"""einsum, and the matrix helpers around it: tensordot, outer, diagonal, diag, trace, tril, triu.

`Einsum` is one op for any subscripts numpy accepts (explicit or implicit output, repeated
indices such as "ii->i" or "iij->j", and "..."). Its backward is itself an einsum: the gradient
for operand k contracts the output gradient with the other operands onto k's indices. An index
that only operand k has (summed away in the forward pass) is broadcast back, and a repeated
index puts the gradient on the diagonal (the adjoint of taking it). Because the backward calls
`einsum` again, second derivatives come for free.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import OpInfo, register, samples
from .binary import lift
from .movement import index_add
from .operands import as_tensor
from .reduce import normalize_axis
from .shaping import movedim

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph

_LETTERS = string.ascii_letters


def _is_tensor(x: Any) -> bool:
    return isinstance(x, function._Tensor)


def parse_subscripts(subscripts: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit subscripts: one string of letters per operand and the output's, with "..."
    replaced by letters of their own (numpy's rules: broadcast from the right, and in the
    implicit form the output is the "..." axes followed by the letters used once, sorted)."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, out = s.split("->")
        explicit = True
    else:
        lhs, out, explicit = s, "", False
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(ins)} operands but {len(shapes)} were given"
        )
    used = set(s) - set(".,->")
    bad = sorted(c for c in used if c not in _LETTERS)
    if bad:
        raise ValueError(f"einsum: invalid subscript {bad[0]!r} in {subscripts!r}; use letters a-z, A-Z")
    spare = [c for c in _LETTERS if c not in used]
    ell_ndim = 0
    for term, shape in zip(ins, shapes, strict=True):
        if "..." in term:
            n = len(shape) - (len(term) - 3)
            if n < 0:
                raise ValueError(f"einsum: operand {term!r} has more indices than axes (shape {shape})")
            ell_ndim = max(ell_ndim, n)
        elif len(term) != len(shape):
            raise ValueError(
                f"einsum: operand subscripts {term!r} name {len(term)} axes, but the operand has "
                f"shape {shape}"
            )
    ell = "".join(spare[:ell_ndim])
    terms = []
    for term, shape in zip(ins, shapes, strict=True):
        if "..." in term:
            n = len(shape) - (len(term) - 3)
            term = term.replace("...", ell[ell_ndim - n :])
        terms.append(term)
    if explicit:
        out = out.replace("...", ell)
        for c in out:
            if c not in "".join(terms):
                raise ValueError(
                    f"einsum: output subscript {c!r} does not appear in an operand ({subscripts!r})"
                )
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscripts {out!r} repeat an index")
    else:
        joined = "".join(t for t in terms)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return terms, out


def _sizes(terms: list[str], shapes: Sequence[tuple[int, ...]]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes, strict=True):
        for c, n in zip(term, shape, strict=True):
            if sizes.get(c, n) != n and 1 not in (n, sizes[c]):
                raise ValueError(
                    f"einsum: index {c!r} has size {sizes[c]} in one place and {n} in another "
                    f"(shapes {', '.join(str(s) for s in shapes)})"
                )
            sizes[c] = max(sizes.get(c, n), n)
    return sizes


def _einsum_any(spec: str, *ops: Array) -> Array:
    """einsum on arrays (numpy) or, when any operand is a Tensor, as the recorded op."""
    if any(_is_tensor(o) for o in ops):
        return Einsum.apply(*[lift(o) for o in ops], subscripts=spec)
    return np.einsum(spec, *ops, optimize=_optimize(ops))


def _optimize(ops: Sequence[Any]) -> bool:
    """Let numpy plan the contraction (pairwise, with BLAS) when it pays: for three or more
    operands or big ones. Planning costs tens of microseconds, more than a small einsum."""
    return len(ops) > 2 or sum(np.size(o) for o in ops) > 4096


def _to_operand(grad_u: Array, term: str, unique: str, shape: tuple[int, ...]) -> Array:
    """A gradient over the distinct indices `unique` of an operand with subscripts `term`, as a
    gradient of the operand's shape: on the diagonal where an index repeats."""
    if unique == term:
        return grad_u
    # An advanced index per axis of the operand: axis k takes arange(size) placed at the
    # position of its letter among `unique`; together they address the (generalised) diagonal.
    index = tuple(
        np.arange(n).reshape([n if u == c else 1 for u in unique]) for c, n in zip(term, shape, strict=True)
    )
    return dual.index_add(shape, index, grad_u)


class Einsum(Op):
    """y = einsum(subscripts, *xs).  dy/dx_k = einsum(g, other operands -> x_k)."""

    @staticmethod
    def forward(ctx: Einsum, *xs: np.ndarray, subscripts: str = "") -> np.ndarray:
        terms, out = parse_subscripts(subscripts, [np.shape(x) for x in xs])
        sizes = _sizes(terms, [np.shape(x) for x in xs])
        pairs = [(c, n) for t, x in zip(terms, xs, strict=True) for c, n in zip(t, np.shape(x), strict=True)]
        if any(sizes[c] != n for c, n in pairs):
            raise ValueError(
                "einsum: broadcasting size-1 axes is done before the op; call ag.einsum"
            )
        ctx.terms, ctx.out, ctx.sizes = terms, out, sizes
        ctx.saved_tensors = tuple(xs)
        spec = ",".join(terms) + "->" + out
        return np.asarray(np.einsum(spec, *xs, optimize=_optimize(xs)))

    @staticmethod
    def backward(ctx: Einsum, g: Array) -> tuple[Array, ...]:
        xs = ctx.saved_tensors
        terms, out, sizes = ctx.terms, ctx.out, ctx.sizes
        grads: list[Array] = []
        for k, (term, x) in enumerate(zip(terms, xs, strict=True)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            unique = "".join(dict.fromkeys(term))
            others = [(t, o) for i, (t, o) in enumerate(zip(terms, xs, strict=True)) if i != k]
            have = set(out).union(*[set(t) for t, _ in others])
            present = "".join(c for c in unique if c in have)
            spec = ",".join([out] + [t for t, _ in others]) + "->" + present
            gu = _einsum_any(spec, g, *[o for _, o in others])
            if present != unique:  # indices only this operand had: the gradient is constant along them
                gu = gu.reshape(tuple(sizes[c] if c in present else 1 for c in unique))
                gu = dual.broadcast_to(gu, tuple(sizes[c] for c in unique))
            grads.append(_to_operand(gu, term, unique, tuple(x.shape)))
        return tuple(grads)

    def label(self) -> str:
        return f"einsum({self.kwargs.get('subscripts')!r})"


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation over `operands`, as numpy.einsum / torch.einsum: any subscripts numpy
    accepts, with an explicit ("ij,jk->ik") or implicit ("ij,jk") output, repeated indices
    ("ii->i", "ii") and "..." (broadcast). Operands may also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str):
        raise TypeError("einsum: the first argument must be the subscripts string")
    ops = [o if _is_tensor(o) else function._Tensor(lift(o)) for o in operands]
    terms, _ = parse_subscripts(subscripts, [o.shape for o in ops])
    sizes = _sizes(terms, [o.shape for o in ops])
    for i, (t, o) in enumerate(zip(terms, ops, strict=True)):  # size-1 axes broadcast ("..." rules)
        want = tuple(sizes[c] for c in t)
        if want != o.shape:
            ops[i] = o.broadcast_to(want)
    return Einsum.apply(*ops, subscripts=subscripts)


def tensordot(a: Any, b: Any, axes: Any = 2, *, dims: Any = None) -> Tensor:
    """Sum of products over the last `axes` axes of a and the first of b (an int), or over the
    given axis lists ((axes_a, axes_b)), as numpy.tensordot / torch.tensordot."""
    a, b = as_tensor(a), as_tensor(b)
    ax = dims if dims is not None else axes
    if isinstance(ax, (int, np.integer)):
        n = int(ax)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={n} does not fit shapes {a.shape} and {b.shape}")
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        ax_a, ax_b = ([int(x)] if isinstance(x, (int, np.integer)) else [int(i) for i in x] for x in ax)
    ax_a = [normalize_axis("tensordot", i, a.shape)[0] for i in ax_a]
    ax_b = [normalize_axis("tensordot", i, b.shape)[0] for i in ax_b]
    if len(ax_a) != len(ax_b) or any(a.shape[i] != b.shape[j] for i, j in zip(ax_a, ax_b, strict=True)):
        raise ValueError(
            f"tensordot: axes {ax_a} of shape {a.shape} and {ax_b} of shape {b.shape} do not match"
        )
    la = _LETTERS[: a.ndim]
    lb = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b, strict=True):
        lb[j] = la[i]
    out = "".join(c for i, c in enumerate(la) if i not in ax_a) + "".join(
        c for j, c in enumerate(lb) if j not in ax_b)
    return Einsum.apply(a, b, subscripts=f"{la},{''.join(lb)}->{out}")


def outer(a: Any, b: Any) -> Tensor:
    """The outer product of two vectors (flattened first, as numpy.outer): (n,) x (m,) -> (n, m)."""
    a, b = as_tensor(a), as_tensor(b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, *, dim1: int | None = None,
             dim2: int | None = None) -> Tensor:
    """The diagonal of x over axis1 and axis2 (shifted by offset), as a new last axis, as
    numpy.diagonal / torch.diagonal. Backward puts the gradient back on that diagonal."""
    x = as_tensor(x)
    a1 = normalize_axis("diagonal", dim1 if dim1 is not None else axis1, x.shape)[0]
    a2 = normalize_axis("diagonal", dim2 if dim2 is not None else axis2, x.shape)[0]
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {a1} twice (shape {x.shape})")
    n1, n2 = x.shape[a1], x.shape[a2]
    k = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    moved = movedim(x, (a1, a2), (-2, -1))
    return moved[(Ellipsis, rows, cols)]


def diag(x: Any, diagonal: int = 0) -> Tensor:
    """A 1-D x: the square matrix with x on diagonal `diagonal`; a 2-D x: that diagonal of x (as
    numpy.diag / torch.diag)."""
    x = as_tensor(x)
    if x.ndim == 2:
        return x.diagonal(diagonal)
    if x.ndim != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")
    n = x.shape[0] + abs(diagonal)
    rows = np.arange(x.shape[0]) + max(-diagonal, 0)
    cols = np.arange(x.shape[0]) + max(diagonal, 0)
    return index_add((n, n), (rows, cols), x)


def trace(x: Any) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    x = as_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"trace: expected a 2-D tensor, got shape {x.shape}")
    return diagonal(x).sum()


class Tril(Op):
    """y = x with the elements above diagonal k zeroed (last two axes).  dy/dx = 1 on and below diagonal k."""

    @staticmethod
    def forward(ctx: Tril, x: np.ndarray, diagonal: int = 0) -> np.ndarray:
        _check_matrix("tril", x)
        ctx.keep = np.tri(x.shape[-2], x.shape[-1], diagonal, dtype=bool)
        return np.where(ctx.keep, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx: Tril, g: Array) -> Array:
        return dual.where(ctx.keep, g, 0.0)


class Triu(Op):
    """y = x with the elements below diagonal k zeroed (last two axes).  dy/dx = 1 on and above diagonal k."""

    @staticmethod
    def forward(ctx: Triu, x: np.ndarray, diagonal: int = 0) -> np.ndarray:
        _check_matrix("triu", x)
        ctx.keep = ~np.tri(x.shape[-2], x.shape[-1], diagonal - 1, dtype=bool)
        return np.where(ctx.keep, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx: Triu, g: Array) -> Array:
        return dual.where(ctx.keep, g, 0.0)


def _check_matrix(op: str, x: np.ndarray) -> None:
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor with at least 2 axes (matrices), got shape {x.shape}")


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal `diagonal`) of the last two axes; the rest 0."""
    return Tril.apply(as_tensor(x), diagonal=int(diagonal))


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal `diagonal`) of the last two axes; the rest 0."""
    return Triu.apply(as_tensor(x), diagonal=int(diagonal))


class EinsumMixin:
    """Tensor methods for the matrix helpers."""

    __slots__ = ()

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1, **kw: Any) -> Tensor:
        """The diagonal over axis1 and axis2, as a new last axis (numpy/torch diagonal)."""
        return diagonal(self, offset, axis1, axis2, **kw)

    def diag(self, diagonal: int = 0) -> Tensor:
        """torch.diag: a vector to a diagonal matrix, a matrix to its diagonal."""
        return diag(self, diagonal)

    def trace(self) -> Tensor:
        """The sum of the main diagonal."""
        return trace(self)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle; the rest 0."""
        return tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle; the rest 0."""
        return triu(self, diagonal)

    def outer(self, other: Any) -> Tensor:
        """The outer product with another vector."""
        return outer(self, other)


def _register() -> None:
    einsum_cases = [
        ("ij,jk->ik", ((2, 3), (3, 4))),
        ("ij,jk", ((2, 3), (3, 4))),
        ("ii->i", ((3, 3),)),
        ("ii", ((3, 3),)),
        ("iij->j", ((2, 2, 3),)),
        ("ij->", ((2, 3),)),
        ("ij->ji", ((2, 3),)),
        ("i,i->", ((4,), (4,))),
        ("i,j->ij", ((2,), (3,))),
        ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
        ("...ij,...jk->...ik", ((2, 1, 2, 3), (3, 3, 2))),
        ("...i,i", ((2, 3), (3,))),
        ("i...->...", ((3, 2, 2),)),
        ("ij,ij,ij->i", ((2, 3), (2, 3), (2, 3))),
        ("ijk,kj->i", ((2, 3, 4), (4, 3))),
        ("ij,ki->j", ((2, 3), (4, 2))),
    ]
    register(OpInfo(
        name="einsum", call=lambda *xs, subscripts: einsum(subscripts, *xs),
        ref=lambda *xs, subscripts: np.einsum(subscripts, *xs),
        samples=tuple(s for spec, shapes in einsum_cases for s in samples((shapes, {"subscripts": spec}))),
        function=Einsum))
    register(OpInfo(
        name="tensordot", call=lambda a, b, **kw: tensordot(a, b, **kw),
        ref=lambda a, b, axes=2: np.tensordot(a, b, axes),
        samples=samples(((2, 3, 4), (3, 4, 2)), (((2, 3), (3, 2)), {"axes": 1}),
                        (((2, 3, 4), (4, 2, 3)), {"axes": ([1, 2], [2, 0])}), (((2,), (3,)), {"axes": 0})),
        summary=(tensordot.__doc__ or "").splitlines()[0]))
    register(OpInfo(name="outer", call=outer, ref=np.outer, samples=samples(((3,), (4,)), ((2, 2), (3,))),
                    summary=(outer.__doc__ or "").splitlines()[0]))
    register(OpInfo(
        name="diagonal", call=lambda x, **kw: x.diagonal(**kw),
        ref=lambda x, offset=0, axis1=0, axis2=1: np.diagonal(x, offset, axis1, axis2),
        samples=samples(((3, 3),), ((3, 4), {"offset": 1}), ((4, 3), {"offset": -2}),
                        ((2, 3, 4), {"axis1": 2, "axis2": 0})),
        summary=(diagonal.__doc__ or "").splitlines()[0]))
    register(OpInfo(name="diag", call=lambda x, **kw: x.diag(**kw),
                    ref=lambda x, diagonal=0: np.diag(x, diagonal),
                    samples=samples(((3,),), ((2,), {"diagonal": 1}), ((3, 4), {"diagonal": -1})),
                    summary=(diag.__doc__ or "").splitlines()[0]))
    register(OpInfo(name="trace", call=lambda x: x.trace(), ref=np.trace,
                    samples=samples(((3, 3),), ((2, 4),)),
                    summary=(trace.__doc__ or "").splitlines()[0]))
    for name, fn, ref in (("tril", Tril, np.tril), ("triu", Triu, np.triu)):
        register(OpInfo(
            name=name, call=(lambda n: lambda x, **kw: getattr(x, n)(**kw))(name),
            ref=(lambda r: lambda x, diagonal=0: r(x, diagonal))(ref), function=fn,
            samples=samples(((3, 3),), ((3, 4), {"diagonal": 1}), ((2, 3, 3), {"diagonal": -1}))))


_register()
