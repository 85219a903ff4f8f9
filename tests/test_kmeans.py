import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage import color, measure, segmentation
from sklearn.cluster import KMeans

import naive
from classicseg import ConvergenceWarning, kmeans, kmeans_segment, pixel_features
from classicseg._kernels.kmeans import CHUNK, hamerly_pass, lloyd_pass, reduce_chunks
from classicseg._kmeans import _relocate_empty
from conftest import block_image, outputs_per_thread_count

TOY = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hand_solved_toy(dtype):
    # scikit-learn's test_kmeans_results
    res = kmeans(TOY.astype(dtype), 2, init=[[0, 0], [1, 1]], sample_weight=[3, 1, 1, 3], tol=0)
    np.testing.assert_array_equal(res.labels, [0, 0, 1, 1])
    assert res.inertia == pytest.approx(0.375)
    np.testing.assert_allclose(res.centers, [[0.125, 0], [0.875, 1]])
    assert res.n_iter == 2 and res.converged


def test_empty_cluster_relocated_end_to_end():
    # scikit-learn's test_kmeans_relocated_clusters
    res = kmeans(TOY, 2, init=[[0.5, 0.5], [3, 3]], tol=0)
    assert res.inertia == pytest.approx(0.25)
    assert res.n_iter == 3
    assert sorted(map(tuple, res.centers.tolist())) == [(0.25, 0), (0.75, 1)]


def test_relocation_takes_the_farthest_samples():
    # scikit-learn's test_relocate_empty_clusters: all centres at -10
    X = np.array([-10, -9.5, -9, -8.5, -8, -1, 1, 9, 9.5, 10], dtype=np.float32)[None]
    centers = np.full((3, 1), -10.0)
    labels = np.zeros(10, np.int32)
    total = np.array([[X.sum()], [0.0], [0.0]])
    weight = np.array([10.0, 0, 0])
    _relocate_empty(X, np.empty(0, np.float32), centers, labels, total, weight)
    np.testing.assert_allclose(weight, [8, 1, 1])
    np.testing.assert_allclose(total, [[-36], [10], [9.5]])


def test_weighted_relocation():
    # scikit-learn's test_kmeans_empty_cluster_relocated (#13486)
    res = kmeans([[-1.0], [1.0]], 2, init=[[-1.0], [10.0]], sample_weight=[1.9, 0.1], tol=0)
    assert len(np.unique(res.labels)) == 2
    np.testing.assert_allclose(np.sort(res.centers[:, 0]), [-1, 1])


def test_fewer_distinct_points_than_k_warns():
    X = np.array([[0, 0], [1, 1], [1, 1], [2, 0], [0, 2.0]])
    with pytest.warns(ConvergenceWarning, match=r"\(4\) found smaller than k \(5\)"):
        res = kmeans(X, 5, init=X, tol=0)
    assert res.n_iter == 1


@pytest.mark.parametrize("seed", range(4))
def test_same_labels_and_inertia_as_sklearn_from_the_same_start(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3000, 4)) * [1, 2, 3, 4] + rng.integers(0, 3, (3000, 1)) * 3
    init = X[rng.choice(3000, 6, replace=False)]
    ours = kmeans(X, 6, init=init, tol=0, max_iter=300)
    sk = KMeans(6, init=init, n_init=1, tol=0, algorithm="lloyd", max_iter=300).fit(X)
    np.testing.assert_array_equal(ours.labels, sk.labels_)
    assert ours.inertia == pytest.approx(sk.inertia_, rel=1e-4)
    np.testing.assert_allclose(ours.centers, sk.cluster_centers_, rtol=1e-4, atol=1e-4)


def test_same_result_as_sklearn_on_image_features(astronaut32):
    X = pixel_features(astronaut32, "rgbxy")
    init = X[np.random.default_rng(1).choice(len(X), 8, replace=False)].astype(np.float64)
    ours = kmeans(X, 8, init=init, tol=0, max_iter=300)
    sk = KMeans(8, init=init, n_init=1, tol=0, algorithm="lloyd", max_iter=300).fit(X.astype(np.float64))
    assert (ours.labels == sk.labels_).mean() > 0.999
    assert ours.inertia == pytest.approx(sk.inertia_, rel=1e-4)


@pytest.mark.parametrize("weighted", [False, True])
def test_kernel_equals_naive_pass(weighted):
    rng = np.random.default_rng(3)
    n, d, k = 2 * CHUNK + 37, 3, 5
    X = rng.normal(size=(n, d)).astype(np.float32)
    centers = rng.normal(size=(k, d)).astype(np.float32)
    w = rng.random(n).astype(np.float32) if weighted else np.empty(0, np.float32)
    n_chunks = 3
    labels = np.full(n, -1, np.int32)
    sums, counts = np.empty((n_chunks, k, d)), np.empty((n_chunks, k))
    changed, inertia = np.empty(n_chunks, np.int64), np.empty(n_chunks)
    upper, lower = np.empty(n, np.float32), np.empty(n, np.float32)
    lloyd_pass(np.ascontiguousarray(X.T), w, centers, labels, upper, lower, sums, counts, changed, inertia)
    total, weight = reduce_chunks(sums, counts)
    ref_labels, ref_sums, ref_counts, ref_inertia = naive.lloyd_pass(X, centers, w if weighted else None)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_allclose(total, ref_sums, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(weight, ref_counts, rtol=1e-6)
    assert inertia.sum() == pytest.approx(ref_inertia, rel=1e-5)
    assert changed.sum() == n
    dist = np.sort(np.sqrt(((X[:, None] - centers[None]) ** 2).sum(axis=2)), axis=1)
    np.testing.assert_allclose(upper, dist[:, 0], rtol=1e-5)
    np.testing.assert_allclose(lower, dist[:, 1], rtol=1e-5)


@pytest.mark.parametrize("step", [0.01, 0.3, 3.0])
def test_bounded_pass_equals_naive_assignment(step):
    # After the centres move, Hamerly's pass must give the exact nearest centres
    # (and, as the last pass of a run, their inertia).
    from classicseg._kmeans import _half_gaps

    rng = np.random.default_rng(17)
    n, d, k = 3 * CHUNK + 5, 4, 6
    X = rng.normal(size=(n, d)).astype(np.float32)
    Xt = np.ascontiguousarray(X.T)
    centers = rng.normal(size=(k, d)).astype(np.float32)
    w = np.empty(0, np.float32)
    labels = np.full(n, -1, np.int32)
    upper, lower = np.empty(n, np.float32), np.empty(n, np.float32)
    bufs = np.empty((4, k, d)), np.empty((4, k)), np.empty(4, np.int64)
    lloyd_pass(Xt, w, centers, labels, upper, lower, *bufs, np.empty(4))
    moved = (centers + rng.normal(scale=step, size=centers.shape)).astype(np.float32)
    shift = np.linalg.norm(moved.astype(np.float64) - centers, axis=1)
    inertia = np.empty(4)
    hamerly_pass(Xt, w, moved, shift, _half_gaps(moved), labels, upper, lower, *bufs, inertia)
    ref_labels, ref_sums, ref_counts, ref_inertia = naive.lloyd_pass(X, moved)
    np.testing.assert_array_equal(labels, ref_labels)
    assert inertia.sum() == pytest.approx(ref_inertia, rel=1e-5)
    total, weight = reduce_chunks(bufs[0], bufs[1])
    np.testing.assert_allclose(total, ref_sums, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(weight, ref_counts)
    d_all = np.sqrt(((X[:, None] - moved[None]) ** 2).sum(axis=2))
    assert (upper >= d_all[np.arange(n), labels] * (1 - 1e-5)).all()  # still upper bounds
    d_all[np.arange(n), labels] = np.inf
    assert (lower <= d_all.min(axis=1) * (1 + 1e-5)).all()  # still lower bounds


def test_one_iteration_equals_numpy_reference():
    # scikit-learn's test_k_means_1_iteration
    X = np.random.default_rng(4).normal(size=(500, 3))
    res = kmeans(X, 5, init=X[:5], max_iter=1)
    labels, sums, counts, _ = naive.lloyd_pass(X, X[:5])
    centers = sums / counts[:, None]
    np.testing.assert_allclose(res.centers, centers, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(res.labels, naive.lloyd_pass(X, centers)[0])
    assert res.n_iter == 1


def test_float32_and_float64_agree():
    X = np.random.default_rng(5).normal(size=(2000, 3))
    a = kmeans(X, 4, rng=0)
    b = kmeans(X.astype(np.float32), 4, rng=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.inertia == pytest.approx(b.inertia, rel=1e-5)


def test_integer_weights_equal_repeated_samples():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 2))
    reps = rng.integers(1, 4, 300)
    init = X[:3]
    a = kmeans(X, 3, init=init, sample_weight=reps, tol=0)
    b = kmeans(np.repeat(X, reps, axis=0), 3, init=init, tol=0)
    np.testing.assert_array_equal(np.repeat(a.labels, reps), b.labels)
    np.testing.assert_allclose(a.centers, b.centers, rtol=1e-5)
    assert a.inertia == pytest.approx(b.inertia, rel=1e-5)


def test_unit_and_scaled_weights_change_nothing():
    X = np.random.default_rng(7).normal(size=(400, 3))
    base = kmeans(X, 4, init=X[:4], tol=0)
    for w in (np.ones(400), np.full(400, 7.5)):
        res = kmeans(X, 4, init=X[:4], sample_weight=w, tol=0)
        np.testing.assert_array_equal(res.labels, base.labels)


def test_tol_zero_stops_on_unchanged_labels():
    X = np.random.default_rng(8).normal(size=(1000, 2))
    res = kmeans(X, 5, tol=0, max_iter=300, rng=0)
    assert res.converged and res.n_iter < 300


def test_tolerance_is_absolute_in_feature_units():
    X = np.random.default_rng(9).normal(size=(2000, 2)) * 100
    loose = kmeans(X, 5, init=X[:5], tol=50)
    tight = kmeans(X, 5, init=X[:5], tol=0)
    assert loose.n_iter < tight.n_iter


@pytest.mark.parametrize("init", ["subset", "random", "uniform", "k-means++"])
def test_every_init_recovers_separated_blobs(init):
    rng = np.random.default_rng(10)
    means = np.array([[0, 0], [50, 0], [0, 50]])
    X = np.repeat(means, 200, axis=0) + rng.normal(size=(600, 2))
    res = kmeans(X, 3, init=init, n_init=3, rng=0)
    truth = np.repeat(np.arange(3), 200)
    # one-to-one correspondence between clusters and blobs
    assert len(set(zip(truth, res.labels))) == 3


def test_random_init_respects_min_distance():
    from classicseg._kmeans import initial_centers

    X = np.random.default_rng(11).random((2, 5000)).astype(np.float32) * 100
    centers = initial_centers(X, 8, "random", None, np.random.default_rng(0), min_distance=20)
    gaps = np.linalg.norm(centers[:, None] - centers[None], axis=2)[np.triu_indices(8, 1)]
    assert gaps.min() >= 20
    assert all(any(np.allclose(c, x) for x in X.T) for c in centers)  # actual samples


def test_random_init_falls_back_to_the_farthest_candidate():
    from classicseg._kmeans import initial_centers

    X = np.array([[0, 0, 0, 0, 10.0]], dtype=np.float32)  # two distinct values, k = 2
    centers = initial_centers(X, 2, "random", None, np.random.default_rng(0), min_distance=100)
    assert sorted(centers[:, 0]) == [0, 10]


def test_uniform_init_lies_within_the_range():
    from classicseg._kmeans import initial_centers

    X = np.random.default_rng(12).random((3, 1000)).astype(np.float32) * [[1], [10], [100]]
    centers = initial_centers(X, 16, "uniform", None, np.random.default_rng(0))
    assert (centers >= X.min(axis=1)).all() and (centers <= X.max(axis=1)).all()
    assert len(np.unique(centers, axis=0)) == 16


@pytest.mark.parametrize("init", ["subset", "k-means++"])
def test_data_driven_inits_give_distinct_data_centres(init):
    from classicseg._kmeans import initial_centers

    X = np.random.default_rng(13).random((2, 20000)).astype(np.float32)
    centers = initial_centers(X, 10, init, None, np.random.default_rng(0))
    assert len(np.unique(centers, axis=0)) == 10


def test_more_inits_never_worse():
    X = np.random.default_rng(14).normal(size=(800, 2))
    inertias = [kmeans(X, 10, init="random", n_init=n, max_iter=1, rng=0).inertia for n in (1, 5, 10)]
    assert inertias[0] >= inertias[1] >= inertias[2]


def test_zero_weight_samples_are_never_initial_centres():
    from classicseg._kmeans import initial_centers

    X = np.arange(20, dtype=np.float32)[None]
    w = np.zeros(20, np.float32)
    w[10:] = 1
    for init in ("random", "k-means++", "uniform"):
        c = initial_centers(X, 3, init, w, np.random.default_rng(0), min_distance=0)
        assert (c >= 10).all(), init


def test_layout_and_inputs_untouched():
    X = np.random.default_rng(15).normal(size=(500, 3))
    init = X[:4].copy()
    X_before, init_before = X.copy(), init.copy()
    a = kmeans(X, 4, init=init, tol=0)
    b = kmeans(np.asfortranarray(X), 4, init=init, tol=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(init, init_before)


def test_read_only_input():
    X = np.random.default_rng(16).normal(size=(200, 2))
    X.setflags(write=False)
    assert kmeans(X, 3, rng=0).labels.shape == (200,)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("channels, channel_axis", [(None, None), (3, -1), (3, 0), (3, 1)])
def test_block_image_comes_back_block_by_block(dtype, channels, channel_axis):
    img, truth = block_image(channels=channels)
    if dtype == np.uint16:
        img = img * 257
    elif dtype in (np.float32, np.float64):
        img = img / 255
    img = np.clip(img, 0, np.iinfo(dtype).max if dtype in (np.uint8, np.uint16) else 1).astype(dtype)
    if channels is not None:
        img = np.moveaxis(img, -1, channel_axis)
    labels = kmeans_segment(img, 4, features="color", channel_axis=channel_axis, rng=0)
    assert labels.dtype == np.intp and labels.shape == truth.shape
    assert len(set(zip(truth.ravel(), labels.ravel()))) == 4
    assert set(np.unique(labels)) == {1, 2, 3, 4}


def test_same_labels_across_magnitudes():
    img, _ = block_image(channels=3)
    u8 = np.clip(img, 0, 255).astype(np.uint8)
    ref = kmeans_segment(u8, 4, rng=0)
    np.testing.assert_array_equal(kmeans_segment(u8.astype(np.uint16) * 256, 4, data_range=65280, rng=0), ref)
    np.testing.assert_array_equal(kmeans_segment(u8 / 255.0, 4, rng=0), ref)


def test_mask_and_start_label():
    img, truth = block_image(channels=3)
    mask = truth != 3
    labels = kmeans_segment(img, 3, features="rgb", data_range=255, mask=mask, start_label=0, rng=0)
    assert (labels[~mask] == -1).all()
    assert set(np.unique(labels[mask])) == {0, 1, 2}
    assert len(set(zip(truth[mask], labels[mask]))) == 3


def test_volume_with_spacing():
    vol = np.zeros((6, 8, 8))
    vol[3:] = 200
    labels = kmeans_segment(vol, 2, features="grayxyz", channel_axis=None, spacing=(2, 1, 1),
                            spatial_scale=0.1, data_range=255, rng=0)
    assert labels.shape == vol.shape
    assert len(np.unique(labels[:3])) == 1 and labels[0, 0, 0] != labels[5, 0, 0]


def test_centres_from_one_image_label_another():
    img, truth = block_image(channels=3, seed=1)
    _, info = kmeans_segment(img, 4, features="rgb", data_range=255, rng=0, return_info=True)
    other, _ = block_image(channels=3, seed=2)
    labels = kmeans_segment(other, 4, features="rgb", data_range=255, init=info.centers, max_iter=1)
    assert len(set(zip(truth.ravel(), labels.ravel()))) == 4


def test_labels_fit_scikit_image(astronaut32):
    labels = kmeans_segment(astronaut32, 5, rng=0)
    assert len(measure.regionprops(labels)) == 5
    assert color.label2rgb(labels, astronaut32, kind="avg").shape == astronaut32.shape
    assert segmentation.mark_boundaries(astronaut32, labels).shape == astronaut32.shape


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), k=st.integers(1, 6),
       seed=st.integers(0, 2**16), start_label=st.sampled_from([0, 1]),
       init=st.sampled_from(["subset", "random", "uniform", "k-means++"]))
def test_properties(h, w, k, seed, start_label, init):
    img = np.random.default_rng(seed).random((h, w, 3))
    k = min(k, h * w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = kmeans_segment(img, k, init=init, rng=seed, start_label=start_label)
        again = kmeans_segment(img, k, init=init, rng=seed, start_label=start_label)
    assert labels.shape == (h, w) and labels.dtype == np.intp
    assert labels.min() >= start_label and labels.max() < start_label + k
    np.testing.assert_array_equal(labels, again)


def test_one_and_two_threads_give_identical_results():
    # In processes with NUMBA_NUM_THREADS=1 and 2 (never vacuous on one core);
    # the threshold lowered so that few_threads_for keeps both threads busy.
    one, two = outputs_per_thread_count(f"""
        from classicseg import kmeans, kmeans_segment, _kmeans
        _kmeans.PARALLEL_SAMPLES = 16 * {CHUNK}
        for seed in (0, 7, 1234):
            X = np.random.default_rng(seed).normal(size=(70 * {CHUNK} + 3, 5)).astype(np.float32)
            res = kmeans(X, 7, init="k-means++", rng=seed)
            digest(res.labels, res.centers, np.array(res.inertia))
        img = np.random.default_rng(5).integers(0, 256, size=(240, 250, 3), dtype=np.uint8)
        labels, res = kmeans_segment(img, 9, features="rgbxy", rng=3, return_info=True)
        digest(labels, res.centers, np.array(res.inertia))
    """)
    assert len(one) == 4 and one == two


@pytest.mark.parametrize("call, error, match", [
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 0), ValueError, "k must be >= 1"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 17), ValueError, "k must be <= 16"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2.5), TypeError, "k must be an integer"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, init="kmeans"), ValueError, "unknown init"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, features="hsv"), ValueError, "unknown features"),
    (lambda: kmeans_segment(np.zeros((4, 4)), 2), ValueError, "use channel_axis=None"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, mask=np.ones((3, 3), bool)), ValueError, "mask must"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, start_label=2), ValueError, "start_label must be 0 or 1"),
    (lambda: kmeans_segment(np.full((4, 4, 3), np.inf), 2), ValueError, "image contains NaN"),
    (lambda: kmeans_segment(np.zeros((0, 4, 3)), 2), ValueError, "image is empty"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, rng="seed"), TypeError, "rng must be"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, tol=-1), ValueError, "tol must be >= 0"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, max_iter=0), ValueError, "max_iter must be >= 1"),
    (lambda: kmeans_segment(np.zeros((4, 4, 3)), 2, n_init=0), ValueError, "n_init must be >= 1"),
    (lambda: kmeans(np.zeros((4, 2)), 2, init=np.zeros((3, 2))), ValueError, r"init array must have shape"),
    (lambda: kmeans(np.zeros((4, 2)), 2, sample_weight=[1, 1, 1]), ValueError, "sample_weight must have 4"),
    (lambda: kmeans(np.zeros((4, 2)), 2, sample_weight=[1, -1, 1, 1]), ValueError, "non-negative"),
    (lambda: kmeans(np.zeros(4), 2), ValueError, "X must have 2 dimensions"),
    (lambda: kmeans([[np.nan, 0]], 1), ValueError, "X contains NaN"),
])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_image_not_modified(astronaut32):
    before = astronaut32.copy()
    kmeans_segment(astronaut32, 3, features="labxy", rng=0)
    np.testing.assert_array_equal(astronaut32, before)


def test_features_that_overflow_float32_are_refused():
    # A finite float64 image whose features do not fit in float32.
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="features contain NaN"):
        kmeans_segment(np.full((4, 4, 3), 1e39), 2)
