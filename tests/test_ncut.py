import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

import naive
from classicseg import (
    ConvergenceWarning,
    NcutResult,
    affinity_graph,
    ncut_partition,
    ncut_segment,
    ncut_value,
    pixel_features,
)
from classicseg import _ncut, _pixel_graph, _spectral
from classicseg._kernels.ncut import cut_profile, side_components
from classicseg._kernels.spectral import heavy_edge_matching
from conftest import block_image, outputs_per_thread_count


def two_regions(shape=(24, 32), noise=6.0, seed=0):
    """Left / right halves at grey levels 60 and 180 plus noise; the truth mask of the right."""
    rng = np.random.default_rng(seed)
    truth = np.zeros(shape, dtype=bool)
    truth[:, shape[1] // 2 + 3:] = True
    return np.where(truth, 180.0, 60.0) + rng.normal(scale=noise, size=shape), truth


def agreement(labels, truth):
    """Share of pixels on which ``labels`` matches ``truth`` after the best 1-to-1 relabelling."""
    from scipy.optimize import linear_sum_assignment

    _, seg = np.unique(labels, return_inverse=True)
    _, gt = np.unique(truth, return_inverse=True)
    table = np.zeros((seg.max() + 1, gt.max() + 1))
    np.add.at(table, (seg.ravel(), gt.ravel()), 1)
    rows, cols = linear_sum_assignment(-table)
    return table[rows, cols].sum() / labels.size


def random_block_graph(rng, sizes, inside=(0.5, 1.0), between=(0.0, 0.1)):
    """A dense symmetric affinity with strong weights inside blocks and weak ones between."""
    block = np.repeat(np.arange(len(sizes)), sizes)
    n = block.size
    W = np.where(block[:, None] == block[None, :], rng.uniform(*inside, (n, n)),
                 rng.uniform(*between, (n, n)))
    W = np.triu(W, 1)
    return W + W.T, block


# ---------------------------------------------------------------- the affinity graph


@pytest.mark.parametrize("radius", [1, 2, 3])
@pytest.mark.parametrize("color", [False, True])
def test_affinity_graph_matches_naive(radius, color):
    rng = np.random.default_rng(radius)
    img = rng.uniform(0, 255, size=(7, 9, 3) if color else (7, 9))
    channel_axis = -1 if color else None
    feat = pixel_features(img, "lab" if color else "gray", channel_axis=channel_axis,
                          data_range=255)
    W = affinity_graph(img, radius=radius, sigma_color=20.0, sigma_space=2.5, data_range=255,
                       channel_axis=channel_axis)
    expected = naive.affinity_graph(feat, img.shape[:2], radius, 20.0, 2.5)
    np.testing.assert_allclose(W.toarray(), expected, rtol=1e-6, atol=0)
    assert isinstance(W, scipy.sparse.csr_array) and W.has_sorted_indices


@pytest.mark.parametrize(("radius", "neighbours"), [(1.2, 6), (1.5, 18), (2, 26)])
def test_volume_graph_matches_naive_with_spacing(radius, neighbours):
    rng = np.random.default_rng(3)
    vol = rng.uniform(0, 255, size=(4, 5, 6))
    mask = rng.random(vol.shape) > 0.2
    spacing = (2.0, 1.0, 0.5)
    W = affinity_graph(vol, radius=radius, sigma_color=30.0, sigma_space=2.0, data_range=255,
                       channel_axis=None, mask=mask, spacing=spacing)
    feat = pixel_features(vol, "gray", channel_axis=None, data_range=255, mask=mask)
    expected = naive.affinity_graph(feat, vol.shape, radius, 30.0, 2.0, mask=mask,
                                    spacing=spacing)
    np.testing.assert_allclose(W.toarray(), expected, rtol=1e-6, atol=0)
    full = affinity_graph(vol, radius=radius, channel_axis=None)
    interior = np.ravel_multi_index((2, 2, 2), vol.shape)
    assert full.indptr[interior + 1] - full.indptr[interior] == neighbours + 1  # and itself


@pytest.mark.parametrize("coarse", [False, True])
def test_volume_segments_follow_a_blob(monkeypatch, coarse):
    # A cell in a noisy volume with anisotropic voxels: the 6-neighbourhood graph cuts it out.
    # Its faces lie between blocks of 2 voxels, which the coarse path can follow exactly.
    blob = np.zeros((8, 20, 20), dtype=bool)
    blob[2:6, 4:14, 6:16] = True
    vol = np.where(blob, 40000, 8000) + np.random.default_rng(0).normal(0, 1500, blob.shape)
    vol = vol.astype(np.uint16)
    if coarse:
        # Blocks of 2 voxels along each axis: 400 vertices, joined through the voxels' 6-neighbourhood.
        monkeypatch.setattr(_ncut, "COARSE_VERTICES", 400)
    labels, info = ncut_segment(vol, 2, radius=1.2, channel_axis=None, spacing=(2, 1, 1), rng=0,
                                return_info=True)
    assert info.path == ("coarse" if coarse else "pixel") and labels.shape == vol.shape
    assert info.n_vertices == (400 if coarse else vol.size)
    assert agreement(labels, blob.astype(int)) >= 0.999


def test_affinity_graph_with_mask_and_default_sigma():
    img, _ = two_regions((10, 12))
    mask = np.ones(img.shape, bool)
    mask[3:6, 2:9] = False
    W = affinity_graph(img, radius=3, channel_axis=None, mask=mask)
    feat = pixel_features(img, "gray", channel_axis=None, mask=mask)
    sigma = 0.2 * feat.std()  # the documented default: 0.2 of the features' spread
    expected = naive.affinity_graph(feat, img.shape, 3, sigma, 4.0, mask=mask)
    np.testing.assert_allclose(W.toarray(), expected, rtol=1e-5, atol=0)


def test_affinity_graph_is_exactly_symmetric_with_unit_self_loops():
    img = np.random.default_rng(1).integers(0, 256, size=(16, 20, 3), dtype=np.uint8)
    W = affinity_graph(img, radius=4)
    assert (W != W.T).nnz == 0
    np.testing.assert_array_equal(W.diagonal(), 1.0)
    assert W.data.min() >= _pixel_graph.WEIGHT_FLOOR and W.data.max() <= 1.0


def test_affinity_graph_and_segments_same_for_one_and_two_threads():
    one, two = outputs_per_thread_count("""
        from classicseg import affinity_graph, ncut_segment
        img = np.random.default_rng(2).uniform(size=(30, 25, 3))
        W = affinity_graph(img, radius=3)
        digest(W.indptr, W.indices, W.data)
        img = np.random.default_rng(8).uniform(size=(30, 34, 3))
        digest(ncut_segment(img, 5, rng=3))
    """)
    assert len(one) == 2 and one == two


def test_affinity_graph_refuses_a_graph_larger_than_the_limit(monkeypatch):
    monkeypatch.setattr(_pixel_graph, "MAX_GRAPH_BYTES", 10_000)
    with pytest.raises(ValueError, match="MAX_GRAPH_BYTES"):
        affinity_graph(np.zeros((40, 40)), channel_axis=None)


# ---------------------------------------------------------------- Ncut values


def test_ncut_value_by_hand():
    W = np.array([[1, 3, 1, 0], [3, 1, 0, 1], [1, 0, 1, 3], [0, 1, 3, 1]], dtype=float)
    # degrees 5, 5, 5, 5; cut({0,1},{2,3}) = 2: 2/10 + 2/10
    assert ncut_value(W, [0, 0, 1, 1]) == pytest.approx(0.4)
    assert ncut_value(scipy.sparse.csr_array(W), [7, 7, -2, -2]) == pytest.approx(0.4)
    # three segments {0,1}, {2}, {3}: cuts 2, 4, 4 over assocs 10, 5, 5
    assert ncut_value(W, [0, 0, 1, 2]) == pytest.approx(2 / 10 + 4 / 5 + 4 / 5)
    assert ncut_value(W, [0, 0, 0, 0]) == 0.0


def test_ncut_value_two_way_equals_the_kway_sum():
    rng = np.random.default_rng(3)
    W, _ = random_block_graph(rng, [4, 5])
    labels = rng.integers(0, 2, 9)
    a = labels == 0
    cut = W[a][:, ~a].sum()
    expected = cut / W[a].sum() + cut / W[~a].sum()
    assert ncut_value(W, labels) == pytest.approx(expected)


# ---------------------------------------------------------------- tiny graphs against brute force


@pytest.mark.parametrize("seed", range(6))
def test_spectral_split_is_the_minimum_on_separated_graphs(seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(3, 8)), int(rng.integers(3, 8))]
    W, block = random_block_graph(rng, sizes, between=(0.0, 0.02))
    best, best_a = naive.brute_force_ncut(W)
    res = ncut_partition(W, 2, min_split_size=1, rng=seed)
    assert res.ncut == pytest.approx(best, rel=1e-9)
    assert agreement(res.labels, best_a) == 1.0
    assert res.split_ncuts[0] == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_spectral_split_within_1_2_of_the_minimum_on_block_graphs(seed):
    rng = np.random.default_rng(100 + seed)
    n_blocks = int(rng.integers(2, 4))
    sizes = rng.multinomial(14 - 2 * n_blocks, np.ones(n_blocks) / n_blocks) + 2
    W, _ = random_block_graph(rng, sizes, inside=(0.2, 1.0), between=(0.0, 0.3))
    best, _ = naive.brute_force_ncut(W)
    res = ncut_partition(W, 2, min_split_size=1)
    assert best * (1 - 1e-12) <= res.ncut <= 1.2 * best


def test_eigenvectors_match_the_dense_generalised_problem():
    rng = np.random.default_rng(4)
    W, _ = random_block_graph(rng, [5, 4, 5], inside=(0.2, 1.0), between=(0.0, 0.2))
    D = np.diag(W.sum(axis=1))
    values, vectors = scipy.linalg.eigh(D - W, D)
    got_values, y = _spectral._eigenvectors(scipy.sparse.csr_array(W), 3,
                                            np.random.default_rng(0), _spectral._SolveLog())
    np.testing.assert_allclose(got_values, values[:3], atol=1e-10)
    for c in range(3):
        ref = vectors[:, c] / np.sqrt(vectors[:, c] @ D @ vectors[:, c])
        assert abs(ref @ D @ y[:, c]) == pytest.approx(1.0, abs=1e-8)
        assert y[np.abs(y[:, c]).argmax(), c] > 0  # the sign convention


def test_multilevel_eigenvectors_close_to_the_dense_solution():
    # A 36x36 pixel graph: coarsened below DENSE_SIZE, prolonged and refined back.
    img, _ = block_image((36, 36), noise=20.0, seed=5)
    W = affinity_graph(img, radius=2, sigma_color=40.0, data_range=255, channel_axis=None)
    assert W.shape[0] > _spectral.DENSE_SIZE
    Wd = W.toarray()
    degree = Wd.sum(axis=1)
    D = np.diag(degree)
    values, vectors = scipy.linalg.eigh(D - Wd, D, subset_by_index=[0, 2])
    log = _spectral._SolveLog()
    got_values, y = _spectral._eigenvectors(W, 3, np.random.default_rng(0), log)
    # Ritz values bound the eigenvalues from above; the refinement gets close.
    assert np.all(got_values[1:] >= values[1:] * (1 - 1e-9))
    np.testing.assert_array_less(got_values[1:], 4 * values[1:])
    cosines = scipy.linalg.svdvals(vectors[:, 1:].T @ D @ y[:, 1:])
    assert cosines.min() > 0.9
    # What matters downstream: the split of the approximate vector is as good as the exact one's.
    exact, _ = _ncut._best_split(W, degree, vectors[:, 1], 1)
    approx, _ = _ncut._best_split(W, degree, y[:, 1], 1)
    assert approx <= 1.05 * exact


def test_sparse_block_product_and_orthonormal_basis_match_scipy_and_numpy():
    rng = np.random.default_rng(7)
    W = scipy.sparse.random_array((60, 60), density=0.1, rng=rng, format="csr")
    X = rng.standard_normal((60, 5))
    np.testing.assert_allclose(_spectral._product(W, X), W @ X, rtol=1e-12, atol=1e-14)
    w = rng.standard_normal((50, 6)) * [1, 10, 100, 1, 1e-3, 1]
    q, r = _spectral._orthonormal_basis(w)
    np.testing.assert_allclose(q.T @ q, np.eye(6), atol=1e-13)
    np.testing.assert_allclose(r, np.triu(r), atol=0)
    np.testing.assert_allclose(q @ r, w, atol=1e-12)
    householder = np.linalg.qr(w)[0]  # the same column space
    np.testing.assert_allclose(q @ q.T, householder @ householder.T, atol=1e-12)
    w[:, 5] = w[:, 0] + 1e-9 * rng.standard_normal(50)  # nearly dependent: Householder QR
    q, r = _spectral._orthonormal_basis(w)
    assert r is None
    np.testing.assert_allclose(q.T @ q, np.eye(6), atol=1e-13)


def test_sparse_block_product_same_for_one_and_two_threads():
    one, two = outputs_per_thread_count("""
        import scipy.sparse
        from classicseg import _spectral
        rng = np.random.default_rng(3)
        W = scipy.sparse.random_array((20000, 20000), density=5e-4, rng=rng, format="csr")
        X = rng.standard_normal((20000, 20))
        assert W.nnz * X.shape[1] >= 2 * _spectral.PRODUCT_CHUNK  # two threads do run
        digest(_spectral._product(W, X))
    """)
    assert len(one) == 1 and one == two


@pytest.mark.parametrize("min_share", [0.0, 0.01, 0.6])
def test_heavy_edge_matching_and_quotient_match_naive(min_share):
    rng = np.random.default_rng(6)
    W, _ = random_block_graph(rng, [6, 5, 7], between=(0.0, 0.4))
    W[W < 0.2] = 0.0
    Ws = scipy.sparse.csr_array(W)
    degree = W.sum(axis=1)
    aggregate = np.empty(len(W), dtype=np.int64)
    n_coarse = heavy_edge_matching(Ws.indptr.astype(np.int64), Ws.indices.astype(np.int32),
                                   Ws.data, degree, aggregate, min_share)
    expected, expected_n = naive.heavy_edge_matching(W, degree, min_share)
    np.testing.assert_array_equal(aggregate, expected)
    assert n_coarse == expected_n
    Q = _spectral._quotient(Ws, aggregate, n_coarse)
    np.testing.assert_allclose(Q.toarray(), naive.quotient_graph(W, aggregate, n_coarse),
                               rtol=1e-12)


def test_cut_profile_matches_naive():
    rng = np.random.default_rng(11)
    W, _ = random_block_graph(rng, [4, 6, 3])
    W[rng.random(W.shape) < 0.3] = 0.0
    W = np.maximum(W, W.T) + np.eye(len(W))  # symmetric, with self-loops (never cut)
    Ws = scipy.sparse.csr_array(W)
    rank = rng.permutation(len(W)).astype(np.int64)
    np.testing.assert_allclose(cut_profile(Ws.indptr, Ws.indices, Ws.data, rank),
                               naive.cut_profile(W, rank), rtol=1e-12, atol=1e-12)


def test_side_components_match_naive():
    rng = np.random.default_rng(12)
    W = (rng.random((30, 30)) < 0.08).astype(float)
    W = np.maximum(W, W.T)
    side = rng.random(30) < 0.5
    Ws = scipy.sparse.csr_array(W)
    piece, size = side_components(Ws.indptr, Ws.indices, side)
    np.testing.assert_array_equal(size[piece], naive.side_components(W, side))
    # pieces never mix sides
    assert all(len(set(side[piece == p])) == 1 for p in np.unique(piece))


# ---------------------------------------------------------------- images


@pytest.mark.parametrize("method", ["recursive", "kway"])
def test_two_region_image_splits_along_its_edge(method):
    img, truth = two_regions()
    labels, info = ncut_segment(img, 2, channel_axis=None, method=method, rng=0,
                                return_info=True)
    assert agreement(labels, truth) >= 0.99
    assert info.path == "pixel" and info.n_segments == 2 and info.method == method


@pytest.mark.parametrize("method", ["recursive", "kway"])
def test_four_blocks_give_four_segments(method):
    img, truth = block_image((24, 30), channels=3, noise=4.0)
    labels = ncut_segment(img / 255, 4, method=method, rng=0)
    assert np.unique(labels).size == 4
    assert agreement(labels, truth) >= 0.99


def test_threshold_without_n_segments_finds_the_blocks_and_keeps_a_flat_image_whole():
    img, truth = block_image((24, 30), noise=3.0)
    labels, info = ncut_segment(img, channel_axis=None, return_info=True)
    assert agreement(labels, truth) >= 0.99 and info.n_segments == 4
    assert np.all(info.split_ncuts < 0.002)
    with pytest.warns(ConvergenceWarning, match="single segment"):
        flat = ncut_segment(np.full((20, 24), 0.5), channel_axis=None)
    assert np.unique(flat).tolist() == [1]


def test_constant_image_splits_on_request_without_error():
    labels, info = ncut_segment(np.zeros((16, 18, 3)), 3, rng=0, return_info=True)
    assert np.unique(labels).tolist() == [1, 2, 3] and info.path == "pixel"


def test_mask_with_two_islands_is_split_between_them_at_ncut_zero():
    img = np.random.default_rng(7).normal(0.5, 0.02, size=(20, 30))
    mask = np.zeros(img.shape, bool)
    mask[2:10, 2:12] = True
    mask[8:18, 18:28] = True
    img[~mask] = np.nan  # never read outside the mask
    labels, info = ncut_segment(img, 2, channel_axis=None, mask=mask, return_info=True)
    assert np.all(labels[~mask] == 0)
    assert np.unique(labels[2:10, 2:12]).tolist() == [1]
    assert np.unique(labels[8:18, 18:28]).tolist() == [2]
    assert info.split_ncuts.tolist() == [0.0] and info.ncut == 0.0


def test_disconnected_graph_with_more_components_than_segments():
    W = scipy.sparse.block_diag([np.ones((3, 3)), np.ones((4, 4)), np.ones((2, 2))])
    for method in ("recursive", "kway"):
        res = ncut_partition(W, 2, method=method)
        assert res.ncut == 0.0 and res.n_segments == 2
        assert len(set(res.labels[3:7])) == 1 and len(set(res.labels[:3])) == 1


def test_deterministic_under_rng():
    # (thread counts: test_affinity_graph_and_segments_same_for_one_and_two_threads)
    img = np.random.default_rng(8).uniform(size=(30, 34, 3))
    k1 = ncut_segment(img, 4, method="kway", rng=np.random.default_rng(9))
    k2 = ncut_segment(img, 4, method="kway", rng=np.random.default_rng(9))
    np.testing.assert_array_equal(k1, k2)


def test_result_fields_and_ncut_value_on_the_graph():
    img, _ = block_image((20, 24), noise=8.0, seed=3)
    W = affinity_graph(img, radius=3, channel_axis=None)
    res = ncut_partition(W, 3)
    assert isinstance(res, NcutResult)
    assert res.labels.dtype == np.intp and res.labels.min() == 0 and res.labels.max() == 2
    assert res.ncut == pytest.approx(naive.partition_ncut(W, res.labels))
    assert res.split_ncuts.shape == (2,) and res.n_solves == len(res.eigenvalues) >= 1
    assert res.path == "graph" and res.n_vertices == 480 and res.n_edges == W.nnz


def test_every_reported_path_is_in_the_documented_set(monkeypatch):
    img, _ = two_regions((12, 16))
    reported = {
        "graph": ncut_partition(affinity_graph(img, channel_axis=None), 2, rng=0),
        "pixel": ncut_segment(img, 2, channel_axis=None, return_info=True)[1],
        "superpixel": ncut_segment(img, 2, channel_axis=None, return_info=True,
                                   superpixels=np.arange(12 * 16).reshape(12, 16) // 8)[1],
    }
    monkeypatch.setattr(_pixel_graph, "MAX_GRAPH_BYTES", _pixel_graph.graph_bytes(img.size, 5) // 3)
    reported["coarse"] = ncut_segment(img, 2, channel_axis=None, return_info=True)[1]
    for expected, res in reported.items():
        assert res.path == expected and res.path in _ncut.PATHS
    assert set(reported) == set(_ncut.PATHS)  # none unused


def test_coarse_path_when_the_pixel_graph_does_not_fit(monkeypatch):
    img, truth = two_regions((40, 48))
    W = affinity_graph(img, channel_axis=None)
    monkeypatch.setattr(_pixel_graph, "MAX_GRAPH_BYTES", _pixel_graph.graph_bytes(img.size, 5) // 3)
    labels, info = ncut_segment(img, 2, channel_axis=None, return_info=True)
    assert info.path == "coarse" and info.n_vertices < img.size / 3
    assert labels.shape == img.shape
    assert agreement(labels, truth) >= 0.97
    # The blocks' graph is the quotient of the pixel graph: the same Ncut for their partition.
    assert info.ncut == pytest.approx(naive.partition_ncut(W, labels), rel=1e-9)


@pytest.mark.parametrize("shape, factor, radius, spacing, masked", [
    ((13, 17), 2, 3, None, False), ((13, 17), 3, 5, None, True), ((5, 7, 9), 2, 1.2, (2, 1, 1), True),
    ((6, 8, 7), 3, 2, None, False)])
def test_block_graph_is_the_quotient_of_the_pixel_graph(shape, factor, radius, spacing, masked):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, size=shape).astype(np.float64)
    mask = rng.random(shape) > 0.3 if masked else None
    W = affinity_graph(img, radius=radius, sigma_color=30.0, channel_axis=None, spacing=spacing,
                       mask=mask, data_range=255).toarray()
    assert (W[W > 0] > 1e-3).mean() > 0.1  # not only floor weights
    feat = pixel_features(img, "gray", channel_axis=None, mask=mask, data_range=255).T.copy()
    vertex = _pixel_graph._vertex_ids(shape, mask)
    Q, block = _pixel_graph._block_graph(vertex, feat, factor, radius, 30.0, 4.0, spacing)
    # The blocks by their place in the image, numbered in raster order among those in the mask.
    place = np.ravel_multi_index(np.ix_(*(np.arange(n) // factor for n in shape)),
                                 tuple(-(-n // factor) for n in shape))
    expected = np.unique(place if mask is None else place[mask], return_inverse=True)[1].ravel()
    np.testing.assert_array_equal(block, expected)
    np.testing.assert_allclose(Q.toarray(), naive.quotient_graph(W, expected, Q.shape[0]),
                               rtol=1e-12, atol=0)
    assert abs(Q - Q.T).max() == 0


def test_images_larger_than_coarse_vertices_take_the_coarse_path(monkeypatch):
    img, truth = two_regions((40, 48))
    monkeypatch.setattr(_ncut, "COARSE_VERTICES", img.size // 4)
    labels, info = ncut_segment(img, 2, channel_axis=None, return_info=True)
    assert info.path == "coarse" and info.n_vertices == img.size // 4  # blocks of 2 x 2
    assert agreement(labels, truth) >= 0.97
    monkeypatch.setattr(_ncut, "COARSE_VERTICES", img.size)
    assert ncut_segment(img, 2, channel_axis=None, return_info=True)[1].path == "pixel"


def test_superpixel_graph_is_the_quotient_of_the_pixel_graph(monkeypatch):
    img, truth = block_image((24, 30), noise=10.0, seed=4)
    superpixels = (np.arange(24)[:, None] // 3) * 10 + np.arange(30)[None, :] // 3
    W = affinity_graph(img, radius=3, channel_axis=None)
    # A small limit forces the quotient to be accumulated over several stripes of rows.
    monkeypatch.setattr(_pixel_graph, "MAX_GRAPH_BYTES", _pixel_graph.graph_bytes(30, 3) * 16)
    labels, info = ncut_segment(img, 4, radius=3, channel_axis=None, superpixels=superpixels,
                                superpixel_graph="quotient", return_info=True)
    assert info.path == "superpixel" and info.n_vertices == 80
    # Ncut on the superpixel graph equals Ncut of the same partition on the pixel graph.
    assert info.ncut == pytest.approx(naive.partition_ncut(W, labels), rel=1e-9)
    assert agreement(labels, truth) >= 0.99


def test_quotient_superpixel_graph_is_p_transpose_w_p():
    img, _ = block_image((12, 15), noise=10.0, seed=5)
    superpixels = (np.arange(12)[:, None] // 3) * 5 + np.arange(15)[None, :] // 3
    vertex = np.arange(img.size).reshape(img.shape)
    feat = pixel_features(img, "gray", channel_axis=None).reshape(1, -1).astype(np.float32)
    Q = _pixel_graph._superpixel_graph(vertex, feat, superpixels.ravel(), 20, 3, 25.0, 4.0)
    W = affinity_graph(img, radius=3, sigma_color=25.0, channel_axis=None)
    np.testing.assert_allclose(Q.toarray(), naive.quotient_graph(W.toarray(), superpixels.ravel(),
                                                                  20), rtol=1e-12)


def test_region_affinity_by_hand():
    regions = np.array([[0, 0, 1], [2, 2, 1]])
    features = np.array([[1.0, 3, 10], [5, 5, 12]])[..., None]
    boundary = np.array([[0.0, 2, 4], [0, 0, 6]])
    W = _pixel_graph.region_affinity(regions, features, boundary, 10.0, 4.0).toarray()
    # Means 2, 11, 5; borders: 0|1 one pair (bbar 3), 0|2 two pairs (bbar 0.5), 1|2 one (bbar 3);
    # one inner pair per region, counted both ways.
    w01 = np.exp(-81 / 100 - 9 / 16)
    w02 = 2 * np.exp(-9 / 100 - 0.25 / 16)
    w12 = np.exp(-36 / 100 - 9 / 16)
    expected = np.array([[2, w01, w02], [w01, 2, w12], [w02, w12, 2]])
    np.testing.assert_allclose(W, expected, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 6))
def test_region_affinity_matches_naive(seed, n_regions):
    rng = np.random.default_rng(seed)
    regions = rng.integers(0, n_regions, (7, 9))
    regions[rng.random((7, 9)) < 0.15] = -1  # outside the mask
    regions[0, 0] = n_regions - 1
    _, regions_c = np.unique(regions, return_inverse=True)
    regions = np.where(regions < 0, -1, regions_c.reshape(7, 9) - (regions.min() < 0))
    features = rng.normal(size=(7, 9, 2)) * 10
    boundary = rng.random((7, 9)) * 20
    W = _pixel_graph.region_affinity(regions, features, boundary, 12.0, 15.0)
    expected = naive.region_affinity(regions, features, boundary, 12.0, 15.0)
    np.testing.assert_allclose(W.toarray(), expected, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("n_segments", [None, 4])
@pytest.mark.parametrize(("shape", "tile", "channels", "features"),
                         [((96, 120), 12, None, None), ((48, 60), 6, 3, "lab")])
def test_regions_graph_finds_the_four_blocks(shape, tile, channels, features, n_segments):
    # The default features are smoothed by 4 pixels: on the small image, Lab itself.
    img, truth = block_image(shape, noise=4.0, channels=channels, seed=6)
    superpixels = (np.arange(shape[0])[:, None] // tile) * 100 + np.arange(shape[1]) // tile
    labels, info = ncut_segment(img.astype(np.uint8), n_segments, features=features,
                                superpixels=superpixels, rng=0,
                                channel_axis=None if channels is None else -1, return_info=True)
    assert info.path == "superpixel" and info.n_vertices == 80
    assert info.n_segments == 4 and agreement(labels, truth) == 1.0


def test_ncut_on_fused_regions_in_one_call():
    img, truth = two_regions((48, 64))
    img = img.clip(0, 255).astype(np.uint8)
    labels, info = ncut_segment(img, superpixels="hierarchy", channel_axis=None, rng=0,
                                return_info=True)
    assert info.path == "superpixel" and 2 <= info.n_vertices <= 200
    assert info.n_segments == 2 and agreement(labels, truth) >= 0.95
    with pytest.raises(ValueError, match="superpixels"):
        ncut_segment(img, superpixels="slic", channel_axis=None)


@pytest.mark.parametrize("superpixels", [False, True])
def test_single_segment_warns_and_names_the_parameter(superpixels):
    img = np.random.default_rng(7).normal(128, 3, (18, 21))
    sp = (np.arange(18)[:, None] // 3) * 7 + np.arange(21)[None, :] // 3 if superpixels else None
    with pytest.warns(ConvergenceWarning, match="single segment.*raise thresh or pass n_segments"):
        labels = ncut_segment(img, channel_axis=None, thresh=1e-9, superpixels=sp, rng=0)
    assert np.unique(labels).tolist() == [1]


def test_inputs_not_modified_and_labels_layout():
    img = np.random.default_rng(10).integers(0, 256, size=(3, 12, 14), dtype=np.uint8)
    mask = np.ones((12, 14), bool)
    mask[:, :2] = False
    img0, mask0 = img.copy(), mask.copy()
    labels = ncut_segment(img, 3, channel_axis=0, mask=mask, start_label=0)
    np.testing.assert_array_equal(img, img0)
    np.testing.assert_array_equal(mask, mask0)
    assert labels.dtype == np.intp and labels.shape == (12, 14)
    assert np.all(labels[:, :2] == -1) and set(np.unique(labels[mask])) == {0, 1, 2}
    W = affinity_graph(img, channel_axis=0)
    W0 = W.copy()
    ncut_partition(W, 2)
    assert (W != W0).nnz == 0


def test_fewer_segments_than_asked_warns():
    W = np.ones((4, 4))
    with pytest.warns(ConvergenceWarning, match="fewer than n_segments"):
        res = ncut_partition(W, 4, min_split_size=2)
    assert res.n_segments == 2


@settings(max_examples=15, deadline=None)
@given(st.integers(6, 16), st.integers(6, 16), st.integers(1, 6), st.integers(0, 2**16),
       st.sampled_from(["recursive", "kway"]))
def test_properties(h, w, k, seed, method):
    img = np.random.default_rng(seed).uniform(size=(h, w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels, info = ncut_segment(img, k, channel_axis=None, radius=2, min_split_size=1,
                                    method=method, rng=seed, return_info=True)
        again = ncut_segment(img, k, channel_axis=None, radius=2, min_split_size=1, method=method,
                             rng=seed)
    assert labels.shape == (h, w) and labels.dtype == np.intp
    assert labels.min() == 1 and labels.max() == info.n_segments <= k
    assert info.n_segments == np.unique(labels).size
    np.testing.assert_array_equal(labels, again)
    assert 0.0 <= info.ncut <= info.n_segments


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"radius": 0}, ValueError, "radius"),
        ({"radius": 0.5}, ValueError, "radius"),
        ({"radius": "3"}, TypeError, "radius"),
        ({"spacing": (1.0, 2.0, 1.0)}, ValueError, "spacing"),
        ({"sigma_color": 0.0}, ValueError, "sigma_color"),
        ({"sigma_space": -1.0}, ValueError, "sigma_space"),
        ({"n_segments": 0}, ValueError, "n_segments"),
        ({"n_segments": 10 * 12 + 1}, ValueError, "n_segments"),
        ({"method": "spectral"}, ValueError, "method"),
        ({"method": "kway"}, ValueError, "n_segments"),
        ({"thresh": -0.1}, ValueError, "thresh"),
        ({"min_split_size": 0}, ValueError, "min_split_size"),
        ({"rng": "seed"}, TypeError, "rng"),
        ({"start_label": 2}, ValueError, "start_label"),
        ({"superpixels": np.zeros((3, 3), int)}, ValueError, "superpixels"),
        ({"superpixels": np.zeros((10, 12))}, TypeError, "superpixels"),
        ({"superpixels": np.zeros((10, 12), int), "superpixel_graph": "pixels"}, ValueError,
         "superpixel_graph"),
        ({"sigma_edge": 0.0}, ValueError, "sigma_edge"),
        ({"channel_axis": -1}, ValueError, "channel_axis=None"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    kwargs = {"channel_axis": None, **kwargs}
    with pytest.raises(error, match=match):
        ncut_segment(np.zeros((10, 12)), **kwargs)


def test_bad_images_and_graphs():
    img = np.zeros((10, 12))
    img[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ncut_segment(img, 2, channel_axis=None)
    with pytest.raises(ValueError, match="2-D or 3-D"):
        ncut_segment(np.zeros((3, 5, 6, 7)), 2, channel_axis=None)
    with pytest.raises(ValueError, match="symmetric"):
        ncut_partition(np.triu(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="non-negative"):
        ncut_partition(-np.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="NaN"):
        ncut_partition(np.full((3, 3), np.nan), 2)
    with pytest.raises(ValueError, match="square"):
        ncut_partition(np.ones((3, 4)), 2)
    with pytest.raises(TypeError, match="W"):
        ncut_partition(np.array([["a"]]), 1)
    with pytest.raises(ValueError, match="labels"):
        ncut_value(np.ones((3, 3)), [0, 1])
    with pytest.raises(TypeError, match="labels"):
        ncut_value(np.ones((3, 3)), [0.0, 1.0, 1.0])


def test_star_graph_that_cannot_be_coarsened_is_solved_by_lobpcg():
    # Heavy-edge matching pairs the hub with one leaf and stalls: LOBPCG from a seeded block.
    n = 2 * _spectral.DENSE_SIZE
    W = scipy.sparse.lil_array((n, n))
    W[0, 1:] = 1.0
    W[1:, 0] = 1.0
    W.setdiag(1.0)
    W[1, 2] = W[2, 1] = 5.0  # one pair of leaves strongly tied
    W = W.tocsr()
    assert _spectral._coarsen(W, W.sum(axis=1)) is None
    D = np.diag(W.sum(axis=1))
    values = scipy.linalg.eigh(D - W.toarray(), D, subset_by_index=[0, 1])[0]
    log = _spectral._SolveLog()
    got, _ = _spectral._eigenvectors(W, 2, np.random.default_rng(0), log)
    np.testing.assert_allclose(got, values, atol=1e-6)
    assert log.n_iter > 0
    a = ncut_partition(W, 2, rng=1)
    np.testing.assert_array_equal(a.labels, ncut_partition(W, 2, rng=1).labels)
