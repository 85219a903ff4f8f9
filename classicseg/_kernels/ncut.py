"""Kernels of the normalized cut: the pixel affinity graph and graph coarsening.

Contracts
---------
``vertex`` is a C-contiguous ``(M, N)`` int64 image of vertex ids (row-major
numbering of the pixels in the mask, -1 outside it). ``feat`` is a
C-contiguous ``(d, n_vertices)`` float32 array of the vertices' features.
``dy``, ``dx`` are ``(n_offsets,)`` int64 neighbour offsets sorted by raveled
offset (so every CSR row comes out with sorted column indices) and
``spatial`` the ``(n_offsets,)`` float64 spatial factor of each offset.
Graphs are CSR triplets ``indptr`` (n + 1,) int64, ``indices`` (nnz,) int32,
``data`` (nnz,) float64.

Each image row is one chunk: it writes only the CSR slots of its own
vertices, so results are bit-identical for any number of threads.
"""

import numpy as np
from numba import prange

from ._jit import kernel


@kernel
def _edge_weight(feat, i, j, spatial, inv_sigma_color2, floor):
    """Shi & Malik (2000) eq. 11: colour Gaussian times the offset's spatial factor, >= ``floor``."""
    dist2 = 0.0
    for f in range(feat.shape[0]):
        t = np.float64(feat[f, i]) - np.float64(feat[f, j])
        dist2 += t * t
    return max(spatial * np.exp(-dist2 * inv_sigma_color2), floor)


@kernel(parallel=True)
def count_edges(vertex, dy, dx, row0, row1, counts):
    """Number of neighbours (in the mask, self included) of every vertex in image rows ``row0:row1``.

    Writes ``counts`` (n_vertices,) int64 at the ids of those rows' vertices.
    """
    height, width = vertex.shape
    for y in prange(row0, row1):
        for x in range(width):
            i = vertex[y, x]
            if i < 0:
                continue
            kept = 0
            for o in range(dy.shape[0]):
                yy = y + dy[o]
                xx = x + dx[o]
                if 0 <= yy < height and 0 <= xx < width and vertex[yy, xx] >= 0:
                    kept += 1
            counts[i] = kept


@kernel(parallel=True)
def fill_edges(vertex, feat, dy, dx, spatial, inv_sigma_color2, floor, row0, row1,
               indptr, indices, data):
    """Write the CSR rows of the vertices in image rows ``row0:row1``.

    ``indptr`` is the cumulative sum of :func:`count_edges` over the same rows
    (zero counts elsewhere): ``indices`` and ``data`` are filled from
    ``indptr[i]`` for each vertex ``i`` of those rows.
    """
    height, width = vertex.shape
    for y in prange(row0, row1):
        for x in range(width):
            i = vertex[y, x]
            if i < 0:
                continue
            slot = indptr[i]
            for o in range(dy.shape[0]):
                yy = y + dy[o]
                xx = x + dx[o]
                if yy < 0 or yy >= height or xx < 0 or xx >= width:
                    continue
                j = vertex[yy, xx]
                if j < 0:
                    continue
                indices[slot] = j
                data[slot] = _edge_weight(feat, i, j, spatial[o], inv_sigma_color2, floor)
                slot += 1


@kernel
def heavy_edge_matching(indptr, indices, data, degree, aggregate):
    """Pair every vertex with its unmatched neighbour of heaviest normalised edge.

    The normalised weight ``w_ij / d_i + w_ij / d_j`` is the one Graclus uses
    to coarsen for the normalized cut (Dhillon, Guan & Kulis, TPAMI 2007).
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
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j == i or aggregate[j] >= 0 or degree[j] <= 0:
                continue
            w = data[s] / degree[i] + data[s] / degree[j]
            if w > best_w:
                best_w = w
                best = j
        aggregate[i] = n_coarse
        if best >= 0:
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


@kernel
def segment_association(indptr, indices, data, labels, k):
    """``assoc(A_c, V)`` and ``assoc(A_c, A_c)`` of every segment ``c`` of ``labels`` (0..k-1)."""
    assoc = np.zeros(k)
    within = np.zeros(k)
    for i in range(indptr.shape[0] - 1):
        li = labels[i]
        for s in range(indptr[i], indptr[i + 1]):
            assoc[li] += data[s]
            if labels[indices[s]] == li:
                within[li] += data[s]
    return assoc, within


@kernel
def subgraph(indptr, indices, data, vertices, local):
    """CSR of the subgraph induced by ``vertices`` (sorted, int64).

    ``local`` (n,) int64 is -1 everywhere on entry and is left so on return.
    Returns ``(indptr, indices, data)`` in the subgraph's numbering; column
    order is kept, so sorted rows stay sorted.
    """
    m = vertices.shape[0]
    for k in range(m):
        local[vertices[k]] = k
    out_ptr = np.zeros(m + 1, dtype=np.int64)
    for k in range(m):
        i = vertices[k]
        kept = 0
        for s in range(indptr[i], indptr[i + 1]):
            if local[indices[s]] >= 0:
                kept += 1
        out_ptr[k + 1] = out_ptr[k] + kept
    out_indices = np.empty(out_ptr[m], dtype=np.int32)
    out_data = np.empty(out_ptr[m], dtype=np.float64)
    for k in range(m):
        i = vertices[k]
        slot = out_ptr[k]
        for s in range(indptr[i], indptr[i + 1]):
            j = local[indices[s]]
            if j >= 0:
                out_indices[slot] = j
                out_data[slot] = data[s]
                slot += 1
    for k in range(m):
        local[vertices[k]] = -1
    return out_ptr, out_indices, out_data


@kernel
def cut_profile(indptr, indices, data, rank):
    """``cut[m]``: weight of the edges between the ``m + 1`` lowest-ranked vertices and the rest.

    ``rank`` (n,) int64 is the position of every vertex in the sorted
    eigenvector. An edge (i, j) is cut by every prefix that holds the end of
    lower rank and not the other: it adds ``w`` from the lower rank on and
    takes it off from the higher one, so one pass over the edges and a
    cumulative sum give every threshold's cut. Returns ``(n - 1,)`` float64.
    """
    n = indptr.shape[0] - 1
    step = np.zeros(n + 1)
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j > i:
                lo = min(rank[i], rank[j])
                hi = max(rank[i], rank[j])
                step[lo + 1] += data[s]
                step[hi + 1] -= data[s]
    return np.cumsum(step)[1:n]


@kernel
def side_components(indptr, indices, side):
    """Connected pieces of each side of a 2-way split, by union-find over same-side edges.

    ``side`` (n,) bool. Returns ``(n,)`` int64 piece ids (the root vertex of
    each piece) and ``(n,)`` int64 piece sizes indexed by root.
    """
    n = indptr.shape[0] - 1
    parent = np.arange(n)
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            j = indices[s]
            if j <= i or side[i] != side[j]:
                continue
            ri = i
            while parent[ri] != ri:
                parent[ri] = parent[parent[ri]]  # path halving
                ri = parent[ri]
            rj = j
            while parent[rj] != rj:
                parent[rj] = parent[parent[rj]]
                rj = parent[rj]
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    size = np.zeros(n, dtype=np.int64)
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        parent[i] = r
        size[r] += 1
    return parent, size
