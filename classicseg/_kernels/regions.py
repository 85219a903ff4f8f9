"""Small-region merging by union-find over a region adjacency graph.

Contracts: ``edge_a``, ``edge_b`` (e,) int64 are the two regions of each
edge, already sorted by increasing dissimilarity (ties in a fixed order);
``sizes`` (r,) int64 are the regions' pixel counts. Serial: the result
depends only on the edge order.
"""

import numpy as np

from ._jit import kernel
from .unionfind import find


@kernel
def merge_small(edge_a, edge_b, sizes, min_size):
    """Join regions along the sorted edges while one side is smaller than ``min_size``.

    As the second pass of Felzenszwalb & Huttenlocher (2004): an edge joins
    its two groups when either has fewer than ``min_size`` pixels. Since the
    edges come most similar first, a small region joins its most similar
    neighbour. The larger group is the root (ties: the lower index), so the
    merged group keeps the identity of the region that absorbed the other.
    Returns the root of every region, (r,) int64.
    """
    r = sizes.shape[0]
    parent = np.arange(r)
    size = sizes.copy()
    for e in range(edge_a.shape[0]):
        a = find(parent, edge_a[e])
        b = find(parent, edge_b[e])
        if a == b or (size[a] >= min_size and size[b] >= min_size):
            continue
        if size[b] > size[a] or (size[b] == size[a] and b < a):
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
    for x in range(r):
        parent[x] = find(parent, x)
    return parent
