"""Multilevel sparse eigensolver of the normalized cut's relaxed problem.

Shi & Malik (TPAMI 2000) relax the normalized cut to ``(D - W) y = lambda D y``,
solved here in its symmetric normalised form
``D^-1/2 (D - W) D^-1/2 z = lambda z``, ``y = D^-1/2 z``
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

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from ._kernels._jit import few_threads_for
from ._kernels.spectral import csr_dense_product, heavy_edge_matching, scale_symmetric
from ._pixel_graph import _quotient

# Graphs up to this many vertices are solved densely (scipy.linalg.eigh).
DENSE_SIZE = 300
# Coarsening stops when a matching pass removes fewer than this share of vertices.
MIN_COARSENING = 0.1
# Heavy-edge matching takes no edge lighter than this share of a vertex's heaviest.
MATCH_SHARE = 0.01
# Block Krylov steps of the refinement on intermediate levels and on the finest.
KRYLOV_STEPS = 6
# Extra vectors carried along: they speed up the convergence of the wanted ones.
GUARD_VECTORS = 1
KRYLOV_STEPS_FINEST = 4
# LOBPCG (only where coarsening stalls): iterations and residual tolerance.
LOBPCG_ITER = 500
LOBPCG_TOL = 1e-8
# Cholesky QR is used while no column of a block (scaled to unit length)
# lies closer than this to the span of the others: the block's condition
# number then stays far below 1e8, where Cholesky QR twice loses orthogonality.
CHOLESKY_QR_MIN_SINE = 1e-5
# Multiply-adds of a sparse block product per thread, at least.
PRODUCT_CHUNK = 1 << 20


def _single_threaded_blas():
    """Run BLAS/LAPACK on one thread, if threadpoolctl is there (it comes with scikit-learn).

    The solver's dense work is small (eigenproblems of a few hundred rows,
    products of tall-thin blocks): threads cost more than they give there,
    and on a busy machine OpenBLAS's spinning threads made a small
    ``eigh`` many times slower; threaded sums also changed the labels. Without
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
    """Counters of the eigen-solves of one partition.

    ``residuals=False`` skips the residual norms of the finest level (a
    product of the whole Krylov block) where nobody reads them.
    """

    def __init__(self, residuals=True):
        self.residuals = residuals
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
        n_coarse = heavy_edge_matching(graph.indptr, graph.indices, graph.data, degree, pairs,
                                       MATCH_SHARE)
        if n_coarse > (1.0 - MIN_COARSENING) * graph.shape[0]:
            break
        graph = _quotient(graph, pairs, n_coarse)
        degree = np.bincount(pairs, weights=degree, minlength=n_coarse)
        aggregate = pairs[aggregate]
    if graph is W:
        return None
    return _prolongation(aggregate, graph.shape[0]), graph, degree


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
    # The projection Q^T N Q, filled from the recurrence: block column k holds
    # the re-orthogonalisation coefficients (rows of blocks 0..k) and the
    # triangular factor of the next block; N Q_k has no part along later
    # blocks. Only the last block column needs a product of its own.
    T = np.zeros((Q.shape[1], Q.shape[1]))
    Q[:, :b], factor = _orthonormal_basis(z)
    exact = factor is not None
    for k in range(steps + 1):
        block = slice(k * b, (k + 1) * b)
        NQ[:, block] = _product(N, Q[:, block])
        if k == steps:
            break
        w = NQ[:, block] - trivial @ (trivial.T @ NQ[:, block])
        done = Q[:, : (k + 1) * b]
        coefficients = done.T @ w
        w -= done @ coefficients  # full re-orthogonalisation (a few steps only)
        following = slice((k + 1) * b, (k + 2) * b)
        Q[:, following], factor = _orthonormal_basis(w)
        T[: (k + 1) * b, block] = coefficients
        T[following, block] = factor if factor is not None else 0.0
        exact = exact and factor is not None
    if exact:
        T[:, block] = Q.T @ NQ[:, block]
        T = 0.5 * (T + T.T)
    else:
        # Householder QR of a nearly dependent block: its extra columns are
        # not orthogonal to the earlier blocks, so project in full.
        T = Q.T @ NQ
    mu, v = scipy.linalg.eigh(T)
    top = np.argsort(-mu, kind="stable")[: z.shape[1]]
    mu, v = mu[top], v[:, top]
    z = Q @ v
    log.record(steps, np.linalg.norm(NQ @ v - z * mu, axis=0)
               if finest and log.residuals else None)
    return _join_trivial(mu, z, trivial, sqrt_d)


def _product(N, X):
    """``N @ X`` for the CSR ``N`` and a dense block ``X``, by the parallel kernel.

    A thread per ``PRODUCT_CHUNK`` multiply-adds at most: on coarse levels
    waking a second thread costs more than the product.
    """
    out = np.empty((N.shape[0], X.shape[1]))
    with few_threads_for(N.nnz * X.shape[1] // PRODUCT_CHUNK, chunks_per_thread=1):
        csr_dense_product(N.indptr, N.indices, N.data, np.ascontiguousarray(X), out)
    return out


def _orthonormal_basis(w):
    """An orthonormal basis ``q`` of the columns of the tall ``w``, ``(n, b)``, and ``r``.

    Cholesky QR twice (Yamamoto et al., ETNA 44, 2015): two Gram products
    and two triangular solves, several times faster than Householder QR on
    a tall block and as orthogonal when ``w`` is well conditioned; then
    ``w = q r`` with ``r`` upper triangular. Where the Cholesky factor says
    it is not (a nearly dependent block), Householder QR
    (``numpy.linalg.qr``) instead, and ``r`` is None.
    """
    q, r = w, np.eye(w.shape[1])
    for _ in range(2):
        gram = q.T @ q
        norms = np.sqrt(np.diag(gram))
        if not norms.min() > 0:
            return np.linalg.qr(w)[0], None
        # On unit columns, the factor's diagonal is each column's distance
        # from the span of those before it: small means nearly dependent.
        try:
            lower = np.linalg.cholesky(gram / np.outer(norms, norms))
        except np.linalg.LinAlgError:
            return np.linalg.qr(w)[0], None
        if np.diag(lower).min() <= CHOLESKY_QR_MIN_SINE:
            return np.linalg.qr(w)[0], None
        q = (q / norms) @ scipy.linalg.solve_triangular(lower, np.eye(len(lower)), lower=True).T
        r = (lower.T * norms) @ r
    return q, r


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
