"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``, with its AMSGrad variant."""
import math

import numpy

from .. import backend
from ..nn import kernels
from .optimizer import Optimizer


# -- the naive twin: one parameter at a time, as the paper writes it ---------------------
# (read it first: the fast path below is tested against it)
def adam_step_simple(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """One Adam step (Kingma & Ba 2015, Algorithm 1) on each parameter in turn,
    in place, as the paper writes it; ``state`` is a dict kept between calls.

        g = grad + weight_decay * theta
        m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
        theta = theta - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    """
    b1, b2 = betas
    t = state["t"] = state.get("t", 0) + 1
    for i, (theta, g) in enumerate(zip(params, grads)):
        g = g + weight_decay * theta
        m = state[("m", i)] = b1 * state.get(("m", i), 0.0) + (1 - b1) * g
        v = state[("v", i)] = b2 * state.get(("v", i), 0.0) + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta -= lr * m_hat / (numpy.sqrt(v_hat) + eps)
    return params



class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False).

        g = grad + weight_decay * theta              (L2 penalty, not AdamW)
        m = beta1 m + (1 - beta1) g                  first moment
        v = beta2 v + (1 - beta2) g^2                second moment
        v_max = max(v_max, v)                        AMSGrad only: v never shrinks
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)     (v_max with AMSGrad)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    t is the parameter's own step count.  PyTorch folds the bias corrections
    in exactly this order:
    theta -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    Fast path: all parameters as one flat vector; the naive twin, one
    parameter at a time, is ``adam_step_simple`` above.
    """

    def _buffer_names(self):
        amsgrad = any(g["amsgrad"] for g in self.param_groups)
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, dict(lr=float(lr), betas=(float(betas[0]), float(betas[1])),
                                      eps=float(eps), weight_decay=float(weight_decay),
                                      amsgrad=bool(amsgrad)))

    def _check_group(self, g):
        b1, b2 = g["betas"]
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {g['betas']}")
        if g["eps"] < 0 or g["weight_decay"] < 0:
            raise ValueError(f"Adam: eps and weight_decay must be >= 0, got {g['eps']}, "
                             f"{g['weight_decay']}")

    #: Elements updated per block: every array of a block (theta, g, m, v and two
    #: scratch buffers, 6 x 256 KB) stays in the CPU's cache through all twelve
    #: operations, so each number goes to and from memory once, not twelve
    #: times: 1.4x faster on the 2-core test machine than whole-vector passes,
    #: and faster than splitting the vector over threads, whose many small
    #: NumPy calls fight over the GIL.  On a GPU one block is the whole slice.
    BLOCK = 1 << 16
    threaded = False          # one thread, block by block (see BLOCK)

    def _update(self, piece, group, t):
        xp = backend.get_array_module(self.theta)
        n = piece.stop - piece.start
        blocked = xp is numpy and kernels.enabled()         # the kernels' detour (see BLOCK)
        size = min(n, self.BLOCK) if blocked else n
        scratch = xp.empty((2, size), dtype=self.theta.dtype)   # this piece's own (threads)
        for start in range(piece.start, piece.stop, size):
            block = slice(start, min(piece.stop, start + size))
            k = block.stop - block.start
            self._update_block(block, group, t, scratch[0, :k], scratch[1, :k])

    def _update_block(self, block, group, t, tmp, step):
        """The update of the class docstring on one slice, in place, no temporaries
        beyond two scratch buffers (views of the flat vectors).  The operations
        and their order are those of the whole-vector version before it, so the
        numbers are the same to the last bit."""
        theta, g = self.theta[block], self.grad[block]
        m, v = self.exp_avg[block], self.exp_avg_sq[block]
        b1, b2 = group["betas"]
        f = theta.dtype.type
        xp = backend.get_array_module(theta)
        if group["weight_decay"]:
            g = g + f(group["weight_decay"]) * theta
        m *= f(b1)                                    # m = b1 m + (1 - b1) g
        xp.multiply(g, f(1 - b1), out=tmp)
        m += tmp
        v *= f(b2)                                    # v = b2 v + (1 - b2) g^2
        xp.multiply(g, g, out=tmp)
        tmp *= f(1 - b2)
        v += tmp
        if group["amsgrad"]:
            v_max = self.max_exp_avg_sq[block]
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        xp.sqrt(v, out=tmp)                           # denom = sqrt(v) / sqrt(1 - b2^t) + eps
        tmp /= f(math.sqrt(1 - b2 ** t))
        tmp += f(group["eps"])
        xp.multiply(m, f(group["lr"] / (1 - b1 ** t)), out=step)   # theta -= lr / (1 - b1^t)
        step /= tmp                                                 #          * m / denom
        theta -= step
