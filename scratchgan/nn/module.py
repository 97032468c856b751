"""Parameter, Module and Sequential: the contract every layer follows.

A layer is a small object with two methods::

    y  = layer.forward(x)      # computes y and caches what backward needs
    dx = layer.backward(dy)    # dy = dL/dy in, dx = dL/dx out;
                               # also *adds* dL/dW into W.grad for each parameter

Gradients accumulate (``+=``) until ``zero_grad()``, exactly as in PyTorch, so
calling a discriminator on real data and then on fake data and back-propagating
both leaves the sum of the two gradients.  Only optimizers change ``.data``.

Names follow PyTorch: ``named_parameters()`` and ``state_dict()`` give dotted
keys such as ``"0.weight"`` or ``"3.running_mean"``, so a state dict exported
from the equivalent ``torch.nn`` model (converted to NumPy arrays) loads as is.
"""
from collections import OrderedDict

import numpy

from .. import backend


class ShapeError(ValueError):
    """An input or a state dict entry has the wrong rank or shape."""


class Parameter:
    """A trainable array ``data`` and its accumulated gradient ``grad``.

    ``data`` and ``grad`` are updated in place (``p.data -= ...``,
    ``p.grad += ...``) so that they may be views into one flat buffer.
    ``requires_grad = False`` freezes it: layers then skip computing its
    gradient (as in PyTorch; see ``Module.requires_grad_``).
    """

    def __init__(self, data):
        self.data = data
        self.requires_grad = True
        xp = backend.get_array_module(data)
        self.grad = xp.zeros_like(data)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter(shape={tuple(self.data.shape)}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer and network.

    Subclasses assign ``Parameter`` objects and child ``Module`` objects as
    attributes (their order of assignment is the order of ``parameters()``),
    list any non-trainable state in ``buffer_names``, and implement
    ``forward`` and ``backward``.
    """

    buffer_names = ()            # e.g. ("running_mean", "running_var", ...)

    def __init__(self):
        self.training = True

    # -- the two passes --------------------------------------------------
    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -- walking the tree --------------------------------------------------
    def named_children(self):
        for name, value in vars(self).items():
            if isinstance(value, Module) and not name.startswith("_"):
                yield name, value

    def children(self):
        return [m for _, m in self.named_children()]

    def modules(self):
        """This module and all its descendants, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def named_parameters(self, prefix=""):
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix=""):
        for name in self.buffer_names:
            yield prefix + name, getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(prefix + name + ".")

    # -- modes and gradients ------------------------------------------------
    def train(self, mode=True):
        """Training mode: BatchNorm uses batch statistics, Dropout drops."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: BatchNorm uses running statistics, Dropout is identity."""
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad.fill(0)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) every parameter, as in PyTorch.

        Backward still returns the input gradient, but skips the parameter
        gradients of frozen parameters: G's step needs dL/dx through D, not
        D's own gradients, which would be thrown away.
        """
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    # -- saving and loading -------------------------------------------------
    def state_dict(self, prefix=""):
        """Parameters and buffers by PyTorch's dotted names (arrays, not copies)."""
        state = OrderedDict()
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                state[prefix + name] = value.data
        for name in self.buffer_names:
            state[prefix + name] = getattr(self, name)
        for name, child in self.named_children():
            state.update(child.state_dict(prefix + name + "."))
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into this module's parameters and buffers, in place.

        Everything is checked before anything is written, so a bad state dict
        (missing or unexpected keys, wrong shapes) leaves the module untouched.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing keys "
                           f"{missing}, unexpected keys {unexpected}")
        for key, target in own.items():
            if key in state_dict:
                shape = tuple(numpy.shape(state_dict[key]))
                if shape != tuple(target.shape):
                    raise ShapeError(
                        f"{type(self).__name__}.load_state_dict: '{key}' expected "
                        f"shape {tuple(target.shape)}, got {shape}")
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                if hasattr(value, "detach"):          # a torch tensor, say
                    value = value.detach().cpu().numpy()
                xp = backend.get_array_module(target)
                target[...] = xp.asarray(value, dtype=target.dtype)
        return self

    def to(self, device=None, dtype=None):
        """Move parameters and buffers to ``"cpu"``/``"gpu"`` and/or cast them.

        This replaces the arrays (views into flat buffers are lost), so create
        optimizers after moving a model.
        """
        if device in ("gpu", "cuda", "cupy") and not backend.gpu_available():
            raise backend.BackendError(
                f"{type(self).__name__}.to({device!r}): no GPU here (CuPy missing or "
                "no CUDA device); install the `gpu` extra on a machine with a GPU")

        def convert(a):
            if device in ("gpu", "cuda", "cupy"):
                import cupy
                a = cupy.asarray(a)
            elif device in ("cpu", "numpy"):
                a = backend.to_host(a)
            elif device is not None:
                raise ValueError(f"{type(self).__name__}.to: unknown device {device!r}")
            if dtype is not None and a.dtype.kind == "f":
                a = a.astype(dtype)
            return a

        for m in self.modules():
            for name, value in vars(m).items():
                if isinstance(value, Parameter):
                    value.data = convert(value.data)
                    value.grad = convert(value.grad)
            for name in m.buffer_names:
                setattr(m, name, convert(getattr(m, name)))
        return self

    def astype(self, dtype):
        return self.to(dtype=dtype)

    def cuda(self):
        """``.to("gpu")``, PyTorch's spelling."""
        return self.to("gpu")

    def cpu(self):
        """``.to("cpu")``, PyTorch's spelling."""
        return self.to("cpu")

    # -- helpers for subclasses ---------------------------------------------
    def _check_rank(self, x, ndim, what):
        """Raise a ShapeError naming this layer unless ``x.ndim`` is ``ndim``."""
        if not hasattr(x, "ndim"):
            raise TypeError(f"{self!r}: expected an array, got {type(x).__name__}")
        if x.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
            raise ShapeError(f"{self!r}: expected a {ndim}-D input {what}, "
                             f"got shape {tuple(x.shape)}")

    def _check_dtype(self, x, like):
        if x.dtype != like.dtype:
            raise TypeError(f"{self!r}: input dtype {x.dtype} does not match the "
                            f"parameters' dtype {like.dtype}; cast the input with "
                            f"x.astype(...) or the module with .astype(...)")

    def _need_cache(self, cache):
        if cache is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        return cache

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)


class Sequential(Module):
    """Apply modules in order; backward applies their backwards in reverse.

    forward:  y = f_n(...f_2(f_1(x)))
    backward: dx = f_1'(...f_{n-1}'(f_n'(dy)))   (the chain rule, right to left)
    """

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, "
                                "not a Module")
        self.layers = list(modules)

    def named_children(self):
        for i, m in enumerate(self.layers):
            yield str(i), m

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out, input_grad=True):
        """Back-propagate through every layer, last to first.

        ``input_grad=False`` says the caller does not need dL/dx (D's own step:
        the data needs no gradient), so a first layer that can (Linear,
        Conv2d) skips that product, as PyTorch skips gradients nobody asked for.
        Returns dL/dx, or None when it was skipped.
        """
        first = self.layers[0] if self.layers else None
        for layer in reversed(self.layers):
            if layer is first and not input_grad and getattr(layer, "skips_input_grad", False):
                return layer.backward(grad_out, input_grad=False)
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
