"""Kernels of the normalized cut's partitions: Ncut values, subgraphs and split search.

Graphs are CSR triplets ``indptr`` (n + 1,) int64 (or int32), ``indices``
(nnz,) int32, ``data`` (nnz,) float64.
"""

import numpy as np

from ._jit import kernel
from .unionfind import find


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
            ri = find(parent, i)
            rj = find(parent, j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    size = np.zeros(n, dtype=np.int64)
    for i in range(n):
        r = find(parent, i)
        parent[i] = r
        size[r] += 1
    return parent, size
