"""Optimizers: SGD (with momentum) and Adam, with PyTorch's update rules exactly.

The update rules act on each parameter elementwise, so it makes no difference
whether we loop over the parameters or treat them all as one long vector
theta.  We do the latter: at construction the optimizer packs every
parameter's ``.data`` (and ``.grad``) into one flat buffer and makes each
``p.data`` a view into it.  One step is then a handful of whole-vector
operations, the formula as written in the papers, instead of a loop of small
ones (on a GPU each small operation costs a kernel launch).

Consequence to know: create the optimizer *after* moving a model with
``.to(...)``, since moving replaces the arrays.

On the CPU a long theta is cut into one piece per core and the pieces are
updated at the same time by a few threads (NumPy releases Python's lock
inside its loops).  Every update rule here is elementwise, so the result is
bit for bit that of one pass; it is only faster (PyTorch's CPU kernels are
multi-threaded too).
"""
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy

from . import backend

_PIECE = 1 << 18          # split only vectors of more than 256k numbers
_pool = None


def _threads():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
    return _pool


class Optimizer:
    def __init__(self, params, lr):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if lr < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {lr}")
        self.lr = float(lr)
        self.params = params
        self.step_count = 0
        self._pack()

    def _pack(self):
        """Re-home every p.data and p.grad as views of two flat vectors."""
        dtypes = {p.data.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"{type(self).__name__}: all parameters must share one "
                            f"dtype, got {sorted(map(str, dtypes))}")
        xp = backend.get_array_module(self.params[0].data)
        sizes = [p.data.size for p in self.params]
        self.theta = xp.concatenate([p.data.ravel() for p in self.params])
        self.grad = xp.concatenate([p.grad.ravel() for p in self.params])
        offset = 0
        self._views = []
        for p, n in zip(self.params, sizes):
            p.data = self.theta[offset:offset + n].reshape(p.data.shape)
            p.grad = self.grad[offset:offset + n].reshape(p.grad.shape)
            self._views.append((p.data, p.grad))
            offset += n

    def _check_views(self):
        for p, (d, g) in zip(self.params, self._views):
            if p.data is not d or p.grad is not g:
                raise RuntimeError(
                    f"{type(self).__name__}: a parameter's array was replaced after "
                    "the optimizer was created (by .to(), another optimizer, or an "
                    "assignment to p.data); create the optimizer last, or update "
                    "in place with p.data[...] = value")

    def zero_grad(self):
        """Set every gradient to 0 (one fill of the flat gradient vector)."""
        self.grad.fill(0)

    def step(self):
        self._check_views()
        self.step_count += 1
        n = self.theta.size
        pieces = min(4, os.cpu_count() or 1, n // _PIECE)
        if pieces < 2 or backend.get_array_module(self.theta) is not numpy:
            self._update(slice(0, n))
            return
        bounds = [n * i // pieces for i in range(pieces + 1)]
        list(_threads().map(self._update, [slice(a, b) for a, b in zip(bounds, bounds[1:])]))

    # state dicts: flat arrays plus hyper-parameters
    def state_dict(self):
        state = {"lr": self.lr, "step": self.step_count}
        state.update(self._hyper())
        for name in self._buffers():
            state[name] = getattr(self, name)
        return state

    def load_state_dict(self, state):
        expected = ["lr", "step"] + list(self._hyper()) + list(self._buffers())
        missing = [k for k in expected if k not in state]
        if missing:
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing {missing}")
        for name in self._buffers():
            if tuple(state[name].shape) != tuple(getattr(self, name).shape):
                raise ValueError(f"{type(self).__name__}.load_state_dict: '{name}' has "
                                 f"shape {tuple(state[name].shape)}, expected "
                                 f"{tuple(getattr(self, name).shape)} (a different model?)")
        self.lr = float(state["lr"])
        self.step_count = int(state["step"])
        for k in self._hyper():
            self._set_hyper(k, state[k])
        xp = backend.get_array_module(self.theta)
        for name in self._buffers():
            getattr(self, name)[...] = xp.asarray(state[name])


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

        g = grad + weight_decay * theta
        v = g                                   on the first step (PyTorch's convention)
        v = momentum * v + (1 - dampening) g    afterwards
        g = g + momentum * v                    if nesterov, else g = v
        theta = theta - lr * g

    Arguments in PyTorch's order: SGD(params, lr, momentum, dampening,
    weight_decay, nesterov).  The GAN paper's SGD is momentum 0.5-0.7, no
    dampening.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and "
                             "dampening = 0 (PyTorch's rule)")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.dampening = float(dampening)
        self.weight_decay = float(weight_decay)
        super().__init__(params, lr)
        xp = backend.get_array_module(self.theta)
        self.velocity = xp.zeros_like(self.theta)

    def _hyper(self):
        return {"momentum": self.momentum, "dampening": self.dampening,
                "nesterov": self.nesterov, "weight_decay": self.weight_decay}

    def _set_hyper(self, k, v):
        setattr(self, k, bool(v) if k == "nesterov" else float(v))

    def _buffers(self):
        return ("velocity",) if self.momentum else ()

    def _update(self, piece):
        theta, g = self.theta[piece], self.grad[piece]
        if self.weight_decay:
            g = g + self.weight_decay * theta
        if self.momentum:
            v = self.velocity[piece]
            if self.step_count == 1:
                v[...] = g
            else:
                v *= self.momentum
                v += (1 - self.dampening) * g if self.dampening else g
            g = g + self.momentum * v if self.nesterov else v
        theta -= theta.dtype.type(self.lr) * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam``.

        g = grad + weight_decay * theta              (L2 penalty, not AdamW)
        m = beta1 m + (1 - beta1) g                  first moment
        v = beta2 v + (1 - beta2) g^2                second moment
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    PyTorch folds the bias corrections in exactly this order:
    theta -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        super().__init__(params, lr)
        xp = backend.get_array_module(self.theta)
        self.exp_avg = xp.zeros_like(self.theta)
        self.exp_avg_sq = xp.zeros_like(self.theta)

    def _hyper(self):
        return {"beta1": self.betas[0], "beta2": self.betas[1], "eps": self.eps,
                "weight_decay": self.weight_decay}

    def _set_hyper(self, k, v):
        if k == "beta1":
            self.betas = (float(v), self.betas[1])
        elif k == "beta2":
            self.betas = (self.betas[0], float(v))
        else:
            setattr(self, k, float(v))

    def _buffers(self):
        return ("exp_avg", "exp_avg_sq")

    def _update(self, piece):
        theta, g = self.theta[piece], self.grad[piece]        # views: updated in place
        b1, b2 = self.betas
        t = self.step_count
        f = theta.dtype.type
        if self.weight_decay:
            g = g + f(self.weight_decay) * theta
        m, v = self.exp_avg[piece], self.exp_avg_sq[piece]
        m *= f(b1)
        m += f(1 - b1) * g
        v *= f(b2)
        v += f(1 - b2) * (g * g)
        step_size = self.lr / (1 - b1 ** t)
        denom = backend.get_array_module(v).sqrt(v)
        denom /= f(math.sqrt(1 - b2 ** t))
        denom += f(self.eps)
        theta -= f(step_size) * m / denom
