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

import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.dtypes import get_default_dtype

Member = Any  # a Module or a Parameter


# Names are not stored but computed on demand from parent links: each member remembers the
# module it was assigned into (a weak reference) and its key there, and a module's dotted name is
# its parent's name + "." + key. Wrapping a model in another one is then one link (O(1)), not a
# renaming of the whole subtree, and no walk over the tree ever recurses. Computed module names
# are cached and stay valid until the next time any module links a member (the generation).
_generation = [0]


def _bump(*_: Any) -> None:
    _generation[0] += 1


# A module's own bookkeeping attributes, never members.
_INTERNAL = frozenset({"_parent_ref", "_key", "_name_cache", "_buffer_names"})
# The ones that say where a module sits in a bigger one (left out of copies and pickles).
_LINKS = frozenset({"_parent_ref", "_key", "_name_cache"})

_TENSOR_NAME: Any = vars(Tensor)["name"]  # the slot that holds a plain tensor's name


class Parameter(Tensor):
    """A tensor that a module learns: a float leaf that requires grad.

    Built from a number, a list, an array or a tensor (always a copy). Float arrays keep their
    dtype; anything else gets the default float dtype (`ag.get_default_dtype()`, float64
    unless changed). Assigned to a module attribute, its `name` is its dotted path from the
    outermost module (`layers.0.weight`); assigning a name by hand overrides that.

    >>> p = Parameter([1.0, 2.0])
    >>> p.requires_grad, p.dtype
    (True, dtype('float64'))
    """

    __slots__ = ("_key", "_owner")

    def __init__(
        self, data: Any, requires_grad: bool = True, dtype: Any = None, name: str | None = None
    ) -> None:
        self._owner: weakref.ref[Module] | None = None
        self._key = ""
        arr = data.data if isinstance(data, Tensor) else data
        if dtype is None:
            is_float_array = isinstance(arr, (np.ndarray, np.generic)) and arr.dtype.kind == "f"
            dtype = arr.dtype if is_float_array else get_default_dtype()
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"Parameter: the dtype must be a float dtype, got {np.dtype(dtype)}")
        super().__init__(arr, requires_grad=requires_grad, dtype=dtype, name=name)

    @property
    def name(self) -> str | None:
        """The dotted path from the outermost module, or the name given by hand."""
        owner = self._owner() if self._owner is not None else None
        if owner is None:
            return _TENSOR_NAME.__get__(self)
        prefix = owner._name
        return f"{prefix}.{self._key}" if prefix else self._key

    @name.setter
    def name(self, value: str | None) -> None:
        self._owner = None  # a name given by hand wins over the module path
        _TENSOR_NAME.__set__(self, value)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __getstate__(self) -> Any:
        # The link to the owning module is a weak reference, which cannot be pickled or
        # copied; the module that holds the copy links it again (Module.__setstate__). As in
        # PyTorch, a copy is a fresh parameter: the values and requires_grad, no gradient and
        # no hooks (an EMA copy of a model does not carry the model's gradients along).
        state, slots = super().__getstate__()  # type: ignore[misc]
        return state, {**slots, "_owner": None, "_key": "", "grad": None, "_hooks": None}


def _link(member: Member, parent: Module, key: str) -> bool:
    """Record that `member` lives in `parent` under `key`; True if that changed anything."""
    if isinstance(member, Parameter):
        owner = member._owner() if member._owner is not None else None
        if owner is parent and member._key == key:
            return False
        member._owner = weakref.ref(parent, _bump)  # a parent gone: names change
        member._key = key
        return True
    d = member.__dict__
    ref = d.get("_parent_ref")
    if ref is not None and ref() is parent and d.get("_key") == key:
        return False
    d["_parent_ref"] = weakref.ref(parent, _bump)
    d["_key"] = key
    return True


def _parent(member: Member) -> Module | None:
    """The module `member` was last linked into, if it is still alive."""
    ref = member._owner if isinstance(member, Parameter) else member.__dict__.get("_parent_ref")
    return ref() if ref is not None else None


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it and write `forward`.

    Attributes holding a `Parameter`, a `Module`, or a list / tuple / dict of them are found
    automatically; no registration is needed, and calling `super().__init__()` is optional.
    Tensors that are state but not learned (BatchNorm's running statistics) are registered with
    `register_buffer`: they are in `state_dict()` and loaded by `load_state_dict`, but are not
    parameters. `module(x)` runs `forward(x)` inside `ag.scope(name)`, so the ops of each module
    can be drawn as one cluster in graph pictures.

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
    _buffer_names: dict[str, bool] = {}  # noqa: RUF012 - never mutated; register_buffer copies it

    def __init__(self) -> None:
        self.training = True

    # -- calling -----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: a Module subclass must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with ag.scope(self._name or type(self).__name__):
            return self.forward(*args, **kwargs)

    # -- copying and pickling ----------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The attributes without the link to a parent (a weak reference, which cannot be
        pickled) and the cached name: a copy (copy.deepcopy, pickle) is a model of its own."""
        return {k: v for k, v in self.__dict__.items() if k not in _LINKS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        # Link the members that were copied with it (their links were left out of the copy);
        # members shared with the original (copy.copy) keep their place in it.
        changed = False
        for name, member in self._named_members():
            if _parent(member) is None:
                changed |= _link(member, self, name)
        if changed:
            _bump()

    # -- naming ------------------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        if (
            isinstance(value, Tensor) and not isinstance(value, Parameter)
            and isinstance(self.__dict__.get(key), Parameter)
        ):
            # As PyTorch: a plain tensor over a parameter would silently stop it being learned
            # (gone from parameters(), state_dict(), the optimizer's updates).
            raise TypeError(
                f"{type(self).__name__}: cannot assign a plain Tensor to parameter {key!r} "
                "(nn.Parameter or None expected); wrap it, nn.Parameter(t), or write the values "
                f"in place: with ag.no_grad(): self.{key}[...] = t"
            )
        object.__setattr__(self, key, value)
        if isinstance(value, (Module, Parameter, list, tuple, dict)):
            if type(self)._named_members is Module._named_members:
                members: Iterator[tuple[str, Member]] = _walk(key, value)
            else:  # a container that names its members its own way (Sequential, ModuleList)
                members = self._named_members()
            changed = False
            for name, member in members:
                changed |= _link(member, self, name)
            if changed:
                _bump()

    def _named_members(self) -> Iterator[tuple[str, Member]]:
        """Direct members (Parameters and Modules) with names relative to this module.

        Attributes in assignment order; containers are opened: `layers` = [a, b] gives
        `layers.0` and `layers.1`. Subclasses that hold members differently override this.
        """
        # A snapshot: reading a member's `.name` while the walk is paused (printing each
        # parameter in a loop) caches the dotted name in this module's __dict__.
        for key, value in list(vars(self).items()):
            if key not in _INTERNAL:
                yield from _walk(key, value)

    def _assign_names(self) -> None:
        """Link the direct members to this module again (after a container was changed)."""
        changed = False
        for name, member in self._named_members():
            changed |= _link(member, self, name)
        if changed:
            _bump()

    @property
    def _name(self) -> str | None:
        """The dotted name inside the outermost module (`encoder.layers.0`); None at the top.

        Walks up the parent links (iteratively, stopping at a cached name or a cycle), then
        caches the names on the way down.
        """
        gen = _generation[0]
        d = self.__dict__
        cached = d.get("_name_cache")
        if cached is not None and cached[0] == gen:
            return cached[1]
        chain: list[Module] = []
        on_chain: set[int] = set()
        m: Module | None = self
        base: str | None = None
        while m is not None and id(m) not in on_chain:
            md = m.__dict__
            cached = md.get("_name_cache")
            if cached is not None and cached[0] == gen:
                base = cached[1]
                break
            chain.append(m)
            on_chain.add(id(m))
            ref = md.get("_parent_ref")
            m = ref() if ref is not None else None
        else:
            # The top (no parent left alive) or a cycle: the last module on the chain has no name.
            top = chain.pop()
            top.__dict__["_name_cache"] = (gen, None)
        for m in reversed(chain):
            key = m.__dict__["_key"]
            base = f"{base}.{key}" if base else key
            m.__dict__["_name_cache"] = (gen, base)
        return d["_name_cache"][1]

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
            kids = []
            for n, m in module.named_children():
                if id(m) not in seen and _link(m, module, n):  # a container changed later
                    _bump()
                kids.append((f"{name}.{n}" if name else n, m))
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in definition order; a shared parameter appears once.
        With `recurse=False`, only this module's own parameters (not its submodules').

        Also links each parameter and module to where it was found, so names stay right for
        containers that were changed after assignment (`self.layers.append`).
        """
        if recurse:
            members: Iterator[tuple[str, Member]] = _members_below(self, with_modules=False)
        else:
            seen: set[int] = set()
            own = []
            for name, member in self._named_members():
                if isinstance(member, Parameter) and id(member) not in seen:
                    seen.add(id(member))
                    own.append((name, member))
            members = iter(own)
        for rel, p in members:
            yield (f"{prefix}.{rel}" if prefix else rel), p

    def parameters(self, recurse: bool = True) -> list[Parameter]:
        """Every parameter, in definition order, each once (what optimizers take); with
        `recurse=False`, only this module's own."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def apply(self, fn: Any) -> Module:
        """Call `fn(module)` on every module below this one and then on this one (children
        before their parent, as PyTorch's; each module once), e.g. to initialize weights;
        returns self."""
        seen: set[int] = {id(self)}
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:  # iterative post-order: a module is called after all of its children
            module, expanded = stack.pop()
            if expanded:
                fn(module)
                continue
            stack.append((module, True))
            kids = [m for _, m in module.named_children() if id(m) not in seen]
            seen.update(id(m) for m in kids)
            stack.extend((m, False) for m in reversed(kids))
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set `requires_grad` of every parameter here and below (False freezes them: backward
        leaves their .grad alone and optimizers skip them); returns self."""
        for p in self.parameters():
            p.requires_grad_(bool(requires_grad))
        return self

    def add_module(self, name: str, module: Module | None) -> None:
        """`self.<name> = module`, with PyTorch's checks (the name is a string without '.' and
        not an attribute that is something else; the value a Module or None)."""
        where = f"{type(self).__name__}.add_module"
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{where}: {name!r} must be a Module or None, got {type(module).__name__}")
        self._check_new_name(where, name, Module)
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """`self.<name> = param`, with PyTorch's checks (a Parameter or None, a string name
        without '.' that is not an attribute holding something else)."""
        where = f"{type(self).__name__}.register_parameter"
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"{where}: {name!r} must be an nn.Parameter or None, got {type(param).__name__}"
            )
        self._check_new_name(where, name, Parameter)
        setattr(self, name, param)

    def _check_new_name(self, where: str, name: Any, kind: type) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{where}: the name must be a non-empty string without '.', got {name!r}")
        old = self.__dict__.get(name)
        if name in self._buffer_names or (
            (name in self.__dict__ or hasattr(type(self), name)) and old is not None
            and not isinstance(old, kind)
        ):
            raise KeyError(f"{where}: attribute {name!r} already exists")

    def get_submodule(self, target: str) -> Module:
        """The module at the dotted path `target` ('' is this module), e.g. "encoder.layers.0"."""
        found = self._lookup("get_submodule", target) if target else self
        if not isinstance(found, Module):
            raise AttributeError(f"{type(self).__name__}.get_submodule: {target!r} is not a Module")
        return found

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path `target`, e.g. "encoder.layers.0.weight"."""
        found = self._lookup("get_parameter", target)
        if not isinstance(found, Parameter):
            raise AttributeError(f"{type(self).__name__}.get_parameter: {target!r} is not a Parameter")
        return found

    def _lookup(self, who: str, target: str) -> Member:
        """The member at a dotted path, one step at a time (a step may hold a '.': `layers.0`
        is an item of the list `layers`)."""
        member: Member = self
        rest = target
        while rest:
            if not isinstance(member, Module):
                raise AttributeError(f"{type(self).__name__}.{who}: {target!r}: a Parameter has no members")
            for name, m in member._named_members():
                if rest == name or rest.startswith(name + "."):
                    member, rest = m, rest[len(name) + 1 :]
                    break
            else:
                raise AttributeError(
                    f"{type(self).__name__}.{who}: {type(member).__name__} has no member "
                    f"{rest.split('.')[0]!r} (looking up {target!r})"
                )
        return member

    def num_parameters(self) -> int:
        """The number of scalars the model learns."""
        return sum(p.size for p in self.parameters())

    # -- buffers -----------------------------------------------------------------------------
    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Keep `tensor` as state that is not learned: `self.<name>`, in `state_dict()` (unless
        `persistent=False`) and loaded by `load_state_dict`, but not in `parameters()`.

        `tensor` is a Tensor, an array, or None (a buffer with no value yet, left out of the
        state dict). Assigning `self.<name> = ...` later replaces the value; it stays a buffer.
        """
        where = f"{type(self).__name__}.register_buffer"
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{where}: the name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__ and name not in self._buffer_names:
            raise KeyError(f"{where}: attribute {name!r} already exists and is not a buffer")
        if isinstance(tensor, Parameter):
            raise TypeError(f"{where}: {name!r} is a Parameter; assign it as an attribute instead")
        if tensor is not None and not isinstance(tensor, Tensor):
            arr = np.asarray(tensor)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{where}: {name!r} must be numeric, got dtype {arr.dtype}")
            tensor = Tensor(arr)
        object.__setattr__(self, "_buffer_names", {**self._buffer_names, name: bool(persistent)})
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) for every buffer here and below (None-valued buffers left out);
        with `recurse=False`, only this module's own."""
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in modules:
            for b in module._buffer_names:
                value = module.__dict__.get(b)
                if value is not None:
                    yield (f"{mod_name}.{b}" if mod_name else b), value

    def buffers(self, recurse: bool = True) -> list[Tensor]:
        """Every buffer here and below (with `recurse=False`, only this module's own)."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

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
        """Set training mode here and below (`training`: Dropout active, BatchNorm uses and
        updates batch statistics); returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode here and below (Dropout off, BatchNorm uses its running
        statistics); returns self."""
        return self.train(False)

    # -- device and dtype --------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`model.to(device)`, `model.to(dtype)`, `model.to(device, dtype)`, as PyTorch's;
        returns self. The only device is the CPU ("cpu", or a torch.device("cpu")), so moving
        there changes nothing; a floating dtype (np.float32, "float64", ...) converts every
        parameter, its gradient and every floating-point buffer, in place."""
        where = f"{type(self).__name__}.to"
        unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
        if unknown:
            raise TypeError(f"{where}: unexpected keyword arguments {sorted(unknown)}")
        dtype = kwargs.get("dtype")
        devices = [kwargs["device"]] if kwargs.get("device") is not None else []
        for a in args:
            if (isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta")) or (
                type(a).__name__ == "device"
            ):
                devices.append(a)
            elif isinstance(a, Tensor):
                dtype = a.dtype  # .to(other_tensor): its dtype
            elif dtype is None:
                dtype = a
            else:
                raise TypeError(f"{where}: expected a device and/or a dtype, got {args!r}")
        for d in devices:
            if str(d).split(":")[0] != "cpu":
                raise RuntimeError(f"{where}: seegrad runs on the CPU only, got device {str(d)!r}")
        if dtype is None:
            return self
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{where}: {dtype!r} is not a dtype numpy knows (e.g. np.float32)") from None
        if dt.kind != "f":
            raise TypeError(f"{where}: only floating-point dtypes are allowed, got {dt}")
        for p in self.parameters():
            if p.dtype != dt:
                p.data = p.data.astype(dt)
                if p.grad is not None:
                    p.grad.data = p.grad.data.astype(dt)
        for m in self.modules():
            for b in m._buffer_names:
                value = m.__dict__.get(b)
                if isinstance(value, Tensor) and value.dtype.kind == "f":
                    value.data = value.data.astype(dt)
            if isinstance(m.__dict__.get("_dtype"), np.dtype):  # layers that remember theirs
                m.__dict__["_dtype"] = dt
        return self

    def cpu(self) -> Module:
        """Nothing to move: seegrad runs on the CPU. Returns self, as PyTorch's."""
        return self

    def float(self) -> Module:
        """Convert the parameters and floating-point buffers to float32; returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert the parameters and floating-point buffers to float64; returns self."""
        return self.to(np.float64)

    # -- state -------------------------------------------------------------------------------
    def _state_entries(self) -> list[tuple[str, Tensor]]:
        """(key, tensor) for the state dict: per module (depth first) its parameters, then its
        persistent buffers, as PyTorch orders them; a shared parameter appears once."""
        entries: list[tuple[str, Tensor]] = []
        seen: set[int] = set()
        for mod_name, module in self.named_modules():
            pre = f"{mod_name}." if mod_name else ""
            for name, member in module._named_members():
                if isinstance(member, Parameter) and id(member) not in seen:
                    seen.add(id(member))
                    entries.append((pre + name, member))
            for b, persistent in module._buffer_names.items():
                value = module.__dict__.get(b)
                if persistent and value is not None:
                    entries.append((pre + b, value))
        return entries

    def _state_aliases(self, targets: dict[str, Tensor]) -> dict[str, str]:
        """The other names PyTorch gives a shared parameter or buffer (one per path to it,
        through shared modules too) -> its key in `targets`."""
        by_id = {id(t): k for k, t in targets.items()}
        aliases: dict[str, str] = {}
        # Every path, not each module once (a module on the current path is not entered again).
        stack: list[tuple[str, Module, frozenset[int]]] = [("", self, frozenset({id(self)}))]
        while stack:
            pre, module, path = stack.pop()
            for name, member in module._named_members():
                key = pre + name
                if isinstance(member, Parameter):
                    if key not in targets and id(member) in by_id:
                        aliases[key] = by_id[id(member)]
                elif id(member) not in path:
                    stack.append((key + ".", member, path | {id(member)}))
            for b, persistent in module._buffer_names.items():
                value = module.__dict__.get(b)
                key = pre + b
                if persistent and value is not None and key not in targets and id(value) in by_id:
                    aliases[key] = by_id[id(value)]
        return aliases

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """name -> a copy of the values of every parameter and persistent buffer."""
        return OrderedDict((name, t.data.copy()) for name, t in self._state_entries())

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from `state` (name -> array) into the parameters and buffers, in place.

        All or nothing: every entry is checked first, and nothing is copied unless all is well.
        Checked: missing and unexpected keys (with `strict`), shapes, dtype kinds (a complex or
        non-numeric value is refused for a real tensor, a fractional one for an integer buffer),
        and that the values are finite once cast to the model's dtype (float64 1e300 does not
        fit float32). Every problem is reported in one ValueError. Returns the missing and
        unexpected keys.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of name -> array, got {type(state).__name__}"
            )
        targets = dict(self._state_entries())
        # A shared (tied) parameter or module is saved once, under its first name; PyTorch
        # saves it under each of its names. Those other names are accepted too, so a PyTorch
        # checkpoint of a model with tied weights loads; the first name's value wins.
        aliases = self._state_aliases(targets)
        given = set(state) | {aliases[k] for k in state if k in aliases}
        missing = [k for k in targets if k not in given]
        unexpected = [k for k in state if k not in targets and k not in aliases]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        values: dict[str, np.ndarray] = {}
        source = {aliases[k]: k for k in reversed(list(state)) if k in aliases}
        source.update((k, k) for k in state if k in targets)
        for key, t in targets.items():
            if key not in source:
                continue
            problem, cast = _check_value(source[key], state[source[key]], t)
            if problem:
                problems.append(problem)
            else:
                values[key] = cast
        if problems:
            raise ValueError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        with ag.no_grad():
            for key, arr in values.items():
                targets[key][...] = arr  # in place, bumping the version: old graphs are stale
        return IncompatibleKeys(missing, unexpected)

    # -- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments shown in repr; layers override it."""
        return ""

    def __repr__(self) -> str:
        # Iterative (a stack of lines to open and to close), so deep models print.
        lines: list[str] = []
        stack: list[tuple[Module | None, int, str]] = [(self, 0, "")]
        on_path: list[int] = []
        while stack:
            module, depth, label = stack.pop()
            pad = "  " * depth
            if module is None:  # closing a module with children
                on_path.pop()
                lines.append(pad + ")")
                continue
            head = f"{pad}{label}{type(module).__name__}({module.extra_repr()}"
            kids = list(module.named_children()) if id(module) not in on_path else []
            if not kids:
                lines.append(head + ")")
                continue
            lines.append(head)
            on_path.append(id(module))
            stack.append((None, depth, ""))
            stack.extend((m, depth + 1, f"({n}): ") for n, m in reversed(kids))
        return "\n".join(lines)


def _check_value(key: str, value: Any, target: Tensor) -> tuple[str, np.ndarray]:
    """A problem loading `value` into `target` (or ""), and the value cast to its dtype."""
    try:
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    except Exception as e:  # e.g. ragged nested lists
        return f"{key!r} is not an array ({type(e).__name__}: {e})", np.empty(0)
    want = target.dtype
    if arr.shape != target.shape:
        return (
            f"shape mismatch for {key!r}: the model has shape {target.shape}, "
            f"the state dict has shape {arr.shape}"
        ), arr
    kinds = {"f": "biuf", "i": "biu", "u": "biu", "b": "b"}.get(want.kind, "biuf")
    if arr.dtype.kind not in kinds:
        return f"dtype mismatch for {key!r}: cannot load {arr.dtype} values into {want}", arr
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(want)
    if want.kind == "f" and not np.isfinite(cast).all():
        if np.isfinite(arr).all():
            return f"{key!r} has values too large for {want} (they would become inf)", arr
        return f"{key!r} has values that are not finite (nan or inf)", arr
    if want.kind in "iu" and not np.array_equal(cast, arr):
        return f"{key!r} has values that do not fit {want}", arr
    return "", cast


def _members_below(root: Module, with_modules: bool) -> Iterator[tuple[str, Member]]:
    """Depth first through the members, in definition order, each once; an explicit stack, so
    any depth works. Links every member to where it is found (names stay right)."""
    seen: set[int] = {id(root)}
    stack: list[Iterator[tuple[str, Member]]] = [iter(root._named_members())]
    prefixes: list[str] = [""]
    parents: list[Module] = [root]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            prefixes.pop()
            parents.pop()
            continue
        name, member = item
        if id(member) in seen:
            continue
        seen.add(id(member))
        if _link(member, parents[-1], name):
            _bump()  # now, not at the end: the caller may stop early
        full = prefixes[-1] + name
        if isinstance(member, Parameter):
            yield full, member
        else:
            if with_modules:
                yield full, member
            stack.append(iter(member._named_members()))
            prefixes.append(full + ".")
            parents.append(member)


def _walk(name: str, value: Any) -> Iterator[tuple[str, Member]]:
    """The Parameters and Modules in `value` (opening lists, tuples and dicts), named."""
    stack: list[tuple[str, Any]] = [(name, value)]
    while stack:
        key, v = stack.pop()
        if isinstance(v, (Parameter, Module)):
            yield key, v
        elif isinstance(v, (list, tuple)):
            stack.extend((f"{key}.{i}", x) for i, x in reversed(list(enumerate(v))))
        elif isinstance(v, dict):
            stack.extend((f"{key}.{k}", x) for k, x in reversed(list(v.items())))
