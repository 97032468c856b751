"""A network with one trunk and two heads (ACGAN's discriminator).

    h = trunk(x)
    a = head_a(h)          e.g. P(real): one sigmoid output
    b = head_b(h)          e.g. class logits: C outputs

Both losses depend on x through the same h, so by the chain rule the trunk
receives the *sum* of the two heads' gradients:

    dh = head_a.backward(da) + head_b.backward(db)
    dx = trunk.backward(dh)

Copy this pattern for any multi-head network: each head back-propagates on
its own, the gradients meet where the paths split, and the trunk runs its
backward once.  A head whose loss is not used this time may get ``None``.
"""
from .containers import Sequential
from .module import Module, ShapeError


class TwoHeads(Module):
    """``forward(x) -> (a, b)``; ``backward((da, db), outputs) -> dx``."""

    def __init__(self, trunk, head_a, head_b):
        super().__init__()
        self.trunk, self.head_a, self.head_b = trunk, head_a, head_b

    def forward(self, x):
        h = self.trunk(x)
        a, b = self.head_a(h), self.head_b(h)
        self.remember(a, (h, b))             # filed under the first head's output
        return a, b

    skips_input_grad = True     # backward(grads, input_grad=False) is supported

    def backward(self, grads, outputs=None, input_grad=True):
        """grads = (da, db), either may be None; outputs = the pair forward returned."""
        da, db = grads
        if da is None and db is None:
            raise ValueError(f"{self!r}: backward needs the gradient of at least one head")
        a_out = None if outputs is None else outputs[0]
        a, (h, b) = self.recall(a_out)
        if outputs is not None and outputs[1] is not b:
            raise ShapeError(f"{self!r}: the two outputs given to backward do not come from "
                             f"the same forward")
        dh = None
        if da is not None:
            dh = self.head_a.backward(da, a)
        if db is not None:
            dhb = self.head_b.backward(db, b)
            dh = dhb if dh is None else dh + dhb
        if isinstance(self.trunk, Sequential):     # may skip its first layer's dx
            return self.trunk.backward(dh, h, input_grad=input_grad)
        return self.trunk.backward(dh, h)
