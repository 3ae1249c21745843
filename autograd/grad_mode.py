"""Grad mode: whether operations are recorded into the graph.

The flag is thread-local, like PyTorch's: a `no_grad()` block in one thread does not switch off
recording in another.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled: bool = True
    anomaly: bool = False
    # Names of the modules being called, outermost first (see `scope`); recorded ops keep it,
    # so graph pictures can group them.
    scope: tuple[str, ...] = ()
    # All of the above in one value, kept up to date on every write, so that an op reads the
    # thread-local state once (each read costs a dictionary lookup): False when grad mode is
    # off, True when on, EXTRA when on with a scope open or anomaly mode on.
    record: bool | str = True

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        extra = EXTRA if self.scope or self.anomaly else True
        super().__setattr__("record", self.enabled and extra)


EXTRA = "extra"  # STATE.record when recorded ops also keep a scope or check for anomalies


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the computation graph."""
    return STATE.enabled


def _with_mode(fn: F, mode: bool) -> F:
    """fn, run with grad mode set to `mode` (and restored after): the decorator form."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        prev = STATE.enabled
        STATE.enabled = mode
        try:
            return fn(*args, **kwargs)
        finally:
            STATE.enabled = prev

    return wrapper  # type: ignore[return-value]


class set_grad_enabled:  # noqa: N801 - a context manager, named like the function it replaces
    """Switch recording on or off; usable as a call, a context manager or a decorator.

    >>> import autograd as ag
    >>> with ag.set_grad_enabled(False):
    ...     ag.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = STATE.enabled
        STATE.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self.prev

    def __call__(self, fn: F) -> F:
        STATE.enabled = self.prev  # used as a decorator: undo the switch made in __init__
        return _with_mode(fn, self.mode)


class _GradModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator, with or
    without parentheses (`@ag.no_grad()` and `@ag.no_grad`)."""

    mode: bool

    def __new__(cls, fn: Any = None) -> Any:
        if fn is not None:  # used bare as a decorator: no_grad(fn)
            if not callable(fn):
                raise TypeError(f"{cls.__name__}() takes no arguments (or a function to wrap)")
            return _with_mode(fn, cls.mode)
        return super().__new__(cls)

    def __enter__(self) -> None:
        self.prev = STATE.enabled
        STATE.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self.prev

    def __call__(self, fn: F) -> F:
        return _with_mode(fn, self.mode)


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Do not record operations: results have no graph and `requires_grad=False`.

    Use it for inference and for weight updates (`w -= lr * w.grad`).

    >>> import autograd as ag
    >>> x = ag.tensor([1.0], requires_grad=True)
    >>> with ag.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Record operations again inside a `no_grad` block."""

    mode = True
