"""nn: models built from modules, losses, optimizers and data, on top of `autograd`."""

from __future__ import annotations

from . import data, functional, init
from .data import (
    DataLoader,
    batches,
    load_digits,
    make_blobs,
    make_circles,
    make_moons,
    make_separable,
    make_spirals,
)

__all__ = [
    "DataLoader",
    "batches",
    "data",
    "functional",
    "init",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_separable",
    "make_spirals",
]
