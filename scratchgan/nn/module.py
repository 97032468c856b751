"""Parameter, Module and Sequential: the contract every layer follows.

A layer is a small object with two methods::

    y  = layer(x)                  # forward: computes y, files a cache under y
    dx = layer.backward(dy, y)     # dy = dL/dy in, dx = dL/dx out;
                                   # also *adds* dL/dW into W.grad for each parameter

Every backward belongs to its forward.  A layer may be called several times
before any backward (a discriminator on real data, then on fake data); each
forward keeps its own cache, filed under the array it returned, and
``backward(dy, output=y)`` uses the cache of the forward that returned ``y``,
in whatever order the backwards come::

    out_real = D(x_real)                       # two pending forwards of D
    out_fake = D(x_fake)
    D.backward(grad_real, out_real)             # uses the real batch's activations
    D.backward(grad_fake, out_fake)             # uses the fake batch's activations

``output`` may be left out when exactly one forward is pending.  A backward
with no pending forward, a second backward for the same forward, an ambiguous
one (several pending, none named) or one that names an array no pending
forward returned (a copy, a view) raises ``BackwardError``, naming the layer:
never a silently wrong gradient.  A cache is released by its backward, or
when its output array is garbage collected, so forwards that are never
back-propagated (sampling, logging) leak nothing.  ``with no_grad():`` runs
forwards that keep no cache at all.

Gradients accumulate (``+=``) until ``zero_grad()``, exactly as in PyTorch, so
back-propagating D's real and fake forwards leaves the sum of the two
gradients.  Only optimizers change ``.data``.

Names follow PyTorch: ``named_parameters()`` and ``state_dict()`` give dotted
keys such as ``"0.weight"`` or ``"3.running_mean"``, so a state dict exported
from the equivalent ``torch.nn`` model (converted to NumPy arrays) loads as is.

A layer implements the contract in two lines, and so does a module of your
own (README, "Write your own layer"): its forward ends in
``return self.remember(y, saved)`` and its backward starts with
``y, saved = self.recall(output)``.  ``ForwardCaches`` (``forward_caches.py``)
does the bookkeeping once for every layer, loss and network; the containers
(``ModuleList``, ``ModuleDict``, ``Sequential``) are in ``containers.py``.

One output, two losses: add the two gradients and call backward once
(``dy = dy_gan + lam * dy_pixel``), as ``(loss_a + lam * loss_b).backward()``
does in PyTorch.  To back-propagate the same forward twice anyway, run every
backward but the last inside ``with retain_graph():`` (PyTorch's
``backward(retain_graph=True)``): its caches stay for the next one.

This file is over 300 lines because ``Module`` is one idea: the contract,
the tree of children, modes, state dicts and devices all belong to it.
"""
from collections import OrderedDict

import numpy

from .. import backend
from .forward_caches import ForwardCaches


class ShapeError(ValueError):
    """An input or a state dict entry has the wrong rank or shape."""


class frozen:
    """``with frozen(D):`` D's parameters are frozen inside the block, and each
    gets its own ``requires_grad`` back afterwards (even on an error).

    G's step needs dL/dx' *through* D, not D's own gradients, which D's
    optimizer would never use: PyTorch code sets ``requires_grad = False``
    on D for that backward, and so does this (layers then skip dW)::

        with nn.frozen(D):
            dx_fake = D.backward(bce.backward(out), out)
        G.backward(dx_fake, x_fake)

    A parameter that was frozen before the block stays frozen after it.
    """

    def __init__(self, *modules):
        self.modules = modules

    def __enter__(self):
        self.flags = [(p, p.requires_grad) for m in self.modules for p in m.parameters()]
        for p, _ in self.flags:
            p.requires_grad = False
        return self

    def __exit__(self, *exc):
        for p, flag in self.flags:
            p.requires_grad = flag
        return False


def array_mover(device, dtype, who):
    """A function that moves one array to ``device`` ("cpu"/"numpy", "gpu"/"cuda"/
    "cuda:0"/"cupy", a torch.device-like object, or None: stay) and casts its
    floats to ``dtype``; checked here, so a bad device or a missing GPU raises
    before anything moves.  ``who`` names the caller in the errors."""
    name = getattr(device, "type", device)           # a torch.device-like object
    if isinstance(name, str) and name.startswith("cuda:"):
        name = "cuda"                                 # one GPU: "cuda:0" is "cuda"
    if name not in (None, "gpu", "cuda", "cupy", "cpu", "numpy"):
        raise ValueError(f"{who}: unknown device {device!r}; expected 'cpu' or 'gpu' "
                         f"('cuda', 'cuda:0')")
    if name in ("gpu", "cuda", "cupy") and not backend.gpu_available():
        raise backend.BackendError(
            f"{who}({device!r}): no GPU here (CuPy missing or no CUDA device); install "
            "the `gpu` extra on a machine with a GPU")

    def convert(a):
        if name in ("gpu", "cuda", "cupy"):
            a = backend.device_module().asarray(a)
        elif name in ("cpu", "numpy"):
            a = backend.to_host(a)
        if dtype is not None and a.dtype.kind == "f":
            a = a.astype(dtype)
        return a

    return convert


class Parameter:
    """A trainable array ``data`` and its accumulated gradient ``grad``.

    ``data`` and ``grad`` are updated in place (``p.data -= ...``,
    ``p.grad += ...``) so that they may be views into one flat buffer.
    ``requires_grad = False`` freezes it completely, as in PyTorch: layers
    skip computing its gradient and optimizers skip it (no momentum, Adam
    moments or weight decay drift); see ``Module.requires_grad_``.
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
    attributes (their order of assignment is the order of ``parameters()``;
    a leading underscore is allowed, as in PyTorch; several children go in a
    ``ModuleList`` or ``ModuleDict``), list any non-trainable state in
    ``buffer_names``, and implement ``forward`` and ``backward``:

        def forward(self, x):
            ...
            return self.remember(y, cache)      # file the cache under y

        def backward(self, dy, output=None):
            y, cache = self.recall(output)      # the cache of the forward that returned y
            ...
            return dx
    """

    buffer_names = ()            # e.g. ("running_mean", "running_var", ...)

    def __init__(self):
        self.training = True
        self._caches = ForwardCaches()

    # -- the two passes --------------------------------------------------
    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, dy, output=None):
        name = type(self).__name__
        raise NotImplementedError(
            f"{name} has no backward. scratchgan has no autograd: a module of your own "
            f"writes its backward next to its forward. End {name}.forward with "
            f"`return self.remember(y, saved)` and write\n"
            f"    def backward(self, dy, output=None):\n"
            f"        y, saved = self.recall(output)\n"
            f"        ...  # call each child's backward in reverse order, with its own output\n"
            f"        return dx\n"
            f"(README: Write your own layer; check it with scratchgan.gradcheck)")

    def __call__(self, *args, **kwargs):
        caches = self._forward_caches()
        filed = caches.puts
        y = self.forward(*args, **kwargs)
        if caches.puts == filed:         # a forward that forgot remember(): say so at backward
            caches.last = "unfiled"
        return y

    def _forward_caches(self):
        caches = self.__dict__.get("_caches")
        if caches is None:                       # a subclass that skipped __init__
            caches = self._caches = ForwardCaches()
        return caches

    def remember(self, y, saved=None):
        """End of a forward: keep ``saved`` (anything: an array, a tuple) for the
        backward of this ``y``; returns y.  ``saved`` must not hold y itself
        (``recall`` hands y back): it would never be freed."""
        self._forward_caches().put(y, saved, self)
        return y

    def recall(self, output=None):
        """Start of a backward: ``(y, saved)`` of the forward that returned
        ``output`` (None: the only pending one), released unless inside
        ``retain_graph()``.  Raises ``BackwardError`` for a stale, second or
        ambiguous backward."""
        return self._forward_caches().take(output, self)

    def pending_forwards(self):
        """How many forwards of this module wait for their backward."""
        return len(self._forward_caches())

    def _label(self):
        """How errors name this module: its repr, or just its class for a network."""
        return type(self).__name__ if any(True for _ in self.named_children()) else repr(self)

    def __setattr__(self, name, value):
        # A plain list/dict of modules would hide their parameters from
        # parameters(), state_dict() and the optimizers: refuse it loudly.
        items = (value.values() if isinstance(value, dict)
                 else value if isinstance(value, (list, tuple)) else ())
        if any(isinstance(v, Module) for v in items):
            kind = "ModuleDict" if isinstance(value, dict) else "ModuleList"
            raise TypeError(
                f"{type(self).__name__}.{name}: a plain {type(value).__name__} of modules "
                f"is not registered, so their parameters would be missed by parameters(), "
                f"state_dict() and the optimizers; use nn.{kind}(...) instead")
        object.__setattr__(self, name, value)

    # -- walking the tree --------------------------------------------------
    def named_children(self):
        for name, value in vars(self).items():
            if isinstance(value, Module):
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

    def apply(self, fn):
        """Call ``fn(m)`` on every child module (recursively), then on this one,
        as ``torch.nn.Module.apply``: ``G.apply(weights_init_normal)``."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ------------------------------------------------
    def train(self, mode=True):
        """Training mode: BatchNorm uses batch statistics, Dropout drops."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: BatchNorm uses running statistics, Dropout is identity."""
        return self.train(False)

    def zero_grad(self, set_to_none=False):
        """Clear every parameter's gradient.

        ``set_to_none`` is accepted so that PyTorch code runs unchanged, but
        gradients are zeroed either way: they are views into the optimizer's
        one flat gradient vector, which must stay in place.
        """
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
                value = state_dict[key]           # a host or device array, or a number
                shape = tuple(value.shape) if hasattr(value, "shape") else numpy.shape(value)
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

        PyTorch's spellings work too: ``"cuda"``, ``"cuda:0"``, ``"numpy"``.

        This replaces the arrays (views into flat buffers are lost), so create
        optimizers after moving a model.
        """
        convert = array_mover(device, dtype, f"{type(self).__name__}.to")
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
