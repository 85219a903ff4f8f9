"""The boundary linkage with a size prior: small regions merge earlier.

A split of :mod:`classicseg.hierarchy` (its region graph and merge kernel,
no new kernel): the merge cost of two adjacent regions a and b is the mean
boundary strength along their border times ``min(1, (h / (f n)) **
size_power)``, with ``h = |a||b| / (|a| + |b|)`` (about the smaller region's
size), ``n`` the pixels of the image (inside the mask) and ``f`` a fraction
of it. So the cost does not depend on the image's resolution, borders
between regions of ``f n`` pixels or more keep their mean strength, and
between two borders of the same mean strength the one around the smaller
region goes first, as region-merging schemes with a
size term do (EDISON's fusion of mean-shift regions, Comaniciu & Meer, TPAMI
2002; the size-aware merging of Arbelaez et al.'s MCG, CVPR 2014): a tiny
region ringed by a strong but short contour (a highlight, a patch of
texture) no longer survives to the coarse cuts, where it costs covering and
variation of information while adding nothing a human would draw.

Optionally a region term joins the border's strength: given per-pixel
class maps (``contour_hierarchy`` passes the binned L, a, b and the texton
map that :func:`~classicseg.contours` computed for its gradients), the
chi-squared distance ``1/2 sum_k (x_k - y_k)^2 / (x_k + y_k)`` (in [0, 1])
between the two regions' normalised class histograms x and y of each map,
times the map's weight, is added to the mean strength before the prior. Two borders of the
same strength then merge the regions of like texture first, as
texture-aware region merging does (texton histograms compared by
chi-squared: Malik, Belongie, Leung & Shi, "Contour and texture analysis
for image segmentation", IJCV 43(1), 2001; the same distance as the
half-disc texture gradient of :func:`~classicseg.contours`, Martin, Fowlkes
& Malik, PAMI 2004). The kernel is the fusion linkage's (``HISTOGRAM``
code): the features are the weighted one-hot classes of every map side by
side, whose region means are the weighted histograms; chi-squared is
homogeneous of degree one and a sum over the bins, so the weights scale
each map's distance and the maps' distances add up.
"""

import numpy as np

from ._kernels import hierarchy as _k
from ._region_graph import check_boundary, check_label_image, leaf_graph, merge_graph
from ._validate import check_float, prepare_mask
from .hierarchy import Hierarchy


def sized_boundary_hierarchy(labels, boundary, *, size_power, size_fraction, mask=None,
                             classes=None, class_weight=0.0):
    """Greedy merging, cheapest first, by ``(w d + mean border) * min(1, (h / (f n)) ** p)``.

    ``w d`` is the sum over the class maps of ``class_weight`` times the
    chi-squared distance between the regions' normalised histograms of the
    map's classes (0 without maps).

    Parameters
    ----------
    labels : (M, N[, ...]) int ndarray
        Initial segmentation; its connected components (faces) are the leaves.
    boundary : (M, N[, ...]) float ndarray
        Boundary strength per pixel; a border's mean is over its
        neighbouring pixel pairs ``(p, q)`` of ``(boundary[p] +
        boundary[q]) / 2``, as for ``merge_hierarchy(linkage="boundary")``.
    size_power : float
        Exponent p of the size prior, >= 0; 0 gives the plain boundary linkage.
    size_fraction : float
        f, > 0: borders between regions with ``h >= f n`` get no prior.
    mask : (M, N[, ...]) bool ndarray, optional
        Pixels outside belong to no region (leaf -1) and do not count in n.
    classes : (M, N[, ...]) int ndarray or a sequence of them, optional
        Class maps: a class per pixel, 0 .. K-1 (a texton map, binned
        colour); outside the mask ignored.
    class_weight : float or sequence of floats
        w >= 0 per map (one for all maps when a float), the weight of its
        histogram distance (which lies in [0, 1]).

    Returns
    -------
    Hierarchy
        Altitudes: the merge costs made non-decreasing (running maximum);
        +inf where no border joins two parts.

    Raises
    ------
    ValueError, TypeError
        As :func:`classicseg.merge_hierarchy`; a negative size_power or
        class_weight, size_fraction <= 0, classes of another shape or
        negative, not one class_weight per class map.

    Examples
    --------
    >>> labels = np.array([[0, 0, 0, 1], [2, 2, 2, 2]])
    >>> edge = np.zeros((2, 4))
    >>> edge[:, 3] = 1.0  # the strongest border rings the one-pixel region 1 ...
    >>> edge[1, :3] = 0.8
    >>> plain = sized_boundary_hierarchy(labels, edge, size_power=0.0, size_fraction=1.0)
    >>> sized = sized_boundary_hierarchy(labels, edge, size_power=1.0, size_fraction=1.0)
    >>> plain.cut(n_regions=2).tolist()  # ... so without the prior it merges last
    [[1, 1, 1, 2], [1, 1, 1, 1]]
    >>> sized.cut(n_regions=2).tolist()  # with it first
    [[1, 1, 1, 1], [2, 2, 2, 2]]
    """
    labels = check_label_image(labels)
    mask = prepare_mask(mask, labels.shape)
    size_power = check_float(size_power, "size_power", nonnegative=True)
    size_fraction = check_float(size_fraction, "size_fraction", positive=True)
    boundary = check_boundary(boundary, labels.shape, mask)
    if boundary is None:
        raise ValueError("boundary must be an array of the labels' shape, got None")
    maps, weights = [], []
    if classes is not None:
        maps = [classes] if isinstance(classes, np.ndarray) else list(classes)
        weights = (list(class_weight) if np.ndim(class_weight) == 1
                   else [class_weight] * len(maps))
        if len(weights) != len(maps):
            raise ValueError(f"class_weight must have one value per class map ({len(maps)}), "
                             f"got {len(weights)}")
        weights = [check_float(w, "class_weight", nonnegative=True) for w in weights]
    ids, graph = leaf_graph(labels, mask, boundary, 1)
    n = graph[0]
    sums = [w * class_counts(ids, m, n) for m, w in zip(maps, weights)]
    sums = np.concatenate([x for x, w in zip(sums, weights) if w > 0] + [np.zeros((n, 0))],
                          axis=1)
    # The fusion kernel: cost = (chi2(mean sums_a, mean sums_b) + mean boundary) * prior.
    parents, costs = merge_graph(graph, _k.HISTOGRAM, sums, edge_weight=1.0,
                                 size_scale=size_fraction * float(graph[-1].sum()),
                                 size_power=size_power)
    costs[n:] = np.maximum.accumulate(costs[n:])
    return Hierarchy._of_kernel(ids, parents, costs)


def class_counts(ids, classes, n):
    """``(n, K)`` float64: pixels of each class (0 .. K-1) in each region of ``ids`` (-1: none)."""
    classes = np.asarray(classes)
    if classes.shape != ids.shape:
        raise ValueError(f"classes must have the labels' shape {ids.shape}, got {classes.shape}")
    if classes.dtype.kind not in "iu":
        raise TypeError(f"classes must be integers, got {classes.dtype}")
    flat, cls = ids.reshape(-1), classes.reshape(-1).astype(np.int64)
    inside = flat >= 0
    flat, cls = flat[inside], cls[inside]
    if cls.size and cls.min() < 0:
        raise ValueError("classes must be >= 0")
    k = int(cls.max()) + 1 if cls.size else 1
    return np.bincount(flat * k + cls, minlength=n * k).reshape(n, k).astype(np.float64)
