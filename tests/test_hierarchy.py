"""Tests of classicseg.hierarchy: region graphs, merge trees, cuts and contour maps.

Oracles: a pixel-by-pixel region graph (tests/naive.py), Higra's average-linkage
binary partition tree, SciPy's ``fcluster`` on the linkage matrix, connected
components of the UCM thresholds, and BSDS ucm2 maps written from their definition.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi
from scipy.cluster.hierarchy import fcluster
from skimage import measure

import naive
from naive import same_partition
from classicseg import Hierarchy, merge_hierarchy, region_graph
from classicseg.hierarchy import leaf_regions

hg = pytest.importorskip("higra")


def blocky_labels(shape, block, n_values, seed):
    """Labels constant on blocks of ``block`` pixels, few values: many connected components."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, n_values, [-(-s // block) for s in shape])
    for axis in range(len(shape)):
        coarse = np.repeat(coarse, block, axis=axis)
    return coarse[tuple(slice(0, s) for s in shape)]


def higra_tree(labels, boundary):
    """Higra's chain: pixel graph, mean edge weights, RAG, boundary sums and lengths, average linkage."""
    graph = hg.get_nd_regular_graph(labels.shape, hg.mask_2_neighbours(
        ndi.generate_binary_structure(labels.ndim, 1).astype(np.int64)))
    weights = hg.weight_graph(graph, boundary, hg.WeightFunction.mean)
    rag = hg.make_region_adjacency_graph_from_labelisation(graph, labels)
    total = hg.rag_accumulate_on_edges(rag, hg.Accumulators.sum, weights)
    length = hg.rag_accumulate_on_edges(rag, hg.Accumulators.sum, np.ones_like(weights))
    tree, altitudes = hg.binary_partition_tree_average_linkage(rag, total / length, length)
    return rag, tree, altitudes


# --------------------------------------------------------------------------
# region_graph


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([(7, 9), (4, 5, 6), (30,)]), st.integers(1, 3))
def test_region_graph_equals_pixel_by_pixel_count(seed, shape, connectivity):
    rng = np.random.default_rng(seed)
    connectivity = min(connectivity, len(shape))
    labels = rng.choice(np.array([-5, 3, 7, 1000]), size=shape)
    boundary = rng.random(shape).astype(np.float32)
    g = region_graph(labels, boundary, connectivity=connectivity)
    expected = naive.region_graph(labels, boundary.astype(np.float64), connectivity)
    assert [tuple(p) for p in g.pairs.tolist()] == sorted(expected)
    np.testing.assert_array_equal(g.length, [expected[tuple(p)][0] for p in g.pairs.tolist()])
    np.testing.assert_allclose(g.boundary_sum, [expected[tuple(p)][1] for p in g.pairs.tolist()])
    np.testing.assert_allclose(g.boundary_mean, g.boundary_sum / g.length)
    np.testing.assert_array_equal(g.labels, np.unique(labels))
    np.testing.assert_array_equal(g.sizes, [np.sum(labels == v) for v in g.labels])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6),
       st.sampled_from([(7, 9), (3, 2), (5, 1), (1, 6), (4, 5, 6), (2, 1, 3), (30,)]),
       st.integers(1, 3), st.booleans())
def test_leaves_are_skimage_connected_components(seed, shape, connectivity, masked):
    rng = np.random.default_rng(seed)
    connectivity = min(connectivity, len(shape))
    labels = rng.integers(-2, 1, shape)  # three values: components of every shape
    mask = None
    if masked:
        mask = rng.random(shape) > 0.2
        mask.flat[0] = True
    boundary = rng.random(shape)
    h = merge_hierarchy(labels, boundary=boundary, linkage="boundary",
                        connectivity=connectivity, mask=mask)
    shifted = labels + 3  # skimage's background is 0
    if masked:
        shifted[~mask] = 0
    expected = measure.label(shifted, background=0, connectivity=connectivity) - 1
    np.testing.assert_array_equal(h.leaves, expected)  # the same numbering: raster order
    np.testing.assert_array_equal(leaf_regions(labels, mask=mask, connectivity=connectivity),
                                  expected)
    # The first merge: the lowest mean boundary over the borders between leaves.
    borders = {p: e for p, e in naive.region_graph(expected, boundary, connectivity).items()
               if min(p) >= 0}
    if borders:
        assert h.altitudes[h.n_leaves] == pytest.approx(min(t / n for n, t in borders.values()))


def test_many_borders_grow_the_kernel_buffers():
    # Random labels: a border at most pixel pairs, far more than the kernel's
    # first buffers (1024 + pixels / 8 records) hold.
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 3, (90, 100))
    boundary = rng.random(labels.shape)
    for connectivity in (1, 2):
        g = region_graph(labels, boundary, connectivity=connectivity)
        expected = naive.region_graph(labels, boundary, connectivity)
        assert [tuple(p) for p in g.pairs.tolist()] == sorted(expected)
        np.testing.assert_allclose(g.boundary_sum,
                                   [expected[tuple(p)][1] for p in g.pairs.tolist()])
        h = merge_hierarchy(labels, boundary=boundary, linkage="boundary",
                            connectivity=connectivity)
        leaves = measure.label(labels + 1, connectivity=connectivity) - 1
        np.testing.assert_array_equal(h.leaves, leaves)
        borders = naive.region_graph(leaves, boundary, connectivity)
        assert h.altitudes[h.n_leaves] == pytest.approx(min(t / n for n, t in borders.values()))


def test_region_graph_takes_unusual_layouts_and_leaves_input_alone():
    labels = blocky_labels((12, 10), 2, 4, 1).astype(">u2")
    boundary = np.random.default_rng(0).random((12, 10))
    reference = region_graph(labels.astype(np.int64), boundary)
    for lab, bnd in ((np.asfortranarray(labels), boundary.astype(">f8")),
                     (labels[::1, ::-1][:, ::-1], boundary.astype(np.float16)),
                     (labels.astype(np.uint8), np.asfortranarray(boundary))):
        lab.flags.writeable = False
        bnd.flags.writeable = False
        g = region_graph(lab, bnd)
        np.testing.assert_array_equal(g.pairs, reference.pairs)
        np.testing.assert_allclose(g.boundary_sum, reference.boundary_sum, rtol=1e-3)
    assert region_graph(labels).boundary_sum is None
    h = merge_hierarchy(labels, boundary=boundary.astype(">f4"), linkage="boundary")
    assert h.n_leaves > 1



@pytest.mark.parametrize("dtype, ids", [(np.int8, (-100, 100, 0, 5)),
                                        (np.uint64, (2**64 - 1, 0, 2**63, 7))])
def test_region_graph_keeps_extreme_label_values(dtype, ids):
    labels = np.array(ids, dtype)[blocky_labels((12, 10), 2, 4, 1) % 4]
    g = region_graph(labels)
    assert g.labels.dtype == labels.dtype
    np.testing.assert_array_equal(g.labels, np.unique(labels))
    reference = region_graph(np.searchsorted(np.unique(labels), labels))
    np.testing.assert_array_equal(g.edges, reference.edges)
    np.testing.assert_array_equal(g.sizes, reference.sizes)

def test_two_python_threads_give_the_same_trees():
    from concurrent.futures import ThreadPoolExecutor

    labels = blocky_labels((40, 44), 2, 8, 9)
    boundaries = [np.random.default_rng(s).random(labels.shape) for s in range(4)]
    alone = [merge_hierarchy(labels, boundary=b, linkage="boundary") for b in boundaries]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda b: merge_hierarchy(labels, boundary=b,
                                                           linkage="boundary"), boundaries))
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a.parents, b.parents)
        np.testing.assert_array_equal(a.altitudes, b.altitudes)


def test_region_graph_bad_input_names_the_argument():
    labels = np.zeros((4, 4), int)
    with pytest.raises(TypeError, match="labels"):
        region_graph(labels.astype(float))
    with pytest.raises(ValueError, match="labels"):
        region_graph(np.zeros((0, 3), int))
    with pytest.raises(ValueError, match="boundary"):
        region_graph(labels, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="boundary"):
        region_graph(labels, np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="connectivity"):
        region_graph(labels, connectivity=3)


# --------------------------------------------------------------------------
# merge_hierarchy(linkage="boundary") against Higra


@pytest.mark.parametrize("shape, block", [((64, 72), 2), ((16, 16, 20), 2)])
def test_boundary_linkage_equals_higra_average_linkage(shape, block):
    labels = blocky_labels(shape, block, 40, seed=len(shape))
    boundary = np.random.default_rng(3).random(shape)
    h = merge_hierarchy(labels, boundary=boundary, linkage="boundary")
    rag, tree, altitudes = higra_tree(labels, boundary)
    assert h.n_leaves == tree.num_leaves() >= 500
    np.testing.assert_allclose(np.sort(h.altitudes), np.sort(altitudes), rtol=1e-12)
    for t in np.quantile(altitudes[tree.num_leaves():], [0.05, 0.3, 0.6, 0.9, 0.99]):
        theirs = hg.rag_back_project_vertex_weights(
            rag, hg.labelisation_horizontal_cut_from_threshold(tree, altitudes, t))
        assert same_partition(h.cut(t), theirs)


def test_boundary_linkage_small_case_by_hand():
    labels = np.array([[0, 0, 1, 1], [2, 2, 3, 3]])
    edge = np.array([[0, 0, 4, 4], [1, 1, 4, 4.0]])
    h = merge_hierarchy(labels, boundary=edge, linkage="boundary")
    # Borders: 0|2 two pairs of mean 0.5; 0|1 one pair (0 + 4) / 2 = 2; 2|3 one pair 2.5;
    # 1|3 two pairs of 4. After {0, 2} and then 1: {0, 1, 2}|3 is (2.5 + 4 + 4) / 3.
    np.testing.assert_allclose(h.altitudes, [0, 0, 0, 0, 0.5, 2.0, 3.5])
    assert h.cut(1.0).tolist() == [[1, 1, 2, 2], [1, 1, 3, 3]]
    assert h.cut(n_regions=2).tolist() == [[1, 1, 1, 1], [1, 1, 2, 2]]


# --------------------------------------------------------------------------
# Hierarchy: cuts, contour maps, linkage matrix


def random_hierarchy(seed, shape=(18, 20)):
    labels = blocky_labels(shape, 2, 6, seed)
    boundary = np.random.default_rng(seed).random(shape)
    return merge_hierarchy(labels, boundary=boundary, linkage="boundary")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.data())
def test_cut_counts_and_nesting(seed, data):
    h = random_hierarchy(seed)
    k = data.draw(st.integers(1, h.n_leaves))
    cut = h.cut(n_regions=k)
    assert len(np.unique(cut)) == k and cut.min() == 1 and cut.max() == k
    t1, t2 = sorted(data.draw(st.floats(0, 1)) for _ in range(2))
    fine, coarse = h.cut(t1), h.cut(t2)
    pairs = np.unique(np.stack([fine.ravel(), coarse.ravel()]), axis=1)
    assert pairs.shape[1] == len(np.unique(fine))  # each fine region inside one coarse one
    assert len(np.unique(h.cut(-1.0))) == h.n_leaves and len(np.unique(h.cut(np.inf))) == 1


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6))
def test_ucm2_thresholds_are_the_cuts(seed):
    h = random_hierarchy(seed)
    u = h.ucm2()
    assert u.shape == (37, 41) and np.all(u[1::2, 1::2] == 0)
    for t in np.quantile(h.altitudes[h.n_leaves:], [0.0, 0.2, 0.5, 0.8, 1.0]):
        regions = ndi.label(u <= t, structure=np.ones((3, 3)))[0][1::2, 1::2]
        assert same_partition(regions, h.cut(t))
    np.testing.assert_array_equal(h.contour_map(), u[2::2, 2::2])


def test_linkage_matrix_gives_scipy_the_same_flat_clusters():
    h = random_hierarchy(7)
    Z = h.to_linkage()
    leaf_of_pixel = h.leaves
    for t in np.quantile(h.altitudes[h.n_leaves:], [0.1, 0.5, 0.9]):
        flat = fcluster(Z, t, criterion="distance")
        assert same_partition(flat[leaf_of_pixel], h.cut(t))


def test_contour_map_of_a_volume():
    labels = blocky_labels((8, 9, 10), 3, 5, 2)
    boundary = np.random.default_rng(2).random(labels.shape)
    h = merge_hierarchy(labels, boundary=boundary, linkage="boundary")
    rag, tree, altitudes = higra_tree(labels, boundary)
    np.testing.assert_allclose(np.sort(h.altitudes), np.sort(altitudes))
    cmap = h.contour_map()
    # Each voxel: the largest merge altitude over the axis pairs of its unit cube.
    expected = np.zeros(labels.shape)
    leaves = h.leaves
    # Ultrametric distance between leaves from the cuts: the first threshold joining them.
    n = h.n_leaves
    dist = np.full((n, n), np.inf)
    for t in np.sort(np.unique(h.altitudes))[::-1]:
        region = np.zeros(n, int)
        region[leaves.ravel()] = h.cut(t).ravel()
        dist[region[:, None] == region[None, :]] = t
    for p in np.ndindex(labels.shape):
        cube = [tuple(np.add(p, c)) for c in np.ndindex((2,) * 3)]
        cube = [q for q in cube if all(x < s for x, s in zip(q, labels.shape))]
        for q in cube:
            for r in cube:
                if sum(abs(x - y) for x, y in zip(q, r)) == 1:
                    expected[p] = max(expected[p], dist[leaves[q], leaves[r]])
    np.testing.assert_allclose(cmap, expected)
    inside = ndi.minimum_filter(leaves, size=2, origin=-1) == ndi.maximum_filter(
        leaves, size=2, origin=-1)
    assert np.all(cmap[inside] == 0)


def test_mask_and_disconnected_parts():
    labels = np.repeat(np.arange(6)[None, :], 4, axis=0)
    mask = np.ones_like(labels, bool)
    mask[:, 3] = False  # two parts no border joins
    boundary = np.tile(np.linspace(0, 1, 6), (4, 1))
    h = merge_hierarchy(labels, boundary=boundary, linkage="boundary", mask=mask)
    assert h.n_leaves == 5 and np.all(h.leaves[:, 3] == -1)
    assert h.altitudes[-1] == np.inf
    cut = h.cut(n_regions=2, start_label=0)
    assert np.all(cut[:, 3] == -1) and same_partition(cut[:, :3], np.zeros((4, 3)))
    assert np.all(h.cut(10.0)[:, 3] == 0) and len(np.unique(h.cut(10.0))) == 3


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_boundary_nan_or_inf_raises_inside_the_mask_only(bad):
    """The region graph's kernel finds them (a single value, on a border or not)."""
    labels = blocky_labels((9, 8), 3, 4, 1)
    mask = np.ones(labels.shape, bool)
    mask[4, 5] = False
    for dtype in (np.float32, np.float64):
        boundary = np.random.default_rng(0).random(labels.shape).astype(dtype)
        reference = merge_hierarchy(labels, boundary=boundary, linkage="boundary", mask=mask)
        boundary[4, 5] = bad  # outside the mask: ignored, as the value it replaced
        h = merge_hierarchy(labels, boundary=boundary, linkage="boundary", mask=mask)
        np.testing.assert_array_equal(h.altitudes, reference.altitudes)
        with pytest.raises(ValueError, match="boundary contains NaN or infinite values$"):
            merge_hierarchy(labels, boundary=boundary, linkage="boundary")
        with pytest.raises(ValueError, match="boundary contains NaN or infinite values$"):
            region_graph(labels, boundary)
        boundary[4, 5] = 0.5
        boundary[1, 1] = bad  # inside a block, on no border
        with pytest.raises(ValueError, match="boundary contains NaN or infinite values inside"):
            merge_hierarchy(labels, boundary=boundary, linkage="boundary", mask=mask)


def test_merge_hierarchy_bad_input_names_the_argument():
    labels = np.zeros((5, 5), int)
    boundary = np.zeros((5, 5))
    with pytest.raises(TypeError, match="labels"):
        merge_hierarchy(labels.astype(float), boundary=boundary, linkage="boundary")
    with pytest.raises(ValueError, match="labels"):
        merge_hierarchy(np.zeros((0, 5), int), boundary=boundary, linkage="boundary")
    with pytest.raises(ValueError, match="boundary"):
        merge_hierarchy(labels, boundary=np.zeros((5, 4)), linkage="boundary")
    with pytest.raises(ValueError, match="boundary"):
        merge_hierarchy(labels, boundary=np.full((5, 5), np.nan), linkage="boundary")
    with pytest.raises(ValueError, match="boundary"):
        merge_hierarchy(labels, linkage="boundary")
    with pytest.raises(ValueError, match="linkage"):
        merge_hierarchy(labels, boundary=boundary, linkage="ward")
    h = merge_hierarchy(blocky_labels((6, 6), 2, 3, 0), boundary=np.ones((6, 6)),
                        linkage="boundary")
    for bad in (0, h.n_leaves + 1):
        with pytest.raises(ValueError, match="n_regions"):
            h.cut(n_regions=bad)
    with pytest.raises(ValueError, match="threshold"):
        h.cut(np.nan)
    with pytest.raises(ValueError, match="threshold"):
        h.cut()
    with pytest.raises(ValueError, match="start_label"):
        h.cut(1.0, start_label=2)
    with pytest.raises(ValueError, match="ucm2"):
        Hierarchy.from_ucm2(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="ucm2"):
        Hierarchy.from_ucm2(np.ones((5, 5)))
    with pytest.raises(ValueError, match="altitudes"):
        Hierarchy(h.leaves, h.parents, -h.altitudes)


def test_inputs_are_not_modified():
    labels = blocky_labels((10, 10), 2, 4, 3)
    boundary = np.random.default_rng(0).random((10, 10))
    before = labels.copy(), boundary.copy()
    h = merge_hierarchy(labels, boundary=boundary, linkage="boundary")
    np.testing.assert_array_equal(labels, before[0])
    np.testing.assert_array_equal(boundary, before[1])
    with pytest.raises(ValueError):
        h.altitudes[0] = 1.0  # read-only


# --------------------------------------------------------------------------
# gPb-owt-ucm's official maps


def nested_block_ucm2(seed):
    """A BSDS-layout ucm2 written from its definition, and the partitions it nests.

    Four nested partitions of a 21 x 26 image into rectangles (cells of a
    random grid, pairs of cell columns, two halves, the whole image) at
    altitudes 0 (inside a cell), 0.5, 0.7, 0.9.
    The cell between two pixels holds the altitude of the first partition
    that puts them together, a junction the max of its edge cells, and the
    frame copies the adjacent row or column (Arbelaez et al., TPAMI 2011).
    """
    rng = np.random.default_rng(seed)
    h, w = 21, 26
    rows = np.searchsorted(np.sort(rng.choice(np.arange(1, h), 4, replace=False)), np.arange(h),
                           side="right")
    cols = np.searchsorted(np.sort(rng.choice(np.arange(1, w), 5, replace=False)), np.arange(w),
                           side="right")
    levels = [rows[:, None] * 10 + cols[None, :], rows[:, None] * 10 + cols[None, :] // 2,
              np.broadcast_to(rows[:, None] >= 3, (h, w)).astype(int), np.zeros((h, w), int)]
    altitudes = [0.0, 0.5, 0.7, 0.9]

    def joined(p, q):
        return next(a for part, a in zip(levels, altitudes) if part[p] == part[q])

    u = np.zeros((2 * h + 1, 2 * w + 1))
    for i in range(h):
        for j in range(w):
            if j + 1 < w:
                u[2 * i + 1, 2 * j + 2] = joined((i, j), (i, j + 1))
            if i + 1 < h:
                u[2 * i + 2, 2 * j + 1] = joined((i, j), (i + 1, j))
    for i in range(2, 2 * h, 2):
        for j in range(2, 2 * w, 2):
            u[i, j] = max(u[i - 1, j], u[i + 1, j], u[i, j - 1], u[i, j + 1])
    u[0], u[-1] = u[1], u[-2]
    u[:, 0], u[:, -1] = u[:, 1], u[:, -2]
    return u, levels, altitudes


@pytest.mark.parametrize("seed", range(3))
def test_from_ucm2_reads_a_map_written_from_its_definition(seed):
    u, levels, altitudes = nested_block_ucm2(seed)
    h = Hierarchy.from_ucm2(u)
    assert h.leaves.shape == levels[0].shape
    np.testing.assert_array_equal(h.ucm2(), u)  # edges, junctions and frame as defined
    for part, a in zip(levels, altitudes):
        assert same_partition(h.cut(a), part)
        regions = ndi.label(h.ucm2() <= a, structure=np.ones((3, 3)))[0][1::2, 1::2]
        assert same_partition(regions, part)


# --------------------------------------------------------------------------
# The fusion linkage and hierarchical_segment


def test_fusion_linkage_equals_greedy_reference():
    from classicseg import fusion_features
    from classicseg.hierarchy import FUSION_SCALE

    rng = np.random.default_rng(5)
    image = rng.random((14, 16, 3))
    labels = blocky_labels((14, 16), 2, 5, 4)
    options = {"edge_weight": 2.0, "size_scale": 30.0, "size_power": 0.5}
    h = merge_hierarchy(labels, image, linkage="fusion", **options)
    features, boundary = fusion_features(image)
    expected = naive.greedy_fusion_costs(h.leaves, features, boundary, **options)
    expected = np.maximum.accumulate(expected)
    np.testing.assert_allclose(h.altitudes[h.n_leaves:], expected / (expected + FUSION_SCALE),
                               rtol=1e-10)
    assert np.all(h.altitudes < 1)


@pytest.mark.parametrize("leaves", ["meanshift", "kmeans", "labels"])
def test_hierarchical_segment_finds_the_blocks(leaves):
    from conftest import block_image

    from classicseg import hierarchical_segment

    image, truth = block_image((64, 80), channels=3)
    image = np.clip(image, 0, 255).astype(np.uint8)
    # Given leaves: small squares that never straddle two blocks.
    given = blocky_labels((64, 80), 4, 3, 0) * 4 + truth if leaves == "labels" else leaves
    for h in (hierarchical_segment(image, leaves=given),
              hierarchical_segment(image[..., 0], channel_axis=None, leaves=given)):
        assert 0 <= h.altitudes.min() and h.altitudes.max() < 1
        # The texture term keeps the strip where the blocks meet apart for a
        # while: at 8 regions every block is mostly one region.
        cut = h.cut(n_regions=8)
        for r in range(4):
            assert np.bincount(cut[truth == r]).max() > 0.7 * np.sum(truth == r)
        if leaves == "meanshift":  # (other leaves: edge pieces of two blocks look alike)
            pairs = np.unique(np.stack([cut.ravel(), truth.ravel()]), axis=1)
            assert pairs.shape[1] == 8  # each region inside one block


def test_hierarchical_segment_mask_and_bad_input():
    from conftest import block_image

    from classicseg import hierarchical_segment

    image, truth = block_image((48, 48), channels=3)
    mask = np.ones((48, 48), bool)
    mask[:, :3] = False
    image = image / 255
    image[~mask] = np.nan
    h = hierarchical_segment(image, mask=mask)
    cut = h.cut(n_regions=8)
    assert np.all(cut[~mask] == 0) and np.all(h.leaves[~mask] == -1)
    assert len(np.unique(cut[mask])) == 8
    with pytest.raises(ValueError, match="leaves"):
        hierarchical_segment(image, leaves="slic", mask=mask)
    with pytest.raises(ValueError, match="leaves"):
        hierarchical_segment(image, leaves=np.zeros((5, 5), int), mask=mask)
    with pytest.raises(ValueError, match="image"):
        hierarchical_segment(np.zeros((8, 8, 2)))
    with pytest.raises(ValueError, match="image"):
        merge_hierarchy(np.zeros((8, 8), int))
    with pytest.raises(ValueError, match="size_scale"):
        merge_hierarchy(np.zeros((8, 8), int), np.zeros((8, 8, 3)), size_scale=0)
