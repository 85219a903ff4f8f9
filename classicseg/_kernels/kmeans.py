"""Lloyd's k-means passes: assign every sample to its nearest centre and
accumulate the new centres, fused in one parallel sweep.

Contracts: ``X`` is a C-contiguous ``(d, n)`` float32 array (feature-major, so
the loop over samples vectorises); ``centers`` is ``(k, d)`` float32;
``weights`` is ``(n,)`` float32 or empty for unit weights; ``labels`` is
``(n,)`` int32, updated in place. Work is split into fixed chunks of
``CHUNK`` samples; each chunk writes its own partial sums (``sums``
``(n_chunks, k, d)`` and ``counts`` ``(n_chunks, k)``, float64) and these are
reduced serially in chunk order, so results are bit-identical for any number
of threads.

Two passes share the accumulation: :func:`lloyd_pass` computes every distance
(the first iteration), :func:`hamerly_pass` skips the samples whose
distance bounds prove their label cannot change (Hamerly, "Making k-means even
faster", SDM 2010), which is most of them once the clusters settle.
"""

import numpy as np
from numba import prange

from ._jit import kernel

# Samples per chunk: the chunk's features, distances and labels stay in L1.
CHUNK = 512

# Relative slack on the bound test: float32 bounds drift by a few ulps per
# iteration, so a sample is skipped only when the proof holds with margin.
BOUND_SLACK = 1e-5


@kernel(parallel=True)
def lloyd_pass(X, weights, centers, labels, upper, lower, sums, counts, changed, inertia):
    """One exact iteration: every distance, labels, partial sums and inertia.

    Also sets the Hamerly bounds ``upper`` (distance to the nearest centre)
    and ``lower`` (distance to the second nearest) when they have ``n``
    entries (pass empty arrays to skip them). ``changed`` (n_chunks,) int64
    counts labels that differ from the incoming ones; ``inertia``
    (n_chunks,) float64 sums the weighted squared distances.
    """
    d, n = X.shape
    k = centers.shape[0]
    bounds = upper.shape[0] == n
    for c in prange(sums.shape[0]):
        start = c * CHUNK
        m = min(CHUNK, n - start)
        best = np.full(m, np.inf, dtype=np.float32)
        second = np.full(m, np.inf, dtype=np.float32)
        nearest = np.zeros(m, dtype=np.int32)
        dist = np.empty(m, dtype=np.float32)
        for j in range(k):
            dist[:] = 0.0
            for f in range(d):
                cf = centers[j, f]
                row = X[f, start:start + m]
                for i in range(m):
                    t = row[i] - cf
                    dist[i] += t * t
            # Branch-free, so that the loop vectorises; the first centre wins ties.
            for i in range(m):
                dv = dist[i]
                b = best[i]
                second[i] = min(second[i], max(dv, b))
                nearest[i] = j if dv < b else nearest[i]
                best[i] = min(b, dv)
        total = 0.0
        for i in range(m):
            total += _weight(weights, start + i) * np.float64(best[i])
            if bounds:
                upper[start + i] = np.sqrt(best[i])
                lower[start + i] = np.sqrt(second[i])
        inertia[c] = total
        changed[c] = _accumulate(X, weights, nearest, labels, start, sums[c], counts[c])


@kernel(parallel=True)
def hamerly_pass(X, weights, centers, shift, half_gap, labels, upper, lower, sums, counts, changed,
                 inertia):
    """One iteration that recomputes distances only where the bounds demand it.

    ``shift`` (k,) float64 is how far each centre moved since the last pass,
    ``half_gap`` (k,) float64 half the distance from each centre to its
    nearest other centre. A sample keeps its label when its upper bound on
    the distance to its centre is below both its lower bound on every other
    centre and its centre's ``half_gap``. ``inertia`` (n_chunks,) float64,
    if not empty, gets the weighted squared distances to the new labels'
    centres: the last pass of a run gives the exact labels and inertia of
    the final centres at a fraction of :func:`lloyd_pass`'s cost.
    """
    d, n = X.shape
    k = centers.shape[0]
    # Largest and second-largest shift: the lower bound falls by the largest
    # shift among the *other* centres.
    first = 0
    for j in range(k):
        if shift[j] > shift[first]:
            first = j
    runner_up = 0.0
    for j in range(k):
        if j != first and shift[j] > runner_up:
            runner_up = shift[j]
    for c in prange(sums.shape[0]):
        start = c * CHUNK
        m = min(CHUNK, n - start)
        nearest = np.empty(m, dtype=np.int32)
        for i in range(m):
            p = start + i
            a = labels[p]
            u = np.float64(upper[p]) + shift[a]
            lo = np.float64(lower[p]) - (runner_up if a == first else shift[first])
            bound = max(half_gap[a], lo) * (1.0 - BOUND_SLACK)
            if u > bound:
                u = np.sqrt(_sq_distance(X, p, centers, a))
                if u > bound:
                    a, u, lo = _two_nearest(X, p, centers)
            nearest[i] = a
            upper[p] = u
            lower[p] = lo
        if inertia.shape[0] > 0:
            total = 0.0
            for i in range(m):
                total += _weight(weights, start + i) * _sq_distance(X, start + i, centers, nearest[i])
            inertia[c] = total
        changed[c] = _accumulate(X, weights, nearest, labels, start, sums[c], counts[c])


@kernel
def _weight(weights, p):
    return np.float64(weights[p]) if weights.shape[0] > 0 else 1.0


@kernel
def _sq_distance(X, p, centers, j):
    s = np.float32(0.0)
    for f in range(X.shape[0]):
        t = X[f, p] - centers[j, f]
        s += t * t
    return np.float64(s)


@kernel
def _two_nearest(X, p, centers):
    """Nearest centre of sample ``p`` (first on ties), its distance and the runner-up's."""
    best, second, a = np.inf, np.inf, 0
    for j in range(centers.shape[0]):
        s = _sq_distance(X, p, centers, j)
        if s < best:
            second, best, a = best, s, j
        elif s < second:
            second = s
    return a, np.sqrt(best), np.sqrt(second)


@kernel
def _accumulate(X, weights, nearest, labels, start, sums, counts):
    """Add a chunk's samples to its partial sums; store labels; count changes."""
    sums[:] = 0.0
    counts[:] = 0.0
    n_changed = 0
    for i in range(nearest.shape[0]):
        lab = nearest[i]
        w = _weight(weights, start + i)
        for f in range(X.shape[0]):
            sums[lab, f] += w * np.float64(X[f, start + i])
        counts[lab] += w
        if labels[start + i] != lab:
            n_changed += 1
            labels[start + i] = lab
    return n_changed


@kernel
def reduce_chunks(sums, counts):
    """Sum per-chunk partials in chunk order (fixed, thread-count independent)."""
    n_chunks, k, d = sums.shape
    total = np.zeros((k, d), dtype=np.float64)
    weight = np.zeros(k, dtype=np.float64)
    for c in range(n_chunks):
        for j in range(k):
            weight[j] += counts[c, j]
            for f in range(d):
                total[j, f] += sums[c, j, f]
    return total, weight


@kernel(parallel=True)
def nearest_centers(X, centers, labels):
    """Label every sample with its nearest centre: the E-step alone (prediction).

    ``X`` (d, n) float32 or float64, C-contiguous; ``centers`` (k, d)
    float64; ``labels`` (n,) intp, written. Squared distances in float64,
    first centre on ties. Each sample's label depends on its own features
    only, so any block of samples gets the labels of the whole set, for any
    number of threads. A chunk reads each feature row once and updates the
    distances to all ``k`` centres from it.
    """
    d, n = X.shape
    k = centers.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        start = c * CHUNK
        m = min(CHUNK, n - start)
        dist = np.zeros((k, m))
        for f in range(d):
            row = X[f, start:start + m]
            for j in range(k):
                cf = centers[j, f]
                dj = dist[j]
                for i in range(m):
                    dj[i] += (np.float64(row[i]) - cf) ** 2
        for i in range(m):
            best = 0
            for j in range(1, k):
                if dist[j, i] < dist[best, i]:
                    best = j
            labels[start + i] = best
