"""Kernel of the contour classifier: boosted trees over oriented cues and their context."""

import numpy as np
from numba import prange

from ._jit import kernel

# Features per (pixel, orientation o), in this order (classicseg._contour_forest):
# the 12 local cues' square roots and sPb at o; the logistic logit z at o, its
# maximum over orientations, z at o - 1 and o + 1; z at 6 offsets along the
# normal of o; z at 2 offsets along the edge; sPb at 4 offsets along the normal;
# the first and the last cue at 2 offsets along the normal.
N_FEATURES = 33


@kernel(parallel=True)
def forest_oriented(sq, spb, z, normal, along, feature, threshold, left, right, roots, base, out):
    """Probability of boundary at each pixel's strongest orientation, by boosted regression trees.

    ``sq`` ``(12, n_orient, H, W)``, ``spb`` and ``z`` ``(n_orient, H, W)``
    float32; ``normal`` ``(n_orient, 6, 2)`` and ``along`` ``(n_orient, 2, 2)``
    int64 pixel offsets ``(dy, dx)``, clamped at the image border. A node
    ``k`` splits on ``feature[k]`` (``x <= threshold[k]`` goes to
    ``left[k]``); a leaf has ``feature[k] < 0`` and its value in
    ``threshold[k]``. The trees' values plus ``base`` are the logit. Rows are
    independent tasks. ``out`` ``(H, W)`` gets the probability at the
    orientation of the largest ``z`` (the first of equals).
    """
    n_cues = sq.shape[0]
    n_orient = z.shape[0]
    H = z.shape[1]
    W = z.shape[2]
    n_trees = roots.shape[0]
    for y in prange(H):
        f = np.empty(N_FEATURES, np.float32)
        for x in range(W):
            zmax = z[0, y, x]
            best = 0
            for o in range(1, n_orient):
                if z[o, y, x] > zmax:
                    zmax = z[o, y, x]
                    best = o
            o = best
            for c in range(n_cues):
                f[c] = sq[c, o, y, x]
            f[12] = spb[o, y, x]
            f[13] = z[o, y, x]
            f[14] = zmax
            f[15] = z[(o - 1) % n_orient, y, x]
            f[16] = z[(o + 1) % n_orient, y, x]
            for j in range(6):
                yy = min(max(y + normal[o, j, 0], 0), H - 1)
                xx = min(max(x + normal[o, j, 1], 0), W - 1)
                f[17 + j] = z[o, yy, xx]
            for j in range(2):
                yy = min(max(y + along[o, j, 0], 0), H - 1)
                xx = min(max(x + along[o, j, 1], 0), W - 1)
                f[23 + j] = z[o, yy, xx]
            # sPb at normal offsets -4, -2, 2, 4 (entries 0, 1, 4, 5 of normal)
            for i, j in enumerate((0, 1, 4, 5)):
                yy = min(max(y + normal[o, j, 0], 0), H - 1)
                xx = min(max(x + normal[o, j, 1], 0), W - 1)
                f[25 + i] = spb[o, yy, xx]
            # cues 0 and 11 at normal offsets -2, 2
            for i, j in enumerate((1, 4)):
                yy = min(max(y + normal[o, j, 0], 0), H - 1)
                xx = min(max(x + normal[o, j, 1], 0), W - 1)
                f[29 + 2 * i] = sq[0, o, yy, xx]
                f[30 + 2 * i] = sq[n_cues - 1, o, yy, xx]
            acc = np.float64(base)
            for t in range(n_trees):
                k = roots[t]
                while feature[k] >= 0:
                    if f[feature[k]] <= threshold[k]:
                        k = left[k]
                    else:
                        k = right[k]
                acc += threshold[k]
            out[y, x] = 1.0 / (1.0 + np.exp(-acc))
