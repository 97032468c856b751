"""Checks for the notebooks' exercises: is the learner's backward right, and if not, what is wrong.

Each ``check_*`` function runs the learner's function on small random inputs
in float64 and compares every gradient it returns with two references: the
central finite differences of the forward (``gradient_check.numeric_grad``)
and the library's own layer or twin.  A wrong answer raises ``ExerciseError``
with a message in words: which gradient, where, how far off, and a hint; a
right one prints a line saying what was checked and returns True.

    >>> from scratchgan import exercise
    >>> exercise.check_linear_backward(linear_backward)
    Linear's backward: dx, dW, db all match the finite differences and nn.Linear (max relative error 3e-11)
"""
import numpy

from . import losses, metrics, nn
from .gradient_check import numeric_grad
from .nn.conv import conv2d_backward_simple
from .nn.im2col import im2col_simple
from .nn.norm import batchnorm_forward_simple, batchnorm_backward_simple

TOL = 1e-6          # relative error; float64 finite differences reach ~1e-9


class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says which part and how."""


def _rel(a, b):
    """Elementwise relative error, with the scale of the whole array as a floor
    (an entry whose true value is 0 is judged against the array's size)."""
    scale = max(numpy.abs(a).max(initial=0), numpy.abs(b).max(initial=0), 1e-12)
    return numpy.abs(a - b) / numpy.maximum(numpy.maximum(numpy.abs(a), numpy.abs(b)), 1e-3 * scale)


def compare(name, where, yours, expected, against, hint="", tol=TOL):
    """Raise ExerciseError unless ``yours`` equals ``expected`` (to ``tol``); returns
    the max relative error.  ``name``: the gradient ("dW"); ``where``: the layer;
    ``against``: what the expected value is ("the finite differences")."""
    if yours is None:
        raise ExerciseError(f"{name} of {where}: your function returned None for it "
                            "(did you forget to return it, or is the TODO still there?)")
    yours = numpy.asarray(yours, numpy.float64)
    expected = numpy.asarray(expected, numpy.float64)
    if yours.shape != expected.shape:
        raise ExerciseError(f"{name} of {where} has shape {yours.shape}; it should be "
                            f"{expected.shape}, the shape of what it is the gradient of. {hint}")
    if not numpy.isfinite(yours).all():
        raise ExerciseError(f"{name} of {where} contains NaN or Inf. {hint}")
    err = _rel(yours, expected)
    worst = numpy.unravel_index(int(err.argmax()), err.shape) if err.size else ()
    if err.size and err.max() > tol:
        at = f" at entry {tuple(int(i) for i in worst)}" if err.ndim else ""
        wrong = int((err > tol).sum())
        raise ExerciseError(
            f"{name} of {where} is wrong: {wrong} of {err.size} entries are off, the worst by a "
            f"relative error of {err.max():.2g}{at}: yours {yours[worst]:.6g}, "
            f"{against} {expected[worst]:.6g}. {hint}".strip())
    return float(err.max()) if err.size else 0.0


def _ok(message, errors):
    print(f"{message} (max relative error {max(errors):.1e})")
    return True


def _call(fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{fn.__name__} is not written yet: replace the TODO and the "
                            "`raise NotImplementedError` with your code") from None


# ------------------------------------------------------------------ notebook 1
def _linear(x, W, b):
    return x @ W.T + b


def check_linear_backward(linear_backward, seed=0):
    """linear_backward(dy, x, W) -> (dx, dW, db) for y = x W^T + b, x (N, D), W (M, D)."""
    rs = numpy.random.RandomState(seed)
    x, W, b, dy = rs.randn(4, 5), rs.randn(3, 5), rs.randn(3), rs.randn(4, 3)
    out = _call(linear_backward, dy, x, W)
    if not (isinstance(out, tuple) and len(out) == 3):
        raise ExerciseError("linear_backward must return three arrays: (dx, dW, db)")
    dx, dW, db = out
    hint = {"dx": "dx = dy W: each input feeds every output through W.",
            "dW": "dW = dy^T x: shape (M, D), like W (PyTorch's layout).",
            "db": "db sums dy over the batch (axis 0): every sample uses the same b."}
    errors = [compare("dx", "Linear", dx, numeric_grad(lambda: (_linear(x, W, b) * dy).sum(), x),
                      "the finite-difference gradient", hint["dx"]),
              compare("dW", "Linear", dW, numeric_grad(lambda: (_linear(x, W, b) * dy).sum(), W),
                      "the finite-difference gradient", hint["dW"]),
              compare("db", "Linear", db, numeric_grad(lambda: (_linear(x, W, b) * dy).sum(), b),
                      "the finite-difference gradient", hint["db"])]
    layer = nn.Linear(5, 3).astype(numpy.float64)          # and the library agrees
    layer.weight.data[...], layer.bias.data[...] = W, b
    y = layer(x)
    errors.append(compare("dx", "Linear", dx, layer.backward(dy, y), "nn.Linear's backward"))
    errors.append(compare("dW", "Linear", dW, layer.weight.grad, "nn.Linear's backward"))
    return _ok("Linear's backward: dx, dW, db all match the finite differences and nn.Linear", errors)


def check_leaky_relu_backward(leaky_relu_backward, seed=1):
    """leaky_relu_backward(dy, x, slope) -> dx for y = x if x > 0 else slope * x."""
    rs = numpy.random.RandomState(seed)
    x = rs.randn(6, 7)
    x[numpy.abs(x) < 0.05] = 0.3                      # away from the kink at 0
    dy = rs.randn(6, 7)
    dx = _call(leaky_relu_backward, dy, x, 0.2)
    f = lambda: (numpy.where(x > 0, x, 0.2 * x) * dy).sum()   # noqa: E731
    hint = ("The gate: where x > 0 the gradient passes unchanged (dy), where x <= 0 it is "
            "scaled by the slope (0.2 * dy).")
    errors = [compare("dx", "LeakyReLU", dx, numeric_grad(f, x), "the finite-difference gradient", hint)]
    layer = nn.LeakyReLU(0.2)
    y = layer(x)
    errors.append(compare("dx", "LeakyReLU", dx, layer.backward(dy, y), "nn.LeakyReLU's backward"))
    return _ok("LeakyReLU's backward: dx matches the finite differences and nn.LeakyReLU", errors)


def check_sigmoid_backward(sigmoid_backward, seed=2):
    """sigmoid_backward(dy, y) -> dx, with y = sigmoid(x) the forward's output."""
    rs = numpy.random.RandomState(seed)
    x, dy = rs.randn(5, 3) * 2, rs.randn(5, 3)
    y = 1 / (1 + numpy.exp(-x))
    dx = _call(sigmoid_backward, dy, y)
    f = lambda: ((1 / (1 + numpy.exp(-x))) * dy).sum()   # noqa: E731
    hint = "sigmoid'(x) = y (1 - y), written with the output y the forward kept."
    errors = [compare("dx", "Sigmoid", dx, numeric_grad(f, x), "the finite-difference gradient", hint)]
    return _ok("Sigmoid's backward: dx matches the finite differences", errors)


def check_bce_backward(bce_backward, seed=3):
    """bce_backward(p, t) -> dL/dp for L = -mean(t log p + (1 - t) log(1 - p))."""
    rs = numpy.random.RandomState(seed)
    p, t = rs.uniform(0.05, 0.95, (8, 1)), (rs.uniform(size=(8, 1)) > 0.5).astype(float)
    dp = _call(bce_backward, p, t)
    f = lambda: -(t * numpy.log(p) + (1 - t) * numpy.log(1 - p)).mean()   # noqa: E731
    hint = ("dL/dp = (p - t) / (p (1 - p)) / N: the loss is a mean over the N entries, so "
            "each gradient carries 1/N.")
    errors = [compare("dp", "BCE", dp, numeric_grad(f, p), "the finite-difference gradient", hint)]
    bce = losses.BCELoss()
    bce(p, t)
    errors.append(compare("dp", "BCE", dp, bce.backward(p), "losses.BCELoss's backward"))
    return _ok("BCE's backward: dL/dp matches the finite differences and losses.BCELoss", errors)


# ------------------------------------------------------------------ notebook 2
def check_batchnorm_backward(batchnorm_backward, name="batchnorm_backward", seed=4):
    """batchnorm_backward(dy, cache) -> (dx, dgamma, dbeta) for x (N, D), with
    cache = (x, xmu, var, sigma, xhat, gamma, eps) as notebook 2's forward keeps it."""
    rs = numpy.random.RandomState(seed)
    x, gamma, beta, dy = rs.randn(6, 4) * 3 + 1, rs.randn(4), rs.randn(4), rs.randn(6, 4)
    full_cache = batchnorm_forward_simple(x, gamma, beta)[1]
    cache = full_cache[:7]                  # (x, xmu, var, sigma, xhat, gamma, eps)
    out = _call(batchnorm_backward, dy, cache)
    if not (isinstance(out, tuple) and len(out) == 3):
        raise ExerciseError(f"{name} must return three arrays: (dx, dgamma, dbeta)")
    dx, dgamma, dbeta = out

    def f():                    # sum(y * dy): its gradient in x, gamma, beta is what we want
        return (batchnorm_forward_simple(x, gamma, beta)[0] * dy).sum()
    hint = ("x reaches the output three ways: directly through x_hat, through the mean mu, "
            "and through the variance; dx is the sum of the three paths.")
    errors = [compare("dx", "BatchNorm", dx, numeric_grad(f, x), "the finite-difference gradient", hint),
              compare("dgamma", "BatchNorm", dgamma, numeric_grad(f, gamma),
                      "the finite-difference gradient", "dgamma = sum over the batch of dy * x_hat."),
              compare("dbeta", "BatchNorm", dbeta, numeric_grad(f, beta),
                      "the finite-difference gradient", "dbeta = sum over the batch of dy.")]
    ref = batchnorm_backward_simple(dy, full_cache)
    errors.append(compare("dx", "BatchNorm", dx, ref[0], "the library's twin batchnorm_backward_simple"))
    return _ok(f"{name}: dx, dgamma, dbeta match the finite differences and the library's twin", errors)


# ------------------------------------------------------------------ notebook 3
def check_im2col(im2col, seed=5):
    """im2col(x, kh, kw, stride, pad) -> (N*OH*OW, C*kh*kw): row (n, oh, ow) holds
    the window output pixel (oh, ow) of image n sees, flattened in the order (c, i, j)."""
    rs = numpy.random.RandomState(seed)
    errors = []
    for (N, C, H, W), (kh, kw), s, p in (((2, 3, 5, 5), (3, 3), 1, 1), ((1, 2, 6, 7), (4, 4), 2, 1),
                                         ((3, 1, 4, 4), (2, 3), 1, 0)):
        x = rs.randn(N, C, H, W)
        cols = _call(im2col, x, kh, kw, s, p)
        ref = im2col_simple(x, kh, kw, (s, s), (p, p))       # rows (oh, ow, n), columns (i, j, c)
        OH, OW = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        ref = ref.reshape(OH, OW, N, kh, kw, C).transpose(2, 0, 1, 5, 3, 4).reshape(N * OH * OW, -1)
        errors.append(compare("cols", f"im2col (kernel {kh}x{kw}, stride {s}, padding {p})",
                              cols, ref, "the loop", "Row (n, oh, ow) is the window "
                              "xpad[n, :, oh*s : oh*s+kh, ow*s : ow*s+kw] flattened (c, i, j)."))
    return _ok("im2col: every window in its row, for three kernel/stride/padding cases", errors)


def _conv(x, W, b, s, p):
    from .nn.conv import conv2d_simple
    return conv2d_simple(x, W, b, (s, s), (p, p))


def check_conv2d_backward(conv2d_backward, seed=6):
    """conv2d_backward(dy, x, W, stride, pad) -> (dx, dW, db)."""
    rs = numpy.random.RandomState(seed)
    errors = []
    for (N, C, H, Wd), (O, k), s, p in (((2, 3, 5, 5), (4, 3), 1, 1), ((2, 2, 6, 6), (3, 4), 2, 1)):
        x, W, b = rs.randn(N, C, H, Wd), rs.randn(O, C, k, k), rs.randn(O)
        dy = rs.randn(*_conv(x, W, b, s, p).shape)
        out = _call(conv2d_backward, dy, x, W, s, p)
        if not (isinstance(out, tuple) and len(out) == 3):
            raise ExerciseError("conv2d_backward must return three arrays: (dx, dW, db)")
        dx, dW, db = out
        ref = conv2d_backward_simple(dy, x, W, (s, s), (p, p))
        where = f"Conv2d (kernel {k}, stride {s}, padding {p})"
        errors += [compare("dx", where, dx, ref[0], "the loop twin conv2d_backward_simple",
                           "dx is col2im of dy_rows @ W_rows: each window's gradient added back "
                           "where the window came from (overlaps add up), padding dropped."),
                   compare("dW", where, dW, ref[1], "the loop twin", "dW = dy_rows^T @ cols, reshaped to W's shape."),
                   compare("db", where, db, ref[2], "the loop twin", "db sums dy over n, oh, ow.")]
    f = lambda: (_conv(x, W, b, s, p) * dy).sum()      # noqa: E731  (the last case, numerically)
    errors.append(compare("dW", where, dW, numeric_grad(f, W), "the finite-difference gradient"))
    return _ok("Conv2d's backward: dx, dW, db match the loop twin and the finite differences", errors)


# ------------------------------------------------------------------ notebook 4
def check_generator_gradients(minimax_grad, non_saturating_grad, seed=7):
    """minimax_grad(a), non_saturating_grad(a) -> dL_G/da per sample, for D(G(z)) = sigmoid(a),
    L_minimax = log(1 - D), L_ns = -log D."""
    a = numpy.random.RandomState(seed).uniform(-6, 6, 9)
    sig = lambda: 1 / (1 + numpy.exp(-a))              # noqa: E731
    errors = [compare("dL/da", "the minimax loss", _call(minimax_grad, a),
                      numeric_grad(lambda: numpy.log(1 - sig()).sum(), a), "the finite-difference gradient",
                      "d/da log(1 - sigmoid(a)) = -sigmoid(a)."),
              compare("dL/da", "the non-saturating loss", _call(non_saturating_grad, a),
                      numeric_grad(lambda: -numpy.log(sig()).sum(), a), "the finite-difference gradient",
                      "d/da [-log sigmoid(a)] = sigmoid(a) - 1.")]
    return _ok("both generator gradients match the finite differences", errors)


# ------------------------------------------------------------------ notebooks 5 and 6
def check_g_step_gradients(g_step, make, seed=8):
    """g_step(G, D, bce, z) back-propagates G's non-saturating loss BCE(D(G(z)), 1) into
    G's gradients (and not D's); compared with the library's GANSteps.g_step on copies."""
    import copy
    from . import backend, optim
    from .gan import GANSteps
    backend.manual_seed(seed)
    G, D = make()
    if not isinstance(G[0], nn.Linear):
        raise TypeError("check_g_step_gradients: make() must return a G that starts with Linear")
    G2, D2 = copy.deepcopy(G), copy.deepcopy(D)
    z = numpy.random.RandomState(seed).randn(8, G[0].in_features).astype(numpy.float32)
    for p in G.parameters() + D.parameters():
        p.grad[...] = 0
    _call(g_step, G, D, losses.BCELoss(), backend.asarray(z))
    steps = GANSteps(G2, D2, optim.SGD(G2.parameters(), lr=0.0), optim.SGD(D2.parameters(), lr=0.0),
                     lambda m: None, lambda m: backend.asarray(z), batch_size=8)
    steps.g_step()
    errors = []
    for (name, p), p2 in zip(G.named_parameters(), G2.parameters()):
        errors.append(compare(f"d{name}", "G", backend.to_host(p.grad), backend.to_host(p2.grad),
                              "the engine's G step", "G's gradient is G.backward of D.backward of "
                              "bce.backward(out), each backward given the output of its own forward.",
                              tol=1e-3))
    for name, p in D.named_parameters():
        if numpy.abs(backend.to_host(p.grad)).max() > 0:
            raise ExerciseError(f"D's gradient {name} is not zero after G's step: D must not learn "
                                "from G's loss. Wrap D's backward in `with nn.frozen(D):`.")
    return _ok("your G step: G's gradients match the engine's, D's stay zero", errors)


def check_pix2pix_grad(g_output_grad, seed=9):
    """g_output_grad(grad_adv, fake, target, lam) -> dL_G/dG(x) for
    L_G = BCE(D(x, G(x)), 1) + lam * mean|G(x) - y|, given grad_adv = dBCE/dG(x)
    (what D.backward returned)."""
    rs = numpy.random.RandomState(seed)
    fake, target, grad_adv = rs.randn(2, 1, 4, 4), rs.randn(2, 1, 4, 4), rs.randn(2, 1, 4, 4)
    l1 = losses.L1Loss()
    l1(fake, target)
    expected = grad_adv + 100.0 * l1.backward(fake)
    errors = [compare("dL_G/dG(x)", "pix2pix's G loss", _call(g_output_grad, grad_adv, fake, target, 100.0),
                      expected, "the sum of the two paths",
                      "One output, two losses: the gradient at G(x) is the adversarial gradient "
                      "plus lambda times the L1 gradient sign(G(x) - y) / (number of pixels).")]
    return _ok("pix2pix's G gradient: both losses' gradients added at G(x)", errors)


# ------------------------------------------------------------------ notebook 7
def check_frechet_distance(frechet_distance, seed=10):
    """frechet_distance(features_a, features_b) -> float, as metrics.frechet_distance."""
    rs = numpy.random.RandomState(seed)
    a, b = rs.randn(400, 6), rs.randn(300, 6) @ rs.randn(6, 6) * 0.5 + 1
    yours = _call(frechet_distance, a, b)
    errors = [compare("FID", "your frechet_distance", yours, metrics.frechet_distance(a, b),
                      "metrics.frechet_distance",
                      "||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), with the "
                      "unbiased covariance (numpy.cov(f, rowvar=False)).", tol=1e-6),
              ]
    itself = float(_call(frechet_distance, a, a))
    if abs(itself) > 1e-6:
        raise ExerciseError(f"your frechet_distance of a set with itself is {itself:.3g}; it should "
                            "be 0 (same mean, same covariance). Check the cross term: "
                            "Tr(S^1/2 S S^1/2)^1/2 = Tr S.")
    return _ok("frechet_distance: equals the library's, and 0 for a set with itself", errors)
