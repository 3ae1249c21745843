"""Learning-rate schedules: StepLR and CosineAnnealingLR, as PyTorch's (closed forms).

A scheduler sets the `lr` of each of an optimizer's parameter groups from its base value and
the number of `step()` calls (epochs, usually). Call `scheduler.step()` after `optimizer.step()`.

>>> import nn
>>> opt = nn.optim.SGD([nn.Parameter([1.0])], lr=1.0)
>>> sched = nn.optim.StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .optim import Optimizer


class LRScheduler:
    """Base class: `step()` counts epochs and sets each group's lr to `lr_at(base_lr, epoch)`."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lrs: list[float] = [float(g["lr"]) for g in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__}: a scheduler must define lr_at()")

    def _set_lrs(self) -> None:
        self._adopt_new_groups()
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def _adopt_new_groups(self) -> None:
        """Give groups added after the scheduler was made (`add_param_group`) a base rate:
        the one whose schedule is at their lr now, so they continue from it (as PyTorch's
        schedules, which scale each group's current lr)."""
        for group in self.optimizer.param_groups[len(self.base_lrs):]:
            lr, epoch = float(group["lr"]), self.last_epoch
            # lr_at is affine in the base rate: lr = a * base + b.
            b = self.lr_at(0.0, epoch)
            a = self.lr_at(1.0, epoch) - b
            self.base_lrs.append((lr - b) / a if a != 0 else lr)

    def step(self) -> None:
        """Advance one epoch and update the optimizer's learning rates."""
        self._adopt_new_groups()
        self.last_epoch += 1
        self._set_lrs()

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group, as last set."""
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer: the epoch count, base rates and settings."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state from `state_dict()`; the optimizer's lrs are set to match it.

        Every entry is checked (known name, the same kind of value as now: an int, a number,
        or one number per parameter group) before any is set.
        """
        who = f"{type(self).__name__}.load_state_dict"
        new = {}
        for k, v in state.items():
            if k not in vars(self) or k == "optimizer":
                raise ValueError(f"{who}: unexpected key {k!r}")
            v, now = _plain(v), getattr(self, k)
            if isinstance(now, list):
                ok = isinstance(v, list) and len(v) == len(now) and all(_is_number(x) for x in v)
            elif isinstance(now, int) and not isinstance(now, bool):
                ok = isinstance(v, int) and not isinstance(v, bool)
            else:
                ok = _is_number(v)
            if not ok:
                raise ValueError(f"{who}: {k!r} must be like {now!r}, got {v!r}")
            new[k] = v
        for k, v in new.items():
            setattr(self, k, v)
        self._set_lrs()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _plain(v: Any) -> Any:
    """Numbers and lists as Python values (a file may hand back numpy ones)."""
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


class StepLR(LRScheduler):
    """lr = base_lr * gamma ^ floor(epoch / step_size): divide by 1/gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2.

    Half a cosine from base_lr down to eta_min over T_max epochs (SGDR without restarts).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 - PyTorch's name
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
