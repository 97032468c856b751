"""The bookkeeping behind ``backward(dy, output=y)``: each forward's cache, filed
under the array it returned, until its backward takes it.

``ForwardCaches`` does it once for every layer, loss and network (``Module``
calls it through ``remember`` and ``recall``); ``no_grad`` runs forwards
that keep nothing, ``retain_graph`` backwards that leave their caches in
place.  The rules, and the errors that enforce them, are in ``module.py``'s
docstring.
"""
import weakref


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
