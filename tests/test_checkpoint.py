"""Tests of scratchgan.checkpoint: round trips, atomic writes, and refusals
that leave the models untouched."""
import os
import zipfile
from pathlib import Path

import numpy
import pytest

from scratchgan import atomic, backend, checkpoint
from scratchgan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from scratchgan.nn.linear import Linear
from scratchgan.nn import Sequential


def make_gan(hidden=4):
    G = Sequential(Linear(2, hidden), Linear(hidden, 3))
    D = Sequential(Linear(3, hidden), Linear(hidden, 1))
    return G, D


class FakeOptimizer:
    """The optimizer contract: a flat state dict of arrays and scalars."""

    def __init__(self, size, fail=False):
        self.lr, self.step, self.nesterov = 0.1, 0, False
        self.exp_avg = backend.get_xp().zeros(size)
        self.fail = fail

    def state_dict(self):
        return {"lr": self.lr, "step": self.step, "nesterov": self.nesterov,
                "exp_avg": self.exp_avg}

    def load_state_dict(self, state):
        if self.fail:
            raise RuntimeError("refusing on purpose")
        self.lr, self.step = float(state["lr"]), int(state["step"])
        self.nesterov = bool(state["nesterov"])
        self.exp_avg[...] = backend.get_array_module(self.exp_avg).asarray(state["exp_avg"])


def host_state(model):
    return {k: backend.to_host(v).copy() for k, v in model.state_dict().items()}


def assert_same_state(model, state):
    now = host_state(model)
    assert now.keys() == state.keys()
    for k in state:
        numpy.testing.assert_array_equal(now[k], state[k], err_msg=k)


def test_round_trip(tmp_path, backend_name):
    G, D = make_gan()
    opt = FakeOptimizer(5)
    opt.step, opt.lr, opt.nesterov = 7, 0.25, True
    opt.exp_avg += 1.5
    rng_state = backend.get_rng_state() if backend_name == "numpy" else None
    extra = {"losses": numpy.array([0.7, 0.6]), "best": 0.5, "note": "ok",
             "nested": {"a": numpy.arange(3), "empty": {}}}
    path = save_checkpoint(tmp_path / "ck.npz", models={"G": G, "D": D},
                           optimizers={"G": opt}, iteration=123, rng_state=rng_state,
                           extra=extra, arch="mlp-gan")
    assert path == tmp_path / "ck.npz"

    G2, D2 = make_gan()
    opt2 = FakeOptimizer(5)
    info = load_checkpoint(path, models={"G": G2, "D": D2}, optimizers={"G": opt2},
                           arch="mlp-gan")
    assert_same_state(G2, host_state(G))
    assert_same_state(D2, host_state(D))
    assert type(G2[0].weight.data) is type(G[0].weight.data)       # stayed on its device
    assert (opt2.step, opt2.lr, opt2.nesterov) == (7, 0.25, True)
    numpy.testing.assert_array_equal(backend.to_host(opt2.exp_avg), 1.5)
    assert info["iteration"] == 123 and isinstance(info["iteration"], int)
    assert info["arch"] == "mlp-gan"
    assert info["extra"]["best"] == 0.5 and info["extra"]["note"] == "ok"
    numpy.testing.assert_array_equal(info["extra"]["losses"], [0.7, 0.6])
    numpy.testing.assert_array_equal(info["extra"]["nested"]["a"], [0, 1, 2])
    assert info["extra"]["nested"]["empty"] == {}
    assert sorted(info["models"]) == ["D", "G"] and sorted(info["optimizers"]) == ["G"]
    assert set(info["models"]["G"]) == {"0.weight", "0.bias", "1.weight", "1.bias"}


def test_rng_state_round_trip(tmp_path):
    backend.manual_seed(11)
    backend.randn(5)
    save_checkpoint(tmp_path / "ck.npz", rng_state=backend.get_rng_state())
    expected = backend.randn(4)
    backend.manual_seed(99)
    info = load_checkpoint(tmp_path / "ck.npz")
    backend.set_rng_state(info["rng_state"])
    numpy.testing.assert_array_equal(backend.randn(4), expected)


def test_file_layout(tmp_path):
    G, _ = make_gan()
    save_checkpoint(tmp_path / "ck.npz", models={"G": G}, iteration=3, arch="x")
    with numpy.load(tmp_path / "ck.npz", allow_pickle=False) as z:
        keys = set(z.files)
        assert str(z["meta/arch"]) == "x" and z["meta/arch"].dtype.kind == "U"
    assert {"meta/format", "meta/version", "meta/iteration", "meta/arch",
            "model/G/0.weight", "model/G/1.bias"} <= keys


def test_write_is_atomic(tmp_path, monkeypatch):
    """A save that dies half way leaves the previous checkpoint and no debris."""
    G, _ = make_gan()
    path = tmp_path / "ck.npz"
    save_checkpoint(path, models={"G": G}, iteration=1)
    before = path.read_bytes()

    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(atomic.os, "replace",
                        lambda src, dst: (replaced.append((src, dst)), real_replace(src, dst)))
    save_checkpoint(path, models={"G": G}, iteration=2)
    src, dst = replaced[0]
    assert Path(src).parent == Path(dst).parent == tmp_path    # same folder: a true rename

    def dying_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt                                 # killed mid-write
    save_checkpoint(path, models={"G": G}, iteration=1)
    before = path.read_bytes()
    monkeypatch.setattr(checkpoint.numpy, "savez", dying_savez)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, models={"G": G}, iteration=3)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"]
    monkeypatch.undo()
    assert load_checkpoint(path)["iteration"] == 1


def _corrupt_files(tmp_path):
    G, _ = make_gan()
    good = save_checkpoint(tmp_path / "good.npz", models={"G": G}).read_bytes()
    files = {
        "truncated": good[: len(good) // 2],
        "garbage": os.urandom(300),
        "empty": b"",
    }
    for name, data in files.items():
        (tmp_path / f"{name}.npz").write_bytes(data)
    numpy.save(tmp_path / "single.npy", numpy.zeros(3))
    numpy.savez(tmp_path / "foreign.npz", weights=numpy.zeros(3))
    numpy.savez(tmp_path / "pickled.npz", **{"meta/format": numpy.array(checkpoint.FORMAT),
                                             "meta/version": numpy.array(1),
                                             "extra/o": numpy.array([None, 1], dtype=object)})
    return ["truncated", "garbage", "empty", "single", "foreign", "pickled"]


def test_damaged_files_raise_and_change_nothing(tmp_path):
    names = _corrupt_files(tmp_path)
    G, _ = make_gan()
    state = host_state(G)
    for name in names:
        path = tmp_path / (f"{name}.npy" if name == "single" else f"{name}.npz")
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(path, models={"G": G})
        assert str(path) in str(info.value), name
        assert_same_state(G, state)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "absent.npz")


def test_architecture_mismatch_changes_nothing(tmp_path):
    G, D = make_gan(hidden=4)
    path = save_checkpoint(tmp_path / "ck.npz", models={"G": G, "D": D}, arch="mlp-4")

    G8, D8 = make_gan(hidden=8)
    G8_state, D8_state = host_state(G8), host_state(D8)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, models={"G": G8, "D": D8})
    text = str(info.value)
    assert str(path) in text and "'0.weight' has shape (4, 2) in the checkpoint, (8, 2)" in text
    assert_same_state(G8, G8_state)
    assert_same_state(D8, D8_state)

    # G fits, D does not: G must not be loaded either.
    G4, _ = make_gan(hidden=4)
    G4_state = host_state(G4)
    with pytest.raises(CheckpointError, match="model 'D'"):
        load_checkpoint(path, models={"G": G4, "D": D8})
    assert_same_state(G4, G4_state)

    with pytest.raises(CheckpointError, match="'mlp-4'.*'dcgan'"):
        load_checkpoint(path, models={"G": G4}, arch="dcgan")
    assert_same_state(G4, G4_state)

    with pytest.raises(CheckpointError, match="model 'E': not in the checkpoint"):
        load_checkpoint(path, models={"E": G4})

    deeper = Sequential(Linear(2, 4), Linear(4, 3), Linear(3, 3))
    with pytest.raises(CheckpointError, match="missing from the checkpoint.*2.weight"):
        load_checkpoint(path, models={"G": deeper})


def test_optimizer_mismatch_changes_nothing(tmp_path):
    G, _ = make_gan()
    path = save_checkpoint(tmp_path / "ck.npz", models={"G": G}, optimizers={"G": FakeOptimizer(5)})
    G2, _ = make_gan()
    state = host_state(G2)
    with pytest.raises(CheckpointError, match="'exp_avg' has shape \\(5,\\)"):
        load_checkpoint(path, models={"G": G2}, optimizers={"G": FakeOptimizer(6)})
    assert_same_state(G2, state)


def test_failure_while_loading_is_rolled_back(tmp_path):
    """Validation passed but an object's own load_state_dict raised: undo the rest."""
    G, _ = make_gan()
    path = save_checkpoint(tmp_path / "ck.npz", models={"G": G}, optimizers={"G": FakeOptimizer(5)})
    G2, _ = make_gan()
    state = host_state(G2)
    with pytest.raises(CheckpointError, match="rolled back.*refusing on purpose"):
        load_checkpoint(path, models={"G": G2}, optimizers={"G": FakeOptimizer(5, fail=True)})
    assert_same_state(G2, state)


def test_refuses_what_needs_pickle(tmp_path):
    with pytest.raises(CheckpointError, match="'extra/x'.*without pickle"):
        save_checkpoint(tmp_path / "ck.npz", extra={"x": None})
    with pytest.raises(CheckpointError, match="without '/'"):
        save_checkpoint(tmp_path / "ck.npz", extra={"a/b": 1})
    assert not (tmp_path / "ck.npz").exists()


def test_resume_with_real_adam_continues_identically(tmp_path):
    """Save mid-training, keep going; load into fresh objects, go on: same numbers."""
    from scratchgan.optim import Adam

    def step(model, opt):
        x = backend.randn(8, 2)
        y = model.forward(x)
        opt.zero_grad()
        model.backward(2 * y / y.size)             # d/dy of mean(y^2)
        opt.step()

    backend.manual_seed(0)
    G = Linear(2, 3)
    opt = Adam(G.parameters(), lr=0.01)
    for _ in range(3):
        step(G, opt)
    save_checkpoint(tmp_path / "ck.npz", models={"G": G}, optimizers={"G": opt},
                    rng_state=backend.get_rng_state(), iteration=3)
    for _ in range(3):
        step(G, opt)
    expected = host_state(G)

    G2 = Linear(2, 3)
    opt2 = Adam(G2.parameters(), lr=0.5)
    info = load_checkpoint(tmp_path / "ck.npz", models={"G": G2}, optimizers={"G": opt2})
    backend.set_rng_state(info["rng_state"])
    for _ in range(3):
        step(G2, opt2)
    assert_same_state(G2, expected)


# ------------------------------------------------------------ crafted files
def _crafted(tmp_path, name, change):
    """A good checkpoint of make_gan()'s G, its arrays changed by ``change(arrays)``."""
    G, _ = make_gan()
    good = tmp_path / "good.npz"
    save_checkpoint(good, models={"G": G}, iteration=5)
    with numpy.load(good) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    path = tmp_path / f"{name}.npz"
    with open(path, "wb") as f:
        numpy.savez(f, **arrays)
    return path


def _weight_key(arrays):
    return next(k for k in arrays if k.startswith("model/G/") and k.endswith("weight"))


@pytest.mark.parametrize("name,change,message", [
    ("missing", lambda a: a.pop(_weight_key(a)), "keys missing from the checkpoint"),
    ("strings", lambda a: a.__setitem__(_weight_key(a), numpy.full(a[_weight_key(a)].shape, "x")),
     "holds <U1 values"),
    ("nan", lambda a: a[_weight_key(a)].__setitem__((0, 0), numpy.nan), "holds NaN or Inf"),
    ("inf", lambda a: a[_weight_key(a)].__setitem__((0, 0), numpy.inf), "holds NaN or Inf"),
    ("negative_iteration", lambda a: a.__setitem__("meta/iteration", numpy.array(-3)),
     "meta/iteration: -3 is not an iteration count"),
    ("absurd_iteration", lambda a: a.__setitem__("meta/iteration", numpy.array(10 ** 15)),
     "is not an iteration count"),
    ("float_iteration", lambda a: a.__setitem__("meta/iteration", numpy.array(2.5)),
     "is not an iteration count"),
])
def test_crafted_checkpoints_are_refused_naming_the_entry(tmp_path, name, change, message):
    path = _crafted(tmp_path, name, change)
    G, _ = make_gan()
    state = host_state(G)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path, models={"G": G})
    assert_same_state(G, state)


def _zip_with(tmp_path, name, member, data, compress=zipfile.ZIP_STORED):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        z.writestr(member, data)
    return path


def test_an_object_array_is_refused_before_reading(tmp_path):
    import io
    buf = io.BytesIO()
    numpy.lib.format.write_array(buf, numpy.array([{"a": 1}], dtype=object), allow_pickle=True)
    path = _zip_with(tmp_path, "obj.npz", "meta/format.npy", buf.getvalue())
    with pytest.raises(CheckpointError, match="'meta/format' is an object array"):
        load_checkpoint(path)


def test_a_huge_declared_shape_is_refused_without_allocating(tmp_path):
    import io
    buf = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": (10 ** 6, 10 ** 6)}
    numpy.lib.format.write_array_header_1_0(buf, header)
    buf.write(b"\0" * 64)                             # 8 TB declared, 64 bytes held
    path = _zip_with(tmp_path, "huge.npz", "model/G/0.weight.npy", buf.getvalue())
    with pytest.raises(CheckpointError, match=r"'model/G/0.weight' declares shape"):
        load_checkpoint(path)


def test_a_zip_bomb_is_refused_before_expanding(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "MAX_EXPANDED_BYTES", 1 << 20)    # 1 MB for the test
    data = numpy.lib.format.magic(1, 0) + b"\0" * (64 << 20)         # 64 MB of zeros
    path = _zip_with(tmp_path, "bomb.npz", "extra/x.npy", data, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 200_000                               # ~65 KB on disk
    with pytest.raises(CheckpointError, match="expand to 67,108,872 bytes"):
        load_checkpoint(path)
