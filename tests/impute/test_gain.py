"""GAIN and the imputation baselines: the CSV loader, masks and scaling, the
weighted losses GAIN needs, the baselines' closed forms, GAIN itself, the demo."""
import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import impute, losses
from scratchgan.data import DataError, mnist, tabular
from scratchgan.gradient_check import gradcheck_loss
from helpers import ROOT, load_demo

FAST = settings(max_examples=25, deadline=None)


def write(path, text):
    path.write_text(text)
    return path


# ------------------------------------------------------------------ the CSV loader
def test_read_csv_reads_numbers_and_missing_cells(tmp_path):
    p = write(tmp_path / "t.csv", "a, b ,c\n1,2,3\n4,,NaN\n?,5.5,-1e3\n")
    columns, X = tabular.read_csv(p)
    assert columns == ["a", "b", "c"] and X.dtype == np.float32 and X.shape == (3, 3)
    np.testing.assert_array_equal(np.isnan(X), [[0, 0, 0], [0, 1, 1], [1, 0, 0]])
    assert X[2, 2] == -1000 and X[2, 1] == 5.5


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("a,b\n", "no rows"),
    ("1,2\n3,4\n", "must be a header"),
    ("a,b\n1,2\n3\n", "line 3 has 1 cells, but the header has 2"),
    ("a,b\n1,2\n3,x7\n", r"line 3, column 2 \('b'\): 'x7' is not a number"),
    ("a,b\n1,inf\n", "infinite"),
    ("a,b\n1,1e39\n", "infinite or too large"),
])
def test_read_csv_names_the_problem(tmp_path, text, match):
    with pytest.raises(DataError, match=match):
        tabular.read_csv(write(tmp_path / "bad.csv", text))


def test_read_csv_missing_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        tabular.read_csv(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="not a text CSV"):
        tabular.read_csv(tmp_path / "bin.csv")


@pytest.fixture
def no_tables(tmp_path, monkeypatch):
    """No environment variable, an empty cache."""
    monkeypatch.delenv("SCRATCHGAN_DATA", raising=False)
    monkeypatch.setattr(mnist, "CACHE_ROOT", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "*")
    return tmp_path


def small_table(rows=6, cols=3):
    body = "\n".join(",".join(str((r * cols + c) % 7) for c in range(cols)) for r in range(rows))
    return ",".join(f"c{c}" for c in range(cols)) + "\n" + body + "\n"


def test_named_table_found_in_data_dir_and_shape_checked(no_tables, monkeypatch):
    d = no_tables / "data" / "gain"
    d.mkdir(parents=True)
    write(d / "spam.csv", small_table(6, 3))
    with pytest.raises(DataError, match=r"expected the spam table of shape \(4601, 57\)"):
        tabular.load_table("spam", data_dir=no_tables / "data", download=False)
    monkeypatch.setitem(tabular.TABLES, "spam", dict(tabular.TABLES["spam"], shape=(6, 3)))
    columns, X = tabular.load_table("spam", data_dir=no_tables / "data", download=False)
    assert X.shape == (6, 3) and columns == ["c0", "c1", "c2"]


def test_named_table_without_download_says_where_it_looked(no_tables):
    with pytest.raises(DataError, match="downloads are off"):
        tabular.load_table("letter", data_dir=no_tables, download=False)


def test_named_table_downloads_with_checksum(no_tables, server, monkeypatch):  # noqa: F811
    body = small_table(5, 2).encode()
    server.routes["/letter.csv"] = body
    monkeypatch.setattr(tabular, "URL", server.url + "/{file}")
    monkeypatch.setitem(tabular.TABLES, "letter", {
        "file": "letter.csv", "shape": (5, 2), "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest()})
    _, X = tabular.load_table("letter")
    assert X.shape == (5, 2)
    assert (tabular.cache_dir() / "letter.csv").read_bytes() == body
    # a wrong checksum: refused, and nothing is left under the real name
    (tabular.cache_dir() / "letter.csv").unlink()
    monkeypatch.setitem(tabular.TABLES, "letter", dict(tabular.TABLES["letter"], sha256="0" * 64))
    with pytest.raises(DataError, match="SHA-256 mismatch"):
        tabular.load_table("letter")
    assert not (tabular.cache_dir() / "letter.csv").exists()


SHARED_GAIN = ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED_GAIN / "gain").is_dir(),
                    reason="../shared/data/gain (the developers' copy) is not beside this checkout")
def test_shared_tables_have_their_published_checksums():
    for name, info in tabular.TABLES.items():
        path = tabular.find_table(name, data_dir=SHARED_GAIN)
        assert path is not None, name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == info["sha256"]


# ------------------------------------------------------------ masks and scaling
def test_mask_and_scaling_round_trip():
    rng = np.random.RandomState(0)
    X = rng.uniform(-5, 50, (200, 4)).astype(np.float32)
    M = impute.mcar_mask(X.shape, 0.3, rng)
    assert abs((1 - M).mean() - 0.3) < 0.05
    Xm = impute.with_missing(X, M)
    np.testing.assert_array_equal(impute.mask_of(Xm), M)
    s = impute.MinMax().fit(Xm)
    Xn = s.transform(Xm)
    assert np.nanmin(Xn) == 0 and np.nanmax(Xn) <= 1 and np.nanmax(Xn) > 0.999
    np.testing.assert_allclose(s.inverse(Xn)[M > 0], X[M > 0], rtol=1e-5, atol=1e-4)


def test_rmse_closed_form():
    X = np.array([[0.0, 0.0], [10.0, 2.0], [5.0, 1.0]], np.float32)
    M = np.array([[1, 1], [1, 1], [0, 0]], np.float32)
    Xi = X.copy()
    Xi[2] = [10.0, 0.0]                 # scaled errors: 0.5 and 0.5
    assert impute.rmse(X, Xi, M) == pytest.approx(0.5, rel=1e-5)


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="no observed value"):
        impute.impute_mean(np.array([[1.0, np.nan], [2.0, np.nan]]))
    with pytest.raises(ValueError, match="infinite"):
        impute.impute_knn(np.array([[1.0, np.inf], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="expected a table"):
        impute.impute_mice(np.ones(5))
    with pytest.raises(ValueError, match="miss_rate"):
        impute.mcar_mask((3, 3), 1.0, np.random.RandomState(0))


# ------------------------------------------------------------ the weighted losses
@FAST
@given(name=st.sampled_from(["BCELoss", "MSELoss"]), shape=st.lists(st.integers(1, 5), min_size=1,
       max_size=3), reduction=st.sampled_from(["mean", "sum"]), seed=st.integers(0, 1000))
def test_weighted_losses_gradcheck(name, shape, reduction, seed):
    r = np.random.RandomState(seed)
    shape = tuple(shape)
    pred = r.uniform(0.05, 0.95, shape) if name == "BCELoss" else r.standard_normal(shape)
    target = r.randint(0, 2, shape).astype(float)
    weight = r.randint(0, 2, shape) * r.uniform(0.5, 2, shape)     # a mask, rescaled
    crit = getattr(losses, name)(reduction=reduction)
    assert gradcheck_loss(crit, pred, target, weight=weight)["input"] < 1e-6


@FAST
@given(name=st.sampled_from(["BCELoss", "MSELoss"]), n=st.integers(1, 30), seed=st.integers(0, 99))
def test_weight_is_a_per_element_factor(name, n, seed):
    r = np.random.RandomState(seed)
    pred = r.uniform(0.05, 0.95, n)
    target = r.randint(0, 2, n).astype(float)
    w = r.randint(0, 2, n).astype(float)
    per_element = getattr(losses, name)(reduction="none")
    elementwise = per_element(pred, target)
    crit = getattr(losses, name)()
    assert float(crit(pred, target, weight=w)) == pytest.approx((w * elementwise).mean())
    g = crit.backward()
    plain = getattr(losses, name)()
    plain(pred, target)
    np.testing.assert_allclose(g, plain.backward() * w)
    assert float(crit(pred, target, weight=np.ones(n))) == pytest.approx(float(plain(pred, target)))
    plain.backward()
    crit.backward()


def test_weight_of_the_wrong_shape_is_refused():
    with pytest.raises(Exception, match="weight must be an array of pred's shape"):
        losses.MSELoss()(np.zeros(3), 0.0, weight=np.ones(4))
    with pytest.raises(Exception, match="weight must be an array of pred's shape"):
        losses.BCELoss()(np.full(3, 0.5), 1.0, weight=0.5)


# ------------------------------------------------------------ the imputers
def correlated_table(n=600, d=6, seed=0):
    """Columns that are noisy linear functions of two hidden factors."""
    r = np.random.RandomState(seed)
    factors = r.uniform(0, 1, (n, 2))
    X = factors @ r.uniform(-1, 1, (2, d)) + 0.02 * r.standard_normal((n, d))
    return X.astype(np.float32)


@pytest.mark.parametrize("method", [impute.impute_mean, impute.impute_median,
                                    impute.impute_most_frequent, impute.impute_knn,
                                    impute.impute_mice])
def test_baselines_fill_every_hole_and_touch_nothing_else(method):
    X = correlated_table(100, 4)
    M = impute.mcar_mask(X.shape, 0.25, np.random.RandomState(1))
    Xm = impute.with_missing(X, M)
    before = Xm.copy()
    out = method(Xm)
    np.testing.assert_array_equal(Xm, before)          # the input is not modified
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[M > 0], X[M > 0])


def test_simple_imputers_closed_form():
    X = np.array([[1, 2], [np.nan, 2], [3, np.nan], [8, 5]], np.float32)
    np.testing.assert_allclose(impute.impute_mean(X)[1, 0], 4.0)
    np.testing.assert_allclose(impute.impute_median(X)[1, 0], 3.0)
    np.testing.assert_allclose(impute.impute_most_frequent(X)[2, 1], 2.0)


def test_knn_takes_the_nearest_rows_that_have_the_column():
    X = np.array([[0.0, 0.0], [0.1, 10.0], [0.2, 20.0], [0.9, 90.0], [1.0, np.nan],
                  [0.95, np.nan]], np.float32)
    out = impute.impute_knn(X, k=1)
    assert out[4, 1] == 90.0 and out[5, 1] == 90.0        # row 3 is the nearest donor
    out = impute.impute_knn(X, k=2)
    assert out[4, 1] == pytest.approx(55.0)               # rows 3 and 2


def test_mice_recovers_an_exact_linear_relation():
    r = np.random.RandomState(0)
    a = r.uniform(0, 1, 300)
    X = np.stack([a, 2 * a + 1, r.uniform(0, 1, 300)], axis=1).astype(np.float32)
    M = np.ones_like(X)
    M[::5, 1] = 0
    out = impute.impute_mice(impute.with_missing(X, M))
    np.testing.assert_allclose(out[::5, 1], X[::5, 1], atol=0.02)


def test_gain_beats_the_mean_on_correlated_columns_and_keeps_observed_cells():
    X = correlated_table()
    M = impute.mcar_mask(X.shape, 0.2, np.random.RandomState(0))
    Xm = impute.with_missing(X, M)
    before = Xm.copy()
    gain = impute.GAIN(iters=3000, batch_size=64, seed=0, progress=False)
    out = gain.fit(Xm).transform(Xm)
    np.testing.assert_array_equal(Xm, before)
    np.testing.assert_array_equal(out[M > 0], X[M > 0])
    assert not np.isnan(out).any()
    gain_rmse = impute.rmse(X, out, M)
    mean_rmse = impute.rmse(X, impute.impute_mean(Xm), M)
    assert gain_rmse < 0.6 * mean_rmse, (gain_rmse, mean_rmse)
    # same seed, same result (CPU)
    again = impute.GAIN(iters=3000, batch_size=64, seed=0, progress=False).fit(Xm).transform(Xm)
    np.testing.assert_array_equal(out, again)


def test_gain_api_errors():
    with pytest.raises(RuntimeError, match="call fit first"):
        impute.GAIN().transform(np.ones((3, 2)))
    with pytest.raises(ValueError, match="hint_rate"):
        impute.GAIN(hint_rate=1.5)
    with pytest.raises(ValueError, match="iters must be a positive integer"):
        impute.GAIN(iters=0)
    g = impute.GAIN(iters=2, progress=False).fit(correlated_table(20, 3))
    with pytest.raises(ValueError, match="expected a table with 3 columns"):
        g.transform(np.ones((4, 5)))


# ------------------------------------------------------------ the demo
def test_demo_smoke_on_a_complete_table(tmp_path):
    csv = tmp_path / "t.csv"
    X = correlated_table(120, 5)
    np.savetxt(csv, X, delimiter=",", header="a,b,c,d,e", comments="")
    out = tmp_path / "out"
    m = load_demo("gain").main(["--data", str(csv), "--iters", "30", "--repeats", "2",
                                "--out", str(out), "--no-progress"])
    imputed, mask = np.load(out / "imputed.npy"), np.load(out / "mask.npy")
    assert imputed.shape == mask.shape == (120, 5) and not np.isnan(imputed).any()
    _, table = tabular.read_csv(csv)
    np.testing.assert_array_equal(imputed[mask > 0], table[mask > 0])
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["rmse"]["GAIN"]["each"] == m["rmse"]["GAIN"]["each"] and saved["repeats"] == 2
    assert set(saved["rmse"]) == {"mean", "median", "most frequent", "k-NN (k=5)", "MICE", "GAIN"}
    assert (out / "gain.png").stat().st_size > 0 and (out / "losses.png").stat().st_size > 0


def test_demo_takes_the_mask_from_a_file_with_holes(tmp_path):
    csv = write(tmp_path / "holes.csv",
                "x,y\n" + "\n".join(f"{i},{'' if i % 4 == 0 else 2 * i}" for i in range(40)) + "\n")
    out = tmp_path / "out"
    m = load_demo("gain").main(["--data", str(csv), "--iters", "20", "--out", str(out),
                                "--no-progress"])
    assert m["rmse"] is None and m["mask_from_file"]
    mask = np.load(out / "mask.npy")
    assert mask[::4, 1].sum() == 0 and mask[1::4].min() == 1


@pytest.mark.parametrize("flags,match", [(["--miss-rate", "1.5"], "--miss-rate"),
                                         (["--hint-rate", "-0.1"], "--hint-rate"),
                                         (["--repeats", "0"], "--repeats")])
def test_demo_bad_flags_exit_2(tmp_path, flags, match, capsys):
    with pytest.raises(SystemExit) as e:
        load_demo("gain").main([*flags, "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and match in capsys.readouterr().err
