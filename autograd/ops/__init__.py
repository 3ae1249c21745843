"""Every op. Importing this package registers them all in `autograd.registry.OPS`."""

from . import (
    activation,
    binary,
    conv,
    elementwise,
    everyday,
    interpolate,
    linalg,
    movement,
    pool,
    reduce,
    softmax,
)

__all__ = [
    "activation", "binary", "conv", "elementwise", "everyday", "interpolate", "linalg", "movement", "pool",
    "reduce", "softmax",
]
