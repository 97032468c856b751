"""The naive twins: slow, obviously correct versions of the fast paths.

Read these first.  Each is the definition written as loops (or one step of
the chain rule at a time), in float64 NumPy on the host; the fast layers are
tested against them (tests/test_conv.py, test_norm.py, test_optim.py):

    fast                                       its twin here
    Conv2d.forward (im2col + one GEMM)         conv2d: a loop over output pixels
    ConvTranspose2d.forward (GEMM + col2im)    conv_transpose2d: each input pixel paints the kernel
    im2col (strided views, one copy)           im2col: a loop over windows
    BatchNorm backward (three-term formula)    batchnorm_backward: dxhat -> dvar -> dmu -> dx
    Adam over one flat vector                  adam_step: one parameter at a time, as the paper writes it
    AvgPool2d, MaxPool2d (im2col rows)         avg_pool2d, max_pool2d: a loop over windows
    ReflectionPad2d (numpy.pad, folded strips)  reflection_pad2d: each output pixel finds its source
    Upsample (repeat; block sums)              upsample_nearest: y[h, w] = x[h // s, w // s]

They are too slow for training (pure Python loops over pixels) and exist to
be read and to check the fast versions.
"""
import numpy


def conv2d(x, W, b=None, stride=(1, 1), padding=(0, 0)):
    """Cross-correlation, straight from the definition.

        y[n, o, oh, ow] = b[o] + sum_{c,i,j} W[o, c, i, j] * xpad[n, c, oh*sh + i, ow*sw + j]

    x (N, C, H, W), W (OC, C, kh, kw), b (OC,) or None -> y (N, OC, OH, OW).
    """
    x, W = numpy.asarray(x, numpy.float64), numpy.asarray(W, numpy.float64)
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, Wd = x.shape
    OC, _, kh, kw = W.shape
    xpad = numpy.zeros((N, C, H + 2 * ph, Wd + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + Wd] = x
    OH, OW = (H + 2 * ph - kh) // sh + 1, (Wd + 2 * pw - kw) // sw + 1
    y = numpy.zeros((N, OC, OH, OW))
    for n in range(N):
        for o in range(OC):
            for oh in range(OH):
                for ow in range(OW):
                    patch = xpad[n, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]
                    y[n, o, oh, ow] = (W[o] * patch).sum() + (b[o] if b is not None else 0.0)
    return y


def conv_transpose2d(x, W, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0)):
    """Transposed convolution: every input pixel paints x[n, c, h, w] * W[c] onto
    the output at (h*sh, w*sw), the copies summing; then ``padding`` is cropped
    from each border (``output_padding`` extra rows/columns kept at the bottom/right).

    x (N, C, H, W), W (C, OC, kh, kw), b (OC,) or None -> y (N, OC, Ho, Wo).
    """
    x, W = numpy.asarray(x, numpy.float64), numpy.asarray(W, numpy.float64)
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    N, C, H, Wd = x.shape
    _, OC, kh, kw = W.shape
    full = numpy.zeros((N, OC, (H - 1) * sh + kh + oph, (Wd - 1) * sw + kw + opw))
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(Wd):
                    full[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += x[n, c, i, j] * W[c]
    Ho, Wo = full.shape[2] - 2 * ph, full.shape[3] - 2 * pw
    y = full[:, :, ph:ph + Ho, pw:pw + Wo]
    return y + (numpy.asarray(b).reshape(1, -1, 1, 1) if b is not None else 0.0)


def im2col(x, kh, kw, stride=(1, 1), padding=(0, 0)):
    """The windows of x as rows: row (oh, ow, n) holds the kh x kw x C patch that
    output pixel (oh, ow) of image n sees, flattened in the order (i, j, c).

    x (N, C, H, W) -> (OH*OW*N, kh*kw*C), rows ordered (oh, ow, n): the layout of
    ``scratchgan.nn.im2col.im2col`` ("HWNC"), so the two can be compared directly.
    """
    x = numpy.asarray(x, numpy.float64)
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    xpad = numpy.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    OH, OW = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    rows = []
    for oh in range(OH):
        for ow in range(OW):
            for n in range(N):
                patch = xpad[n, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]   # (C, kh, kw)
                rows.append(patch.transpose(1, 2, 0).ravel())                     # (i, j, c)
    return numpy.array(rows).reshape(OH * OW * N, kh * kw * C)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Training-mode batch norm of (N, C) (or (N, C, ...): statistics over every
    axis but 1), one named step at a time.  Returns (y, cache)."""
    x = numpy.asarray(x, numpy.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)                     # mu = (1/M) sum x
    xmu = x - mu
    var = (xmu ** 2).mean(axis=axes, keepdims=True)           # var = (1/M) sum (x - mu)^2
    sigma = numpy.sqrt(var + eps)
    xhat = xmu / sigma                                        # xhat = (x - mu) / sigma
    y = numpy.asarray(gamma).reshape(shape) * xhat + numpy.asarray(beta).reshape(shape)
    return y, (x, xmu, var, sigma, xhat, numpy.asarray(gamma, numpy.float64), eps, axes, shape)


def batchnorm_backward(dy, cache):
    """The chain rule through ``batchnorm_forward`` one node at a time:
    dgamma, dbeta, then dxhat -> dvar -> dmu -> dx.  Returns (dx, dgamma, dbeta).

    (The fast layer folds these into dx = (gamma / sigma) * (dy - mean(dy)
    - xhat * mean(dy * xhat)); the tests check that the two agree.)
    """
    x, xmu, var, sigma, xhat, gamma, eps, axes, shape = cache
    dy = numpy.asarray(dy, numpy.float64)
    M = x.size // x.shape[1]                                   # values per channel
    dgamma = (dy * xhat).sum(axis=axes)                        # y = gamma * xhat + beta
    dbeta = dy.sum(axis=axes)
    dxhat = dy * gamma.reshape(shape)
    # xhat = xmu / sigma, sigma = sqrt(var + eps), var = mean(xmu^2), xmu = x - mu
    dsigma = (dxhat * xmu * -1 / sigma ** 2).sum(axis=axes, keepdims=True)
    dvar = dsigma * 0.5 / numpy.sqrt(var + eps)
    dxmu = dxhat / sigma + dvar * 2 * xmu / M                  # both paths into xmu
    dmu = -dxmu.sum(axis=axes, keepdims=True)
    dx = dxmu + dmu / M                                        # mu = mean(x)
    return dx, dgamma, dbeta


def adam_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """One Adam step (Kingma & Ba 2015, Algorithm 1) on each parameter in turn,
    in place, as the paper writes it; ``state`` is a dict kept between calls.

        g = grad + weight_decay * theta
        m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
        theta = theta - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    """
    b1, b2 = betas
    t = state["t"] = state.get("t", 0) + 1
    for i, (theta, g) in enumerate(zip(params, grads)):
        g = g + weight_decay * theta
        m = state[("m", i)] = b1 * state.get(("m", i), 0.0) + (1 - b1) * g
        v = state[("v", i)] = b2 * state.get(("v", i), 0.0) + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta -= lr * m_hat / (numpy.sqrt(v_hat) + eps)
    return params


def sgd_step(params, grads, state, lr, momentum=0.0):
    """One step of SGD with momentum, one parameter at a time (PyTorch's convention:
    the velocity starts as the first gradient)."""
    for i, (theta, g) in enumerate(zip(params, grads)):
        if momentum:
            v = state.get(("v", i))
            v = g.copy() if v is None else momentum * v + g
            state[("v", i)] = v
            g = v
        theta -= lr * g
    return params


__all__ = ["conv2d", "conv_transpose2d", "im2col", "batchnorm_forward", "batchnorm_backward",
           "adam_step", "sgd_step"]


def _pool2d(x, k, stride, padding, reduce, fill):
    x = numpy.asarray(x, numpy.float64)
    N, C, H, W = x.shape
    xpad = numpy.full((N, C, H + 2 * padding, W + 2 * padding), fill)
    xpad[:, :, padding:padding + H, padding:padding + W] = x
    OH, OW = (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1
    y = numpy.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    window = xpad[n, c, oh * stride:oh * stride + k, ow * stride:ow * stride + k]
                    y[n, c, oh, ow] = reduce(window)
    return y


def avg_pool2d(x, k, stride, padding=0):
    """y[n, c, oh, ow] = mean of the k x k window at (oh*stride, ow*stride) of the
    zero-padded x (the padding counts in the mean, as PyTorch's default)."""
    return _pool2d(x, k, stride, padding, numpy.mean, 0.0)


def max_pool2d(x, k, stride, padding=0):
    """y[n, c, oh, ow] = max of the k x k window of x padded with -inf."""
    return _pool2d(x, k, stride, padding, numpy.max, -numpy.inf)


def reflection_pad2d(x, left, right, top, bottom):
    """Each output pixel (h, w) copies x at the mirrored position: an index i
    outside [0, n) maps to -i (before the start) or 2(n - 1) - i (after the end)."""
    x = numpy.asarray(x, numpy.float64)
    N, C, H, W = x.shape

    def source(i, n):
        return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)

    y = numpy.zeros((N, C, H + top + bottom, W + left + right))
    for h in range(y.shape[2]):
        for w in range(y.shape[3]):
            y[:, :, h, w] = x[:, :, source(h - top, H), source(w - left, W)]
    return y


def upsample_nearest(x, s):
    """y[n, c, h, w] = x[n, c, h // s, w // s]."""
    x = numpy.asarray(x, numpy.float64)
    N, C, H, W = x.shape
    y = numpy.zeros((N, C, H * s, W * s))
    for h in range(H * s):
        for w in range(W * s):
            y[:, :, h, w] = x[:, :, h // s, w // s]
    return y
