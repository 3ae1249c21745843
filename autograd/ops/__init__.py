"""Every op. Importing this package registers them all in `autograd.registry.OPS`."""

from . import binary, elementwise, everyday, linalg, movement, reduce, softmax

__all__ = ["binary", "elementwise", "everyday", "linalg", "movement", "reduce", "softmax"]
