"""The lectures' questions as demos: a short run of each writes its files."""
import json


from helpers import load_demo


def test_discriminator_generates_smoke(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    m = load_demo("discriminator_generates").main(
        ["--iters", "40", "--rounds", "2", "--ascent-steps", "5", "--n-starts", "64",
         "--batch-size", "32", "--out", str(tmp_path), "--no-progress"])
    for name in ("rounds.png", "samples.png", "metrics.json"):
        assert (tmp_path / name).stat().st_size > 0
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["in_support"] == m["in_support"]
    assert len(saved["in_support"]["per_round"]) == 2
    assert all(0 <= v <= 1 for v in saved["in_support"]["per_round"])


def test_discriminator_generates_ascent_climbs_log_d():
    """Gradient ascent on log D moves points uphill (D's input gradient is right)."""
    import numpy
    demo = load_demo("discriminator_generates")
    from scratchgan import backend, no_grad
    backend.manual_seed(0)
    D = demo.discriminator()
    starts = numpy.random.RandomState(0).uniform(-1, 1, (50, 2))
    ends = demo.ascend(D, starts, steps=20, eta=0.01)
    with no_grad():
        before = D(backend.to_device(starts.astype(numpy.float32)))
        after = D(backend.to_device(ends))
    assert float((after - before).min()) > -1e-6 and float((after - before).mean()) > 0
