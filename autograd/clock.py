"""One counter for the order of events: tensor creation and in-place modification.

Every tensor gets the next tick when it is created, so ticks give a deterministic creation
order (graph pictures number nodes by it) and a topological order (inputs exist before the
outputs made from them). An in-place modification also takes a tick and stamps the tensor with
it; a value saved by an op was modified after the op was recorded exactly when its stamp is
greater than the op's output's creation tick.
"""

from __future__ import annotations

import itertools

_counter = itertools.count()
tick = _counter.__next__

_last_mutation = -1


def last_mutation() -> int:
    """The tick of the latest in-place modification anywhere (-1 if none yet)."""
    return _last_mutation


def mutation() -> int:
    """Take a tick for an in-place modification and return it."""
    global _last_mutation
    _last_mutation = tick()
    return _last_mutation
