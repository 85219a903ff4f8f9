"""Reading merge trees: cuts, lowest common ancestors, edge altitudes, ucm2 maps.

Contracts as in :mod:`.hierarchy`: trees are parent arrays, leaves first and
the root last (its own parent), a parent's index always above its
children's; leaf ids ``0 .. n-1``, ``-1`` for pixels of no region. All
kernels are serial.
"""

import numpy as np

from ._jit import kernel
from .unionfind import find


@kernel
def cut_leaves(parents, n_leaves, keep):
    """Region of each leaf when the merge nodes with ``keep`` True are applied.

    Regions are numbered 0, 1, ... in the order of their first leaf.
    """
    n_nodes = parents.shape[0]
    rep = np.empty(n_nodes, np.int64)
    for x in range(n_nodes - 1, -1, -1):
        p = parents[x]
        if p != x and keep[p]:
            rep[x] = rep[p]
        else:
            rep[x] = x
    number = np.full(n_nodes, -1, np.int64)
    out = np.empty(n_leaves, np.int64)
    k = 0
    for i in range(n_leaves):
        r = rep[i]
        if number[r] < 0:
            number[r] = k
            k += 1
        out[i] = number[r]
    return out


@kernel
def ancestor_table(parents):
    """Depths and the binary-lifting table ``up[j, x]`` (the 2^j-th ancestor of x)."""
    n_nodes = parents.shape[0]
    depth = np.zeros(n_nodes, np.int64)
    for x in range(n_nodes - 1, -1, -1):
        if parents[x] != x:
            depth[x] = depth[parents[x]] + 1
    levels = 1
    while (1 << levels) <= n_nodes:
        levels += 1
    up = np.empty((levels, n_nodes), np.int64)
    up[0] = parents
    for j in range(1, levels):
        for x in range(n_nodes):
            up[j, x] = up[j - 1, up[j - 1, x]]
    return depth, up


@kernel
def _common_ancestor(a, b, depth, up):
    if depth[a] < depth[b]:
        a, b = b, a
    diff = depth[a] - depth[b]
    j = 0
    while diff:
        if diff & 1:
            a = up[j, a]
        diff >>= 1
        j += 1
    if a == b:
        return a
    for j in range(up.shape[0] - 1, -1, -1):
        if up[j, a] != up[j, b]:
            a = up[j, a]
            b = up[j, b]
    return up[0, a]


@kernel
def edge_altitudes(leaves, altitudes, depth, up, outside):
    """Altitude at which the pixels ``(o, j, i)`` and ``(o, j + 1, i)`` join.

    ``leaves`` (outer, m, inner) int64 is the leaf image seen with the axis of
    interest in the middle; the result has its shape (last row 0). 0 inside a
    leaf; the lowest common ancestor's altitude between leaves; ``outside``
    between a leaf and a pixel of no region.
    """
    n0, n1, n2 = leaves.shape
    out = np.zeros((n0, n1, n2), np.float64)
    last_a = -1
    last_b = -1
    last = 0.0
    for o in range(n0):
        for j in range(n1 - 1):
            for i in range(n2):
                a = leaves[o, j, i]
                b = leaves[o, j + 1, i]
                if a == b:
                    continue
                if a < 0 or b < 0:
                    out[o, j, i] = outside
                    continue
                if a != last_a or b != last_b:  # borders repeat the same pair
                    last_a = a
                    last_b = b
                    last = altitudes[_common_ancestor(a, b, depth, up)]
                out[o, j, i] = last
    return out


@kernel
def ucm2_layout(down, right):
    """The BSDS double-size map of the altitudes ``down`` (pixel to the one below)
    and ``right`` (to the one on its right), each (R, C) with an unused last row
    or column: edge cells, junctions the largest of their four edge cells, the
    frame copying the adjacent row or column."""
    rows, cols = down.shape
    u = np.zeros((2 * rows + 1, 2 * cols + 1))
    for i in range(rows):
        for j in range(cols):
            if i + 1 < rows:
                u[2 * i + 2, 2 * j + 1] = down[i, j]
            if j + 1 < cols:
                u[2 * i + 1, 2 * j + 2] = right[i, j]
    for i in range(2, 2 * rows, 2):
        for j in range(2, 2 * cols, 2):
            u[i, j] = max(max(u[i - 1, j], u[i + 1, j]), max(u[i, j - 1], u[i, j + 1]))
    for j in range(2 * cols + 1):
        u[0, j] = u[1, j]
        u[2 * rows, j] = u[2 * rows - 1, j]
    for i in range(2 * rows + 1):
        u[i, 0] = u[i, 1]
        u[i, 2 * cols] = u[i, 2 * cols - 1]
    return u


@kernel
def ucm2_tree(values, order):
    """The merge tree of the 8-connected regions of ``values <= t`` for every t.

    ``values`` (R, C) is a BSDS double-size map with zeros at the pixel cells,
    ``order`` its flat indices sorted by value. Cells are switched on in that
    order and joined to their 8 neighbours already on (a flooding, as
    Kruskal's algorithm on edges weighted by the larger of two cell values):
    after the zero cells, each component holding pixel cells is a leaf; later
    a join of two components that both hold pixel cells is a merge at the
    value of the cell that joined them.

    Returns ``(leaves (H, W) int64, parents, altitudes)``.
    """
    rows, cols = values.shape
    flat = values.reshape(-1)
    parent = np.arange(rows * cols)
    node = np.full(rows * cols, -1, np.int64)
    on = np.zeros(rows * cols, np.bool_)
    height = rows // 2
    width = cols // 2
    leaves = np.empty((height, width), np.int64)
    n_leaves = 0
    parents = np.empty(0, np.int64)
    altitudes = np.empty(0, np.float64)
    next_node = 0
    for t in range(order.shape[0] + 1):
        if n_leaves == 0 and (t == order.shape[0] or flat[order[t]] > 0):
            # All zero cells are on: number the leaves in raster order.
            for i in range(height):
                for j in range(width):
                    r = find(parent, (2 * i + 1) * cols + 2 * j + 1)
                    if node[r] < 0:
                        node[r] = n_leaves
                        n_leaves += 1
                    leaves[i, j] = node[r]
            parents = np.arange(2 * n_leaves - 1)
            altitudes = np.zeros(2 * n_leaves - 1, np.float64)
            next_node = n_leaves
        if t == order.shape[0]:
            break
        c = order[t]
        on[c] = True
        ci = c // cols
        cj = c - ci * cols
        for di in range(-1, 2):
            for dj in range(-1, 2):
                qi = ci + di
                qj = cj + dj
                if (di == 0 and dj == 0) or qi < 0 or qj < 0 or qi >= rows or qj >= cols:
                    continue
                q = qi * cols + qj
                if not on[q]:
                    continue
                rc = find(parent, c)
                rq = find(parent, q)
                if rc == rq:
                    continue
                parent[rq] = rc
                if node[rc] >= 0 and node[rq] >= 0 and n_leaves > 0:
                    parents[node[rc]] = next_node
                    parents[node[rq]] = next_node
                    altitudes[next_node] = flat[c]
                    node[rc] = next_node
                    next_node += 1
                elif node[rq] >= 0:
                    node[rc] = node[rq]
    return leaves, parents, altitudes
