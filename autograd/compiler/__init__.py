"""`ag.compile`: a training step traced once and written out as straight-line numpy.

    step = ag.compile(train_step)    # train_step(x, y): forward, backward(), optimizer step
    loss = step(x, y)                # first call: runs eagerly and records what it does
    loss = step(x, y)                # later calls: run the generated code
    print(step.source)               # the chain rule, written out

The first call runs the step eagerly while a tracer records every op, the `backward()` call and
the parameter updates (see `tracer`); `codegen` then writes one Python function: a line per op
for the forward pass, a line per local derivative for the backward pass, and the update. Later
calls run that function: no Tensor objects, no graph, no sort.

Guards: the code is keyed by the arguments' shapes, dtypes and constant values, and checks
that the captured tensors (parameters) keep their shapes and dtypes; anything else retraces.
What would silently bake a value into the code is refused while tracing, naming the line:
`.item()`, `bool()`, `float()`, `if tensor:`, hooks, `retain_grad()`.
Random draws (dropout) and optimizer steps are recorded as calls (`hooks.fresh`,
`hooks.opaque`), so they run again on every call.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import inspect
import linecache
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..grad_mode import STATE
from ..tensor import Tensor
from ..tracing import fresh, opaque
from .codegen import Captured, Codegen
from .tracer import CompileError, Tracer

__all__ = ["CompileError", "CompiledStep", "compile", "fresh", "opaque"]


@dataclass
class _Entry:
    fn: Callable[..., Any]
    source: str
    captured: list[Captured]
    # Arguments whose values the code was written for (the step built constants from them,
    # e.g. a one-hot of integer labels): position -> the values seen while tracing.
    values: dict[int, np.ndarray]

    def fits(self, flat: tuple[Any, ...]) -> bool:
        """The captured tensors still have their shapes and dtypes, and value-keyed arguments
        their values."""
        for c in self.captured:
            data = c.tensor.data
            if data.shape != c.shape or data.dtype != c.dtype:
                return False
        return all(np.array_equal(_values(flat[i]), v) for i, v in self.values.items())


class CompiledStep:
    """A function compiled by `ag.compile`: call it like the original (see the module doc)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise TypeError(f"ag.compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.traces = 0  # how many times the step was traced (1 + retraces)
        self._cache: dict[Any, _Entry] = {}
        self._last: _Entry | None = None
        functools.update_wrapper(self, fn)

    @property
    def source(self) -> str:
        """The generated Python source of the most recent trace."""
        if self._last is None:
            raise CompileError("ag.compile: the step has not run yet; call it once to trace it")
        return self._last.source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = _key(args, kwargs)
        entry = self._cache.get(key)
        flat = (*args, *(kwargs[k] for k in sorted(kwargs)))
        if entry is not None and entry.fits(flat):
            self._last = entry
            return entry.fn(*flat)
        return self._trace(key, args, kwargs)

    def _trace(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        names = _NameCollector(self.fn)
        # Array arguments are seen by the step as Tensors (sharing their memory) while tracing,
        # so that what the step does with them is recorded, not baked in.
        targs = tuple(_as_traced(a) for a in args)
        tkwargs = {k: _as_traced(v) for k, v in kwargs.items()}
        with Tracer((*targs, *tkwargs.values())) as tracer, names:
            result = self.fn(*targs, **tkwargs)
        seen = (*targs, *(tkwargs[k] for k in sorted(kwargs)))
        params = [
            (name, traced, isinstance(given, np.ndarray))
            for (name, given), traced in zip(_parameter_names(self.fn, args, kwargs), seen, strict=True)
        ]
        gen = Codegen(getattr(self.fn, "__name__", "step"), params, names.tensors, names.objects)
        source = gen.generate(tracer.steps, result, tracer, names.arrays)
        self.traces += 1
        filename = f"<ag.compile: {gen.fn_name}, trace {self.traces}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        ns = gen.ns
        exec(builtins.compile(source, filename, "exec"), ns)
        values = {i: np.array(_values(params[i][1]), copy=True) for i in gen.value_guards}
        entry = _Entry(ns[gen.fn_name], source, gen.captured, values)
        self._cache[key] = self._last = entry
        return result

    def __repr__(self) -> str:
        return f"<ag.compile of {getattr(self.fn, '__qualname__', self.fn)!r}, traced {self.traces}x>"


def compile(fn: Callable[..., Any]) -> CompiledStep:
    """Trace `fn` on its first call and run it as generated numpy code afterwards.

    `fn` is typically a whole training step: forward, `loss.backward()` and the optimizer's
    update, returning the loss Tensor. See the module doc for guards and refusals.
    """
    return CompiledStep(fn)


# -- guards ----------------------------------------------------------------------------------
def _values(v: Any) -> Any:
    return v.data if isinstance(v, Tensor) else v


def _as_traced(v: Any) -> Any:
    return Tensor._make(v, None) if isinstance(v, np.ndarray) else v


def _describe(v: Any) -> Any:
    if isinstance(v, Tensor):
        return ("T", v.data.shape, v.data.dtype.str, v.requires_grad, v._ctx is None)
    if isinstance(v, np.ndarray):
        return ("A", v.shape, v.dtype.str)
    if v is None or isinstance(v, (bool, int, float, str)):
        return (type(v).__name__, v)
    if isinstance(v, tuple):
        return ("tuple", *(_describe(x) for x in v))
    return ("O", id(v))


def _key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return (
        STATE.enabled,
        tuple(_describe(a) for a in args),
        tuple((k, _describe(kwargs[k])) for k in sorted(kwargs)),
    )


def _parameter_names(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) of each argument, named after fn's parameters where it can."""
    try:
        names = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        names = []
    out = [(names[i] if i < len(names) else f"arg{i}", a) for i, a in enumerate(args)]
    out += [(k, kwargs[k]) for k in sorted(kwargs)]
    return out


# -- the user's names --------------------------------------------------------------------------
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograd/
# Frames of these folders are not the user's: this library, numpy, the standard library.
_LIBRARY = (
    _HERE,
    os.path.join(os.path.dirname(_HERE), "nn"),
    os.path.dirname(np.__file__),
    os.path.dirname(os.__file__),
    "<",
)


class _NameCollector:
    """The names the user's code gave to tensors and objects: the step's globals and closure
    variables, then the locals of every user function as it returns (the step's own last)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        self.tensors: dict[int, str] = {}
        self.objects: dict[int, str] = {}
        self.arrays: set[int] = set()  # ids of the arrays the step's closure and globals hold
        self._frames: list[dict[str, Any]] = []
        self._own: dict[str, Any] = {}
        self._prev: Any = None

    def __enter__(self) -> _NameCollector:
        fn = getattr(self.fn, "__func__", self.fn)
        outer: dict[str, Any] = {}
        code = self.code
        if code is not None:
            glob = getattr(fn, "__globals__", {})
            outer.update({n: glob[n] for n in code.co_names if n in glob})
            for n, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False):
                with contextlib.suppress(ValueError):  # an empty cell
                    outer[n] = cell.cell_contents
        self._frames.append(outer)
        self.arrays = {id(v) for v in outer.values() if isinstance(v, np.ndarray)}
        self._prev = sys.getprofile()

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "return":
                if frame.f_code is code:
                    self._own = dict(frame.f_locals)
                elif not frame.f_code.co_filename.startswith(_LIBRARY):
                    self._frames.append(dict(frame.f_locals))

        sys.setprofile(profile)
        return self

    def __exit__(self, *exc: Any) -> None:
        sys.setprofile(self._prev)
        for scope in [*self._frames, self._own]:  # later scopes win: the step's own last
            for name, value in scope.items():
                if name.startswith("_") or name == "self":
                    continue
                if isinstance(value, Tensor):
                    self.tensors[id(value)] = name
                elif not isinstance(value, (int, float, str, bool, type(None), np.ndarray)):
                    self.objects.setdefault(id(value), name)
        # Then tensors the step reached through an object or a dict: `model.0.weight` for a
        # model's parameter, `W1` for params["W1"] or self.p["W1"]. For a leaf (a parameter,
        # an input) that name wins over a variable's, which is often a loop's
        # (`for p in params`) and so names only the last tensor it held.
        for scope in [*self._frames, self._own]:
            for name, value in scope.items():
                if not name.startswith("_"):
                    for inner, t in _held(name, value):
                        if t._ctx is None:
                            self.tensors[id(t)] = inner
                        else:
                            self.tensors.setdefault(id(t), inner)


def _held(name: str, value: Any) -> list[tuple[str, Tensor]]:
    """(name, tensor) for the tensors `value` holds one level down: a module's parameters
    (`model.0.weight`; `0.weight` inside its own methods, where it is `self`), a dict's
    tensors by key, and the tensor attributes and dicts of `self`."""
    out: list[tuple[str, Tensor]] = []
    named = getattr(value, "named_parameters", None)
    if callable(named) and not isinstance(value, Tensor):
        with contextlib.suppress(Exception):  # not a module after all: no names from it
            out += [(n if name == "self" else f"{name}.{n}", p) for n, p in named() if isinstance(p, Tensor)]
    if isinstance(value, dict):
        out += _by_key(value)
    elif name == "self" and hasattr(value, "__dict__"):
        for attr, v in vars(value).items():
            if attr.startswith("_"):
                continue
            if isinstance(v, Tensor):
                out.append((attr, v))
            elif isinstance(v, dict):
                out += _by_key(v)
    return out


def _by_key(d: dict[Any, Any]) -> list[tuple[str, Tensor]]:
    """A dict's tensors, named by their (string) keys."""
    return [(k, t) for k, t in d.items() if isinstance(k, str) and isinstance(t, Tensor)]
