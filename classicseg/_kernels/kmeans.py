"""Lloyd's k-means pass: assign every sample to its nearest centre and
accumulate the new centres, fused in one parallel sweep.

Contracts: ``X`` is a C-contiguous ``(d, n)`` float32 array (feature-major, so
the loop over samples vectorises); ``centers`` is ``(k, d)`` float32;
``weights`` is ``(n,)`` float32 or empty for unit weights. Work is split into
fixed chunks of ``CHUNK`` samples; each chunk writes its own partial sums and
these are reduced serially in chunk order, so results are bit-identical for
any number of threads.
"""

import numpy as np
from numba import prange

from ._jit import kernel

# Samples per chunk: the chunk's features, distances and labels stay in L1.
CHUNK = 512


@kernel(parallel=True)
def lloyd_pass(X, weights, centers, labels, sums, counts, changed, inertia):
    """One E-step (+ accumulation for the M-step) over all samples.

    Writes ``labels`` (n,), the per-chunk partial ``sums`` (n_chunks, k, d)
    float64, ``counts`` (n_chunks, k) float64 (summed weights), ``changed``
    (n_chunks,) int64 (labels that differ from the incoming ``labels``) and
    ``inertia`` (n_chunks,) float64 (weighted squared distances).
    """
    d, n = X.shape
    k = centers.shape[0]
    n_chunks = sums.shape[0]
    weighted = weights.shape[0] == n
    for c in prange(n_chunks):
        start = c * CHUNK
        m = min(CHUNK, n - start)
        sums[c] = 0.0
        counts[c] = 0.0
        best = np.full(m, np.inf, dtype=np.float32)
        best_label = np.zeros(m, dtype=np.int32)
        dist = np.empty(m, dtype=np.float32)
        for j in range(k):
            dist[:] = 0.0
            for f in range(d):
                cf = centers[j, f]
                row = X[f, start:start + m]
                for i in range(m):
                    t = row[i] - cf
                    dist[i] += t * t
            for i in range(m):
                if dist[i] < best[i]:
                    best[i] = dist[i]
                    best_label[i] = j
        n_changed = 0
        total = 0.0
        for i in range(m):
            lab = best_label[i]
            w = weights[start + i] if weighted else np.float32(1.0)
            for f in range(d):
                sums[c, lab, f] += w * np.float64(X[f, start + i])
            counts[c, lab] += w
            total += w * np.float64(best[i])
            if labels[start + i] != lab:
                n_changed += 1
                labels[start + i] = lab
        changed[c] = n_changed
        inertia[c] = total


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
