"""Code generation: a traced step written out as one Python function of numpy calls.

The forward pass becomes one line per op (`h = np.tanh(x @ W)`), the backward pass one line per
local derivative (`g_x = g_h @ W.T`), in the order `backward()` runs them: the chain rule
written out. Common ops have numpy templates (`TEMPLATES`); any other op, custom ones included,
runs through its own `forward` and `backward` on a fresh node, so every op compiles.
Broadcasting is undone with the shapes seen while tracing, so the code sums exactly the axes
the engine would.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dual
from ..broadcast import _plan
from ..tensor import Tensor
from . import runtime
from .tracer import (
    ARRAY_METHODS,
    ArrayStep,
    BackwardStep,
    CallStep,
    CompileError,
    GradStep,
    InplaceStep,
    OpStep,
    Step,
)

# -- templates: op class name -> (forward, backward of each input) ------------------------------
# A forward template returns the expression of the output from the inputs' code `a`; a backward
# template the local-derivative expression for input i from the output gradient `g`, the inputs
# `a` and the output `o`. Each must compute exactly what the op's own forward/backward computes
# (the compiled-equals-eager tests compare bit for bit). `when` says which calls a template fits.


@dataclass(frozen=True)
class Template:
    """An op written as numpy: `{a}`, `{b}`, `{c}` are its inputs, `{o}` its output, `{g}` the
    gradient of its output; `fields` adds what the op's keyword arguments fix (axes, shapes)."""

    forward: str
    backward: tuple[str, ...]  # d(output)/d(input i) applied to g, for each input
    when: Callable[[OpStep], bool] = lambda op: True
    # Elementwise: each input's expression has the output's (broadcast) shape, so it is summed
    # back to the input's shape. Other templates give the input's own shape.
    elementwise: bool = False
    fields: Callable[[OpStep], dict[str, Any]] = lambda op: {}
    # Statements before the forward expression, assigning `{t}` (a temporary); and a shared
    # backward expression `{q}`, computed once when an input needs it (Div: g / y).
    setup: str = ""
    shared: str = ""


def _shape(op: OpStep, i: int) -> tuple[int, ...]:
    a = op.args[i]
    return tuple(a.shape) if isinstance(a, Tensor) else tuple(np.shape(a))


def _reduction(op: OpStep) -> dict[str, Any]:
    """axes, kshape (keepdims shape), shape and n (elements per output) of a sum or mean."""
    shape = _shape(op, 0)
    axis = op.kwargs.get("axis")
    if axis is None:
        axes: tuple[int, ...] = tuple(range(len(shape)))
    else:
        given = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(sorted({a % len(shape) for a in given})) if shape else ()
    kshape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    keepdims = bool(op.kwargs.get("keepdims"))
    return {"axes": axes, "kshape": kshape, "shape": shape, "keepdims": keepdims,
            "n": math.prod(shape[i] for i in axes), "spread": "" if keepdims else f".reshape({kshape})"}


def _is_float(op: OpStep) -> bool:
    a = op.args[0]
    return isinstance(a, Tensor) and a.data.dtype in (np.float32, np.float64)


def _two_matrices(op: OpStep) -> bool:
    return len(_shape(op, 0)) == 2 and len(_shape(op, 1)) == 2


def _linear_fits(op: OpStep) -> bool:
    """2-D x and W, and a bias (if any) that adds in place without changing the dtype."""
    if not _two_matrices(op) or not all(isinstance(a, Tensor) for a in op.args[:2]):
        return False
    b = op.args[2] if len(op.args) > 2 else None
    out = np.result_type(op.args[0].data, op.args[1].data)
    return b is None or (isinstance(b, Tensor) and np.result_type(out, b.data) == out)


def _has_bias(op: OpStep) -> bool:
    return len(op.args) > 2 and op.args[2] is not None


TEMPLATES: dict[str, Template] = {
    "Add": Template("{a} + {b}", ("{g}", "{g}"), elementwise=True),
    "Sub": Template("{a} - {b}", ("{g}", "-{g}"), elementwise=True),
    "Mul": Template("{a} * {b}", ("{g} * {b}", "{g} * {a}"), elementwise=True),
    "Div": Template(
        "np.true_divide({a}, {b})", ("{q}", "-({q} * {o})"), elementwise=True, shared="{g} / {b}"
    ),
    "Pow": Template(  # a constant, non-zero exponent (x ** 2)
        "np.power({a}, {b})",
        ("{g} * {b} * {a} ** ({b} - 1)",),
        when=lambda op: not isinstance(op.args[1], Tensor) and bool(np.all(np.asarray(op.args[1]) != 0)),
        elementwise=True,
    ),
    "Neg": Template("-{a}", ("-{g}",), elementwise=True),
    "Exp": Template("np.exp({a})", ("{g} * {o}",), elementwise=True),
    "Log": Template("np.log({a})", ("{g} / {a}",), elementwise=True),
    "Tanh": Template("np.tanh({a})", ("{g} * (1 - {o} * {o})",), elementwise=True),
    "Sigmoid": Template("sigmoid({a})", ("{g} * {o} * (1 - {o})",), elementwise=True),
    "LogSoftmax": Template(
        "{t} - np.log(np.sum(np.exp({t}), axis={axis}, keepdims=True))",
        ("{g} - np.exp({o}) * {g}.sum(axis={axis}, keepdims=True)",),
        setup="{t} = {a} - np.max({a}, axis={axis}, keepdims=True)",
        fields=lambda op: {"axis": op.kwargs.get("axis", -1)},
    ),
    "Relu": Template(
        "np.maximum({a}, 0, dtype=np.{dtype})",
        ("{g} * ({o} > 0)",),
        when=_is_float,
        elementwise=True,
        fields=lambda op: {"dtype": op.args[0].data.dtype},
    ),
    "Matmul": Template("{a} @ {b}", ("{g} @ {b}.T", "{a}.T @ {g}"), when=_two_matrices),
    "Linear": Template(
        "np.add({a} @ {b}.T, {c})",  # as the op: the matmul, then the bias added into it
        ("{g} @ {b}", "{g}.T @ {a}", "{g}.sum(axis=0)"),
        when=lambda op: _linear_fits(op) and _has_bias(op),
    ),
    "Sum": Template(
        "np.add.reduce({a}, axis={axes}, keepdims={keepdims})",
        ("np.broadcast_to({g}{spread}, {shape})",),
        fields=_reduction,
    ),
    "Mean": Template(
        "np.add.reduce({a}, axis={axes}, keepdims={keepdims}) / {n}",
        ("np.broadcast_to({g}{spread} / {n}, {shape})",),
        when=lambda op: _is_float(op) and _reduction(op)["n"] > 0,
        fields=_reduction,
    ),
}
TEMPLATES["LinearNoBias"] = Template("{a} @ {b}.T", ("{g} @ {b}", "{g}.T @ {a}"))


def _paren(expr: str) -> str:
    """expr, parenthesised unless it is a plain name (to call a method on it)."""
    return expr if expr.isidentifier() else f"({expr})"


def template_for(op: OpStep) -> Template | None:
    """The numpy template of a built-in op's call, or None (then it runs its own code)."""
    if not op.cls.__module__.startswith("autograd.ops"):
        return None
    name = op.cls.__name__
    if name == "Linear" and not _has_bias(op):
        return TEMPLATES["LinearNoBias"] if _linear_fits(op) else None
    t = TEMPLATES.get(name)
    return t if t is not None and t.when(op) else None


def fill(
    text: str, op: OpStep, args: list[str], out: str = "", g: str = "", t: str = "", q: str = ""
) -> str:
    """A template's text with the code of the inputs, output, gradient and fields."""
    tpl = template_for(op)
    extra = tpl.fields(op) if tpl is not None else {}
    names = dict(zip("abc", args, strict=False))
    return text.format(o=out, g=g, t=t, q=q, **names, **extra)


# -- naming --------------------------------------------------------------------------------------
_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"np", "rt", "sigmoid", "handed"}


def identifier(name: str) -> str:
    """'layers.0.weight' -> 'layers_0_weight': a Python name for a tensor's name."""
    s = re.sub(r"\W+", "_", name).strip("_") or "t"
    if keyword.iskeyword(s):  # a lambda's name, "<lambda>", becomes "lambda": not a name
        return f"{s}_"
    return f"_{s}" if s[0].isdigit() else s


class Names:
    """Unique Python names for the generated code."""

    def __init__(self) -> None:
        self.used = set(_RESERVED)

    def new(self, base: str) -> str:
        base = identifier(base)
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name


# -- the generator --------------------------------------------------------------------------------
@dataclass
class Captured:
    """A tensor from outside the step (a parameter or a constant), read afresh on every call."""

    tensor: Tensor
    shape: tuple[int, ...]
    dtype: Any


class Codegen:
    """Writes the source of one traced call (see the module doc)."""

    def __init__(
        self,
        fn_name: str,
        params: list[tuple[str, Any, bool]],
        names: dict[int, str],
        obj_names: dict[int, str],
    ) -> None:
        self.fn_name = identifier(fn_name)
        # (name, value as the step saw it, passed as a numpy array?) for each argument
        self.params = params
        self.user_names = names  # id(tensor) -> the user's variable name
        self.obj_names = obj_names  # id(object) -> the user's name for it (an optimizer, a model)
        self.names = Names()
        # The sigmoid of arrays, as the op computes it (dual.sigmoid without its Tensor check).
        sigmoid = getattr(dual, "_sigmoid_array", dual.sigmoid)
        self.ns: dict[str, Any] = {"np": np, "rt": runtime, "sigmoid": sigmoid}
        self.code: dict[int, str] = {}  # id(tensor or array) -> the code of its values
        self.objects: dict[int, str] = {}  # id(Tensor) -> the name of the Tensor object itself
        self.head: list[str] = []
        self.body: list[str] = []
        self.captured: list[Captured] = []
        self.keep: list[Any] = []
        self.made: set[int] = set()
        self.created: dict[int, tuple[Tensor, frozenset[int], Any]] = {}  # see Tracer.created
        self.reads: dict[int, tuple[str, bool]] = {}  # see Tracer.reads
        # Arguments whose values the code depends on (it is keyed by them): their positions.
        self.value_guards: set[int] = set()
        self.argument_of = {id(v): i for i, (_, v, _) in enumerate(params)}
        self.gconst: dict[str, Any] = {}  # gradients known while tracing (see `fold`)
        self.root_of: Any = None
        self.ctx_of: dict[int, str] = {}  # id(OpStep) -> its node's name (generic ops)
        self.origin: dict[int, str] = {}  # id(OpStep) -> its forward line, quoted backward
        self.finished: dict[int, Tensor] = {}  # leaves whose .grad the code sets

    # -- values ----------------------------------------------------------------------------
    def ref(self, v: Any) -> str:
        """The code for a value used by a step: a variable, a literal or a captured object."""
        if isinstance(v, Tensor):
            code = self.code.get(id(v))
            if code is not None:
                return code
            if id(v.data) in self.code:  # a Tensor wrapping a known array (a fresh draw)
                return self.code[id(v.data)]
            return self.capture(v)
        if isinstance(v, np.ndarray):
            code = self.code.get(id(v))
            return code if code is not None else self.constant(v, "const")
        if v is None or isinstance(v, (bool, int, str)):
            return repr(v)
        if isinstance(v, float):
            return repr(v) if math.isfinite(v) else f"float('{v}')"
        if isinstance(v, np.generic):
            return f"np.{v.dtype}({self.ref(v.item())})"
        if isinstance(v, tuple):
            items = [self.ref(x) for x in v]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(v, list):
            return f"[{', '.join(self.ref(x) for x in v)}]"
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return "{" + ", ".join(f"{k!r}: {self.ref(x)}" for k, x in v.items()) + "}"
        if isinstance(v, slice):
            return f"slice({self.ref(v.start)}, {self.ref(v.stop)}, {self.ref(v.step)})"
        if v is Ellipsis:
            return "..."
        if isinstance(v, np.dtype):
            return f"np.dtype({str(v)!r})"
        if isinstance(v, type) and issubclass(v, np.generic):
            return f"np.{v.__name__}"
        return self.constant(v, self.obj_names.get(id(v)) or type(v).__name__.lower())

    def constant(self, v: Any, base: str) -> str:
        """An object the code refers to as it is (by reference, not by value)."""
        for name, obj in self.ns.items():
            if obj is v:
                return name
        name = self.names.new(base)
        self.ns[name] = v
        self.keep.append(v)
        return name

    def capture(self, t: Tensor) -> str:
        """A tensor from outside the step: its values are read at the start of every call.

        A tensor the step built itself (ag.tensor([1., 2.]), zeros_like) is a constant too -
        unless it holds an input's values: then it was computed from the input outside the
        library's operations (numpy code on `.data`), and baking it in would be wrong."""
        made = self.created.get(id(t))
        if made is not None and made[1]:
            for key in made[1]:
                line, by_user = self.reads[key]
                if key in self.argument_of and not by_user:
                    # The library built a constant from an argument's values (a one-hot of
                    # integer labels): the code is keyed by those values.
                    self.value_guards.add(self.argument_of[key])
                    continue
                raise CompileError(
                    f"ag.compile: the step builds a tensor of shape {t.shape} from an array after "
                    f"reading the values of a traced tensor outside the library's operations, at "
                    f"{line}. The compiled step would keep this call's values in the "
                    "code. Use tensor operations on the traced values instead (x.astype(...), "
                    "ag.tensor(x, dtype=...), ag.where(...)), or call the step without ag.compile."
                )
        if t._ctx is not None and t.requires_grad:
            raise CompileError(
                f"ag.compile: the step uses a tensor of shape {t.shape} computed outside it, in a "
                "graph that backward() would reach. Compute it inside the step, or detach() it."
            )
        base = self.leaf_name(t)
        obj = self.names.new(f"T_{identifier(base)}")
        var = self.names.new(base)
        self.ns[obj] = t
        self.keep.append(t)
        self.objects[id(t)] = obj
        self.code[id(t)] = var
        self.head.append(f"{var} = {obj}.data")
        self.captured.append(Captured(t, tuple(t.shape), t.data.dtype))
        return var

    def bind(self, value: Any, var: str) -> None:
        """`var` holds `value` in the code: a computed tensor, and its array too - an op may be
        given the array itself (a mask or indices as a keyword argument), and a fresh draw's
        tensor wraps an array the code draws."""
        self.code[id(value)] = var
        if isinstance(value, Tensor):
            self.code[id(value.data)] = var

    def leaf_name(self, t: Tensor) -> str:
        """A captured tensor's name: its own (`W11`; `model.0.weight` rather than a module's
        `0.weight`), else the user's, else `param` (it requires grad) or `const`."""
        user, own = self.user_names.get(id(t)), t.name
        if own and user and user.endswith(f".{own}"):  # the same parameter, with its model's name
            return user
        return own or user or ("param" if t.requires_grad else "const")

    def name_for(self, t: Any, default: str = "t") -> str:
        return self.names.new(self.user_names.get(id(t)) or getattr(t, "name", None) or default)

    # -- steps -----------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.body.append("    " + line if line else "")

    def generate(self, steps: list[Step], result: Any, tracer: Any, constants: set[int]) -> str:
        """The source of the traced call; `constants`: ids of the arrays the step's own closure
        and globals hold (a tensor built from one of them is a true constant)."""
        self.made = {id(s.out) for s in steps if isinstance(s, (OpStep, ArrayStep))}
        self.created = {k: v for k, v in tracer.created.items() if id(v[2]) not in constants}
        self.reads = tracer.reads
        signature = self.arguments()
        for i, step in enumerate(steps):
            if isinstance(step, OpStep):
                self.op_forward(step)
            elif isinstance(step, ArrayStep):
                args = [self.ref(a) for a in step.args]
                kwargs = {k: self.ref(v) for k, v in step.kwargs.items()}
                var = self.name_for(step.out)
                expr = ARRAY_METHODS[step.method](*args, **kwargs)
                plain = step.method in ("astype", "detach", "tensor")
                self.emit(f"{var} = {expr}" if plain else f"{var} = np.asarray({expr})")
                self.bind(step.out, var)
            elif isinstance(step, InplaceStep):
                self.inplace(step)
            elif isinstance(step, BackwardStep):
                self.backward(step, [s for s in steps[:i] if isinstance(s, OpStep)])
            elif isinstance(step, CallStep):
                self.call(step)
            elif isinstance(step, GradStep):
                self.set_grad(step)
        ret = self.result(result)
        lines = [f"def {self.fn_name}({signature}):"]
        if self.head:
            lines.append("    # the values of inputs and parameters, as they are now")
            lines += ["    " + h for h in self.head]
        lines += self.body
        lines.append(f"    return {ret}")
        return "\n".join(lines) + "\n"

    def arguments(self) -> str:
        out = []
        for name, value, array in self.params:
            if array:  # the step saw a Tensor wrapping the array; the code gets the array
                var = self.names.new(name)
                out.append(var)
                self.bind(value, var)
            elif isinstance(value, Tensor):
                obj = self.names.new(f"T_{name}")
                var = self.names.new(name)
                out.append(obj)
                self.objects[id(value)] = obj
                self.code[id(value)] = var
                self.head.append(f"{var} = {obj}.data")
            else:  # a constant, part of the cache key: its value is written into the code
                out.append(self.names.new(name))
        return ", ".join(out)

    def op_forward(self, op: OpStep) -> None:
        args = [self.ref(a) for a in op.args]
        var = self.name_for(op.out, op.cls.op_name())
        tpl = template_for(op)
        label = op.ctx.label() if op.ctx is not None else op.cls.__name__.lower()
        if tpl is not None:
            tmp = self.names.new(f"{var}_in") if tpl.setup else ""
            if tpl.setup:
                self.emit(fill(tpl.setup, op, args, t=tmp))
            line = f"{var} = {fill(tpl.forward, op, args, t=tmp)}"
            self.emit(line)
            self.origin[id(op)] = line
        else:
            cls = self.constant(op.cls, op.cls.__name__)
            ctx = self.names.new(f"n_{var}")
            needs = op.ctx.needs_input_grad if op.ctx is not None else (False,) * len(op.args)
            kwargs = "{" + ", ".join(f"{k!r}: {self.ref(v)}" for k, v in op.kwargs.items()) + "}"
            self.emit(f"{ctx} = rt.node({cls}, {needs!r}, {kwargs})  # {label}: its own forward/backward")
            if op.cls.array_forward:
                kw = "".join(f", {k}={self.ref(v)}" for k, v in op.kwargs.items())
                self.emit(f"{var} = rt.out({ctx}, {cls}.forward({ctx}, {', '.join(args)}{kw}))")
            else:
                is_t = tuple(isinstance(a, Tensor) for a in op.args)
                tup = f"({', '.join(args)}{',' if len(args) == 1 else ''})"
                self.emit(f"{var} = rt.custom_forward({ctx}, {tup}, {is_t!r}, {kwargs})")
            self.ctx_of[id(op)] = ctx
        self.bind(op.out, var)

    def inplace(self, step: InplaceStep) -> None:
        target = self.ref(step.target)
        other = step.other.item() if isinstance(step.other, np.generic) else step.other
        self.emit(f"np.{step.ufunc.__name__}({target}, {self.ref(other)}, out={target}, casting='same_kind')")
        obj = self.objects.get(id(step.target))
        if obj is not None:
            self.emit(f"rt.mutated({obj})")

    def call(self, step: CallStep) -> None:
        args = [self.ref(a) for a in step.args] + [f"{k}={self.ref(v)}" for k, v in step.kwargs.items()]
        if not step.fresh:
            obj = self.ref(step.obj)
            self.emit(f"{obj}.{step.fn.__name__}({', '.join(args)})")
            return
        fn = self.constant(step.fn, step.fn.__name__)
        var = self.name_for(step.out, "draw")
        tail = ".data" if isinstance(step.out, Tensor) else ""
        self.emit(f"{var} = {fn}({', '.join(args)}){tail}  # drawn afresh on every call")
        self.bind(step.out, var)

    # -- the backward pass -----------------------------------------------------------------
    def backward(self, step: BackwardStep, ops: list[OpStep]) -> None:
        root = step.root
        rvar = self.ref(root)
        dtype = f"np.{root.data.dtype}"
        self.emit("")
        self.emit(f"# backward: the chain rule from {rvar}, one local derivative per line")
        gname: dict[int, str] = {}
        handed = "set()"
        g0 = self.names.new(f"g_{rvar}")
        if step.gradient is None:
            self.constant_grad(g0, np.ones(tuple(root.shape), dtype=root.data.dtype), f"d {rvar} / d {rvar}")
        elif isinstance(step.gradient, Tensor):
            self.emit(f"{g0} = {self.ref(step.gradient)}")
            handed = f"{{id({g0})}}"
        else:
            self.emit(f"{g0} = np.asarray({self.ref(step.gradient)}, dtype={dtype})")
            handed = f"{{id({g0})}}"
        gname[id(root)] = g0
        self.root_of = root
        leaves: dict[int, Tensor] = {}
        if root._ctx is None and id(root) not in self.made:
            leaves[id(root)] = root
        # Reverse creation order is a reverse topological order, as in the engine.
        for op in reversed(ops):
            g = gname.pop(id(op.out), None)
            if g is None or op.ctx is None:
                if g is not None:
                    gname[id(op.out)] = g
                continue
            self.op_backward(op, g, gname, leaves)
        self.emit(f"handed = {handed}")
        for key, t in leaves.items():
            if key not in gname:
                continue
            obj = self.objects.get(key)
            if obj is None:
                raise CompileError(
                    f"ag.compile: a tensor of shape {t.shape} that requires grad was created inside "
                    "the step; create parameters outside it"
                )
            self.emit(f"rt.finish({obj}, {gname[key]}, handed)  # {self.code[key]}.grad += {gname[key]}")
            self.finished[key] = t
            grad = step.grads.get(key)
            if grad is not None:  # the step may read it (w -= lr * w.grad)
                self.code[id(grad)] = f"{obj}.grad.data"
        self.emit("")

    def fold(self, expr: str) -> Any:
        """The value of a local-derivative expression that involves only constant gradients and
        literals (the chain from a scalar loss through sums, means and constant factors), or
        None. Evaluated here with the same numpy calls the code would make: the same bits."""
        names = {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}
        if not names <= (self.gconst.keys() | {"np"}):
            return None
        return eval(expr, {"np": np, **self.gconst})  # our own expression, of constants

    def constant_grad(self, var: str, value: Any, what: str) -> None:
        """A gradient known while tracing: kept as a read-only global of the code (so no leaf
        adopts it as its .grad), written out as a comment where the chain rule reaches it."""
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        self.gconst[var] = value
        self.ns[var] = value
        arr = np.asarray(value)
        if arr.size and (arr == arr.flat[0]).all():
            shown = f"{arr.flat[0].item():.6g}" + (f" everywhere, shape {arr.shape}" if arr.ndim else "")
        else:
            shown = f"an array of shape {arr.shape}"
        self.emit(f"# {var} = {what} = {shown} (a constant: computed once, while tracing)")

    def op_backward(self, op: OpStep, g: str, gname: dict[int, str], leaves: dict[int, Tensor]) -> None:
        tpl = template_for(op)
        out_var = self.code[id(op.out)]
        args = [self.ref(a) for a in op.args]
        needs = op.ctx.needs_input_grad
        gs = q = None
        if tpl is not None and tpl.shared:
            q = self.names.new(f"q_{out_var}")
            self.emit(f"{q} = {fill(tpl.shared, op, args, out_var, g)}")
        if tpl is None:
            gs = self.names.new(f"gs_{out_var}")
            self.emit(f"{gs} = rt.grads({self.ctx_of[id(op)]}, {g}, {len(op.args)})")
        # Each line says which forward line it differentiates.
        note = f"  # {self.origin[id(op)]}" if id(op) in self.origin else ""
        for i, (a, need) in enumerate(zip(op.args, needs, strict=False)):
            if not need or not isinstance(a, Tensor):
                continue
            if tpl is not None:
                expr = fill(tpl.backward[i], op, args, out_var, g, q=q or "")
                shape, gshape = tuple(a.shape), tuple(op.out.shape)
                if tpl.elementwise and gshape != shape:
                    axes, lead = _plan(gshape, shape)
                    if axes == tuple(range(lead)):  # only leading axes: one sum drops them
                        expr = f"{_paren(expr)}.sum(axis={axes})"
                    else:
                        expr = f"{_paren(expr)}.sum(axis={axes}, keepdims=True)"
                        if lead:
                            expr = f"{expr}.reshape({shape})"
                if a.data.dtype != op.out.data.dtype:
                    expr = f"{_paren(expr)}.astype(np.{a.data.dtype})"
            else:
                expr = f"rt.fit({gs}[{i}], {tuple(a.shape)}, np.{a.data.dtype})"
            prev = gname.get(id(a))
            value = self.fold(expr)
            if value is not None and (prev is None or prev in self.gconst):
                if prev is not None:  # constant + constant, as the engine adds them
                    value = self.gconst[prev] + value
                var = self.names.new(f"g_{args[i]}")
                gname[id(a)] = var
                self.constant_grad(var, value, f"d {self.code[id(self.root_of)]} / d {args[i]}")
            elif prev is None and expr.isidentifier():  # the gradient passes on unchanged
                gname[id(a)] = expr
            elif prev is None:
                var = self.names.new(f"g_{args[i]}")
                gname[id(a)] = var
                self.emit(f"{var} = {expr}{note}")
            elif prev in self.gconst:  # a new local name: the constant stays a global
                var = self.names.new(f"g_{args[i]}")
                gname[id(a)] = var
                self.emit(f"{var} = {prev} + {expr}{note}")
            else:
                self.emit(f"{prev} = {prev} + {expr}{note}")
            if a._ctx is None and id(a) not in self.made:
                leaves.setdefault(id(a), a)

    def set_grad(self, step: GradStep) -> None:
        """t.grad = None (or another tensor) in the step."""
        self.ref(step.tensor)
        obj = self.objects.get(id(step.tensor))
        if obj is None:  # a tensor made inside the step: nothing outside can see its .grad
            return
        value = "None" if step.value is None else f"rt.as_tensor({self.ref(step.value)})"
        self.emit(f"{obj}.grad = {value}")
        if step.value is not None:
            self.code[id(step.value)] = f"{obj}.grad.data"

    def result(self, value: Any) -> str:
        if isinstance(value, Tensor):
            obj = self.objects.get(id(value))
            if obj is not None:
                return obj
            if id(value) in self.code:
                return f"rt.as_tensor({self.code[id(value)]})"
            return self.capture(value) and self.objects[id(value)]
        if isinstance(value, tuple):
            items = [self.result(v) for v in value]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, list):
            return f"[{', '.join(self.result(v) for v in value)}]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {self.result(v)}" for k, v in value.items()) + "}"
        return self.ref(value)
