"""Tests of classicseg._linkage: the boundary linkage with a size prior (contour_hierarchy's merge).

Oracles: hand-solved merge costs, and the pixel-by-pixel greedy reference of
tests/naive.py (every pair's cost recomputed from the pixels at each step).
"""

import numpy as np
import pytest

import naive
from naive import same_partition
from classicseg._linkage import sized_boundary_hierarchy


def ringed_pixel():
    """A one-pixel region 1 ringed by the strongest border, beside two larger regions.

    Borders (mean of (b[p] + b[q]) / 2 over the pixel pairs): 0-1 0.5 (one
    pair), 0-2 0.4 (three pairs), 1-2 1.0 (one pair).
    """
    labels = np.array([[0, 0, 0, 1], [2, 2, 2, 2]])
    edge = np.zeros((2, 4))
    edge[:, 3] = 1.0
    edge[1, :3] = 0.8
    return labels, edge


def test_small_region_merges_first_at_the_hand_computed_cost():
    labels, edge = ringed_pixel()
    plain = sized_boundary_hierarchy(labels, edge, size_power=0.0, size_fraction=1.0)
    # No prior: 0-2 at 0.4, then {0, 2}-1 over its two pairs, (0.5 + 1.0) / 2.
    np.testing.assert_allclose(plain.altitudes[3:], [0.4, 0.75])
    assert plain.cut(n_regions=2).tolist() == [[1, 1, 1, 2], [1, 1, 1, 1]]
    # Prior (h / n) ** 1 with n = 8: 0-1 costs 0.5 * (3 * 1 / 4) / 8, first; then
    # {0, 1}-2 (sizes 4 and 4, h = 2) over its four pairs, (3 * 0.4 + 1.0) / 4 * 2 / 8.
    sized = sized_boundary_hierarchy(labels, edge, size_power=1.0, size_fraction=1.0)
    np.testing.assert_allclose(sized.altitudes[3:], [0.5 * 0.75 / 8, 0.55 * 2 / 8])
    assert sized.cut(n_regions=2).tolist() == [[1, 1, 1, 1], [2, 2, 2, 2]]
    # The cap: with f n = 0.5 pixels every h >= f n, so the prior is 1 and the
    # plain order comes back.
    capped = sized_boundary_hierarchy(labels, edge, size_power=1.0, size_fraction=1 / 16)
    np.testing.assert_allclose(capped.altitudes[3:], plain.altitudes[3:])
    np.testing.assert_array_equal(capped.parents, plain.parents)


def blocky_case(seed):
    """A generator, 3x3-block labels of 3 values on 14x16 pixels, a random boundary."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 3, (5, 6))
    labels = np.repeat(np.repeat(coarse, 3, axis=0), 3, axis=1)[:14, :16]
    return rng, labels, rng.random((14, 16))


@pytest.mark.parametrize("power, fraction", [(0.1, 0.125), (0.5, 0.05), (0.0, 1.0)])
def test_equals_the_greedy_reference(power, fraction):
    rng, labels, boundary = blocky_case(3)
    h = sized_boundary_hierarchy(labels, boundary, size_power=power, size_fraction=fraction)
    expected = naive.greedy_fusion_costs(h.leaves, np.zeros((14, 16, 0)), boundary, 1.0,
                                         fraction * labels.size, power)
    np.testing.assert_allclose(h.altitudes[h.n_leaves:], np.maximum.accumulate(expected),
                               rtol=1e-10)


def stripes_of_texture():
    """Three 4x4 stripes; borders 0-1 and 1-2 of equal strength 0.5; stripes 0
    and 1 share their class histogram (half 0, half 1), stripe 2 is all class 2."""
    labels = np.repeat(np.arange(3), 4)[None, :].repeat(4, axis=0)
    boundary = np.full((4, 12), 0.5)
    classes = np.tile([0, 1], (4, 6))
    classes[:, 8:] = 2
    return labels, boundary, classes


def test_class_histograms_change_the_merge_order_at_the_hand_computed_cost():
    labels, boundary, classes = stripes_of_texture()
    plain = sized_boundary_hierarchy(labels, boundary, size_power=0.0, size_fraction=1.0,
                                     classes=classes, class_weight=0.0)
    np.testing.assert_allclose(plain.altitudes[3:], [0.5, 0.5])
    # Histograms (1/2, 1/2, 0), (1/2, 1/2, 0), (0, 0, 1): 0-1 at distance 0, costs
    # 0.5; then {0, 1}-2 at chi-squared distance (1/4 / 1/2 + 1/4 / 1/2 + 1 / 1) / 2 = 1,
    # 0.5 + 0.3.
    h = sized_boundary_hierarchy(labels, boundary, size_power=0.0, size_fraction=1.0,
                                 classes=classes, class_weight=0.3)
    np.testing.assert_allclose(h.altitudes[3:], [0.5, 0.8])
    assert same_partition(h.cut(n_regions=2), labels == 2)
    # Without the class term the tie goes to the lower edge, the first leaves in
    # raster order: on the mirrored stripes the textured stripe and the middle
    # one, against the texture's choice.
    flipped = sized_boundary_hierarchy(labels[:, ::-1], boundary, size_power=0.0,
                                       size_fraction=1.0, classes=classes[:, ::-1],
                                       class_weight=0.3)
    tied = sized_boundary_hierarchy(labels[:, ::-1], boundary, size_power=0.0,
                                    size_fraction=1.0)
    assert same_partition(flipped.cut(n_regions=2), labels[:, ::-1] == 2)
    assert not same_partition(tied.cut(n_regions=2), flipped.cut(n_regions=2))


@pytest.mark.parametrize("weight, power", [(0.1, 0.1), (0.5, 0.0), (2.0, 0.5)])
def test_class_histograms_equal_the_greedy_reference(weight, power):
    rng, labels, boundary = blocky_case(5)
    classes = rng.integers(0, 4, (14, 16))
    h = sized_boundary_hierarchy(labels, boundary, size_power=power, size_fraction=0.125,
                                 classes=classes, class_weight=weight)
    one_hot = weight * np.eye(4)[classes]  # region means: the weighted histograms
    expected = naive.greedy_fusion_costs(h.leaves, one_hot, boundary, 1.0,
                                         0.125 * labels.size, power, distance="chi2")
    np.testing.assert_allclose(h.altitudes[h.n_leaves:], np.maximum.accumulate(expected),
                               rtol=1e-10)


def test_several_class_maps_add_their_weighted_distances():
    rng, labels, boundary = blocky_case(6)
    texture, colour = rng.integers(0, 4, (14, 16)), rng.integers(0, 3, (14, 16))
    h = sized_boundary_hierarchy(labels, boundary, size_power=0.1, size_fraction=0.125,
                                 classes=[texture, colour], class_weight=(0.5, 0.2))
    # Chi-squared sums over bins: the two maps' one-hot classes side by side.
    one_hot = np.concatenate([0.5 * np.eye(4)[texture], 0.2 * np.eye(3)[colour]], axis=-1)
    expected = naive.greedy_fusion_costs(h.leaves, one_hot, boundary, 1.0,
                                         0.125 * labels.size, 0.1, distance="chi2")
    np.testing.assert_allclose(h.altitudes[h.n_leaves:], np.maximum.accumulate(expected),
                               rtol=1e-10)
    # A zero weight leaves its map out.
    alone = sized_boundary_hierarchy(labels, boundary, size_power=0.1, size_fraction=0.125,
                                     classes=texture, class_weight=0.5)
    zero = sized_boundary_hierarchy(labels, boundary, size_power=0.1, size_fraction=0.125,
                                    classes=(texture, colour), class_weight=(0.5, 0.0))
    np.testing.assert_array_equal(zero.altitudes, alone.altitudes)


def test_mask_counts_only_the_pixels_inside():
    labels, edge = ringed_pixel()
    wide_labels = np.concatenate([labels, np.full((2, 4), 7)], axis=1)
    wide_edge = np.concatenate([edge, np.full((2, 4), np.nan)], axis=1)
    mask = np.zeros((2, 8), bool)
    mask[:, :4] = True
    h = sized_boundary_hierarchy(wide_labels, wide_edge, size_power=1.0, size_fraction=1.0,
                                 mask=mask)
    assert np.all(h.leaves[:, 4:] == -1)
    np.testing.assert_allclose(h.altitudes[3:], [0.5 * 0.75 / 8, 0.55 * 2 / 8])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(size_power=-0.1, size_fraction=1.0), ValueError, "size_power"),
    (dict(size_power=0.1, size_fraction=0.0), ValueError, "size_fraction"),
    (dict(size_power=0.1, size_fraction=1.0, boundary=np.zeros((3, 3))), ValueError,
     "boundary must have"),
    (dict(size_power=0.1, size_fraction=1.0, boundary=None), ValueError, "boundary"),
    (dict(size_power=0.1, size_fraction=1.0, class_weight=-1.0, classes=np.zeros((2, 4), int)),
     ValueError, "class_weight"),
    (dict(size_power=0.1, size_fraction=1.0, classes=np.zeros((2, 3), int)), ValueError,
     "classes must have"),
    (dict(size_power=0.1, size_fraction=1.0, classes=np.zeros((2, 4))), TypeError, "classes"),
    (dict(size_power=0.1, size_fraction=1.0, classes=np.full((2, 4), -1)), ValueError,
     "classes must be >= 0"),
    (dict(size_power=0.1, size_fraction=1.0, classes=[np.zeros((2, 4), int)] * 2,
          class_weight=(0.1, 0.2, 0.3)), ValueError, "one value per class map"),
])
def test_bad_input_names_the_argument(kwargs, error, match):
    labels, edge = ringed_pixel()
    boundary = kwargs.pop("boundary", edge)
    with pytest.raises(error, match=match):
        sized_boundary_hierarchy(labels, boundary, **kwargs)
