"""detect_anomaly(): find the op where a NaN or inf first appears."""

from __future__ import annotations

from .grad_mode import STATE


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Check every forward value and every gradient for NaN/inf while active.

    Each recorded op remembers where in your code it was created; the first NaN or inf raises
    `AnomalyError` naming the op and that place. It slows everything down: use it to debug.

    >>> import autograd as ag, numpy as np
    >>> x = ag.tensor([0.0], requires_grad=True)
    >>> with ag.detect_anomaly(), np.errstate(divide="ignore"):  # doctest: +ELLIPSIS
    ...     y = x.log()
    Traceback (most recent call last):
    ...
    autograd.errors.AnomalyError: log: the forward pass produced inf...
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def __enter__(self) -> None:
        self.prev = STATE.anomaly
        STATE.anomaly = self.enabled

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self.prev
