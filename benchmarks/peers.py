"""The NumPy peers' training iteration, for benchmarks/train_step.py's table.

DeZero (the autograd library of "Deep Learning from Scratch 3") and numpy-ml
(layers with hand-written backward passes), each running the same MLP-GAN or
DCGAN-28 and the same Algorithm 1 step as ours (D step on real and fake, G
step, Adam, BCE, k = 1), when installed (``pip install -e ".[bench]"``).
Their last releases predate NumPy 2 and Python 3.10: ``np.int`` and
``collections.Hashable`` are restored for them before they are imported.

numpy-ml keeps images as (N, H, W, C) and applies an activation inside a
layer only; the activations that follow a BatchNorm and the reshapes are
written out below as tiny layers of the same interface.
"""
import collections
import collections.abc
import warnings

import numpy as np

Z = 100


def _compat():
    if not hasattr(np, "int"):
        np.int = int                                     # dezero.transforms uses np.int
    if not hasattr(collections, "Hashable"):
        collections.Hashable = collections.abc.Hashable  # numpy_ml.utils uses it
    warnings.filterwarnings("ignore", module="numpy_ml")


# ---------------------------------------------------------------- DeZero

def _dezero():
    _compat()
    try:
        import dezero
    except ImportError:
        return None
    return dezero


def _dezero_step(dezero, G, D, data, batch):
    """Algorithm 1, k = 1, as PyTorch-GAN writes it, in DeZero."""
    import dezero.functions as F
    from dezero import optimizers
    opt_G = optimizers.Adam(alpha=2e-4, beta1=0.5).setup(G)
    opt_D = optimizers.Adam(alpha=2e-4, beta1=0.5).setup(D)
    rs = np.random.RandomState(1)
    ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)

    def step():
        real = data[rs.randint(0, len(data), batch)]
        with dezero.no_grad():
            fake = G(rs.randn(batch, Z).astype(np.float32))
        D.cleargrads()
        d_loss = F.binary_cross_entropy(D(real), ones) + F.binary_cross_entropy(D(fake.data), zeros)
        d_loss.backward()
        opt_D.update()
        G.cleargrads()
        D.cleargrads()
        g_loss = F.binary_cross_entropy(D(G(rs.randn(batch, Z).astype(np.float32))), ones)
        g_loss.backward()
        opt_G.update()
    return step


def dezero_mlp_gan(batch):
    """A step function, or None when DeZero is not installed."""
    dezero = _dezero()
    if dezero is None:
        return None
    import dezero.functions as F
    import dezero.layers as L

    class Gen(dezero.Model):
        def __init__(self):
            super().__init__()
            self.l1, self.l2, self.l3, self.l4, self.l5 = (L.Linear(128), L.Linear(256), L.Linear(512),
                                                           L.Linear(1024), L.Linear(784))
            self.b2, self.b3, self.b4 = L.BatchNorm(), L.BatchNorm(), L.BatchNorm()

        def forward(self, z):
            h = F.leaky_relu(self.l1(z), 0.2)
            h = F.leaky_relu(self.b2(self.l2(h)), 0.2)
            h = F.leaky_relu(self.b3(self.l3(h)), 0.2)
            h = F.leaky_relu(self.b4(self.l4(h)), 0.2)
            return F.tanh(self.l5(h))

    class Dis(dezero.Model):
        def __init__(self):
            super().__init__()
            self.l1, self.l2, self.l3 = L.Linear(512), L.Linear(256), L.Linear(1)

        def forward(self, x):
            h = F.leaky_relu(self.l1(x), 0.2)
            h = F.leaky_relu(self.l2(h), 0.2)
            return F.sigmoid(self.l3(h))

    data = np.random.RandomState(0).uniform(-1, 1, (10000, 784)).astype(np.float32)
    return _dezero_step(dezero, Gen(), Dis(), data, batch)


def dezero_dcgan28(batch):
    """A step function, or None when DeZero is not installed."""
    dezero = _dezero()
    if dezero is None:
        return None
    import dezero.functions as F
    import dezero.layers as L

    class Gen(dezero.Model):
        def __init__(self):
            super().__init__()
            self.l1, self.b1 = L.Linear(128 * 7 * 7), L.BatchNorm()
            self.c2, self.b2 = L.Deconv2d(64, 4, 2, 1), L.BatchNorm()
            self.c3 = L.Deconv2d(1, 4, 2, 1)

        def forward(self, z):
            h = F.relu(self.b1(self.l1(z)))
            h = F.reshape(h, (len(z), 128, 7, 7))
            h = F.relu(self.b2(self.c2(h)))
            return F.tanh(self.c3(h))

    class Dis(dezero.Model):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = L.Conv2d(64, 4, 2, 1), L.Conv2d(128, 4, 2, 1)
            self.b2, self.l3 = L.BatchNorm(), L.Linear(1)

        def forward(self, x):
            h = F.leaky_relu(self.c1(x), 0.2)
            h = F.leaky_relu(self.b2(self.c2(h)), 0.2)
            return F.sigmoid(self.l3(F.reshape(h, (len(x), -1))))

    data = np.random.RandomState(0).uniform(-1, 1, (10000, 1, 28, 28)).astype(np.float32)
    return _dezero_step(dezero, Gen(), Dis(), data, batch)


# ---------------------------------------------------------------- numpy-ml

class _Leaky:
    """max(x, slope x) between numpy-ml layers (slope 0: ReLU)."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x, retain_derived=True):
        self.x = x
        return np.where(x > 0, x, self.slope * x)

    def backward(self, dy):
        return np.where(self.x > 0, dy, self.slope * dy)


class _Reshape:
    """(N, ...) -> (N, *shape) and back."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x, retain_derived=True):
        self.in_shape = x.shape
        return x.reshape((len(x),) + self.shape)

    def backward(self, dy):
        return dy.reshape(self.in_shape)


def _learns(layer):
    return not isinstance(layer, (_Leaky, _Reshape))


def _numpy_ml_step(G, D, data, batch):
    """Algorithm 1, k = 1, with numpy-ml's layers: forward, backward, update."""

    def forward(layers, x, retain=True):
        for layer in layers:
            x = layer.forward(x, retain_derived=retain)
        return x

    def backward(layers, d):
        for layer in reversed(layers):
            d = layer.backward(d)
            if isinstance(d, list):                        # some layers return [dX]
                d = d[0]
        return d

    def forget_inputs(layers):
        # numpy-ml stacks each forward's input and pairs backward's gradients
        # with them in order; a second pass through D must not meet the first's.
        for layer in filter(_learns, layers):
            layer.X = []
            for k in layer.derived_variables:
                layer.derived_variables[k] = []

    def bce_grad(p, t):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return (p - t) / (p * (1 - p)) / len(p)

    rs = np.random.RandomState(1)

    def step():
        real = data[rs.randint(0, len(data), batch)]
        fake = forward(G, rs.randn(batch, Z), retain=False)
        for x, t in ((real, 1.0), (fake, 0.0)):                 # D step
            forget_inputs(D)
            backward(D, bce_grad(forward(D, x), t))
        for layer in filter(_learns, D):
            layer.update()
        d = backward(D, bce_grad(forward(D, forward(G, rs.randn(batch, Z))), 1.0))   # G step
        for layer in filter(_learns, D):
            layer.flush_gradients()                            # D learns nothing here
        backward(G, d)
        for layer in filter(_learns, G):
            layer.update()
    return step


def _numpy_ml():
    _compat()
    try:
        from numpy_ml.neural_nets import layers, optimizers
    except ImportError:
        return None, None
    return layers, (lambda: optimizers.Adam(lr=2e-4, decay1=0.5, decay2=0.999))


def numpy_ml_mlp_gan(batch):
    """A step function, or None when numpy-ml is not installed."""
    L, adam = _numpy_ml()
    if L is None:
        return None
    linear = "Affine(slope=1, intercept=0)"
    G = [L.FullyConnected(128, "Leaky ReLU(alpha=0.2)", optimizer=adam())]
    for width in (256, 512, 1024):
        G += [L.FullyConnected(width, linear, optimizer=adam()), L.BatchNorm1D(optimizer=adam()),
              _Leaky(0.2)]
    G += [L.FullyConnected(784, "Tanh", optimizer=adam())]
    D = [L.FullyConnected(512, "Leaky ReLU(alpha=0.2)", optimizer=adam()),
         L.FullyConnected(256, "Leaky ReLU(alpha=0.2)", optimizer=adam()),
         L.FullyConnected(1, "Sigmoid", optimizer=adam())]
    data = np.random.RandomState(0).uniform(-1, 1, (10000, 784)).astype(np.float32)
    return _numpy_ml_step(G, D, data, batch)


def numpy_ml_dcgan28(batch):
    """A step function, or None when numpy-ml is not installed."""
    L, adam = _numpy_ml()
    if L is None:
        return None
    linear = "Affine(slope=1, intercept=0)"
    G = [L.FullyConnected(128 * 7 * 7, linear, optimizer=adam()), L.BatchNorm1D(optimizer=adam()),
         _Leaky(0.0), _Reshape((7, 7, 128)),
         L.Deconv2D(64, (4, 4), pad=1, stride=2, act_fn=linear, optimizer=adam()),
         L.BatchNorm2D(optimizer=adam()), _Leaky(0.0),
         L.Deconv2D(1, (4, 4), pad=1, stride=2, act_fn="Tanh", optimizer=adam())]
    D = [L.Conv2D(64, (4, 4), pad=1, stride=2, act_fn="Leaky ReLU(alpha=0.2)", optimizer=adam()),
         L.Conv2D(128, (4, 4), pad=1, stride=2, act_fn=linear, optimizer=adam()),
         L.BatchNorm2D(optimizer=adam()), _Leaky(0.2), _Reshape((7 * 7 * 128,)),
         L.FullyConnected(1, "Sigmoid", optimizer=adam())]
    data = np.random.RandomState(0).uniform(-1, 1, (10000, 28, 28, 1)).astype(np.float32)
    return _numpy_ml_step(G, D, data, batch)


PEERS = {"mlp_gan": {"DeZero": dezero_mlp_gan, "numpy-ml": numpy_ml_mlp_gan},
         "dcgan28": {"DeZero": dezero_dcgan28, "numpy-ml": numpy_ml_dcgan28}}
