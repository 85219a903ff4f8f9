"""Union-find (disjoint sets) shared by the kernels that group regions or pixels.

A forest is an int64 ``parent`` array in which a root is its own parent.
Numba inlines ``find`` into the kernels that call it, so keeping it here
costs nothing at run time.
"""

from ._jit import kernel, nowrap


@kernel
def find(parent, x):
    """Root of ``x``, halving the path on the way (Tarjan & van Leeuwen 1984)."""
    while parent[nowrap(x)] != x:
        up = parent[nowrap(parent[nowrap(x)])]
        parent[nowrap(x)] = up
        x = up
    return x
