"""The oriented watershed hierarchy of :func:`classicseg.contours` (gPb-owt-ucm).

The contour map is flooded into watershed leaves, each arc between two leaves
gets its strength re-estimated along its own fitted orientation (the oriented
watershed transform), and the leaves merge cheapest first by mean arc
strength plus the distances of the regions' cue histograms, with a size
prior; one fixed monotone map turns the merge costs into altitudes in [0, 1]
(Arbelaez, Maire, Fowlkes & Malik, "Contour detection and hierarchical image
segmentation", TPAMI 33(5), 2011, section 4). The contour detector itself is
in :mod:`classicseg._contours`; the merging kernel in
:mod:`classicseg._kernels.hierarchy`.
"""

import numpy as np

from ._arcs import ARC_BLEND, learned_strength
from ._contours import contours_and_bins
from ._validate import prepare_image


def contour_hierarchy(image, *, channel_axis=-1, data_range=None, globalize=True, mask=None):
    """Hierarchy of regions over the oriented watershed of the contours (gPb-owt-ucm).

    The contour strength is flooded from its regional minima (watershed,
    without lines): the leaves. Each arc between two leaves gets its strength
    re-estimated along its own orientation (the oriented watershed transform,
    Arbelaez et al., TPAMI 2011, section 4.1): the orientation is fitted to
    the arc's unit border segments by principal components, and the arc's
    strength is the mean of the contour map at the nearest sampled
    orientation over its pixel pairs, which removes the spurious strength
    that the maximum over orientations leaves along arcs crossing the real
    contour near junctions. With the spectral cue (the default), a quarter
    of that strength is replaced by the arc's probability of lying on a human
    boundary: a logistic regression, learned on BSDS500 train, of features
    along the arc (its strength profile, the thin map, the local cues'
    gradients and the spectral cue at its orientation, the two leaves' cue
    histograms and sizes; :mod:`classicseg._arcs`, after Ren & Shakhnarovich's
    learned merging). The result is blended with the ultrametric contour map
    of the same pipeline on the image at half scale, read along the arc
    (``OWT_COARSE_WEIGHT``; Pont-Tuset et al.'s combination of scales), so
    that contours that hold at the coarser scale merge later. The leaves
    then merge cheapest first by the mean arc strength along their borders
    (the ultrametric contour map, section 4.2) plus the chi-squared
    distances between the two regions' histograms of textons and of the
    image's colour clusters (the quantised cues of the contours, weighed by
    ``OWT_CUE_WEIGHTS``: of two borders of equal strength, the one between
    like textures and colours goes first), times a size prior ``min(1, (8 h / n) **
    OWT_SIZE_POWER)``, ``h = |a||b| / (|a| + |b|)`` of the two regions and
    ``n`` the image's pixels, so that small regions ringed by a short strong
    contour merge earlier; the merge costs ``a`` become altitudes in [0, 1]
    by one fixed monotone map (:func:`altitude_map`: ``a ** OWT_GAMMA`` up to
    0.5), chosen on BSDS500 train so that 0.5 cuts near the best threshold
    for the whole data set.

    Parameters
    ----------
    image, channel_axis, data_range, globalize
        As in :func:`~classicseg.contours`, which computes the contour map
        (by default with gPb's spectral cue; ``globalize=False``: the local
        cues only, faster).
    mask : (M, N) bool ndarray, optional
        Pixels outside belong to no region (leaf -1) and count as black for
        the contours; their values may be NaN.

    Returns
    -------
    Hierarchy
        Leaves: the watershed basins; altitudes in [0, 1]. ``ucm2()`` is the
        BSDS-layout ultrametric contour map, ``cut(threshold=t)`` one
        segmentation.

    Raises
    ------
    ValueError, TypeError, MemoryLimitError
        Those of :func:`~classicseg.contours`, and a bad mask; the messages
        name the argument.

    References
    ----------
    Arbelaez, Maire, Fowlkes & Malik, "Contour detection and hierarchical
    image segmentation", TPAMI 33(5), 2011, sections 4.1 and 4.2.
    Malik, Belongie, Leung & Shi, "Contour and texture analysis for image
    segmentation", IJCV 43(1), 2001 (texton histograms, chi-squared).
    Pont-Tuset, Arbelaez, Barron, Marques & Malik, "Multiscale combinatorial
    grouping for image segmentation and object proposal generation", TPAMI
    39(1), 2017, section 3 (hierarchies of several image scales).
    Ren & Shakhnarovich, "Image segmentation by cascaded region
    agglomeration", CVPR 2013 (learned merging).

    Examples
    --------
    >>> img = np.zeros((40, 50, 3)); img[:, 25:] = (0.8, 0.1, 0.1)
    >>> h = contour_hierarchy(img)
    >>> np.unique(h.cut(threshold=0.5)).size
    2
    """
    if mask is not None:
        image, _, mask = prepare_image(image, channel_axis, mask)
        image, channel_axis = np.where(mask[..., None], image, 0), -1
    c, bins, gradients, spectral = contours_and_bins(image, channel_axis, data_range, globalize)
    coarse = None
    if OWT_COARSE_WEIGHT > 0 and min(c.strength.shape) >= _OWT_COARSE_MIN_SIZE:
        coarse = coarse_map(half_scale_ucm2(image, channel_axis, data_range, globalize),
                            c.strength.shape)
    # The arc model was learned on the spectral cue's contours: without it, none.
    cues = None if spectral is None else (bins, gradients, spectral)
    leaves, boundary = oriented_watershed(c, coarse, cues)
    return merge_arcs(leaves, boundary, mask, bins)


# Each arc's strength is (1 - OWT_COARSE_WEIGHT) x its oriented strength plus
# OWT_COARSE_WEIGHT x the mean over its pixel pairs of the ultrametric contour map of
# the image at half scale (coarse_map), as MCG combines the hierarchies of several
# image scales (Pont-Tuset, Arbelaez, Barron, Marques & Malik, "Multiscale
# combinatorial grouping for image segmentation and object proposal generation",
# TPAMI 39(1), 2017, section 3): contours that hold at the coarser scale merge later.
# With the PMI cue's 32 colours and rho 1.5 (classicseg._contours) it raised the ucm2's
# boundary F by 0.004-0.010 on four sets of 20 BSDS500 train images (mean +0.007,
# covering -0.0003; weights 0.1 and 0.2 within 0.001 of it); alone it gained less
# (benchmarks/bsds_log.md, sections 21 and 23). Images under _OWT_COARSE_MIN_SIZE
# pixels on a side get no coarse scale.
OWT_COARSE_WEIGHT = 0.15
_OWT_COARSE_MIN_SIZE = 16


def half_scale_ucm2(image, channel_axis, data_range, globalize):
    """``contour_hierarchy(...).ucm2()`` of the image rescaled by 0.5 (anti-aliased), without
    a coarser scale of its own; ``image`` as checked by :func:`contours`."""
    from skimage.transform import rescale

    from .hierarchy import _unit_image

    small = rescale(_unit_image(image, channel_axis, data_range, None), 0.5, anti_aliasing=True,
                    channel_axis=-1)
    c, bins = contours_and_bins(small, -1, None, globalize)[:2]
    return merge_arcs(*oriented_watershed(c), None, bins).ucm2()


def coarse_map(ucm2, shape):
    """A coarser image's ucm2 ``(2m + 1, 2n + 1)`` read at the pixels of an ``(M, N)`` image.

    Pixel ``i`` of the fine image lies at ``(i + 0.5) 2m / M`` in the coarse ucm2's
    cells (``i + 0.5`` at exactly half scale, between the cells ``i`` and ``i + 1``),
    and takes the largest of the two cells around it along each axis, so that a coarse
    border between two pixels marks the fine pixels on both of its sides.
    """
    out = np.asarray(ucm2, np.float64)
    for axis, n in enumerate(shape):
        last = out.shape[axis] - 1
        lo = np.minimum(((np.arange(n) + 0.5) * last / n).astype(np.intp), last)
        hi = np.minimum(lo + 1, last)
        out = np.maximum(np.take(out, lo, axis=axis), np.take(out, hi, axis=axis))
    return out


# The merge cost of two regions: the mean arc strength along their border
# times min(1, (h / (OWT_SIZE_FRACTION n)) ** OWT_SIZE_POWER) (classicseg._linkage).
# On two sets of 20 BSDS500 train images it lowered VI by 0.07-0.14 and raised
# covering and PRI (benchmarks/bsds_log.md, section 15).
OWT_SIZE_POWER = 0.1
OWT_SIZE_FRACTION = 0.125

# Added to the mean arc strength: the chi-squared distances between the two
# regions' normalised histograms of the quantised cues of contours (the planes of
# contours_and_bins: binned L, a, b, textons and the colour clusters of the PMI
# cue), times these weights, so that of two borders of the same strength the one
# between like textures and colours goes first. Chosen on BSDS500 train images
# (benchmarks/bsds_log.md): textons (0.4) and the binned L, a, b (0.05 each) on
# two sets of 20 (section 17); the colour clusters (0.15) on four sets of 20,
# where with the PMI cue's former 16 colours they raised the ucm2's boundary F
# (+0.002 to +0.005) and lowered VI on all four; then the colour clusters at 0.25
# in place of the binned L, a, b, which raised boundary F on seven of eight sets
# (mean +0.002) and covering on six (mean +0.005; section 23). The clusters
# compare colours jointly, which the three binned channels cannot; a plane of
# weight 0 does not enter the merge's costs.
OWT_CUE_WEIGHTS = (0.0, 0.0, 0.0, 0.4, 0.25)

# The merge costs lie in [0, OWT_MAX_COST]: the mean arc strength (at most 1) plus
# each histogram distance (at most 1) times its weight, times the size prior (at
# most 1).
OWT_MAX_COST = 1.0 + sum(OWT_CUE_WEIGHTS)

# A merge of cost a up to OWT_CUT_COST gets the altitude a ** OWT_GAMMA, so that the
# altitude 0.5 cuts at OWT_CUT_COST = 0.5 ** (1 / OWT_GAMMA) = 0.73, near the best
# threshold for the whole data set (ODS): with the exponent 1.8 of section 17, the ODS
# thresholds of covering, PRI and VI on four sets of 20 BSDS500 train images (twelve
# in all) averaged 0.566, the altitude of the cost 0.73 (benchmarks/bsds_log.md,
# section 23). Above it the altitude rises to 1 at
# OWT_MAX_COST as 1 - 0.5 ((OWT_MAX_COST - a) / (OWT_MAX_COST - OWT_CUT_COST)) ** k,
# k such that the slope is continuous at OWT_CUT_COST. Clipping the costs at 1
# instead put the last merges (costs up to 1.55) all in [0.99, 1], and the ucm2
# map lost the high-precision end of its precision-recall curve (AP 0.51 / 0.65
# against 0.75 / 0.82 on the two train sets; section 20).
OWT_GAMMA = 2.2
OWT_CUT_COST = 0.5 ** (1 / OWT_GAMMA)
_OWT_TOP_POWER = OWT_GAMMA * (OWT_MAX_COST - OWT_CUT_COST) / OWT_CUT_COST


def merge_arcs(leaves, boundary, mask=None, bins=None):
    """The hierarchy of :func:`contour_hierarchy` over the leaves and arc strengths of
    :func:`oriented_watershed`: merged by mean arc strength plus the cue
    histograms' distances (when ``bins``, the ``(5, M, N)`` planes of
    :func:`classicseg._contours.contours_and_bins`, are given), with the size prior,
    altitudes mapped by :func:`altitude_map`."""
    from ._linkage import sized_boundary_hierarchy
    from .hierarchy import Hierarchy

    h = sized_boundary_hierarchy(leaves, boundary, size_power=OWT_SIZE_POWER,
                                 size_fraction=OWT_SIZE_FRACTION, mask=mask,
                                 classes=None if bins is None else list(bins),
                                 class_weight=OWT_CUE_WEIGHTS)
    return Hierarchy(h.leaves, h.parents, altitude_map(h.altitudes))


def altitude_map(altitudes):
    """The fixed monotone map of merge costs in [0, OWT_MAX_COST] to altitudes in [0, 1]."""
    a = np.clip(altitudes, 0.0, OWT_MAX_COST)
    top = (OWT_MAX_COST - a) / (OWT_MAX_COST - OWT_CUT_COST)
    return np.where(a <= OWT_CUT_COST, a ** OWT_GAMMA, 1.0 - 0.5 * top ** _OWT_TOP_POWER)


def oriented_watershed(c, coarse=None, cues=None):
    """Watershed leaves of ``c.strength`` and the per-pixel strength of their arcs.

    Returns the leaves ``(M, N)`` (labels 1..n) and a float64 map that holds,
    at each pixel on a border between leaves, the strength of its arc (the
    largest where several arcs meet) and 0 elsewhere; the boundary linkage
    averages it over the pixel pairs of a border. The strength is the arc's
    mean oriented strength (:func:`oriented_arcs`). Given ``cues``, the
    ``(bins, gradients, spectral)`` of
    :func:`classicseg._contours.contours_and_bins`, ``ARC_BLEND`` of it is
    replaced by the arc's learned probability of lying on a human boundary
    (:func:`classicseg._arcs.learned_strength`). With ``coarse`` (an
    ``(M, N)`` map of :func:`coarse_map`), that strength is then blended with
    the coarse map's mean over the arc's pixel pairs, weighed by
    ``OWT_COARSE_WEIGHT``.
    """
    leaves, p, q, arc, k, pair_value, strength = oriented_arcs(c)
    boundary = np.zeros(leaves.shape)
    if p.size == 0:
        return leaves, boundary
    if cues is not None:
        probability = learned_strength(c, *cues, leaves, p, q, arc, k, pair_value, strength)
        strength = (1.0 - ARC_BLEND) * strength + ARC_BLEND * probability
    if coarse is not None:
        f = np.asarray(coarse, np.float64).reshape(-1)
        count = np.bincount(arc, minlength=len(strength))
        strength = ((1 - OWT_COARSE_WEIGHT) * strength
                    + OWT_COARSE_WEIGHT * np.bincount(arc, 0.5 * (f[p] + f[q]), len(strength))
                    / count)
    out = boundary.reshape(-1)
    np.maximum.at(out, p, strength[arc])
    np.maximum.at(out, q, strength[arc])
    return leaves, boundary


def oriented_arcs(c):
    """The watershed leaves of ``c.strength`` and their arcs' pixel pairs.

    Returns ``leaves``; the flat indices ``p`` and ``q`` of the pixel pairs
    across borders (right, then lower neighbours); ``arc``, the arc of each
    pair (0 .. n_arcs - 1, arcs sorted by their two leaves); ``k``, each
    arc's orientation index (the sampled orientation of ``c.oriented``
    nearest its fitted one, :func:`arc_orientations`); the pairs' oriented
    strength (the mean over ``p`` and ``q`` of ``c.oriented[k]``) and its mean
    per arc.
    """
    from skimage.segmentation import watershed

    leaves = watershed(c.strength)  # markers: the regional minima
    n = int(leaves.max()) + 1
    n_orient = c.oriented.shape[0]
    # Pixel pairs across a border, along rows (right neighbour) then columns.
    p_list, q_list, vertical = [], [], []
    flat = leaves.ravel()
    index = np.arange(flat.size).reshape(leaves.shape)
    for head, tail, is_vertical in ((index[:, :-1], index[:, 1:], True),
                                    (index[:-1], index[1:], False)):
        cross = flat[head] != flat[tail]
        p_list.append(head[cross])
        q_list.append(tail[cross])
        vertical.append(np.full(int(cross.sum()), is_vertical))
    p, q, vertical = (np.concatenate(x) for x in (p_list, q_list, vertical))
    if p.size == 0:
        return leaves, p, q, p, p, np.zeros(0), np.zeros(0)
    a, b = np.minimum(flat[p], flat[q]), np.maximum(flat[p], flat[q])
    arcs, arc = np.unique(a.astype(np.int64) * n + b, return_inverse=True)
    theta = arc_orientations(arc, len(arcs), p, q, vertical, leaves.shape[1])
    k = np.rint(theta / (np.pi / n_orient)).astype(np.intp) % n_orient
    oriented = c.oriented.reshape(n_orient, -1)
    pair_value = 0.5 * (oriented[k[arc], p].astype(np.float64) + oriented[k[arc], q])
    strength = (np.bincount(arc, pair_value, len(arcs))
                / np.bincount(arc, minlength=len(arcs)))
    return leaves, p, q, arc, k, pair_value, strength


def arc_orientations(arc, n_arcs, p, q, vertical, width):
    """Orientation in [0, pi) of each arc (the convention of :class:`~classicseg.Contours`).

    Each pixel pair's border is a unit segment (vertical between horizontal
    neighbours) centred between them; the arc's orientation is the principal
    axis of the union of its segments: the second moments of the centres
    plus 1/12 along each segment.
    """
    y = 0.5 * (p // width + q // width)
    x = 0.5 * (p % width + q % width)
    count = np.bincount(arc, minlength=n_arcs).astype(np.float64)

    def mean(v):
        return np.bincount(arc, v, n_arcs) / count

    my, mx = mean(y), mean(x)
    cyy = mean(y * y) - my**2 + mean(vertical / 12.0)
    cxx = mean(x * x) - mx**2 + mean(~vertical / 12.0)
    cxy = mean(x * y) - mx * my
    # Principal axis in image coordinates (rows down); Contours measures the
    # angle counter-clockwise on screen (rows up), hence the minus sign.
    return (-0.5 * np.arctan2(2 * cxy, cxx - cyy)) % np.pi
