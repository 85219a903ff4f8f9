"""Region graphs and greedy merge trees (their cuts and contour maps: :mod:`.tree`).

Contracts: label images arrive flattened in C order as int64 (any values for
:func:`label_graph`; elsewhere ``ids`` with regions numbered ``0 .. n-1`` and
``-1`` for pixels that belong to no region); ``shape`` (ndim,) int64. Trees
are parent arrays, leaves first and the root last (its own parent), a
parent's index always above its children's. All kernels are serial: merge
order depends only on the costs (ties broken by the lower edge index), never
on threads.
"""

import numpy as np

from ._jit import kernel, nowrap
from .unionfind import find

BOUNDARY = 0  # linkage codes of merge_tree
FUSION = 1
HISTOGRAM = 2  # FUSION with the chi-squared distance of the mean features (histograms)


@kernel
def neighbour_rows(shape, offsets):
    """Row segments of the pixel pairs ``(p, p + offset)`` inside an image of ``shape``.

    For each offset (the forward half of a neighbourhood, so that each pair
    is seen once), the pixels whose neighbour lies inside form a box; each of
    its rows along the last (contiguous) axis is one segment: flat indices
    ``start <= i < stop``, neighbour ``i + step``. The kernels below walk
    them with no bounds test per pixel.
    """
    ndim = shape.shape[0]
    strides = np.empty(ndim, np.int64)
    s = 1
    for ax in range(ndim - 1, -1, -1):
        strides[ax] = s
        s *= shape[ax]
    rows_per_offset = s // shape[ndim - 1]
    starts = np.empty(offsets.shape[0] * rows_per_offset, np.int64)
    stops = np.empty_like(starts)
    steps = np.empty_like(starts)
    lo = np.empty(ndim, np.int64)
    hi = np.empty(ndim, np.int64)
    coord = np.empty(ndim, np.int64)
    last = ndim - 1
    r = 0
    for j in range(offsets.shape[0]):
        step = 0
        empty = False
        for ax in range(ndim):
            o = offsets[j, ax]
            step += o * strides[ax]
            lo[ax] = max(0, -o)
            hi[ax] = shape[ax] - max(0, o)
            empty = empty or lo[ax] >= hi[ax]
        if empty:
            continue
        coord[:] = lo
        while True:
            base = 0
            for ax in range(last):
                base += coord[ax] * strides[ax]
            starts[r] = base + lo[last]
            stops[r] = base + hi[last]
            steps[r] = step
            r += 1
            ax = last - 1
            while ax >= 0:  # next row of the box
                coord[ax] += 1
                if coord[ax] < hi[ax]:
                    break
                coord[ax] = lo[ax]
                ax -= 1
            if ax < 0:
                break
    return starts[:r], stops[:r], steps[:r]


@kernel
def _grow(ra, rb, rc, rw, m, need):
    """The border record arrays with room for ``need`` records, the first ``m`` kept."""
    cap = max(2 * ra.shape[0], need)
    out = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.float64),
           np.empty(cap, np.float64))
    out[0][:m] = ra[:m]
    out[1][:m] = rb[:m]
    out[2][:m] = rc[:m]
    out[3][:m] = rw[:m]
    return out


@kernel
def label_graph(labels, inside, row_length, starts, stops, steps, boundary, use_boundary,
                connect, n_labels):
    """Regions of a label image and their adjacency, over runs of equal labels.

    ``labels`` flat int64 in C order, rows of ``row_length`` along the last
    axis; ``inside`` flat bool (pixels of a region), or empty for all. The
    row segments of :func:`neighbour_rows` are the pairs along the other
    offsets of the neighbourhood. ``connect``: the regions are the connected
    components (numbered 0.. in raster order of their first pixel), else the
    label values themselves (``0 .. n_labels - 1``).

    A row splits into runs of equal labels; a row segment of an offset and
    its partner row overlap run by run, and each overlap is one border
    record (pixel pairs, summed ``(boundary[p] + boundary[q]) / 2``) or, for
    equal labels, one union of two runs (union-find over runs, each parent
    below its child, as in the run-based labelling of He, Chao & Suzuki,
    IEEE TIP 17(5), 2008).
    The work grows with the runs, not the pixel pairs.

    Returns ``(ids, n, a, b, length, total, sizes, finite)``: per pixel its
    region (-1 outside; empty when not ``connect``: the labels are the ids),
    the number of regions, the adjacency as :func:`_adjacency`, the regions'
    pixel counts, and whether ``boundary`` is finite everywhere (callers
    zero it outside the mask; NaN or inf make the rest meaningless: the
    caller raises).
    """
    n_px = labels.shape[0]
    masked = inside.shape[0] > 0
    n_rows = n_px // row_length
    row_run = np.empty(n_rows + 1, np.int64)
    run_end = np.empty(n_px, np.int64)  # runs tile the image in C order
    run_label = np.empty(n_px, np.int64)
    run_in = np.ones(n_px if masked else 0, np.bool_)
    cap = 1024 + n_px // 8
    ra = np.empty(cap, np.int64)
    rb = np.empty(cap, np.int64)
    rc = np.empty(cap, np.float64)
    rw = np.empty(cap, np.float64)
    m = 0
    k = 0
    finite = True
    for row in range(n_rows):
        base = row * row_length
        # Growing returns arrays (reference counting): between rows, never per pair.
        if m + row_length > ra.shape[0]:
            ra, rb, rc, rw = _grow(ra, rb, rc, rw, m, m + row_length)
        row_run[row] = k
        label = labels[base]
        if masked:
            ins = inside[base]
            for p in range(base + 1, base + row_length):
                lp = labels[nowrap(p)]
                ip = inside[nowrap(p)]
                if ip != ins or (ins and lp != label):
                    run_end[nowrap(k)] = p
                    run_label[nowrap(k)] = label
                    run_in[nowrap(k)] = ins
                    k += 1
                    label = lp
                    ins = ip
            run_in[nowrap(k)] = ins
        else:  # no branch per pixel: a run's end is written until the next one starts
            run_label[k] = label
            for p in range(base + 1, base + row_length):
                lp = labels[nowrap(p)]
                run_end[nowrap(k)] = p
                k += lp != label
                run_label[nowrap(k)] = lp
                label = lp
        run_end[k] = base + row_length
        run_label[k] = label
        k += 1
        for q in range(row_run[row], k - 1):  # the pairs across the row's run ends
            if masked and not (run_in[q] and run_in[q + 1]):
                continue
            p = run_end[nowrap(q)]
            r = nowrap(m)
            ra[r] = q
            rb[r] = q + 1
            rc[r] = 1.0
            rw[r] = 0.0
            if use_boundary:
                rw[r] = 0.5 * (np.float64(boundary[nowrap(p - 1)])
                               + np.float64(boundary[nowrap(p)]))
            m += 1
        if use_boundary:  # NaN and inf (v - v is NaN), while the row is at hand
            for p in range(base, base + row_length):
                v = np.float64(boundary[nowrap(p)])
                finite &= v - v == 0.0
    row_run[n_rows] = k
    parent = np.arange(k if connect else 0)
    for r in range(starts.shape[0]):
        step = steps[r]
        i = starts[r]
        stop = stops[r]
        if m + stop - i > ra.shape[0]:
            ra, rb, rc, rw = _grow(ra, rb, rc, rw, m, m + stop - i)
        ka = row_run[i // row_length]
        while run_end[ka] <= i:
            ka += 1
        kb = row_run[(i + step) // row_length]
        while run_end[kb] <= i + step:
            kb += 1
        while i < stop:
            end_a = run_end[nowrap(ka)]
            end_b = run_end[nowrap(kb)] - step
            e = min(end_a, end_b, stop)
            both = not masked or (run_in[ka] and run_in[kb])
            if both and run_label[nowrap(ka)] != run_label[nowrap(kb)]:
                w = 0.0
                if use_boundary:
                    for t in range(i, e):
                        w += (np.float64(boundary[nowrap(t)])
                              + np.float64(boundary[nowrap(t + step)]))
                r = nowrap(m)
                ra[r] = ka
                rb[r] = kb
                rc[r] = e - i
                rw[r] = 0.5 * w
                m += 1
            elif both and connect:
                x = find(parent, ka)
                y = find(parent, kb)
                if x < y:
                    parent[y] = x
                elif y < x:
                    parent[x] = y
            i = e
            ka += end_a == e  # (no branch: which run ends first is a coin toss)
            kb += end_b == e
    region = np.empty(k, np.int64)
    n = 0 if connect else n_labels
    for q in range(k):  # parent[q] <= q is numbered already: no search
        if masked and not run_in[q]:
            region[q] = -1
        elif not connect:
            region[q] = run_label[q]
        elif parent[q] == q:
            region[q] = n
            n += 1
        else:
            region[q] = region[nowrap(parent[q])]
    # Runs are short: each is written in blocks of 8 ids, the spill past its
    # end overwritten by the next run (8 padding ids after the last).
    ids = np.empty(n_px + 8 if connect else 0, np.int64)
    sizes = np.zeros(n, np.int64)
    p = 0
    for q in range(k):
        x = region[q]
        if x >= 0:
            sizes[nowrap(x)] += run_end[q] - p
        if connect:
            for t in range(p, run_end[q], 8):
                for z in range(8):
                    ids[nowrap(t + z)] = x
        p = run_end[q]
    for t in range(m):
        x = region[nowrap(ra[t])]
        y = region[nowrap(rb[t])]
        ra[t] = min(x, y)
        rb[t] = max(x, y)
    a, b, length, total = _adjacency(ra, rb, rc, rw, m, n, use_boundary)
    return ids[:n_px], n, a, b, length, total, sizes, finite


@kernel
def _adjacency(pa, pb, pc, pw, m, n, use_boundary):
    """Aggregate ``m`` border records of regions ``pa < pb`` into region edges.

    Record t holds ``pc[t]`` pixel pairs whose weights sum to ``pw[t]``.
    Returns ``(a, b, length, total)``: unique pairs ``a < b`` sorted
    lexicographically, the number of pixel pairs of each, the sum of their
    weights (0 without boundary). A counting sort by ``a`` and a marker array
    per ``a``: linear in the number of pixel pairs.
    """
    start = np.zeros(n + 1, np.int64)
    for t in range(m):
        start[nowrap(pa[t] + 1)] += 1
    for r in range(n):
        start[r + 1] += start[r]
    fill = start[:n].copy()
    order = np.empty(m, np.int64)
    for t in range(m):
        a = nowrap(pa[t])
        order[nowrap(fill[a])] = t
        fill[a] += 1
    mark = np.full(n, -1, np.int64)
    slot = np.empty(n, np.int64)
    ea = np.empty(m, np.int64)  # room for m edges, of which few are used: not zeroed
    eb = np.empty(m, np.int64)
    length = np.empty(m, np.float64)
    total = np.empty(m, np.float64)
    e = 0
    for a in range(n):
        first = e
        for u in range(start[a], start[a + 1]):
            t = nowrap(order[nowrap(u)])
            b = nowrap(pb[t])
            if mark[b] != a:
                mark[b] = a
                slot[b] = e
                ea[nowrap(e)] = a
                eb[nowrap(e)] = b
                length[nowrap(e)] = 0.0
                total[nowrap(e)] = 0.0
                e += 1
            g = nowrap(slot[b])
            length[g] += pc[t]
            if use_boundary:
                total[g] += pw[t]
        for x in range(first + 1, e):  # insertion sort by b: few neighbours per region
            y = x
            while y > first and eb[y - 1] > eb[y]:
                eb[y - 1], eb[y] = eb[y], eb[y - 1]
                length[y - 1], length[y] = length[y], length[y - 1]
                total[y - 1], total[y] = total[y], total[y - 1]
                y -= 1
    return ea[:e].copy(), eb[:e].copy(), length[:e].copy(), total[:e].copy()


@kernel
def _cost(linkage, a, b, length, total, size, sums, edge_weight, size_scale, size_power):
    """Merge cost of adjacent regions ``a`` and ``b`` sharing a border of ``length``."""
    mean_boundary = total / length
    if linkage == BOUNDARY:
        return mean_boundary
    d2 = 0.0
    for f in range(sums.shape[1]):
        x = sums[a, f] / size[a]
        y = sums[b, f] / size[b]
        if linkage == FUSION:
            d2 += (x - y) * (x - y)
        elif x + y > 0.0:  # HISTOGRAM: chi-squared, 1/2 sum (x - y)^2 / (x + y)
            d2 += 0.5 * (x - y) * (x - y) / (x + y)
    d = np.sqrt(d2) if linkage == FUSION else d2
    h = size[a] * size[b] / (size[a] + size[b])
    return (d + edge_weight * mean_boundary) * min(1.0, (h / size_scale) ** size_power)


@kernel
def _before(cost_a, edge_a, cost_b, edge_b):
    """Heap order: by cost, ties by the lower edge index (a fixed, thread-free order).

    Bitwise, not short-circuit: the comparisons of a heap walk are
    unpredictable, and branches on them cost more than the work.
    """
    return (cost_a < cost_b) | ((cost_a == cost_b) & (edge_a < edge_b))


@kernel
def _place(hc, he, pos, i, n, cost, edge):
    """Put ``(cost, edge)`` at slot ``i`` of the indexed heap of ``n`` slots, moving it
    up or down to its place; ``pos[edge]`` follows every entry's slot."""
    while i > 0:
        p = (i - 1) >> 1
        if not _before(cost, edge, hc[nowrap(p)], he[nowrap(p)]):
            break
        hc[nowrap(i)] = hc[nowrap(p)]
        he[nowrap(i)] = he[nowrap(p)]
        pos[nowrap(he[nowrap(p)])] = i
        i = p
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n:
            c += _before(hc[nowrap(c + 1)], he[nowrap(c + 1)], hc[nowrap(c)], he[nowrap(c)])
        if _before(cost, edge, hc[nowrap(c)], he[nowrap(c)]):
            break
        hc[nowrap(i)] = hc[nowrap(c)]
        he[nowrap(i)] = he[nowrap(c)]
        pos[nowrap(he[nowrap(c)])] = i
        i = c
    hc[nowrap(i)] = cost
    he[nowrap(i)] = edge
    pos[nowrap(edge)] = i


@kernel
def _remove(hc, he, pos, n, edge):
    """Take ``edge`` out of the indexed heap of ``n`` slots (the last entry fills its slot)."""
    i = pos[nowrap(edge)]
    pos[nowrap(edge)] = -1
    if i != n - 1:
        _place(hc, he, pos, i, n - 1, hc[nowrap(n - 1)], he[nowrap(n - 1)])


@kernel
def merge_tree(n, ea, eb, length, total, sizes, sums, linkage, edge_weight, size_scale,
               size_power):
    """Greedy merging of adjacent regions, cheapest pair first.

    Each merge makes a new tree node ``n + m``; its incident edges are the
    union of its children's, parallel edges (to a common neighbour) summed
    into one. An indexed binary heap (each edge's slot known) holds the live
    edges by (cost, edge): an edge that dies leaves it at once and one whose
    cost changes moves in place, so every pop is a merge. ``BOUNDARY``: cost
    = total / length of the edge, only merged edges change. ``FUSION``: the
    cost depends on the regions' sizes and mean features (``sums / size``),
    so every edge of a new region is costed again; ``HISTOGRAM`` as ``FUSION``
    with the chi-squared distance of the mean features (non-negative sums,
    histograms) instead of the Euclidean one. Regions the graph leaves
    apart are joined at the end at cost +inf.

    Returns ``(parents, costs)`` for the ``2n - 1`` nodes (leaves cost 0).
    """
    n_nodes = 2 * n - 1
    e_count = ea.shape[0]
    ea = ea.copy()
    eb = eb.copy()
    length = length.copy()
    total = total.copy()
    size = np.empty(n_nodes, np.float64)
    size[:n] = sizes
    d = sums.shape[1]
    feat = np.zeros((n_nodes, d), np.float64)
    feat[:n] = sums
    parents = np.arange(n_nodes)
    costs = np.zeros(n_nodes, np.float64)
    # Incidence lists live in one append-only pool: (start, count) per node.
    deg = np.zeros(n, np.int64)
    for e in range(e_count):
        deg[ea[e]] += 1
        deg[eb[e]] += 1
    list_start = np.zeros(n_nodes, np.int64)
    list_len = np.zeros(n_nodes, np.int64)
    cap = 4 * e_count + 16
    pool = np.empty(cap, np.int64)
    s = 0
    for r in range(n):
        list_start[r] = s
        s += deg[r]
    for e in range(e_count):
        for r in (ea[e], eb[e]):
            pool[list_start[r] + list_len[r]] = e
            list_len[r] += 1
    used = s
    hc = np.empty(max(e_count, 1), np.float64)
    he = np.empty(max(e_count, 1), np.int64)
    pos = np.empty(max(e_count, 1), np.int64)  # slot of each live edge, -1 once dead
    for e in range(e_count):  # insertions in edge order: mostly a level or two each
        _place(hc, he, pos, e, e + 1, _cost(linkage, ea[e], eb[e], length[e], total[e], size,
                                            feat, edge_weight, size_scale, size_power), e)
    h = e_count
    mark = np.full(n_nodes, -1, np.int64)
    slot = np.empty(n_nodes, np.int64)
    summed = np.empty(max(e_count, 1), np.int64)
    node = n
    while h > 0:
        n_summed = 0
        c = hc[0]
        e = he[0]
        _remove(hc, he, pos, h, e)
        h -= 1
        u = ea[e]
        v = eb[e]
        w = node
        node += 1
        parents[u] = w
        parents[v] = w
        costs[w] = c
        size[w] = size[u] + size[v]
        for f in range(d):
            feat[w, f] = feat[u, f] + feat[v, f]
        need = used + list_len[u] + list_len[v]
        if need > cap:
            cap = max(2 * cap, need)
            grown = np.empty(cap, np.int64)
            grown[:used] = pool[:used]
            pool = grown
        list_start[w] = used
        for src in (u, v):
            for t in range(list_start[src], list_start[src] + list_len[src]):
                f = pool[nowrap(t)]
                fi = nowrap(f)  # f as an index (unsigned: no wraparound)
                if pos[fi] < 0:  # dead
                    continue
                x = nowrap(ea[fi] + eb[fi] - src)
                if mark[x] == w:  # a parallel edge: summed into the first one
                    g = slot[x]
                    length[nowrap(g)] += length[fi]
                    total[nowrap(g)] += total[fi]
                    summed[nowrap(n_summed)] = g
                    n_summed += 1
                    _remove(hc, he, pos, h, f)
                    h -= 1
                    continue
                mark[x] = w
                slot[x] = f
                if ea[fi] == src:
                    ea[fi] = w
                else:
                    eb[fi] = w
                pool[nowrap(used)] = f
                used += 1
        list_len[w] = used - list_start[w]
        # BOUNDARY: only the edges that took a parallel one change; FUSION, HISTOGRAM: all.
        changed = n_summed if linkage == BOUNDARY else list_len[w]
        for t in range(changed):
            f = summed[t] if linkage == BOUNDARY else pool[list_start[w] + t]
            fi = nowrap(f)
            cf = _cost(linkage, ea[fi], eb[fi], length[fi], total[fi], size, feat, edge_weight,
                       size_scale, size_power)
            if cf != hc[nowrap(pos[fi])]:
                _place(hc, he, pos, pos[fi], h, cf, f)
    # Parts of the graph that never touch: join their roots, lowest first.
    last = -1
    for r in range(node):
        if parents[r] == r:
            if last < 0:
                last = r
            else:
                parents[last] = node
                parents[r] = node
                costs[node] = np.inf
                last = node
                node += 1
    return parents, costs
