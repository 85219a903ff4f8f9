"""Kernels of the multilevel eigensolver: graph coarsening and the normalised matrix.

Graphs are CSR triplets ``indptr`` (n + 1,) int64 (or int32), ``indices``
(nnz,) int32, ``data`` (nnz,) float64.
"""

import numpy as np
from numba import prange

from ._jit import kernel


@kernel
def heavy_edge_matching(indptr, indices, data, degree, aggregate, min_share):
    """Pair every vertex with its unmatched neighbour of heaviest normalised edge.

    The normalised weight ``w_ij / d_i + w_ij / d_j`` is the one Graclus uses
    to coarsen for the normalized cut (Dhillon, Guan & Kulis, TPAMI 2007).
    A vertex stays alone rather than take an edge lighter than ``min_share``
    times its heaviest one (matched neighbours included): where its own
    side's neighbours are taken, as on a sparse 6-neighbourhood graph, a
    weak edge would join the two sides of a cut in one coarse vertex.
    Vertices are visited in index order, so the result is deterministic.
    Writes ``aggregate`` (n,) int64 (coarse vertex of every vertex) and
    returns the number of coarse vertices.
    """
    n = indptr.shape[0] - 1
    aggregate[:] = -1
    n_coarse = 0
    for i in range(n):
        if aggregate[i] >= 0:
            continue
        best = -1
        best_w = 0.0
        heaviest = 0.0
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j == i or degree[j] <= 0:
                continue
            w = data[s] / degree[i] + data[s] / degree[j]
            heaviest = max(heaviest, w)
            if aggregate[j] < 0 and w > best_w:
                best_w = w
                best = j
        aggregate[i] = n_coarse
        if best >= 0 and best_w >= min_share * heaviest:
            aggregate[best] = n_coarse
        n_coarse += 1
    return n_coarse


@kernel
def quotient_graph(indptr, indices, data, aggregate, n_coarse, members_ptr, members):
    """CSR of ``P^T W P`` for the 0/1 aggregation ``P`` (weights summed between aggregates).

    ``members_ptr`` (n_coarse + 1,) int64 and ``members`` (n,) int64 list the
    fine vertices of every aggregate (a CSR of ``P^T``). One pass: each
    aggregate's row is gathered with a slot table over coarse vertices, into
    buffers sized by the fine edge count (an upper bound). Returns
    ``(indptr, indices, data)`` with int64 pointers, int32 indices (rows not
    sorted) and float64 weights; the diagonal holds the weight inside each
    aggregate.
    """
    slot_of = np.full(n_coarse, -1, dtype=np.int64)
    out_ptr = np.zeros(n_coarse + 1, dtype=np.int64)
    out_indices = np.empty(indices.shape[0], dtype=np.int32)
    out_data = np.empty(indices.shape[0], dtype=np.float64)
    nnz = 0
    for c in range(n_coarse):
        start = nnz
        for m in range(members_ptr[c], members_ptr[c + 1]):
            i = members[m]
            for s in range(indptr[i], indptr[i + 1]):
                cj = aggregate[indices[s]]
                slot = slot_of[cj]
                if slot < 0:
                    slot_of[cj] = nnz
                    out_indices[nnz] = cj
                    out_data[nnz] = data[s]
                    nnz += 1
                else:
                    out_data[slot] += data[s]
        for t in range(start, nnz):
            slot_of[out_indices[t]] = -1
        out_ptr[c + 1] = nnz
    return out_ptr, out_indices[:nnz].copy(), out_data[:nnz].copy()


@kernel
def scale_symmetric(indptr, indices, data, scale):
    """Weights of ``diag(scale) W diag(scale)``: ``data[s] * scale[i] * scale[j]`` (new array)."""
    out = np.empty_like(data)
    for i in range(indptr.shape[0] - 1):
        for s in range(indptr[i], indptr[i + 1]):
            out[s] = data[s] * scale[i] * scale[indices[s]]
    return out


@kernel(parallel=True)
def csr_dense_product(indptr, indices, data, X, out):
    """``out = W @ X`` for the CSR ``W`` and a C-contiguous float64 ``X`` ``(n, b)``.

    One task per row, each row's products summed in the order of its entries
    (as SciPy's ``csr_matvecs`` does), so the result does not depend on the
    number of threads. SciPy's product runs on one thread; the eigensolver's
    block products on the finest level are its largest cost.
    """
    b = X.shape[1]
    for i in prange(indptr.shape[0] - 1):
        for c in range(b):
            out[i, c] = 0.0
        for s in range(indptr[i], indptr[i + 1]):
            a = data[s]
            j = indices[s]
            for c in range(b):
                out[i, c] += a * X[j, c]
