"""The Module contract: names, state dicts, modes, moving between dtypes."""
import numpy as np
import pytest

from scratchgan import backend, nn


def small_net():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2),
                         nn.Dropout(0.1), nn.Linear(8, 1), nn.Sigmoid())


def test_pytorch_dotted_names():
    net = small_net()
    assert [n for n, _ in net.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"]
    assert list(net.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "4.weight", "4.bias"]


def test_state_dict_round_trip_and_copy_in_place():
    a, b = small_net(), small_net()
    target = b[0].weight.data
    b.load_state_dict({k: np.array(v) for k, v in a.state_dict().items()})
    assert b[0].weight.data is target                      # copied into, not replaced
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])


def test_bad_state_dict_changes_nothing():
    net = small_net()
    before = {k: np.array(v).copy() for k, v in net.state_dict().items()}
    sd = {k: np.array(v) for k, v in net.state_dict().items()}
    sd["0.weight"] = np.zeros((8, 5), np.float32)           # mis-shaped
    sd["0.bias"] = np.full(8, 7.0, np.float32)               # good, but must not be written
    with pytest.raises(nn.ShapeError, match=r"'0.weight' expected shape \(8, 4\), got \(8, 5\)"):
        net.load_state_dict(sd)
    del sd["0.weight"]
    with pytest.raises(KeyError, match="missing keys \\['0.weight'\\]"):
        net.load_state_dict(sd)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_train_eval_propagates():
    net = small_net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_to_float64_and_repr():
    net = small_net().to(dtype=np.float64)
    assert all(p.data.dtype == np.float64 for p in net.parameters())
    assert net[1].num_batches_tracked.dtype == np.int64
    text = repr(net)
    assert "(0): Linear(in_features=4, out_features=8, bias=True)" in text
    assert "LeakyReLU(negative_slope=0.2)" in text


def test_zero_grad_clears_everything(xp):
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    net.forward(xp.ones((2, 3), dtype=xp.float32))
    net.backward(xp.ones((2, 2), dtype=xp.float32))
    net.zero_grad()
    assert all(float(abs(p.grad).sum()) == 0 for p in net.parameters())


def test_backend_errors_are_clear(monkeypatch):
    with pytest.raises(backend.BackendError, match="unknown backend 'tpu'"):
        backend.set_backend("tpu")
    monkeypatch.setattr(backend, "_cupy", None)
    with pytest.raises(backend.BackendError, match="CuPy is not installed"):
        backend.set_backend("cupy")
    assert backend.get_xp() is np


def test_same_seed_same_weights():
    backend.manual_seed(7)
    a = small_net()
    backend.manual_seed(7)
    b = small_net()
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_cpu_alias_and_gpu_error_without_cupy(monkeypatch):
    net = small_net().cpu()
    assert isinstance(net[0].weight.data, np.ndarray)
    monkeypatch.setattr(backend, "_cupy", None)
    with pytest.raises(backend.BackendError, match=r"Sequential.to\('gpu'\): no GPU here"):
        small_net().cuda()


def test_keep_freed_memory_reports_what_it_did():
    import sys
    applied = backend.keep_freed_memory()
    assert isinstance(applied, bool)
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL("libc.so.6").mallopt
        except (OSError, AttributeError):
            return                                   # not glibc: nothing to apply
        assert applied


def test_frozen_restores_each_parameters_own_flag_even_on_error():
    from scratchgan import nn
    D = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1))
    D[2].bias.requires_grad = False                      # frozen by the user before
    x = np.ones((2, 3), np.float32)
    with nn.frozen(D):
        assert not any(p.requires_grad for p in D.parameters())
        out = D(x)
        dx = D.backward(np.ones_like(out), out)
    assert dx.shape == (2, 3) and not any(np.abs(p.grad).max() for p in D.parameters())
    assert [p.requires_grad for p in D.parameters()] == [True, True, True, False]
    with pytest.raises(RuntimeError):
        with nn.frozen(D):
            raise RuntimeError("inside")
    assert [p.requires_grad for p in D.parameters()] == [True, True, True, False]
