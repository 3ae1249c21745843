"""Optimizers: SGD (with momentum, Nesterov, weight decay), Adam, AdamW, RMSprop and Adagrad,
as PyTorch's.

An optimizer holds parameter groups (lists of parameters with their hyperparameters, usually
just one) and per-parameter state (momentum buffers, moment estimates). `step()` updates each
parameter that has a gradient, in place and without recording a graph; `zero_grad()` forgets
the gradients. `state_dict()` holds everything needed to resume training exactly.

Both are all-or-nothing. `step()` checks every gradient (a Tensor of its parameter's shape,
floating point) before it changes anything, then computes every update and new state before it
writes any, so an error leaves the parameters and the state as they were. `load_state_dict()`
checks the whole saved state (the same optimizer's hyperparameters with valid values, state
entries of the right names, types and shapes) before it replaces anything.

The update math runs on the numpy arrays (fast); the result is applied with `p -= update`
under `no_grad`, which bumps the parameter's version, so a graph built before the step refuses
to backpropagate through the old values (as in PyTorch).

>>> import autograd as ag, nn
>>> w = nn.Parameter([1.0, -2.0])
>>> opt = nn.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
Parameter containing:
tensor([ 0.8, -1.6], requires_grad=True)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.tracing import opaque

from . import schedulers as lr_scheduler
from ._checks import check_nonnegative, is_real
from .module import Module
from .schedulers import CosineAnnealingLR, LRScheduler, StepLR

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "lr_scheduler",
]


class Optimizer:
    """Base class: parameter groups, per-parameter state, zero_grad, state_dict.

    `params` is an iterable of parameters, or of dicts {"params": [...], "lr": ...} to give
    groups their own hyperparameters; `defaults` fills in what a group does not set.
    Subclasses write `step()`.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        # Per-parameter state, keyed by the parameter's position over all groups (as in
        # state_dict), e.g. {"step": 3, "exp_avg": array, "exp_avg_sq": array}.
        self.state: dict[Any, dict[str, Any]] = _State(self)
        if isinstance(params, Module):
            raise TypeError(
                f"{type(self).__name__}: pass the model's parameters, model.parameters(), "
                "not the model itself"
            )
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of parameters (e.g. "
                "model.parameters() or [w, b]), got a single Tensor"
            )
        items = list(params)
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # ag.compile records a step() call as one call, run again on every compiled call
        # (its numpy internals are not traced op by op).
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = opaque(cls.step)  # type: ignore[method-assign]

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters that override the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' list")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        known = {id(p) for p in self.params()}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but item {i} is a {type(p).__name__}")
            # A leaf that does not require grad is accepted, as in PyTorch: a frozen layer's
            # parameters (model.parameters() after requires_grad_(False)) have no gradient
            # and are skipped by step() until they are unfrozen.
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: item {i} (shape {p.shape}) is not a leaf tensor that requires grad; "
                    "optimize parameters (nn.Parameter or Tensors made with requires_grad=True)"
                )
            if id(p) in known:
                raise ValueError(f"{name}: parameter {p.name or i!r} appears more than once")
            known.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameters {sorted(unknown)} in a parameter group")
        new = {**self.defaults, **group, "params": params}
        self._check_group(new, name)
        self.param_groups.append(new)

    # -- what each optimizer declares ----------------------------------------------------------
    def _check_group(self, group: dict[str, Any], who: str) -> None:
        """Raise ValueError (starting with `who`) unless the group's hyperparameters are valid."""
        check_nonnegative(who, lr=group["lr"], weight_decay=group["weight_decay"])

    def _state_spec(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        """(required, optional) names of a parameter's state under this group's settings.
        "step" is an int; every other entry is an array of the parameter's shape."""
        return set(), set()

    def params(self) -> list[Tensor]:
        """Every parameter, group after group (the order state_dict numbers them in)."""
        return [p for group in self.param_groups for p in group["params"]]

    @opaque
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (`.grad = None`) before the next backward; with
        `set_to_none=False` the gradients are set to zeros instead, as PyTorch allows."""
        for p in self.params():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data = np.zeros_like(p.grad.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: an optimizer must define step()")

    @staticmethod
    def _closure_loss(closure: Callable[[], Any] | None) -> Any:
        """The loss from `closure()` (which recomputes it and calls backward), run with
        gradients on although step() runs under no_grad; None without a closure."""
        if closure is None:
            return None
        with ag.enable_grad():
            return closure()

    def _with_grads(self) -> list[tuple[dict[str, Any], int, Tensor, np.ndarray]]:
        """(group, index, parameter, gradient array) for each parameter that has a gradient.

        Every gradient and hyperparameter is checked here, before a step changes anything.
        """
        name = type(self).__name__
        for k, group in enumerate(self.param_groups):
            where = f"{name}.step: parameter group {k}" if len(self.param_groups) > 1 else f"{name}.step"
            self._check_group(group, where)
        out, i = [], 0
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    gd: Any = g.data if isinstance(g, Tensor) else None
                    problem = ""
                    if gd is None:
                        problem = f"is a {type(g).__name__}, not a Tensor"
                    elif gd.shape != p.shape:
                        problem = f"has shape {gd.shape}"
                    elif gd.dtype.kind != "f":
                        problem = f"has dtype {gd.dtype}, not a floating-point dtype"
                    if problem:
                        label = f" ({p.name!r})" if p.name else ""
                        raise ValueError(
                            f"{name}.step: the gradient of parameter {i}{label} (shape {p.shape}) "
                            f"{problem}; nothing was updated"
                        )
                    out.append((group, i, p, gd))
                i += 1
        return out

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: value}}, "param_groups": [hyperparameters + indices]}.

        Arrays are copies, so later steps do not change a saved state.
        """
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            hyper = {k: v for k, v in group.items() if k != "params"}
            groups.append({**hyper, "params": list(range(start, start + n))})
            start += n
        state = {i: copy.deepcopy(s) for i, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by `state_dict()`.

        Everything is checked before anything is replaced: the saved groups must have this
        optimizer's hyperparameters (an SGD state does not load into Adam) with valid values,
        and each parameter's state the entries this optimizer keeps, with the right shapes.
        """
        name = type(self).__name__
        who = f"{name}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{who}: expected a dict with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
            isinstance(g, dict) and isinstance(g.get("params"), (list, tuple)) for g in saved_groups
        ):
            raise ValueError(f"{who}: 'param_groups' must be a list of dicts, each with a 'params' list")
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(
                f"{who}: the saved state has parameter groups of sizes "
                f"{saved_sizes}, this optimizer has {sizes}"
            )
        new_groups = []
        for k, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            hyper = {key: _hyper(v) for key, v in saved.items() if key != "params"}
            if set(hyper) != set(self.defaults):
                raise ValueError(
                    f"{who}: parameter group {k} of the saved state has the hyperparameters "
                    f"{sorted(hyper)}, but {name} has {sorted(self.defaults)}; was it saved from "
                    "another kind of optimizer?"
                )
            new = {**group, **hyper}
            self._check_group(new, f"{who}: parameter group {k}")
            new_groups.append(new)
        params = self.params()
        owner = [g for g, grp in zip(new_groups, self.param_groups, strict=True) for _ in grp["params"]]
        saved_state = state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError(f"{who}: 'state' must be a dict of parameter index -> dict")
        new_state: dict[int, dict[str, Any]] = {}
        for key, s in saved_state.items():
            try:
                i = int(key)  # keys are ints; a file format may have turned them into strings
            except (TypeError, ValueError):
                raise ValueError(f"{who}: state key {key!r} is not a parameter index") from None
            if not 0 <= i < len(params) or not isinstance(s, dict):
                raise ValueError(
                    f"{who}: state for parameter {key!r} must be a dict for an index in "
                    f"[0, {len(params)})"
                )
            new_state[i] = self._checked_state(who, i, params[i], s, owner[i])
        for group, new in zip(self.param_groups, new_groups, strict=True):
            group.update(new)
        self.state = _State(self, new_state)

    def _checked_state(
        self, who: str, i: int, p: Tensor, s: dict[str, Any], group: dict[str, Any]
    ) -> dict[str, Any]:
        """One parameter's saved state, checked against `_state_spec` and converted."""
        required, optional = self._state_spec(group)
        names = set(s)
        if not required <= names <= required | optional:
            missing, unknown = sorted(required - names), sorted(names - required - optional)
            parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {unknown}"] if unknown else [])
            raise ValueError(
                f"{who}: the state of parameter {i} has entries {sorted(names)} ({', '.join(parts)}); "
                f"{type(self).__name__} keeps {sorted(required)}"
                + (f" and optionally {sorted(optional)}" if optional else "")
            )
        entry: dict[str, Any] = {}
        for k, v in s.items():
            if k == "step":
                v = _python_scalar(v)
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError(f"{who}: state 'step' of parameter {i} must be an int >= 0, got {v!r}")
                entry[k] = v
                continue
            arr = np.asarray(v.data if isinstance(v, Tensor) else v)
            if arr.dtype.kind not in "iuf":
                raise ValueError(
                    f"{who}: state {k!r} of parameter {i} must be a numeric array, got {arr.dtype}"
                )
            if arr.shape != p.shape:
                raise ValueError(
                    f"{who}: state {k!r} of parameter {i} has shape "
                    f"{arr.shape}, the parameter has shape {p.shape}"
                )
            entry[k] = arr.astype(p.dtype, copy=True)
        return entry

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in group.items() if k != "params")
        return "\n".join(lines) + "\n)"


class _State(dict[Any, dict[str, Any]]):
    """Per-parameter state, keyed by the parameter's position over all groups (as in
    state_dict); the parameter itself is a key too, as in PyTorch: `opt.state[p]["exp_avg"]`.

    A parameter that has no state yet reads as an empty dict (PyTorch's is a defaultdict).
    """

    def __init__(self, optimizer: Optimizer, entries: dict[int, dict[str, Any]] | None = None) -> None:
        super().__init__(entries or {})
        self._optimizer = optimizer

    def _index(self, key: Any) -> Any:
        if not isinstance(key, Tensor):
            return key
        for i, p in enumerate(self._optimizer.params()):
            if p is key:
                return i
        return None

    def __getitem__(self, key: Any) -> dict[str, Any]:
        i = self._index(key)
        if isinstance(key, Tensor):
            if i is None:
                raise KeyError(f"{type(self._optimizer).__name__}.state: this tensor (shape "
                               f"{key.shape}) is not one of the optimizer's parameters")
            return super().get(i, {})
        return super().__getitem__(i)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._index(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._index(key), default)


def _python_scalar(v: Any) -> Any:
    """0-d arrays and numpy scalars (as a file may return them) as Python numbers."""
    if isinstance(v, (np.ndarray, np.generic)) and np.ndim(v) == 0:
        return v.item()
    return v


def _hyper(v: Any) -> Any:
    """A hyperparameter as the optimizers use it: Python numbers, tuples for pairs."""
    if isinstance(v, (np.ndarray, list)) and np.ndim(v) == 1:
        return tuple(_python_scalar(x) for x in np.asarray(v))
    return _python_scalar(v)


def _apply(p: Tensor, update: np.ndarray) -> None:
    """p -= update, in place (callers are under no_grad).

    NOTE: this bumps p's version, so a graph recorded before the step refuses to
    backpropagate through the old values. Measured: about 2.5 us more per parameter than
    `p.data -= update` (which the graph would not notice), small next to forward and backward.
    """
    p -= update


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 decay.

    As PyTorch, with g the gradient and b the momentum buffer (b_1 = g_1):

        g <- g + weight_decay * p
        b <- momentum * b + (1 - dampening) * g
        g <- g + momentum * b   (nesterov)   or   g <- b   (momentum > 0)
        p <- p - lr * g
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], who: str) -> None:
        check_nonnegative(who, lr=group["lr"], momentum=group["momentum"],
                           weight_decay=group["weight_decay"])
        if not (is_real(group["dampening"]) and math.isfinite(group["dampening"])):
            raise ValueError(f"{who}: dampening must be a finite number, got {group['dampening']!r}")
        _check_bool(who, nesterov=group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{who}: nesterov momentum needs momentum > 0 and dampening = 0")

    def _state_spec(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        return set(), {"momentum_buffer"}

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (all checked first). With a
        `closure` (PyTorch's form), it is called first and its loss returned."""
        loss = self._closure_loss(closure)
        updates = []
        for group, i, p, g in self._with_grads():
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            if wd != 0:
                g = g + wd * p.data
            state = None
            if momentum != 0:
                buf = self.state.get(i, {}).get("momentum_buffer")
                buf = g.copy() if buf is None else momentum * buf + (1 - group["dampening"]) * g
                state = {"momentum_buffer": buf}
                g = g + momentum * buf if group["nesterov"] else buf
            updates.append((i, p, lr * g, state))
        for i, p, update, state in updates:  # nothing above changed the optimizer or a parameter
            if state is not None:
                self.state.setdefault(i, {}).update(state)
            _apply(p, update)
        return loss


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with PyTorch's defaults and formulas.

    With g the gradient (plus weight_decay * p, an L2 penalty) at step t = 1, 2, ...:

        m <- beta1 m + (1 - beta1) g              first moment
        v <- beta2 v + (1 - beta2) g^2            second moment
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)   bias correction
        p <- p - lr m_hat / (sqrt(v_hat) + eps)

    With `amsgrad`, v_hat uses the running maximum of v instead.
    """

    decoupled = False  # AdamW sets this: decay the weights directly, not through the gradient

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        name = type(self).__name__
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"{name}: betas must be a pair of numbers, got {betas!r}") from None
        defaults = {
            "lr": lr,
            "betas": (b1, b2),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], who: str) -> None:
        check_nonnegative(who, lr=group["lr"], eps=group["eps"], weight_decay=group["weight_decay"])
        betas = group["betas"]
        if not (
            isinstance(betas, tuple) and len(betas) == 2
            and all(is_real(b) and 0 <= b < 1 for b in betas)
        ):
            shown = tuple(betas) if isinstance(betas, (tuple, list)) else betas
            raise ValueError(f"{who}: betas must be in [0, 1), got {shown!r}")
        group["betas"] = (float(betas[0]), float(betas[1]))
        _check_bool(who, amsgrad=group["amsgrad"])

    def _state_spec(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        required = {"step", "exp_avg", "exp_avg_sq"}
        if group["amsgrad"]:
            return required | {"max_exp_avg_sq"}, set()
        return required, {"max_exp_avg_sq"}

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (all checked first). With a
        `closure` (PyTorch's form), it is called first and its loss returned."""
        loss = self._closure_loss(closure)
        updates = []
        for group, i, p, g in self._with_grads():
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            old = self.state.get(i)
            if not old:
                zeros = np.zeros_like(p.data)
                old = {"step": 0, "exp_avg": zeros, "exp_avg_sq": zeros, "max_exp_avg_sq": zeros}
            decay = None
            if wd != 0:
                if self.decoupled:
                    decay = 1 - lr * wd
                else:
                    g = g + wd * p.data
            t = old["step"] + 1
            m = beta1 * old["exp_avg"] + (1 - beta1) * g
            v = beta2 * old["exp_avg_sq"] + (1 - beta2) * (g * g)
            state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
            if group["amsgrad"]:
                v = state["max_exp_avg_sq"] = np.maximum(old["max_exp_avg_sq"], v)
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            # The decoupled decay shrinks p before the Adam step reads it (AdamW).
            updates.append((i, p, decay, lr * m_hat / (np.sqrt(v_hat) + eps), state))
        for i, p, decay, update, state in updates:  # nothing above changed anything
            self.state[i] = state
            if decay is not None:
                p *= decay
            _apply(p, update)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as PyTorch's.

    The weights shrink directly, p <- p - lr * weight_decay * p, before the Adam step, which
    then sees the plain gradient (so the decay is not rescaled by Adam's 1/sqrt(v)).
    weight_decay defaults to 1e-2, as in PyTorch.
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), with PyTorch's defaults and formulas.

    With g the gradient (plus weight_decay * p) and s the running mean of g^2 (s_0 = 0):

        s <- alpha s + (1 - alpha) g^2
        centered:  a <- alpha a + (1 - alpha) g,   d = sqrt(s - a^2) + eps
        otherwise: d = sqrt(s) + eps
        momentum > 0:  b <- momentum b + g / d,   p <- p - lr b
        otherwise:     p <- p - lr g / d

    (eps is added outside the square root, as in PyTorch, unlike Adam's paper notation.)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], who: str) -> None:
        check_nonnegative(who, lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                           weight_decay=group["weight_decay"], momentum=group["momentum"])
        _check_bool(who, centered=group["centered"])

    def _state_spec(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        required = {"step", "square_avg"}
        optional = {"momentum_buffer", "grad_avg"}
        if group["momentum"] > 0:
            required.add("momentum_buffer")
        if group["centered"]:
            required.add("grad_avg")
        return required, optional - required

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (all checked first). With a
        `closure` (PyTorch's form), it is called first and its loss returned."""
        loss = self._closure_loss(closure)
        updates = []
        for group, i, p, g in self._with_grads():
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            wd, momentum = group["weight_decay"], group["momentum"]
            old = self.state.get(i)
            if not old:
                zeros = np.zeros_like(p.data)
                old = {"step": 0, "square_avg": zeros, "momentum_buffer": zeros, "grad_avg": zeros}
            if wd != 0:
                g = g + wd * p.data
            sq = alpha * old["square_avg"] + (1 - alpha) * (g * g)
            state = {"step": old["step"] + 1, "square_avg": sq}
            if group["centered"]:
                ga = state["grad_avg"] = alpha * old["grad_avg"] + (1 - alpha) * g
                avg = np.sqrt(sq - ga * ga) + eps
            else:
                avg = np.sqrt(sq) + eps
            if momentum > 0:
                buf = state["momentum_buffer"] = momentum * old["momentum_buffer"] + g / avg
                update = lr * buf
            else:
                update = lr * (g / avg)
            updates.append((i, p, update, state))
        for i, p, update, state in updates:  # nothing above changed anything
            self.state[i] = state
            _apply(p, update)
        return loss


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), with PyTorch's defaults and formulas.

    With g the gradient (plus weight_decay * p) at step t = 1, 2, ... and the sum of squares
    s (starting at initial_accumulator_value):

        lr_t = lr / (1 + (t - 1) lr_decay)
        s <- s + g^2
        p <- p - lr_t g / (sqrt(s) + eps)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], who: str) -> None:
        check_nonnegative(who, lr=group["lr"], lr_decay=group["lr_decay"],
                           weight_decay=group["weight_decay"],
                           initial_accumulator_value=group["initial_accumulator_value"], eps=group["eps"])

    def _state_spec(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        return {"step", "sum"}, set()

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (all checked first). With a
        `closure` (PyTorch's form), it is called first and its loss returned."""
        loss = self._closure_loss(closure)
        updates = []
        for group, i, p, g in self._with_grads():
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            old = self.state.get(i)
            if not old:
                old = {"step": 0, "sum": np.full_like(p.data, group["initial_accumulator_value"])}
            if wd != 0:
                g = g + wd * p.data
            t = old["step"] + 1
            clr = lr / (1 + (t - 1) * group["lr_decay"])
            total = old["sum"] + g * g
            updates.append((i, p, clr * (g / (np.sqrt(total) + eps)), {"step": t, "sum": total}))
        for i, p, update, state in updates:  # nothing above changed anything
            self.state[i] = state
            _apply(p, update)
        return loss


def _check_bool(name: str, **values: Any) -> None:
    for key, v in values.items():
        if not isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{name}: {key} must be True or False, got {v!r}")
