"""Two marks that library code puts on functions so that `ag.compile` traces them right.

Both cost one attribute read when nothing is being traced, and import nothing heavy, so any
module (the optimizers, dropout, random constructors) can use them.

- `opaque`: a method whose effects the compiled step must repeat by calling it again (an
  optimizer's `step()` and `zero_grad()`, a scheduler's `step()`): its numpy internals are not
  traced op by op, the call itself is recorded.
- `fresh`: a function whose result must be drawn anew on every call of the compiled step
  (random draws: dropout masks, `ag.randn` inside a step), instead of being baked in as the
  value seen while tracing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Active(threading.local):
    tracer: Any = None  # the Tracer of the ag.compile trace running in this thread, if any


ACTIVE = _Active()


def opaque(method: F) -> F:
    """Record calls of `method` as one step of a compiled function (see the module doc)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = ACTIVE.tracer
        if tracer is None or tracer.depth:
            return method(self, *args, **kwargs)
        return tracer.opaque_call(wrapper, self, args, kwargs, method)

    wrapper.__compile_opaque__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def fresh(fn: F) -> F:
    """Record calls of `fn` so a compiled step calls it again each time (see the module doc)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = ACTIVE.tracer
        if tracer is None or tracer.depth:
            return fn(*args, **kwargs)
        return tracer.fresh_call(wrapper, fn, args, kwargs)

    return wrapper  # type: ignore[return-value]
