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
