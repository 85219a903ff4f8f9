from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from skimage import measure
from sklearn.cluster import MeanShift, estimate_bandwidth, get_bin_seeds
from sklearn.metrics import adjusted_rand_score

import naive
from classicseg import (
    MeanShiftResult,
    estimate_window,
    mean_shift,
    meanshift_segment,
    pixel_features,
)
from classicseg import _meanshift
from classicseg._kernels.meanshift import LANES, distinct_rows, lattice_window_sum
from conftest import block_image, outputs_per_thread_count

FIXTURE = Path(__file__).parent / "fixtures" / "meanshift_sklearn_astronaut64.npz"


def blobs(n_per=20, centers=((0, 0), (10, 0), (0, 10)), std=0.4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, std, size=(n_per, len(c))) for c in centers])
    return X, np.repeat(np.arange(len(centers)), n_per)


@pytest.fixture(scope="module")
def astronaut64():
    with np.load(FIXTURE) as f:
        return {k: f[k] for k in f.files}


# ---------------------------------------------------------------- kernels against naive NumPy


@pytest.mark.parametrize("d, n", [(2, 80), (3, 120), (9, 40)])  # d = 9: the one-cell (scan) path
def test_climbs_match_naive(d, n):
    rng = np.random.default_rng(d)
    X = np.round(rng.normal(size=(n, d)) * 3, 1)
    X[: n // 4] = X[n // 4: n // 2]  # duplicates
    w = rng.integers(1, 4, size=n).astype(float)
    points, inv = np.unique(X, axis=0, return_inverse=True)
    pw = np.bincount(inv.reshape(-1), weights=w)
    radius = 2.5
    modes, intensity, n_iter, path = _meanshift._climb_grid(points, pw, points, d, radius**2,
                                                            radius**2, 1e-4, 300)
    assert path == ("brute-force" if d == 9 else "grid")
    for i, seed in enumerate(points):
        mode, total, it = naive.mean_shift_climb(points, seed, radius, 1e-4, 300, pw)
        np.testing.assert_allclose(modes[i], mode, atol=1e-9)
        assert intensity[i] == total and n_iter[i] == it


@pytest.mark.parametrize("spatial, steps", [((9, 11), (1.0, 1.0)), ((9, 11), (0.7, 1.3)),
                                            ((4, 5, 6), (1.0, 2.0, 0.5))])
@pytest.mark.parametrize("joint", [True, False])
@pytest.mark.parametrize("n_col", [1, 3])
def test_lattice_window_matches_naive(spatial, steps, joint, n_col):
    rng = np.random.default_rng(len(spatial))
    colour = rng.integers(0, 12, size=(*spatial, n_col)).astype(np.float32)
    mask = rng.random(spatial) > 0.2
    shape = np.ones(3, np.int64)
    shape[3 - len(spatial):] = spatial
    steps3 = np.ones(3)
    steps3[3 - len(spatial):] = steps
    # How the kernel is told a site is no point: a NaN colour; LANES NaN sites of padding.
    planes = np.full((n_col, mask.size + LANES), np.nan, np.float32)
    planes[:, :mask.size][:, mask.reshape(-1)] = colour.reshape(-1, n_col).T[:, mask.reshape(-1)]
    hs, hr = (4.0, 4.0) if joint else (3.0, 5.0)
    acc = np.empty(n_col + 3)
    offsets = np.empty((2, shape[2] + LANES))
    for _ in range(30):
        pos = rng.uniform(-1, np.array(spatial) * np.array(steps) + 1)
        mean = np.r_[rng.uniform(0, 12, n_col), np.zeros(3 - len(spatial)), pos]
        count = lattice_window_sum(planes, shape, steps3, hs * hs, hr * hr, joint, mean, acc,
                                   offsets)
        total, expected = naive.lattice_window(colour, mask, steps, np.r_[mean[:n_col], pos],
                                               hs, hr, joint)
        assert count == expected
        np.testing.assert_allclose(np.r_[acc[:n_col], acc[n_col + 3 - len(spatial):]], total,
                                   atol=1e-6)


def test_mode_merge_matches_naive():
    rng = np.random.default_rng(3)
    modes = np.round(rng.uniform(0, 10, size=(200, 3)), 0)  # many exact ties
    intensity = rng.integers(1, 5, size=200).astype(float)
    res = _meanshift._clusters(modes, intensity, np.zeros(200, np.int64), np.arange(200), modes,
                               3, 4.0, 4.0, 200, "grid")
    expected = naive.suppress_modes(modes, intensity, 2.0)
    np.testing.assert_array_equal(res.labels, expected)
    np.testing.assert_array_equal(res.counts, np.bincount(expected))


# ---------------------------------------------------------------- scikit-learn equivalence


def test_astronaut64_equals_sklearn(astronaut64):
    # sklearn.cluster.MeanShift(bandwidth=10.5, bin_seeding=False): see the fixture's script.
    X = pixel_features(astronaut64["image"], "rgbxy")
    res = mean_shift(X, 21)
    centers = astronaut64["centers"]
    # The criterion (ARI >= 0.95, clusters within 10%), met exactly: the same modes,
    # and the default labelling rule is scikit-learn's (nearest kept mode).
    assert adjusted_rand_score(astronaut64["labels"], res.labels) >= 0.95
    assert len(res.centers) == len(centers)
    np.testing.assert_allclose(res.centers, centers, atol=1e-6)
    np.testing.assert_array_equal(res.labels, astronaut64["labels"])
    assert np.array_equal(res.counts, np.bincount(res.labels))
    # Basins of attraction (meanshift_segment's rule) differ from nearest-mode labels: at
    # W = 21 on this image (653 modes for 4096 pixels) a fifth of the pixels lies nearer to
    # another kept mode than to its own attractor (ARI 0.74 measured).
    basin = mean_shift(X, 21, assign="attractor")
    np.testing.assert_array_equal(basin.centers, res.centers)
    assert 0.7 < adjusted_rand_score(astronaut64["labels"], basin.labels) < 0.8


def test_astronaut64_lattice_equals_array_engine(astronaut64):
    image = astronaut64["image"]
    X = pixel_features(image, "rgbxy")
    exact = mean_shift(X, 21, assign="attractor")
    labels, info = meanshift_segment(image, 21, features="rgbxy", share_trajectories=False,
                                     return_info=True)
    # Exact trajectory sharing spared climbs and changed nothing.
    assert info.path == "lattice" and info.n_climbs < 64 * 64
    np.testing.assert_array_equal(labels.reshape(-1) - 1, exact.labels)
    np.testing.assert_allclose(info.centers, exact.centers, atol=1e-6)
    # With scikit-learn's labelling rule the image function gives scikit-learn's labels.
    nearest = meanshift_segment(image, 21, features="rgbxy", assign="nearest", start_label=0)
    np.testing.assert_array_equal(nearest.reshape(-1), astronaut64["labels"])


def test_distinct_rows_numbers_values_as_numpy_unique():
    # Rows equal bit for bit share a number (numbered in order of first appearance); -0.0
    # and 0.0 differ in their bits, so they count as two values, as np.unique of the bytes.
    rng = np.random.default_rng(0)
    values = np.round(rng.normal(size=(40, 3)), 1)
    values[0] = [0.0, 1.0, 2.0]
    values[1] = [-0.0, 1.0, 2.0]
    rows = values[rng.integers(0, 40, size=500)]
    which = np.empty(500, dtype=np.int64)
    first = np.empty(500, dtype=np.int64)
    n = distinct_rows(rows, np.full((1024, 2), -1, dtype=np.int64), which, first)
    _, index, inverse = np.unique(rows.view(np.dtype((np.void, 24))).reshape(-1),
                                  return_index=True, return_inverse=True)
    assert n == len(index)
    np.testing.assert_array_equal(np.sort(first[:n]), np.sort(index))
    np.testing.assert_array_equal(first[which], index[inverse])  # same value, same first row


@pytest.mark.parametrize("case", ["rgb96", "gray-masked", "volume"])
def test_exact_trajectory_sharing_changes_nothing(case, monkeypatch):
    from skimage import data, transform

    mask = None
    if case == "rgb96":
        image, window, channel_axis = transform.resize(data.astronaut(), (96, 96)), 21, -1
    elif case == "gray-masked":
        image, window, channel_axis = data.camera()[::8, ::8], (9, 17), None
        mask = np.ones(image.shape, bool)
        mask[10:30, 20:40] = False
    else:
        rng = np.random.default_rng(0)
        halves = np.where(np.arange(16) < 8, 60.0, 160.0)
        image, window, channel_axis = halves + rng.normal(0, 6, (10, 12, 16)), 9, None
    run = lambda: meanshift_segment(image, window, channel_axis=channel_axis, mask=mask,
                                    return_info=True)
    shared, info = run()
    monkeypatch.setattr(_meanshift, "EXACT_SHARING", False)
    alone, alone_info = run()
    assert info.n_climbs < alone_info.n_climbs == (shared.size if mask is None else mask.sum())
    np.testing.assert_array_equal(shared, alone)
    np.testing.assert_array_equal(info.centers, alone_info.centers)
    np.testing.assert_array_equal(info.counts, alone_info.counts)


@pytest.mark.parametrize("stride, band_sites", [(2, 1 << 20), (3, 1 << 20), (2, 40), (3, 70)])
def test_climb_stride_finds_flat_regions(stride, band_sites, monkeypatch):
    # (band_sites: the image and the volume in one band, or in bands of a few rows each,
    # which are filled and left to climb band by band.)
    monkeypatch.setattr(_meanshift, "BAND_SITES", band_sites)
    # Four flat quadrants 100 grey levels apart (and a volume of two flat halves): every
    # window holds one region's pixels only, so each region is one cluster, whether a
    # pixel climbs or takes the climb of its nearest climbing pixel.
    quadrants = np.kron(np.array([[0, 1], [2, 3]]), np.ones((12, 13), int))
    image = np.stack([quadrants * 50.0, quadrants * 80.0 % 255, 200 - quadrants * 30.0], -1)
    labels, info = meanshift_segment(image, 21, features="rgbxy", climb_stride=stride,
                                     return_info=True)
    assert adjusted_rand_score(quadrants.reshape(-1), labels.reshape(-1)) == 1.0
    assert info.n_climbs <= -(-24 // stride) * -(-26 // stride)  # the lattice points
    halves = np.where(np.arange(10) < 5, 40.0, 160.0)[:, None, None] * np.ones((10, 9, 11))
    labels = meanshift_segment(halves, (9, 21), features="grayxy", channel_axis=None,
                               spacing=(2, 1, 1), climb_stride=stride)
    assert adjusted_rand_score((halves > 100).reshape(-1), labels.reshape(-1)) == 1.0


@pytest.mark.parametrize("stride", [2, 3])
def test_climb_stride_does_not_depend_on_bands(stride, astronaut64, monkeypatch):
    # Bands of one row: a pixel's nearest lattice pixels lie in the next band too, which
    # climb with its band, so the fill and the climbs, hence the clusters, are those of
    # one band.
    image = astronaut64["image"][:30, :26]
    one = meanshift_segment(image, 21, features="rgbxy", climb_stride=stride)
    monkeypatch.setattr(_meanshift, "BAND_SITES", 26)
    rows = meanshift_segment(image, 21, features="rgbxy", climb_stride=stride)
    assert adjusted_rand_score(one.reshape(-1), rows.reshape(-1)) == 1.0


def test_climb_stride_pixel_unlike_its_lattice_neighbours_climbs():
    # A one-pixel island off the lattice, far in colour from every neighbour: its window
    # holds itself alone, so it is its own cluster, as in the exact result.
    image = np.full((15, 16), 50.0)
    image[5, 7] = 200.0
    labels, info = meanshift_segment(image, 21, features="grayxy", channel_axis=None,
                                     data_range=255, climb_stride=2, return_info=True)
    assert len(info.centers) == 2 and (labels == labels[5, 7]).sum() == 1


def test_climb_stride_without_lattice_points_climbs_every_pixel(astronaut64):
    # Inside the mask, no pixel has both indices even: no lattice point of stride 2 is a
    # point, so every pixel climbs itself, which is the array engine's climb.
    image = astronaut64["image"][:24, :24]
    mask = np.zeros(image.shape[:2], bool)
    mask[1::2, 1::2] = True
    labels = meanshift_segment(image, 21, features="rgbxy", mask=mask, climb_stride=2,
                               start_label=0)
    exact = mean_shift(pixel_features(image, "rgbxy")[mask.reshape(-1)], 21, assign="attractor")
    np.testing.assert_array_equal(labels[mask], exact.labels)
    assert (labels[~mask] == -1).all()


def test_climb_stride_agrees_with_the_array_engine():
    # The approximation against exact mean shift computed by the array engine (every
    # pixel climbs over all pixels; its labels equal scikit-learn's elsewhere in this file):
    # most pixels of a smooth photo get their own climb's cluster, with far fewer climbs.
    from skimage import data, transform

    image = transform.resize(data.astronaut(), (96, 96), anti_aliasing=True)
    exact = mean_shift(pixel_features(image, "rgbxy"), 21, assign="attractor")
    labels, info = meanshift_segment(image, 21, features="rgbxy", climb_stride=2,
                                     return_info=True)
    assert adjusted_rand_score(exact.labels, labels.reshape(-1)) >= 0.9
    assert info.n_climbs < 0.6 * image.shape[0] * image.shape[1]


def test_climb_stride_does_not_depend_on_batches(astronaut64, monkeypatch):
    # With climb_stride > 1 climbs share no paths, so each climb is the same whichever
    # batch it runs in: batches of 7 climbs give the labels and modes of one batch.
    image = astronaut64["image"]
    one, one_info = meanshift_segment(image, 21, features="rgbxy", climb_stride=2,
                                      return_info=True)
    monkeypatch.setattr(_meanshift, "BATCH_ALONE", 7)
    small, small_info = meanshift_segment(image, 21, features="rgbxy", climb_stride=2,
                                          return_info=True)
    np.testing.assert_array_equal(one, small)
    np.testing.assert_array_equal(one_info.centers, small_info.centers)
    assert one_info.n_climbs == small_info.n_climbs


def test_climb_stride_needs_positions():
    with pytest.raises(ValueError, match="climb_stride"):
        meanshift_segment(np.zeros((8, 8, 3)), 21, features="rgb", climb_stride=2)


@pytest.mark.parametrize("size", [64, 96])
def test_trajectory_sharing_keeps_ari(size):
    from skimage import data, transform

    image = transform.resize(data.astronaut(), (size, size), anti_aliasing=True)
    exact, exact_info = meanshift_segment(image, 21, features="rgbxy", return_info=True)
    assert exact_info.path == "lattice"
    shared, info = meanshift_segment(image, 21, features="rgbxy", share_trajectories=True,
                                     return_info=True)
    assert info.path == "lattice+sharing" and info.n_climbs <= exact_info.n_climbs
    assert adjusted_rand_score(exact.reshape(-1), shared.reshape(-1)) >= 0.99


def test_blobs_identical_to_sklearn():
    X, truth = blobs()
    res = mean_shift(X, 2 * 1.2)
    ms = MeanShift(bandwidth=1.2).fit(X)
    np.testing.assert_array_equal(res.labels, ms.labels_)
    np.testing.assert_allclose(res.centers, ms.cluster_centers_, atol=1e-9)
    assert adjusted_rand_score(truth, res.labels) == 1.0
    assert res.n_iter == ms.n_iter_


def test_intensity_tie_order_as_sklearn():
    # scikit-learn's test_cluster_intensity_tie
    X = np.array([[1, 1], [2, 1], [1, 0], [4, 7], [3, 5], [3, 6]], dtype=float)
    np.testing.assert_array_equal(mean_shift(X, 4).labels, [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(mean_shift(X[::-1], 4).labels, [0, 0, 0, 1, 1, 1])


def test_bin_seeding_seeds_as_sklearn():
    X, truth = blobs(seed=1)
    seeds, _ = _meanshift._bin_seeds(X, 1.2)
    expected = get_bin_seeds(X, 1.2)
    assert seeds.shape == expected.shape
    np.testing.assert_allclose(seeds[np.lexsort(seeds.T)], expected[np.lexsort(expected.T)],
                               atol=1e-5)  # scikit-learn returns float32 seeds
    res = mean_shift(X, 2.4, bin_seeding=True)
    assert res.n_climbs == len(seeds)
    assert adjusted_rand_score(truth, res.labels) == 1.0


def test_explicit_seeds_label_by_nearest_mode():
    X, truth = blobs(seed=2)
    res = mean_shift(X, 2.4, seeds=[[0.1, 0], [9.9, 0.2], [0, 10.1], [100, 100]])
    assert len(res.centers) == 3 and res.n_climbs == 4
    np.testing.assert_array_equal(res.labels, cKDTree(res.centers).query(X)[1])
    assert adjusted_rand_score(truth, res.labels) == 1.0
    with pytest.raises(ValueError, match="No point was within"):
        mean_shift(X, 2.4, seeds=[[100, 100]])


def test_estimate_window_is_twice_sklearn_bandwidth():
    X, _ = blobs(seed=3)
    assert estimate_window(X) == pytest.approx(2 * estimate_bandwidth(X), rel=1e-9)
    assert estimate_window(X, quantile=0.1) == pytest.approx(
        2 * estimate_bandwidth(X, quantile=0.1), rel=1e-9)
    assert estimate_window(X, n_samples=30, rng=0) == estimate_window(X, n_samples=30, rng=0)


# ---------------------------------------------------------------- limiting windows, weights


def test_window_larger_than_data_gives_one_cluster():
    X, _ = blobs()
    res = mean_shift(X, 100.0)
    assert len(res.centers) == 1 and (res.labels == 0).all()
    np.testing.assert_allclose(res.centers[0], X.mean(axis=0))


def test_tiny_window_leaves_every_distinct_point_alone():
    X, _ = blobs()
    X = np.concatenate([X, X[:5]])
    res = mean_shift(X, 1e-6)
    assert len(res.centers) == len(X) - 5
    np.testing.assert_array_equal(res.labels[-5:], res.labels[:5])
    np.testing.assert_allclose(res.centers[res.labels], X)


def test_integer_weights_equal_repeated_samples():
    X, _ = blobs(n_per=8, std=1.5, seed=4)
    w = np.arange(len(X)) % 3 + 1
    a = mean_shift(X, 3.0, sample_weight=w)
    b = mean_shift(np.repeat(X, w, axis=0), 3.0)
    np.testing.assert_allclose(a.centers, b.centers, atol=1e-9)
    np.testing.assert_array_equal(np.repeat(a.labels, w), b.labels)


def test_joint_window_grid_path_equals_lattice_path(monkeypatch):
    image, _ = block_image((40, 44), channels=3, noise=12.0, seed=5)
    lattice = meanshift_segment(image, (9, 30), features="rgbxy", data_range=255,
                                share_trajectories=False)
    monkeypatch.setattr(_meanshift, "LATTICE_MAX_BOX", 0)
    grid, info = meanshift_segment(image, (9, 30), features="rgbxy", data_range=255, return_info=True)
    assert info.path == "grid"
    np.testing.assert_array_equal(lattice, grid)


# ---------------------------------------------------------------- images


@pytest.mark.parametrize("features", ["rgb", "rgbxy", "lab", None])
def test_rgb_blocks_come_back(features):
    image, truth = block_image((20, 22), channels=3, noise=3.0, seed=6)
    labels = meanshift_segment(image.astype(np.uint8), 21, features=features)
    assert adjusted_rand_score(truth.reshape(-1), labels.reshape(-1)) == 1.0


def test_grayscale_blocks_come_back():
    image, truth = block_image((20, 22), noise=3.0, seed=7)
    labels = meanshift_segment(image, 21, features="grayxy", channel_axis=None, data_range=255)
    assert adjusted_rand_score(truth.reshape(-1), labels.reshape(-1)) == 1.0
    assert labels.dtype == np.intp and labels.min() == 1


@pytest.mark.parametrize("case", ["astronaut64", "volume"])
def test_lattice_in_bands_equals_array_engine(case, astronaut64, monkeypatch):
    # Bands of a few rows (planes' rows in a volume), the sharing state cleared between them.
    monkeypatch.setattr(_meanshift, "BAND_SITES", 300)
    if case == "volume":
        rng = np.random.default_rng(8)
        image = np.clip(rng.normal(120, 40, (5, 9, 10)), 0, 255).astype(np.uint8)
        opts = dict(channel_axis=None, spacing=(2, 1, 1))
        features = "grayxyz"
    else:
        image, opts, features = astronaut64["image"], {}, "rgbxy"
    labels, info = meanshift_segment(image, 21, features=features, return_info=True, **opts)
    exact = mean_shift(pixel_features(image, features, **opts), 21, assign="attractor")
    assert info.path == "lattice" and info.n_climbs < labels.size
    np.testing.assert_array_equal(labels.reshape(-1) - 1, exact.labels)
    np.testing.assert_allclose(info.centers, exact.centers, atol=1e-6)


def test_volume_lattice_equals_array_engine():
    rng = np.random.default_rng(8)
    volume = np.where(np.arange(6)[:, None, None] < 3, 60.0, 200.0) + rng.normal(0, 6, (6, 7, 8))
    volume = np.clip(volume, 0, 255).astype(np.uint8)
    labels = meanshift_segment(volume, 21, features="grayxyz", channel_axis=None, spacing=(2, 1, 1),
                               share_trajectories=False)
    X = pixel_features(volume, "grayxyz", channel_axis=None, spacing=(2, 1, 1))
    np.testing.assert_array_equal(labels.reshape(-1) - 1,
                                  mean_shift(X, 21, assign="attractor").labels)
    halves = np.arange(6)[:, None, None] < 3
    assert adjusted_rand_score(np.broadcast_to(halves, volume.shape).reshape(-1),
                               meanshift_segment(volume, 21, features="grayxyz",
                                                 channel_axis=None).reshape(-1)) == 1.0


def test_mask_equals_clustering_the_masked_pixels(astronaut32):
    mask = np.zeros(astronaut32.shape[:2], bool)
    mask[4:28, 2:30] = True
    mask[10:14, 10:20] = False
    labels = meanshift_segment(astronaut32, 21, features="rgbxy", mask=mask, share_trajectories=False)
    assert (labels[~mask] == 0).all() and labels[mask].min() == 1
    X = pixel_features(astronaut32, "rgbxy", mask=mask)
    np.testing.assert_array_equal(labels[mask] - 1, mean_shift(X, 21, assign="attractor").labels)
    colour_only = meanshift_segment(astronaut32, 21, features="rgb", mask=mask, start_label=0)
    assert (colour_only[~mask] == -1).all()
    np.testing.assert_array_equal(colour_only[mask],
                                  mean_shift(pixel_features(astronaut32, "rgb", mask=mask),
                                             21, assign="attractor").labels)


def test_channel_axis_first(astronaut32):
    a = meanshift_segment(astronaut32, 21, features="rgbxy")
    b = meanshift_segment(np.moveaxis(astronaut32, -1, 0), 21, features="rgbxy", channel_axis=0)
    np.testing.assert_array_equal(a, b)


def test_deterministic_and_thread_count_independent(astronaut32):
    one, two = outputs_per_thread_count("""
        from skimage import data
        from classicseg import mean_shift, meanshift_segment, pixel_features
        img = data.astronaut()[::16, ::16].copy()
        for share in (False, True, 0.2):
            labels, info = meanshift_segment(img, 15, features="rgbxy", share_trajectories=share,
                                             return_info=True)
            digest(labels)
            digest(info.centers)
        res = mean_shift(pixel_features(img, "rgbxy"), 15)
        digest(res.labels, res.centers)
        digest(meanshift_segment(img, 15, features="rgbxy"))
        from classicseg import _meanshift
        _meanshift.BAND_SITES = 64  # the approximation in bands of two rows
        digest(meanshift_segment(img, 15, features="rgbxy", climb_stride=2))
    """)
    assert len(one) == 9 and one == two
    assert one[0] == one[7]  # the same call twice: the same labels


def test_min_size_merges_exactly_the_small_regions(astronaut32):
    before = meanshift_segment(astronaut32, 21, features="rgbxy")
    after = meanshift_segment(astronaut32, 21, features="rgbxy", min_size=8)
    sizes_before = np.bincount(measure.label(before, background=-1, connectivity=1).reshape(-1))
    regions_after = measure.label(after, background=-1, connectivity=1)
    assert np.bincount(regions_after.reshape(-1))[1:].min() >= 8
    # Every pixel of a region that was large enough keeps its region (it may absorb others).
    components = measure.label(before, background=-1, connectivity=1)
    for c in np.flatnonzero(sizes_before >= 8):
        if c == 0:
            continue
        assert np.unique(regions_after[components == c]).size == 1
    assert after.max() == len(np.unique(after)) and after.min() == 1


def test_inputs_not_modified(astronaut32):
    image = astronaut32.copy()
    X = pixel_features(image, "rgbxy").astype(np.float64)
    X0 = X.copy()
    meanshift_segment(image, 21, min_size=5)
    mean_shift(X, 21, sample_weight=np.ones(len(X)))
    np.testing.assert_array_equal(image, astronaut32)
    np.testing.assert_array_equal(X, X0)


def test_every_reported_path_is_in_the_documented_set(astronaut32):
    rng = np.random.default_rng(0)
    image = astronaut32[:16, :16]
    reported = {
        "grid": mean_shift(rng.uniform(0, 100, (200, 1)), 5.0),
        "brute-force": mean_shift(rng.uniform(0, 100, (6, 5)), 5.0),  # 2**5 cells > 6 points
        "lattice": meanshift_segment(image, 21, return_info=True)[1],
        "lattice+sharing": meanshift_segment(image, 21, share_trajectories=True,
                                             return_info=True)[1],
        "grid, colour only": meanshift_segment(image, 21, features="rgb", return_info=True)[1],
    }
    assert all(isinstance(res, MeanShiftResult) for res in reported.values())
    for expected, res in reported.items():
        assert res.path in _meanshift.PATHS and res.path == expected.split(",")[0]
    assert {res.path for res in reported.values()} == set(_meanshift.PATHS)  # none unused


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), window=st.floats(2.0, 80.0),
       start_label=st.sampled_from([0, 1]), shape=st.tuples(st.integers(1, 9), st.integers(1, 9)))
def test_labels_are_consecutive_from_start_label(seed, window, start_label, shape):
    image = np.random.default_rng(seed).integers(0, 256, size=(*shape, 3)).astype(np.uint8)
    labels, info = meanshift_segment(image, window, start_label=start_label, return_info=True)
    assert labels.shape == shape and labels.dtype == np.intp
    used = np.unique(labels)
    np.testing.assert_array_equal(used, np.arange(start_label, start_label + len(info.centers)))
    assert info.counts.sum() == labels.size
    np.testing.assert_array_equal(labels, meanshift_segment(image, window,
                                                            start_label=start_label))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(window=0), ValueError, "window"),
    (dict(window=-3), ValueError, "window"),
    (dict(window="21"), TypeError, "window"),
    (dict(window=np.nan), ValueError, "window"),
    (dict(window=(21, 21, 21)), ValueError, "window pair"),
    (dict(window=(21, 0)), ValueError, "window"),
    (dict(window=(10, 20), features="rgb"), ValueError, "window"),
    (dict(min_size=-1), ValueError, "min_size"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(tol=-1.0), ValueError, "tol"),
    (dict(share_trajectories="yes"), TypeError, "share_trajectories"),
    (dict(share_trajectories=-0.1), ValueError, "share_trajectories"),
    (dict(assign="closest"), ValueError, "assign"),
    (dict(start_label=2), ValueError, "start_label"),
])
def test_segment_bad_arguments(astronaut32, kwargs, error, match):
    kwargs = {"window": 21, **kwargs}
    with pytest.raises(error, match=match):
        meanshift_segment(astronaut32, **kwargs)


def test_segment_bad_images():
    image = np.zeros((6, 6, 3))
    image[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        meanshift_segment(image)
    mask = np.ones((6, 6), bool)
    mask[1, 1] = False
    assert meanshift_segment(image, mask=mask)[1, 1] == 0  # NaN outside the mask is fine
    with pytest.raises(ValueError, match="empty"):
        meanshift_segment(np.zeros((0, 4, 3)))
    with pytest.raises(ValueError, match="channel_axis=None"):
        meanshift_segment(np.zeros((6, 6)))


@pytest.mark.parametrize("X, kwargs, error, match", [
    ([[0.0, 1.0]], dict(window=0), ValueError, "window"),
    ([[0.0, np.nan]], dict(window=1), ValueError, "X"),
    (np.zeros((0, 2)), dict(window=1), ValueError, "X"),
    ([0.0, 1.0], dict(window=1), ValueError, "X"),
    ([["a"]], dict(window=1), TypeError, "X"),
    ([[0.0, 1.0]], dict(window=1, seeds=[[0.0]]), ValueError, "seeds"),
    ([[0.0, 1.0]], dict(window=1, sample_weight=[-1.0]), ValueError, "sample_weight"),
    ([[0.0, 1.0]], dict(window=1, bin_seeding="no"), TypeError, "bin_seeding"),
])
def test_engine_bad_arguments(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        mean_shift(X, **kwargs)


def test_estimate_window_bad_arguments():
    with pytest.raises(ValueError, match="quantile"):
        estimate_window([[0.0], [1.0]], quantile=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        estimate_window([[0.0], [1.0]], n_samples=0)


def test_memory_limit_refuses_clearly(monkeypatch):
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", "1000")
    with pytest.raises(MemoryError, match="GiB.*bin_seeding"):
        mean_shift(np.arange(200.0)[:, None], 3)
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", "20000")  # the pixel features fit
    with pytest.raises(ValueError, match="GiB.*mask or a smaller image"):
        meanshift_segment(np.zeros((20, 20, 3)), 5)


@pytest.mark.parametrize("window", [15, (8, 30)])
def test_two_channel_lattice_equals_grid(window, monkeypatch):
    # The lattice kernel takes 1 or 3 channels: two climb as three with a zero third.
    image = np.round(np.random.default_rng(0).normal(100, 30, (20, 24, 2)))
    lattice, info = meanshift_segment(image, window, return_info=True)
    monkeypatch.setattr(_meanshift, "LATTICE_MAX_BOX", 0)  # force the grid over feature space
    grid, grid_info = meanshift_segment(image, window, return_info=True)
    assert (info.path, grid_info.path) == ("lattice", "grid")
    np.testing.assert_array_equal(lattice, grid)
    np.testing.assert_allclose(info.centers, grid_info.centers, atol=1e-9)
