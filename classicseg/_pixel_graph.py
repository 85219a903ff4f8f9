"""The pixel affinity graph of the normalized cut: :func:`affinity_graph`.

Shi & Malik, "Normalized Cuts and Image Segmentation", TPAMI 22(8), 2000. A
pixel is a vertex; pixels closer than ``radius`` are joined by an edge of
weight (eq. 11)

    w_ij = exp(-||F_i - F_j||^2 / sigma_color^2) * exp(-||X_i - X_j||^2 / sigma_space^2).

As in the paper, ``||X_i - X_i|| = 0 < r`` puts a self-loop of weight 1 on
every pixel, so no vertex has zero degree.
"""

import numpy as np
import scipy.sparse

from ._kernels.pixel_graph import block_graph, count_edges, fill_edges
from ._kernels.spectral import quotient_graph
from ._validate import check_float, check_memory, graph_budget, prepare_image
from .features import _check_spacing, feature_stack

# Least edge weight of the pixel graph (as scikit-learn's eps in its coins
# example): a connected mask gives a connected graph, so no speck of a few
# pixels whose edges underflowed splits off at Ncut 0.
WEIGHT_FLOOR = 1e-6
# Largest pixel graph (CSR bytes: int32 index + float64 weight per edge) built
# in one piece; above it ncut_segment solves on a downsampled image (or
# builds the superpixel graph in stripes). 481x321 BSDS images need 55 MB at
# radius 3, 150 MB at radius 5.
MAX_GRAPH_BYTES = 1 << 29
# The solve holds about this many graphs of the pixel graph's size at once: a
# graph is built in one piece only if that many fit in the memory at hand
# (classicseg._validate.graph_budget), else the coarser path is taken.
GRAPH_COPIES = 4
# Default colour scale: sigma_color = SIGMA_COLOR_FACTOR * the features' spread.
# Shi & Malik's 0.1 of the range; on BSDS500 train images (6 images, 8
# segments, radius 3) spread factors 0.15 / 0.2 / 0.25 / 0.3 gave covering
# 0.41 / 0.41 / 0.35 / 0.35 and PRI 0.66 / 0.70 / 0.68 / 0.74 (0.3: 4 images).
SIGMA_COLOR_FACTOR = 0.2
# Scales of the "regions" superpixel graph (region_affinity) on the default
# features (fusion_features: smoothed Lab + texture energy, Lab gradient),
# chosen on BSDS500 train (benchmarks/bsds_log.md, sections 4 and 10).
REGION_SIGMA_COLOR = 12.0
REGION_SIGMA_EDGE = 20.0
SUPERPIXEL_GRAPHS = ("regions", "quotient")
# superpixels="hierarchy": the mean-shift leaves of hierarchical_segment fused
# to FUSED_REGIONS regions by merge_hierarchy with a shorter-reaching size
# prior than its default (BSDS500 train, benchmarks/bsds_log.md, sections 4, 9).
FUSED_REGIONS = 200
FUSION_FOR_NCUT = {"edge_weight": 3.0, "size_scale": 500.0, "size_power": 0.5}


def affinity_graph(image, *, features=None, radius=3, sigma_color=None, sigma_space=4.0,
                   data_range=None, channel_axis=-1, mask=None, spacing=None):
    """Pixel affinity graph of Shi & Malik (2000, eq. 11) as a sparse matrix.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        2-D image or 3-D volume, grayscale (``channel_axis=None``) or with
        channels.
    features : str, callable or ndarray, optional
        The features ``F`` compared by the colour term, see
        :func:`classicseg.pixel_features`. None takes the colour alone:
        ``"lab"`` for RGB images, ``"gray"`` for grayscale, ``"color"``
        otherwise (positions enter through the spatial term).
    radius : float
        Pixels closer than ``radius`` (Euclidean, in pixel steps) are joined:
        ``||X_i - X_j|| < radius``, as in the paper (28 neighbours at 3, 80
        at Shi & Malik's 5). In a volume, 1.2 joins the 6 face neighbours,
        1.5 the 18 face and edge neighbours, 2 all 26. The graph's memory and
        the solve time grow with the square of the radius; 3 keeps a
        481 x 321 photo at pixel level.
    sigma_color : float, optional
        Scale of the colour term, in feature units (8-bit levels, or CIELAB).
        None: 0.2 times the features' spread (root of the summed per-feature
        variances over the image); Shi & Malik used 0.1 of the intensity
        range.
    sigma_space : float
        Scale of the spatial term, in pixels times ``spacing`` (Shi &
        Malik: 4).
    data_range : float, optional
        Value of full intensity, see :func:`classicseg.pixel_features`.
    channel_axis : int or None
        Axis of the colour channels; None for grayscale.
    mask : (M, N[, P]) bool ndarray, optional
        Only these pixels are vertices.
    spacing : sequence of float, optional
        Pixel size along each spatial axis (default 1): the spatial term
        measures ``||X_i - X_j||`` in these units.

    Returns
    -------
    W : (n, n) scipy.sparse.csr_array of float64
        Symmetric affinities of the ``n`` pixels (in the mask), numbered in
        row-major order, with sorted int32 column indices. The diagonal holds
        the self-loops (weight 1). Weights are at least ``WEIGHT_FLOOR``
        (1e-6), so that the graph of a connected mask is connected.

    Raises
    ------
    ValueError
        Bad image, mask or spacing, ``radius < 1``, ``sigma_color <= 0`` or
        ``sigma_space <= 0``, a graph larger than ``MAX_GRAPH_BYTES``.
    TypeError
        Non-numeric image or parameter of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((4, 4)); img[:, 2:] = 1
    >>> W = affinity_graph(img, radius=2, channel_axis=None)
    >>> W.shape, bool((W != W.T).nnz == 0)
    ((16, 16), True)
    >>> float(W[0, 0]), round(float(W[0, 1]), 4)  # self-loop; next pixel, same colour
    (1.0, 0.9394)
    """
    img, is_color, mask = prepare_image(image, channel_axis, mask)
    _check_spatial(img)
    radius, sigma_color, sigma_space = _check_graph_args(radius, sigma_color, sigma_space)
    spacing = _check_spacing(spacing, img.ndim - 1)
    feat = _colour_features(img, is_color, features, data_range, mask)
    nbytes = graph_bytes(_n_vertices(img, mask), radius, img.ndim - 1)
    check_memory(GRAPH_COPIES * nbytes, f"the pixel graph (radius={radius}) and its solve",
                 "use a smaller radius, a downsampled image, or ncut_segment (which chooses a "
                 "coarser path)")
    if nbytes > MAX_GRAPH_BYTES:
        raise ValueError(
            f"the pixel graph would need about {nbytes / 2**20:.0f} MiB (radius={radius}); "
            f"more than MAX_GRAPH_BYTES = {MAX_GRAPH_BYTES / 2**20:.0f} MiB. Use a smaller radius, "
            "a downsampled image, or ncut_segment (which chooses a coarser path)"
        )
    vertex = _vertex_ids(img.shape[:-1], mask)
    return _build_graph(vertex, feat, radius, _sigma_color(feat, sigma_color), sigma_space,
                        spacing=spacing)


def graph_bytes(n_vertices, radius, ndim=2):
    """Upper bound of the CSR bytes of a pixel graph (every neighbour inside the image)."""
    return int(n_vertices) * (len(_offsets(radius, ndim)[0]) * 12 + 4) + 4


def _offsets(radius, ndim=2):
    """Offsets ``(dz, dy, dx)`` with ``dz^2 + dy^2 + dx^2 < radius^2`` (self included).

    In raveled order; ``dz`` is 0 for a 2-D image.
    """
    r = int(np.ceil(radius)) - 1
    rz = r if ndim == 3 else 0
    dz, dy, dx = np.mgrid[-rz:rz + 1, -r:r + 1, -r:r + 1]
    keep = dz**2 + dy**2 + dx**2 < radius**2
    return tuple(a[keep].astype(np.int64) for a in (dz, dy, dx))


def _build_graph(vertex, feat, radius, sigma_color, sigma_space, rows=None, spacing=None):
    """CSR pixel graph of the vertices in lattice rows ``rows`` (all rows by default).

    ``vertex`` is the 2-D or 3-D array of vertex ids; lattice rows are its
    rows along the last axis, plane by plane.
    """
    ndim = vertex.ndim
    vertex = vertex.reshape((1,) * (3 - ndim) + vertex.shape)
    dz, dy, dx, spatial = _offset_weights(radius, ndim, sigma_space, spacing)
    inv_sc2 = 1.0 / sigma_color**2
    n = feat.shape[1]
    row0, row1 = (0, vertex.shape[0] * vertex.shape[1]) if rows is None else rows
    counts = np.zeros(n, dtype=np.int64)
    count_edges(vertex, dz, dy, dx, row0, row1, counts)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int32)
    data = np.empty(indptr[-1], dtype=np.float64)
    fill_edges(vertex, feat, dz, dy, dx, spatial, inv_sc2, WEIGHT_FLOOR, row0, row1, indptr,
               indices, data)
    return _csr(indptr, indices, data, n)


def _offset_weights(radius, ndim, sigma_space, spacing):
    """Neighbour offsets ``(dz, dy, dx)`` and their spatial factors ``exp(-|X_i - X_j|^2 / sigma_space^2)``."""
    dz, dy, dx = _offsets(radius, ndim)
    steps = np.ones(3)
    if spacing is not None:
        steps[3 - ndim:] = spacing
    dist2 = (dz * steps[0]) ** 2 + (dy * steps[1]) ** 2 + (dx * steps[2]) ** 2
    return dz, dy, dx, np.exp(-dist2 / sigma_space**2).astype(np.float64)


def _block_graph(vertex, feat, factor, radius, sigma_color, sigma_space, spacing=None):
    """The pixel graph's quotient over blocks of ``factor`` pixels along every axis.

    Two blocks are joined by the sum of the weights (eq. 11) between their
    pixels, computed by one kernel pass over the pixels without building the
    pixel graph. Returns the CSR graph of the blocks that hold a vertex
    (numbered in raster order) and the block of every vertex.
    """
    ndim = vertex.ndim
    lattice = vertex.reshape((1,) * (3 - ndim) + vertex.shape)
    fz = factor if ndim == 3 else 1
    sizes = (fz, factor, factor)
    inside = lattice >= 0
    for axis, size in enumerate(sizes):  # blocks that hold a vertex
        inside = np.logical_or.reduceat(inside, np.arange(0, inside.shape[axis], size), axis=axis)
    block = np.full(inside.shape, -1, dtype=np.int64)
    block[inside] = np.arange(np.count_nonzero(inside))
    n_blocks = int(block.max()) + 1
    reach = -(-(int(np.ceil(radius)) - 1) // factor)
    reach_z = reach if ndim == 3 else 0
    slots = (2 * reach_z + 1, 2 * reach + 1, 2 * reach + 1)
    out = np.zeros((n_blocks, int(np.prod(slots))))
    dz, dy, dx, spatial = _offset_weights(radius, ndim, sigma_space, spacing)
    block_graph(lattice, feat, dz, dy, dx, spatial, 1.0 / sigma_color**2, WEIGHT_FLOOR, block, fz,
                factor, reach_z, reach, out)
    # Slot s of block a: the block at a's place plus the slot's offset.
    place = np.nonzero(inside)
    rows, cols = np.nonzero(out > 0)
    offset = np.unravel_index(cols, slots)
    other = block[tuple(p[rows] + o - r for p, o, r in zip(place, offset, (reach_z, reach, reach)))]
    W = scipy.sparse.csr_array((out[rows, cols], (rows, other)), shape=(n_blocks, n_blocks))
    # Each pair's weights are summed in the order of either block's pixels: exact symmetry.
    W = ((W + W.T) * 0.5).tocsr()
    pixel_block = block[np.ix_(*(np.arange(n) // size for n, size in zip(lattice.shape, sizes)))]
    return W, pixel_block[lattice >= 0]


def _superpixel_graph(vertex, feat, sp, n_sp, radius, sigma_color, sigma_space, spacing=None):
    """Quotient ``P^T W P`` of the pixel graph over superpixels, built a stripe of rows at a time."""
    width = vertex.shape[-1]
    height = vertex.size // width  # lattice rows, plane by plane
    per_row = graph_bytes(width, radius, vertex.ndim)
    stripe = max(1, min(height, graph_budget(MAX_GRAPH_BYTES, GRAPH_COPIES) // 4 // per_row))
    members = _members(sp, n_sp)
    Q = scipy.sparse.csr_array((n_sp, n_sp))
    for row0 in range(0, height, stripe):
        Ws = _build_graph(vertex, feat, radius, sigma_color, sigma_space,
                          rows=(row0, min(height, row0 + stripe)), spacing=spacing)
        Q = Q + _quotient(Ws, sp, n_sp, members)
    Q = Q.tocsr()
    Q.sum_duplicates()
    # Summation order differs between (i, j) and (j, i): restore exact symmetry.
    return ((Q + Q.T) * 0.5).tocsr()

def _members(aggregate, n_coarse):
    """The fine vertices of every aggregate: ``(members_ptr, members)``, a CSR of ``P^T``."""
    members = np.argsort(aggregate, kind="stable")
    members_ptr = np.zeros(n_coarse + 1, dtype=np.int64)
    np.cumsum(np.bincount(aggregate, minlength=n_coarse), out=members_ptr[1:])
    return members_ptr, members


def _quotient(W, aggregate, n_coarse, members=None):
    """``P^T W P`` for the 0/1 aggregation ``aggregate`` (a Numba kernel, no sparse products).

    ``members`` (from :func:`_members`) can be given when several graphs share
    the aggregation (the stripes of :func:`_superpixel_graph`).
    """
    members_ptr, members = _members(aggregate, n_coarse) if members is None else members
    indptr, indices, data = quotient_graph(W.indptr, W.indices, W.data, aggregate, n_coarse,
                                           members_ptr, members)
    return _csr(indptr, indices, data, n_coarse, sorted_rows=False)


def region_affinity(regions, features, boundary, sigma_color, sigma_edge):
    """Affinity of the regions of a label image for the normalized cut (the ``"regions"`` graph).

    For adjacent regions ``a`` and ``b`` (4-neighbour pixel pairs across the
    border, :func:`classicseg.region_graph`)

        w_ab = L_ab * exp(-||f_a - f_b||^2 / sigma_color^2) * exp(-bbar_ab^2 / sigma_edge^2),

    with ``L_ab`` the boundary length (pixel pairs across the border),
    ``f`` the regions' mean features and ``bbar_ab`` the mean boundary
    strength along the border: Shi & Malik's similarity (2000, eq. 11) of
    regions instead of pixels, times the intervening-contour cue of Malik,
    Belongie, Leung & Shi (IJCV 2001). The diagonal holds each region's inner
    pixel pairs counted both ways, ``w_aa = 2 * (4-neighbour pairs inside
    a)``, so that a region's association grows with its area as it does in
    the pixel graph. With both sigmas infinite this is exactly the quotient
    of the unit-weight 4-neighbour pixel graph over the regions. Cross
    weights are at least ``WEIGHT_FLOOR`` so adjacent regions stay joined.

    Parameters
    ----------
    regions : (M, N) int64 ndarray
        Region ``0 .. n - 1`` of every pixel, -1 outside the mask.
    features : (M, N, d) float ndarray
    boundary : (M, N) float ndarray
    sigma_color, sigma_edge : float

    Returns
    -------
    (n, n) scipy.sparse.csr_array of float64
    """
    from .hierarchy import region_graph

    n = int(regions.max()) + 1
    inside = regions.reshape(-1) >= 0
    flat = regions.reshape(-1)[inside]
    sizes = np.bincount(flat, minlength=n).astype(np.float64)
    means = np.stack([np.bincount(flat, weights=f.reshape(-1)[inside], minlength=n)
                      for f in np.moveaxis(features, -1, 0)], axis=1) / np.maximum(sizes, 1)[:, None]
    graph = region_graph(regions + 1, boundary)  # label 0: outside the mask
    region = graph.labels.astype(np.int64) - 1
    a, b = region[graph.edges[:, 0]], region[graph.edges[:, 1]]
    joined = (a >= 0) & (b >= 0)
    a, b = a[joined], b[joined]
    colour2 = ((means[a] - means[b]) ** 2).sum(axis=1)
    w = graph.length[joined] * np.exp(-colour2 / sigma_color**2
                                      - graph.boundary_mean[joined] ** 2 / sigma_edge**2)
    w = np.maximum(w, WEIGHT_FLOOR)
    inner = np.zeros(n)
    for axis in range(regions.ndim):
        head = regions.take(np.arange(regions.shape[axis] - 1), axis=axis)
        tail = regions.take(np.arange(1, regions.shape[axis]), axis=axis)
        same = (head == tail) & (head >= 0)
        inner += np.bincount(head[same], minlength=n)
    rows = np.concatenate([a, b, np.arange(n)])
    cols = np.concatenate([b, a, np.arange(n)])
    W = scipy.sparse.coo_array((np.concatenate([w, w, 2.0 * inner]), (rows, cols)),
                               shape=(n, n)).tocsr()
    W.sum_duplicates()
    return W

def _region_graph(image, img, feat, features, sp, mask, channel_axis, data_range, sigma_color,
                  sigma_edge):
    """The ``"regions"`` superpixel graph of an image: its features, scales and :func:`region_affinity`."""
    from .hierarchy import _colour_gradient, fusion_features

    spatial_shape = img.shape[:-1]
    regions = np.full(spatial_shape, -1, dtype=np.int64)
    if mask is None:
        regions.reshape(-1)[:] = sp
    else:
        regions[mask] = sp
    if features is None and img.shape[-1] in (1, 3, 4):
        planes, boundary = fusion_features(image, channel_axis=channel_axis,
                                           data_range=data_range, mask=mask)
        sigma_color = REGION_SIGMA_COLOR if sigma_color is None else sigma_color
    else:
        planes = np.zeros(spatial_shape + (feat.shape[0],))
        planes[regions >= 0] = feat.T
        boundary = _colour_gradient(planes)
        sigma_color = _sigma_color(feat, sigma_color)
    sigma_edge = REGION_SIGMA_EDGE if sigma_edge is None else sigma_edge
    return region_affinity(regions, planes, boundary, sigma_color, sigma_edge)

def _fused_regions(image, superpixels, channel_axis, data_range, mask):
    """The label image of ``superpixels="hierarchy"``: mean-shift leaves fused to 200 regions."""
    from .hierarchy import hierarchical_segment, merge_hierarchy

    if superpixels != "hierarchy":
        raise ValueError(f"superpixels must be a label image or 'hierarchy', got {superpixels!r}")
    leaves = hierarchical_segment(image, leaves="meanshift", channel_axis=channel_axis,
                                  data_range=data_range, mask=mask).leaves
    tree = merge_hierarchy(leaves, image, mask=mask, channel_axis=channel_axis,
                           data_range=data_range, **FUSION_FOR_NCUT)
    return tree.cut(n_regions=min(FUSED_REGIONS, tree.n_leaves))

def _vertex_ids(spatial_shape, mask):
    """Vertex id of every pixel (row-major over the mask), -1 outside the mask."""
    if mask is None:
        return np.arange(np.prod(spatial_shape), dtype=np.int64).reshape(spatial_shape)
    vertex = np.full(spatial_shape, -1, dtype=np.int64)
    vertex[mask] = np.arange(np.count_nonzero(mask))
    return vertex


def _n_vertices(img, mask):
    return img[..., 0].size if mask is None else int(np.count_nonzero(mask))


def _colour_features(img, is_color, features, data_range, mask):
    """Feature-major ``(d, n)`` float32 features of the colour term."""
    if features is None:
        features = "gray" if not is_color else ("lab" if img.shape[-1] == 3 else "color")
    return feature_stack(img, is_color, features, data_range=data_range, mask=mask)


def _sigma_color(feat, sigma_color):
    """The given colour scale, or ``SIGMA_COLOR_FACTOR`` times the features' spread (never 0)."""
    if sigma_color is not None:
        return sigma_color
    # Row by row: a float64 copy of one feature at a time, not of all of them.
    spread = float(np.sqrt(sum(row.astype(np.float64).var() for row in feat)))
    # A constant image has no spread: any positive scale gives the same graph.
    return SIGMA_COLOR_FACTOR * spread if spread > 0 else 1.0


def _check_spatial(img):
    if img.ndim not in (3, 4):
        raise ValueError("image must be a 2-D image or a 3-D volume (with or without channels), "
                         f"got spatial shape {img.shape[:-1]}")


def _check_graph_args(radius, sigma_color, sigma_space):
    radius = check_float(radius, "radius", positive=True)
    if radius < 1:
        raise ValueError(f"radius must be at least 1, got {radius}")
    if sigma_color is not None:
        sigma_color = check_float(sigma_color, "sigma_color", positive=True)
    sigma_space = check_float(sigma_space, "sigma_space", positive=True)
    return radius, sigma_color, sigma_space


def _csr(indptr, indices, data, n, sorted_rows=True):
    """A square CSR array from the parts kernels return, int32-indexed where it fits.

    int32 indices halve the index memory and speed up SciPy's products;
    SciPy keeps them only if the pointers are int32 too.
    """
    if indptr[-1] <= np.iinfo(np.int32).max:
        indptr, indices = indptr.astype(np.int32), indices.astype(np.int32, copy=False)
    W = scipy.sparse.csr_array((data, indices, indptr), shape=(n, n))
    W.has_sorted_indices = sorted_rows
    return W
