"""Issue 12: input bugs found in review, thread safety, memory refusals.

Each test here failed before its fix; the comment above it says which item.
"""

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import classicseg
from classicseg import metrics
from classicseg._validate import ConvergenceWarning, MemoryLimitError
from conftest import outputs_per_thread_count, run_python


# --------------------------------------------------------------------------
# Item 1: uint8 label images with ignore_index=255 (Pascal VOC's format)


CLASS_METRICS = [metrics.iou_score, metrics.dice_score, metrics.f1_score,
                 metrics.precision_score, metrics.recall_score]


@pytest.mark.parametrize("score", CLASS_METRICS)
def test_uint8_labels_with_ignore_index_255(score):
    truth = np.array([[0, 1, 255], [2, 1, 255]], dtype=np.uint8)
    pred = np.array([[0, 1, 7], [1, 1, 200]], dtype=np.uint8)
    kept = truth != 255
    expected = {metrics.iou_score: skm.jaccard_score}.get(score, None)
    got = score(truth, pred, ignore_index=255, average="macro")
    ref = score(truth[kept].astype(np.int64), pred[kept].astype(np.int64), average="macro")
    assert got == ref
    if expected is not None:
        assert got == pytest.approx(expected(truth[kept], pred[kept], average="macro"))


def test_confusion_matrix_uint8_every_pixel_ignored():
    truth = np.full((2, 2), 255, np.uint8)
    assert metrics.confusion_matrix(truth, truth, ignore_index=255).tolist() == [[0]]
    assert np.isnan(metrics.pixel_accuracy(truth, truth, ignore_index=255))
    np.testing.assert_array_equal(metrics.mean_iou(truth[:1], truth[:1], ignore_index=255),
                                  np.nan)


# --------------------------------------------------------------------------
# Item 2: big-endian label arrays


def test_big_endian_labels():
    truth = np.array([[0, 1, 1], [2, 2, 0]])
    pred = np.array([[0, 1, 2], [2, 2, 1]])
    big_t, big_p = truth.astype(">i4"), pred.astype(">i4")
    np.testing.assert_array_equal(metrics.confusion_matrix(big_t, big_p),
                                  skm.confusion_matrix(truth.ravel(), pred.ravel()))
    assert metrics.mean_iou(big_t, big_p) == metrics.mean_iou(truth, pred)
    np.testing.assert_array_equal(metrics.match_labels(big_t, big_p),
                                  metrics.match_labels(truth, pred))
    assert metrics.rand_index(big_t + 1, big_p) == metrics.rand_index(truth + 1, pred)


# --------------------------------------------------------------------------
# Item 3: region metrics with uint64 ids near 2**64


def test_region_metrics_uint64_ids_near_top():
    gt = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    seg = np.array([[5, 5, 5, 6], [5, 5, 5, 6]])
    top = np.uint64(2**64 - 1)
    big_gt = (top - gt.astype(np.uint64))          # ids 2**64-2, 2**64-3, no 0
    big_seg = (top - seg.astype(np.uint64))
    for fn in (metrics.rand_index, metrics.variation_of_information):
        assert fn(big_gt, big_seg) == fn(gt, seg)
    assert metrics.segmentation_covering([big_gt], big_seg) == \
        metrics.segmentation_covering([gt], seg)
    # ids spread over the whole uint64 range (the sorting path)
    spread = np.array([[0, 0, 2**63, 2**64 - 1]] * 2, dtype=np.uint64)
    assert metrics.rand_index(gt, spread) == metrics.rand_index(gt, np.array([[0, 0, 1, 2]] * 2))


# --------------------------------------------------------------------------
# Item 10: errors for huge label ids name the array


@pytest.mark.parametrize("which", ["y_true", "y_pred"])
def test_huge_label_error_names_the_array(which):
    small = np.array([0, 1, 1, 0])
    huge = np.array([0, 1, 2**40, 0])
    args = {"y_true": small, "y_pred": small, which: huge}
    with pytest.raises(ValueError, match=which):
        metrics.confusion_matrix(args["y_true"], args["y_pred"])
    with pytest.raises(ValueError, match=which):
        metrics.iou_score(args["y_true"], args["y_pred"])


# --------------------------------------------------------------------------
# Item 4: k-means on data far from the origin


def test_kmeans_far_from_origin_keeps_the_spread():
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    X = 1e7 + np.sort(rng.uniform(0, 1, size=(400, 1)), axis=0)
    res = classicseg.kmeans(X, 2, rng=0, tol=0)
    ref = KMeans(2, n_init=4, random_state=0).fit(X - 1e7)
    assert len(np.unique(res.labels)) == 2
    np.testing.assert_allclose(np.sort(res.centers[:, 0]) - 1e7,
                               np.sort(ref.cluster_centers_[:, 0]), atol=2e-3)
    # labels: a split of the sorted samples near 0.5, as scikit-learn's
    assert skm.adjusted_rand_score(ref.labels_, res.labels) > 0.95


# --------------------------------------------------------------------------
# Item 5: a dask image larger than memory is never allocated whole


def test_dask_image_larger_than_memory_is_not_allocated():
    pytest.importorskip("dask.array")
    # 43 GB of float32 pixels under a 3 GiB address-space limit: any full-size
    # temporary (the finite check's boolean arrays) fails with MemoryError.
    proc = run_python("""
        import resource
        import numpy as np, dask.array as da
        from classicseg.batch import assign_labels, _prepare_dask_image
        img = da.zeros((60_000, 60_000, 3), dtype=np.float32, chunks=(2_000, 2_000, 3))
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))
        _prepare_dask_image(img, -1)
        labels = assign_labels(img, [[0, 0, 0], [255, 255, 255]], features="rgb")
        assert labels.shape == (60_000, 60_000)
        print(labels[:2, :3].compute().tolist())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[[1, 1, 1], [1, 1, 1]]"


# --------------------------------------------------------------------------
# Item 9: a tiny window does not break the grid arithmetic


def test_mean_shift_tiny_window_no_warning():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [5.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = classicseg.mean_shift(X, 1e-300)
    # Every distinct sample is its own mode (analytic: no other point is in its window).
    assert res.labels.tolist()[:2] == [res.labels[0]] * 2
    assert len(res.centers) == 3 and res.counts.tolist() == [2, 1, 1]
    np.testing.assert_array_equal(np.sort(res.centers, axis=0), np.sort(np.unique(X, axis=0), axis=0))


# --------------------------------------------------------------------------
# Item 13: a 3-D grayscale volume with the default channel_axis


def test_volume_with_default_channel_axis_warns():
    vol = np.random.default_rng(0).random((6, 5, 64))
    with pytest.warns(UserWarning, match="channel_axis=None"):
        classicseg.pixel_features(vol)
    with pytest.warns(UserWarning, match="channel_axis=None"):
        classicseg.kmeans_segment(vol, 2, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classicseg.pixel_features(vol[..., :4])       # RGBA: no warning
        classicseg.pixel_features(vol, channel_axis=None)


# --------------------------------------------------------------------------
# Item 14: mean shift says when climbs stop at max_iter


def test_mean_shift_warns_at_max_iter():
    X = np.linspace(0, 10, 41)[:, None] ** 2 / 10
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        classicseg.mean_shift(X, 4.0, max_iter=1, tol=0)
    img = np.linspace(0, 255, 64).reshape(8, 8).astype(np.uint8)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        classicseg.meanshift_segment(img, 9, channel_axis=None, max_iter=1, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classicseg.mean_shift(X, 4.0)
        classicseg.meanshift_segment(img, 9, channel_axis=None)


# --------------------------------------------------------------------------
# Item 6: parallel kernels from Python threads on Numba's workqueue layer


def test_parallel_kernel_from_threads_on_workqueue():
    proc = run_python("""
        import concurrent.futures
        import numpy as np
        from classicseg import learned, kmeans

        x = np.random.default_rng(0).random((2, 8, 96, 96)).astype(np.float32)
        X = np.random.default_rng(1).random((20_000, 3)).astype(np.float32)
        serial_up = learned.interpolate(x, scale_factor=2, mode="bilinear")
        serial_km = kmeans(X, 5, rng=0).labels

        def work(i):
            ok = True
            for _ in range(10):
                ok &= np.array_equal(learned.interpolate(x, scale_factor=2, mode="bilinear"),
                                     serial_up)
                ok &= np.array_equal(kmeans(X, 5, rng=0).labels, serial_km)
            return ok

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(work, range(4)))
        import numba
        print(numba.threading_layer(), all(results))
    """, env={"NUMBA_THREADING_LAYER": "workqueue", "NUMBA_NUM_THREADS": "2"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["workqueue", "True"]


# --------------------------------------------------------------------------
# Item 7: the Ncut solver without threadpoolctl gives the same result


NCUT_RUN = """
    import sys
    if {block}:
        sys.modules["threadpoolctl"] = None  # import threadpoolctl -> ImportError
    import numpy as np
    from skimage import data
    import classicseg
    img = data.astronaut()[::8, ::8]
    labels, info = classicseg.ncut_segment(img, 6, rng=0, return_info=True)
    print(np.asarray(info.eigenvalues, dtype=np.float64).tobytes().hex())
    print(np.asarray(info.split_ncuts, dtype=np.float64).tobytes().hex())
    print(labels.astype(np.int64).tobytes().hex())
"""


def test_ncut_same_result_with_and_without_threadpoolctl():
    pytest.importorskip("threadpoolctl")
    env = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
    outputs = []
    for block in (False, True):
        proc = run_python(NCUT_RUN.format(block=block), env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append(proc.stdout.split())
    assert outputs[0] == outputs[1]


# --------------------------------------------------------------------------
# Item 8: the command line's evaluate (folder "0", npy and tif) and RGBA input


def test_evaluate_reads_npy_and_tif_and_keeps_parameter_zero(tmp_path, capsys):
    from conftest import fake_bsds
    from skimage import data

    from classicseg._io import write_labels
    from classicseg.cli import _sweep_folders, main

    images = {"1": data.astronaut()[::16, ::16], "2": data.coffee()[::16, ::20]}
    truths = fake_bsds(tmp_path / "bsds", images)
    segs = {0: {}, 3: {}}
    for k in segs:
        for image_id, img in images.items():
            segs[k][image_id] = classicseg.kmeans_segment(img, k + 2, rng=0)
    for k, fmt in ((0, "npy"), (3, "tif")):   # as `classicseg segment --format` writes them
        folder = tmp_path / "pred" / str(k)
        folder.mkdir(parents=True)
        for image_id in images:
            write_labels(segs[k][image_id], folder / f"{image_id}.{fmt}", fmt)
    assert main(["evaluate", str(tmp_path / "pred"), "--bsds", str(tmp_path / "bsds")]) == 0
    out = capsys.readouterr().out
    bench = metrics.region_benchmark(
        ((truths[i], [segs[0][i], segs[3][i]]) for i in images), params=(0, 3))
    assert "(2 images)" in out
    assert f"| 0 | {bench.covering[0]:.3f} | {bench.pri[0]:.3f} | {bench.vi[0]:.3f} |" in out
    assert f"| 3 | {bench.covering[1]:.3f} |" in out
    assert f"| ODS | {bench.covering_ods:.3f} ({bench.covering_ods_param}) |" in out
    params = _sweep_folders(tmp_path / "pred")[0]
    assert params == (0, 3) and all(type(p) is int for p in params)


def test_rgba_alpha_is_a_mask_not_a_colour(tmp_path):
    from skimage import data
    from skimage import io as skio

    from classicseg.batch import segment_many
    from classicseg.cli import main

    rgb = data.coffee()[::16, ::20]
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, : rgb.shape[1] // 3] = 0                  # a transparent band
    alpha[0, -1] = 128                                 # half transparent: inside
    rgba = np.dstack([rgb, alpha])
    skio.imsave(tmp_path / "rgba.png", rgba, check_contrast=False)
    expected = classicseg.kmeans_segment(rgb, 3, rng=0, mask=alpha > 0)
    assert (expected[:, : rgb.shape[1] // 3] == 0).all()
    (got,) = segment_many([rgba], "kmeans", k=3, rng=0)
    np.testing.assert_array_equal(got, expected)
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "rgba.png"), "--k", "3", "--rng", "0", "--out",
                 str(out), "--quiet", "--format", "npy"]) == 0
    np.testing.assert_array_equal(np.load(out / "rgba.npy"), expected)


# --------------------------------------------------------------------------
# Item 12: estimate_window on a photo's rgbxy features


def test_estimate_window_on_photo_features():
    from skimage import data, transform

    photo = (transform.resize(data.astronaut(), (321, 481)) * 255).astype(np.uint8)
    X = classicseg.pixel_features(photo, "rgbxy")
    window = classicseg.estimate_window(X)    # default arguments: a subsample, no positions
    # The same rule by hand on the colour columns of every pixel (scikit-learn's
    # estimate_bandwidth at quantile 0.1, doubled): the subsample estimates it.
    colours = X[:, :3].astype(np.float64)
    from sklearn.cluster import estimate_bandwidth
    reference = 2 * estimate_bandwidth(colours, quantile=0.1, n_samples=3000, random_state=0)
    assert window == pytest.approx(reference, rel=0.15)
    n_regions = classicseg.meanshift_segment(photo, window, features="rgbxy").max()
    assert 10 <= n_regions <= 2000
    # Explicit n_spatial=0 keeps sklearn's rule on every column (positions dominate).
    assert classicseg.estimate_window(X, n_spatial=0, rng=0) > 4 * window


# --------------------------------------------------------------------------
# Memory: every method checks its working memory against the memory available
# now; CLASSICSEG_MEMORY_LIMIT (bytes) stands for a machine with that little.


def _img():
    return np.random.default_rng(0).integers(0, 256, (12, 10, 3), dtype=np.uint8)


MEMORY_CALLS = {
    "pixel_features": lambda: classicseg.pixel_features(_img(), "rgbxy"),
    "kmeans": lambda: classicseg.kmeans(np.random.default_rng(0).random((5000, 3)), 2),
    "kmeans_segment": lambda: classicseg.kmeans_segment(_img(), 2),
    "mean_shift": lambda: classicseg.mean_shift(np.arange(4000.0).reshape(-1, 2), 3.0),
    "meanshift_segment": lambda: classicseg.meanshift_segment(_img(), 21, features="rgbxy"),
    "affinity_graph": lambda: classicseg.affinity_graph(_img(), radius=3),
    "confusion_matrix": lambda: metrics.confusion_matrix([0, 1], [0, 5000]),
    "match_labels": lambda: metrics.match_labels([0, 5000], [3, 4]),
    "rand_index": lambda: metrics.rand_index(np.arange(600) % 7 + 1, np.arange(600) % 5),
    "segment_many": lambda: classicseg.batch.segment_many([_img()], "kmeans", k=2),
    "assign_labels": lambda: classicseg.batch.assign_labels(_img(), np.zeros((2, 3)), features="rgb"),
}


@pytest.mark.parametrize("name", sorted(MEMORY_CALLS))
def test_memory_refusal_names_what_and_the_remedy(name, monkeypatch):
    MEMORY_CALLS[name]()                                  # fits by default
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", "2000")  # a 2 kB machine
    with pytest.raises(MemoryLimitError, match="CLASSICSEG_MEMORY_LIMIT") as info:
        MEMORY_CALLS[name]()
    assert isinstance(info.value, ValueError) and isinstance(info.value, MemoryError)


def test_kmeans_segment_blocks_refuses_a_sample_too_large(monkeypatch):
    da = pytest.importorskip("dask.array")
    img = da.from_array(_img(), chunks=(6, 5, 3))
    classicseg.batch.kmeans_segment_blocks(img, 2, features="rgb", sample_size=100, rng=0)
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", str(100 * 30 * 8))
    with pytest.raises(MemoryLimitError, match="sample_size"):
        classicseg.batch.kmeans_segment_blocks(img, 2, features="rgb", sample_size=10**6, rng=0)


def test_ncut_segment_takes_the_coarse_path_when_memory_is_short(monkeypatch):
    from classicseg import _ncut

    img = np.zeros((40, 48))
    img[:, 20:] = 1
    args = {"channel_axis": None, "radius": 5, "rng": 0}
    full, info = classicseg.ncut_segment(img, 2, return_info=True, **args)
    assert info.path == "pixel"
    graph = _ncut.graph_bytes(img.size, 5)
    # Half the memory may be used: one pixel graph fits, the solve's few copies of it do not.
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", str(2 * graph))
    coarse, info = classicseg.ncut_segment(img, 2, return_info=True, **args)
    assert info.path == "coarse"
    np.testing.assert_array_equal(coarse, full)  # a step edge on the block grid: same cut
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", "100")  # not even the features fit
    with pytest.raises(MemoryLimitError, match="CLASSICSEG_MEMORY_LIMIT"):
        classicseg.ncut_segment(img, 2, **args)


def test_import_compiles_nothing_and_starts_no_threads():
    proc = run_python("""
        import importlib, pkgutil
        import numba
        from numba.core.registry import CPUDispatcher
        from numba.np.ufunc import parallel
        import classicseg
        for name in classicseg.__all__:
            if name != "warmup":
                getattr(classicseg, name)      # loads every module
        import classicseg._kernels as kernels
        compiled, n = [], 0
        for info in pkgutil.iter_modules(kernels.__path__):
            module = importlib.import_module(f"classicseg._kernels.{info.name}")
            for attr in vars(module).values():
                fn = getattr(attr, "dispatcher", attr)
                if isinstance(fn, CPUDispatcher):
                    n += 1
                    if fn.signatures:
                        compiled.append(fn.__name__)
        print(n, compiled, parallel._is_initialized)
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    n, rest = proc.stdout.split(" ", 1)
    assert int(n) > 10 and rest.strip() == "[] False"


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_check_finite_judges_every_value_not_a_sum(dtype):
    from classicseg._validate import check_finite

    huge = np.full((40, 30), np.finfo(dtype).max, dtype)  # a sum would overflow; no value is bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_finite(huge, "x")
        check_finite(-huge, "x")
    for bad in ([np.nan], [np.inf], [-np.inf], [np.inf, -np.inf]):  # +inf - inf sums to NaN
        x = np.zeros((40, 30), dtype)
        x.flat[[7, 911][:len(bad)]] = bad
        with pytest.raises(ValueError, match="x contains NaN or infinite"):
            check_finite(x, "x")
        with pytest.raises(ValueError, match="inside the mask"):
            check_finite(x, "x", np.ones((40, 30), bool))
