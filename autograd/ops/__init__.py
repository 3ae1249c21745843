"""Every op. Importing this package registers them all in `autograd.registry.OPS`."""

from . import binary, conv, elementwise, linalg, movement, pool, reduce, softmax

__all__ = ["binary", "conv", "elementwise", "linalg", "movement", "pool", "reduce", "softmax"]
