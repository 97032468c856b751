"""The optimizer base: parameter groups over one flat parameter vector.

The update rules act on each parameter elementwise, so it makes no difference
whether we loop over the parameters or treat them all as one long vector
theta.  We do the latter: at construction the optimizer packs every
parameter's ``.data`` (and ``.grad``) into one flat buffer and makes each
``p.data`` a view into it.  One step is then a handful of whole-vector
operations, the formula as written in the papers, instead of a loop of small
ones (on a GPU each small operation costs a kernel launch).

As in PyTorch:

* ``param_groups`` is a list of dicts, each with its ``params`` and its own
  hyper-parameters (``lr``, ``betas``, ``momentum``, ``weight_decay``, ...);
  ``add_param_group`` adds one.  Groups are stored one after another in
  theta, so each group is one slice of it.
* A frozen parameter (``requires_grad = False``) is skipped entirely: no
  update, no momentum or Adam moments, no weight decay drift, and its own
  step count does not advance (PyTorch skips a parameter whose grad is None).
  Each parameter keeps its step count, so Adam's bias correction of a
  parameter that was frozen for a while is that of its own steps.

One step updates each run of neighbouring parameters that share a group and
a step count as one slice: with nothing frozen, one slice per group.

Consequence to know: create the optimizer *after* moving a model with
``.to(...)``, since moving replaces the arrays.

On the CPU a long slice is cut into one piece per core and the pieces are
updated at the same time by a few threads (NumPy releases Python's lock
inside its loops).  Every update rule here is elementwise, so the result is
bit for bit that of one pass; it is only faster (PyTorch's CPU kernels are
multi-threaded too).  An optimizer that blocks its update for the cache
instead (Adam) sets ``threaded = False``.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy

from .. import backend
from ..nn.module import Parameter
from ..nn import kernels

_PIECE = 1 << 18          # split only slices of more than 256k numbers
_pool = None


def _threads():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
    return _pool


class Optimizer:
    """Subclasses give ``defaults`` (the hyper-parameters and their default
    values), ``_check_group(group)``, the names of the state vectors their
    groups need in ``_buffer_names()``, and ``_update(piece, group, t)``: one
    step on the slice ``piece`` of theta, with the group's hyper-parameters,
    at step t."""

    threaded = True           # long slices split over threads (see the module doc)

    def _buffer_names(self):
        return ()

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        params = list(params) if not isinstance(params, Parameter) else [params]
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups, self.params, self.param_steps = [], [], []
        self.step_count = 0
        self.theta = None
        for group in groups:
            self._add(group)
        self._pack()

    # -- groups ---------------------------------------------------------------
    def _add(self, group):
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' list, "
                            f"got {type(group).__name__}")
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, Parameter) else list(params)
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{name}: expected Parameters (e.g. model.parameters()), "
                                f"got {type(p).__name__}")
            if any(p is q for q in self.params):
                raise ValueError(f"{name}: a parameter appears in more than one "
                                 "parameter group")
        if not params:
            raise ValueError(f"{name}: got an empty parameter group")
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(f"{name}: unknown hyper-parameters {unknown} in a parameter "
                             f"group; {name} has {sorted(self.defaults)}")
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        group["params"] = params
        if group["lr"] < 0:
            raise ValueError(f"{name}: invalid learning rate {group['lr']}")
        self._check_group(group)
        self.param_groups.append(group)
        self.params.extend(params)
        self.param_steps.extend([0] * len(params))

    def add_param_group(self, group):
        """Add a group of parameters (e.g. a new layer's) with its own hyper-parameters."""
        self._check_views()
        self._add(group)
        self._pack()

    def _check_group(self, group):
        pass

    # -- the flat vectors ---------------------------------------------------------
    def _pack(self):
        """(Re-)home every p.data and p.grad as views of two flat vectors; state
        vectors keep their values for the parameters they had, zeros for new ones."""
        dtypes = {p.data.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"{type(self).__name__}: all parameters must share one "
                            f"dtype, got {sorted(map(str, dtypes))}")
        xp = backend.get_array_module(self.params[0].data)
        old = 0 if self.theta is None else self.theta.size
        self.theta = xp.concatenate([p.data.ravel() for p in self.params])
        self.grad = xp.concatenate([p.grad.ravel() for p in self.params])
        for name in self._buffer_names():
            before = getattr(self, name, None)
            fresh = xp.zeros_like(self.theta)
            if before is not None:
                fresh[:old] = before
            setattr(self, name, fresh)
        self._views, self._starts, offset = [], [], 0
        for p in self.params:
            n = p.data.size
            p.data = self.theta[offset:offset + n].reshape(p.data.shape)
            p.grad = self.grad[offset:offset + n].reshape(p.grad.shape)
            self._views.append((p.data, p.grad))
            self._starts.append(offset)
            offset += n
        self._starts.append(offset)
        self._group_of = [i for i, g in enumerate(self.param_groups) for _ in g["params"]]

    def _check_views(self):
        for p, (d, g) in zip(self.params, self._views):
            if p.data is not d or p.grad is not g:
                raise RuntimeError(
                    f"{type(self).__name__}: a parameter's array was replaced after "
                    "the optimizer was created (by .to(), another optimizer, or an "
                    "assignment to p.data); create the optimizer last, or update "
                    "in place with p.data[...] = value")

    # -- the learning rate, for code that sets one rate for everything ------------
    @property
    def lr(self):
        """The first group's learning rate (setting it sets every group's)."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = float(value)

    # -- stepping -------------------------------------------------------------------
    def zero_grad(self, set_to_none=False):
        """Set every gradient to 0 (one fill of the flat gradient vector).

        ``set_to_none`` is accepted so PyTorch code runs unchanged; the
        gradients stay zero-filled views (frozen parameters are skipped by
        ``requires_grad``, not by a missing gradient).
        """
        self.grad.fill(0)

    def _segments(self):
        """(slice of theta, group, t) for each run of trainable neighbours that
        share a group and a step count; advances those parameters' counts."""
        runs = []
        for i, p in enumerate(self.params):
            if not p.requires_grad:
                continue
            self.param_steps[i] += 1
            key = (self._group_of[i], self.param_steps[i])
            if runs and runs[-1][2] == key and runs[-1][1] == i:
                runs[-1][1] = i + 1                          # extend the run
            else:
                runs.append([i, i + 1, key])
        return [(slice(self._starts[a], self._starts[b]), self.param_groups[g], t)
                for a, b, (g, t) in runs]

    def step(self):
        self._check_views()
        self.step_count += 1
        for piece, group, t in self._segments():
            n = piece.stop - piece.start
            threads = self.threaded and kernels.enabled()     # a speed detour (nn/kernels)
            pieces = min(4, os.cpu_count() or 1, n // _PIECE) if threads else 1
            if pieces < 2 or backend.get_array_module(self.theta) is not numpy:
                self._update(piece, group, t)
                continue
            b = [piece.start + n * i // pieces for i in range(pieces + 1)]
            list(_threads().map(lambda s: self._update(s, group, t),
                                [slice(x, y) for x, y in zip(b, b[1:])]))

    # -- state dicts: flat state vectors, step counts, each group's hyper-parameters --
    # ``param_groups`` is a list of dicts, as in PyTorch (without the params);
    # checkpoints store it as {"0": ..., "1": ...} and load either form.
    def _hyper(self, group):
        """A group's hyper-parameters as plain numbers (tuples split: beta1, beta2)."""
        out = {}
        for k in self.defaults:
            v = group[k]
            if isinstance(v, tuple):
                out.update({f"{k[:-1]}{i + 1}": float(x) for i, x in enumerate(v)})
            else:
                out[k] = v
        return out

    def _unhyper(self, stored):
        out = {}
        for k, v in self.defaults.items():
            if isinstance(v, tuple):
                out[k] = tuple(float(stored[f"{k[:-1]}{i + 1}"]) for i in range(len(v)))
            else:
                out[k] = type(v)(stored[k]) if isinstance(v, (bool, int, float)) else stored[k]
        return out

    def state_dict(self):
        state = {"step": self.step_count,
                 "param_steps": numpy.array(self.param_steps, dtype=numpy.int64),
                 "param_groups": [self._hyper(g) for g in self.param_groups]}
        for name in self._buffer_names():
            state[name] = getattr(self, name)
        return state

    def load_state_dict(self, state):
        name = type(self).__name__
        expected = ["step", "param_steps", "param_groups"] + list(self._buffer_names())
        missing = [k for k in expected if k not in state]
        if missing:
            raise KeyError(f"{name}.load_state_dict: missing {missing}")
        groups = state["param_groups"]
        if isinstance(groups, dict):          # from a checkpoint: {"0": ..., "1": ...}
            groups = [groups[str(i)] for i in range(len(groups))]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: {len(groups)} parameter groups "
                             f"stored, this optimizer has {len(self.param_groups)}")
        if numpy.shape(state["param_steps"]) != (len(self.params),):
            raise ValueError(f"{name}.load_state_dict: step counts for "
                             f"{numpy.shape(state['param_steps'])} parameters, this "
                             f"optimizer has {len(self.params)} (a different model?)")
        for k in self._buffer_names():
            if tuple(state[k].shape) != tuple(getattr(self, k).shape):
                raise ValueError(f"{name}.load_state_dict: '{k}' has shape "
                                 f"{tuple(state[k].shape)}, expected "
                                 f"{tuple(getattr(self, k).shape)} (a different model?)")
        hyper = [self._unhyper(g) for g in groups]
        self.step_count = int(state["step"])
        self.param_steps = [int(s) for s in backend.to_host(state["param_steps"])]
        for group, h in zip(self.param_groups, hyper):
            group.update(h)
        xp = backend.get_array_module(self.theta)
        for k in self._buffer_names():
            getattr(self, k)[...] = xp.asarray(state[k])

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {g[k]}" for k in sorted(self.defaults)]
        return "\n".join(lines + [")"])
