"""Mean shift kernels: flat-window hill climbs on a grid or on the pixel lattice.

A window is a flat kernel (lecture, Mean Shift Segmentation): a point ``q``
is inside the window at ``m`` when it is within a radius of ``m``. The
features split in two groups, ``[0, split)`` and ``[split, d)``, each with its
own squared radius (``r2_a``, ``r2_b``); a point is inside when it is within
both. One group (``split == d``) is the window of a single size W (radius
W/2); two groups are the joint spatial-range window of Comaniciu & Meer
(2002), colour first.

Two ways to find the points of a window:

* a uniform grid over feature space whose cells are one window (two radii)
  wide along each feature, so that a window visits at most 2 cells per
  feature, and the cells along the last feature in one run. Points are sorted by cell; ``cell_keys`` (sorted, unique) are the linear indices
  of the occupied cells and ``cell_start`` (len(cell_keys) + 1) their
  offsets in the sorted points; when the grid has few enough cells,
  ``cell_keys`` is empty and ``cell_start`` holds the offset of every cell
  (dense). A grid of one cell is a brute-force scan.
* the pixel lattice, for features ``[colour..., positions]``: the spatial
  part of the window bounds the pixels to visit directly. Lattices are 3-D
  ``(P, M, N)``; a 2-D image is ``(1, M, N)``.

Every climb writes only its own output row, and seeds are split into fixed
chunks of ``CHUNK``, so results are bit-identical for any number of threads.
"""

import math

import numpy as np
from numba import prange

from ._jit import kernel

# Seeds per parallel chunk: small, because climbs differ in length.
CHUNK = 16

# Relative slack on the lattice bounds: a pixel exactly on the window's edge
# must not be lost to rounding in the bound (the distance test is exact).
_SLACK = 1e-9


@kernel
def _cell_box(center, origin, cell_size, n_cells, split, r2_a, r2_b, lo, hi):
    """Cell index ranges ``[lo, hi]`` of the window at ``center``; False if empty."""
    d = center.shape[0]
    for f in range(d):
        if n_cells[f] == 1:
            lo[f] = 0
            hi[f] = 0
            continue
        r = math.sqrt(r2_a if f < split else r2_b)
        a = int(math.floor((center[f] - r - origin[f]) / cell_size[f]))
        b = int(math.floor((center[f] + r - origin[f]) / cell_size[f]))
        lo[f] = max(a, 0)
        hi[f] = min(b, n_cells[f] - 1)
        if lo[f] > hi[f]:
            return False
    return True


@kernel
def _next_row(idx, lo, hi):
    """Advance the odometer ``idx`` over the box ``[lo, hi]`` of all features but the last.

    Returns False when done. The last feature is not stepped: the cells of
    one row (every index along it) are contiguous in key order.
    """
    f = idx.shape[0] - 2
    while f >= 0:
        idx[f] += 1
        if idx[f] <= hi[f]:
            return True
        idx[f] = lo[f]
        f -= 1
    return False


@kernel
def _row_beyond(center, origin, cell_size, n_cells, idx, split, r2_a, r2_b):
    """Whether the row of cells at ``idx`` lies wholly outside the window at ``center``."""
    da = 0.0
    db = 0.0
    for f in range(idx.shape[0] - 1):
        if n_cells[f] == 1:
            continue
        low = origin[f] + idx[f] * cell_size[f]
        gap = max(low - center[f], center[f] - low - cell_size[f], 0.0)
        if f < split:
            da += gap * gap
        else:
            db += gap * gap
    return da > r2_a or db > r2_b


@kernel
def _row_points(cell_keys, cell_start, strides, idx, lo, hi):
    """Range ``(start, stop)`` of the sorted points in the row of cells at ``idx``.

    The row spans ``lo[-1] .. hi[-1]`` along the last feature, whose stride is
    1 (or 0 for a one-cell grid), so its keys form one interval. A dense grid
    (``cell_keys`` empty) indexes ``cell_start`` by key directly.
    """
    last = idx.shape[0] - 1
    key = 0
    for f in range(last):
        key += idx[f] * strides[f]
    key_lo = key + lo[last] * strides[last]
    key_hi = key + hi[last] * strides[last]
    if cell_keys.shape[0] == 0:
        return cell_start[key_lo], cell_start[key_hi + 1]
    first = np.searchsorted(cell_keys, key_lo)
    stop = np.searchsorted(cell_keys, key_hi, side="right")
    return cell_start[first], cell_start[stop]


@kernel
def _inside(points, p, center, split, r2_a, r2_b):
    """Whether point ``p`` is within both radii of ``center``."""
    d = center.shape[0]
    da = 0.0
    for f in range(split):
        t = points[p, f] - center[f]
        da += t * t
        if da > r2_a:  # most scanned points leave after a feature or two
            return False
    db = 0.0
    for f in range(split, d):
        t = points[p, f] - center[f]
        db += t * t
        if db > r2_b:
            return False
    return True


@kernel
def window_sum(points, weights, cell_keys, cell_start, origin, cell_size, n_cells, strides,
               split, r2_a, r2_b, center, acc, lo, hi, idx):
    """Weighted sum (into ``acc``) and total weight of the points in the window at ``center``.

    ``points`` (m, d) float64 sorted by cell, ``weights`` (m,) float64; ``acc``
    (d,) float64 and ``lo``, ``hi``, ``idx`` (d,) int64 are scratch.
    """
    acc[:] = 0.0
    total = 0.0
    if not _cell_box(center, origin, cell_size, n_cells, split, r2_a, r2_b, lo, hi):
        return total
    idx[:] = lo
    d = center.shape[0]
    while True:
        if _row_beyond(center, origin, cell_size, n_cells, idx, split, r2_a, r2_b):
            start, stop = 0, 0
        else:
            start, stop = _row_points(cell_keys, cell_start, strides, idx, lo, hi)
        for p in range(start, stop):
            if _inside(points, p, center, split, r2_a, r2_b):
                w = weights[p]
                total += w
                for f in range(d):
                    acc[f] += w * points[p, f]
        if not _next_row(idx, lo, hi):
            return total


@kernel(parallel=True)
def climb_grid(points, weights, cell_keys, cell_start, origin, cell_size, n_cells, strides,
               split, r2_a, r2_b, seeds, tol, max_iter, modes, intensity, n_iter):
    """Hill-climb every seed to its mode over the points of a grid.

    As scikit-learn's ``_mean_shift_single_seed``: the mean moves to the
    (weighted) centroid of the points in its window until it moves by at most
    ``tol`` or ``max_iter`` iterations are completed.

    ``seeds`` (s, d) float64. Writes ``modes`` (s, d) float64, ``intensity``
    (s,) float64 (weight in the last window, 0 for a seed with no point in
    its window) and ``n_iter`` (s,) int64 (completed iterations).
    """
    s, d = seeds.shape
    for c in prange((s + CHUNK - 1) // CHUNK):
        mean = np.empty(d)
        acc = np.empty(d)
        lo = np.empty(d, dtype=np.int64)
        hi = np.empty(d, dtype=np.int64)
        idx = np.empty(d, dtype=np.int64)
        for i in range(c * CHUNK, min(s, (c + 1) * CHUNK)):
            mean[:] = seeds[i]
            it = 0
            while True:
                total = window_sum(points, weights, cell_keys, cell_start, origin, cell_size,
                                   n_cells, strides, split, r2_a, r2_b, mean, acc, lo, hi, idx)
                if total == 0.0:
                    break
                shift2 = 0.0
                for f in range(d):
                    new = acc[f] / total
                    shift2 += (new - mean[f]) ** 2
                    mean[f] = new
                if math.sqrt(shift2) <= tol or it == max_iter:
                    break
                it += 1
            modes[i] = mean
            intensity[i] = total
            n_iter[i] = it


@kernel
def suppress_modes(points, order, cell_keys, cell_start, origin, cell_size, n_cells, strides,
                   split, r2_a, r2_b, priority, cluster):
    """Greedy suppression of modes, as scikit-learn merges its centres.

    Modes are visited in ``priority`` order (indices into the original
    numbering); a mode not yet taken opens a new cluster, which takes every
    untaken mode within the window of it. ``points`` (k, d) are the modes
    sorted by cell and ``order`` maps sorted to original positions. Writes
    ``cluster`` (k,) int64 and returns the number of clusters; the kept mode
    of cluster ``c`` is the ``c``-th mode that opened one.
    """
    k, d = points.shape
    lo = np.empty(d, dtype=np.int64)
    hi = np.empty(d, dtype=np.int64)
    idx = np.empty(d, dtype=np.int64)
    position = np.empty(k, dtype=np.int64)
    for p in range(k):
        position[order[p]] = p
    cluster[:] = -1
    n_clusters = 0
    for i in priority:
        if cluster[i] >= 0:
            continue
        cluster[i] = n_clusters
        center = points[position[i]].copy()
        if _cell_box(center, origin, cell_size, n_cells, split, r2_a, r2_b, lo, hi):
            idx[:] = lo
            while True:
                start, stop = _row_points(cell_keys, cell_start, strides, idx, lo, hi)
                for p in range(start, stop):
                    if cluster[order[p]] < 0 and _inside(points, p, center, split, r2_a, r2_b):
                        cluster[order[p]] = n_clusters
                if not _next_row(idx, lo, hi):
                    break
        n_clusters += 1
    return n_clusters


@kernel
def _axis_range(center, radius, step, size):
    """Lattice indices ``[a, b]`` whose position ``index * step`` is within ``radius`` of ``center``."""
    if size == 1:
        return 0, 0
    a = math.ceil((center - radius) / step - _SLACK)
    b = math.floor((center + radius) / step + _SLACK)
    return max(a, 0), min(b, size - 1)


@kernel
def _span2(lo, hi, step, p):
    """Least and greatest squared distance from ``p`` to positions ``lo * step .. hi * step``."""
    x_lo = lo * step
    x_hi = hi * step
    near = 0.0 if x_lo <= p <= x_hi else min((x_lo - p) ** 2, (x_hi - p) ** 2)
    return near, max((x_lo - p) ** 2, (x_hi - p) ** 2)


@kernel
def tile_summaries(colour, inside, shape, steps, tile, n_tiles):
    """Per tile of the lattice: number of points, their feature sums and colour bounds.

    Tiles are boxes of ``tile`` (3,) sites, ``n_tiles`` (3,) per axis, in
    raster order. Returns ``count`` (t,), ``sums`` (t, C + 3) (colour, then
    positions), ``low`` and ``high`` (t, C) (per-channel bounds; empty
    tiles have ``count == 0``).
    """
    n_col = colour.shape[1]
    t = n_tiles[0] * n_tiles[1] * n_tiles[2]
    count = np.zeros(t)
    sums = np.zeros((t, n_col + 3))
    low = np.full((t, n_col), np.inf)
    high = np.full((t, n_col), -np.inf)
    for i0 in range(shape[0]):
        for i1 in range(shape[1]):
            for i2 in range(shape[2]):
                q = (i0 * shape[1] + i1) * shape[2] + i2
                if not inside[q]:
                    continue
                k = ((i0 // tile[0]) * n_tiles[1] + i1 // tile[1]) * n_tiles[2] + i2 // tile[2]
                count[k] += 1.0
                for f in range(n_col):
                    v = colour[q, f]
                    sums[k, f] += v
                    low[k, f] = min(low[k, f], v)
                    high[k, f] = max(high[k, f], v)
                sums[k, n_col] += i0 * steps[0]
                sums[k, n_col + 1] += i1 * steps[1]
                sums[k, n_col + 2] += i2 * steps[2]
    return count, sums, low, high


@kernel
def lattice_window_sum(colour, inside, shape, steps, tile, n_tiles, t_count, t_sums, t_low,
                       t_high, hs2, hr2, joint, mean, acc):
    """Sum (into ``acc``) and count of the lattice sites in the window at ``mean``.

    ``colour`` (n_sites, C) float32 in raster order of the lattice ``shape``
    (3,) int64 with ``steps`` (3,) float64 (position = index * step);
    ``inside`` (n_sites,) bool marks the sites that are points. ``mean`` and
    ``acc`` are (C + 3,) float64: colour, then the three positions. With
    ``joint`` the window is the ball ``spatial^2 + colour^2 <= hs2``
    (then ``hs2 == hr2``), otherwise ``spatial^2 <= hs2 and colour^2 <= hr2``.

    Tiles (see :func:`tile_summaries`) make it fast and leave it exact: a
    tile whose bounds put it wholly outside the window is skipped, one wholly
    inside adds its sums at once, and only the others are scanned site by site.
    """
    n_col = colour.shape[1]
    acc[:] = 0.0
    count = 0.0
    p0 = mean[n_col]
    p1 = mean[n_col + 1]
    p2 = mean[n_col + 2]
    hs = math.sqrt(hs2)
    a0, b0 = _axis_range(p0, hs, steps[0], shape[0])
    a1, b1 = _axis_range(p1, hs, steps[1], shape[1])
    a2, b2 = _axis_range(p2, hs, steps[2], shape[2])
    for t0 in range(a0 // tile[0], b0 // tile[0] + 1):
        lo0 = t0 * tile[0]
        hi0 = min(lo0 + tile[0], shape[0]) - 1
        near0, far0 = _span2(lo0, hi0, steps[0], p0)
        if near0 > hs2:
            continue
        for t1 in range(a1 // tile[1], b1 // tile[1] + 1):
            lo1 = t1 * tile[1]
            hi1 = min(lo1 + tile[1], shape[1]) - 1
            near1, far1 = _span2(lo1, hi1, steps[1], p1)
            if near0 + near1 > hs2:
                continue
            for t2 in range(a2 // tile[2], b2 // tile[2] + 1):
                lo2 = t2 * tile[2]
                hi2 = min(lo2 + tile[2], shape[2]) - 1
                near2, far2 = _span2(lo2, hi2, steps[2], p2)
                near = near0 + near1 + near2
                k = (t0 * n_tiles[1] + t1) * n_tiles[2] + t2
                if near > hs2 or t_count[k] == 0.0:
                    continue
                far = far0 + far1 + far2
                c_near = 0.0
                c_far = 0.0
                for f in range(n_col):
                    c = mean[f]
                    lo = t_low[k, f]
                    hi = t_high[k, f]
                    if c < lo:
                        c_near += (lo - c) ** 2
                    elif c > hi:
                        c_near += (c - hi) ** 2
                    c_far += max(c - lo, hi - c) ** 2
                if joint:
                    if near + c_near > hs2:
                        continue
                    whole = far + c_far <= hs2
                else:
                    if c_near > hr2:
                        continue
                    whole = far <= hs2 and c_far <= hr2
                if whole:
                    count += t_count[k]
                    for f in range(n_col + 3):
                        acc[f] += t_sums[k, f]
                    continue
                for i0 in range(max(lo0, a0), min(hi0, b0) + 1):
                    x0 = i0 * steps[0]
                    s0 = (x0 - p0) ** 2
                    for i1 in range(max(lo1, a1), min(hi1, b1) + 1):
                        x1 = i1 * steps[1]
                        s1 = s0 + (x1 - p1) ** 2
                        row = (i0 * shape[1] + i1) * shape[2]
                        for i2 in range(max(lo2, a2), min(hi2, b2) + 1):
                            x2 = i2 * steps[2]
                            sp = s1 + (x2 - p2) ** 2
                            q = row + i2
                            if sp > hs2 or not inside[q]:
                                continue
                            budget = hs2 - sp if joint else hr2
                            col2 = 0.0
                            for f in range(n_col):
                                t = colour[q, f] - mean[f]
                                col2 += t * t
                            if col2 <= budget:
                                count += 1.0
                                for f in range(n_col):
                                    acc[f] += colour[q, f]
                                acc[n_col] += x0
                                acc[n_col + 1] += x1
                                acc[n_col + 2] += x2
    return count


@kernel
def site_feature(colour, shape, steps, q, out):
    """Feature vector ``[colour..., positions]`` of lattice site ``q`` into ``out``."""
    n_col = colour.shape[1]
    for f in range(n_col):
        out[f] = colour[q, f]
    i2 = q % shape[2]
    i1 = (q // shape[2]) % shape[1]
    i0 = q // (shape[1] * shape[2])
    out[n_col] = i0 * steps[0]
    out[n_col + 1] = i1 * steps[1]
    out[n_col + 2] = i2 * steps[2]


@kernel
def _scaled_dist2(a, b, n_col, hs2, hr2):
    """``spatial^2 / hs2 + colour^2 / hr2`` between two ``[colour..., positions]`` vectors."""
    dist = 0.0
    for f in range(a.shape[0]):
        dist += (a[f] - b[f]) ** 2 / (hr2 if f < n_col else hs2)
    return dist


@kernel
def _nearest_site(point, n_col, shape, steps):
    """Lattice site whose position is nearest to the position of ``point``."""
    q = 0
    for a in range(3):
        i = 0 if shape[a] == 1 else int(round(point[n_col + a] / steps[a]))
        q = q * shape[a] + min(max(i, 0), shape[a] - 1)
    return q


@kernel
def find_path(point, n_col, shape, steps, hs2, hr2, radius, head, following, known, known_climb):
    """Climb of a known path point within ``radius`` of ``point`` (-1 if none).

    Distances are ``spatial^2 / hs2 + colour^2 / hr2`` (the window is the unit
    ball). Known points hang in lists from the lattice site nearest their
    position: ``head`` (n_sites,) int64 is the first of a site's list and
    ``following`` (capacity,) int64 the next; ``known`` (capacity, C + 3) and
    ``known_climb`` (capacity,) int64 hold the points and their climbs.
    """
    span = radius * math.sqrt(hs2)
    r2 = radius * radius
    a0, b0 = _axis_range(point[n_col], span, steps[0], shape[0])
    a1, b1 = _axis_range(point[n_col + 1], span, steps[1], shape[1])
    a2, b2 = _axis_range(point[n_col + 2], span, steps[2], shape[2])
    for i0 in range(a0, b0 + 1):
        for i1 in range(a1, b1 + 1):
            for i2 in range(a2, b2 + 1):
                k = head[(i0 * shape[1] + i1) * shape[2] + i2]
                while k >= 0:
                    if _scaled_dist2(point, known[k], n_col, hs2, hr2) <= r2:
                        return known_climb[k]
                    k = following[k]
    return -1


@kernel(parallel=True)
def climb_lattice(colour, inside, shape, steps, tile, n_tiles, t_count, t_sums, t_low, t_high,
                  hs2, hr2, joint, seeds, tol, max_iter, join_radius, head, following, known, known_climb,
                  modes, intensity, n_iter, joined, path, path_len):
    """Hill-climb from the lattice sites ``seeds`` (s,) int64, as :func:`climb_grid`.

    Path joining: a climb whose mean comes within ``join_radius`` of a known
    path point (see :func:`find_path`; 0 turns it off) stops there and
    writes that point's climb to ``joined`` (s,) int64 (else -1). The known
    points are only read, so the climbs of one call do not depend on each
    other. Writes ``modes`` (s, C + 3), ``intensity`` (s,) float64, ``n_iter``
    (s,) int64, and the first ``path.shape[1]`` means of each climb (its seed
    first) into ``path`` (s, T, C + 3) float64 with their number in
    ``path_len`` (s,) int64. ``T`` may be 0.
    """
    s = seeds.shape[0]
    n_col = colour.shape[1]
    d = n_col + 3
    n_path = path.shape[1]
    for c in prange((s + CHUNK - 1) // CHUNK):
        mean = np.empty(d)
        acc = np.empty(d)
        for i in range(c * CHUNK, min(s, (c + 1) * CHUNK)):
            site_feature(colour, shape, steps, seeds[i], mean)
            it = 0
            stored = 0
            joined[i] = -1
            count = 0.0
            while True:
                if stored < n_path:
                    path[i, stored] = mean
                    stored += 1
                if join_radius > 0.0:
                    joined[i] = find_path(mean, n_col, shape, steps, hs2, hr2, join_radius,
                                          head, following, known, known_climb)
                    if joined[i] >= 0:
                        break
                count = lattice_window_sum(colour, inside, shape, steps, tile, n_tiles, t_count,
                                           t_sums, t_low, t_high, hs2, hr2, joint, mean, acc)
                if count == 0.0:  # cannot happen (a centroid has a point within the radius); guard
                    break
                shift2 = 0.0
                for f in range(d):
                    new = acc[f] / count
                    shift2 += (new - mean[f]) ** 2
                    mean[f] = new
                if math.sqrt(shift2) <= tol or it == max_iter:
                    break
                it += 1
            modes[i] = mean
            intensity[i] = count
            n_iter[i] = it
            path_len[i] = stored


@kernel
def record_paths(path, path_len, modes, climbs, n_col, shape, steps, hs2, hr2, spacing,
                 head, following, known, known_climb, n_known):
    """Add the paths (and modes) of climbs to the known points, serially in order.

    ``climbs`` (s,) int64 is the climb each path leads to. A point within
    ``spacing`` (scaled distance) of a known point is redundant and skipped,
    which keeps the lists short where many paths meet (near modes). Stops
    when ``known`` is full. Returns the new number of known points.
    """
    capacity = known.shape[0]
    for k in range(path.shape[0]):
        for t in range(path_len[k] + 1):
            point = path[k, t] if t < path_len[k] else modes[k]
            if spacing > 0.0 and find_path(point, n_col, shape, steps, hs2, hr2, spacing, head,
                                           following, known, known_climb) >= 0:
                continue
            if n_known == capacity:
                return n_known
            q = _nearest_site(point, n_col, shape, steps)
            known[n_known] = point
            known_climb[n_known] = climbs[k]
            following[n_known] = head[q]
            head[q] = n_known
            n_known += 1
    return n_known
