"""Kernels of the BSDS boundary benchmark: thinning and pixel correspondence.

Contracts
---------
``thin``: ``padded`` (H+2, W+2) uint8 in {0, 1} with a zero border (it is
thinned in place); ``lut_first``, ``lut_second`` (256,) uint8, the deletion
tables of the two subiterations indexed by the 8-neighbourhood code
(bit 0 east, then counter-clockwise: NE, N, NW, W, SW, S, SE).

``correspond``: ``machine`` (n1,) int64 flat indices (row-major, width
``width``) of the machine boundary pixels; ``human_id`` (H*W,) int32, the
0-based index of each human boundary pixel, -1 elsewhere; ``near_human``
(H*W,) bool, True within the match radius of a human pixel; ``off_y``,
``off_x``, ``off_cost`` (k,) int64, the pixel offsets within the match
radius and their integer costs; ``outlier_cost`` int64, the cost of leaving
a pixel unmatched (larger than any path of matches could save). Serial: the
result depends only on the inputs.
"""

import numpy as np

from ._jit import kernel


def thinning_tables():
    """Deletion tables of Guo and Hall's two-subiteration thinning (as MATLAB ``bwmorph``).

    Z. Guo and R. W. Hall, "Parallel thinning with two-subiteration
    algorithms", Comm. ACM 32(3), 1989, algorithm A1: a pixel is deleted
    when its crossing number X_H is 1 (G1), 2 <= min(n1, n2) <= 3 (G2), and
    (G3) ``(x2 | x3 | ~x8) & x1 == 0`` in the first subiteration,
    ``(x6 | x7 | ~x4) & x5 == 0`` in the second.
    """
    codes = np.arange(256)
    x = [None] + [(codes >> i) & 1 for i in range(8)]   # x[1] .. x[8], 1-based as in the paper
    x.append(x[1])                                      # x9 = x1
    crossing = sum((1 - x[2 * i - 1]) & (x[2 * i] | x[2 * i + 1]) for i in range(1, 5))
    n1 = sum(x[2 * k - 1] | x[2 * k] for k in range(1, 5))
    n2 = sum(x[2 * k] | x[2 * k + 1] for k in range(1, 5))
    g12 = (crossing == 1) & (np.minimum(n1, n2) >= 2) & (np.minimum(n1, n2) <= 3)
    g3 = ((x[2] | x[3] | (1 - x[8])) & x[1]) == 0
    g3p = ((x[6] | x[7] | (1 - x[4])) & x[5]) == 0
    return (g12 & g3).astype(np.uint8), (g12 & g3p).astype(np.uint8)


@kernel
def _neighbourhood(img, r, c):
    return (img[r, c + 1] | (img[r - 1, c + 1] << 1) | (img[r - 1, c] << 2)
            | (img[r - 1, c - 1] << 3) | (img[r, c - 1] << 4) | (img[r + 1, c - 1] << 5)
            | (img[r + 1, c] << 6) | (img[r + 1, c + 1] << 7))


@kernel
def thin(padded, lut_first, lut_second):
    """Thin ``padded`` in place until a whole iteration deletes nothing.

    Each subiteration decides every deletion from the image as it was at
    its start (parallel thinning), then deletes. Only foreground pixels are
    visited: the list of them shrinks as pixels go.
    """
    rows, cols = padded.shape
    n = 0
    for r in range(1, rows - 1):
        for c in range(1, cols - 1):
            if padded[r, c]:
                n += 1
    pixels = np.empty((n, 2), np.int64)
    n = 0
    for r in range(1, rows - 1):
        for c in range(1, cols - 1):
            if padded[r, c]:
                pixels[n, 0] = r
                pixels[n, 1] = c
                n += 1
    doomed = np.empty(n, np.bool_)
    changed = True
    while changed:
        changed = False
        for sub in range(2):
            lut = lut_first if sub == 0 else lut_second
            any_deleted = False
            for k in range(n):
                code = _neighbourhood(padded, pixels[k, 0], pixels[k, 1])
                doomed[k] = lut[code] != 0
                any_deleted |= doomed[k]
            if not any_deleted:
                continue
            changed = True
            kept = 0
            for k in range(n):
                if doomed[k]:
                    padded[pixels[k, 0], pixels[k, 1]] = 0
                else:
                    pixels[kept, 0] = pixels[k, 0]
                    pixels[kept, 1] = pixels[k, 1]
                    kept += 1
            n = kept


@kernel
def _heap_push(keys, vals, size, key, val):
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= keys[i]:
            break
        keys[i], keys[parent] = keys[parent], keys[i]
        vals[i], vals[parent] = vals[parent], vals[i]
        i = parent
    return size + 1


@kernel
def _heap_pop(keys, vals, size):
    """Remove the root; the caller reads keys[0], vals[0] first. Returns the new size."""
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[i], keys[child] = keys[child], keys[i]
        vals[i], vals[child] = vals[child], vals[i]
        i = child
    return size


@kernel
def _assign(rows, n_rows, ptr, adj, cost, outlier_cost, col4row, row4col, u, v,
            dist, seen, done, pred, scanned, heap_keys, heap_vals, search):
    """Minimum-cost assignment of ``rows[:n_rows]``, each to a column or to "unmatched".

    Successive shortest augmenting paths (the rows added one at a time, as
    in Crouse, IEEE TAES 52(4), 2016), Dijkstra on reduced costs with a
    binary heap over the sparse edges ``ptr/adj/cost``. Every row also has a
    private column "unmatched" of cost ``outlier_cost`` (col4row = -2), so
    the result minimises the sum of the match costs plus ``outlier_cost``
    per unmatched row. ``u``, ``v`` are the dual potentials; ``seen``,
    ``done`` hold the search id that last touched a column. Returns the
    last search id used.
    """
    for k in range(n_rows):
        i = rows[k]
        search += 1
        size = 0
        best_dummy = outlier_cost - u[i]
        dummy_row = i
        # No path longer than a free column already reached (or than leaving
        # a row unmatched) ends the search: such labels need no heap entry.
        bound = best_dummy
        # The edge relaxation below is written out here and in the search
        # loop: a shared helper function measured a fifth slower per image.
        for e in range(ptr[i], ptr[i + 1]):
            c = adj[e]
            d = cost[e] - u[i] - v[c]
            if seen[c] != search or d < dist[c]:
                seen[c] = search
                dist[c] = d
                pred[c] = i
                if d <= bound:
                    size = _heap_push(heap_keys, heap_vals, size, d, c)
                    if row4col[c] < 0:
                        bound = d
        n_scanned = 0
        terminal = -1
        length = best_dummy
        while size > 0:
            d = heap_keys[0]
            c = heap_vals[0]
            size = _heap_pop(heap_keys, heap_vals, size)
            if done[c] == search or d != dist[c]:
                continue
            if d > best_dummy:
                break
            done[c] = search
            scanned[n_scanned] = c
            n_scanned += 1
            r = row4col[c]
            if r < 0:
                terminal = c
                length = d
                break
            if d + outlier_cost - u[r] < best_dummy:
                best_dummy = d + outlier_cost - u[r]
                dummy_row = r
                length = best_dummy
                bound = min(bound, best_dummy)
            for e in range(ptr[r], ptr[r + 1]):
                c2 = adj[e]
                if done[c2] == search:
                    continue
                nd = d + cost[e] - u[r] - v[c2]
                if seen[c2] != search or nd < dist[c2]:
                    seen[c2] = search
                    dist[c2] = nd
                    pred[c2] = r
                    if nd <= bound:
                        size = _heap_push(heap_keys, heap_vals, size, nd, c2)
                        if row4col[c2] < 0:
                            bound = nd
        # Dual update (before the matching changes): scanned columns keep
        # their matched edges tight, unscanned edges keep reduced cost >= 0.
        for s in range(n_scanned):
            c = scanned[s]
            delta = length - dist[c]
            v[c] -= delta
            if row4col[c] >= 0:
                u[row4col[c]] += delta
        u[i] += length
        if terminal >= 0:
            j = terminal
        else:
            j = col4row[dummy_row]
            col4row[dummy_row] = -2
            if dummy_row == i:
                continue
        while True:
            r = pred[j]
            row4col[j] = r
            old = col4row[r]
            col4row[r] = j
            if r == i:
                break
            j = old
    return search


@kernel
def _transpose(ptr, adj, cost, n_cols):
    n_edges = adj.shape[0]
    t_ptr = np.zeros(n_cols + 1, np.int64)
    for e in range(n_edges):
        t_ptr[adj[e] + 1] += 1
    for c in range(n_cols):
        t_ptr[c + 1] += t_ptr[c]
    fill = t_ptr[:-1].copy()
    t_adj = np.empty(n_edges, np.int64)
    t_cost = np.empty(n_edges, np.int64)
    for r in range(ptr.shape[0] - 1):
        for e in range(ptr[r], ptr[r + 1]):
            c = adj[e]
            t_adj[fill[c]] = r
            t_cost[fill[c]] = cost[e]
            fill[c] += 1
    return t_ptr, t_adj, t_cost


@kernel
def _order_rows(nodes, n, ptr, cost, n_total, keys):
    """Sort ``nodes[:n]`` by their cheapest edge, then by id (``keys`` is scratch).

    Rows that have a human pixel on them, then those one pixel away, ...:
    the cheap pairs are placed first and later rows seldom have to move
    them far, which keeps the shortest-path searches short.
    """
    for q in range(n):
        node = nodes[q]
        cheapest = cost[ptr[node]]
        for e in range(ptr[node] + 1, ptr[node + 1]):
            cheapest = min(cheapest, cost[e])
        keys[q] = cheapest * n_total + node
    if n > 32:
        order = np.argsort(keys[:n])
        nodes[:n] = nodes[:n][order]
        return
    for q in range(1, n):  # insertion sort: most components are small
        key = keys[q]
        node = nodes[q]
        p = q - 1
        while p >= 0 and keys[p] > key:
            keys[p + 1] = keys[p]
            nodes[p + 1] = nodes[p]
            p -= 1
        keys[p + 1] = key
        nodes[p + 1] = node


@kernel
def correspond(machine, human_id, near_human, n_human, width, height, off_y, off_x,
               off_cost, outlier_cost):
    """Match machine and human boundary pixels one to one at least total cost.

    The cost of a pair is ``off_cost`` of their offset (only offsets within
    the radius are listed); an unmatched pixel costs ``outlier_cost``.
    ``near_human`` (H*W,) bool marks the pixels within the radius of a human
    pixel: the others have no pair and are not searched. The graph splits
    into connected components, each solved apart with its smaller side as
    the rows.

    Returns
    -------
    machine_matched : (n1,) bool
    human_matched : (n_human,) bool
    total_cost : int
        Sum of the pair costs plus ``outlier_cost`` per unmatched pixel of
        either side.
    """
    n1 = machine.shape[0]
    n_off = off_y.shape[0]
    reach = 0
    flat = np.empty(n_off, np.int64)
    for k in range(n_off):
        reach = max(reach, abs(off_y[k]), abs(off_x[k]))
        flat[k] = off_y[k] * width + off_x[k]
    n_near = 0
    for i in range(n1):
        n_near += near_human[machine[i]]
    # One pass into lists long enough for every offset of every near pixel.
    ptr = np.zeros(n1 + 1, np.int64)
    adj = np.empty(n_near * n_off, np.int64)
    cost = np.empty(n_near * n_off, np.int64)
    e = 0
    for i in range(n1):
        p = machine[i]
        if near_human[p]:
            y = p // width
            x = p - y * width
            if reach <= y < height - reach and reach <= x < width - reach:
                for k in range(n_off):
                    h = human_id[p + flat[k]]
                    if h >= 0:
                        adj[e] = h
                        cost[e] = off_cost[k]
                        e += 1
            else:
                for k in range(n_off):
                    yy = y + off_y[k]
                    xx = x + off_x[k]
                    if 0 <= yy < height and 0 <= xx < width:
                        h = human_id[yy * width + xx]
                        if h >= 0:
                            adj[e] = h
                            cost[e] = off_cost[k]
                            e += 1
        ptr[i + 1] = e
    adj = adj[:e]
    cost = cost[:e]
    t_ptr, t_adj, t_cost = _transpose(ptr, adj, cost, n_human)

    # Assignment state of both orientations; a component uses one of them.
    m_col = np.full(n1, -1, np.int64)       # machine -> human (rows = machine)
    h_row = np.full(n_human, -1, np.int64)
    h_col = np.full(n_human, -1, np.int64)  # human -> machine (rows = human)
    m_row = np.full(n1, -1, np.int64)
    u_m = np.zeros(n1, np.int64)
    v_h = np.zeros(n_human, np.int64)
    u_h = np.zeros(n_human, np.int64)
    v_m = np.zeros(n1, np.int64)
    n_max = max(n1, n_human)
    dist = np.zeros(n_max, np.int64)
    seen = np.zeros(n_max, np.int64)
    done = np.zeros(n_max, np.int64)
    pred = np.zeros(n_max, np.int64)
    scanned = np.zeros(n_max, np.int64)
    heap_keys = np.empty(ptr[n1] + 1, np.int64)
    heap_vals = np.empty(ptr[n1] + 1, np.int64)

    # Components by breadth-first search over both sides.
    m_comp = np.full(n1, -1, np.int64)
    h_comp = np.full(n_human, -1, np.int64)
    m_list = np.empty(n1, np.int64)
    h_list = np.empty(n_human, np.int64)
    search = 0
    n_comp = 0
    for start in range(n1):
        if m_comp[start] >= 0 or ptr[start + 1] == ptr[start]:
            continue
        m_comp[start] = n_comp
        n_m = 1
        n_h = 0
        m_list[0] = start
        head_m = 0
        head_h = 0
        while head_m < n_m or head_h < n_h:
            if head_m < n_m:
                i = m_list[head_m]
                head_m += 1
                for e in range(ptr[i], ptr[i + 1]):
                    h = adj[e]
                    if h_comp[h] < 0:
                        h_comp[h] = n_comp
                        h_list[n_h] = h
                        n_h += 1
            else:
                h = h_list[head_h]
                head_h += 1
                for e in range(t_ptr[h], t_ptr[h + 1]):
                    i = t_adj[e]
                    if m_comp[i] < 0:
                        m_comp[i] = n_comp
                        m_list[n_m] = i
                        n_m += 1
        if n_m <= n_h:
            _order_rows(m_list, n_m, ptr, cost, n1, dist)
            search = _assign(m_list, n_m, ptr, adj, cost, outlier_cost, m_col, h_row,
                             u_m, v_h, dist, seen, done, pred, scanned, heap_keys,
                             heap_vals, search)
        else:
            _order_rows(h_list, n_h, t_ptr, t_cost, n_human, dist)
            search = _assign(h_list, n_h, t_ptr, t_adj, t_cost, outlier_cost, h_col,
                             m_row, u_h, v_m, dist, seen, done, pred, scanned, heap_keys,
                             heap_vals, search)
        n_comp += 1

    machine_matched = np.zeros(n1, np.bool_)
    human_matched = np.zeros(n_human, np.bool_)
    total_cost = 0
    for i in range(n1):
        h = m_col[i] if m_col[i] >= 0 else m_row[i]
        if h >= 0:
            machine_matched[i] = True
            human_matched[h] = True
            for e in range(ptr[i], ptr[i + 1]):
                if adj[e] == h:
                    total_cost += cost[e]
                    break
    n_matched = 0
    for i in range(n1):
        n_matched += machine_matched[i]
    total_cost += outlier_cost * (n1 + n_human - 2 * n_matched)
    return machine_matched, human_matched, total_cost
