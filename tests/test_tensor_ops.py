"""Scans, sorting, movement, einsum and creation beyond the registry's checks: integer
outputs (indices) against PyTorch, tie-breaking, PyTorch's call forms and argument names, the
adjoint pairs, and errors that name the op and the shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _grad(fn: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = ag.tensor(x, requires_grad=True)
    (g,) = ag.grad(fn(t), [t], grad_outputs=ag.tensor(y))
    return np.asarray(g.data)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_indices_match_torch_with_ties(name: str) -> None:
    a = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0], [0.0, 0.0, -1.0, 4.0, 4.0, -2.0]])
    values, indices = getattr(ag.tensor(a), name)(1)
    ref = getattr(torch, name)(torch.tensor(a), dim=1)
    np.testing.assert_array_equal(values.data, ref.values.numpy())
    np.testing.assert_array_equal(indices.data, ref.indices.numpy())
    assert indices.dtype == np.int64
    x = ag.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    g = np.arange(12.0).reshape(2, 6)
    getattr(ag, name)(x, dim=1)[0].backward(g)
    getattr(torch, name)(tx, dim=1).values.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_sort_argsort_topk_indices_match_torch() -> None:
    a = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, -1.0, 7.0, 0.5]])
    v, i = ag.tensor(a).sort(dim=1, descending=True)
    ref = torch.sort(torch.tensor(a), dim=1, descending=True, stable=True)
    np.testing.assert_array_equal(v.data, ref.values.numpy())
    np.testing.assert_array_equal(i.data, ref.indices.numpy())
    np.testing.assert_array_equal(ag.argsort(ag.tensor(a), axis=0).data,
                                  torch.argsort(torch.tensor(a), dim=0, stable=True).numpy())
    v, i = ag.topk(ag.tensor(a), 2)
    tv, ti = torch.topk(torch.tensor(np.array([[3.0, 1.0, 2.0, 0.0], [0.5, -1.0, 7.0, 0.4]])), 2)
    v2, i2 = ag.topk(ag.tensor(np.array([[3.0, 1.0, 2.0, 0.0], [0.5, -1.0, 7.0, 0.4]])), 2)
    np.testing.assert_array_equal(v2.data, tv.numpy())
    np.testing.assert_array_equal(i2.data, ti.numpy())
    assert not i.requires_grad
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range for axis 1 of size 4"):
        ag.topk(ag.tensor(a), 5)


def test_sort_gradient_flows_to_the_source_elements() -> None:
    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, _ = x.sort()
    (values * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [100.0, 1.0, 10.0])


def test_flip_roll_tile_are_adjoint_to_their_partners(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4))
    y = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(_grad(lambda t: t.flip(0, 2), x, y), np.flip(y, (0, 2)))
    np.testing.assert_array_equal(_grad(lambda t: t.roll((1, -2), (0, 2)), x, y),
                                  np.roll(y, (-1, 2), (0, 2)))
    yt = rng.standard_normal((4, 3, 8))
    g = _grad(lambda t: t.repeat(2, 1, 2), x, yt)
    np.testing.assert_allclose(g, yt.reshape(2, 2, 3, 2, 4).sum(axis=(0, 3)))


def test_torch_call_forms() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = ag.tensor(a), torch.tensor(a)
    pairs = [
        (x.flip(0), t.flip(0)), (x.flip((0, 1)), t.flip((0, 1))), (x.roll(2), t.roll(2)),
        (x.repeat(2, 1, 1), t.repeat(2, 1, 1)), (x.repeat((1, 2, 1, 1)), t.repeat((1, 2, 1, 1))),
        (x.flatten(1), t.flatten(1)), (x.flatten(0, 1), t.flatten(0, 1)), (x.flatten(), t.flatten()),
        (x.unflatten(2, (2, 2)), t.unflatten(2, (2, 2))), (x.unfold(2, 2, 1), t.unfold(2, 2, 1)),
        (x.movedim(0, 2), t.movedim(0, 2)), (x.cumsum(dim=1), t.cumsum(dim=1)),
        (x.prod(dim=2, keepdim=True), t.prod(dim=2, keepdim=True)),
        (x.repeat_interleave(2, dim=1), t.repeat_interleave(2, dim=1)),
        (x.tril(1), t.tril(1)), (x.triu(-1), t.triu(-1)), (x.diagonal(0, 1, 2), t.diagonal(0, 1, 2)),
        (ag.tensordot(x, x, dims=([1, 2], [1, 2])), torch.tensordot(t, t, dims=([1, 2], [1, 2]))),
        (ag.einsum("bij,bkj->bik", x, x), torch.einsum("bij,bkj->bik", t, t)),
        (ag.einsum("b...,b...->b", [x, x]), torch.einsum("b...,b...->b", t, t)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    for n in (1, 2, 3, 4, 5):
        ours_c = x.chunk(n, dim=2)
        theirs_c = t.chunk(n, dim=2)
        assert [c.shape for c in ours_c] == [tuple(c.shape) for c in theirs_c]


def test_creation() -> None:
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, torch.linspace(0, 1, 5).double().numpy())
    assert ag.linspace(0, 1, 3).dtype == ag.get_default_dtype()
    x = ag.tensor(np.ones((2, 3), dtype=np.float32))
    f = ag.full_like(x, 2.5)
    assert f.dtype == np.float32
    assert f.shape == (2, 3)
    assert (f.data == 2.5).all()
    a, b = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0, 5.0], requires_grad=True)
    for indexing in ("ij", "xy"):
        grids = ag.meshgrid(a, b, indexing=indexing)
        for ours, theirs in zip(grids, np.meshgrid(a.data, b.data, indexing=indexing), strict=True):
            np.testing.assert_array_equal(ours.data, theirs)
    gx, gy = ag.meshgrid(a, b)
    (gx + 2 * gy).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0, 4.0])
    c = ag.tensor([1.0, 2.0], requires_grad=True)
    d = c.clone()
    assert not np.shares_memory(c.data, d.data)
    (d * 3).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [3.0, 3.0])


def test_einsum_second_derivative_with_repeated_indices() -> None:
    x = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    assert ag.gradgradcheck(lambda t: ag.einsum("ii,ij->j", t, t), [x])
    assert ag.gradcheck(lambda t: ag.einsum("iji->j", t.reshape(2, 1, 2).broadcast_to((2, 3, 2))), [x])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: ag.einsum("ij,jk->ik", x, x), ValueError,
         r"einsum: index 'j' has size 3 in one place and 2 in another"),
        (lambda x: ag.einsum("ijk->i", x), ValueError,
         r"einsum: operand subscripts 'ijk' name 3 axes, but the operand has shape \(2, 3\)"),
        (lambda x: ag.einsum("ij->k", x), ValueError, r"einsum: output subscript 'k' does not appear"),
        (lambda x: ag.einsum("ij,ij->i", x), ValueError, r"einsum: subscripts 'ij,ij->i' name 2 operands"),
        (lambda x: ag.tensordot(x, x, 1), ValueError, r"tensordot: axes \[1\] of shape \(2, 3\)"),
        (lambda x: ag.cumsum(x, 2), ValueError, r"cumsum: axis 2 is out of bounds for a tensor of shape"),
        (lambda x: x.flip(0, 0), ValueError, r"flip: repeated axis"),
        (lambda x: x.roll((1, 2), 0), ValueError, r"roll: 2 shifts for 1 axes"),
        (lambda x: x.unflatten(1, (2, 2)), ValueError,
         r"unflatten: sizes \(2, 2\) do not split axis 1 of size 3"),
        (lambda x: x.unfold(1, 4, 1), ValueError,
         r"unfold: size 4 and step 1 must be positive and size at most 3"),
        (lambda x: x.pad(((0, 0), (-2, -2))), ValueError, r"pad: pad_width .* crops more than the shape"),
        (lambda x: x.pad(1, mode="mirror"), ValueError, r"pad: mode must be constant, reflect"),
        (lambda x: x.repeat_interleave(np.array([1, 2])), ValueError,
         r"repeat_interleave: repeats of shape \(2,\) must be one int or one per element \(6\)"),
        (lambda x: x.tril().trace() + ag.tril(ag.tensor([1.0])), ValueError,
         r"tril: expected a tensor with at least 2 axes \(matrices\), got shape \(1,\)"),
        (lambda x: ag.diag(ag.zeros(2, 2, 2)), ValueError, r"diag: expected a 1-D or 2-D tensor"),
        (lambda x: ag.meshgrid(x), ValueError, r"meshgrid: expected 0-d or 1-D tensors, got shape \(2, 3\)"),
    ],
)
def test_bad_input_names_the_op(call: Any, error: type, message: str) -> None:
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(error, match=message):
        call(x)


# Ops linear in their (first) input: <A x, y> = <x, A^T y>, with A^T computed by backward.
LINEAR = ["flip", "roll", "tile", "repeat_interleave", "movedim", "flatten_range", "unflatten", "unfold",
          "chunk", "pad_modes", "diagonal", "diag", "trace", "tril", "triu", "cumsum", "gather",
          "take_along_axis", "index_select", "masked_select", "clone", "meshgrid"]


@pytest.mark.parametrize("name", LINEAR)
def test_backward_is_the_adjoint(name: str, rng: np.random.Generator) -> None:
    op = ag.OPS[name]
    for sample in op.samples:
        kw = dict(sample.kwargs)
        if kw.get("value"):
            kw["value"] = 0.0  # a constant fill is affine, not linear
        xs = op.inputs(rng, sample)
        out = np.asarray(op.ref(*xs, **kw))
        y = rng.standard_normal(out.shape)
        ts = [ag.tensor(x, requires_grad=True) for x in xs]
        grads = ag.grad(op.call(*ts, **kw), ts, grad_outputs=ag.tensor(y))
        lhs = float(np.sum(out * y))
        rhs = sum(float(np.sum(x * g.data)) for x, g in zip(xs, grads, strict=True))
        assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12), f"{name} {sample}"


def test_f_pad_one_hot_normalize_follow_torch() -> None:
    import nn.functional as F  # noqa: N812

    a = np.arange(24.0).reshape(2, 3, 4)
    t = torch.tensor(a)
    for pad, mode in [((1, 2), "reflect"), ((1, 1, 2, 0), "replicate"), ((2, 1), "circular"),
                      ((1, -1, 0, 2), "constant")]:
        np.testing.assert_array_equal(F.pad(ag.tensor(a), pad, mode=mode).data,
                                      torch.nn.functional.pad(t, pad, mode=mode).numpy())
    with pytest.raises(ValueError, match=r"pad: 3 padding values do not fit a tensor of shape \(2, 3, 4\)"):
        F.pad(ag.tensor(a), (1, 2, 3))
    np.testing.assert_allclose(F.normalize(ag.tensor(a), dim=-1).data,
                               torch.nn.functional.normalize(t, dim=-1).numpy(), rtol=1e-12)
    assert F.one_hot(np.array([1, 0]), 3).tolist() == [[0, 1, 0], [1, 0, 0]]
