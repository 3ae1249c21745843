"""nn: models built from modules, losses, optimizers and data, on top of `autograd`."""

from __future__ import annotations

from . import data, functional, init, optim
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
from .optim import SGD, Adam, AdamW, CosineAnnealingLR, Optimizer, StepLR

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
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
    "Optimizer",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "StepLR",
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
    "optim",
]
