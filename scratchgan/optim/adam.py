"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``, with its AMSGrad variant."""
import math

from .. import backend
from .optimizer import Optimizer


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
    parameter at a time, is ``scratchgan.nn.reference.adam_step``.
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

    def _update(self, piece, group, t):
        theta, g = self.theta[piece], self.grad[piece]        # views: updated in place
        b1, b2 = group["betas"]
        f = theta.dtype.type
        if group["weight_decay"]:
            g = g + f(group["weight_decay"]) * theta
        m, v = self.exp_avg[piece], self.exp_avg_sq[piece]
        m *= f(b1)
        m += f(1 - b1) * g
        v *= f(b2)
        v += f(1 - b2) * (g * g)
        xp = backend.get_array_module(v)
        if group["amsgrad"]:
            v_max = self.max_exp_avg_sq[piece]
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = group["lr"] / (1 - b1 ** t)
        denom = xp.sqrt(v)
        denom /= f(math.sqrt(1 - b2 ** t))
        denom += f(group["eps"])
        theta -= f(step_size) * m / denom
