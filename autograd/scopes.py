"""Module scopes: which module call recorded an op, so pictures can group ops by module.

`nn.Module.__call__` enters `scope(name)` for every call; each op recorded inside keeps the
path of scopes in `ctx.scope` (read from the grad-mode state, where the current path lives).
"""

from __future__ import annotations

import itertools

from .grad_mode import STATE

_calls = itertools.count()


class ScopeName(str):
    """One element of a scope path: a module's name, and which call of it this is.

    It prints, hashes and compares with plain strings as the name, so `"layer1" in scope` works;
    two ScopeNames compare equal only for the same call, so two calls of one module are two
    clusters in a picture, not one.
    """

    __slots__ = ("call",)
    call: int

    def __new__(cls, name: str, call: int) -> ScopeName:
        s = super().__new__(cls, name)
        s.call = call
        return s

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ScopeName):
            return self.call == other.call and str.__eq__(self, other)
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


class scope:  # noqa: N801 - a context manager, named for what it sets
    """Tag every op recorded inside with `name` (nested scopes give a path).

    `nn.Module.__call__` enters one per call, so graph pictures can draw a module's ops as one
    cluster. Recorded nodes keep the path in `ctx.scope`.

    >>> import autograd as ag
    >>> x = ag.tensor([1.0], requires_grad=True)
    >>> with ag.scope("layer1"):
    ...     y = x * 2
    >>> y.grad_fn.scope
    ('layer1',)
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.prev = STATE.scope
        STATE.scope = (*self.prev, ScopeName(self.name, next(_calls)))

    def __exit__(self, *exc: object) -> None:
        STATE.scope = self.prev
