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
    D.backward(d_real, out_real)               # uses the real batch's activations
    D.backward(d_fake, out_fake)               # uses the fake batch's activations

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

A layer implements the contract in two lines: its forward ends in
``return self.remember(y, cache)`` and its backward starts with
``y, cache = self.recall(output)``.  ``ForwardCaches`` below does the
bookkeeping once for every layer, loss and network.
"""
from collections import OrderedDict
import weakref

import numpy

from .. import backend


class ShapeError(ValueError):
    """An input or a state dict entry has the wrong rank or shape."""


class BackwardError(RuntimeError):
    """A backward that does not match exactly one pending forward."""


# -- no_grad: forwards that keep nothing for a backward -----------------------
_grad_enabled = [True]          # a one-element list: a module-level switch


class no_grad:
    """``with no_grad():`` forwards keep no cache (sampling, evaluation, pictures).

    As ``torch.no_grad()``: nothing else changes (BatchNorm in training mode
    still uses batch statistics and updates its running ones); only the
    caches that a backward would need are not kept, which saves their memory.
    A backward for such a forward raises.  Also usable as a decorator.
    """

    def __enter__(self):
        self._before = _grad_enabled[0]
        _grad_enabled[0] = False
        return self

    def __exit__(self, *exc):
        _grad_enabled[0] = self._before
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


def is_grad_enabled():
    """False inside ``with no_grad():``."""
    return _grad_enabled[0]


_retain = [False]               # True inside ``with retain_graph():``


class retain_graph:
    """``with retain_graph():`` backwards that leave their caches in place.

    PyTorch's ``loss.backward(retain_graph=True)``: every backward run inside
    the block (of every layer it reaches) uses its forward's cache without
    releasing it, so the same forward can be back-propagated once more.
    Parameter gradients still add up, so two backwards of dy1 and dy2 leave
    what one backward of dy1 + dy2 leaves; the one backward is cheaper, and
    is the usual way (see the module doc).  Nothing that a backward changes
    in place may live in a cache: the tests run every layer twice this way.
    """

    def __enter__(self):
        self._before = _retain[0]
        _retain[0] = True
        return self

    def __exit__(self, *exc):
        _retain[0] = self._before
        return False


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


_TWICE = object()        # marks a key that two pending forwards share
_SECOND = ("a second backward for the same forward? If two losses use one output, add "
           "their gradients and call backward once (dy = dy_a + lam * dy_b); to "
           "back-propagate one forward twice, run the first backward inside "
           "`with nn.retain_graph():`")


def _name(owner):
    """How an error names the module that owns the caches (formatted only when
    an error is raised: a repr on every forward would cost a millisecond a step)."""
    return owner._label() if hasattr(owner, "_label") else str(owner)


class ForwardCaches:
    """The caches of one layer's (or loss's) forwards that await their backward.

    Each cache is filed under an array, its *key*: the output for a layer,
    the prediction for a loss.  The key is held by a weak reference, so a
    cache lives as long as its key array does, or until its backward takes it
    out: a cache must therefore never hold its own key, and ``take`` hands
    the key back with the cache instead.  The one exception is the *latest*
    forward, whose key is also held strongly until the next forward or its
    backward, so that ``layer(x); dx = layer.backward(dy)`` works without
    keeping ``y``; memory stays bounded by one cache per layer.

    Ids of dead arrays are reused by Python, so every lookup also checks
    that the weak reference still points at the very array it was given.
    """

    def __init__(self):
        self.pending = {}      # id(key) -> (weakref to key, cache)
        self.finished = {}     # id(key) -> (weakref, why): back-propagated, or no_grad
        self.last = "none"     # the last event: none, forward, no_grad, freed, backward
        self.latest = None     # the key of the latest forward, held until the next one
        self.puts = 0          # forwards filed so far (Module.__call__ checks a forward filed one)

    def _forget(self, table, key_id, ref):
        entry = table.get(key_id)
        if entry is not None and entry[0] is ref:
            del table[key_id]
            if table is self.pending:
                self.last = "freed"

    def _weak(self, key, table, key_id):
        return weakref.ref(key, lambda ref: self._forget(table, key_id, ref))

    def put(self, key, cache, owner):
        """File ``cache`` under the array ``key`` (or note a no_grad forward)."""
        key_id = id(key)
        self.puts += 1
        if not _grad_enabled[0]:
            self.finished[key_id] = (self._weak(key, self.finished, key_id), "no_grad")
            self.latest = None             # (may free the previous forward's cache)
            self.last = "no_grad"
            return
        if cache is key or (isinstance(cache, tuple) and any(c is key for c in cache)):
            raise RuntimeError(f"{_name(owner)}: a cache must not hold its own key array "
                               "(it would never be freed); recall(output) hands it back")
        entry = self.pending.get(key_id)
        if entry is not None and entry[0]() is key:
            # Two pending forwards on one array (a loss called twice on the same
            # pred): fine until a backward has to choose between them.
            self.pending[key_id] = (entry[0], _TWICE)
            self.latest = key
            self.last = "forward"
            return
        self.finished.pop(key_id, None)
        self.pending[key_id] = (self._weak(key, self.pending, key_id), cache)
        self.latest = key                  # (may free the previous forward's cache)
        self.last = "forward"

    def take(self, key, owner, what="output"):
        """Remove and return (key array, cache) of the forward that ``key`` names;
        ``key=None`` means the only pending one."""
        if key is None:
            if len(self.pending) == 1:
                key_id = next(iter(self.pending))
                return self._pop(key_id, owner, what)
            if len(self.pending) > 1:
                raise BackwardError(
                    f"{_name(owner)}.backward: {len(self.pending)} forwards are pending, so "
                    f"say which one this gradient belongs to: pass the array that "
                    f"forward returned, backward(grad, {what}=y)")
            raise BackwardError(f"{_name(owner)}.backward: no pending forward: "
                                + self._why_empty(what))
        key_id = id(key)
        entry = self.pending.get(key_id)
        if entry is not None and entry[0]() is key:
            return self._pop(key_id, owner, what)
        done = self.finished.get(key_id)
        if done is not None and done[0]() is key:
            if done[1] == "no_grad":
                raise BackwardError(f"{_name(owner)}.backward: that {what} was computed under "
                                    "no_grad(), which keeps no cache for a backward")
            raise BackwardError(f"{_name(owner)}.backward: the forward that returned this "
                                f"{what} has been back-propagated already: " + _SECOND)
        if not self.pending and self.last == "unfiled":
            raise BackwardError(f"{_name(owner)}.backward: " + self._why_empty(what))
        raise BackwardError(
            f"{_name(owner)}.backward: this {what} (shape {tuple(getattr(key, 'shape', ()))}) "
            f"is not what any pending forward returned ({len(self.pending)} pending); "
            "pass the very array the forward returned, not a copy or a view of it")

    def _pop(self, key_id, owner, what):
        ref, cache = self.pending[key_id]
        if cache is _TWICE:
            raise BackwardError(
                f"{_name(owner)}.backward: two pending forwards were given this same {what}, "
                "so this backward could belong to either; run forwards that need no "
                "backward under no_grad(), or back-propagate each before the next")
        if _retain[0]:                          # retain_graph(): leave it for another backward
            return ref(), cache
        del self.pending[key_id]
        key = ref()
        if key is self.latest:
            self.latest = None
        self.finished[key_id] = (self._weak(key, self.finished, key_id), "backward")
        self.last = "backward"
        return key, cache

    def _why_empty(self, what):
        return {
            "none": "backward called before forward (no forward has run)",
            "backward": "every forward has been back-propagated already: " + _SECOND,
            "unfiled": "the last forward returned without filing a cache for its backward; "
                       "end the forward with `return self.remember(y, saved)` (README: "
                       "Write your own layer)",
            "no_grad": "the last forward ran under no_grad(), which keeps no cache",
            "freed": f"the {what} of that forward was garbage collected before this "
                     f"backward, and its cache with it; keep a reference to it until "
                     f"the backward and pass it: backward(grad, {what}=y)",
        }.get(self.last, "backward called before forward")

    def __len__(self):
        return len(self.pending)

    def __deepcopy__(self, memo):
        return ForwardCaches()          # a copy of a layer starts with no pending forward


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


class ModuleList(Module):
    """A list of modules whose parameters are registered, as ``torch.nn.ModuleList``.

    Children are named "0", "1", ... (so state dict keys read "blocks.0.weight").
    It has no forward of its own: a network iterates over it in its forward
    and, in reverse, in its backward.
    """

    def __init__(self, modules=()):
        super().__init__()
        object.__setattr__(self, "_items", [])
        self.extend(modules)

    def _check(self, m, where):
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__}: {where} is {type(m).__name__}, "
                            "not a Module")
        return m

    def append(self, module):
        self._items.append(self._check(module, f"item {len(self._items)}"))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        self._items.insert(index, self._check(module, f"item {index}"))

    def named_children(self):
        for i, m in enumerate(self._items):
            yield str(i), m

    def forward(self, *args):
        raise TypeError(f"{type(self).__name__} has no forward; iterate over it")

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ModuleList(self._items[i])
        return self._items[i]

    def __setitem__(self, i, module):
        self._items[i] = self._check(module, f"item {i}")

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, as ``torch.nn.ModuleDict``.

    Children are named by their keys, in insertion order.
    """

    def __init__(self, modules=None):
        super().__init__()
        object.__setattr__(self, "_items", OrderedDict())
        for key, m in dict(modules or {}).items():
            self[key] = m

    def named_children(self):
        yield from self._items.items()

    def forward(self, *args):
        raise TypeError(f"{type(self).__name__} has no forward; look modules up by key")

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: item {key!r} is "
                            f"{type(module).__name__}, not a Module")
        self._items[str(key)] = module

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()


class Sequential(Module):
    """Apply modules in order; backward applies their backwards in reverse.

    forward:  h_1 = f_1(x), h_2 = f_2(h_1), ..., y = f_n(h_{n-1})
    backward: dx = f_1'(...f_{n-1}'(f_n'(dy)))   (the chain rule, right to left)

    The cache of one forward is its list of intermediate outputs h_1 ..
    h_{n-1}: backward hands each layer the output of *its* forward, so
    every layer finds its own cache even when the network ran several
    forwards before this backward.
    """

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, "
                                "not a Module")
        self.layers = ModuleList(modules)

    def named_children(self):
        yield from self.layers.named_children()

    def forward(self, x):
        if not len(self.layers):
            return self.remember(x.view(), ())          # the identity, as PyTorch's
        hidden = []
        for layer in self.layers:
            x = layer(x)
            hidden.append(x)
        return self.remember(x, tuple(hidden[:-1]))     # y itself is the key

    def backward(self, dy, output=None, input_grad=True):
        """Back-propagate through every layer, last to first.

        ``input_grad=False`` says the caller does not need dL/dx (D's own step:
        the data needs no gradient), so a first layer that can (Linear,
        Conv2d) skips that product, as PyTorch skips gradients nobody asked for.
        Returns dL/dx, or None when it was skipped.
        """
        y, hidden = self.recall(output)
        outputs = hidden + (y,)                       # what each layer returned
        first = self.layers[0] if len(self.layers) else None
        for layer, out in zip(reversed(self.layers), reversed(outputs)):
            if layer is first and not input_grad and getattr(layer, "skips_input_grad", False):
                return layer.backward(dy, out, input_grad=False)
            dy = layer.backward(dy, out)
        return dy

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
