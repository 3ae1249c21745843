"""nn: models built from modules, losses, optimizers and data, on top of `autograd`."""

from __future__ import annotations

from . import data, functional, init
from .activations import Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
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
from .layers import Dropout, Flatten, Layer, Linear, Neuron, Sequential
from .mlp import MLP
from .module import Module, Parameter

__all__ = [
    "MLP",
    "DataLoader",
    "Dropout",
    "Flatten",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Module",
    "Neuron",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
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
