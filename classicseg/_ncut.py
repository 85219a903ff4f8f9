"""Normalized cut: :func:`affinity_graph`, :func:`ncut_value`, the array engine
:func:`ncut_partition` and the image function :func:`ncut_segment`.

Shi & Malik, "Normalized Cuts and Image Segmentation", TPAMI 22(8), 2000
(lecture: Graph Based Segmentation). A pixel is a vertex; pixels closer than
``radius`` are joined by an edge of weight (eq. 11)

    w_ij = exp(-||F_i - F_j||^2 / sigma_color^2) * exp(-||X_i - X_j||^2 / sigma_space^2).

The lecture writes the exponent as an unsquared distance over 2 sigma^2; we
follow the paper. As in the paper, ``||X_i - X_i|| = 0 < r`` puts a self-loop
of weight 1 on every pixel, so no vertex has zero degree.

The relaxed problem ``(D - W) y = lambda D y`` is solved in its symmetric
normalised form ``D^-1/2 (D - W) D^-1/2 z = lambda z``, ``y = D^-1/2 z``
(eq. 7), by a multilevel solver, so that a pixel graph of 154 000 vertices
costs a few sparse products rather than hundreds of Lanczos iterations: the
graph is coarsened by heavy-edge matching (as Graclus does for the normalized
cut: Dhillon, Guan & Kulis, TPAMI 2007) down to a few hundred vertices and
solved there densely (``scipy.linalg.eigh``); the eigenvectors are prolonged
level by level and refined on each by Rayleigh-Ritz over a few block Krylov
(Lanczos) steps. The coarse graph is the quotient graph ``P^T W P``
(Galerkin), so its eigenproblem is the fine one restricted to
piecewise-constant vectors, and each level only has to remove local error.
Where a graph cannot be coarsened (a star), ``scipy.sparse.linalg.lobpcg``
runs from a start block drawn from ``rng``.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.csgraph
import scipy.sparse.linalg

from ._kernels.ncut import (
    count_edges,
    fill_edges,
    cut_profile,
    heavy_edge_matching,
    quotient_graph,
    scale_symmetric,
    segment_association,
    side_components,
    subgraph,
)
from ._validate import (
    ConvergenceWarning,
    check_float,
    check_int,
    check_rng,
    check_memory,
    check_start_label,
    graph_budget,
    labels_to_image,
    prepare_image,
)
from .features import feature_stack

METHODS = ("recursive", "kway")

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
# Graphs up to this many vertices are solved densely (scipy.linalg.eigh).
DENSE_SIZE = 300
# Coarsening stops when a matching pass removes fewer than this share of vertices.
MIN_COARSENING = 0.1
# Block Krylov steps of the refinement on intermediate levels and on the finest.
KRYLOV_STEPS = 6
# Extra vectors carried along: they speed up the convergence of the wanted ones.
GUARD_VECTORS = 1
KRYLOV_STEPS_FINEST = 4
# LOBPCG (only where coarsening stalls): iterations and residual tolerance.
LOBPCG_ITER = 500
LOBPCG_TOL = 1e-8
# Default colour scale: sigma_color = SIGMA_COLOR_FACTOR * the features' spread.
# Shi & Malik's 0.1 of the range; on BSDS500 train images (6 images, 8
# segments, radius 3) spread factors 0.15 / 0.2 / 0.25 / 0.3 gave covering
# 0.41 / 0.41 / 0.35 / 0.35 and PRI 0.66 / 0.70 / 0.68 / 0.74 (0.3: 4 images).
SIGMA_COLOR_FACTOR = 0.2


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
    n_iter : int
        Block Krylov steps (and LOBPCG iterations) over all levels and solves.
    max_residual : float
        Largest eigen-residual ``||N z - mu z||`` (``N = D^-1/2 W D^-1/2``,
        ``||z|| = 1``) of the vectors used, on the finest level of any
        solve (0 when every solve was dense).
    method : str
        ``"recursive"`` or ``"kway"``.
    path : str
        Which graph was partitioned: ``"graph"`` (the one given to
        :func:`ncut_partition`), ``"pixel"``, ``"coarse"`` (a downsampled
        image's pixel graph) or ``"superpixel"`` (the quotient graph of the
        pixel graph over the given superpixels).
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
    n_iter: int
    max_residual: float
    method: str
    path: str
    n_vertices: int
    n_edges: int
    graph_bytes: int


# ----------------------------------------------------------------------------
# The pixel graph


def affinity_graph(image, *, features=None, radius=3, sigma_color=None, sigma_space=4.0,
                   data_range=None, channel_axis=-1, mask=None):
    """Pixel affinity graph of Shi & Malik (2000, eq. 11) as a sparse matrix.

    Parameters
    ----------
    image : (M, N[, C]) ndarray
        2-D image, grayscale (``channel_axis=None``) or with channels.
    features : str, callable or ndarray, optional
        The features ``F`` compared by the colour term, see
        :func:`classicseg.pixel_features`. None takes the colour alone:
        ``"lab"`` for RGB images, ``"gray"`` for grayscale, ``"color"``
        otherwise (positions enter through the spatial term).
    radius : int
        Pixels closer than ``radius`` (Euclidean, in pixels) are joined:
        ``||X_i - X_j|| < radius``, as in the paper (28 neighbours at 3, 80
        at Shi & Malik's 5). On BSDS500 train images (6, 8 segments) radius 5
        covered the human segments better than 3 (covering 0.46 against
        0.41, PRI 0.71 against 0.70) at about 2.3 times the time and memory;
        3 is the default so that a 481 x 321 image segments at pixel level
        faster than scikit-image's superpixel Ncut.
    sigma_color : float, optional
        Scale of the colour term, in feature units (8-bit levels, or CIELAB).
        None: 0.2 times the features' spread (root of the summed per-feature
        variances over the image); Shi & Malik used 0.1 of the intensity
        range.
    sigma_space : float
        Scale of the spatial term, in pixels (Shi & Malik: 4).
    data_range : float, optional
        Value of full intensity, see :func:`classicseg.pixel_features`.
    channel_axis : int or None
        Axis of the colour channels; None for grayscale.
    mask : (M, N) bool ndarray, optional
        Only these pixels are vertices.

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
        Bad image or mask, ``radius < 1``, ``sigma_color <= 0`` or
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
    _check_2d(img)
    radius, sigma_color, sigma_space = _check_graph_args(radius, sigma_color, sigma_space)
    feat = _colour_features(img, is_color, features, data_range, mask)
    nbytes = graph_bytes(_n_vertices(img, mask), radius)
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
    return _build_graph(vertex, feat, radius, _sigma_color(feat, sigma_color), sigma_space)


def graph_bytes(n_vertices, radius):
    """Upper bound of the CSR bytes of a pixel graph (every neighbour inside the image)."""
    return int(n_vertices) * (len(_offsets(radius)[0]) * 12 + 4) + 4


def _offsets(radius):
    """Neighbour offsets with ``dy^2 + dx^2 < radius^2`` (self included), in raveled order."""
    r = int(np.ceil(radius)) - 1
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    keep = dy**2 + dx**2 < radius**2
    return dy[keep].astype(np.int64), dx[keep].astype(np.int64)


def _build_graph(vertex, feat, radius, sigma_color, sigma_space, rows=None):
    """CSR pixel graph of the vertices in image rows ``rows`` (all rows by default)."""
    dy, dx = _offsets(radius)
    spatial = np.exp(-(dy**2 + dx**2) / sigma_space**2).astype(np.float64)
    inv_sc2 = 1.0 / sigma_color**2
    n = feat.shape[1]
    row0, row1 = (0, vertex.shape[0]) if rows is None else rows
    counts = np.zeros(n, dtype=np.int64)
    count_edges(vertex, dy, dx, row0, row1, counts)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int32)
    data = np.empty(indptr[-1], dtype=np.float64)
    fill_edges(vertex, feat, dy, dx, spatial, inv_sc2, WEIGHT_FLOOR, row0, row1, indptr, indices,
               data)
    return _csr(indptr, indices, data, n)


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
    spread = float(np.sqrt(feat.astype(np.float64).var(axis=1).sum()))
    # A constant image has no spread: any positive scale gives the same graph.
    return SIGMA_COLOR_FACTOR * spread if spread > 0 else 1.0


def _check_2d(img):
    if img.ndim != 3:
        raise ValueError(
            f"image must be a 2-D image (with or without channels), got spatial shape {img.shape[:-1]}"
        )


def _check_graph_args(radius, sigma_color, sigma_space):
    radius = check_int(radius, "radius", minimum=1)
    if sigma_color is not None:
        sigma_color = check_float(sigma_color, "sigma_color", positive=True)
    sigma_space = check_float(sigma_space, "sigma_space", positive=True)
    return radius, sigma_color, sigma_space


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
# The eigen-solve


def _single_threaded_blas():
    """Run BLAS/LAPACK on one thread, if threadpoolctl is there (it comes with scikit-learn).

    The solver's dense work is small (eigenproblems of a few hundred rows,
    products of tall-thin blocks): threads cost more than they give there,
    and on a busy machine OpenBLAS's spinning threads made a 300 x 300
    ``eigh`` 50 times slower; threaded sums also changed the labels. Without
    threadpoolctl, :func:`classicseg._blas.one_blas_thread` does the same by
    ctypes, so the results do not depend on whether it is installed.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        from ._blas import one_blas_thread

        return one_blas_thread()
    return threadpool_limits(1, user_api="blas")


class _SolveLog:
    """Counters of the eigen-solves of one partition."""

    def __init__(self):
        self.eigenvalues = []
        self.time = 0.0
        self.n_iter = 0
        self.max_residual = 0.0

    def record(self, n_iter, residual=None):
        """Count ``n_iter`` iterations and, on a finest level, the residuals of the kept vectors."""
        self.n_iter += n_iter
        if residual is not None:
            kept = residual[: max(1, residual.size - GUARD_VECTORS)]  # not the guard vectors
            self.max_residual = max(self.max_residual, float(kept.max()))


def _normalized(W, degree):
    """``D^-1/2 W D^-1/2`` (CSR), the matrix whose top eigenvectors solve eq. 7."""
    data = scale_symmetric(W.indptr, W.indices, W.data, 1.0 / np.sqrt(degree))
    return scipy.sparse.csr_array((data, W.indices, W.indptr), shape=W.shape)


def _is_small(n, n_block):
    """Whether a graph of ``n`` vertices is solved densely (also where LOBPCG could not run)."""
    return n <= max(DENSE_SIZE, 5 * n_block)


def _dense_solve(W, degree, n_vectors):
    """Smallest eigenvalues of eq. 7 and generalised eigenvectors ``y``, by a dense solve."""
    N = _normalized(W, degree).toarray()
    values, z = scipy.linalg.eigh(-N, subset_by_index=[0, min(n_vectors, N.shape[0]) - 1])
    return 1.0 + values, z / np.sqrt(degree)[:, None]


def _coarsen(W, degree):
    """Two heavy-edge matching passes: the prolongation ``P``, ``P^T W P`` and its degrees.

    Two passes per level (about 4 vertices per coarse vertex) halve the
    number of levels, and with it the work between them. None when the graph
    no longer shrinks (a star, or a graph of isolated vertices).
    """
    n = W.shape[0]
    aggregate = np.arange(n)
    graph = W
    for _ in range(2):
        pairs = np.empty(graph.shape[0], dtype=np.int64)
        n_coarse = heavy_edge_matching(graph.indptr, graph.indices, graph.data, degree, pairs)
        if n_coarse > (1.0 - MIN_COARSENING) * graph.shape[0]:
            break
        graph = _quotient(graph, pairs, n_coarse)
        degree = np.bincount(pairs, weights=degree, minlength=n_coarse)
        aggregate = pairs[aggregate]
    if graph is W:
        return None
    return _prolongation(aggregate, graph.shape[0]), graph, degree


def _quotient(W, aggregate, n_coarse):
    """``P^T W P`` for the 0/1 aggregation ``aggregate`` (a Numba kernel, no sparse products)."""
    members = np.argsort(aggregate, kind="stable")
    members_ptr = np.zeros(n_coarse + 1, dtype=np.int64)
    np.cumsum(np.bincount(aggregate, minlength=n_coarse), out=members_ptr[1:])
    indptr, indices, data = quotient_graph(W.indptr, W.indices, W.data, aggregate, n_coarse,
                                           members_ptr, members)
    return _csr(indptr, indices, data, n_coarse, sorted_rows=False)


def _induced(W, vertices):
    """The subgraph of ``W`` induced by the sorted ``vertices``."""
    local = np.full(W.shape[0], -1, dtype=np.int64)
    return _csr(*subgraph(W.indptr, W.indices, W.data, vertices, local), vertices.size)


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


def _prolongation(aggregate, n_coarse):
    """The 0/1 matrix ``P`` with ``P[i, aggregate[i]] = 1``."""
    n = aggregate.shape[0]
    return scipy.sparse.csr_array((np.ones(n), aggregate, np.arange(n + 1)), shape=(n, n_coarse))


def _eigenvectors(W, n_vectors, rng, log):
    """Smallest ``n_vectors`` eigenpairs of ``(D - W) y = lambda D y`` (the trivial one first).

    ``W`` is a connected symmetric CSR graph with positive degrees. Returns
    eigenvalues ``(n_vectors,)`` and generalised eigenvectors ``y`` as an
    ``(n, n_vectors)`` array, each normalised to ``y^T D y = 1`` with its
    largest-magnitude entry positive (so the result has no sign ambiguity).
    """
    start = time.perf_counter()
    n_block = n_vectors + GUARD_VECTORS
    degree = np.asarray(W.sum(axis=1)).ravel()
    levels = [(W, degree, None)]
    while levels[-1][0].shape[0] > DENSE_SIZE:
        coarse = _coarsen(*levels[-1][:2])
        if coarse is None:
            break
        P, graph, graph_degree = coarse
        levels[-1] = levels[-1][:2] + (P,)
        levels.append((graph, graph_degree, None))
    graph, degree, _ = levels[-1]
    if _is_small(graph.shape[0], n_block):
        values, y = _dense_solve(graph, degree, n_block)
    else:
        # Coarsening stalled (a star-like graph): LOBPCG from a seeded random block.
        y = rng.standard_normal((graph.shape[0], n_block))
        values, y = _lobpcg(graph, degree, y, log)
    for graph, degree, P in reversed(levels[:-1]):
        y = P @ y  # piecewise-constant prolongation: the Galerkin relation of P^T W P
        finest = graph is W
        values, y = _block_krylov(graph, degree, y,
                                  KRYLOV_STEPS_FINEST if finest else KRYLOV_STEPS, log, finest)
    values, y = values[:n_vectors], y[:, :n_vectors]
    degree = levels[0][1]
    y = y / np.sqrt((y * y * degree[:, None]).sum(axis=0))
    pivot = np.abs(y).argmax(axis=0)
    y *= np.where(y[pivot, np.arange(y.shape[1])] < 0, -1.0, 1.0)
    log.eigenvalues.append(values)
    log.time += time.perf_counter() - start
    return values, y


def _split_trivial(y, degree):
    """``D^1/2 y`` without its trivial column, orthogonal to the unit trivial vector."""
    sqrt_d = np.sqrt(degree)
    trivial = (sqrt_d / np.linalg.norm(sqrt_d))[:, None]
    z = y[:, 1:] * sqrt_d[:, None]
    z -= trivial @ (trivial.T @ z)
    return z, trivial, sqrt_d


def _join_trivial(mu, z, trivial, sqrt_d):
    """Eigenvalues of eq. 7 and generalised eigenvectors, the trivial pair first."""
    order = np.argsort(-mu, kind="stable")
    values = np.concatenate([[0.0], 1.0 - mu[order]])
    return values, np.column_stack([trivial[:, 0], z[:, order]]) / sqrt_d[:, None]


def _block_krylov(W, degree, y, steps, log, finest):
    """Rayleigh-Ritz on the block Krylov space of ``N = D^-1/2 W D^-1/2`` from ``y``.

    The space ``span{Z, N Z, ..., N^steps Z}`` (``Z = D^1/2 y`` without the
    trivial vector, kept orthogonal to it and fully re-orthogonalised) holds
    the prolonged vectors and their corrections; its top Ritz vectors are the
    refined eigenvectors. This is block Lanczos with a fixed, small number of
    steps: it removes the local error that piecewise-constant prolongation
    adds, at ``steps`` block products per level.
    """
    if _is_small(*y.shape):
        return _dense_solve(W, degree, y.shape[1])
    z, trivial, sqrt_d = _split_trivial(y, degree)
    N = _normalized(W, degree)
    n, b = z.shape
    steps = min(steps, n // (2 * b))
    Q = np.empty((n, (steps + 1) * b))
    NQ = np.empty_like(Q)
    Q[:, :b] = np.linalg.qr(z)[0]
    for k in range(steps + 1):
        block = slice(k * b, (k + 1) * b)
        NQ[:, block] = N @ Q[:, block]
        if k == steps:
            break
        w = NQ[:, block] - trivial @ (trivial.T @ NQ[:, block])
        done = Q[:, : (k + 1) * b]
        w -= done @ (done.T @ w)  # full re-orthogonalisation (a few steps only)
        Q[:, (k + 1) * b: (k + 2) * b] = np.linalg.qr(w)[0]
    mu, v = scipy.linalg.eigh(Q.T @ NQ)
    top = np.argsort(-mu, kind="stable")[: z.shape[1]]
    mu, v = mu[top], v[:, top]
    z = Q @ v
    log.record(steps, np.linalg.norm(NQ @ v - z * mu, axis=0) if finest else None)
    return _join_trivial(mu, z, trivial, sqrt_d)


def _lobpcg(W, degree, y, log):
    """LOBPCG on ``D^-1/2 W D^-1/2`` from the vectors ``y``, largest eigenvalues.

    The trivial vector ``D^1/2 1`` is known exactly and passed as the
    constraint; LOBPCG works on the others.
    """
    if _is_small(*y.shape):
        return _dense_solve(W, degree, y.shape[1])
    z, trivial, sqrt_d = _split_trivial(y, degree)
    N = _normalized(W, degree)
    with warnings.catch_warnings():
        # Stopping at maxiter before LOBPCG_TOL shows in max_residual.
        warnings.simplefilter("ignore", UserWarning)
        mu, z, history = scipy.sparse.linalg.lobpcg(
            N, z, Y=trivial, tol=LOBPCG_TOL, maxiter=LOBPCG_ITER, largest=True,
            retResidualNormsHistory=True)
    order = np.argsort(-mu, kind="stable")
    mu, z = mu[order], z[:, order]
    log.record(max(len(history) - 1, 0), np.linalg.norm(N @ z - z * mu, axis=0))
    return _join_trivial(mu, z, trivial, sqrt_d)


# ----------------------------------------------------------------------------
# Partitions


def _best_split(W, degree, y, min_size):
    """Threshold of ``y`` minimising Ncut over every distinct cut point at once.

    Sorting ``y`` once, a prefix of the first ``m`` vertices is ``A``;
    ``cut(A, B)`` for every ``m`` comes from one pass over the edges
    (:func:`~classicseg._kernels.ncut.cut_profile`) and ``assoc(A, V)`` is a
    cumulative sum of degrees. Returns ``(ncut, in_A)`` or
    ``(inf, None)`` when no threshold leaves ``min_size`` vertices each side.
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
    valid = (ys[:-1] < ys[1:]) & (sizes >= min_size) & (n - sizes >= min_size) & np.isfinite(ncut)
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


def _split_segment(W, vertices, min_size, rng, log):
    """Best 2-way split of the subgraph on ``vertices``: ``(ncut, part_a, part_b)``.

    A disconnected subgraph splits at no cost: its component of largest
    association against the rest. Otherwise the second eigenvector of eq. 7
    is cut at the threshold of least Ncut.
    """
    if vertices.size < max(2, 2 * min_size):
        return np.inf, None, None
    sub = W if vertices.size == W.shape[0] else _induced(W, vertices)
    n_comp, comp = _components(sub)
    degree = np.asarray(sub.sum(axis=1)).ravel()
    if n_comp > 1:
        volume = np.bincount(comp, weights=degree, minlength=n_comp)
        in_a = comp == int(np.argmax(volume))
        return 0.0, vertices[in_a], vertices[~in_a]
    _, y = _eigenvectors(sub, 2, rng, log)
    in_a = _best_split(sub, degree, y[:, 1], min_size)[1]
    if in_a is not None:
        in_a = _give_away_specks(sub, in_a, min_size)
    if in_a is None:
        return np.inf, None, None
    ncut = _kway_ncut(sub, in_a.astype(np.intp))
    return ncut, vertices[in_a], vertices[~in_a]


def _give_away_specks(W, in_a, min_size):
    """Move the pieces of either side smaller than ``min_size`` to the other side.

    A threshold of the eigenvector can leave a few pixels of one side inside
    the other; as segments of their own they would later split off at Ncut 0.
    Returns the new sides, or None when a side is left empty.
    """
    piece, size = side_components(W.indptr, W.indices, in_a)
    small = size[piece] < min_size
    in_a = in_a ^ small
    return in_a if 0 < np.count_nonzero(in_a) < in_a.size else None


def _recursive(W, n_segments, thresh, min_size, rng, log):
    """Shi & Malik's recursive 2-way Ncut (section 3.1, step 4 and 5)."""
    leaves = [np.arange(W.shape[0])]
    splits = [None]  # best split of each leaf, computed when first needed
    split_ncuts = []
    while n_segments is None or len(leaves) < n_segments:
        for i, s in enumerate(splits):
            if s is None:
                splits[i] = _split_segment(W, leaves[i], min_size, rng, log)
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


def ncut_partition(W, n_segments=None, *, thresh=0.002, method="recursive", min_size=None,
                   rng=None):
    """Partition a weighted graph by the normalized cut (Shi & Malik 2000).

    Parameters
    ----------
    W : (n, n) sparse matrix or ndarray
        Symmetric non-negative affinities (any graph, not only pixels).
    n_segments : int, optional
        Number of segments, ``1 <= n_segments <= n``. With ``"recursive"``,
        the segment whose best split has the lowest Ncut is split until there
        are this many (fewer, with a warning, if no segment can be split
        respecting ``min_size``). It overrides ``thresh``.
    thresh : float
        Without ``n_segments``: keep splitting while the best split's Ncut
        is below this (Shi & Malik's Ncut check, step 5). On BSDS500 pixel
        graphs at the defaults the first splits have Ncut 0.0005-0.003, so
        the default 0.002 gives tens of segments; ``n_segments`` is the
        steadier control.
    method : {"recursive", "kway"}
        ``"recursive"``: 2-way splits by the second eigenvector, cut at the
        threshold of least Ncut among all of its distinct values.
        ``"kway"`` (needs ``n_segments``): k-means on the rows of the first
        ``n_segments`` eigenvectors (Ng, Jordan & Weiss 2001).
    min_size : int, optional
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
        out of range; unknown ``method``; bad ``thresh`` or ``min_size``.
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
    n_segments, thresh, method, min_size, rng = _check_partition_args(
        W.shape[0], n_segments, thresh, method, min_size, rng)
    return _partition(W, n_segments, thresh, method, min_size, rng, path="graph")


def _check_partition_args(n, n_segments, thresh, method, min_size, rng):
    if n_segments is not None:
        n_segments = check_int(n_segments, "n_segments", minimum=1, maximum=n)
    thresh = check_float(thresh, "thresh", nonnegative=True)
    if method not in METHODS:
        raise ValueError(f"unknown method={method!r}; expected one of {', '.join(METHODS)}")
    if method == "kway" and n_segments is None:
        raise ValueError("method='kway' needs n_segments")
    min_size = max(1, n // 1000) if min_size is None else check_int(min_size, "min_size", minimum=1)
    return n_segments, thresh, method, min_size, check_rng(rng)


def _partition(W, n_segments, thresh, method, min_size, rng, path):
    log = _SolveLog()
    with _single_threaded_blas():
        if method == "kway":
            labels, split_ncuts = _kway(W, n_segments, rng, log), np.empty(0)
        else:
            labels, split_ncuts = _recursive(W, n_segments, thresh, min_size, rng, log)
    found = int(labels.max()) + 1
    if n_segments is not None and found < n_segments:
        warnings.warn(f"found {found} segments, fewer than n_segments={n_segments}: no segment "
                      f"could be split further with min_size={min_size}",
                      ConvergenceWarning, stacklevel=3)
    return NcutResult(
        labels=labels, n_segments=found, ncut=_kway_ncut(W, labels), split_ncuts=split_ncuts,
        eigenvalues=tuple(log.eigenvalues), n_solves=len(log.eigenvalues),
        solve_time=log.time, n_iter=log.n_iter, max_residual=log.max_residual, method=method,
        path=path, n_vertices=W.shape[0], n_edges=int(W.nnz),
        graph_bytes=int(W.data.nbytes + W.indices.nbytes + W.indptr.nbytes))


# ----------------------------------------------------------------------------
# Images


def ncut_segment(image, n_segments=None, *, features=None, radius=3, sigma_color=None,
                 sigma_space=4.0, thresh=0.002, method="recursive", min_size=None,
                 superpixels=None, data_range=None, channel_axis=-1, mask=None, rng=None,
                 start_label=1, return_info=False):
    """Segment an image by the normalized cut of its pixel graph (Shi & Malik 2000).

    Parameters
    ----------
    image : (M, N[, C]) ndarray
        2-D image, grayscale (``channel_axis=None``) or with channels.
    n_segments : int, optional
        Number of segments; overrides ``thresh``.
    features, radius, sigma_color, sigma_space, data_range
        The affinity graph, see :func:`affinity_graph`.
    thresh, method, min_size, rng
        See :func:`ncut_partition`; ``min_size`` counts vertices (pixels, or
        superpixels on that path).
    superpixels : (M, N) int ndarray, optional
        Labels of superpixels (from :func:`classicseg.kmeans_segment`,
        ``skimage.segmentation.slic``, ...): the graph becomes the quotient
        of the pixel graph over them (edge weights summed between
        superpixels), built in stripes of rows, so its Ncut values are
        those of the pixel graph for partitions that follow superpixels.
    channel_axis : int or None
        Axis of the colour channels; None for grayscale.
    mask : (M, N) bool ndarray, optional
        Only these pixels are segmented; the others get ``start_label - 1``.
    start_label : {0, 1}
        Label of the first segment.
    return_info : bool
        Also return the :class:`NcutResult` (``info.path`` tells which graph
        was partitioned).

    Returns
    -------
    labels : (M, N) intp ndarray
        Segment of every pixel, from ``start_label``.
    info : NcutResult
        Only with ``return_info=True``.

    Notes
    -----
    Paths, chosen before anything large is allocated (``info.path``):
    ``"superpixel"`` when ``superpixels`` is given; ``"pixel"`` when the
    pixel graph fits in ``MAX_GRAPH_BYTES`` (512 MiB: 1.5 megapixels at
    radius 3, 0.5 at radius 5; the solve holds a few graphs of that size at
    once, and less is used when the memory available now cannot hold
    ``GRAPH_COPIES`` of them); otherwise ``"coarse"``: the image is block-averaged by the
    least integer factor whose graph fits (radius and ``sigma_space``
    divided by it), segmented, and the labels repeated back to full size.

    Raises
    ------
    ValueError, TypeError
        Bad image, mask, superpixels or parameter; the message names it.

    Warns
    -----
    ConvergenceWarning
        Fewer segments than ``n_segments`` could be made.

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
    _check_2d(img)
    radius, sigma_color, sigma_space = _check_graph_args(radius, sigma_color, sigma_space)
    spatial_shape = img.shape[:-1]
    n = _n_vertices(img, mask)
    if superpixels is not None:
        sp, n = _check_superpixels(superpixels, spatial_shape, mask)
    args = _check_partition_args(n, n_segments, thresh, method, min_size, rng)
    feat = _colour_features(img, is_color, features, data_range, mask)
    sigma_color = _sigma_color(feat, sigma_color)
    vertex = _vertex_ids(spatial_shape, mask)

    if superpixels is not None:
        W = _superpixel_graph(vertex, feat, sp, n, radius, sigma_color, sigma_space)
        info = _partition(W, *args, path="superpixel")
        labels0 = info.labels[sp]
    elif graph_bytes(n, radius) <= graph_budget(MAX_GRAPH_BYTES, GRAPH_COPIES):
        W = _build_graph(vertex, feat, radius, sigma_color, sigma_space)
        info = _partition(W, *args, path="pixel")
        labels0 = info.labels
    else:
        labels0, info = _coarse_segment(feat, mask, spatial_shape, radius, sigma_color,
                                        sigma_space, args)
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


def _superpixel_graph(vertex, feat, sp, n_sp, radius, sigma_color, sigma_space):
    """Quotient ``P^T W P`` of the pixel graph over superpixels, built a stripe of rows at a time."""
    height, width = vertex.shape
    per_row = graph_bytes(width, radius)
    stripe = max(1, min(height, graph_budget(MAX_GRAPH_BYTES, GRAPH_COPIES) // 4 // per_row))
    P = scipy.sparse.csr_array((np.ones(sp.size), sp, np.arange(sp.size + 1)),
                               shape=(sp.size, n_sp))
    Q = scipy.sparse.csr_array((n_sp, n_sp))
    for row0 in range(0, height, stripe):
        Ws = _build_graph(vertex, feat, radius, sigma_color, sigma_space,
                          rows=(row0, min(height, row0 + stripe)))
        Q = Q + P.T @ Ws @ P
    Q = Q.tocsr()
    Q.sum_duplicates()
    # Summation order differs between (i, j) and (j, i): restore exact symmetry.
    return ((Q + Q.T) * 0.5).tocsr()


def _coarse_segment(feat, mask, spatial_shape, radius, sigma_color, sigma_space, args):
    """Segment the graph of block-averaged features that fits, and repeat the labels back."""
    n = feat.shape[1]
    factor = 2
    budget = graph_budget(MAX_GRAPH_BYTES, GRAPH_COPIES)
    while graph_bytes(-(-n // factor**2), max(1, round(radius / factor))) > budget:
        factor += 1
        if factor > max(spatial_shape):  # not even a one-pixel image's graph fits
            check_memory(GRAPH_COPIES * graph_bytes(1, 1), "the coarsest pixel graph",
                         "free memory or raise CLASSICSEG_MEMORY_LIMIT")
            break
    height, width = spatial_shape
    hc, wc = -(-height // factor), -(-width // factor)
    pad = ((0, hc * factor - height), (0, wc * factor - width))
    inside = np.ones(spatial_shape, dtype=bool) if mask is None else mask
    planes = np.zeros((height, width, feat.shape[0]))
    planes[inside] = feat.T
    weight = np.pad(inside.astype(np.float64), pad).reshape(hc, factor, wc, factor).sum(axis=(1, 3))
    sums = np.pad(planes, pad + ((0, 0),)).reshape(hc, factor, wc, factor, -1).sum(axis=(1, 3))
    coarse_mask = weight > 0
    coarse_feat = np.ascontiguousarray(
        (sums[coarse_mask] / weight[coarse_mask][:, None]).T, dtype=np.float32)
    vertex = _vertex_ids((hc, wc), None if mask is None else coarse_mask)
    W = _build_graph(vertex, coarse_feat, max(1, round(radius / factor)), sigma_color,
                     sigma_space / factor)
    n_segments, thresh, method, min_size, rng = args
    if n_segments is not None:
        n_segments = min(n_segments, W.shape[0])
    info = _partition(W, n_segments, thresh, method, max(1, min_size // factor**2), rng,
                      path="coarse")
    full = np.repeat(np.repeat(vertex, factor, axis=0), factor, axis=1)[:height, :width]
    return info.labels[full[inside]], info
