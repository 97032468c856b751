"""Linear: the affine map y = x W^T + b."""
from .kernels.gemm import at_b        # A^T B (the plain version: a.T @ b)
from .module import Module, Parameter, ShapeError
from . import init


class Linear(Module):
    """y = x @ W.T + b, as ``torch.nn.Linear(in_features, out_features, bias=True)``.

    Shapes:  x (N, in_features)  ->  y (N, out_features)
             (or (N, ..., in_features) -> (N, ..., out_features), as in PyTorch)
             W (out_features, in_features),  b (out_features,)

    Forward:   y  = x W^T + b
    Backward:  dx = dy W            (N, in)
               dW = dy^T x          (out, in)    summed over the batch
               db = sum_n dy        (out,)

    dW and db are added into W.grad and b.grad (skipped for a frozen
    parameter, ``requires_grad = False``); dx is skipped with
    ``backward(dy, input_grad=False)`` when nobody needs it.

    Init (PyTorch's): W, b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        W, b = init.pytorch_default((self.out_features, self.in_features),
                                    fan_in=self.in_features, bias=bias)
        self.weight = Parameter(W)
        self.bias = Parameter(b) if bias else None

    def forward(self, x):
        if not hasattr(x, "ndim"):
            raise TypeError(f"{self!r}: expected an array (N, {self.in_features}), got a "
                            f"{type(x).__name__}; convert it first, e.g. "
                            f"scratchgan.backend.asarray(x)")
        if x.ndim < 2:
            raise ShapeError(f"{self!r}: expected a 2-D input (N, {self.in_features}) "
                             f"(or (N, ..., {self.in_features})), got shape "
                             f"{tuple(x.shape)}")
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"{self!r}: expected input (N, {self.in_features}) or "
                             f"(N, ..., {self.in_features}), got {tuple(x.shape)}")
        self._check_dtype(x, self.weight.data)
        # As in PyTorch, extra leading axes (N, ..., in) are just more rows.
        lead = x.shape[:-1]
        x = x.reshape(-1, self.in_features)
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        return self.remember(y.reshape(lead + (self.out_features,)), (x, lead))

    skips_input_grad = True     # backward(dy, input_grad=False) is supported

    def backward(self, dy, output=None, input_grad=True):
        """Add dW, db into the gradients; return dx (None if not ``input_grad``)."""
        _, (x, lead) = self.recall(output)
        if tuple(dy.shape) != lead + (self.out_features,):
            raise ShapeError(f"{self!r}: backward expected grad of shape "
                             f"{lead + (self.out_features,)}, got {tuple(dy.shape)}")
        dy = dy.reshape(-1, self.out_features)
        if self.weight.requires_grad:
            self.weight.grad += at_b(dy, x)      # dy^T x (see gemm.py for the order)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy.sum(axis=0)
        if not input_grad:
            return None
        return (dy @ self.weight.data).reshape(lead + (self.in_features,))

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
