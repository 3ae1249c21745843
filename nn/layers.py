"""Layers: Linear, the course's Neuron and Layer, Sequential, Flatten, Dropout.

>>> import autograd as ag, nn
>>> _ = ag.manual_seed(0)
>>> layer = nn.Linear(3, 2)
>>> layer(ag.ones(5, 3)).shape
(5, 2)
>>> layer
Linear(in_features=3, out_features=2, bias=True)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.random import resolve

from . import functional, init
from .activations import Activation, apply_activation, check_activation, describe
from .module import Member, Module, Parameter

Rng = np.random.Generator | int | None


def _check_size(where: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


def _empty(*shape: int, dtype: Any = None) -> Parameter:
    """A parameter of zeros, to be filled by an initializer."""
    return Parameter(np.zeros(shape, dtype=get_default_dtype() if dtype is None else dtype))


class Linear(Module):
    """y = x @ W^T + b: a fully connected layer, as PyTorch's.

    weight: (out_features, in_features); bias: (out_features,).  x: (..., in) -> y: (..., out).
    Initialized as PyTorch: W and b uniform in [-1/sqrt(in), 1/sqrt(in)] (kaiming_uniform with
    a = sqrt(5)), drawn from `rng` (a Generator, an int seed, or None for `ag.manual_seed`'s).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, rng: Rng = None, dtype: Any = None
    ) -> None:
        super().__init__()
        where = type(self).__name__
        self.in_features = _check_size(where, "in_features", in_features)
        self.out_features = _check_size(where, "out_features", out_features)
        gen = resolve(rng)
        self.weight = init.kaiming_uniform_(
            _empty(self.out_features, self.in_features, dtype=dtype), a=math.sqrt(5), rng=gen
        )
        self.bias: Parameter | None = None
        if bias:
            bound = 1 / math.sqrt(self.in_features)
            self.bias = init.uniform_(_empty(self.out_features, dtype=dtype), -bound, bound, rng=gen)

    def _check_input(self, x: Any) -> Tensor:
        where = f"{type(self).__name__} {self._name!r}" if self._name else type(self).__name__
        x = functional.match_dtype(where, functional._as_tensor(x), self.weight)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{where}: expected an input with {self.in_features} features on the last axis, "
                f"e.g. (N, {self.in_features}), got shape {x.shape}"
            )
        return x

    def forward(self, x: Tensor) -> Tensor:
        x = self._check_input(x)
        return ag.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Layer(Linear):
    """A layer of neurons: y = activation(x @ W^T + b), a `Linear` followed by an activation.

    `activation` is a name ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax",
    "identity"), None (no activation) or any callable, e.g. nn.LeakyReLU(0.2).
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: Activation = "sigmoid",
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(n_inputs, n_outputs, bias=bias, rng=rng, dtype=dtype)
        self.activation = check_activation("Layer", activation)

    def forward(self, x: Tensor) -> Tensor:
        return apply_activation(self.activation, super().forward(x))

    def extra_repr(self) -> str:
        shown = describe(self.activation)
        return super().extra_repr() + (f", activation={shown}" if shown else "")


class Neuron(Module):
    """The course's neuron: y = activation(w . x + b), sigmoid by default.

    w: (n_inputs,); b: a scalar.  x: (n_inputs,) -> y: (); x: (N, n_inputs) -> y: (N,).
    Initialized like `Linear` with one output.
    """

    def __init__(
        self, n_inputs: int, activation: Activation = "sigmoid", rng: Rng = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.n_inputs = _check_size("Neuron", "n_inputs", n_inputs)
        gen = resolve(rng)
        bound = 1 / math.sqrt(self.n_inputs)
        self.w = init.uniform_(_empty(self.n_inputs, dtype=dtype), -bound, bound, rng=gen)
        self.b = init.uniform_(_empty(dtype=dtype), -bound, bound, rng=gen)
        self.activation = check_activation("Neuron", activation)

    def forward(self, x: Tensor) -> Tensor:
        x = functional._as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.n_inputs:
            raise ValueError(
                f"Neuron: expected an input with {self.n_inputs} features on the last axis, got "
                f"shape {x.shape}"
            )
        return apply_activation(self.activation, x @ self.w + self.b)

    def extra_repr(self) -> str:
        shown = describe(self.activation)
        return f"n_inputs={self.n_inputs}" + (f", activation={shown}" if shown else "")


class Sequential(Module):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x))).

    Children are named by position (`0.weight`), as in PyTorch, or by the keys of a mapping
    given instead (`Sequential(OrderedDict(fc=..., act=...))` names them `fc.weight`, ...).
    Indexing takes positions; a slice is a Sequential of those modules under their names.
    Deleting or popping a module renumbers the rest by position, as PyTorch does.

    >>> import nn
    >>> nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            keys = [str(k) for k in modules[0]]
            modules = tuple(modules[0].values())
            for k in keys:
                _check_key("Sequential", k)
        else:
            keys = [str(i) for i in range(len(modules))]
        for k, m in zip(keys, modules, strict=True):
            _check_callable(f"Sequential: item {k}", m)
        object.__setattr__(self, "_keys", keys)  # before `layers`: naming them reads it
        self.layers = list(modules)

    def _name_at(self, i: int) -> str:
        keys: list[str] = self.__dict__.get("_keys", [])
        return keys[i] if i < len(keys) else str(i)

    def _named_members(self) -> Iterator[tuple[str, Member]]:
        for i, m in enumerate(self.layers):
            if isinstance(m, Module):
                yield self._name_at(i), m

    def _set(self, layers: list[Any], keys: list[str]) -> None:
        object.__setattr__(self, "_keys", keys)
        self.layers = layers  # links the modules under their (new) names

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, module: Callable[[Any], Any]) -> Sequential:
        """Add a module at the end (named by its position); returns self."""
        _check_callable("Sequential.append: the item", module)
        self._set([*self.layers, module], [*self._keys_list(), str(len(self.layers))])
        return self

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a module at the end under `name` (or replace the one called `name`), as
        PyTorch's Sequential: it runs in forward."""
        _check_key("Sequential.add_module", name)
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.add_module: {name!r} must be a Module, got {type(module).__name__}")
        keys, layers = self._keys_list(), list(self.layers)
        if name in keys:
            layers[keys.index(name)] = module
        else:
            keys.append(name)
            layers.append(module)
        self._set(layers, keys)

    register_module = add_module

    def insert(self, index: int, module: Callable[[Any], Any]) -> Sequential:
        """Insert a module before `index` (all are renumbered by position); returns self."""
        _check_callable("Sequential.insert: the item", module)
        layers = list(self.layers)
        layers.insert(index, module)
        self._set(layers, [str(i) for i in range(len(layers))])
        return self

    def extend(self, modules: Iterable[Callable[[Any], Any]]) -> Sequential:
        """Add modules at the end; returns self."""
        for m in list(modules):
            self.append(m)
        return self

    def pop(self, index: int = -1) -> Any:
        """Remove and return the module at `index` (the rest are renumbered by position)."""
        m = self.layers[index]
        del self[index]
        return m

    def _keys_list(self) -> list[str]:
        return [self._name_at(i) for i in range(len(self.layers))]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # a Sequential of those layers, under their names
            keys = self._keys_list()
            return Sequential(OrderedDict(zip(keys[index], self.layers[index], strict=True)))
        return self.layers[index]

    def __setitem__(self, index: int, module: Callable[[Any], Any]) -> None:
        _check_callable(f"Sequential: item {index}", module)
        layers = list(self.layers)
        layers[index] = module
        self._set(layers, self._keys_list())

    def __delitem__(self, index: int | slice) -> None:
        layers = list(self.layers)
        del layers[index]
        self._set(layers, [str(i) for i in range(len(layers))])

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not attributes: a module added under a name (an
        # OrderedDict key, add_module) is `seq.<name>`, as in PyTorch.
        d = self.__dict__
        keys, layers = d.get("_keys", []), d.get("layers", [])
        if name in keys and keys.index(name) < len(layers):
            return layers[keys.index(name)]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)


def _check_callable(what: str, m: Any) -> None:
    if not callable(m):
        raise TypeError(f"{what} is a {type(m).__name__}, not a module")


def _check_key(where: str, key: Any) -> None:
    if not isinstance(key, str) or not key or "." in key:
        raise KeyError(f"{where}: names must be non-empty strings without '.', got {key!r}")


class Flatten(Module):
    """Merge axes start_axis..end_axis into one: (N, 8, 8) -> (N, 64) by default."""

    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        self.start_axis, self.end_axis = int(start_axis), int(end_axis)

    def forward(self, x: Tensor) -> Tensor:
        x = functional._as_tensor(x)
        nd = x.ndim
        start, end = self.start_axis, self.end_axis
        if not (-nd <= start < nd and -nd <= end < nd) or start % nd > end % nd:
            raise ValueError(
                f"Flatten: axes {start}..{end} do not fit an input of shape {x.shape}"
            )
        s, e = start % nd, end % nd
        return x.reshape((*x.shape[:s], -1, *x.shape[e + 1 :]))

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Dropout(Module):
    """During training, zero each element with probability p and scale the rest by 1/(1 - p).

    Off in eval mode (`model.eval()`). Masks are drawn from `rng`: a Generator, an int seed (a
    generator of its own, so the masks are reproducible), or None for the library's generator
    at call time (reset by `ag.manual_seed`).
    """

    def __init__(self, p: float = 0.5, rng: Rng = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.rng = None if rng is None else resolve(rng)

    def forward(self, x: Tensor) -> Tensor:
        return functional.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """During training, zero whole channels with probability p and scale the rest by 1/(1 - p).

    x: (N, C, H, W) or (C, H, W); one keep/drop draw per (sample, channel), shared by all its
    pixels (neighbouring pixels are correlated, so dropping single ones does little). Off in
    eval mode. Masks come from `rng` as in `Dropout`.
    """

    def __init__(self, p: float = 0.5, rng: Rng = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.rng = None if rng is None else resolve(rng)

    def forward(self, x: Tensor) -> Tensor:
        x = functional._as_tensor(x)
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Dropout2d: expected an input of shape (N, C, H, W) or (C, H, W), got {x.shape}"
            )
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep = resolve(self.rng).random((*x.shape[:-2], 1, 1)) >= self.p
        return x * (keep * (1.0 / (1.0 - self.p))).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"
