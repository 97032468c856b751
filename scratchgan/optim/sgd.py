"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``."""
from .optimizer import Optimizer


# -- the naive twin: one parameter at a time ---------------------------------------------
# (read it first: the fast path below is tested against it)
def sgd_step_simple(params, grads, state, lr, momentum=0.0):
    """One step of SGD with momentum, one parameter at a time (PyTorch's convention:
    the velocity starts as the first gradient)."""
    for i, (theta, g) in enumerate(zip(params, grads)):
        if momentum:
            v = state.get(("v", i))
            v = g.copy() if v is None else momentum * v + g
            state[("v", i)] = v
            g = v
        theta -= lr * g
    return params



class SGD(Optimizer):
    """SGD(params, lr, momentum, dampening, weight_decay, nesterov): PyTorch's order.

        g = grad + weight_decay * theta
        v = g                                   on a parameter's first step (PyTorch's convention)
        v = momentum * v + (1 - dampening) g    afterwards
        g = g + momentum * v                    if nesterov, else g = v
        theta = theta - lr * g

    The GAN paper's SGD is momentum 0.5-0.7, no dampening.
    """

    def _buffer_names(self):
        return ("velocity",) if any(g["momentum"] for g in self.param_groups) else ()

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, dict(lr=float(lr), momentum=float(momentum),
                                      dampening=float(dampening),
                                      weight_decay=float(weight_decay),
                                      nesterov=bool(nesterov)))

    def _check_group(self, g):
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and "
                             "dampening = 0 (PyTorch's rule)")
        if g["momentum"] < 0 or g["weight_decay"] < 0:
            raise ValueError(f"SGD: momentum and weight_decay must be >= 0, got "
                             f"{g['momentum']}, {g['weight_decay']}")

    def _update(self, piece, group, t):
        theta, g = self.theta[piece], self.grad[piece]
        f = theta.dtype.type
        momentum, wd = group["momentum"], group["weight_decay"]
        if wd:
            g = g + f(wd) * theta
        if momentum:
            v = self.velocity[piece]
            if t == 1:
                v[...] = g
            else:
                v *= f(momentum)
                v += f(1 - group["dampening"]) * g if group["dampening"] else g
            g = g + f(momentum) * v if group["nesterov"] else v
        theta -= f(group["lr"]) * g
