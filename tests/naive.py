"""Slow, obviously right NumPy versions of the kernels, for the tests to compare against.

One section per algorithm. Each function states which kernel it mirrors.
"""

import numpy as np

# ---------------------------------------------------------------- k-means


def lloyd_pass(X, centers, weights=None):
    """Mirror of ``classicseg._kernels.kmeans.lloyd_pass`` on ``(n, d)`` samples.

    Returns the labels (nearest centre, first on ties), the weighted sums and
    counts per cluster and the inertia, all in float64.
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    dist = ((X[:, None, :] - np.asarray(centers, dtype=np.float64)[None]) ** 2).sum(axis=2)
    labels = dist.argmin(axis=1)
    k = len(centers)
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels, w[:, None] * X)
    counts = np.bincount(labels, weights=w, minlength=k)
    inertia = float((w * dist[np.arange(len(X)), labels]).sum())
    return labels, sums, counts, inertia


# ---------------------------------------------------------------- normalized cut


def affinity_graph(feat, spatial_shape, radius, sigma_color, sigma_space, mask=None,
                   floor=1e-6, spacing=None):
    """Mirror of ``count_edges`` + ``fill_edges`` (``classicseg._kernels.pixel_graph``) as a dense matrix.

    ``feat`` is ``(n_pixels, d)`` over the pixels in ``mask`` (row-major, 2-D
    or 3-D); every pair of pixels closer than ``radius`` pixel steps gets
    Shi & Malik's eq. 11 weight (the spatial term in units of ``spacing``),
    at least ``floor``, self-pairs included.
    """
    index = np.argwhere(np.ones(spatial_shape, bool) if mask is None else mask).astype(np.float64)
    pos = index * (np.ones(len(spatial_shape)) if spacing is None else np.asarray(spacing))
    feat = np.asarray(feat, dtype=np.float64)
    dist2_index = ((index[:, None, :] - index[None, :, :]) ** 2).sum(axis=2)
    dist2_space = ((pos[:, None, :] - pos[None, :, :]) ** 2).sum(axis=2)
    dist2_color = ((feat[:, None, :] - feat[None, :, :]) ** 2).sum(axis=2)
    W = np.exp(-dist2_color / sigma_color**2) * np.exp(-dist2_space / sigma_space**2)
    W = np.maximum(W, floor)
    W[dist2_index >= radius**2] = 0.0
    return W


def heavy_edge_matching(W, degree, min_share=0.0):
    """Mirror of ``heavy_edge_matching``: vertices in order take their unmatched
    neighbour of largest ``w_ij / d_i + w_ij / d_j`` (first on ties), unless that
    is below ``min_share`` times their largest over all neighbours."""
    W = np.asarray(W, dtype=np.float64)
    n = len(W)
    aggregate = np.full(n, -1)
    n_coarse = 0
    for i in range(n):
        if aggregate[i] >= 0:
            continue
        every = np.where((W[i] > 0) & (np.arange(n) != i) & (degree > 0),
                         W[i] / degree[i] + W[i] / np.where(degree > 0, degree, 1), 0.0)
        score = np.where(aggregate < 0, every, 0.0)
        aggregate[i] = n_coarse
        if score.max() > 0 and score.max() >= min_share * every.max():
            aggregate[int(np.argmax(score))] = n_coarse
        n_coarse += 1
    return aggregate, n_coarse


def quotient_graph(W, aggregate, n_coarse):
    """Mirror of ``quotient_graph``: ``P^T W P`` with the 0/1 matrix ``P[i, aggregate[i]] = 1``."""
    P = np.zeros((len(aggregate), n_coarse))
    P[np.arange(len(aggregate)), aggregate] = 1.0
    return P.T @ np.asarray(W, dtype=np.float64) @ P


def region_affinity(regions, features, boundary, sigma_color, sigma_edge, floor=1e-6):
    """Mirror of ``_pixel_graph.region_affinity``: a loop over 4-neighbour pixel pairs.

    Pairs inside a region add 2 to its diagonal (both orderings); pairs across
    a border add to its length and to its summed mean boundary. Returns a
    dense ``(n, n)`` array.
    """
    n = int(regions.max()) + 1
    features = np.asarray(features, dtype=np.float64).reshape(regions.shape + (-1,))
    means = np.array([features[regions == r].mean(axis=0) for r in range(n)])
    W = np.zeros((n, n))
    length = np.zeros((n, n))
    total = np.zeros((n, n))
    rows, cols = regions.shape
    for i in range(rows):
        for j in range(cols):
            for i2, j2 in ((i + 1, j), (i, j + 1)):
                if i2 >= rows or j2 >= cols:
                    continue
                a, b = regions[i, j], regions[i2, j2]
                if a < 0 or b < 0:
                    continue
                if a == b:
                    W[a, a] += 2
                else:
                    length[a, b] += 1
                    length[b, a] += 1
                    total[a, b] += (boundary[i, j] + boundary[i2, j2]) / 2
                    total[b, a] += (boundary[i, j] + boundary[i2, j2]) / 2
    for a in range(n):
        for b in range(n):
            if a != b and length[a, b] > 0:
                colour = ((means[a] - means[b]) ** 2).sum() / sigma_color**2
                edge = (total[a, b] / length[a, b]) ** 2 / sigma_edge**2
                W[a, b] = max(length[a, b] * np.exp(-colour - edge), floor)
    return W


def cut_profile(W, rank):
    """Mirror of ``cut_profile``: ``cut[m - 1]`` between the ``m`` lowest-ranked vertices and the rest."""
    W = np.asarray(W, dtype=np.float64)
    order = np.argsort(rank)
    return np.array([W[np.ix_(order[:m], order[m:])].sum() for m in range(1, len(W))])


def side_components(W, side):
    """Mirror of ``side_components``: piece sizes of each side (SciPy components of same-side edges)."""
    import scipy.sparse.csgraph

    W = np.asarray(W)
    same = (W > 0) & (side[:, None] == side[None, :])
    _, piece = scipy.sparse.csgraph.connected_components(same, directed=False)
    return np.bincount(piece)[piece]


def partition_ncut(W, labels):
    """k-way Ncut of a given partition, by the definition: sum_k cut(A_k, V - A_k) / assoc(A_k, V)."""
    W = W.toarray() if hasattr(W, "toarray") else np.asarray(W, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    total = 0.0
    for k in np.unique(labels):
        in_k = labels == k
        assoc = W[in_k].sum()
        if assoc > 0:
            total += W[in_k][:, ~in_k].sum() / assoc
    return total


def brute_force_ncut(W):
    """Least two-way Ncut over every bipartition of a small graph (n <= 16): (value, in_A)."""
    W = np.asarray(W, dtype=np.float64)
    n = len(W)
    degree = W.sum(axis=1)
    best, best_a = np.inf, None
    for code in range(1, 2 ** (n - 1)):  # vertex n-1 always in B: each bipartition once
        in_a = (code >> np.arange(n)) & 1 == 1
        cut = W[in_a][:, ~in_a].sum()
        value = cut / degree[in_a].sum() + cut / degree[~in_a].sum()
        if value < best:
            best, best_a = value, in_a
    return best, best_a


# ---------------------------------------------------------------- mean shift and region merging


def mean_shift_climb(X, seed, radius, tol, max_iter, weights=None):
    """Mirror of one climb of ``classicseg._kernels.meanshift.climb_grid`` (one radius).

    Scans every sample. Returns (mode, weight in the last window, completed iterations).
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = np.asarray(seed, dtype=np.float64).copy()
    it = 0
    while True:
        inside = np.sqrt(((X - mean) ** 2).sum(axis=1)) <= radius
        total = w[inside].sum()
        if total == 0:
            return mean, 0.0, it
        new = (w[inside, None] * X[inside]).sum(axis=0) / total
        shift = np.sqrt(((new - mean) ** 2).sum())
        mean = new
        if shift <= tol or it == max_iter:
            return mean, total, it
        it += 1


def lattice_window(colour, mask, steps, mean, hs, hr, joint):
    """Mirror of ``classicseg._kernels.meanshift.lattice_window_sum``.

    ``colour`` (*spatial, C), ``mask`` (*spatial) bool or None, ``steps``
    one per spatial axis, ``mean`` = [colour..., positions]. Returns the
    (sum of the features, count) of the pixels in the window.
    """
    spatial = colour.shape[:-1]
    pos = np.stack(np.meshgrid(*[np.arange(n) * s for n, s in zip(spatial, steps)],
                               indexing="ij"), axis=-1).reshape(-1, len(spatial))
    feat = np.concatenate([colour.reshape(-1, colour.shape[-1]).astype(np.float64), pos], axis=1)
    n_col = colour.shape[-1]
    sp = ((feat[:, n_col:] - mean[n_col:]) ** 2).sum(axis=1)
    col = ((feat[:, :n_col] - mean[:n_col]) ** 2).sum(axis=1)
    inside = (sp + col <= hs * hs) if joint else (sp <= hs * hs) & (col <= hr * hr)
    if mask is not None:
        inside &= mask.reshape(-1)
    return feat[inside].sum(axis=0), int(inside.sum())


def suppress_modes(modes, intensity, radius):
    """Mirror of ``classicseg._kernels.meanshift.suppress_modes`` (scikit-learn's merge).

    Modes sorted by intensity then lexicographically, both descending; a
    mode not yet taken opens a cluster and takes every untaken mode within
    ``radius``. Returns the cluster of every mode.
    """
    modes = np.asarray(modes, dtype=np.float64)
    order = sorted(range(len(modes)), key=lambda i: (intensity[i], tuple(modes[i])), reverse=True)
    cluster = np.full(len(modes), -1)
    n = 0
    for i in order:
        if cluster[i] >= 0:
            continue
        near = (np.sqrt(((modes - modes[i]) ** 2).sum(axis=1)) <= radius) & (cluster < 0)
        cluster[near] = n
        cluster[i] = n
        n += 1
    return cluster


def merge_small(edge_a, edge_b, sizes, min_size):
    """Mirror of ``classicseg._kernels.regions.merge_small``: groups as sets, no union-find."""
    group = {r: {r} for r in range(len(sizes))}
    root = {r: r for r in range(len(sizes))}
    for a, b in zip(edge_a, edge_b):
        ra, rb = root[a], root[b]
        size_a = sum(sizes[x] for x in group[ra])
        size_b = sum(sizes[x] for x in group[rb])
        if ra == rb or (size_a >= min_size and size_b >= min_size):
            continue
        if size_b > size_a or (size_b == size_a and rb < ra):
            ra, rb = rb, ra
        for x in group.pop(rb):
            group[ra].add(x)
            root[x] = ra
    return np.array([root[r] for r in range(len(sizes))])


def region_graph(labels, boundary, connectivity):
    """Adjacent label pairs (a < b) -> [length, summed pair weight], pixel pair by pixel pair."""
    import itertools

    edges = {}
    shape = labels.shape
    offsets = [o for o in itertools.product((-1, 0, 1), repeat=labels.ndim)
               if 0 < sum(map(abs, o)) <= connectivity]
    for p in itertools.product(*map(range, shape)):
        for o in offsets:
            q = tuple(a + b for a, b in zip(p, o))
            if q <= p or any(c < 0 or c >= n for c, n in zip(q, shape)):
                continue
            a, b = labels[p], labels[q]
            if a != b:
                edge = edges.setdefault((min(a, b), max(a, b)), [0, 0.0])
                edge[0] += 1
                edge[1] += (boundary[p] + boundary[q]) / 2
    return edges


# ---------------------------------------------------------------- contours


def half_disc_chi2(bins, n_bins, radius, n_orientations):
    """Mirror of ``classicseg._kernels.contours.half_disc_chi2`` (through ``oriented_gradient``).

    For every pixel and orientation ``t = o pi / n``: the pixels of the disc
    ``dx**2 + dy**2 <= radius**2`` (the image reflected at its borders,
    dy growing downwards) with ``dx sin t + dy cos t > 0`` form one half and
    those with ``< 0`` the other; returns ``0.5 * sum((g - h)**2 / (g + h))``
    of the two normalised histograms, ``(n_orientations, M, N)`` float64.
    """
    bins = np.asarray(bins)
    H, W = bins.shape
    padded = np.pad(bins, radius, mode="symmetric")
    dy, dx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    disc = dx**2 + dy**2 <= radius**2
    out = np.zeros((n_orientations, H, W))
    for o in range(n_orientations):
        t = o * np.pi / n_orientations
        side = dx * np.sin(t) + dy * np.cos(t)
        halves = (disc & (side > 1e-9), disc & (side < -1e-9))
        for y in range(H):
            for x in range(W):
                window = padded[y:y + 2 * radius + 1, x:x + 2 * radius + 1]
                g, h = (np.bincount(window[m], minlength=n_bins) / m.sum() for m in halves)
                total = g + h
                nz = total > 0
                out[o, y, x] = 0.5 * ((g - h)[nz] ** 2 / total[nz]).sum()
    return out



def intervening_contour(strength, step, radius, rho):
    """Mirror of ``classicseg._kernels.contours.intervening_contour`` as a dense symmetric matrix.

    Vertices: the pixels ``(step i, step j)``, row-major. Two vertices at grid
    distance ``<= radius`` are joined with ``exp(-m / rho)``, ``m`` the
    largest strength on the pixels nearest to ``step * max(|di|, |dj|) + 1``
    evenly spaced points of the segment between them, endpoints included.
    """
    strength = np.asarray(strength, dtype=np.float64)
    H, W = strength.shape
    grid = [(i, j) for i in range(0, H, step) for j in range(0, W, step)]
    A = np.zeros((len(grid), len(grid)))
    for a, (y0, x0) in enumerate(grid):
        for b, (y1, x1) in enumerate(grid):
            di, dj = (y1 - y0) // step, (x1 - x0) // step
            if a == b or di * di + dj * dj > radius * radius:
                continue
            t = np.linspace(0, 1, step * max(abs(di), abs(dj)) + 1)
            ys = np.rint(y0 + t * (y1 - y0)).astype(int)
            xs = np.rint(x0 + t * (x1 - x0)).astype(int)
            A[a, b] = np.exp(-strength[ys, xs].max() / rho)
    return A


def pmi_weights(W, colour, rho):
    """Mirror of ``classicseg._contours.pmi_affinity`` on a dense symmetric matrix, pair by pair.

    ``P(a, b)``: the share of the nonzero entries ``W[i, j]`` whose vertices
    have colours ``a`` and ``b``; each entry times ``P(a, b) ** rho / (P(a) P(b))``.
    """
    k = max(colour) + 1
    joint = np.zeros((k, k))
    pairs = [(i, j) for i in range(len(W)) for j in range(len(W)) if W[i, j] != 0]
    for i, j in pairs:
        joint[colour[i], colour[j]] += 1.0 / len(pairs)
    marginal = joint.sum(axis=1)
    out = np.zeros_like(W, dtype=np.float64)
    for i, j in pairs:
        a, b = colour[i], colour[j]
        out[i, j] = W[i, j] * joint[a, b] ** rho / (marginal[a] * marginal[b])
    return out


# ---------------------------------------------------------------- boundary matching


def correspond_pixels(bmap, gt, max_dist, outlier_radii=100, scale=100):
    """Mirror of ``classicseg._kernels.boundary.correspond`` on two boolean maps.

    The dense form of the BSDS assignment, solved by SciPy's LAPJVsp
    (``min_weight_full_bipartite_matching``): machine pixels plus one
    "unmatched" node per human pixel on one side, human pixels plus one per
    machine pixel on the other; a pair within the radius costs its rounded
    distance in hundredths of a pixel, a pixel to its own unmatched node the
    outlier cost, and two unmatched nodes whose pixels could pair cost the
    outlier cost too (so that every matching extends to a full one).
    Returns ``(number of pairs, total cost)``, the cost counting the pairs
    plus the outlier cost per unmatched pixel of either side.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    h, w = bmap.shape
    radius = max_dist * np.hypot(h, w)
    outlier = int(np.ceil(outlier_radii * radius * scale))
    machine, human = np.argwhere(bmap), np.argwhere(gt)
    n1, n2 = len(machine), len(human)
    if n1 == 0 or n2 == 0:
        return 0, outlier * (n1 + n2)
    d = np.hypot(*(machine[:, None, :] - human[None, :, :]).transpose(2, 0, 1))
    rows, cols = np.nonzero(d <= radius)
    if rows.size == 0:
        return 0, outlier * (n1 + n2)
    pair_cost = np.rint(d[rows, cols] * scale)
    r = np.concatenate([rows, np.arange(n1), n1 + np.arange(n2), n1 + cols])
    c = np.concatenate([cols, n2 + np.arange(n1), np.arange(n2), n2 + rows])
    weight = np.concatenate([pair_cost, np.full(n1 + n2 + rows.size, float(outlier))]) + 1
    graph = csr_matrix((weight, (r, c)), shape=(n1 + n2, n1 + n2))
    match = min_weight_full_bipartite_matching(graph)[1]
    paired = np.flatnonzero(match[:n1] < n2)
    cost = np.rint(d[paired, match[paired]] * scale).sum()
    return paired.size, int(cost) + outlier * (n1 + n2 - 2 * paired.size)


# ---------------------------------------------------------------- instance matching


def label_iou(y_true, y_pred):
    """IoU of every (true object, predicted object) pair of two label images, by masks."""
    t_ids = [i for i in np.unique(y_true) if i != 0]
    p_ids = [i for i in np.unique(y_pred) if i != 0]
    iou = np.zeros((len(t_ids), len(p_ids)))
    for a, t in enumerate(t_ids):
        for b, p in enumerate(p_ids):
            inter = np.sum((y_true == t) & (y_pred == p))
            iou[a, b] = inter / np.sum((y_true == t) | (y_pred == p))
    return iou, t_ids, p_ids


def stardist_matching(y_true, y_pred, thresh):
    """StarDist's ``matching`` (``stardist.matching``, criterion "iou"): tp, fp, fn, matched IoUs.

    Its cost ``-(iou >= thresh) - iou / (2 n_matched)`` over all pairs, one
    ``linear_sum_assignment``, then the assigned pairs at or above the threshold.
    """
    from scipy.optimize import linear_sum_assignment

    iou, t_ids, p_ids = label_iou(y_true, y_pred)
    n_matched = min(iou.shape)
    if n_matched == 0:
        return 0, len(p_ids), len(t_ids), np.zeros(0)
    costs = -(iou >= thresh).astype(float) - iou / (2 * n_matched)
    rows, cols = linear_sum_assignment(costs)
    ok = iou[rows, cols] >= thresh
    tp = int(ok.sum())
    return tp, len(p_ids) - tp, len(t_ids) - tp, iou[rows, cols][ok]


def brute_force_matching(iou, thresh):
    """Over every one-to-one matching of pairs with IoU >= thresh: the most pairs, then the largest IoU sum.

    Returns (number of pairs, IoU sum); tiny tables only.
    """
    import itertools

    n_t, n_p = iou.shape
    best = (0, 0.0)
    for k in range(1, min(n_t, n_p) + 1):
        for rows in itertools.combinations(range(n_t), k):
            for cols in itertools.permutations(range(n_p), k):
                values = iou[list(rows), list(cols)]
                if (values >= thresh).all():
                    best = max(best, (k, float(values.sum())))
    return best


def greedy_fusion_costs(regions, features, boundary, edge_weight, size_scale, size_power,
                        distance="euclidean"):
    """Merge costs of greedy fusion, every pair's cost recomputed from the pixels at each step.

    ``regions`` (H, W) are 0-based connected regions. Cost of adjacent a, b:
    ``(|mean f_a - mean f_b| + edge_weight * mean border boundary) * min(1, (h /
    size_scale) ** size_power)``, ``h = |a||b| / (|a| + |b|)``, where a border
    pixel pair (p, q) weighs ``(boundary[p] + boundary[q]) / 2``. With
    ``distance="chi2"`` the feature term is ``1/2 sum (x - y)^2 / (x + y)``
    of the two means (terms with ``x + y = 0`` left out).
    """
    region = regions.copy()
    costs = []
    pairs = [(region[:-1, :], region[1:, :], boundary[:-1, :], boundary[1:, :]),
             (region[:, :-1], region[:, 1:], boundary[:, :-1], boundary[:, 1:])]
    while len(np.unique(region)) > 1:
        best = None
        border = {}
        for axis in (0, 1):
            head = region[:-1, :] if axis == 0 else region[:, :-1]
            tail = region[1:, :] if axis == 0 else region[:, 1:]
            bh, bt = pairs[axis][2], pairs[axis][3]
            for a, b, w in zip(head.ravel(), tail.ravel(), ((bh + bt) / 2).ravel()):
                if a != b:
                    entry = border.setdefault((min(a, b), max(a, b)), [0, 0.0])
                    entry[0] += 1
                    entry[1] += w
        for (a, b), (length, total) in border.items():
            in_a, in_b = region == a, region == b
            sa, sb = in_a.sum(), in_b.sum()
            x, y = features[in_a].mean(axis=0), features[in_b].mean(axis=0)
            if distance == "chi2":
                both = x + y > 0
                d = 0.5 * np.sum((x - y)[both] ** 2 / (x + y)[both])
            else:
                d = np.linalg.norm(x - y)
            h = sa * sb / (sa + sb)
            cost = (d + edge_weight * total / length) * min(1.0, (h / size_scale) ** size_power)
            if best is None or cost < best[0]:
                best = (cost, a, b)
        costs.append(best[0])
        region[region == best[2]] = best[1]
    return np.array(costs)


def same_partition(x, y):
    """Whether two label images are the same partition up to relabelling."""
    pairs = np.unique(np.stack([np.ravel(x), np.ravel(y)]), axis=1)
    return pairs.shape[1] == len(np.unique(x)) == len(np.unique(y))


# ---------------------------------------------------------- network layers


def max_pool_scan(plane, kernel, stride):
    """Max pooling of one ``(H, W)`` plane without padding, PyTorch's scan: mirrors ``max_pool_planes``.

    Each window is read in row-major order; a value replaces the running
    maximum (start -inf, index of the window's first element) if it is
    larger or NaN. Returns the maxima and their flat indices ``h * W + w``.
    """
    (kh, kw), (sh, sw) = kernel, stride
    h, w = plane.shape
    rows, cols = (h - kh) // sh + 1, (w - kw) // sw + 1
    out, index = np.empty((rows, cols), plane.dtype), np.empty((rows, cols), np.int64)
    for i in range(rows):
        for j in range(cols):
            best, best_index = -np.inf, i * sh * w + j * sw
            for y in range(i * sh, i * sh + kh):
                for x in range(j * sw, j * sw + kw):
                    if plane[y, x] > best or np.isnan(plane[y, x]):
                        best, best_index = plane[y, x], y * w + x
            out[i, j], index[i, j] = best, best_index
    return out, index
