"""Containers: `ModuleList` and `ModuleDict`, which hold submodules under PyTorch's names.

A plain list attribute works too (`self.layers = [...]` names its items `layers.0`, ...);
these containers are for code written against PyTorch, where `nn.ModuleList` is how a list of
layers is registered.

>>> import nn
>>> blocks = nn.ModuleList([nn.Linear(2, 2, rng=0), nn.Linear(2, 1, rng=0)])
>>> [name for name, _ in blocks.named_parameters()]
['0.weight', '0.bias', '1.weight', '1.bias']
>>> heads = nn.ModuleDict({"a": nn.Linear(2, 1, rng=0)})
>>> [name for name, _ in heads.named_parameters()]
['a.weight', 'a.bias']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Member, Module, _bump, _link


def _check_module(where: str, what: str, m: Any) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"{where}: {what} is a {type(m).__name__}, not a Module")
    return m


class ModuleList(Module):
    """A list of modules, named by position (`0`, `1`, ...). It has no forward of its own:
    iterate over it in the owner's forward.

    Supports len, iteration, indexing (an int or a slice), `append`, `extend`, `insert`.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        self._items: list[Module] = []
        if modules is not None:
            self.extend(modules)

    def _named_members(self) -> Iterator[tuple[str, Member]]:
        for i, m in enumerate(self._items):
            yield str(i), m

    def _relink(self, start: int = 0) -> None:
        changed = False
        for i in range(start, len(self._items)):
            changed |= _link(self._items[i], self, str(i))
        if changed:
            _bump()

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end; returns self."""
        self._items.append(_check_module("ModuleList.append", "the item", module))
        self._relink(len(self._items) - 1)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add modules at the end; returns self."""
        start = len(self._items)
        new = [_check_module("ModuleList", f"item {start + i}", m) for i, m in enumerate(modules)]
        self._items.extend(new)
        self._relink(start)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert a module before `index` (the ones after it are renumbered)."""
        self._items.insert(index, _check_module("ModuleList.insert", "the item", module))
        self._relink()

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self._items[index] = _check_module("ModuleList", f"item {index}", module)
        self._relink()

    def __delitem__(self, index: int | slice) -> None:
        del self._items[index]
        self._relink()

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at `index` (the ones after it are renumbered)."""
        m = self._items.pop(index)
        self._relink()
        return m

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of this one's modules then `other`'s (the modules are shared)."""
        return ModuleList([*self._items, *other])

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._items))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward: iterate over it in the forward of the module that holds it"
        )


class ModuleDict(Module):
    """An ordered dict of modules, named by key. Keys are strings without '.'.

    Supports len, iteration over keys, `[key]`, `in`, `keys`, `values`, `items`, `update`, `pop`.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        self._items: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def _named_members(self) -> Iterator[tuple[str, Member]]:
        yield from self._items.items()

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty strings without '.', got {key!r}")
        self._items[key] = _check_module("ModuleDict", f"the value for {key!r}", module)
        if _link(module, self, key):
            _bump()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping (another ModuleDict too) or (key, module)
        pairs. All are checked before any is added."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        else:
            pairs = []
            for i, item in enumerate(modules):
                if not (isinstance(item, (tuple, list)) and len(item) == 2):
                    raise TypeError(
                        f"ModuleDict.update: expected a mapping or (key, module) pairs, but item "
                        f"{i} is {type(item).__name__} {item!r}"
                    )
                pairs.append((item[0], item[1]))
        for key, m in pairs:
            if not isinstance(key, str) or not key or "." in key:
                raise KeyError(f"ModuleDict: keys must be non-empty strings without '.', got {key!r}")
            _check_module("ModuleDict", f"the value for {key!r}", m)
        for key, m in pairs:
            self[key] = m

    def clear(self) -> None:
        """Remove every module."""
        self._items.clear()

    def __getitem__(self, key: str) -> Module:
        return self._items[key]

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def pop(self, key: str) -> Module:
        """Remove and return the module under `key`."""
        return self._items.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def keys(self) -> list[str]:
        return list(self._items)

    def values(self) -> list[Module]:
        return list(self._items.values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._items.items())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleDict has no forward: look its modules up in the forward of the module that holds it"
        )
