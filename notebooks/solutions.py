"""Solutions to the notebooks' exercises.

Try each exercise first: the check cell tells you what is wrong in words.
CI runs every notebook with these filled in (SCRATCHGAN_SOLUTIONS=1).
"""
import numpy

from scratchgan import metrics  # noqa: F401  (for the reader: what notebook 7 checks against)


# ---------------------------------------------------------------- 01 backprop by hand
def linear_backward(dy, x, W):
    dx = dy @ W                  # (N, M) @ (M, D)
    dW = dy.T @ x                # (M, N) @ (N, D)
    db = dy.sum(axis=0)          # every sample used the same b
    return dx, dW, db


def leaky_relu_backward(dy, x, slope=0.2):
    return numpy.where(x > 0, dy, slope * dy)     # the gate


def sigmoid_backward(dy, y):
    return dy * y * (1 - y)


def bce_backward(p, t):
    return (p - t) / (p * (1 - p)) / p.size


# ---------------------------------------------------------------- 02 BatchNorm
def batchnorm_backward_nodes(dy, cache):
    x, xmu, var, sigma, xhat, gamma, eps = cache
    M = x.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dxhat = dy * gamma
    dsigma = -(dxhat * xmu).sum(axis=0) / sigma ** 2       # xhat = xmu / sigma
    dvar = dsigma * 0.5 / numpy.sqrt(var + eps)            # sigma = sqrt(var + eps)
    dxmu = dxhat / sigma + dvar * 2 * xmu / M              # var = mean(xmu^2)
    dmu = -dxmu.sum(axis=0)                                # xmu = x - mu
    dx = dxmu + dmu / M                                    # mu = mean(x)
    return dx, dgamma, dbeta


def batchnorm_backward_three_terms(dy, cache):
    x, xmu, var, sigma, xhat, gamma, eps = cache
    M = x.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dx = gamma / sigma * (dy - dbeta / M - xhat * dgamma / M)
    return dx, dgamma, dbeta


# ---------------------------------------------------------------- 03 convolution as a matrix
def im2col(x, kh, kw, stride, pad):
    N, C, H, W = x.shape
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    cols = numpy.empty((N, OH, OW, C, kh, kw))
    for i in range(kh):                  # a loop over the kernel's taps, not over pixels
        for j in range(kw):
            cols[:, :, :, :, i, j] = xp[:, :, i:i + stride * OH:stride,
                                        j:j + stride * OW:stride].transpose(0, 2, 3, 1)
    return cols.reshape(N * OH * OW, C * kh * kw)


def col2im(cols, x_shape, kh, kw, stride, pad):
    N, C, H, W = x_shape
    OH, OW = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    c = cols.reshape(N, OH, OW, C, kh, kw)
    xp = numpy.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for i in range(kh):
        for j in range(kw):
            xp[:, :, i:i + stride * OH:stride, j:j + stride * OW:stride] += c[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return xp[:, :, pad:pad + H, pad:pad + W]


def conv2d_backward(dy, x, W, stride, pad):
    O, C, kh, kw = W.shape
    cols = im2col(x, kh, kw, stride, pad)                  # (N*OH*OW, C*kh*kw)
    dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, O)      # (N*OH*OW, O)
    dW = (dy_rows.T @ cols).reshape(W.shape)
    db = dy_rows.sum(axis=0)
    dx = col2im(dy_rows @ W.reshape(O, -1), x.shape, kh, kw, stride, pad)
    return dx, dW, db


# ---------------------------------------------------------------- 04 Algorithm 1
def minimax_grad(a):
    return -1 / (1 + numpy.exp(-a))          # -sigmoid(a) = -D(G(z))


def non_saturating_grad(a):
    return 1 / (1 + numpy.exp(-a)) - 1       # sigmoid(a) - 1 = -(1 - D(G(z)))


# ---------------------------------------------------------------- 05 DCGAN
def g_step(G, D, bce, z):
    from scratchgan import nn
    x_fake = G(z)
    out = D(x_fake)
    bce(out, 1.0)                            # the non-saturating loss
    with nn.frozen(D):                       # D's parameters take no gradient here
        grad_fake = D.backward(bce.backward(out), out)
    G.backward(grad_fake, x_fake)


# ---------------------------------------------------------------- 06 pix2pix
def g_output_grad(grad_adv, fake, target, lam):
    return grad_adv + lam * numpy.sign(fake - target) / fake.size


# ---------------------------------------------------------------- 07 measuring a GAN
def frechet_distance(features_a, features_b):
    a, b = numpy.asarray(features_a, numpy.float64), numpy.asarray(features_b, numpy.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    S_a, S_b = numpy.cov(a, rowvar=False), numpy.cov(b, rowvar=False)
    w, V = numpy.linalg.eigh(S_a)
    root_a = (V * numpy.sqrt(numpy.clip(w, 0, None))) @ V.T
    cross = numpy.sqrt(numpy.clip(numpy.linalg.eigvalsh(root_a @ S_b @ root_a), 0, None)).sum()
    d2 = ((mu_a - mu_b) ** 2).sum() + numpy.trace(S_a) + numpy.trace(S_b) - 2 * cross
    return max(float(d2), 0.0)                   # rounding can leave -1e-15 for equal sets
