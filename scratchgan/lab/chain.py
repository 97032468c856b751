"""One fake point's chain on the live page: z -> G's layers -> x' -> D's layers -> D(x').

Each layer's forward value, dL/dh on the way back, and the point's arrow
-dl_G/dx' from ``D.backward`` checked against central finite differences of
a float64 copy of D: what the page shows when a learner clicks a fake point.
``s`` is a ``LabSession``.
"""
import copy

import numpy

from .. import backend
from ..nn import frozen
from .settings import SettingError

def point_chain(s, i):
    """Fake point i's chain: z -> G's layers -> x' -> D's layers -> D(x'), each
    forward value, dL/dh back again, and the arrow checked by finite differences."""
    n = len(s.fixed_z)
    if not (isinstance(i, int) and 0 <= i < n):
        raise SettingError(f"point must be a whole number from 0 to {n - 1}; got {i!r}")
    z = s.fixed_z[i:i + 1]
    forward, outputs, h = [], [], z
    for where, net in (("G", s.G), ("D", s.D)):
        for j, layer in enumerate(net):
            inp = h
            h = layer(h)
            outputs.append((layer, inp, h))
            forward.append({"net": where, "layer": f"{where}[{j}] {type(layer).__name__}",
                            "value": rounded(backend.to_host(h).ravel(), 5)})
    loss = float(s.g_criterion(h))
    g = s.g_criterion.backward(h)
    backward = []
    with frozen(s.D), frozen(s.G):
        for layer, inp, out in reversed(outputs):
            backward.append({"layer": forward[len(outputs) - 1 - len(backward)]["layer"],
                             "grad_output": rounded(backend.to_host(g).ravel(), 6)})
            g = layer.backward(g, out)
    x_fake = backend.to_host(outputs[len(s.G) - 1][2])[0].astype(numpy.float64)
    analytic = -backend.to_host(s.arrows(backend.asarray(x_fake[None].astype(numpy.float32))))[0]
    numeric = numeric_arrow(s, x_fake)
    return {"point": i, "loss": loss, "forward": forward, "backward": backward,
            "arrow": rounded(-analytic, 6), "dL_dx_backward": rounded(analytic, 6),
            "dL_dx_numeric": rounded(numeric, 6),
            "rel_error": float(numpy.abs(analytic - numeric).max()
                               / max(numpy.abs(analytic).max(), numpy.abs(numeric).max(), 1e-8))}

def numeric_arrow(s, x, h=1e-5):
    """dl_G/dx' at one point by central differences, in float64 (a copy of D)."""
    D = copy.deepcopy(s.D).astype(numpy.float64)
    crit = copy.deepcopy(s.g_criterion)

    def loss(p):
        out = D(backend.get_xp().asarray(p[None]))     # float64, as the copy of D
        value = float(crit(out))
        crit.backward(out)                         # release the cache
        return value
    grad = numpy.zeros(2)
    for a in range(2):
        e = numpy.zeros(2)
        e[a] = h
        grad[a] = (loss(x + e) - loss(x - e)) / (2 * h)
    return grad


def rounded(a, digits=4):
    """An array as nested lists of numbers rounded for the page (JSON)."""
    return numpy.round(numpy.asarray(a, numpy.float64), digits).tolist()
