"""nn.cat and nn.split: each the other's backward.  Hypothesis-drawn shapes,
axes and sections; finite differences through a module that joins three
inputs; closed forms; PyTorch's torch.cat / torch.split."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, nn
from scratchgan.gradient_check import gradcheck
from scratchgan.nn import ShapeError

try:
    import torch
except ImportError:                       # the parity extra is not installed
    torch = None

FAST = settings(max_examples=40, deadline=None)


@st.composite
def pieces(draw):
    ndim = draw(st.integers(1, 4))
    dim = draw(st.integers(-ndim, ndim - 1))
    base = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    sizes = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    rs = np.random.RandomState(draw(st.integers(0, 1000)))
    arrays = []
    for k in sizes:
        shape = list(base)
        shape[dim] = k
        arrays.append(rs.standard_normal(shape))
    return arrays, dim, sizes


@FAST
@given(case=pieces())
def test_split_undoes_cat_and_matches_pytorch(case):
    arrays, dim, sizes = case
    y = nn.cat(arrays, dim)
    assert y.shape[dim] == sum(sizes)
    back = nn.split(y, sizes, dim)
    assert len(back) == len(arrays)
    for a, b in zip(arrays, back):
        np.testing.assert_array_equal(a, b)
    if torch is not None:
        t = torch.cat([torch.from_numpy(a) for a in arrays], dim)
        np.testing.assert_array_equal(y, t.numpy())
        for a, b in zip(torch.split(t, sizes, dim), back):
            np.testing.assert_array_equal(a.numpy(), b)


@FAST
@given(n=st.integers(1, 9), size=st.integers(1, 5))
def test_split_by_size_matches_pytorch(n, size):
    x = np.arange(n * 2.0).reshape(n, 2)
    ours = nn.split(x, size, 0)
    assert [len(p) for p in ours] == [size] * (n // size) + ([n % size] if n % size else [])
    if torch is not None:
        theirs = torch.split(torch.from_numpy(x), size, 0)
        assert [p.shape[0] for p in ours] == [p.shape[0] for p in theirs]


class JoinThree(nn.Module):
    """y = body(cat(x, c1, c2)): a module of one's own that joins three inputs;
    backward cuts the body's gradient at the seams and returns x's part."""

    def __init__(self, c1, c2):
        super().__init__()
        self.c1, self.c2 = c1, c2
        self.body = nn.Sequential(nn.Linear(3 + c1.shape[1] + c2.shape[1], 4), nn.Tanh())

    def forward(self, x):
        h = nn.cat((x, self.c1.astype(x.dtype), self.c2.astype(x.dtype)), 1)
        y = self.body(h)
        return self.remember(y, None)

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        dh = self.body.backward(dy, y)
        dx, dc1, dc2 = nn.split(dh, [3, self.c1.shape[1], self.c2.shape[1]], 1)
        return dx


@FAST
@given(n=st.integers(1, 4), k1=st.integers(1, 3), k2=st.integers(1, 3), seed=st.integers(0, 99))
def test_a_module_joining_three_inputs_passes_gradcheck(n, k1, k2, seed):
    rs = np.random.RandomState(seed)
    m = JoinThree(rs.standard_normal((n, k1)), rs.standard_normal((n, k2)))
    errors = gradcheck(m, rs.standard_normal((n, 3)))
    assert max(errors.values()) < 1e-7, errors


def test_closed_forms_and_errors(xp):
    a, b = xp.asarray([[1.0], [2.0]]), xp.asarray([[3.0, 4.0], [5.0, 6.0]])
    assert backend.to_host(nn.cat((a, b), 1)).tolist() == [[1, 3, 4], [2, 5, 6]]
    da, db = nn.split(xp.asarray([[7.0, 8.0, 9.0]]), [1, 2], 1)
    assert backend.to_host(da).tolist() == [[7]] and backend.to_host(db).tolist() == [[8, 9]]
    with pytest.raises(ShapeError, match=r"cat: array 1 has shape \(3, 2\)"):
        nn.cat((xp.zeros((2, 1)), xp.zeros((3, 2))), 1)
    with pytest.raises(ShapeError, match="add up to 3"):
        nn.split(xp.zeros((2, 3)), [1, 1], 1)
    with pytest.raises(ValueError, match="at least one array"):
        nn.cat((), 0)
    with pytest.raises(TypeError, match="every item must be an array"):
        nn.cat((xp.zeros(2), [1.0]), 0)
