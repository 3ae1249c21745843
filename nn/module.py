"""`Module` and `Parameter`: how models are put together.

A `Module` finds its parameters by looking at its attributes: a `Parameter`, another `Module`,
or a list / tuple / dict holding them (nested containers too), in the order they were assigned.
Each one gets a dotted name relative to the outermost module, `layers.0.weight`, which is what
`named_parameters()` and `state_dict()` return and what graph pictures print.

>>> import nn
>>> model = nn.MLP(2, [4, 1])
>>> [name for name, _ in model.named_parameters()]
['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']
>>> model.layers[0].weight.name
'layers.0.weight'
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype

Member = Any  # a Module or a Parameter


class Parameter(Tensor):
    """A tensor that a module learns: a float leaf that requires grad.

    Built from a number, a list, an array or a tensor (always a copy). Float arrays keep their
    dtype; anything else gets the default float dtype (`ag.get_default_dtype()`, float64
    unless changed). Assigned to a module attribute, it gets its dotted `name`.

    >>> p = Parameter([1.0, 2.0])
    >>> p.requires_grad, p.dtype
    (True, dtype('float64'))
    """

    __slots__ = ()

    def __init__(
        self, data: Any, requires_grad: bool = True, dtype: Any = None, name: str | None = None
    ) -> None:
        arr = data.data if isinstance(data, Tensor) else data
        if dtype is None:
            is_float_array = isinstance(arr, (np.ndarray, np.generic)) and arr.dtype.kind == "f"
            dtype = arr.dtype if is_float_array else get_default_dtype()
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"Parameter: the dtype must be a float dtype, got {np.dtype(dtype)}")
        super().__init__(arr, requires_grad=requires_grad, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it and write `forward`.

    Attributes holding a `Parameter`, a `Module`, or a list / tuple / dict of them are found
    automatically; no registration is needed, and calling `super().__init__()` is optional.
    `module(x)` runs `forward(x)` inside `ag.scope(name)`, so the ops of each module can be drawn
    as one cluster in graph pictures.

    >>> import autograd as ag, nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         self.a = nn.Parameter(2.0)
    ...         self.b = nn.Parameter(1.0)
    ...     def forward(self, x):
    ...         return self.a * x + self.b
    >>> f = Affine()
    >>> f(ag.tensor(3.0)).item(), f.num_parameters()
    (7.0, 2)
    """

    # Class-level defaults, so a subclass that skips super().__init__() still works.
    training: bool = True
    _name: str | None = None  # the dotted name inside the outermost module; None at the top

    def __init__(self) -> None:
        self.training = True

    # -- calling -----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: a Module subclass must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with ag.scope(self._name or type(self).__name__):
            return self.forward(*args, **kwargs)

    # -- naming ------------------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        object.__setattr__(self, key, value)
        if isinstance(value, (Module, Parameter, list, tuple, dict)):
            # NOTE: renaming the whole subtree on each assignment is simple and cheap for the
            # model sizes this library is for, and keeps every name right at all times.
            self._assign_names()

    def _named_members(self) -> Iterator[tuple[str, Member]]:
        """Direct members (Parameters and Modules) with names relative to this module.

        Attributes in assignment order; containers are opened: `layers` = [a, b] gives
        `layers.0` and `layers.1`. Subclasses that hold members differently override this.
        """
        for key, value in vars(self).items():
            yield from _walk(key, value)

    def _assign_names(self, seen: set[int] | None = None) -> None:
        """Give every parameter and submodule below this module its full dotted name."""
        seen = set() if seen is None else seen
        if id(self) in seen:  # a module reachable twice (or a cycle) is named once
            return
        seen.add(id(self))
        prefix = f"{self._name}." if self._name else ""
        for name, member in self._named_members():
            if isinstance(member, Parameter):
                member.name = prefix + name
            else:
                object.__setattr__(member, "_name", prefix + name)
                member._assign_names(seen)

    # -- walking -----------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct submodules with their names (`layers.0` for an item of a list attribute)."""
        seen: set[int] = set()
        for name, member in self._named_members():
            if isinstance(member, Module) and id(member) not in seen:
                seen.add(id(member))
                yield name, member

    def children(self) -> Iterator[Module]:
        """Direct submodules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module ('' or `prefix`) and every module below it, depth first, each once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in definition order; a shared parameter appears once.

        Also refreshes each parameter's `name` (relative to the outermost module), so names
        stay right for containers that were changed after assignment (`self.layers.append`).
        """
        own = f"{self._name}." if self._name else ""
        for rel, p in _parameters_below(self, "", set(), {id(self)}):
            p.name = own + rel
            yield (f"{prefix}.{rel}" if prefix else rel), p

    def parameters(self) -> list[Parameter]:
        """Every parameter, in definition order, each once (what optimizers take)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """The number of scalars the model learns."""
        return sum(p.size for p in self.parameters())

    # -- training helpers --------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (`.grad = None`); with `set_to_none=False` the
        gradients are set to zeros instead, as PyTorch allows."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data = np.zeros_like(p.grad.data)

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and below (Dropout is active); returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode here and below (Dropout is off); returns self."""
        return self.train(False)

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """name -> a copy of the parameter's values, in definition order."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from `state` (name -> array) into the parameters, in place.

        With `strict`, missing and unexpected keys are an error; shape mismatches always are.
        Every problem is reported in one ValueError, and nothing is copied unless all is well.
        Returns the missing and unexpected keys.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of name -> array, got {type(state).__name__}"
            )
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        values = {}
        for key, p in params.items():
            if key not in state:
                continue
            v = state[key]
            arr = np.asarray(v.data if isinstance(v, Tensor) else v)
            if arr.shape != p.shape:
                problems.append(
                    f"shape mismatch for {key!r}: the model has shape {p.shape}, "
                    f"the state dict has shape {arr.shape}"
                )
            values[key] = arr
        if problems:
            raise ValueError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        with ag.no_grad():
            for key, arr in values.items():
                params[key][...] = arr  # in place, bumping the version: old graphs are stale
        return IncompatibleKeys(missing, unexpected)

    # -- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments shown in repr; layers override it."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        kids = list(self.named_children())
        if not kids:
            return head + ")"
        lines = [head]
        for name, m in kids:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _parameters_below(
    module: Module, prefix: str, seen: set[int], seen_modules: set[int]
) -> Iterator[tuple[str, Parameter]]:
    """Depth first through the members, so parameters come in definition order."""
    for name, member in module._named_members():
        if isinstance(member, Parameter):
            if id(member) not in seen:
                seen.add(id(member))
                yield prefix + name, member
        elif id(member) not in seen_modules:
            seen_modules.add(id(member))
            yield from _parameters_below(member, f"{prefix}{name}.", seen, seen_modules)


def _walk(name: str, value: Any) -> Iterator[tuple[str, Member]]:
    """The Parameters and Modules in `value` (opening lists, tuples and dicts), named."""
    if isinstance(value, (Parameter, Module)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk(f"{name}.{i}", v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(f"{name}.{k}", v)
