"""gather/scatter family beyond the registry's checks: the adjoint pair, errors naming the op
and shapes, the integer-valued ops (nonzero, one_hot) and PyTorch's argument names."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def test_gather_and_scatter_add_are_adjoint(rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 4))
    index = np.array([[2, 0, 1, 2], [0, 0, 2, 1]])
    y = rng.standard_normal(index.shape)
    xt = ag.tensor(x, requires_grad=True)
    (gx,) = ag.grad(ag.gather(xt, 0, index), [xt], grad_outputs=ag.tensor(y))
    # gather's backward is scatter_add's forward ...
    np.testing.assert_array_equal(gx.data, ag.scatter_add(ag.zeros(3, 4), 0, index, ag.tensor(y)).data)
    # ... and scatter_add's backward (for src) is gather's forward.
    yt = ag.tensor(y, requires_grad=True)
    (gy,) = ag.grad(ag.scatter_add(ag.zeros(3, 4), 0, index, yt), [yt], grad_outputs=ag.tensor(x))
    np.testing.assert_array_equal(gy.data, np.take_along_axis(x, index, 0))
    lhs = float(np.sum(np.take_along_axis(x, index, 0) * y))
    assert lhs == pytest.approx(float(np.sum(x * gx.data)), rel=1e-12)


def test_torch_names_and_methods() -> None:
    x = ag.tensor(np.arange(12.0).reshape(3, 4))
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_array_equal(x.gather(dim=1, index=idx).data, np.take_along_axis(x.data, idx, 1))
    np.testing.assert_array_equal(x.index_select(dim=0, index=[2, 0]).data, x.data[[2, 0]])
    out = x.scatter(1, idx[:, :1], value=-1.0)
    assert (out.data == -1.0).sum() == 3
    np.testing.assert_array_equal(x.scatter(1, idx, 5.0, reduce="add").data,
                                  torch.scatter(torch.tensor(x.data), 1, torch.tensor(idx), 5.0,
                                                reduce="add").numpy())


def test_scatter_reduce_prod_with_two_zeros_matches_torch() -> None:
    x = np.array([2.0, 0.0, 3.0])
    src = np.array([0.0, 0.0, 5.0, 0.0, 4.0])
    index = np.array([0, 0, 1, 1, 2])
    xt, st = ag.tensor(x, requires_grad=True), ag.tensor(src, requires_grad=True)
    out = ag.scatter_reduce(xt, 0, index, st, "prod")
    tx = torch.tensor(x, requires_grad=True)
    ts = torch.tensor(src, requires_grad=True)
    ref = torch.scatter_reduce(tx, 0, torch.tensor(index), ts, "prod")
    np.testing.assert_allclose(out.data, ref.detach().numpy())
    g = np.array([1.5, -2.0, 0.5])
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy())
    np.testing.assert_allclose(st.grad.data, ts.grad.numpy())
    xt2 = ag.tensor(x, requires_grad=True)
    o = ag.scatter_reduce(xt2, 0, index, ag.tensor(src), "prod")
    with pytest.raises(NotImplementedError, match="two or more zeros"):
        ag.grad(o.sum(), [xt2], create_graph=True)


def test_nonzero_and_one_hot_are_integer_without_gradient() -> None:
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    x = ag.tensor(a, requires_grad=True)
    nz = x.nonzero()
    assert nz.dtype == np.int64
    assert not nz.requires_grad
    np.testing.assert_array_equal(nz.data, torch.nonzero(torch.tensor(a)).numpy())
    rows, cols = ag.nonzero(x, as_tuple=True)
    np.testing.assert_array_equal(rows.data, np.nonzero(a)[0])
    np.testing.assert_array_equal(cols.data, np.nonzero(a)[1])
    labels = np.array([[0, 2], [1, 3]])
    oh = ag.one_hot(ag.tensor(labels))
    np.testing.assert_array_equal(oh.data, torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    assert ag.one_hot(labels, num_classes=6).shape == (2, 2, 6)
    with pytest.raises(IndexError, match="one_hot: index 3 is out of range for num_classes=3"):
        ag.one_hot(labels, 3)
    with pytest.raises(TypeError, match="one_hot: index must be an integer tensor, got dtype float64"):
        ag.one_hot(np.array([0.0, 1.0]))


def test_masked_fill_with_tensor_value_and_masked_select_gradient() -> None:
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = ag.tensor(9.0, requires_grad=True)
    mask = np.array([[True, False], [False, True]])
    out = x.masked_fill(mask, v)
    np.testing.assert_array_equal(out.data, [[9.0, 2.0], [3.0, 9.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0], [1.0, 0.0]])
    assert v.grad.item() == 2.0
    sel = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = sel.masked_select(mask)
    np.testing.assert_array_equal(picked.data, [1.0, 4.0])
    (picked * ag.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(sel.grad.data, [[2.0, 0.0], [0.0, 3.0]])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: ag.gather(x, 0, np.array([[0.5]])), TypeError,
         r"gather: index must be an integer tensor, got dtype float64"),
        (lambda x: ag.gather(x, 0, np.array([0, 1])), ValueError,
         r"gather: index of shape \(2,\) must have as many axes as the tensor of shape \(2, 3\)"),
        (lambda x: ag.gather(x, 1, np.array([[0, 3]])), IndexError,
         r"gather: index values must be in \[-3, 3\) for axis 1 of size 3 \(shape \(2, 3\)\)"),
        (lambda x: ag.gather(x, 1, np.zeros((3, 1), dtype=int)), ValueError,
         r"gather: index of shape \(3, 1\) is larger than the tensor of shape \(2, 3\) along axis 0"),
        (lambda x: ag.gather(x, 2, np.zeros((1, 1), dtype=int)), ValueError,
         r"gather: axis 2 is out of bounds for a tensor of shape \(2, 3\)"),
        (lambda x: ag.scatter_add(x, 0, np.zeros((2, 3), dtype=int), ag.ones(1, 3)), ValueError,
         r"scatter_add: src of shape \(1, 3\) must have as many axes as the index of shape \(2, 3\)"),
        (lambda x: ag.scatter_reduce(x, 0, np.zeros((1, 3), dtype=int), ag.ones(1, 3), "max"),
         ValueError, r"scatter_reduce: reduce must be one of sum, prod, mean, amax, amin; got 'max'"),
        (lambda x: ag.masked_fill(x, np.array([1, 0, 1]), 0.0), TypeError,
         r"masked_fill: mask must be a bool tensor, got dtype int64"),
        (lambda x: ag.masked_fill(x, np.array([True, False]), 0.0), ValueError,
         r"masked_fill: mask of shape \(2,\) cannot be broadcast to the tensor's shape \(2, 3\)"),
        (lambda x: ag.index_select(x, 0, np.array([[0]])), ValueError,
         r"index_select: index must be 0-d or 1-D, got shape \(1, 1\)"),
        (lambda x: ag.gather(x, None, np.zeros((1, 1), dtype=int)), TypeError,
         r"gather: missing the axis"),
    ],
)
def test_bad_input_names_the_op(call: object, error: type, message: str) -> None:
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(error, match=message):
        call(x)  # type: ignore[operator]
