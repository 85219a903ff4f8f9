"""Normalized cut: :func:`ncut_value`, the array engine :func:`ncut_partition`
and the image function :func:`ncut_segment`.

Shi & Malik, "Normalized Cuts and Image Segmentation", TPAMI 22(8), 2000.
The pixel graph (eq. 11) is built in
:mod:`classicseg._pixel_graph`, the relaxed problem (eq. 7) solved by the
multilevel eigensolver of :mod:`classicseg._spectral`; this module cuts the
eigenvectors into segments and chooses the path for an image.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph

from . import _pixel_graph
from ._kernels.ncut import cut_profile, segment_association, side_components, subgraph
from ._pixel_graph import (
    _block_graph,
    _build_graph,
    _check_spatial,
    _check_graph_args,
    _colour_features,
    _csr,
    _fused_regions,
    _n_vertices,
    _region_graph,
    _sigma_color,
    _superpixel_graph,
    _vertex_ids,
    graph_bytes,
)
from ._spectral import _eigenvectors, _single_threaded_blas, _SolveLog
from ._validate import (
    ConvergenceWarning,
    check_float,
    check_int,
    check_memory,
    check_rng,
    check_start_label,
    graph_budget,
    labels_to_image,
    prepare_image,
)
from .features import _check_spacing

METHODS = ("recursive", "kway")
# Every value NcutResult.path takes (which graph was partitioned); a new one is added here.
PATHS = ("graph", "pixel", "coarse", "superpixel")
# ncut_segment's Ncut threshold when neither n_segments nor thresh is given:
# on the "regions" superpixel graph its BSDS500 train optimum
# (benchmarks/bsds_log.md, section 10); on pixel graphs ncut_partition's default.
REGION_THRESH = 0.0015
PIXEL_THRESH = 0.002
# Images of more pixels than this take the coarse path: blocks of pixels, at
# most this many, as vertices, so that the solve costs a few seconds whatever
# the image's size. 512 x 512 and BSDS's 481 x 321 keep their pixel graph. On
# the 1024 x 1024 mosaic crop of benchmarks/bench_scale.py the pixel graph took
# 43 s for an Ncut (measured on the pixel graph) of 0.019, the 2 x 2 blocks
# 6 s for 0.033.
COARSE_VERTICES = 1 << 18


@dataclass(frozen=True)
class NcutResult:
    """Result of :func:`ncut_partition` (and of ``ncut_segment(..., return_info=True)``).

    Attributes
    ----------
    labels : (n,) intp ndarray
        0-based segment of every vertex, numbered in the order of each
        segment's first vertex.
    n_segments : int
        Number of segments found.
    ncut : float
        k-way Ncut of the partition on the graph it was computed on,
        ``sum_k cut(A_k, V - A_k) / assoc(A_k, V)`` (:func:`ncut_value`).
    split_ncuts : (n_splits,) float64 ndarray
        Ncut of every 2-way split, in the order they were made, each on the
        subgraph it split (0 for a split into disconnected parts). Empty for
        ``method="kway"``.
    eigenvalues : tuple of ndarray
        Per eigen-solve, the smallest eigenvalues of ``(D - W) y = lambda D y``
        (the trivial 0 first).
    n_solves : int
        Eigen-solves run.
    solve_time : float
        Seconds spent in eigen-solves (coarsening included).
    n_solver_iter : int
        Block Krylov steps (and LOBPCG iterations) over all levels and solves
        (eigensolver work; not an ``n_iter`` of an update rule).
    max_residual : float
        Largest eigen-residual ``||N z - mu z||`` (``N = D^-1/2 W D^-1/2``,
        ``||z|| = 1``) of the vectors used, on the finest level of any
        solve (0 when every solve was dense).
    method : str
        ``"recursive"`` or ``"kway"``.
    path : str
        Which graph was partitioned, one of :data:`PATHS`: ``"graph"`` (the one given to
        :func:`ncut_partition`), ``"pixel"``, ``"coarse"`` (the pixel graph's
        quotient over blocks of pixels) or ``"superpixel"`` (the graph of the given
        superpixels, ``"regions"`` or ``"quotient"``: ``superpixel_graph``).
    n_vertices, n_edges : int
        Size of that graph (stored nonzeros, self-loops included).
    graph_bytes : int
        Memory of that graph in CSR form.
    """

    labels: np.ndarray
    n_segments: int
    ncut: float
    split_ncuts: np.ndarray
    eigenvalues: tuple
    n_solves: int
    solve_time: float
    n_solver_iter: int
    max_residual: float
    method: str
    path: str
    n_vertices: int
    n_edges: int
    graph_bytes: int


# ----------------------------------------------------------------------------
# Ncut values


def ncut_value(W, labels):
    """Normalized cut of a partition of a weighted graph.

    For two segments, ``Ncut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V)``
    (Shi & Malik 2000, eq. 2); for k segments the k-way sum
    ``sum_k cut(A_k, V - A_k) / assoc(A_k, V)``, which is the same for k = 2.
    ``assoc(A, V)`` sums the weights of all edges from ``A`` (self-loops
    included); a segment with ``assoc = 0`` adds nothing.

    Parameters
    ----------
    W : (n, n) sparse matrix or ndarray
        Symmetric non-negative affinities.
    labels : (n,) array_like of int
        Segment of every vertex (any integer ids).

    Returns
    -------
    float
        0 when no edge is cut; at most k.

    Raises
    ------
    ValueError, TypeError
        ``W`` not square, symmetric, finite and non-negative; ``labels`` of
        the wrong length or not integers.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0, 3, 1, 0], [3, 0, 0, 1], [1, 0, 0, 3], [0, 1, 3, 0]])
    >>> ncut_value(W, [0, 0, 1, 1])  # cut 2, both assoc 8: 2/8 + 2/8
    0.5
    """
    W = _check_affinity(W)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (W.shape[0],):
        raise ValueError(f"labels must have shape ({W.shape[0]},), one per vertex, got {labels.shape}")
    return _kway_ncut(W, np.unique(labels, return_inverse=True)[1].ravel())


def _kway_ncut(W, labels):
    assoc, within = segment_association(W.indptr, W.indices, W.data, labels,
                                        int(labels.max()) + 1)
    filled = assoc > 0
    return float(((assoc[filled] - within[filled]) / assoc[filled]).sum())


def _check_affinity(W):
    """W as a canonical CSR float64 matrix after the checks of a symmetric affinity."""
    if scipy.sparse.issparse(W):
        if W.dtype.kind not in "biuf":
            raise TypeError(f"W must have real weights, got dtype {W.dtype}")
        W = scipy.sparse.csr_array(W, dtype=np.float64)
    else:
        W = np.asarray(W)
        if W.dtype.kind not in "biuf":
            raise TypeError(f"W must be a sparse matrix or a numeric array, got dtype {W.dtype}")
        if W.ndim != 2:
            raise ValueError(f"W must be a square matrix, got shape {W.shape}")
        W = scipy.sparse.csr_array(W.astype(np.float64))
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        raise ValueError(f"W must be a non-empty square matrix, got shape {W.shape}")
    W.sum_duplicates()
    if not np.isfinite(W.data).all():
        raise ValueError("W contains NaN or infinite weights")
    if (W.data < 0).any():
        raise ValueError("W must have non-negative weights")
    asym = abs(W - W.T)
    scale = float(abs(W).max()) if W.nnz else 0.0
    if asym.nnz and float(asym.max()) > 1e-10 * scale:
        raise ValueError("W must be symmetric (W == W.T)")
    W.eliminate_zeros()
    return W


# ----------------------------------------------------------------------------
# Partitions


def _best_split(W, degree, y, min_split_size):
    """Threshold of ``y`` minimising Ncut over every distinct cut point at once.

    Sorting ``y`` once, a prefix of the first ``m`` vertices is ``A``;
    ``cut(A, B)`` for every ``m`` comes from one pass over the edges
    (:func:`~classicseg._kernels.ncut.cut_profile`) and ``assoc(A, V)`` is a
    cumulative sum of degrees. Returns ``(ncut, in_A)`` or
    ``(inf, None)`` when no threshold leaves ``min_split_size`` vertices each side.
    """
    n = y.shape[0]
    order = np.argsort(y, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    cut = cut_profile(W.indptr, W.indices, W.data, rank)  # cut[m - 1]: A = the first m vertices
    assoc_a = np.cumsum(degree[order])[: n - 1]
    assoc_b = degree.sum() - assoc_a
    with np.errstate(divide="ignore", invalid="ignore"):
        ncut = cut / assoc_a + cut / assoc_b
    sizes = np.arange(1, n)
    ys = y[order]
    valid = ((ys[:-1] < ys[1:]) & (sizes >= min_split_size) & (n - sizes >= min_split_size)
             & np.isfinite(ncut))
    if not valid.any():
        return np.inf, None
    m = int(np.flatnonzero(valid)[np.argmin(ncut[valid])]) + 1
    in_a = np.zeros(n, dtype=bool)
    in_a[order[:m]] = True
    return float(max(ncut[m - 1], 0.0)), in_a


def _components(W):
    """Connected components of a symmetric graph.

    Strong components of the directed graph are the same here and need no
    transposed copy (``directed=False`` makes one).
    """
    return scipy.sparse.csgraph.connected_components(W, directed=True, connection="strong")


def _split_segment(W, vertices, min_split_size, rng, log):
    """Best 2-way split of the subgraph on ``vertices``: ``(ncut, part_a, part_b)``.

    A disconnected subgraph splits at no cost: its component of largest
    association against the rest. Otherwise the second eigenvector of eq. 7
    is cut at the threshold of least Ncut.
    """
    if vertices.size < max(2, 2 * min_split_size):
        return np.inf, None, None
    sub = W if vertices.size == W.shape[0] else _induced(W, vertices)
    n_comp, comp = _components(sub)
    degree = np.asarray(sub.sum(axis=1)).ravel()
    if n_comp > 1:
        volume = np.bincount(comp, weights=degree, minlength=n_comp)
        in_a = comp == int(np.argmax(volume))
        return 0.0, vertices[in_a], vertices[~in_a]
    _, y = _eigenvectors(sub, 2, rng, log)
    in_a = _best_split(sub, degree, y[:, 1], min_split_size)[1]
    if in_a is not None:
        in_a = _give_away_specks(sub, in_a, min_split_size)
    if in_a is None:
        return np.inf, None, None
    ncut = _kway_ncut(sub, in_a.astype(np.intp))
    return ncut, vertices[in_a], vertices[~in_a]


def _give_away_specks(W, in_a, min_split_size):
    """Move the pieces of either side smaller than ``min_split_size`` to the other side.

    A threshold of the eigenvector can leave a few pixels of one side inside
    the other; as segments of their own they would later split off at Ncut 0.
    Returns the new sides, or None when a side is left empty.
    """
    piece, size = side_components(W.indptr, W.indices, in_a)
    small = size[piece] < min_split_size
    in_a = in_a ^ small
    return in_a if 0 < np.count_nonzero(in_a) < in_a.size else None


def _induced(W, vertices):
    """The subgraph of ``W`` induced by the sorted ``vertices``."""
    local = np.full(W.shape[0], -1, dtype=np.int64)
    return _csr(*subgraph(W.indptr, W.indices, W.data, vertices, local), vertices.size)


def _recursive(W, n_segments, thresh, min_split_size, rng, log):
    """Shi & Malik's recursive 2-way Ncut (section 3.1, step 4 and 5)."""
    leaves = [np.arange(W.shape[0])]
    splits = [None]  # best split of each leaf, computed when first needed
    split_ncuts = []
    while n_segments is None or len(leaves) < n_segments:
        for i, s in enumerate(splits):
            if s is None:
                splits[i] = _split_segment(W, leaves[i], min_split_size, rng, log)
        best = int(np.argmin([s[0] for s in splits]))  # first leaf on ties
        ncut, part_a, part_b = splits[best]
        if not np.isfinite(ncut) or (n_segments is None and ncut >= thresh):
            break
        split_ncuts.append(ncut)
        leaves[best: best + 1] = [part_a, part_b]
        splits[best: best + 1] = [None, None]
    labels = np.empty(W.shape[0], dtype=np.intp)
    for label, part in enumerate(sorted(leaves, key=lambda v: v[0])):
        labels[part] = label
    return labels, np.array(split_ncuts, dtype=np.float64)


def _kway(W, n_segments, rng, log):
    """k-way Ncut: the first k eigenvectors, rows normalised, clustered by k-means.

    Ng, Jordan & Weiss (2001) discretisation of the embedding ``D^1/2 y``.
    On a disconnected graph the eigenvectors of eigenvalue 0 are the
    components' indicators, so the embedding separates them by itself.
    """
    from ._kmeans import kmeans

    n = W.shape[0]
    if n_segments == 1:
        return np.zeros(n, dtype=np.intp)
    degree = np.asarray(W.sum(axis=1)).ravel()
    n_comp, comp = _components(W)
    if n_comp >= n_segments:
        return _group_components(comp, degree, n_segments)
    if (degree == 0).any():
        # A self-loop on an isolated vertex changes no Ncut and makes D invertible.
        W = W + scipy.sparse.diags_array((degree == 0).astype(np.float64)).tocsr()
        degree = np.maximum(degree, 1.0)
    _, y = _eigenvectors(W, n_segments, rng, log)
    embedding = y * np.sqrt(degree)[:, None]
    embedding /= np.linalg.norm(embedding, axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = kmeans(embedding, n_segments, init="k-means++", n_init=4, tol=1e-6,
                        rng=rng).labels
    return _first_seen_order(labels)


def _group_components(comp, degree, n_segments):
    """At least as many components as segments: the largest keep their own label."""
    volume = np.bincount(comp, weights=degree) + np.bincount(comp) * 1e-12
    rank = np.empty_like(volume, dtype=np.intp)
    rank[np.argsort(-volume, kind="stable")] = np.arange(volume.size)
    return _first_seen_order(np.minimum(rank[comp], n_segments - 1))


def _first_seen_order(labels):
    """Relabel 0..k-1 in the order of each label's first vertex."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]


def ncut_partition(W, n_segments=None, *, thresh=0.002, method="recursive",
                   min_split_size=None, rng=None):
    """Partition a weighted graph by the normalized cut (Shi & Malik 2000).

    Parameters
    ----------
    W : (n, n) sparse matrix or ndarray
        Symmetric non-negative affinities (any graph, not only pixels).
    n_segments : int, optional
        Number of segments, ``1 <= n_segments <= n``. With ``"recursive"``,
        the segment whose best split has the lowest Ncut is split until there
        are this many (fewer, with a warning, if no segment can be split
        respecting ``min_split_size``). It overrides ``thresh``.
    thresh : float
        Without ``n_segments``: keep splitting while the best split's Ncut
        is below this (Shi & Malik's Ncut check, step 5). How many segments
        a value gives depends on the image; ``n_segments`` is the steadier
        control.
    method : {"recursive", "kway"}
        ``"recursive"``: 2-way splits by the second eigenvector, cut at the
        threshold of least Ncut among all of its distinct values.
        ``"kway"`` (needs ``n_segments``): k-means on the rows of the first
        ``n_segments`` eigenvectors (Ng, Jordan & Weiss 2001).
    min_split_size : int, optional
        Least number of vertices each side of a split (default
        ``max(1, n // 1000)``); pieces of a side smaller than this (pixels
        of one side stranded in the other) go to the other side. Parts of
        the graph that are not connected at all are split off first, at
        Ncut 0, largest association first.
    rng : None, int or numpy.random.Generator
        Seeds the k-means of ``"kway"`` and the start block of LOBPCG when
        a graph cannot be coarsened; the multilevel solve is otherwise
        deterministic. The same seed gives the same labels.

    Returns
    -------
    NcutResult
        ``labels`` (0-based), ``ncut``, ``split_ncuts``, ``eigenvalues``,
        solve counters, ``path="graph"``.

    Raises
    ------
    ValueError
        ``W`` not square, symmetric, finite and non-negative; ``n_segments``
        out of range; unknown ``method``; bad ``thresh`` or ``min_split_size``.
    TypeError
        Non-numeric ``W`` or a parameter of the wrong type.

    Warns
    -----
    ConvergenceWarning
        Fewer segments than ``n_segments`` could be made.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.kron(np.eye(2), np.ones((3, 3))) + 0.01  # two cliques, weakly joined
    >>> res = ncut_partition(W, 2)
    >>> res.labels.tolist(), round(res.ncut, 3)
    ([0, 0, 0, 1, 1, 1], 0.02)
    """
    W = _check_affinity(W)
    n_segments, thresh, method, min_split_size, rng = _check_partition_args(
        W.shape[0], n_segments, thresh, method, min_split_size, rng)
    return _partition(W, n_segments, thresh, method, min_split_size, rng, path="graph")


def _check_partition_args(n, n_segments, thresh, method, min_split_size, rng):
    if n_segments is not None:
        n_segments = check_int(n_segments, "n_segments", minimum=1, maximum=n)
    thresh = check_float(thresh, "thresh", nonnegative=True)
    if method not in METHODS:
        raise ValueError(f"unknown method={method!r}; expected one of {', '.join(METHODS)}")
    if method == "kway" and n_segments is None:
        raise ValueError("method='kway' needs n_segments")
    min_split_size = (max(1, n // 1000) if min_split_size is None
                      else check_int(min_split_size, "min_split_size", minimum=1))
    return n_segments, thresh, method, min_split_size, check_rng(rng)


def _partition(W, n_segments, thresh, method, min_split_size, rng, path):
    log = _SolveLog()
    with _single_threaded_blas():
        if method == "kway":
            labels, split_ncuts = _kway(W, n_segments, rng, log), np.empty(0)
        else:
            labels, split_ncuts = _recursive(W, n_segments, thresh, min_split_size, rng, log)
    found = int(labels.max()) + 1
    if n_segments is not None and found < n_segments:
        warnings.warn(f"found {found} segments, fewer than n_segments={n_segments}: no segment "
                      f"could be split further with min_split_size={min_split_size}",
                      ConvergenceWarning, stacklevel=3)
    return NcutResult(
        labels=labels, n_segments=found, ncut=_kway_ncut(W, labels), split_ncuts=split_ncuts,
        eigenvalues=tuple(log.eigenvalues), n_solves=len(log.eigenvalues),
        solve_time=log.time, n_solver_iter=log.n_iter, max_residual=log.max_residual, method=method,
        path=path, n_vertices=W.shape[0], n_edges=int(W.nnz),
        graph_bytes=int(W.data.nbytes + W.indices.nbytes + W.indptr.nbytes))


# ----------------------------------------------------------------------------
# Images


def ncut_segment(image, n_segments=None, *, features=None, radius=3, sigma_color=None,
                 sigma_space=4.0, thresh=None, method="recursive", min_split_size=None,
                 superpixels=None, superpixel_graph="regions", sigma_edge=None, data_range=None,
                 channel_axis=-1, mask=None, rng=None, start_label=1, return_info=False,
                 spacing=None):
    """Segment an image by the normalized cut of its pixel graph (Shi & Malik 2000).

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        2-D image or 3-D volume, grayscale (``channel_axis=None``) or with
        channels.
    n_segments : int, optional
        Number of segments; overrides ``thresh``.
    features, radius, sigma_color, sigma_space, data_range, spacing
        The affinity graph, see :func:`affinity_graph` (``radius=1.2``: the
        6-neighbourhood of a volume; 2: the 26-neighbourhood). On the ``"regions"``
        superpixel graph ``radius`` and ``sigma_space`` are not used, and
        ``features=None`` means :func:`classicseg.fusion_features` (smoothed
        Lab + texture energy) with ``sigma_color=None`` meaning 12.
    thresh : float, optional
        Without ``n_segments``: split while the best split's Ncut is below
        this (see :func:`ncut_partition`). None (default): 0.0015 on the
        ``"regions"`` superpixel graph (chosen on BSDS500 train), 0.002 on
        the pixel and quotient graphs (their Ncut values are of another
        scale; there ``n_segments`` is the steadier control).
    method, min_split_size, rng
        See :func:`ncut_partition`; ``min_split_size`` counts vertices (pixels, or
        superpixels on that path).
    superpixels : (M, N[, P]) int ndarray or "hierarchy", optional
        Labels of superpixels or regions (from a
        :class:`classicseg.Hierarchy`'s ``cut(n_regions=200)``,
        ``skimage.segmentation.slic``, ...): one vertex per label, its graph
        chosen by ``superpixel_graph``. ``"hierarchy"``: Ncut on fused
        regions in one call, the mean-shift leaves of
        :func:`classicseg.hierarchical_segment` merged by
        :func:`classicseg.merge_hierarchy` (``edge_weight=3,
        size_scale=500, size_power=0.5``, a shorter-reaching size prior than
        its default) and cut into 200 regions (RGB or grayscale images).
    superpixel_graph : {"regions", "quotient"}
        ``"regions"`` (default): the region adjacency graph
        (:func:`classicseg.region_graph`) weighted by
        ``w_ab = L_ab exp(-||f_a - f_b||^2 / sigma_color^2) exp(-bbar_ab^2 / sigma_edge^2)``
        (``L_ab`` boundary length, ``f`` mean features, ``bbar_ab`` mean
        colour gradient along the border) with each region's inner
        4-neighbour pixel pairs, counted both ways, as its self-affinity
        (see ``classicseg._pixel_graph.region_affinity``): made for a few
        hundred fused regions, whose borders already follow contours.
        ``"quotient"``: the quotient of the pixel graph over the
        superpixels (eq. 11 weights summed between superpixels), built in
        stripes of rows, so its Ncut values are those of the pixel graph
        for partitions that follow superpixels.
    sigma_edge : float, optional
        Scale of the border's mean colour gradient in the ``"regions"``
        graph, in the boundary's units (default 20, Lab gradient).
    channel_axis : int or None
        Axis of the colour channels; None for grayscale.
    mask : (M, N[, P]) bool ndarray, optional
        Only these pixels are segmented; the others get ``start_label - 1``.
    start_label : {0, 1}
        Label of the first segment.
    return_info : bool
        Also return the :class:`NcutResult` (``info.path`` tells which graph
        was partitioned).

    Returns
    -------
    labels : (M, N[, P]) intp ndarray
        Segment of every pixel, from ``start_label``.
    info : NcutResult
        Only with ``return_info=True``.

    Notes
    -----
    Paths, chosen before anything large is allocated (``info.path``):
    ``"superpixel"`` when ``superpixels`` is given; ``"pixel"`` when the
    image has at most ``COARSE_VERTICES`` (262 144, 512 x 512) pixels and
    its pixel graph fits in ``MAX_GRAPH_BYTES`` (512 MiB: 1.5 megapixels at
    radius 3, 0.5 at radius 5; the solve holds a few graphs of that size at
    once, and less is used when the memory available now cannot hold
    ``GRAPH_COPIES`` of them); otherwise ``"coarse"``: blocks of ``f``
    pixels along every axis are the vertices, ``f`` the least integer that
    leaves at most ``COARSE_VERTICES`` blocks whose graph fits, and two
    blocks are joined by the sum of the pixel graph's weights between their
    pixels (its quotient, as ``superpixel_graph="quotient"``, built a stripe
    of rows at a time), so that a partition of the blocks has the pixel
    graph's Ncut value; each pixel takes its block's segment
    (``min_split_size`` is divided by ``f**ndim``). Larger images thus cost
    about the same solve, with segment borders on the blocks' grid.

    Raises
    ------
    ValueError, TypeError
        Bad image, mask, superpixels or parameter; the message names it.

    Warns
    -----
    ConvergenceWarning
        Fewer segments than ``n_segments`` could be made, or, without
        ``n_segments``, a single segment (no split had Ncut below
        ``thresh``): the message says to raise ``thresh`` or pass
        ``n_segments``.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((20, 30)); img[:, 12:] = 1
    >>> labels = ncut_segment(img, 2, channel_axis=None, rng=0)
    >>> np.unique(labels[:, :12]).tolist(), np.unique(labels[:, 12:]).tolist()
    ([1], [2])
    """
    start_label = check_start_label(start_label)
    img, is_color, mask = prepare_image(image, channel_axis, mask)
    _check_spatial(img)
    radius, sigma_color, sigma_space = _check_graph_args(radius, sigma_color, sigma_space)
    spatial_shape = img.shape[:-1]
    spacing = _check_spacing(spacing, len(spatial_shape))
    n = _n_vertices(img, mask)
    if superpixel_graph not in _pixel_graph.SUPERPIXEL_GRAPHS:
        raise ValueError(f"superpixel_graph must be one of {_pixel_graph.SUPERPIXEL_GRAPHS}, "
                         f"got {superpixel_graph!r}")
    if sigma_edge is not None:
        sigma_edge = check_float(sigma_edge, "sigma_edge", positive=True)
    regions = superpixels is not None and superpixel_graph == "regions"
    if isinstance(superpixels, str):
        superpixels = _fused_regions(image, superpixels, channel_axis, data_range, mask)
    if superpixels is not None:
        sp, n = _check_superpixels(superpixels, spatial_shape, mask)
    if thresh is None:
        thresh = REGION_THRESH if regions else PIXEL_THRESH
    args = _check_partition_args(n, n_segments, thresh, method, min_split_size, rng)
    feat = _colour_features(img, is_color, features, data_range, mask)
    region_sigma_color = sigma_color  # the regions graph has its own default scale
    sigma_color = _sigma_color(feat, sigma_color)
    vertex = _vertex_ids(spatial_shape, mask)

    if superpixels is not None:
        if regions:
            W = _region_graph(image, img, feat, features, sp, mask, channel_axis, data_range,
                              region_sigma_color, sigma_edge)
        else:
            W = _superpixel_graph(vertex, feat, sp, n, radius, sigma_color, sigma_space,
                                  spacing)
        info = _partition(W, *args, path="superpixel")
        labels0 = info.labels[sp]
    elif n <= COARSE_VERTICES and graph_bytes(n, radius, len(spatial_shape)) <= graph_budget(
            _pixel_graph.MAX_GRAPH_BYTES, _pixel_graph.GRAPH_COPIES):
        W = _build_graph(vertex, feat, radius, sigma_color, sigma_space, spacing=spacing)
        info = _partition(W, *args, path="pixel")
        labels0 = info.labels
    else:
        labels0, info = _coarse_segment(feat, vertex, mask, spatial_shape, radius, sigma_color,
                                        sigma_space, spacing, args)
    if n_segments is None and info.n_segments == 1 and n > 1:
        warnings.warn(f"ncut_segment found a single segment: no split had an Ncut below "
                      f"thresh={args[1]}; raise thresh or pass n_segments", ConvergenceWarning,
                      stacklevel=2)
    labels = labels_to_image(labels0, spatial_shape, mask, start_label)
    return (labels, info) if return_info else labels


def _check_superpixels(superpixels, spatial_shape, mask):
    """Superpixel id (0-based, compact) of every vertex, and their number."""
    sp = np.asarray(superpixels)
    if sp.dtype.kind not in "iu":
        raise TypeError(f"superpixels must be an integer label image, got dtype {sp.dtype}")
    if sp.shape != tuple(spatial_shape):
        raise ValueError(
            f"superpixels must have the image's spatial shape {tuple(spatial_shape)}, got {sp.shape}")
    sp = sp.ravel() if mask is None else sp[mask]
    _, inverse = np.unique(sp, return_inverse=True)
    inverse = inverse.ravel()
    return inverse, int(inverse.max()) + 1


def _coarse_segment(feat, vertex, mask, spatial_shape, radius, sigma_color, sigma_space, spacing,
                    args):
    """Segment the quotient of the pixel graph over square (cubic) blocks of pixels.

    Blocks of ``factor`` pixels along every axis are the vertices; the weight
    between two blocks sums the pixel graph's weights between their pixels
    (:func:`~classicseg._pixel_graph._block_graph`, without building the pixel
    graph), so a partition along the blocks has the pixel graph's Ncut value. Averaging
    the features over blocks instead would smooth texture and noise away and
    cut another image.
    """
    n = feat.shape[1]
    ndim = len(spatial_shape)
    factor = max(2, int(np.ceil((n / COARSE_VERTICES) ** (1 / ndim))))
    budget = graph_budget(_pixel_graph.MAX_GRAPH_BYTES, _pixel_graph.GRAPH_COPIES)
    while _block_graph_bytes(n, factor, radius, ndim) > budget:
        factor += 1
        if factor > max(spatial_shape):  # not even one block's graph fits
            check_memory(_pixel_graph.GRAPH_COPIES * _block_graph_bytes(1, 1, radius, ndim),
                         "the graph of the blocks", "free memory or raise CLASSICSEG_MEMORY_LIMIT")
            break
    W, block = _block_graph(vertex, feat, factor, radius, sigma_color, sigma_space, spacing)
    n_blocks = W.shape[0]
    n_segments, thresh, method, min_split_size, rng = args
    if n_segments is not None:
        n_segments = min(n_segments, n_blocks)
    info = _partition(W, n_segments, thresh, method, max(1, min_split_size // factor**ndim), rng,
                      path="coarse")
    return info.labels[block], info


def _block_graph_bytes(n, factor, radius, ndim):
    """Upper bound of the bytes of the graph of ``n`` pixels' blocks of ``factor`` pixels a side.

    Blocks ``b`` apart (in blocks, per axis) are joined when their nearest
    pixels, ``max(0, (|b| - 1) factor + 1)`` apart per axis, are closer than
    ``radius``: that many CSR entries per block, plus the dense sums per
    block and offset that :func:`~classicseg._pixel_graph._block_graph` gathers them in.
    """
    reach = -(-(int(np.ceil(radius)) - 1) // factor)
    b = np.abs(np.mgrid[(slice(-reach, reach + 1),) * ndim])
    gap = np.maximum(0, (b - 1) * factor + 1)
    entries = np.count_nonzero((gap**2).sum(axis=0) < radius**2)
    return int(-(-n // factor**ndim)) * (entries * 12 + b[0].size * 8 + 4) + 4
