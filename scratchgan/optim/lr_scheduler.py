"""Learning-rate schedules, as ``torch.optim.lr_scheduler``.

A scheduler changes ``group["lr"]`` of an optimizer's parameter groups once
per ``step()`` (call it after ``optimizer.step()``, once per iteration or
epoch, whichever your schedule counts).  ``get_last_lr()`` gives the rates it
set last.  Creating one sets the rates for step 0 (for ``LinearLR``:
start_factor times the base rate).

Each docstring gives the closed form; the code computes PyTorch's recurrence
(the new rate from the current one), so the sequences equal PyTorch's number
for number, rounding included, and a rate changed by hand between steps is
carried on from, as in PyTorch.
"""
import math


class LRScheduler:
    """Base class: t = ``last_epoch`` counts the ``step()`` calls."""

    def __init__(self, optimizer, last_epoch=-1):
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._initial = True
        self.step()
        self._initial = False

    def get_lr(self):
        """The rates for step ``last_epoch``, one per group."""
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self):
        return list(self._last_lr)

    def _lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state):
        self.last_epoch = int(state["last_epoch"])
        self._last_lr = self._lrs()


class StepLR(LRScheduler):
    """lr_t = base_lr * gamma^floor(t / step_size): decay by gamma every step_size steps."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if int(step_size) < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class ExponentialLR(LRScheduler):
    """lr_t = base_lr * gamma^t."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t); one function, or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per group), got "
                             f"{len(lambdas)}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class LinearLR(LRScheduler):
    """lr_t = base_lr * (s + (e - s) * min(t, T) / T), with s = start_factor,
    e = end_factor, T = total_iters: a linear ramp from s to e, then flat."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not (0 < start_factor <= 1) or not (0 <= end_factor <= 1):
            raise ValueError("LinearLR: start_factor must be in (0, 1] and end_factor in "
                             f"[0, 1], got {start_factor}, {end_factor}")
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        s, e, T, t = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
        if t == 0:
            return [lr * s for lr in self._lrs()]
        if self._initial or t > T:
            return self._lrs()
        # the factor of step t divided by that of step t - 1
        return [lr * (1.0 + (e - s) / (T * s + (t - 1) * (e - s))) for lr in self._lrs()]


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2:
    half a cosine from base_lr down to eta_min over T_max steps (then back up)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        if int(T_max) < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return self._lrs()
        if (t - 1 - T) % (2 * T) == 0:                 # at the bottom: turn back up
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._lrs(), self.base_lrs)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (lr - lo) + lo for lr in self._lrs()]
