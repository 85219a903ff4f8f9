"""Mean shift kernels: flat-window hill climbs on a grid or on the pixel lattice.

A window is a flat kernel (Comaniciu & Meer 2002): a point ``q``
is inside the window at ``m`` when it is within a radius of ``m``. The
features split in two groups, ``[0, split)`` and ``[split, d)``, each with its
own squared radius (``r2_a``, ``r2_b``); a point is inside when it is within
both. One group (``split == d``) is the window of a single size W (radius
W/2); two groups are the joint spatial-range window of Comaniciu & Meer
(2002), colour first.

Two ways to find the points of a window:

* a uniform grid over feature space whose cells are one window (two radii)
  wide along each feature, so that a window visits at most 2 cells per
  feature, and the cells along the last feature in one run. Points are
  sorted by cell; ``cell_keys`` (sorted, unique) are the linear indices
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

# Lattice rows are scanned in runs of a multiple of LANES sites (the vector width of
# the scan, float64 on AVX-512): planes carry LANES sites of NaN padding at the end.
LANES = 8

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
    """Indices ``[a, b]`` whose position ``index * step`` lies within ``radius`` of ``center``."""
    if size == 1:
        return 0, 0
    a = math.ceil((center - radius) / step - _SLACK)
    b = math.floor((center + radius) / step + _SLACK)
    return max(a, 0), min(b, size - 1)


@kernel(reassoc=True)
def lattice_window_sum(planes, shape, steps, hs2, hr2, joint, mean, acc, offsets):
    """Sum (into ``acc``) and count of the lattice sites in the window at ``mean``.

    ``planes`` (C, n_sites + LANES) float32 holds the colour of the sites,
    channel by channel, in raster order of the lattice ``shape`` (3,) int64
    with ``steps`` (3,) float64 (position = index * step), then ``LANES``
    NaN sites of padding; C is 1 or 3, and a site that is not a point has a
    NaN colour. ``mean`` and ``acc`` are (C + 3,) float64: colour, then the
    three positions. With ``joint`` the window is the ball ``spatial^2 +
    colour^2 <= hs2`` (then ``hs2 == hr2``), otherwise ``spatial^2 <= hs2
    and colour^2 <= hr2``. ``offsets`` (2, shape[2] + LANES) float64 is
    scratch.

    Only the rows (along the last axis) within the spatial half window are
    visited, three at a time across the window's width in one branch-free
    pass that LLVM vectorizes (a pass costs about as much to set up and
    reduce as a row of 21 sites to scan, so three rows per pass beat one).
    The width is rounded up to a multiple of ``LANES``, the extra columns at
    distance inf, so that no site is left to a scalar remainder loop (the
    remainder of 21 columns cost more than the vector part). Sums are
    re-associated: the result depends on the compiled code, never on the
    thread count (and on integer-valued features, whose sums are exact,
    not even on that).
    """
    n_col = planes.shape[0]
    p0 = mean[n_col]
    p1 = mean[n_col + 1]
    p2 = mean[n_col + 2]
    m0 = mean[0]
    m1 = mean[min(1, n_col - 1)]
    m2 = mean[min(2, n_col - 1)]
    plane0 = planes[0]
    plane1 = planes[min(1, n_col - 1)]
    plane2 = planes[min(2, n_col - 1)]
    hs = math.sqrt(hs2)
    a0, b0 = _axis_range(p0, hs, steps[0], shape[0])
    a1, b1 = _axis_range(p1, hs, steps[1], shape[1])
    a2, b2 = _axis_range(p2, hs, steps[2], shape[2])
    width = b2 - a2 + 1
    # Rows are scanned over n_pass columns, the window's width rounded up to a multiple
    # of LANES (no scalar remainder loop); the columns past the window are at distance
    # inf. Positions along the rows and their squared distances, the same for every row.
    n_pass = (width + LANES - 1) // LANES * LANES
    xs = offsets[0, :n_pass]
    dx2 = offsets[1, :n_pass]
    for j in range(n_pass):
        xs[j] = (a2 + j) * steps[2]
        dx2[j] = (xs[j] - p2) ** 2 if j < width else np.inf
    # Branch-free window test: joint, col2 <= hs2 - sp; else sp <= hs2 and col2 <= hr2.
    # A NaN colour fails it, and so does a row past the window (squared distance inf).
    limit = hs2 if joint else hr2
    slope = 1.0 if joint else 0.0
    count = 0.0
    s_0 = 0.0
    s_1 = 0.0
    s_2 = 0.0
    t_0 = 0.0
    t_1 = 0.0
    t_2 = 0.0
    for i0 in range(a0, b0 + 1):
        x0 = i0 * steps[0]
        d0 = (x0 - p0) ** 2
        if d0 > hs2:
            continue
        for i1 in range(a1, b1 + 1, 3):
            # Rows i1, i1 + 1, i1 + 2; one past b1 reads row b1 again, at distance inf.
            y_a = i1 * steps[1]
            y_b = (i1 + 1) * steps[1]
            y_c = (i1 + 2) * steps[1]
            e_a = d0 + (y_a - p1) ** 2
            e_b = d0 + (y_b - p1) ** 2 if i1 + 1 <= b1 else np.inf
            e_c = d0 + (y_c - p1) ** 2 if i1 + 2 <= b1 else np.inf
            if min(e_a, e_b, e_c) > hs2:
                continue
            # Unsigned indices: no negative-index wraparound, so the loads stay contiguous.
            row = i0 * shape[1]
            q_a = np.uint64((row + i1) * shape[2] + a2)
            q_b = np.uint64((row + min(i1 + 1, b1)) * shape[2] + a2)
            q_c = np.uint64((row + min(i1 + 2, b1)) * shape[2] + a2)
            n_a = 0.0
            n_b = 0.0
            n_c = 0.0
            rx = 0.0
            # The three rows are written out, and the sums as conditional expressions:
            # helper functions for the site test or the masked adds measured 7-10% slower.
            if n_col == 3:
                for j in range(n_pass):
                    u = np.uint64(j)
                    sp_a = e_a + dx2[j]
                    a_0 = np.float64(plane0[q_a + u])
                    a_1 = np.float64(plane1[q_a + u])
                    a_2 = np.float64(plane2[q_a + u])
                    col2 = (a_0 - m0) ** 2 + (a_1 - m1) ** 2 + (a_2 - m2) ** 2
                    ok_a = (sp_a <= hs2) & (col2 <= limit - slope * sp_a)
                    n_a += 1.0 if ok_a else 0.0
                    sp_b = e_b + dx2[j]
                    b_0 = np.float64(plane0[q_b + u])
                    b_1 = np.float64(plane1[q_b + u])
                    b_2 = np.float64(plane2[q_b + u])
                    col2 = (b_0 - m0) ** 2 + (b_1 - m1) ** 2 + (b_2 - m2) ** 2
                    ok_b = (sp_b <= hs2) & (col2 <= limit - slope * sp_b)
                    n_b += 1.0 if ok_b else 0.0
                    sp_c = e_c + dx2[j]
                    c_0 = np.float64(plane0[q_c + u])
                    c_1 = np.float64(plane1[q_c + u])
                    c_2 = np.float64(plane2[q_c + u])
                    col2 = (c_0 - m0) ** 2 + (c_1 - m1) ** 2 + (c_2 - m2) ** 2
                    ok_c = (sp_c <= hs2) & (col2 <= limit - slope * sp_c)
                    n_c += 1.0 if ok_c else 0.0
                    rx += (xs[j] if ok_a else 0.0) + (xs[j] if ok_b else 0.0) + (
                        xs[j] if ok_c else 0.0)
                    s_0 += (a_0 if ok_a else 0.0) + (b_0 if ok_b else 0.0) + (c_0 if ok_c else 0.0)
                    s_1 += (a_1 if ok_a else 0.0) + (b_1 if ok_b else 0.0) + (c_1 if ok_c else 0.0)
                    s_2 += (a_2 if ok_a else 0.0) + (b_2 if ok_b else 0.0) + (c_2 if ok_c else 0.0)
            else:  # one channel
                for j in range(n_pass):
                    u = np.uint64(j)
                    a_0 = np.float64(plane0[q_a + u])
                    b_0 = np.float64(plane0[q_b + u])
                    c_0 = np.float64(plane0[q_c + u])
                    sp_a = e_a + dx2[j]
                    sp_b = e_b + dx2[j]
                    sp_c = e_c + dx2[j]
                    ok_a = (sp_a <= hs2) & ((a_0 - m0) ** 2 <= limit - slope * sp_a)
                    ok_b = (sp_b <= hs2) & ((b_0 - m0) ** 2 <= limit - slope * sp_b)
                    ok_c = (sp_c <= hs2) & ((c_0 - m0) ** 2 <= limit - slope * sp_c)
                    n_a += 1.0 if ok_a else 0.0
                    n_b += 1.0 if ok_b else 0.0
                    n_c += 1.0 if ok_c else 0.0
                    rx += (xs[j] if ok_a else 0.0) + (xs[j] if ok_b else 0.0) + (
                        xs[j] if ok_c else 0.0)
                    s_0 += (a_0 if ok_a else 0.0) + (b_0 if ok_b else 0.0) + (c_0 if ok_c else 0.0)
            count += n_a + n_b + n_c
            t_0 += (n_a + n_b + n_c) * x0
            t_1 += n_a * y_a + n_b * y_b + n_c * y_c
            t_2 += rx
    acc[0] = s_0
    if n_col == 3:
        acc[1] = s_1
        acc[2] = s_2
    acc[n_col] = t_0
    acc[n_col + 1] = t_1
    acc[n_col + 2] = t_2
    return count


@kernel
def site_feature(planes, shape, steps, q, out):
    """Feature vector ``[colour..., positions]`` of lattice site ``q`` into ``out``."""
    n_col = planes.shape[0]
    for f in range(n_col):
        out[f] = planes[f, q]
    i2 = q % shape[2]
    i1 = (q // shape[2]) % shape[1]
    i0 = q // (shape[1] * shape[2])
    out[n_col] = i0 * steps[0]
    out[n_col + 1] = i1 * steps[1]
    out[n_col + 2] = i2 * steps[2]


# ------------------------------------------------------------------ trajectory sharing
#
# Known points: points on the paths of finished climbs, ``known`` (capacity,
# C + 3) float64 with the climb each leads to in ``known_climb``. They are
# found two ways: exactly, by a hash table of their bits (``table``, a power
# of two of indices into ``known``, -1 empty), and approximately, in lists
# hanging from the lattice site nearest their position (``head`` (n_sites,),
# ``following`` (capacity,), -1 ends a list).


@kernel
def _hash(point):
    """64-bit hash of the bits of a point (its float64 values viewed as int64)."""
    bits = point.view(np.int64)
    h = np.uint64(0xCBF29CE484222325)
    for f in range(bits.shape[0]):
        h = (h ^ np.uint64(bits[f])) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


@kernel
def _probe(point, h, table, known):
    """Slot of ``table`` that holds ``point`` (hash ``h``), or the empty slot where it would go.

    ``table`` (slots, 2) int64 rows are (fingerprint, index into ``known``),
    index -1 when empty; a power of two of slots, probed linearly from the
    hash. Only a slot whose fingerprint matches reads ``known``.
    """
    mask = np.uint64(table.shape[0] - 1)
    fingerprint = np.int64(h)
    slot = h & mask
    while True:
        k = table[slot, 1]
        if k < 0:
            return slot
        if table[slot, 0] == fingerprint:
            same = True
            for f in range(point.shape[0]):
                if known[k, f] != point[f]:
                    same = False
                    break
            if same:
                return slot
        slot = (slot + np.uint64(1)) & mask


@kernel
def find_exact(point, table, known):
    """Index of the known point equal to ``point`` (-1 if none)."""
    return table[_probe(point, _hash(point), table, known), 1]


@kernel
def distinct_rows(points, table, which, first):
    """Number the distinct rows (bit for bit) of ``points`` (k, d) float64 as they first appear.

    ``table`` (slots, 2) int64, all -1, more than k slots (a power of two): the
    hash table of :func:`find_exact`, over rows of ``points``. Writes ``which``
    (k,) int64, each row's number, and ``first`` (k,) int64, the row where
    each number first appears (the first n entries); returns n.
    """
    n = 0
    for i in range(points.shape[0]):
        h = _hash(points[i])
        slot = _probe(points[i], h, table, points)
        if table[slot, 1] < 0:
            table[slot, 0] = np.int64(h)
            table[slot, 1] = i
            first[n] = i
            which[i] = n
            n += 1
        else:
            which[i] = which[table[slot, 1]]
    return n


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
def find_path(point, n_col, shape, steps, hs2, hr2, radius, head, following, known):
    """Index of a known point within ``radius`` of ``point`` (-1 if none).

    Distances are ``spatial^2 / hs2 + colour^2 / hr2`` (the window is the unit
    ball); the lists of the sites within ``radius`` of ``point`` are searched.
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
                        return k
                    k = following[k]
    return -1


@kernel(parallel=True)
def climb_lattice(planes, shape, steps, hs2, hr2, joint, seeds, tol, max_iter,
                  join_radius, table, head, following, known, known_climb,
                  modes, intensity, n_iter, joined, path, path_len):
    """Hill-climb from the lattice sites ``seeds`` (s,) int64, as :func:`climb_grid`.

    Trajectory sharing against the known points of earlier calls: a climb
    whose mean, after its first step, equals a known point (exact: its climb
    from there on is that point's climb, step for step; off when ``table`` is
    empty) or comes within ``join_radius`` of one (approximate, see
    :func:`find_path`; 0 turns it off) stops and writes that point's climb
    to ``joined`` (s,) int64 (else -1). The known points are only read, so
    the climbs of one call do not depend on each other. Writes ``modes`` (s, C + 3),
    ``intensity`` (s,) float64, ``n_iter`` (s,) int64, and the first
    ``path.shape[1]`` means of each climb (its seed first) into ``path`` (s,
    T, C + 3) float64 with their number in ``path_len`` (s,) int64.
    """
    s = seeds.shape[0]
    n_col = planes.shape[0]
    d = n_col + 3
    n_path = path.shape[1]
    exact = table.shape[0] > 0  # no slots: exact sharing off
    for c in prange((s + CHUNK - 1) // CHUNK):
        mean = np.empty(d)
        acc = np.empty(d)
        offsets = np.empty((2, shape[2] + LANES))
        for i in range(c * CHUNK, min(s, (c + 1) * CHUNK)):
            site_feature(planes, shape, steps, seeds[i], mean)
            it = 0
            stored = 0
            joined[i] = -1
            count = 0.0
            while True:
                if stored < n_path:
                    for f in range(d):  # (a slice assignment would allocate)
                        path[i, stored, f] = mean[f]
                    stored += 1
                k = find_exact(mean, table, known) if exact and it > 0 else -1
                if k < 0 and join_radius > 0.0:
                    k = find_path(mean, n_col, shape, steps, hs2, hr2, join_radius, head,
                                  following, known)
                if k >= 0:
                    joined[i] = known_climb[k]
                    break
                count = lattice_window_sum(planes, shape, steps, hs2, hr2, joint, mean, acc,
                                           offsets)
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
            for f in range(d):
                modes[i, f] = mean[f]
            intensity[i] = count
            n_iter[i] = it
            path_len[i] = stored


@kernel
def record_paths(path, path_len, modes, climbs, n_col, shape, steps, hs2, hr2, spacing,
                 table, head, following, known, known_climb, n_known):
    """Add the paths (and modes) of climbs to the known points, serially in order.

    The first point of a path, the seed, is left out (climbs look up their
    means only after a step). ``climbs`` (s,) int64 is the climb each path
    leads to. A point already known exactly is skipped; with ``spacing >
    0`` (approximate sharing) so is a point within ``spacing`` (scaled
    distance) of a known point, which keeps the lists short where many
    paths meet. ``table`` (slots, 2) is the
    hash table of :func:`find_exact` (no slots: exact sharing off). Stops
    when ``known`` is full or the table half full. Returns the new number of
    known points.
    """
    exact = table.shape[0] > 0
    capacity = min(known.shape[0], table.shape[0] // 2) if exact else known.shape[0]
    h = np.uint64(0)
    slot = np.uint64(0)
    for k in range(path.shape[0]):
        for t in range(1, path_len[k] + 1):
            if n_known == capacity:
                return n_known
            point = path[k, t] if t < path_len[k] else modes[k]
            if exact:
                h = _hash(point)
                slot = _probe(point, h, table, known)
                if table[slot, 1] >= 0:
                    continue  # known
            if spacing > 0.0:
                if find_path(point, n_col, shape, steps, hs2, hr2, spacing, head, following,
                             known) >= 0:
                    continue
                q = _nearest_site(point, n_col, shape, steps)
                following[n_known] = head[q]
                head[q] = n_known
            if exact:
                table[slot, 0] = np.int64(h)
                table[slot, 1] = n_known
            for f in range(point.shape[0]):  # (a slice assignment would allocate)
                known[n_known, f] = point[f]
            known_climb[n_known] = climbs[k]
            n_known += 1
    return n_known


@kernel
def fill_from_lattice(planes, shape, steps, hs2, hr2, stride, colour2, owner, q_lo, q_hi):
    """Give points off the lattice of ``stride`` the climb of their nearest lattice point.

    The points whose indices are all multiples of ``stride`` (along the axes
    longer than one) have climbed and own ``owner[q] >= 0``; every other
    point (finite colour, ``owner[q] == -1``) takes the owner of the lattice
    point nearest to it, in the scaled distance ``spatial^2 / hs2 + colour^2 /
    hr2``, among those less than ``stride`` sites away along every axis (the
    first in raster order on a tie), if their squared colour distance is at
    most ``colour2``. Other points keep -1. Only the sites ``q_lo <= q <
    q_hi`` (raster order) are filled, so a band of the image can be filled
    once the lattice points within ``stride`` of it have climbed. ``owner``
    (n_sites,) int64 is updated in place; the result does not depend on the
    order of the sites (only lattice points are read).
    """
    n_col = planes.shape[0]
    reach = np.empty(3, dtype=np.int64)
    for a in range(3):
        reach[a] = 0 if shape[a] == 1 else stride - 1
    for q in range(q_lo, q_hi):
        if owner[q] >= 0 or planes[0, q] != planes[0, q]:  # climbed, or not a point (NaN)
            continue
        i2 = q % shape[2]
        i1 = (q // shape[2]) % shape[1]
        i0 = q // (shape[1] * shape[2])
        best = np.inf
        best_colour = 0.0
        for j0 in range(max(i0 - reach[0], 0), min(i0 + reach[0], shape[0] - 1) + 1):
            if j0 % stride != 0 and shape[0] > 1:
                continue
            for j1 in range(max(i1 - reach[1], 0), min(i1 + reach[1], shape[1] - 1) + 1):
                if j1 % stride != 0 and shape[1] > 1:
                    continue
                for j2 in range(max(i2 - reach[2], 0), min(i2 + reach[2], shape[2] - 1) + 1):
                    if j2 % stride != 0 and shape[2] > 1:
                        continue
                    p = (j0 * shape[1] + j1) * shape[2] + j2
                    if owner[p] < 0:
                        continue
                    spatial = (((j0 - i0) * steps[0]) ** 2 + ((j1 - i1) * steps[1]) ** 2
                               + ((j2 - i2) * steps[2]) ** 2)
                    colour = 0.0
                    for f in range(n_col):
                        colour += (np.float64(planes[f, p]) - np.float64(planes[f, q])) ** 2
                    dist = spatial / hs2 + colour / hr2
                    if dist < best:
                        best = dist
                        best_colour = colour
                        owner[q] = owner[p]
        if best_colour > colour2:
            owner[q] = -1
