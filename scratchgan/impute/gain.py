"""GAIN: Generative Adversarial Imputation Nets (Yoon, Jordon & van der Schaar, ICML 2018).

The generator fills in a row's missing cells given the observed ones; the
discriminator sees the completed row and guesses, *cell by cell*, which
entries were observed and which were filled in.  G wins when its fills are
indistinguishable from real values, given everything else in the row.

For one minibatch (rows x in [0, 1]^d, scaled; mask m, 1 = observed):

    x~    = m * x + (1 - m) * z,   z ~ U(0, 0.01)   missing cells start as small noise
    g     = G([x~, m])                              G: 2d -> d -> d -> d, ReLU, ReLU, sigmoid
    x^    = m * x~ + (1 - m) * g                    keep observed cells, take G's fills
    h     = b * m,   b ~ Bernoulli(0.9)             the hint
    p     = D([x^, h])                              D: 2d -> d -> d -> d, sigmoid: P(observed)

    L_D = -mean( m log p + (1 - m) log(1 - p) )                  = BCE(p, m)
    L_G = -mean( (1 - m) log p )                                 = BCE(p, 1, weight = 1 - m)
          + alpha * mean( (m * x~ - m * g)^2 ) / mean(m)         = alpha * MSE(g, x~, weight = m) / mean(m)

The hint: without it, D could not know which cells G filled, and the game
has many optima that do not reproduce the data's distribution; h tells D
the true mask for the cells where b = 1, so D's only open question is the
~10% of cells where b = 0, and there it must judge the value itself.  (This
is the reference code's hint, h = b * m; the paper also writes a variant
with 0.5 for the hidden cells.)  The MSE term makes G reproduce the observed
cells it is shown, which ties it to the data; alpha = 100 weighs it.

Choices as the authors' code, each for a reason:
* min-max scaling to [0, 1] per column (undone at the end): G's sigmoid
  output covers every column's range;
* weights N(0, sqrt(2 / fan_in)), biases 0 (He's initialisation for ReLU
  layers; the code calls it Xavier);
* Adam(lr 1e-3), batch 128, 10,000 iterations, one D step then one G step
  on the same minibatch, noise and hint;
* columns with fewer than 20 distinct values are rounded after imputation
  (they are categories or counts).

Minibatch rows are drawn with replacement (the reference code draws them
without; at 128 of thousands of rows the difference is negligible).
"""
import numpy
from tqdm import tqdm

from .. import backend, losses, nn, optim
from .missing import MinMax, check_table, mask_of, round_like


def mlp(d):
    """2d -> d -> d -> d with ReLU, ReLU, sigmoid: G's and D's shape in the paper."""
    return nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(),
                         nn.Linear(d, d), nn.Sigmoid())


def he_init(net, rng):
    """W ~ N(0, 2 / fan_in), b = 0, drawn from a numpy RandomState."""
    for layer in net:
        if isinstance(layer, nn.Linear):
            out_f, in_f = layer.weight.data.shape
            W = rng.normal(0.0, numpy.sqrt(2.0 / in_f), (out_f, in_f))
            layer.weight.data[...] = backend.to_device(W.astype(numpy.float32))
            layer.bias.data[...] = 0


class GAIN:
    """``GAIN(...).fit(X).transform(X)``: X a table with NaN in its missing cells.

    fit learns G and D on X; transform returns a *new* table with every
    missing cell filled and every observed cell exactly as it was.
    ``history`` holds the losses every ``log_every`` iterations.
    """

    def __init__(self, batch_size=128, hint_rate=0.9, alpha=100.0, iters=10000, lr=1e-3,
                 seed=0, progress=True, log_every=100):
        if not 0 <= hint_rate <= 1:
            raise ValueError(f"GAIN: hint_rate must be in [0, 1], got {hint_rate}")
        for name, value in (("batch_size", batch_size), ("iters", iters),
                            ("log_every", log_every)):
            if int(value) != value or value < 1:
                raise ValueError(f"GAIN: {name} must be a positive integer, got {value}")
        if not alpha >= 0 or not lr > 0:
            raise ValueError(f"GAIN: alpha must be >= 0 and lr > 0, got {alpha}, {lr}")
        self.batch_size, self.hint_rate, self.alpha = int(batch_size), hint_rate, alpha
        self.iters, self.lr, self.seed = int(iters), lr, seed
        self.progress, self.log_every = progress, int(log_every)
        self.G = self.D = None

    # ------------------------------------------------------------------ training
    def fit(self, X):
        X = check_table(X, "GAIN.fit")
        n, d = X.shape
        self.n_columns, self.reference = d, X
        self.scale = MinMax().fit(X)
        x_all = backend.to_device(numpy.nan_to_num(self.scale.transform(X)))   # missing -> 0
        m_all = backend.to_device(mask_of(X))
        rng = numpy.random.RandomState(self.seed)
        self.G, self.D = mlp(d), mlp(d)
        he_init(self.G, rng)
        he_init(self.D, rng)
        opt_G = optim.Adam(self.G.parameters(), lr=self.lr)
        opt_D = optim.Adam(self.D.parameters(), lr=self.lr)
        bce, mse = losses.BCELoss(), losses.MSELoss()
        backend.manual_seed(self.seed)
        draw = backend.rng()
        b = self.batch_size
        self.history = {"iter": [], "d_loss": [], "g_adv": [], "g_mse": []}

        for it in tqdm(range(1, self.iters + 1), desc="GAIN", disable=not self.progress):
            idx = draw.randint(0, n, size=b)
            x, m = x_all[idx], m_all[idx]
            z = backend.rand(b, d) * 0.01
            h = m * (backend.rand(b, d) < self.hint_rate)
            x_tilde = m * x + (1 - m) * z

            # G's fills (G is not changed by the D step, so this output serves both steps)
            g_in, _ = nn.concat(x_tilde, m)
            g = self.G(g_in)
            x_hat = m * x_tilde + (1 - m) * g

            # D step: descend BCE(D([x^, h]), m); x^ is a constant here
            opt_D.zero_grad()
            p, _ = self._discriminate(x_hat, h)
            d_loss = bce(p, m)
            self.D.backward(bce.backward(p), p, input_grad=False)   # D's own gradients only
            opt_D.step()

            # G step: descend BCE(D(x^), 1) on the filled cells + alpha * MSE on the observed
            opt_G.zero_grad()
            p, split = self._discriminate(x_hat, h)
            g_adv = bce(p, 1.0, weight=1 - m)
            g_mse = mse(g, x_tilde, weight=m)
            mean_m = m.mean()
            with nn.frozen(self.D):             # G needs dL/dx^ through D, not D's gradients
                dx_hat, _ = split(self.D.backward(bce.backward(p), p))
            dg = dx_hat * (1 - m) + mse.backward(g) * (self.alpha / mean_m)   # x^ = ... + (1-m) g
            self.G.backward(dg, g)
            opt_G.step()

            if it % self.log_every == 0 or it == self.iters:
                self.history["iter"].append(it)
                self.history["d_loss"].append(float(d_loss))
                self.history["g_adv"].append(float(g_adv))
                self.history["g_mse"].append(float(g_mse / mean_m))
                if not all(numpy.isfinite(self.history[k][-1]) for k in ("d_loss", "g_adv")):
                    raise FloatingPointError(f"GAIN: the losses became NaN/Inf at iteration {it}")
        return self

    def _discriminate(self, x_hat, h):
        d_in, split = nn.concat(x_hat, h)
        return self.D(d_in), split

    # ------------------------------------------------------------------ imputing
    def transform(self, X):
        """A new table: X's missing cells filled by G, observed cells unchanged."""
        if self.G is None:
            raise RuntimeError("GAIN.transform: call fit first")
        X = numpy.array(X, dtype=numpy.float32, copy=True)
        if X.ndim != 2 or X.shape[1] != self.n_columns:
            raise ValueError(f"GAIN.transform: expected a table with {self.n_columns} columns "
                             f"(as in fit), got shape {X.shape}")
        if numpy.isinf(X).any():
            raise ValueError("GAIN.transform: X holds infinite values; only NaN marks a "
                             "missing cell")
        M = mask_of(X)
        rng = numpy.random.RandomState(self.seed + 1)
        x = numpy.nan_to_num(self.scale.transform(X))
        z = rng.uniform(0, 0.01, X.shape).astype(numpy.float32)
        x_tilde = M * x + (1 - M) * z
        with nn.no_grad():
            g_in, _ = nn.concat(backend.to_device(x_tilde), backend.to_device(M))
            g = backend.to_host(self.G(g_in))
        filled = self.scale.inverse(M * x + (1 - M) * g)
        filled = round_like(filled, self.reference)
        return numpy.where(M > 0, X, filled)

    def fit_transform(self, X):
        return self.fit(X).transform(X)
