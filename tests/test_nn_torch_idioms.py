"""PyTorch idioms on nn's modules, each checked against what torch does with the same code.

Every test here is a piece of everyday PyTorch code (print the parameters in a loop, deepcopy
a model for an EMA, pickle it, `model.apply(init_fn)`, `model[:-1]`, ...) that once failed or
differed; where torch is the reference, the same code runs on torch and the results are compared.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn


def _torch() -> Any:
    return pytest.importorskip("torch")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 3, rng=1))
        self.blocks = nn.ModuleList([nn.Linear(3, 3, rng=2)])
        self.head = nn.Linear(3, 1, rng=3)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.head(self.blocks[0](self.enc(x)))


# -- walking the parameters ------------------------------------------------------------------------
def test_printing_each_parameter_inside_the_named_parameters_loop() -> None:
    # Reading a parameter's name (repr prints it) caches its module's name in the module's
    # __dict__, which the generator was iterating: "dictionary changed size during iteration".
    model = Net()
    seen = []
    for name, p in model.named_parameters():
        assert f"name='{name}'" in repr(p)
        seen.append(name)
    assert seen == [n for n, _ in Net().named_parameters()]
    assert len(seen) == 8


# -- copies ----------------------------------------------------------------------------------------
def test_deepcopy_of_a_fresh_model_is_an_independent_model() -> None:
    model = Net()  # no walk before the copy: the names are computed during it
    twin = copy.deepcopy(model)
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert [p.name for p in twin.parameters()] == [n for n, _ in model.named_parameters()]
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        assert a is not b
        np.testing.assert_array_equal(a.data, b.data)
    with ag.no_grad():
        twin.head.weight[...] = 0.0
    assert np.abs(model.head.weight.data).sum() > 0
    x = ag.tensor(np.ones((4, 2)))
    np.testing.assert_allclose(Net()(x).data, model(x).data)


def test_deepcopy_of_a_submodule_names_it_as_a_model_of_its_own() -> None:
    model = Net()
    part = copy.deepcopy(model.enc)
    assert part[0].weight.name == "0.weight"
    assert model.enc[0].weight.name == "enc.0.weight"


def test_deepcopy_keeps_shared_modules_shared() -> None:
    model = Net()
    model.tied = model.enc[0]
    twin = copy.deepcopy(model)
    assert twin.tied is twin.enc[0]
    assert twin.tied is not model.enc[0]


def test_pickle_round_trip_of_models() -> None:
    for model in (Net(), nn.LSTM(3, 4, num_layers=2, rng=0), nn.BatchNorm1d(3), nn.MLP(2, [3, 1], rng=0)):
        back = pickle.loads(pickle.dumps(model))
        assert type(back) is type(model)
        a, b = model.state_dict(), back.state_dict()
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
        assert [p.name for p in back.parameters()] == [n for n, _ in model.named_parameters()]


def test_pickle_keeps_gradients_as_torch_does() -> None:
    model = Net()
    model(ag.tensor(np.ones((2, 2)))).sum().backward()
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.head.weight.grad.data, model.head.weight.grad.data)


def test_copy_copy_shares_the_children_and_leaves_their_names_alone() -> None:
    model = Net()
    shallow = copy.copy(model)
    assert shallow.enc is model.enc
    assert model.enc[0].weight.name == "enc.0.weight"


# -- Module methods PyTorch code calls ---------------------------------------------------------------
def test_apply_visits_children_before_parents_as_torch() -> None:
    torch = _torch()
    tnn = torch.nn
    ours: list[str] = []
    theirs: list[str] = []
    m = nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.ReLU()), nn.Linear(1, 2))
    t = tnn.Sequential(tnn.Sequential(tnn.Linear(1, 1), tnn.ReLU()), tnn.Linear(1, 2))
    assert m.apply(lambda mod: ours.append(type(mod).__name__)) is m
    t.apply(lambda mod: theirs.append(type(mod).__name__))
    assert ours == theirs == ["Linear", "ReLU", "Sequential", "Linear", "Sequential"]


def test_apply_initializes_weights() -> None:
    def init_fn(mod: nn.Module) -> None:
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)

    model = Net().apply(init_fn)
    assert all(not p.data.any() for n, p in model.named_parameters() if n.endswith("weight"))


def test_requires_grad_false_freezes_a_module() -> None:
    model = Net()
    assert model.enc.requires_grad_(False) is model.enc
    assert [p.requires_grad for p in model.enc.parameters()] == [False] * 4
    assert all(p.requires_grad for p in model.head.parameters())
    model(ag.tensor(np.ones((2, 2)))).sum().backward()
    assert all(p.grad is None for p in model.enc.parameters())
    assert model.head.weight.grad is not None
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


def test_add_module_register_parameter_get_submodule_get_parameter() -> None:
    torch = _torch()
    for lib in (nn, torch.nn):
        m = lib.Sequential(lib.Linear(2, 3), lib.ReLU())
        m.add_module("extra", lib.Linear(3, 1))
        m.register_module("more", lib.Linear(1, 1))
        m[0].register_parameter("scale", lib.Parameter(torch.ones(1) if lib is torch.nn else ag.ones(1)))
        names = [n for n, _ in m.named_parameters()]
        assert [n for n, _ in m.named_children()] == ["0", "1", "extra", "more"]
        assert m.get_submodule("extra") is m.extra
        assert m.get_submodule("") is m
        assert m.get_parameter("0.weight") is m[0].weight
        assert m.get_parameter("0.scale") is m[0].scale
        assert set(names) == {"0.weight", "0.bias", "0.scale", "extra.weight", "extra.bias",
                              "more.weight", "more.bias"}
        with pytest.raises(AttributeError):
            m.get_submodule("nope")
        with pytest.raises(AttributeError):
            m.get_parameter("extra.nope")
        with pytest.raises(KeyError):
            m.add_module("a.b", lib.ReLU())
        with pytest.raises(TypeError):
            m.add_module("x", 3)
        with pytest.raises(TypeError):
            m.register_parameter("p", 3)


def test_get_submodule_through_a_list_attribute() -> None:
    class Holder(nn.Module):
        def __init__(self) -> None:
            self.layers = [nn.Linear(1, 1, rng=0), nn.Linear(1, 1, rng=1)]

    h = Holder()
    assert h.get_submodule("layers.1") is h.layers[1]
    assert h.get_parameter("layers.1.bias") is h.layers[1].bias


# -- containers --------------------------------------------------------------------------------------
def test_sequential_slice_is_a_callable_sequential() -> None:
    torch = _torch()
    ours = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 4, rng=1), nn.Tanh())
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 4),
                                 torch.nn.Tanh()).double()
    with torch.no_grad():
        for (_, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            b.copy_(torch.tensor(a.data))
    x = np.random.default_rng(0).standard_normal((5, 2))
    head = ours[:-1]
    assert isinstance(head, nn.Sequential)
    assert len(head) == 3
    np.testing.assert_allclose(head(ag.tensor(x)).data, theirs[:-1](torch.tensor(x)).detach().numpy())
    assert len(ours[::2]) == len(theirs[::2]) == 2


def test_sequential_and_module_list_edits_renumber_as_torch() -> None:
    torch = _torch()
    results = []
    for lib in (nn, torch.nn):
        s = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4))
        del s[0]
        after_del = [n for n, _ in s.named_parameters()]
        s[0] = lib.Linear(2, 3)
        after_set = [n for n, _ in s.named_parameters()]
        s.insert(0, lib.Identity())
        after_insert = [n for n, _ in s.named_parameters()]
        popped = type(s.pop(0)).__name__
        ml = lib.ModuleList([lib.Linear(1, 1), lib.Linear(1, 2), lib.Linear(1, 3)])
        del ml[0]
        ml_del = [(n, tuple(p.shape)) for n, p in ml.named_parameters()]
        ml.pop(0)
        ml_pop = [(n, tuple(p.shape)) for n, p in ml.named_parameters()]
        results.append((after_del, after_set, after_insert, popped, ml_del, ml_pop, len(s)))
    assert results[0] == results[1]


def test_sequential_of_an_ordered_dict_as_torch() -> None:
    from collections import OrderedDict

    torch = _torch()
    seqs = []
    for lib in (nn, torch.nn):
        s = lib.Sequential(OrderedDict([("fc", lib.Linear(2, 3)), ("act", lib.ReLU()),
                                        ("out", lib.Linear(3, 1))]))
        s.add_module("final", lib.Sigmoid())  # appended: it runs in forward
        seqs.append(s)
    ours, theirs = seqs
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert ours.fc is ours[0]
    assert ours.final is ours[3]
    assert [n for n, _ in ours[1:3].named_parameters()] == [n for n, _ in theirs[1:3].named_parameters()]
    with torch.no_grad():
        for (_, a), (_, b) in zip(ours.named_parameters(), theirs.double().named_parameters(), strict=True):
            b.copy_(torch.tensor(a.data))
    x = np.random.default_rng(1).standard_normal((4, 2))
    np.testing.assert_allclose(ours(ag.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy())
    with pytest.raises(AttributeError):
        _ = ours.nope
