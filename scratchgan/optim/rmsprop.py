"""RMSprop (Tieleman & Hinton 2012), as ``torch.optim.RMSprop``: WGAN's optimizer."""
from .. import backend
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False).

        g = grad + weight_decay * theta
        s = alpha s + (1 - alpha) g^2                 running mean of g^2
        centered:  a = alpha a + (1 - alpha) g;  d = sqrt(s - a^2) + eps
        else:      d = sqrt(s) + eps
        momentum:  b = momentum b + g / d;  theta = theta - lr * b
        else:      theta = theta - lr * g / d

    Each weight's step is divided by the size of its recent gradients, so all
    weights move at a similar pace.  WGAN (Arjovsky et al. 2017) trains with
    RMSprop(lr=5e-5) because momentum-based methods made its critic unstable.
    """

    def _buffer_names(self):
        groups = self.param_groups
        return (("square_avg",) + (("grad_avg",) if any(g["centered"] for g in groups) else ())
                + (("momentum_buffer",) if any(g["momentum"] for g in groups) else ()))

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, dict(lr=float(lr), alpha=float(alpha), eps=float(eps),
                                      weight_decay=float(weight_decay),
                                      momentum=float(momentum), centered=bool(centered)))

    def _check_group(self, g):
        for k in ("alpha", "eps", "weight_decay", "momentum"):
            if g[k] < 0:
                raise ValueError(f"RMSprop: {k} must be >= 0, got {g[k]}")

    def _update(self, piece, group, t):
        theta, g = self.theta[piece], self.grad[piece]
        f = theta.dtype.type
        alpha = group["alpha"]
        xp = backend.get_array_module(theta)
        if group["weight_decay"]:
            g = g + f(group["weight_decay"]) * theta
        s = self.square_avg[piece]
        s *= f(alpha)
        s += f(1 - alpha) * (g * g)
        if group["centered"]:
            a = self.grad_avg[piece]
            a *= f(alpha)
            a += f(1 - alpha) * g
            d = xp.sqrt(s - a * a)
        else:
            d = xp.sqrt(s)
        d += f(group["eps"])
        if group["momentum"]:
            b = self.momentum_buffer[piece]
            b *= f(group["momentum"])
            b += g / d
            theta -= f(group["lr"]) * b
        else:
            theta -= f(group["lr"]) * (g / d)
