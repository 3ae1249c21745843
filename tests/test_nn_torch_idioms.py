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


def test_copies_are_fresh_parameters_without_gradients_as_torch() -> None:
    torch = _torch()
    for lib in (nn, torch.nn):
        model = lib.Linear(2, 1)
        model(ag.ones(3, 2) if lib is nn else torch.ones(3, 2)).sum().backward()
        for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
            assert twin.weight.grad is None
            assert twin.weight.requires_grad
            np.testing.assert_array_equal(np.asarray(twin.weight.data), np.asarray(model.weight.data))
        assert model.weight.grad is not None  # the original keeps its own


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


# -- optimizers and schedulers -----------------------------------------------------------------------
def _twin_params(torch: Any, shapes: tuple[tuple[int, ...], ...]) -> tuple[list[Any], list[Any]]:
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in shapes]
    return [nn.Parameter(a.copy()) for a in arrs], [torch.nn.Parameter(torch.tensor(a)) for a in arrs]


def test_optimizer_state_is_indexed_by_the_parameter_as_torch() -> None:
    torch = _torch()
    ours, theirs = _twin_params(torch, ((3, 2), (3,)))
    o, t = nn.optim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    ours[0].grad = ag.tensor(np.ones((3, 2)))
    theirs[0].grad = torch.ones(3, 2, dtype=torch.float64)
    o.step()
    t.step()
    assert set(o.state[ours[0]]) == set(t.state[theirs[0]]) == {"step", "exp_avg", "exp_avg_sq"}
    np.testing.assert_allclose(o.state[ours[0]]["exp_avg"], t.state[theirs[0]]["exp_avg"].numpy())
    assert o.state[ours[0]] is o.state[0]
    assert ours[0] in o.state
    assert ours[1] not in o.state  # no gradient yet: no state
    assert o.state[ours[1]] == {} == t.state[theirs[1]]
    with pytest.raises(KeyError, match="not one of the optimizer's parameters"):
        _ = o.state[nn.Parameter([1.0])]
    o2 = nn.optim.Adam(ours, lr=0.1)
    o2.load_state_dict(o.state_dict())
    np.testing.assert_array_equal(o2.state[ours[0]]["exp_avg"], o.state[ours[0]]["exp_avg"])


def test_step_with_a_closure_as_torch() -> None:
    torch = _torch()
    ours, theirs = _twin_params(torch, ((4,),))
    losses = []
    for lib, params in ((nn, ours), (torch, theirs)):
        opt = lib.optim.SGD(params, lr=0.1, momentum=0.9)
        w = params[0]

        def closure(opt: Any = opt, w: Any = w) -> Any:
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss

        run = []
        with (ag.no_grad() if lib is nn else torch.no_grad()):  # step turns gradients on itself
            for _ in range(3):
                run.append(float(opt.step(closure).item()))
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1])
    np.testing.assert_allclose(ours[0].data, theirs[0].detach().numpy())
    assert nn.optim.Adam(ours).step() is None


@pytest.mark.parametrize("kind", ["step", "cosine"])
def test_scheduler_with_a_group_added_later_as_torch(kind: str) -> None:
    torch = _torch()
    ours, theirs = _twin_params(torch, ((2,), (2,)))
    lrs = []
    for lib, params in ((nn, ours), (torch, theirs)):
        opt = lib.optim.SGD(params[:1], lr=1.0)
        sched = (lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) if kind == "step"
                 else lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01))
        run = []
        for epoch in range(6):
            if epoch == 3:
                opt.add_param_group({"params": params[1:], "lr": 0.3})
            opt.step()
            sched.step()
            run.append([g["lr"] for g in opt.param_groups])
        lrs.append(run)
    assert [len(r) for r in lrs[0]] == [len(r) for r in lrs[1]]
    for a, b in zip(lrs[0], lrs[1], strict=True):
        np.testing.assert_allclose(a, b)


# -- data --------------------------------------------------------------------------------------------
class Squares(nn.data.Dataset):
    """A map-style dataset as PyTorch code writes one: sample i is (features, label)."""

    def __init__(self, n: int) -> None:
        self.x = np.arange(2.0 * n).reshape(n, 2) ** 2
        self.y = np.arange(n) % 3

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[np.ndarray, Any]:
        return self.x[i], self.y[i]


@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_over_a_map_style_dataset_as_torch(drop_last: bool) -> None:
    torch = _torch()
    ds = Squares(7)
    ours = nn.DataLoader(ds, batch_size=3, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(ds, batch_size=3, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for (xb, yb), (tx, ty) in zip(got, want, strict=True):
        np.testing.assert_array_equal(xb, tx.numpy())
        np.testing.assert_array_equal(yb, ty.numpy())


def test_dataloader_shuffles_a_dataset_like_its_arrays() -> None:
    ds = Squares(10)
    a = [tuple(b) for b in nn.DataLoader(ds, batch_size=4, shuffle=True, seed=3)]
    b = list(nn.DataLoader(ds.x, ds.y, batch_size=4, shuffle=True, seed=3))
    c = list(nn.DataLoader(nn.data.TensorDataset(ag.tensor(ds.x), ds.y), batch_size=4, shuffle=True, seed=3))
    for (xa, ya), (xb, yb), (xc, yc) in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(xc, xb)
        np.testing.assert_array_equal(yc, yb)
    assert sorted(np.concatenate([y for _, y in a]).tolist()) == sorted(ds.y.tolist())


def test_dataloader_collates_dicts_and_refuses_ragged_samples() -> None:
    class Dicts:
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {"a": ag.tensor([i, i]), "b": float(i)}

    batches = list(nn.DataLoader(Dicts(), batch_size=2))
    np.testing.assert_array_equal(batches[0]["a"], [[0, 0], [1, 1]])
    np.testing.assert_array_equal(batches[1]["b"], [2.0])

    class Ragged(Dicts):
        def __getitem__(self, i: int) -> Any:
            return np.ones(i + 1)

    with pytest.raises(ValueError, match="equal shapes"):
        list(nn.DataLoader(Ragged(), batch_size=2))


# -- device, dtype, tied weights ---------------------------------------------------------------------
def test_to_cpu_float_double_as_torch() -> None:
    torch = _torch()
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.BatchNorm1d(3), nn.ReLU())
    assert model.to("cpu") is model
    assert model.to(torch.device("cpu")) is model
    assert model.cpu() is model
    model(ag.tensor(np.ones((4, 2)))).sum().backward()
    assert model.float() is model
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model[1].running_var.dtype == np.float32
    assert model[1].num_batches_tracked.dtype.kind == "i"  # integer buffers stay, as in torch
    assert model(ag.tensor(np.ones((4, 2), np.float32))).dtype == np.float32
    model.to("cpu", dtype=np.float64)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert model.double()(ag.tensor(np.ones((4, 2)))).dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(TypeError, match="floating-point"):
        model.to(np.int64)


def test_loading_a_torch_checkpoint_with_tied_weights() -> None:
    torch = _torch()

    def build(lib: Any) -> Any:
        class LM(lib.nn.Module if lib is torch else nn.Module):
            def __init__(self) -> None:
                super().__init__()
                L = lib.nn if lib is torch else nn  # noqa: N806 - as PyTorch code names it
                self.emb = L.Embedding(5, 3)
                self.body = L.Sequential(L.Linear(3, 3), L.Tanh())
                self.head = L.Linear(3, 5, bias=False)
                self.head.weight = self.emb.weight  # weight tying
                self.alias = self.body  # a shared module

        return LM()

    ours, theirs = build(nn), build(torch)
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert "head.weight" in sd
    assert "alias.0.weight" in sd
    assert ours.load_state_dict(sd) == ([], [])
    np.testing.assert_array_equal(ours.emb.weight.data, sd["emb.weight"])
    np.testing.assert_array_equal(ours.body[0].bias.data, sd["body.0.bias"])
    assert ours.head.weight is ours.emb.weight
    only_alias = {k: v for k, v in sd.items() if k != "emb.weight"}
    assert ours.load_state_dict(only_alias) == ([], [])  # the tied name alone is enough
    neither = {k: v for k, v in only_alias.items() if k != "head.weight"}
    assert ours.load_state_dict(neither, strict=False).missing_keys == ["emb.weight"]
    with pytest.raises(ValueError, match=r"missing keys: 'emb\.weight'"):
        ours.load_state_dict(neither)
    # What ours saves still loads into torch (strict=False: torch wants every name).
    back = {k: torch.tensor(v) for k, v in ours.state_dict().items()}
    assert sorted(theirs.load_state_dict(back, strict=False).missing_keys) == [
        "alias.0.bias", "alias.0.weight", "head.weight"]


def test_optimizer_over_a_partly_frozen_model_as_torch() -> None:
    torch = _torch()
    results = []
    for lib in (nn, torch):
        L = nn if lib is nn else torch.nn  # noqa: N806
        model = L.Sequential(L.Linear(2, 3), L.Tanh(), L.Linear(3, 1))
        model[0].requires_grad_(False)  # freeze, then hand every parameter to the optimizer
        opt = (nn.optim if lib is nn else torch.optim).Adam(model.parameters(), lr=0.1)
        before = [np.array(p.data if lib is nn else p.detach().numpy()) for p in model.parameters()]
        x = ag.ones(4, 2) if lib is nn else torch.ones(4, 2)
        model(x).sum().backward()
        opt.step()
        after = [np.array(p.data if lib is nn else p.detach().numpy()) for p in model.parameters()]
        results.append([bool((a != b).any()) for a, b in zip(before, after, strict=True)])
    assert results[0] == results[1] == [False, False, True, True]
    with pytest.raises(ValueError, match="not a leaf"):
        nn.optim.SGD([nn.Parameter([1.0]) * 2], lr=0.1)


def test_parameters_and_buffers_without_recursion_as_torch() -> None:
    torch = _torch()

    def build(lib: Any) -> Any:
        L = nn if lib is nn else torch.nn  # noqa: N806 - as PyTorch code names it
        one = ag.ones(1) if lib is nn else torch.ones(1)

        class Scaled(L.Module):  # type: ignore[name-defined, misc]
            def __init__(self) -> None:
                super().__init__()
                self.fc = L.Linear(2, 2)
                self.scale = L.Parameter(one)
                self.register_buffer("count", one * 0)
                self.fc.register_buffer("inner", one * 0)

        return Scaled()

    got = []
    for lib in (nn, torch):
        m = build(lib)
        own: list[str] = []
        m.apply(lambda mod, own=own: own.extend(type(mod).__name__ + ":" + n
                                                  for n, _ in mod.named_parameters(recurse=False)))
        got.append((
            [n for n, _ in m.named_parameters(recurse=False)],
            len(list(m.parameters(recurse=False))),
            [n for n, _ in m.named_buffers(recurse=False)],
            len(list(m.buffers(recurse=False))),
            [n for n, _ in m.named_buffers()],
            own,
        ))
    assert got[0] == got[1]
    assert got[0][0] == ["scale"]


# -- loss modules ------------------------------------------------------------------------------------
def _loss_cases(torch: Any) -> list[tuple[str, dict[str, Any], list[np.ndarray]]]:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4))
    x3 = rng.standard_normal((2, 4, 3))  # (N, C, d1): classes on axis 1, as torch's modules
    labels = np.array([0, 3, 1, -100, 2, 3])
    labels3 = np.array([[0, 3, 1], [2, 2, 0]])
    w = rng.random(4) + 0.1
    t01 = rng.random((6, 4))
    probs = 1 / (1 + np.exp(-x))
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    pt = np.exp(rng.standard_normal((6, 4)))
    pt /= pt.sum(1, keepdims=True)
    return [
        ("MSELoss", {}, [x, t01]),
        ("L1Loss", {"reduction": "sum"}, [x, t01]),
        ("HuberLoss", {"delta": 0.5, "reduction": "none"}, [x, t01]),
        ("SmoothL1Loss", {"beta": 0.5}, [x, t01]),
        ("KLDivLoss", {"reduction": "batchmean"}, [logp, pt]),
        ("BCELoss", {"weight": w}, [probs, t01]),
        ("BCEWithLogitsLoss", {"pos_weight": w, "reduction": "sum"}, [x, t01]),
        ("CrossEntropyLoss", {"weight": w, "label_smoothing": 0.1}, [x, labels]),
        ("CrossEntropyLoss", {"reduction": "none"}, [x3, labels3]),
        ("CrossEntropyLoss", {}, [x[0], np.array(2)]),
        ("CrossEntropyLoss", {"label_smoothing": 0.2}, [x, pt]),
        ("NLLLoss", {"weight": w, "ignore_index": 3}, [logp, np.where(labels < 0, 0, labels)]),
        ("NLLLoss", {}, [x3, labels3]),
        ("CosineEmbeddingLoss", {"margin": 0.1}, [x, t01, np.array([1, -1, 1, 1, -1, -1])]),
        ("MarginRankingLoss", {"margin": 0.2}, [x[:, 0], t01[:, 0], np.array([1, -1, 1, 1, -1, -1])]),
    ]


def test_loss_modules_as_torch() -> None:
    torch = _torch()
    for name, kw, arrays in _loss_cases(torch):
        ours = getattr(nn, name)(**{k: (ag.tensor(v) if isinstance(v, np.ndarray) else v)
                                    for k, v in kw.items()})
        theirs = getattr(torch.nn, name)(**{k: (torch.tensor(v) if isinstance(v, np.ndarray) else v)
                                            for k, v in kw.items()})
        xs = ag.tensor(arrays[0], requires_grad=True)
        xt = torch.tensor(arrays[0], requires_grad=True)
        rest = arrays[1:]
        ls = ours(xs, *rest)
        lt = theirs(xt, *[torch.tensor(a) for a in rest])
        np.testing.assert_allclose(ls.data, lt.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        ls.sum().backward()
        lt.sum().backward()
        np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
        assert list(ours.state_dict()) == list(theirs.state_dict()), name


def test_module_dict_update_clear_and_module_list_add_as_torch() -> None:
    torch = _torch()
    got = []
    for lib in (nn, torch.nn):
        md = lib.ModuleDict({"a": lib.Linear(1, 1)})
        md.update(lib.ModuleDict({"b": lib.ReLU()}))
        md.update([("c", lib.Tanh())])
        keys = list(md.keys())
        md.clear()
        ml = lib.ModuleList([lib.Linear(1, 1)])
        ml += lib.ModuleList([lib.Linear(1, 2)])
        both = ml + lib.ModuleList([lib.Linear(1, 3)])
        got.append((keys, len(md), len(ml), len(both),
                    [(n, tuple(p.shape)) for n, p in both.named_parameters()]))
    assert got[0] == got[1]
    md = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(TypeError, match="pairs"):
        md.update(["ab"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a Module"):
        md.update({"x": nn.ReLU(), "y": 3})  # type: ignore[dict-item]
    assert list(md.keys()) == ["a"]  # nothing was added


def test_assigning_a_plain_tensor_over_a_parameter_is_refused_as_torch() -> None:
    torch = _torch()
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        ours.weight = ag.ones(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        theirs.weight = torch.ones(2, 2)
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    ours.weight = nn.Parameter(ag.ones(2, 2))  # a Parameter, or None, is fine
    ours.bias = None
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
