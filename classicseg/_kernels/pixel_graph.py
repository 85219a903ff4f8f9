"""Kernels of the pixel affinity graph (Shi & Malik 2000, eq. 11).

Contracts
---------
``vertex`` is a C-contiguous ``(P, M, N)`` int64 lattice of vertex ids
(row-major numbering of the pixels in the mask, -1 outside it; a 2-D image
is ``(1, M, N)``). ``feat`` is a
C-contiguous ``(d, n_vertices)`` float32 array of the vertices' features.
``dz``, ``dy``, ``dx`` are ``(n_offsets,)`` int64 neighbour offsets sorted by
raveled offset (so every CSR row comes out with sorted column indices) and
``spatial`` the ``(n_offsets,)`` float64 spatial factor of each offset.
Graphs are CSR triplets ``indptr`` (n + 1,) int64, ``indices`` (nnz,) int32,
``data`` (nnz,) float64.

Each lattice row (``P * M`` of them, numbered plane by plane) is one chunk:
it writes only the CSR slots of its own vertices, so results are
bit-identical for any number of threads.
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


@kernel
def _neighbour(vertex, z, y, x, dz, dy, dx, o):
    """Vertex id of the ``o``-th neighbour of site (z, y, x); -1 off the lattice or the mask."""
    depth, height, width = vertex.shape
    zz = z + dz[o]
    yy = y + dy[o]
    xx = x + dx[o]
    if 0 <= zz < depth and 0 <= yy < height and 0 <= xx < width:
        return vertex[zz, yy, xx]
    return -1


@kernel(parallel=True)
def count_edges(vertex, dz, dy, dx, row0, row1, counts):
    """Number of neighbours (in the mask, self included) of every vertex in lattice rows ``row0:row1``.

    Writes ``counts`` (n_vertices,) int64 at the ids of those rows' vertices.
    """
    depth, height, width = vertex.shape
    for r in prange(row0, row1):
        z = r // height
        y = r - z * height
        for x in range(width):
            i = vertex[z, y, x]
            if i < 0:
                continue
            kept = 0
            for o in range(dy.shape[0]):
                if _neighbour(vertex, z, y, x, dz, dy, dx, o) >= 0:
                    kept += 1
            counts[i] = kept


@kernel(parallel=True)
def fill_edges(vertex, feat, dz, dy, dx, spatial, inv_sigma_color2, floor, row0, row1,
               indptr, indices, data):
    """Write the CSR rows of the vertices in lattice rows ``row0:row1``.

    ``indptr`` is the cumulative sum of :func:`count_edges` over the same rows
    (zero counts elsewhere): ``indices`` and ``data`` are filled from
    ``indptr[i]`` for each vertex ``i`` of those rows.
    """
    depth, height, width = vertex.shape
    for r in prange(row0, row1):
        z = r // height
        y = r - z * height
        for x in range(width):
            i = vertex[z, y, x]
            if i < 0:
                continue
            slot = indptr[i]
            for o in range(dy.shape[0]):
                j = _neighbour(vertex, z, y, x, dz, dy, dx, o)
                if j < 0:
                    continue
                indices[slot] = j
                data[slot] = _edge_weight(feat, i, j, spatial[o], inv_sigma_color2, floor)
                slot += 1


@kernel(parallel=True)
def block_graph(vertex, feat, dz, dy, dx, spatial, inv_sigma_color2, floor, block, fz, f, reach_z,
                reach, out):
    """Pixel-graph weights summed between blocks of pixels (the quotient ``P^T W P``).

    ``block`` is the ``(P', M', N')`` int64 lattice of block ids (-1 for a
    block with no vertex), a block being ``fz`` planes by ``f`` rows by ``f``
    columns of ``vertex``. ``out`` (n_blocks, n_slots) float64, zeroed, gets
    at ``out[a, s]`` the sum of the weights from the vertices of block ``a``
    to those of the block at lattice offset ``s`` (``(2 reach_z + 1) (2 reach + 1)^2``
    offsets in raveled order; ``reach`` blocks at most along each axis).
    Each weight is the pixel graph's (:func:`fill_edges`), self-loops
    included. One chunk per row of blocks, which writes only its own blocks'
    rows of ``out``: the same sums for any number of threads.
    """
    depth, height, width = vertex.shape
    side = 2 * reach + 1
    for cr in prange(block.shape[0] * block.shape[1]):
        cz = cr // block.shape[1]
        cy = cr - cz * block.shape[1]
        for z in range(cz * fz, min((cz + 1) * fz, depth)):
            for y in range(cy * f, min((cy + 1) * f, height)):
                for x in range(width):
                    i = vertex[z, y, x]
                    if i < 0:
                        continue
                    a = block[cz, cy, x // f]
                    for o in range(dy.shape[0]):
                        j = _neighbour(vertex, z, y, x, dz, dy, dx, o)
                        if j < 0:
                            continue
                        s = (((z + dz[o]) // fz - cz + reach_z) * side
                             + (y + dy[o]) // f - cy + reach) * side + (x + dx[o]) // f - x // f + reach
                        out[a, s] += _edge_weight(feat, i, j, spatial[o], inv_sigma_color2, floor)
