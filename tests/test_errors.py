"""Every error a user can cause names the op and the shapes or dtypes involved.

Each case is (what the user does, the exception type, a regex its message must match). The
regexes spell out the op name and the shapes, so a vaguer message fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag


def t(*shape: int) -> ag.Tensor:
    return ag.tensor(np.ones(shape))


def g(*shape: int) -> ag.Tensor:
    return ag.tensor(np.ones(shape), requires_grad=True)


BROADCAST = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": ag.maximum,
    "minimum": ag.minimum,
}


@pytest.mark.parametrize("grad", [False, True], ids=["constant", "recorded"])
@pytest.mark.parametrize("name", list(BROADCAST))
def test_broadcast_failure_names_op_and_shapes(name: str, grad: bool) -> None:
    a = g(2, 3) if grad else t(2, 3)
    expected = f"{name}: shapes (2, 3) and (4,) cannot be broadcast together"
    with pytest.raises(ValueError, match=re.escape(expected)) as err:
        BROADCAST[name](a, t(4))
    assert str(err.value) == expected
    with pytest.raises(ValueError, match=re.escape(f"{name}: shapes (4,) and (2, 3) cannot")):
        BROADCAST[name](t(4), a)


def test_broadcast_failure_with_an_array_constant_and_where() -> None:
    with pytest.raises(ValueError, match=re.escape("mul: shapes (2, 3) and (4,) cannot be broadcast")):
        g(2, 3) * np.ones(4)
    with pytest.raises(ValueError, match=re.escape("add: shapes (4,) and (2, 3) cannot")):
        np.ones(4) + g(2, 3)
    with pytest.raises(ValueError,
                       match=re.escape("where: shapes (2, 3), (2, 3) and (4,) cannot be broadcast")):
        ag.where(np.ones((2, 3), dtype=bool), g(2, 3), t(4))
    with pytest.raises(ValueError, match=re.escape("less: shapes (2, 3) and (4,) cannot")):
        _ = g(2, 3) < t(4)


def test_other_numpy_errors_in_binary_ops_name_the_op() -> None:
    with pytest.raises(ValueError, match=r"^pow: Integers to negative integer powers"):
        ag.tensor([2]) ** ag.tensor([-1])


CASES: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    # matmul
    ("matmul-inner", lambda: g(2, 3) @ t(4, 2), ValueError,
     r"^matmul: shapes \(2, 3\) and \(4, 2\) are not aligned: the first has 3 columns but the "
     r"second has 4 rows"),
    ("matmul-vector", lambda: g(3) @ t(4), ValueError, r"^matmul: shapes \(3,\) and \(4,\)"),
    ("matmul-batch", lambda: g(2, 2, 3) @ t(3, 3, 2), ValueError,
     r"^matmul: shapes \(2, 2, 3\) and \(3, 3, 2\): the batch axes \(2,\) and \(3,\) cannot"),
    ("matmul-scalar", lambda: g(3) @ 2.0, ValueError, r"^matmul: shapes \(3,\) and \(\).*use \*"),
    # axes
    ("sum-axis", lambda: g(2, 3).sum(axis=2), ValueError,
     r"^sum: axis 2 is out of bounds for a tensor of shape \(2, 3\)"),
    ("mean-axis", lambda: g(2, 3).mean(axis=-3), ValueError,
     r"^mean: axis -3 is out of bounds for a tensor of shape \(2, 3\)"),
    ("max-axis", lambda: g(2, 3).max(axis=(0, 5)), ValueError, r"^max: axis 5 is out of bounds"),
    ("min-axis", lambda: g(2, 3).min(axis=7), ValueError, r"^min: axis 7 is out of bounds"),
    ("logsumexp-axis", lambda: g(2).logsumexp(axis=1), ValueError, r"^logsumexp: axis 1 .*\(2,\)"),
    ("var-axis", lambda: g(2, 3).var(axis=4), ValueError, r"^var: axis 4 .*\(2, 3\)"),
    ("softmax-axis", lambda: g(2, 3).softmax(axis=5), ValueError,
     r"^softmax: axis 5 is out of bounds for a tensor of shape \(2, 3\)"),
    ("log_softmax-axis", lambda: g(3).log_softmax(axis=1), ValueError, r"^log_softmax: axis 1 "),
    ("argmax-axis", lambda: g(2, 3).argmax(axis=2), ValueError, r"^argmax: axis 2 .*\(2, 3\)"),
    ("sum-axis-type", lambda: g(2, 3).sum(axis=1.0), TypeError,
     r"^sum: axis must be None, an int or a tuple of ints, got 1\.0"),
    ("sum-axis-repeated", lambda: g(2, 3).sum(axis=(1, -1)), ValueError,
     r"^sum: repeated axis in \(1, -1\)"),
    ("swapaxes-axis", lambda: g(2, 3).swapaxes(0, 4), ValueError, r"^swapaxes: axis 4 .*\(2, 3\)"),
    ("expand_dims-axis", lambda: g(2, 3).expand_dims(4), ValueError,
     r"^expand_dims: axis 4 is out of bounds for a tensor of shape \(2, 3\)"),
    ("squeeze-size", lambda: g(2, 1).squeeze(0), ValueError,
     r"^squeeze: axis 0 of shape \(2, 1\) has size 2, not 1"),
    ("split-sections", lambda: g(5).split(2), ValueError,
     r"^split: axis 0 of shape \(5,\) has size 5, which cannot be split into 2 equal sections"),
    ("var-ddof", lambda: g(2, 1).var(ddof=2), ValueError,
     r"^var: ddof=2 leaves no degrees of freedom for 2 elements"),
    ("mean-empty", lambda: g(2, 0).mean(axis=1), ValueError, r"^mean: .*empty.*\(2, 0\)"),
    ("max-empty", lambda: g(0).max(), ValueError, r"^max: cannot reduce an empty tensor of shape \(0,\)"),
    # shapes
    ("reshape", lambda: g(2, 3).reshape(4, 2), ValueError,
     r"^reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"),
    ("transpose-repeat", lambda: g(2, 3).transpose(0, 0), ValueError,
     r"^transpose: axes \(0, 0\) are not a permutation of the 2 axes of a tensor of shape \(2, 3\)"),
    ("transpose-range", lambda: g(2, 3).transpose(0, 5), ValueError,
     r"^transpose: axes \(0, 5\) are not a permutation .*\(2, 3\)"),
    ("transpose-negative", lambda: g(2, 3).transpose(0, -3), ValueError,
     r"^transpose: axes \(0, -3\) are not a permutation"),
    ("transpose-count", lambda: g(2, 3).transpose(0, 1, 2), ValueError,
     r"^transpose: axes \(0, 1, 2\) are not a permutation"),
    ("broadcast_to", lambda: g(3).broadcast_to((2, 4)), ValueError,
     r"^broadcast_to: shapes \(3,\) and \(2, 4\) cannot be broadcast together"),
    ("broadcast_to-shrink", lambda: g(2, 3).broadcast_to((3,)), ValueError, r"^broadcast_to: "),
    ("pad-width", lambda: g(3).pad(((1, 1), (1, 1), (1, 1))), ValueError,
     r"^pad: pad_width .* does not fit a tensor of shape \(3,\)"),
    ("pad-negative", lambda: g(3).pad(-2), ValueError,
     r"^pad: pad_width -2 crops more than the shape \(3,\)"),
    # indexing
    ("getitem-range", lambda: g(2, 3)[5], IndexError,
     r"^getitem: index 5 is out of bounds for axis 0 with size 2 \(tensor of shape \(2, 3\)"),
    ("getitem-range-2", lambda: g(2, 3)[0, 7], IndexError,
     r"^getitem: index 7 is out of bounds for axis 1 with size 3 \(tensor of shape \(2, 3\)"),
    ("getitem-too-many", lambda: g(2)[0, 0], IndexError, r"^getitem: too many indices.*\(2,\)"),
    ("getitem-float", lambda: g(2, 3)[0.5], IndexError, r"^getitem: only integers.*\(2, 3\)"),
    ("getitem-float-array", lambda: g(3)[ag.tensor([0.5])], IndexError,
     r"^getitem: index arrays must be integers or booleans, got float64"),
    ("index_add-range", lambda: ag.index_add((3,), [5], g(1)), IndexError,
     r"^index_add: index 5 is out of bounds .*\(1,\) into shape \(3,\)"),
    # joining
    ("concatenate", lambda: ag.concatenate([g(2, 3), t(3, 2)]), ValueError,
     r"^concatenate: shapes \(2, 3\) and \(3, 2\) must match except along axis 0"),
    ("concatenate-ndim", lambda: ag.concatenate([g(2, 3), t(3)], axis=1), ValueError,
     r"^concatenate: shapes \(2, 3\) and \(3,\) must match except along axis 1"),
    ("concatenate-axis", lambda: ag.concatenate([g(2, 3), t(2, 3)], axis=3), ValueError,
     r"^concatenate: axis 3 is out of bounds for a tensor of shape \(2, 3\)"),
    ("concatenate-empty", lambda: ag.concatenate([]), ValueError, r"^concatenate: need at least one"),
    ("concatenate-0d", lambda: ag.concatenate([g(), t()]), ValueError,
     r"^concatenate: shapes \(\) and \(\): 0-d tensors have no axis to join along; use stack"),
    ("stack", lambda: ag.stack([g(2, 3), t(3, 2)]), ValueError,
     r"^stack: all inputs must have the same shape, got \(2, 3\) and \(3, 2\)"),
    ("stack-axis", lambda: ag.stack([g(2), t(2)], axis=3), ValueError, r"^stack: axis 3 .*"),
    ("stack-empty", lambda: ag.stack([]), ValueError, r"^stack: need at least one"),
    # elementwise arguments
    ("where-cond", lambda: ag.where(np.ones(3), g(3), 0.0), TypeError,
     r"^where: cond must be a bool Tensor or array, got dtype float64"),
    ("where-cond-int", lambda: ag.where(ag.tensor([1, 0, 1]), g(3), 0.0), TypeError,
     r"^where: cond must be a bool Tensor or array, got dtype int64"),
    ("clip", lambda: g(3).clip(), ValueError, r"^clip: at least one of a_min and a_max"),
    ("operand-str", lambda: g(3) + "a", TypeError,
     r"unsupported operand of type str: expected a Tensor, a number or an array"),
    ("operand-none", lambda: None * g(3), TypeError, r"unsupported operand of type NoneType"),
    # backward and grad
    ("backward-nonscalar", lambda: g(2, 3).exp().backward(), ag.AutogradError,
     r"^backward: the output has shape \(2, 3\); backward without a gradient works only for a "
     r"single-element output.*y\.sum\(\).*y\.backward\(gradient\)"),
    ("backward-gradient-shape", lambda: g(2, 3).exp().backward(np.ones(3)), ValueError,
     r"^backward: gradient of shape \(3,\) does not match the output's shape \(2, 3\)"),
    ("backward-no-grad", lambda: t(2, 3).exp().sum().backward(), ag.AutogradError,
     r"^backward: this tensor does not require grad.*requires_grad=True.*no_grad"),
    ("grad-unused", lambda: ag.grad((g(2) * 2).sum(), [g(3)]), ag.AutogradError,
     r"^grad: input 0 \(shape \(3,\)\) was not used to compute the outputs; pass allow_unused=True"),
    ("grad-input-no-grad", lambda: ag.grad((g(2) * 2).sum(), [t(2)]), ag.AutogradError,
     r"^grad: input 0 does not require grad"),
    ("grad-output-no-grad", lambda: ag.grad(t(2).sum(), [g(2)]), ag.AutogradError,
     r"^grad: an output does not require grad"),
    ("grad-outputs-shape", lambda: ag.grad(g(2) * 2, [g(2)], grad_outputs=ag.tensor([1.0])),
     ValueError, r"^grad: gradient of shape \(1,\) does not match the output's shape \(2,\)"),
    # tensors and dtypes
    ("item", lambda: g(3).item(), ValueError,
     r"^item: only one-element tensors can be converted to a Python number, this one has shape "
     r"\(3,\)"),
    ("len-0d", lambda: len(ag.tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
    ("index-float", lambda: [1, 2][ag.tensor(1.0)], TypeError,  # type: ignore[index]
     r"only a one-element integer tensor can be used as an index"),
    ("set_default_dtype-int", lambda: ag.set_default_dtype(np.int32), TypeError,
     r"^set_default_dtype: expected float16, float32 or float64, got int32"),
    ("tensor-str", lambda: ag.tensor(["a", "b"]), TypeError,
     r"^Tensor: unsupported dtype <U1; tensors hold bool, integer or float values"),
    ("tensor-object", lambda: ag.tensor([object()]), TypeError, r"^Tensor: unsupported dtype object"),
    ("tensor-none", lambda: ag.tensor(None), TypeError, r"^Tensor: unsupported dtype object"),
    ("tensor-complex", lambda: ag.tensor([1j]), TypeError, r"^Tensor: unsupported dtype complex128"),
    ("tensor-ragged", lambda: ag.tensor([[1.0], [1.0, 2.0]]), TypeError,
     r"^Tensor: cannot build a tensor from list"),
    ("requires-grad-int", lambda: ag.tensor([1, 2], requires_grad=True), TypeError,
     r"requires_grad=True needs a floating dtype, but this tensor has dtype int64"),
    ("requires-grad-off-op-output", lambda: (g(2) * 2).requires_grad_(False), ag.AutogradError,
     r"requires_grad_\(False\) on a tensor made by an op; use \.detach\(\)"),
    ("zeros-negative", lambda: ag.zeros(-1), ValueError, r"shape must be non-negative, got \(-1,\)"),
    ("iadd-shape", lambda: t(3).__iadd__(np.ones(4)), ValueError,
     r"^\+=: cannot update a tensor of shape \(3,\) and dtype float64 in place with shape \(4,\)"),
    ("iadd-dtype", lambda: ag.tensor([1, 2]).__iadd__(0.5), TypeError,
     r"^\+=: cannot update a tensor of shape \(2,\) and dtype int64 in place"),
    ("randn-rng", lambda: ag.randn(2, rng="x"), TypeError, r"expected an np\.random\.Generator"),
]


@pytest.mark.parametrize(("make", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_message(make: Callable[[], Any], exc: type[BaseException], pattern: str) -> None:
    with pytest.raises(exc) as err:
        make()
    assert re.search(pattern, str(err.value)), f"message {str(err.value)!r} does not match {pattern!r}"


def test_hook_returning_wrong_shape() -> None:
    x = g(3)
    y = x * 2
    y.register_hook(lambda grad: ag.tensor(np.ones(4)))
    with pytest.raises(ag.AutogradError, match=r"hook returned a gradient of shape \(4,\) for a "
                                                r"tensor of shape \(3,\)"):
        y.sum().backward()


def test_setitem_on_a_recorded_tensor() -> None:
    with pytest.raises(ag.AutogradError, match=r"item assignment on a tensor that requires grad.*"
                                                r"ag\.where.*no_grad"):
        g(3)[0] = 1.0


def test_errors_leave_no_half_built_state() -> None:
    x = g(2, 3)
    with pytest.raises(ValueError, match="add: shapes"):
        x + t(4)
    with pytest.raises(ValueError, match="reshape: cannot reshape"):
        x.reshape(5)
    (x * 2).sum().backward()  # the failed calls recorded nothing
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 2.0))
