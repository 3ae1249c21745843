"""Tensor idioms a PyTorch user writes, compared with PyTorch (values, gradients, dtypes).

Each test pins one behaviour that once differed from PyTorch: the test names the idiom,
runs it in both libraries and compares. Gradients are also checked against central
differences where they are the point. Skipped without torch (the finite-difference checks
need no torch, and run anyway).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from tests.helpers_fd import check_grads


def _torch() -> Any:
    return pytest.importorskip("torch")


# -- std of constant values: gradient 0, not NaN -----------------------------------------------
def test_std_of_equal_values_has_zero_gradient_not_nan() -> None:
    """x.std() where all values are equal: d std/dx is 0 there in PyTorch; inf * 0 gave NaN."""
    torch = _torch()
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    g = np.array([0.7, -1.3])
    x = ag.tensor(a, requires_grad=True)
    (x.std(axis=1) * ag.tensor(g)).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    (t.std(1, correction=0) * torch.tensor(g)).sum().backward()
    assert x.grad is not None
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_std_mean_of_equal_values_has_finite_gradient() -> None:
    torch = _torch()
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    x = ag.tensor(a, requires_grad=True)
    s, m = ag.std_mean(x, axis=1, ddof=1)
    (s.sum() + 3 * m.sum()).backward()
    t = torch.tensor(a, requires_grad=True)
    ts, tm = torch.std_mean(t, 1, correction=1)
    (ts.sum() + 3 * tm.sum()).backward()
    np.testing.assert_allclose(s.data, ts.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_std_gradient_unchanged_away_from_zero() -> None:
    """The zero-variance guard leaves the ordinary gradient alone (finite differences)."""
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    check_grads(lambda: x.std(axis=1, ddof=1), [x])
    check_grads(lambda: ag.std_mean(x, axis=0)[0], [x])


# -- masks combine with & | ^ ~ --------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda x: (x > 0) & (x < 1),
    lambda x: (x < 0) | (x > 1),
    lambda x: (x > 0) ^ (x > 1),
    lambda x: ~(x > 0),
    lambda x: (x > 0) & True,
    lambda x: False | (x > 0),
    lambda x: x[(x > -1) & ~(x > 1)],
])
def test_bool_mask_operators_match_torch(expr: Any) -> None:
    torch = _torch()
    a = np.array([-1.5, -0.5, 0.0, 0.5, 1.0, 2.0])
    ours, theirs = expr(ag.tensor(a)), expr(torch.tensor(a))
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_integer_bitwise_operators_match_torch() -> None:
    torch = _torch()
    a, b = np.array([6, -3, 0, 12]), np.array([3, 5, -1, 10])
    for op in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: ~x):
        ours, theirs = op(ag.tensor(a), ag.tensor(b)), op(torch.tensor(a), torch.tensor(b))
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_bitwise_operators_refuse_float_tensors_by_name() -> None:
    x = ag.tensor([0.5, 1.5])
    with pytest.raises(TypeError, match=r"& \(bitwise_and\).*float64"):
        _ = x & (x > 1)
    with pytest.raises(TypeError, match=r"~ \(bitwise_not\).*float64"):
        _ = ~x
    with pytest.raises(ValueError, match=r"\| \(bitwise_or\).*\(2,\) and \(3,\)"):
        _ = (x > 1) | ag.tensor([True, False, True])


# -- PyTorch's dim= / keepdim= on the Tensor methods ------------------------------------------
_X = np.random.default_rng(1).standard_normal((2, 3, 4))


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp", "argmax", "argmin"])
@pytest.mark.parametrize("dim", [0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_methods_take_dim_and_keepdim(name: str, dim: Any, keepdim: bool) -> None:
    torch = _torch()
    if name.startswith("arg") and isinstance(dim, tuple):
        pytest.skip("argmax/argmin take one axis (in PyTorch too)")
    x = ag.tensor(_X, requires_grad=not name.startswith("arg"))
    t = torch.tensor(_X, requires_grad=not name.startswith("arg"))
    ours = getattr(x, name)(dim=dim, keepdim=keepdim)
    theirs = getattr(t, name)(dim=dim, keepdim=keepdim)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    if x.requires_grad:
        g = np.random.default_rng(2).standard_normal(ours.shape)
        (ours * ag.tensor(g)).sum().backward()
        (theirs * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_take_dim_keepdim_and_correction(name: str) -> None:
    torch = _torch()
    x, t = ag.tensor(_X, requires_grad=True), torch.tensor(_X, requires_grad=True)
    ours = getattr(x, name)(dim=1, keepdim=True, correction=1)
    theirs = getattr(t, name)(dim=1, keepdim=True, correction=1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
    check_grads(lambda: getattr(x, name)(dim=(0, 2), correction=0), [x])
    with pytest.raises(TypeError, match=f"{name}: give ddof= or correction="):
        getattr(x, name)(ddof=1, correction=1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_methods_take_dim(name: str) -> None:
    torch = _torch()
    x, t = ag.tensor(_X, requires_grad=True), torch.tensor(_X, requires_grad=True)
    ours, theirs = getattr(x, name)(dim=1), getattr(t, name)(dim=1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(3).standard_normal(ours.shape)
    (ours * ag.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_squeeze_stack_concatenate_take_dim() -> None:
    torch = _torch()
    a = np.random.default_rng(4).standard_normal((1, 3, 1))
    x, t = ag.tensor(a), torch.tensor(a)
    assert x.squeeze(dim=-1).shape == tuple(t.squeeze(dim=-1).shape)
    assert x.squeeze(dim=(0, 2)).shape == tuple(t.squeeze(dim=(0, 2)).shape)
    for d in (0, 1, -1):
        ours, theirs = ag.stack([x, x + 1], dim=d), torch.stack([t, t + 1], dim=d)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
        ours, theirs = ag.concatenate([x, x + 1], dim=d), torch.cat([t, t + 1], dim=d)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_dim_spellings_refused_with_a_clear_error() -> None:
    x = ag.tensor(_X)
    with pytest.raises(TypeError, match="sum: give axis= or dim=, not both"):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="mean: give keepdims= or keepdim=, not both"):
        x.mean(axis=0, keepdims=True, keepdim=False)
    # PyTorch's max(dim=) returns (values, indices): `v, i = x.max(dim=1)` must not silently
    # unpack the values tensor along its first axis.
    with pytest.raises(TypeError, match=r"max: dim= is PyTorch's spelling.*argmax"):
        x.max(dim=1)
    with pytest.raises(TypeError, match="min: dim="):
        x.min(dim=0)
    with pytest.raises(TypeError, match="stack: give axis= or dim=, not both"):
        ag.stack([x, x], axis=1, dim=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'dims'"):
        x.sum(dims=0)


# -- iteration, any/all, argmax: clear errors, not numpy's (or none) ---------------------------
def test_iterating_a_0d_tensor_is_an_error_not_empty() -> None:
    torch = _torch()
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(torch.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(ag.tensor(1.0))


def test_iterating_keeps_the_graph() -> None:
    x = ag.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert [r.shape for r in rows] == [(2,)] * 3
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])
    a, b = ag.tensor([1.0, 2.0])
    assert (a.item(), b.item()) == (1.0, 2.0)


def test_any_all_axis_and_dim_match_torch() -> None:
    torch = _torch()
    a = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    x, t = ag.tensor(a) > 0, torch.tensor(a) > 0
    for name in ("any", "all"):
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                ours = getattr(x, name)(dim=dim, keepdim=keepdim)
                theirs = getattr(t, name)(dim=dim, keepdim=keepdim)
                np.testing.assert_array_equal(ours.data, theirs.numpy())
                np.testing.assert_array_equal(getattr(x, name)(dim, keepdim).data, theirs.numpy())
        assert bool(getattr(x, name)()) == bool(getattr(t, name)())
    with pytest.raises(ValueError, match=r"any: axis 2 is out of bounds for a tensor of shape \(2, 3\)"):
        x.any(axis=2)
    with pytest.raises(TypeError, match="argmax: axis must be None or an int"):
        ag.tensor(a).argmax(axis=(0, 1))


# -- a float tensor's dtype wins over an integer or bool tensor's -----------------------------
_BINARY = {
    "add": lambda a, b: a + b, "radd": lambda a, b: b + a, "sub": lambda a, b: a - b,
    "rsub": lambda a, b: b - a, "mul": lambda a, b: a * b, "rmul": lambda a, b: b * a,
    "div": lambda a, b: a / b, "rdiv": lambda a, b: b / a, "pow": lambda a, b: a ** b,
    "mod": lambda a, b: a % b, "floordiv": lambda a, b: a // b,
}


@pytest.mark.parametrize("op", list(_BINARY))
@pytest.mark.parametrize("float_dtype", ["float32", "float16", "float64"])
@pytest.mark.parametrize("other", ["int64", "int32", "uint8", "bool", "int64 0-d"])
def test_float_tensor_with_integer_tensor_keeps_the_float_dtype(
    op: str, float_dtype: str, other: str
) -> None:
    torch = _torch()
    if other == "bool" and op in ("sub", "rsub"):
        pytest.skip("PyTorch refuses - with a bool tensor")
    rng = np.random.default_rng(5)
    a = rng.uniform(0.5, 2.0, (2, 3)).astype(float_dtype)
    if other == "bool":
        b = np.array([True, False, True])
    elif other == "int64 0-d":
        b = np.array(3)
    else:
        b = rng.integers(1, 4, (3,)).astype(other)
    fn = _BINARY[op]
    with np.errstate(divide="ignore", invalid="ignore"):  # x // False is inf, as in PyTorch
        ours, theirs = fn(ag.tensor(a), ag.tensor(b)), fn(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.dtype(float_dtype) == np.dtype(str(theirs.dtype).removeprefix("torch."))
    tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}[float_dtype]
    np.testing.assert_allclose(ours.data.astype(float), theirs.numpy().astype(float), rtol=tol, atol=tol)


def test_masked_mean_idiom_stays_float32_with_torch_gradient() -> None:
    """`(x * mask).sum() / mask.sum()`: the count is an int tensor; the loss stays float32."""
    torch = _torch()
    a = np.random.default_rng(6).standard_normal((4, 3)).astype(np.float32)
    m = a > 0
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = (x * ag.tensor(m)).sum() / ag.tensor(m).sum()
    theirs = (t * torch.tensor(m)).sum() / torch.tensor(m).sum()
    assert ours.dtype == np.float32
    ours.backward()
    theirs.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-6)
    # numpy arrays and ag.where/maximum follow the same rule
    assert (x * np.array([1, 0, 2])).dtype == np.float32
    assert (np.array([1, 0, 2]) * x).dtype == np.float32
    assert ag.where(ag.tensor(m), x, ag.tensor(np.zeros((4, 3), dtype=np.int64))).dtype == np.float32
    assert ag.maximum(x, ag.tensor(np.zeros(3, dtype=np.int64))).dtype == np.float32


def test_float_gradient_through_integer_operand_is_unchanged() -> None:
    """Finite differences: the float operand's gradient with an int tensor on the other side."""
    x = ag.tensor(np.random.default_rng(7).uniform(0.5, 2.0, (2, 3)), requires_grad=True)
    k = ag.tensor(np.array([1, 2, 3]))
    check_grads(lambda: x * k - k / x + x ** k + ag.maximum(x, k), [x])


# -- clip with tensor bounds: the bounds get gradients (as torch.clamp) -------------------------
@pytest.mark.parametrize(("lo", "hi"), [
    (np.array(-0.5), None),
    (None, np.array([0.5])),
    (np.array([-0.5, -1.0, 0.0, -0.2, 0.1, -3.0]), np.array(0.5)),
    (np.array(1.0), np.array(-1.0)),  # a_min > a_max: everything is a_max
])
def test_clip_with_tensor_bounds_matches_torch_clamp(lo: Any, hi: Any) -> None:
    torch = _torch()
    a = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0, 0.3], [1.0, -1.0, 0.25, -0.75, 0.6, -0.1]])
    g = np.random.default_rng(8).standard_normal(a.shape)
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    bounds = [None if b is None else ag.tensor(b, requires_grad=True) for b in (lo, hi)]
    tbounds = [None if b is None else torch.tensor(b, requires_grad=True) for b in (lo, hi)]
    ours, theirs = x.clip(*bounds), t.clamp(*tbounds)
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    (ours * ag.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
    for b, tb in zip(bounds, tbounds, strict=True):
        if b is not None:
            assert b.grad is not None  # it was silently 0 (a 0-d bound) or refused (others)
            np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=1e-12)


def test_clip_tensor_bounds_finite_differences() -> None:
    rng = np.random.default_rng(9)
    x = ag.tensor(rng.uniform(-2, 2, (3, 4)), requires_grad=True)
    lo = ag.tensor(rng.uniform(-1.9, -0.1, (4,)), requires_grad=True)
    hi = ag.tensor(rng.uniform(0.1, 1.9, (3, 1)), requires_grad=True)
    check_grads(lambda: x.clip(lo, hi), [x, lo, hi])
    check_grads(lambda: x.clip(lo, 1.0), [x, lo])


# -- norm with p < 1 at a zero element: gradient 0 there, not NaN -------------------------------
def test_norm_p_below_one_with_zero_elements_matches_torch() -> None:
    torch = _torch()
    a = np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 0.0]])
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = x.norm(0.5, axis=1)
    theirs = torch.linalg.vector_norm(t, 0.5, dim=1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


# -- an empty list as an index selects nothing ---------------------------------------------------
def test_empty_list_index_selects_nothing_as_torch() -> None:
    torch = _torch()
    a = np.arange(6.0).reshape(2, 3)
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a)
    for index in ([], (slice(None), [])):
        assert x[index].shape == tuple(t[index].shape)
    x[[]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    with pytest.raises(IndexError, match="getitem: index arrays must be integers or booleans"):
        x[np.array([], dtype=np.float64)]


# -- d(0^y)/dy: 0 for y >= 0, -inf for y < 0 (as PyTorch), not 0 everywhere ----------------------
def test_pow_exponent_gradient_at_base_zero_matches_torch() -> None:
    torch = _torch()
    xa, ya = np.array([0.0, 0.0, 0.0, 0.0, 2.0]), np.array([0.0, 1.0, -1.0, -0.5, -1.0])
    x, y = ag.tensor(xa, requires_grad=True), ag.tensor(ya, requires_grad=True)
    t, u = torch.tensor(xa, requires_grad=True), torch.tensor(ya, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x ** y).sum().backward()
    (t ** u).sum().backward()
    np.testing.assert_array_equal(y.grad.data, u.grad.numpy())
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    c = ag.tensor([1.0, -1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (0.0 ** c).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [0.0, -np.inf])


# -- numpy functions on tensors that require grad: refused, not a silent graph cut ----------------
@pytest.mark.parametrize("fn", [
    lambda x: np.concatenate([x, x]),
    lambda x: np.stack([x, x]),
    lambda x: np.where(x.data > 1, x, 0.0),
    lambda x: np.clip(x, 0.0, 1.5),
    lambda x: np.sort(x),
    lambda x: np.dot(x, x),
    lambda x: np.linalg.norm(x),
])
def test_numpy_functions_refuse_to_cut_the_graph(fn: Any) -> None:
    """PyTorch refuses to turn a tensor that requires grad into a numpy array; these returned
    numpy arrays silently, and `loss.backward()` then missed everything before them."""
    x = ag.tensor([0.5, 2.0, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.\w+ has no gradient in this library"):
        fn(x)
    with ag.no_grad():
        assert isinstance(fn(x), (np.ndarray, np.generic))  # the values, on request
    assert isinstance(fn(x.detach()), (np.ndarray, np.generic))


def test_numpy_functions_that_use_tensor_methods_stay_in_the_graph() -> None:
    x = ag.tensor([[0.5, 2.0], [1.0, 3.0]], requires_grad=True)
    y = np.sum(np.transpose(x) * 2, axis=0) + np.mean(x) + np.max(x)
    assert isinstance(y, ag.Tensor)
    y.sum().backward()
    assert x.grad is not None
    assert np.allclose(x, x.data)  # bool results are fine: no gradient to lose


# -- numpy's np.prod / np.cumsum / np.round on tensors stay in the graph ------------------------
def test_numpy_prod_cumsum_round_call_the_tensor_methods() -> None:
    torch = _torch()
    a = np.array([[0.5, 2.0, -1.0], [1.5, 3.0, 0.25]])
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = np.prod(x, axis=1).sum() + np.cumsum(x, axis=1).sum() + np.cumprod(x, axis=0).sum()
    theirs = t.prod(1).sum() + t.cumsum(1).sum() + t.cumprod(0).sum()
    assert isinstance(ours, ag.Tensor)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
    r = np.round(x * 10)
    assert isinstance(r, ag.Tensor)
    np.testing.assert_array_equal(r.data, np.round(a * 10))
    with pytest.raises(TypeError, match="prod: out= is not supported"):
        x.prod(out=np.zeros(2))


def test_comparing_with_a_string_names_the_op() -> None:
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="equal: cannot compare a tensor of dtype float64 with str"):
        _ = x == "a"


def test_flip_softmin_glu_take_torch_keywords() -> None:
    torch = _torch()
    a = np.random.default_rng(10).standard_normal((2, 3, 4))
    x, t = ag.tensor(a), torch.tensor(a)
    np.testing.assert_array_equal(x.flip(dims=(0, 2)).data, t.flip(dims=(0, 2)).numpy())
    f = torch.nn.functional
    np.testing.assert_allclose(x.softmin(dim=1).data, f.softmin(t, dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.glu(dim=2).data, f.glu(t, dim=2).numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="flip: give the axes once"):
        x.flip(0, dims=(1,))


# -- ag.compile follows the new operands: masks and int tensors are recomputed, not baked in -----
def test_compiled_step_recomputes_masks_and_promoted_operands() -> None:
    def step(x: ag.Tensor) -> ag.Tensor:
        mask = (x > 0) & ~(x > 1)
        return (x * mask).sum() + (x * (x < 0)).sum() + (x / ag.tensor([1, 2, 3])).sum()

    compiled = ag.compile(step)
    for v in ([0.5, 2.0, -1.0], [2.0, 0.5, 0.25], [-1.0, -1.0, 1.0]):
        x = ag.tensor(v)
        assert compiled(x).item() == step(x).item()
