"""Hierarchical segmentation: region graphs, merge trees, ultrametric contour maps.

A hierarchy is one merge tree over the regions of a fine segmentation (its
*leaves*): every merge joins two adjacent regions at an *altitude*, and the
altitudes never decrease towards the root. One tree answers every scale: a
threshold on the altitude, or a number of regions, picks one segmentation
(:meth:`Hierarchy.cut`), and the ultrametric contour map (UCM) shows all of
them at once (:meth:`Hierarchy.ucm2`, the layout of the BSDS benchmark), as in
gPb-owt-ucm (Arbelaez et al., TPAMI 2011). Trees are parent arrays as in
Higra (Perret et al., 2019): leaves first, then the merges in order, the root
last and its own parent.
"""

import numbers
from dataclasses import dataclass

import numpy as np
from skimage import color, filters, transform

from ._kernels import hierarchy as _k
from ._kernels import tree as _tree
from ._region_graph import (check_boundary, check_label_image, compact_graph, leaf_graph,
                            merge_graph)
from ._validate import (check_array, check_finite, check_float, check_int, check_start_label,
                        compact_labels, prepare_image, prepare_mask)
from .features import _data_range

__all__ = ["RegionGraph", "Hierarchy", "region_graph", "merge_hierarchy", "fusion_features",
           "hierarchical_segment"]

# The fusion linkage's merge cost c maps to the altitude c / (c + FUSION_SCALE),
# one fixed monotone function for every image. 26 is the cost threshold that
# gave the best covering and PRI (ODS) over the 200 BSDS500 train images
# (benchmarks/bsds_log.md, section 7), so that altitude 0.5 cuts there.
FUSION_SCALE = 26.0


@dataclass(frozen=True)
class RegionGraph:
    """The adjacency of the regions of a label image.

    Attributes
    ----------
    labels : (n,) ndarray
        The label of each region (sorted; the regions are the distinct labels).
    sizes : (n,) int64 ndarray
        Pixels per region.
    edges : (e,) x 2 int64 ndarray
        Pairs ``(i, j)``, ``i < j``, of indices into ``labels`` of regions
        that touch, sorted.
    length : (e,) float64 ndarray
        Boundary length: the number of neighbouring pixel pairs across the border.
    boundary_sum, boundary_mean : (e,) float64 ndarray or None
        Sum and mean along the border of ``(boundary[p] + boundary[q]) / 2``
        over the neighbouring pairs ``(p, q)``; None without ``boundary``.
    """

    labels: np.ndarray
    sizes: np.ndarray
    edges: np.ndarray
    length: np.ndarray
    boundary_sum: np.ndarray = None
    boundary_mean: np.ndarray = None

    @property
    def pairs(self):
        """(e, 2) ndarray: the edges as pairs of labels."""
        return self.labels[self.edges]


def region_graph(labels, boundary=None, *, connectivity=1):
    """The region adjacency graph of an n-D label image, in one pass.

    Two regions (distinct label values) are adjacent when two neighbouring
    pixels carry them. Each edge holds the boundary length (the number of
    such pixel pairs) and, with ``boundary``, the sum and mean along the
    border of ``(boundary[p] + boundary[q]) / 2`` over those pairs (the
    boundary strength of a UCM: Arbelaez et al., TPAMI 2011, section 4.2).

    Parameters
    ----------
    labels : (M, N[, ...]) int ndarray
        Label image or volume; every distinct value is one region (a label
        need not be connected).
    boundary : (M, N[, ...]) float ndarray, optional
        Boundary strength per pixel (a gradient magnitude, a contour map).
    connectivity : int
        Neighbourhood, as in :func:`scipy.ndimage.generate_binary_structure`:
        1 (default) pixels sharing a face, up to ``labels.ndim`` (corners).

    Returns
    -------
    RegionGraph

    Raises
    ------
    ValueError, TypeError
        Non-integer or empty labels, a boundary of another shape or with
        NaN/inf, connectivity out of range.

    Examples
    --------
    >>> import numpy as np
    >>> g = region_graph(np.array([[1, 1, 2], [3, 3, 2]]), np.arange(6.0).reshape(2, 3))
    >>> g.pairs.tolist(), g.length.tolist(), g.boundary_mean.tolist()
    ([[1, 2], [1, 3], [2, 3]], [1.0, 2.0, 1.0], [1.5, 2.0, 4.5])
    """
    labels = check_label_image(labels)
    boundary = check_boundary(boundary, labels.shape)
    connectivity = check_int(connectivity, "connectivity", minimum=1, maximum=labels.ndim)
    values, ids = compact_labels(labels)
    a, b, length, total, sizes = compact_graph(ids, len(values), labels.shape, boundary,
                                               connectivity)
    mean = None if boundary is None else total / length
    return RegionGraph(values, sizes, np.stack([a, b], axis=1), length,
                       None if boundary is None else total, mean)


@dataclass(frozen=True)
class Hierarchy:
    """A merge tree over the regions of a label image, with altitudes.

    Attributes
    ----------
    leaves : (M, N[, ...]) intp ndarray
        The finest segmentation: leaf index ``0 .. n_leaves - 1`` per pixel,
        -1 for pixels that belong to no region (outside a mask).
    parents : (2 n_leaves - 1,) intp ndarray
        Parent of every node: leaves first, then the merges in order, the
        root last (its own parent). Each merge joins two nodes.
    altitudes : (2 n_leaves - 1,) float64 ndarray
        0 for leaves; non-decreasing along every path to the root.
    """

    leaves: np.ndarray
    parents: np.ndarray
    altitudes: np.ndarray

    def __post_init__(self):
        leaves = check_array(self.leaves, "leaves", dtype_kind="iu")
        parents = check_array(self.parents, "parents", ndim=1, dtype_kind="iu").astype(np.intp)
        altitudes = np.asarray(self.altitudes, dtype=np.float64)
        n_leaves = int(leaves.max()) + 1
        if leaves.min() < -1 or n_leaves < 1:
            raise ValueError("leaves must hold leaf indices 0 .. n_leaves - 1 (and -1 for none)")
        n_nodes = 2 * n_leaves - 1
        if parents.shape != (n_nodes,) or altitudes.shape != (n_nodes,):
            raise ValueError(f"parents and altitudes must have 2 * n_leaves - 1 = {n_nodes} "
                             f"entries, got {parents.shape[0]} and {altitudes.shape}")
        index = np.arange(n_nodes)
        if parents[-1] != n_nodes - 1 or np.any(parents[:-1] <= index[:-1]) or np.any(
                parents >= n_nodes):
            raise ValueError("parents must list leaves first and the root last, each parent "
                             "after its children")
        if np.any(np.isnan(altitudes)) or np.any(altitudes[parents] < altitudes):
            raise ValueError("altitudes must not decrease towards the root (and not be NaN)")
        for name, value in (("leaves", leaves.astype(np.intp)), ("parents", parents),
                            ("altitudes", altitudes)):
            value = value.copy() if value is getattr(self, name) else value
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @classmethod
    def _of_kernel(cls, leaves, parents, altitudes):
        """A hierarchy of arrays that :func:`merge_hierarchy` made: valid by construction,
        so neither checked nor copied (only made read-only)."""
        self = object.__new__(cls)
        for name, value in (("leaves", leaves.astype(np.intp, copy=False)),
                            ("parents", parents.astype(np.intp, copy=False)),
                            ("altitudes", altitudes)):
            value.flags.writeable = False
            object.__setattr__(self, name, value)
        return self

    @property
    def n_leaves(self):
        """Number of leaf regions."""
        return (self.parents.shape[0] + 1) // 2

    def cut(self, threshold=None, *, n_regions=None, start_label=1):
        """The segmentation after every merge at altitude <= ``threshold``, or into ``n_regions``.

        Parameters
        ----------
        threshold : float, optional
            Merges at this altitude or lower are applied (a horizontal cut).
        n_regions : int, optional
            Instead of ``threshold``: apply the first ``n_leaves - n_regions``
            merges, giving exactly ``n_regions`` regions.
        start_label : {0, 1}
            First label; pixels of no region get ``start_label - 1``.

        Returns
        -------
        labels : (M, N[, ...]) intp ndarray
            Labels numbered in the order of the regions' first leaf.
        """
        start_label = check_start_label(start_label)
        n = self.n_leaves
        merge_index = np.arange(n, 2 * n - 1)
        keep = np.zeros(2 * n - 1, dtype=np.bool_)
        if (threshold is None) == (n_regions is None):
            raise ValueError("give exactly one of threshold and n_regions")
        if n_regions is not None:
            n_regions = check_int(n_regions, "n_regions", minimum=1, maximum=n)
            keep[n:] = merge_index < 2 * n - n_regions
        else:
            keep[n:] = self.altitudes[n:] <= _check_threshold(threshold)
        region = _tree.cut_leaves(self.parents.astype(np.int64), n, keep)
        lookup = np.append(region + start_label, start_label - 1)  # index -1: no region
        return lookup[self.leaves]

    def _edge_altitudes(self):
        """Per axis k, the altitude joining each pixel to its successor along k."""
        depth, up = _tree.ancestor_table(self.parents.astype(np.int64))
        leaves = self.leaves.astype(np.int64)
        outside = float(self.altitudes[-1])
        out = []
        for axis, m in enumerate(leaves.shape):
            view = leaves.reshape(int(np.prod(leaves.shape[:axis])), m, -1)
            out.append(_tree.edge_altitudes(np.ascontiguousarray(view), self.altitudes, depth, up,
                                         outside).reshape(leaves.shape))
        return out

    def ucm2(self):
        """The ultrametric contour map in BSDS "double size" layout (2-D only).

        Shape ``(2M + 1, 2N + 1)``: pixel ``(i, j)`` sits at ``(2i + 1, 2j + 1)``
        and holds 0; the cell between two neighbouring pixels holds the
        altitude of the merge that joins their regions (0 inside a leaf, the
        root's altitude between a region and a pixel of no region); a
        junction holds the largest of its four edge cells; the outer frame
        copies the adjacent row or column, as gPb-owt-ucm's maps do. The
        8-connected components of ``ucm2 <= t`` sampled at ``[1::2, 1::2]``
        are then the regions of ``cut(threshold=t)``.
        """
        if self.leaves.ndim != 2:
            raise ValueError(f"ucm2 needs 2-D leaves, got shape {self.leaves.shape}; "
                             "use contour_map for volumes")
        return _tree.ucm2_layout(*self._edge_altitudes())

    def contour_map(self):
        """The contour map at pixel resolution: ``ucm2()[2::2, 2::2]`` in 2-D.

        Pixel ``p`` holds the largest altitude among the pixel pairs of the
        unit cube (square in 2-D) that starts at ``p``: 0 inside a region of
        the leaves, the altitude of the border's merge on it. This is the map
        the BSDS boundary benchmark reads; the same rule holds in n-D.
        """
        edges = self._edge_altitudes()
        out = np.zeros(self.leaves.shape)
        for k, e in enumerate(edges):
            m = e.copy()
            for j in range(e.ndim):
                if j != k:  # the edges along k of the cube lie in the face k = p_k
                    head = [slice(None)] * e.ndim
                    tail = list(head)
                    head[j], tail[j] = slice(None, -1), slice(1, None)
                    m[tuple(head)] = np.maximum(m[tuple(head)], m[tuple(tail)])
            np.maximum(out, m, out=out)
        return out

    @classmethod
    def from_ucm2(cls, ucm2):
        """The hierarchy of a BSDS ultrametric contour map in double-size layout.

        The leaves are the 8-connected components of ``ucm2 <= 0`` sampled at
        the pixels; two regions merge at the lowest value that connects
        them, so ``cut(threshold=t)`` equals the components of ``ucm2 <= t``
        for every t (the BSDS protocol: ``bwlabel(ucm2 <= t)`` sampled at
        ``[1::2, 1::2]``). Equal values give successive binary merges of the
        same altitude.

        Parameters
        ----------
        ucm2 : (2M + 1, 2N + 1) float ndarray
            Non-negative, 0 at the pixel cells ``[1::2, 1::2]``.
        """
        ucm2 = check_array(ucm2, "ucm2", ndim=2, dtype_kind="biuf")
        if ucm2.shape[0] % 2 == 0 or ucm2.shape[1] % 2 == 0 or min(ucm2.shape) < 3:
            raise ValueError(f"ucm2 must have the odd shape (2M + 1, 2N + 1), got {ucm2.shape}")
        values = np.ascontiguousarray(ucm2, dtype=np.float64)
        check_finite(values, "ucm2")
        if values.min() < 0 or np.any(values[1::2, 1::2] != 0):
            raise ValueError("ucm2 must be >= 0 and hold 0 at the pixel cells [1::2, 1::2]")
        order = np.argsort(values, axis=None, kind="stable")
        leaves, parents, altitudes = _tree.ucm2_tree(values, order)
        return cls(leaves.astype(np.intp), parents.astype(np.intp), altitudes)

    def to_linkage(self):
        """The tree as a SciPy linkage matrix, for :func:`scipy.cluster.hierarchy.dendrogram`.

        Row ``m`` is merge node ``n_leaves + m``: its two children (SciPy's
        cluster indices are ours), its altitude and its number of leaves.
        Parts joined at altitude +inf (no border between them) are kept as
        such; SciPy's dendrogram cannot draw them.
        """
        n = self.n_leaves
        children = np.argsort(self.parents[:-1], kind="stable").reshape(-1, 2)
        counts = np.ones(2 * n - 1)
        for m, (a, b) in enumerate(children):
            counts[n + m] = counts[a] + counts[b]
        return np.column_stack([np.sort(children, axis=1), self.altitudes[n:], counts[n:]])


def merge_hierarchy(labels, image=None, *, boundary=None, linkage="fusion", mask=None,
                    connectivity=1, channel_axis=-1, data_range=None, sigma=4.0,
                    texture_weight=6.0, texture_sigma=6.0, edge_weight=8.0, size_scale=20000.0,
                    size_power=0.25):
    """Greedy merging of adjacent regions, cheapest pair first, into a :class:`Hierarchy`.

    The leaves are the connected components of ``labels`` (so every cut's
    regions are connected). Repeatedly the adjacent pair of regions with the
    lowest cost merges, and the costs of the new region's borders are
    recomputed (a heap with lazy deletion in a compiled kernel).

    Parameters
    ----------
    labels : (M, N[, ...]) int ndarray
        Initial segmentation; its connected components are the leaves.
    image : (M, N[, ...][, C]) ndarray, optional
        The image, for the ``"fusion"`` linkage.
    boundary : (M, N[, ...]) float ndarray, optional
        Boundary strength per pixel; needed by ``"boundary"``.
    linkage : {"fusion", "boundary"}
        ``"boundary"``: the cost of two regions is the mean of ``boundary``
        along their shared border (pixel pairs weighing ``(boundary[p] +
        boundary[q]) / 2``), the rule of UCMs built from a contour map; the
        altitudes are these costs as given (average linkage weighted by
        boundary length, which never decreases).
        ``"fusion"`` (default): region fusion as EDISON does it for mean
        shift (Comaniciu & Meer, TPAMI 2002), with the cost found best on
        BSDS500 train: ``(|f_a - f_b| + edge_weight * bbar_ab) * min(1, (h /
        size_scale) ** size_power)``, with ``f`` the regions' mean
        :func:`fusion_features` (smoothed Lab and a texture energy),
        ``bbar_ab`` the mean boundary along the border (by default the
        colour gradient of the smoothed Lab) and ``h = |a||b| / (|a| + |b|)``
        (small regions merge first). Costs are made non-decreasing (running
        maximum) and mapped to [0, 1) by ``c / (c + 26)``, one fixed function
        chosen on BSDS500 train and never rescaled per image, so that one
        threshold means the same contrast on every image (0.5: the train
        optimum).
    mask : (M, N[, ...]) bool ndarray, optional
        Pixels outside belong to no region and no merge (leaf -1).
    connectivity : int
        Neighbourhood of regions and components (1: faces; ``ndim``: corners).
    channel_axis, data_range
        Of ``image``, as in :func:`classicseg.pixel_features`.
    sigma, texture_weight, texture_sigma
        Of the fusion features, see :func:`fusion_features`.
    edge_weight, size_scale, size_power
        Of the fusion cost above.

    Returns
    -------
    Hierarchy
        Parts of the image that no border joins (a mask can cut it) merge
        last, at altitude +inf (1 for ``"fusion"``).

    Raises
    ------
    ValueError, TypeError
        Non-integer or empty labels, boundary of another shape or with NaN,
        unknown linkage, a missing image or boundary.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1, 1], [2, 2, 3, 3]])
    >>> edge = np.array([[0, 0, 4, 4], [1, 1, 4, 4.0]])
    >>> h = merge_hierarchy(labels, boundary=edge, linkage="boundary")
    >>> h.altitudes.tolist()
    [0.0, 0.0, 0.0, 0.0, 0.5, 2.0, 3.5]
    >>> h.cut(n_regions=2).tolist()
    [[1, 1, 1, 1], [1, 1, 2, 2]]
    """
    labels = check_label_image(labels)
    mask = prepare_mask(mask, labels.shape)
    connectivity = check_int(connectivity, "connectivity", minimum=1, maximum=labels.ndim)
    if linkage not in ("fusion", "boundary"):
        raise ValueError(f"linkage must be 'fusion' or 'boundary', got {linkage!r}")
    boundary = check_boundary(boundary, labels.shape, mask)
    if linkage == "boundary":
        if boundary is None:
            raise ValueError("linkage='boundary' needs a boundary map: pass boundary=")
        ids, graph = leaf_graph(labels, mask, boundary, connectivity)
        parents, altitudes = merge_graph(graph, _k.BOUNDARY, np.zeros((1, 0)))
        return Hierarchy._of_kernel(ids, parents, altitudes)
    if image is None:
        raise ValueError("linkage='fusion' needs the image: pass image=")
    features, gradient = fusion_features(image, sigma=sigma, texture_weight=texture_weight,
                                         texture_sigma=texture_sigma, channel_axis=channel_axis,
                                         data_range=data_range, mask=mask)
    if features.shape[:-1] != labels.shape:
        raise ValueError(f"image must have the labels' spatial shape {labels.shape}, "
                         f"got {features.shape[:-1]}")
    ids, graph = leaf_graph(labels, mask, gradient if boundary is None else boundary,
                             connectivity)
    n = graph[0]
    flat = ids.reshape(-1)
    inside = flat >= 0
    sums = np.stack([np.bincount(flat[inside], weights=f.reshape(-1)[inside], minlength=n)
                     for f in np.moveaxis(features, -1, 0)], axis=1)
    costs = {"edge_weight": check_float(edge_weight, "edge_weight", nonnegative=True),
             "size_scale": check_float(size_scale, "size_scale", positive=True),
             "size_power": check_float(size_power, "size_power", nonnegative=True)}
    parents, costs = merge_graph(graph, _k.FUSION, sums, **costs)
    costs[n:] = np.maximum.accumulate(costs[n:])
    with np.errstate(invalid="ignore"):
        altitudes = np.where(np.isinf(costs), 1.0, costs / (costs + FUSION_SCALE))
    return Hierarchy._of_kernel(ids, parents, altitudes)


def fusion_features(image, *, sigma=4.0, texture_weight=6.0, texture_sigma=6.0,
                    channel_axis=-1, data_range=None, mask=None):
    """Per-pixel features that the fusion linkage compares regions by, and its boundary map.

    Features: CIELAB smoothed by a Gaussian of ``sigma`` pixels, and
    ``texture_weight`` times a texture energy, the colour gradient magnitude
    of the lightly smoothed (sigma 1) image averaged by a Gaussian of
    ``texture_sigma``: the pieces of a textured area (gravel, foliage) look
    alike and unlike a smooth object. Boundary: the colour gradient magnitude
    (Sobel, Euclidean over the Lab channels) of the smoothed Lab.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        RGB, RGBA (alpha ignored) or grayscale (``channel_axis=None``).
    sigma, texture_weight, texture_sigma : float
    channel_axis, data_range, mask
        As in :func:`classicseg.pixel_features`; pixels outside ``mask``
        count as black.

    Returns
    -------
    features : (M, N[, P], 4) float64 ndarray
    boundary : (M, N[, P]) float64 ndarray
    """
    img = _unit_image(image, channel_axis, data_range, mask)
    sigma = check_float(sigma, "sigma", nonnegative=True)
    texture_weight = check_float(texture_weight, "texture_weight", nonnegative=True)
    texture_sigma = check_float(texture_sigma, "texture_sigma", nonnegative=True)
    raw = _lab(img, 0)
    lab = filters.gaussian(raw, sigma, channel_axis=-1) if sigma else raw
    energy = filters.gaussian(_colour_gradient(filters.gaussian(raw, 1.0, channel_axis=-1)),
                              texture_sigma)
    return (np.concatenate([lab, texture_weight * energy[..., np.newaxis]], axis=-1),
            _colour_gradient(lab))


# The named fine segmentations of hierarchical_segment (the command line offers them).
LEAVES = ("contours", "meanshift", "kmeans")


def hierarchical_segment(image, *, leaves="contours", channel_axis=-1, data_range=None,
                         mask=None):
    """The region hierarchy of a photo: an oversegmentation merged cheapest border first.

    The one call for "segment this photo into meaningful regions": cut the
    result at a threshold (0.5 is where BSDS500 train images are best cut)
    or into a number of regions, or show all scales at once with its
    contour map.

    Parameters
    ----------
    image : (M, N[, C]) ndarray
        RGB, RGBA (alpha ignored) or grayscale (``channel_axis=None``) image.
    leaves : {"contours", "meanshift", "kmeans"} or int ndarray
        The fine segmentation whose connected regions are merged:
        ``"contours"`` (the default, the best on BSDS500 val): the oriented
        watershed of :func:`classicseg.contours`, merged by mean boundary
        strength and cue histograms with a size prior: the hierarchy of
        :func:`classicseg.contour_hierarchy`; ``"meanshift"`` (about 10 times
        faster): :func:`classicseg.meanshift_segment` with a joint
        (spatial 8, range 13) window on Lab + position (Comaniciu & Meer,
        2002), run on the image at half size, labels repeated back;
        ``"kmeans"``: :func:`classicseg.kmeans_segment` with k = 24 on the
        Lab colours (smoothed by sigma 1), its connected pieces below 60
        pixels merged by :func:`classicseg.merge_small_regions`; these two,
        and a label image of the image's spatial shape, merge by the fusion
        cost of :func:`merge_hierarchy`.
    channel_axis, data_range, mask
        As in :func:`classicseg.pixel_features`. Pixels outside ``mask``
        belong to no region.

    Returns
    -------
    Hierarchy
        Altitudes in [0, 1], the same scale for every image.

    Examples
    --------
    >>> from skimage import data
    >>> h = hierarchical_segment(data.astronaut()[::4, ::4])
    >>> labels = h.cut(0.5)        # the default scale
    >>> labels = h.cut(n_regions=8)  # or a number of regions
    """
    img = _unit_image(image, channel_axis, data_range, mask)
    mask = prepare_mask(mask, img.shape[:-1])
    spatial = img.shape[:-1]
    if isinstance(leaves, str) and leaves == "meanshift":
        labels = _meanshift_leaves(img)
    elif isinstance(leaves, str) and leaves == "kmeans":
        labels = _kmeans_leaves(img)
    elif isinstance(leaves, str) and leaves == "contours":
        from ._owt import contour_hierarchy

        return contour_hierarchy(img, data_range=1.0, mask=mask)
    elif isinstance(leaves, str):
        raise ValueError(f"leaves must be one of {LEAVES} or a label image, got {leaves!r}")
    else:
        labels = check_label_image(leaves, "leaves")
        if labels.shape != spatial:
            raise ValueError(f"leaves must have the image's spatial shape {spatial}, "
                             f"got {labels.shape}")
    return merge_hierarchy(labels, img, linkage="fusion", mask=mask, data_range=1.0)


def _meanshift_leaves(img):
    from ._meanshift import meanshift_segment

    small = transform.rescale(img, 0.5, channel_axis=-1, anti_aliasing=True)
    features = "labxy" if img.shape[-1] == 3 else "grayxy"
    labels = meanshift_segment(small, (8, 13), features=features, min_size=10, data_range=1.0)
    for axis, n in enumerate(img.shape[:-1]):  # repeated back, cropped or padded to size
        labels = np.repeat(labels, 2, axis=axis)
        if labels.shape[axis] < n:
            labels = np.concatenate([labels, labels.take([-1], axis=axis)], axis=axis)
        labels = labels.take(np.arange(n), axis=axis)
    return labels


def _kmeans_leaves(img):
    from ._kmeans import kmeans_segment
    from ._regions import merge_small_regions

    lab = _lab(img, 1.0)
    space = "lab" if img.shape[-1] == 3 else "color"
    labels = leaf_regions(kmeans_segment(lab, 24, features=space, data_range=1.0, rng=0)) + 1
    return merge_small_regions(labels, lab, 60)


def _unit_image(image, channel_axis, data_range, mask):
    """Channel-last float64 image in [0, 1] (intensities over ``data_range``), 0 outside ``mask``.

    RGBA keeps its colour: alpha is no feature (pass ``mask=`` for the
    transparent pixels).
    """
    img, _, mask = prepare_image(image, channel_axis, mask)
    if img.shape[-1] == 4:
        img = img[..., :3]
    if img.shape[-1] not in (1, 3):
        raise ValueError(f"image must be RGB(A) or grayscale, got {img.shape[-1]} channels")
    out = img.astype(np.float64) / _data_range(img.dtype, data_range)
    if mask is not None:
        out[~mask] = 0.0
    return out


def _lab(img, sigma):
    """CIELAB of a channel-last image in [0, 1] (grey: its L), smoothed by ``sigma`` (0: none)."""
    rgb = img if img.shape[-1] == 3 else np.repeat(img, 3, axis=-1)
    lab = color.rgb2lab(rgb, channel_axis=-1)
    return filters.gaussian(lab, sigma, channel_axis=-1) if sigma else lab


def _colour_gradient(lab):
    """Euclidean norm of the Sobel responses of the channels."""
    return np.sqrt(sum(filters.sobel(lab[..., c]) ** 2 for c in range(lab.shape[-1])))


def leaf_regions(labels, *, mask=None, connectivity=1):
    """Connected components of ``labels`` (inside ``mask``), numbered 0.. in raster order; -1 outside.

    The leaves of :func:`merge_hierarchy`. Returns an int64 array of the
    labels' shape.
    """
    labels = check_label_image(labels)
    mask = prepare_mask(mask, labels.shape)
    connectivity = check_int(connectivity, "connectivity", minimum=1, maximum=labels.ndim)
    return leaf_graph(labels, mask, None, connectivity)[0]


def _check_threshold(threshold):
    """A real threshold; +-inf allowed (no merge, every merge)."""
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a real number, got {threshold!r}")
    if np.isnan(threshold):
        raise ValueError("threshold must not be NaN")
    return float(threshold)
