import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi
from skimage import measure

import naive
from classicseg import kmeans_segment, merge_small_regions
from classicseg._kernels.regions import merge_small
from classicseg.hierarchy import region_graph


def regions_of(labels, connectivity=1, mask=None):
    """Connected components of equal label (0 = outside the mask)."""
    shifted = labels - labels.min() + 1
    if mask is not None:
        shifted = np.where(mask, shifted, 0)
    return measure.label(shifted, background=0, connectivity=connectivity)


def check_merge(labels, merged, min_size, connectivity=1, mask=None):
    """The properties every merge must have."""
    before = regions_of(labels, connectivity, mask)
    after = regions_of(merged, connectivity, mask)
    sizes_before = np.bincount(before.reshape(-1))
    sizes_after = np.bincount(after.reshape(-1))
    # Output labels are input labels.
    assert set(np.unique(merged).tolist()) <= set(np.unique(labels).tolist())
    # A region is never split: each input region lies in one output region.
    for r in range(1, before.max() + 1):
        assert np.unique(after[before == r]).size == 1
    for r in range(1, after.max() + 1):
        inside = after == r
        # No label shared without reason (scikit-image #8295): every output region holds
        # pixels that had its label before.
        assert (labels[inside] == merged[inside][0]).any()
        if sizes_after[r] < min_size:
            # Too small and still alone: it had no neighbour to merge into.
            grown = ndi.binary_dilation(inside, ndi.generate_binary_structure(labels.ndim,
                                                                              connectivity))
            neighbours = grown & ~inside
            if mask is not None:
                neighbours &= mask
            assert not neighbours.any()
    # Large input regions that absorbed nothing are unchanged.
    for r in np.flatnonzero(sizes_before >= min_size):
        if r == 0:
            continue
        region = after[before == r][0]
        if sizes_after[region] == sizes_before[r]:
            assert (merged[before == r] == labels[before == r]).all()


def test_kernel_matches_naive():
    rng = np.random.default_rng(0)
    for _ in range(20):
        r = int(rng.integers(2, 15))
        sizes = rng.integers(1, 10, size=r)
        e = int(rng.integers(1, 30))
        a = rng.integers(0, r, size=e)
        b = rng.integers(0, r, size=e)
        keep = a != b
        a, b = a[keep], b[keep]
        got = merge_small(a.astype(np.int64), b.astype(np.int64), sizes.astype(np.int64), 6)
        np.testing.assert_array_equal(got, naive.merge_small(a, b, sizes, 6))


def test_small_region_joins_most_similar_neighbour():
    labels = np.array([[1, 1, 1, 2, 2, 2],
                       [1, 3, 1, 2, 2, 2],
                       [4, 4, 4, 2, 5, 2]])
    img = np.array([[0, 0, 0, 9, 9, 9],
                    [0, 8, 0, 9, 9, 9],
                    [1, 1, 1, 9, 3, 9]], dtype=float)
    merged = merge_small_regions(labels, img, 2)
    # Region 3 (colour 8) touches 1 (mean colour 0) and 4 (mean colour 1): 4 is nearer.
    # Region 5 (colour 3) touches only 2.
    np.testing.assert_array_equal(merged, [[1, 1, 1, 2, 2, 2],
                                           [1, 4, 1, 2, 2, 2],
                                           [4, 4, 4, 2, 2, 2]])
    check_merge(labels, merged, 2)


def test_isolated_small_regions_keep_their_label():
    # Two separate single pixels of label 7 surrounded by the mask's outside: nothing to
    # merge into, and no new label is invented for them (or shared between them).
    labels = np.array([[7, 0, 7],
                       [1, 1, 1]])
    mask = np.array([[True, False, True],
                     [False, False, False]])
    merged = merge_small_regions(labels, labels.astype(float), 5, mask=mask)
    np.testing.assert_array_equal(merged, labels)


def test_disconnected_regions_do_not_end_up_sharing_a_label():
    # scikit-image #8295 check: ndi.label of each output label gives one component unless the
    # label already had several components in the input.
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 6, size=(30, 30))
    merged = merge_small_regions(labels, rng.random((30, 30, 3)), 10)
    for value in np.unique(merged):
        n_out = ndi.label(merged == value)[1]
        n_in = ndi.label(labels == value)[1]
        assert n_out <= n_in
    check_merge(labels, merged, 10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), min_size=st.integers(0, 12),
       connectivity=st.sampled_from([1, 2]), ndim=st.sampled_from([2, 3]),
       masked=st.booleans())
def test_merge_properties(seed, min_size, connectivity, ndim, masked):
    rng = np.random.default_rng(seed)
    shape = (9, 11) if ndim == 2 else (4, 5, 6)
    labels = rng.integers(-2, 4, size=shape) * 3
    features = rng.random((*shape, 2))
    mask = rng.random(shape) > 0.2 if masked else None
    labels0, features0 = labels.copy(), features.copy()
    merged = merge_small_regions(labels, features, min_size, connectivity=connectivity, mask=mask)
    np.testing.assert_array_equal(labels, labels0)
    np.testing.assert_array_equal(features, features0)
    assert merged.dtype == np.intp and merged.shape == shape
    if mask is not None:
        np.testing.assert_array_equal(merged[~mask], labels[~mask])
    check_merge(labels, merged, min_size, connectivity, mask)
    again = merge_small_regions(labels, features, min_size, connectivity=connectivity, mask=mask)
    np.testing.assert_array_equal(merged, again)


def test_adjacent_regions_are_the_touching_pairs():
    regions = np.array([[1, 1, 2],
                        [3, 0, 2],
                        [3, 3, 4]])
    pairs = region_graph(regions).pairs.tolist()
    assert [p for p in pairs if 0 not in p] == [[1, 2], [1, 3], [2, 4], [3, 4]]
    assert [2, 3] in region_graph(regions, connectivity=2).pairs.tolist()


def test_min_size_zero_and_one_change_nothing():
    labels = np.array([[1, 2], [3, 4]])
    for m in (0, 1):
        np.testing.assert_array_equal(merge_small_regions(labels, labels, m), labels)


def test_kmeans_segment_min_size(astronaut32):
    plain = kmeans_segment(astronaut32, 6, features="rgbxy", rng=0)
    merged = kmeans_segment(astronaut32, 6, features="rgbxy", rng=0, min_size=6)
    sizes = np.bincount(measure.label(merged, background=-1, connectivity=1).reshape(-1))[1:]
    assert sizes.min() >= 6
    assert merged.min() == 1 and merged.max() == len(np.unique(merged))
    assert (np.bincount(measure.label(plain, background=-1,
                                      connectivity=1).reshape(-1))[1:] < 6).any()


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((np.zeros((3, 3)), np.zeros((3, 3)), 2), {}, TypeError, "labels"),
    ((np.zeros((3,), int), np.zeros((3,)), 2), {}, ValueError, "labels"),
    ((np.zeros((3, 3), int), np.zeros((3, 4)), 2), {}, ValueError, "image"),
    ((np.zeros((3, 3), int), np.full((3, 3), np.nan), 2), {}, ValueError, "image"),
    ((np.zeros((3, 3), int), np.zeros((3, 3)), -1), {}, ValueError, "min_size"),
    ((np.zeros((3, 3), int), np.zeros((3, 3)), 2), dict(connectivity=3), ValueError,
     "connectivity"),
    ((np.zeros((3, 3), int), np.zeros((3, 3)), 2), dict(mask=np.ones((2, 2), bool)), ValueError,
     "mask"),
])
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        merge_small_regions(*args, **kwargs)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), connectivity=st.sampled_from([1, 2]))
def test_a_trailing_axis_of_length_one_changes_nothing(seed, connectivity):
    # Ties (equal sizes) keep the region first in raster order, so an (M, N, 1)
    # volume merges as its (M, N) image does (skimage.measure.label numbered such
    # volumes in another order, and ties went the other way).
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=(9, 10))
    image = rng.random((9, 10, 2))
    flat = merge_small_regions(labels, image, 3, connectivity=connectivity)
    volume = merge_small_regions(labels[..., None], image[:, :, None], 3,
                                 connectivity=connectivity)
    np.testing.assert_array_equal(volume[..., 0], flat)
