"""Module and Parameter: finding parameters, names, modes, scopes, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.engine import iter_graph


class Block(nn.Module):
    """A module that holds members in every supported way; it skips super().__init__()."""

    def __init__(self) -> None:
        self.scale = nn.Parameter(2.0)
        self.pair = (nn.Linear(2, 2, rng=0), nn.Parameter([1.0, 1.0]))
        self.heads = {"a": nn.Linear(2, 1, rng=1), "b": [nn.Parameter(0.5)]}
        self.note = "not a member"
        self.plain = ag.tensor([1.0, 2.0])  # a plain tensor is not a parameter

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h = self.pair[0](x) * self.scale + self.pair[1]
        return self.heads["a"](h) * self.heads["b"][0]


def test_parameters_are_found_in_definition_order() -> None:
    block = Block()
    names = [n for n, _ in block.named_parameters()]
    assert names == [
        "scale", "pair.0.weight", "pair.0.bias", "pair.1", "heads.a.weight", "heads.a.bias", "heads.b.0",
    ]
    assert [p.name for p in block.parameters()] == names
    assert block.num_parameters() == 1 + 4 + 2 + 2 + 2 + 1 + 1
    assert [n for n, _ in block.named_children()] == ["pair.0", "heads.a"]
    assert [n for n, _ in block.named_modules()] == ["", "pair.0", "heads.a"]
    assert list(block.children()) == [block.pair[0], block.heads["a"]]
    assert next(block.named_parameters(prefix="model"))[0] == "model.scale"
    assert block.training  # the class default, without __init__


def test_names_are_right_after_construction_and_nesting() -> None:
    model = nn.MLP(2, [4, 1])
    assert model.layers[0].weight.name == "layers.0.weight"
    assert model.layers[1].bias.name == "layers.1.bias"

    class Outer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.MLP(2, [3])
            self.head = nn.Linear(3, 1)

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return self.head(self.encoder(x))

    outer = Outer()
    # Attaching renamed the encoder's parameters with the outer prefix, before any walk.
    assert outer.encoder.layers[0].weight.name == "encoder.layers.0.weight"
    assert outer.head.bias.name == "head.bias"
    # Walking a submodule yields relative names but keeps the full names on the parameters.
    assert [n for n, _ in outer.encoder.named_parameters()] == ["layers.0.weight", "layers.0.bias"]
    assert outer.encoder.layers[0].bias.name == "encoder.layers.0.bias"
    # A list changed after assignment is named on the next walk.
    model.layers.append(nn.Layer(1, 1))
    assert [n for n, _ in model.named_parameters()][-1] == "layers.2.bias"
    assert model.layers[2].weight.name == "layers.2.weight"


def test_reading_names_and_printing_while_iterating_parameters() -> None:
    # `for name, p in model.named_parameters(): print(name, p)` reads each parameter's name
    # (which caches the dotted names in the modules) while the walk over them is paused.
    model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    seen = [(n, p.name, repr(p).count("requires_grad")) for n, p in model.named_parameters()]
    assert seen == [(n, n, 1) for n in ("0.weight", "0.bias", "2.weight", "2.bias")]
    layer = nn.Linear(2, 3)
    assert [p.name for p in layer.parameters()] == ["weight", "bias"]
    mlp = nn.MLP(2, [3, 1])
    assert [(n, p.name) for n, p in mlp.named_parameters()] == [(p.name, p.name) for p in mlp.parameters()]
    assert [n for n, m in mlp.named_modules() if m.parameters() and str(m)] == ["", "layers.0", "layers.1"]


def test_shared_parameters_and_modules_appear_once() -> None:
    shared = nn.Linear(2, 2, rng=0)

    class Tied(nn.Module):
        def __init__(self) -> None:
            self.first = shared
            self.second = shared
            self.w = nn.Parameter([1.0])
            self.w_again = self.w

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return self.second(self.first(x)) * self.w

    tied = Tied()
    assert [n for n, _ in tied.named_parameters()] == ["first.weight", "first.bias", "w"]
    assert len(list(tied.modules())) == 2
    out = tied(np.ones((1, 2))).sum()
    out.backward()
    assert shared.weight.grad is not None  # gradients from both uses accumulate in one place


def test_cycles_do_not_recurse_forever() -> None:
    a = nn.Linear(1, 1)
    b = nn.Linear(1, 1)
    b.partner = a
    a.partner = b
    assert len(list(a.modules())) == 2
    assert len(a.parameters()) == 4


def test_call_runs_forward_in_the_module_scope() -> None:
    model = nn.MLP(2, [3, 1])
    out = model(ag.ones(4, 2))
    scopes = {t._ctx.scope for t in iter_graph(out) if t._ctx is not None}
    assert scopes == {("MLP", "layers.0"), ("MLP", "layers.1")}
    leaves = {t.name for t in iter_graph(out) if t._ctx is None and t.requires_grad}
    assert leaves == {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"}


def test_zero_grad_train_eval() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.MLP(2, [1]))
    model(np.ones((3, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_forward_must_be_defined() -> None:
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty: a Module subclass must define forward"):
        Empty()(1.0)


def test_parameter() -> None:
    p = nn.Parameter([1, 2, 3])
    assert p.requires_grad
    assert p.is_leaf
    assert p.dtype == np.float64
    assert isinstance(p, ag.Tensor)
    assert nn.Parameter(np.zeros(2, dtype=np.float32)).dtype == np.float32  # float arrays keep theirs
    assert type(p * 2) is ag.Tensor  # op results are plain tensors
    want = "Parameter containing:\ntensor([1.], name='w', requires_grad=True)"
    assert repr(nn.Parameter([1.0], name="w")) == want
    ag.set_default_dtype(np.float32)
    assert nn.Parameter([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="Parameter: the dtype must be a float dtype, got int64"):
        nn.Parameter([1], dtype=np.int64)


# -- state dicts ------------------------------------------------------------------------------
def test_state_dict_round_trip() -> None:
    a = nn.MLP(2, [4, 3], rng=0)
    b = nn.MLP(2, [4, 3], rng=1)
    state = a.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    state["layers.0.bias"][0] = 123.0  # a copy: changing it does not touch the model
    assert a.layers[0].bias.data[0] != 123.0
    state = a.state_dict()
    result = b.load_state_dict(state)
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    for (ka, pa), (kb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert ka == kb
        np.testing.assert_array_equal(pa.data, pb.data)
        assert pa.data is not pb.data
    x = np.ones((2, 2))
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_errors_name_keys_and_shapes() -> None:
    model = nn.MLP(2, [4, 1])
    state = model.state_dict()
    del state["layers.1.bias"]
    state["layers.2.weight"] = np.zeros((1, 1))
    with pytest.raises(
        ValueError,
        match=r"missing keys: 'layers.1.bias'; unexpected "
        r"keys: 'layers.2.weight'",
    ):
        model.load_state_dict(state)

    bad = model.state_dict()
    bad["layers.0.weight"] = np.zeros((3, 2))
    with pytest.raises(
        ValueError,
        match=r"shape mismatch for 'layers.0.weight': the model has shape \(4, 2\), "
        r"the state dict has shape \(3, 2\)",
    ):
        model.load_state_dict(bad)

    before = model.layers[0].bias.data.copy()
    partial = {"layers.0.bias": np.full(4, 7.0), "extra": np.zeros(1)}
    result = model.load_state_dict(partial, strict=False)
    assert result.unexpected_keys == ["extra"]
    assert "layers.1.weight" in result.missing_keys
    np.testing.assert_array_equal(model.layers[0].bias.data, 7.0)
    assert not np.array_equal(before, 7.0)
    with pytest.raises(TypeError, match=r"load_state_dict: expected a mapping of name -> array, got list"):
        model.load_state_dict([1, 2])  # type: ignore[arg-type]


def test_loading_bumps_the_version_so_stale_graphs_fail() -> None:
    model = nn.Linear(2, 1, rng=0)
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    out = (model(x) * model(x)).sum()
    model.load_state_dict(nn.Linear(2, 1, rng=1).state_dict())
    with pytest.raises(ag.AutogradError, match="modified in place"):
        out.backward()
