"""Kernels of the metrics module: the confusion matrix of two label arrays.

Arrays and scalars in, arrays out; serial (the pass is memory-bound).
"""

import numpy as np

from ._jit import kernel


@kernel
def confusion_counts(y_true, y_pred, n_true, n_pred, ignore_index, use_ignore):
    """Joint histogram of two label arrays, skipping ignored truth.

    Parameters
    ----------
    y_true, y_pred : (n,) integer arrays
    n_true, n_pred : int, the histogram's shape ``(n_true, n_pred)``
    ignore_index : int, truth value whose pixels are skipped if ``use_ignore``
    use_ignore : bool

    Returns
    -------
    counts : (n_true, n_pred) int64 array, ``counts[t, p]`` pixels with truth
        ``t`` and prediction ``p``
    n_bad : int, kept pixels with a label outside its range (not counted)

    One serial pass, the fused form of ``np.bincount(y_true * n_pred +
    y_pred)`` with the range checks. The pass is memory-bound, so a parallel
    launch would cost more than it saves.
    """
    counts = np.zeros((n_true, n_pred), dtype=np.int64)
    n_bad = 0
    for k in range(y_true.shape[0]):
        t = np.int64(y_true[k])
        if use_ignore and t == ignore_index:
            continue
        q = np.int64(y_pred[k])
        if t < 0 or t >= n_true or q < 0 or q >= n_pred:
            n_bad += 1
        else:
            counts[t, q] += 1
    return counts, n_bad
