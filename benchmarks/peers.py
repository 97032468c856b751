"""The NumPy peers' MLP-GAN iteration, for benchmarks/train_step.py's table.

DeZero (the autograd library of "Deep Learning from Scratch 3") and numpy-ml
(layers with hand-written backward passes), each running the same MLP-GAN
and the same Algorithm 1 step as ours (D step on real and fake, G step, Adam,
BCE, k = 1), when installed (``pip install -e ".[bench]"``).  Their last
releases predate NumPy 2 and Python 3.10: ``np.int`` and
``collections.Hashable`` are restored for them before they are imported.
"""
import collections
import collections.abc
import warnings

import numpy as np

Z, IMG = 100, 784


def _compat():
    if not hasattr(np, "int"):
        np.int = int                                     # dezero.transforms uses np.int
    if not hasattr(collections, "Hashable"):
        collections.Hashable = collections.abc.Hashable  # numpy_ml.utils uses it
    warnings.filterwarnings("ignore", module="numpy_ml")


def dezero_mlp_gan(batch):
    """A step function, or None when DeZero is not installed."""
    _compat()
    try:
        import dezero
        import dezero.functions as F
        import dezero.layers as L
        from dezero import optimizers
    except ImportError:
        return None

    class Gen(dezero.Model):
        def __init__(self):
            super().__init__()
            self.l1, self.l2, self.l3, self.l4, self.l5 = (L.Linear(128), L.Linear(256), L.Linear(512),
                                                           L.Linear(1024), L.Linear(IMG))
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

    G, D = Gen(), Dis()
    opt_G = optimizers.Adam(alpha=2e-4, beta1=0.5).setup(G)
    opt_D = optimizers.Adam(alpha=2e-4, beta1=0.5).setup(D)
    rs = np.random.RandomState(0)
    data = rs.uniform(-1, 1, (10000, IMG)).astype(np.float32)
    ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)

    def step():
        real = data[rs.randint(0, 10000, batch)]
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


def numpy_ml_mlp_gan(batch):
    """A step function, or None when numpy-ml is not installed."""
    _compat()
    try:
        from numpy_ml.neural_nets.layers import BatchNorm1D, FullyConnected
        from numpy_ml.neural_nets.optimizers import Adam
    except ImportError:
        return None

    def adam():
        return Adam(lr=2e-4, decay1=0.5, decay2=0.999)

    G = [FullyConnected(128, "Leaky ReLU(alpha=0.2)", optimizer=adam()),
         FullyConnected(256, "Affine(slope=1, intercept=0)", optimizer=adam()), BatchNorm1D(optimizer=adam()),
         FullyConnected(512, "Affine(slope=1, intercept=0)", optimizer=adam()), BatchNorm1D(optimizer=adam()),
         FullyConnected(1024, "Affine(slope=1, intercept=0)", optimizer=adam()), BatchNorm1D(optimizer=adam()),
         FullyConnected(IMG, "Tanh", optimizer=adam())]
    D = [FullyConnected(512, "Leaky ReLU(alpha=0.2)", optimizer=adam()),
         FullyConnected(256, "Leaky ReLU(alpha=0.2)", optimizer=adam()),
         FullyConnected(1, "Sigmoid", optimizer=adam())]
    leaky = {2, 4, 6}          # LeakyReLU after each BatchNorm of G (written out: numpy-ml
    rs = np.random.RandomState(0)   # puts activations inside FullyConnected only)
    data = rs.uniform(-1, 1, (10000, IMG)).astype(np.float32)

    def forward(layers, x, act_after=()):
        hs = []
        for i, layer in enumerate(layers):
            x = layer.forward(x)
            if i in act_after:
                hs.append(x)
                x = np.where(x > 0, x, 0.2 * x)
        return x, hs

    def backward(layers, d, hs, act_after=()):
        k = len(hs)
        for i in reversed(range(len(layers))):
            if i in act_after:
                k -= 1
                d = np.where(hs[k] > 0, d, 0.2 * d)
            d = layers[i].backward(d)
            if isinstance(d, list):                        # some layers return [dX]
                d = d[0]
        return d

    def bce_grad(p, t):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return (p - t) / (p * (1 - p)) / len(p)

    def step():
        real = data[rs.randint(0, 10000, batch)]
        fake, _ = forward(G, rs.randn(batch, Z), leaky)
        for x, t in ((real, 1.0), (fake, 0.0)):                 # D step
            p, _ = forward(D, x)
            backward(D, bce_grad(p, t), [])
        for layer in D:
            layer.update()
        fake, hs = forward(G, rs.randn(batch, Z), leaky)       # G step
        p, _ = forward(D, fake)
        d = backward(D, bce_grad(p, 1.0), [])
        for layer in D:
            layer.flush_gradients()                            # D learns nothing here
        backward(G, d, hs, leaky)
        for layer in G:
            layer.update()
    return step


PEERS = {"DeZero": dezero_mlp_gan, "numpy-ml": numpy_ml_mlp_gan}
