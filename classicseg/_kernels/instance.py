"""Kernels of the instance metrics (``classicseg._instance_metrics``).

Arrays and scalars in, arrays out.
"""

import numpy as np

from ._jit import kernel


@kernel
def coco_greedy_match(iou, thresholds, matched):
    """COCO's greedy matching of one image's detections to its truths.

    Parameters
    ----------
    iou : (D, G) float64 array
        IoU of detection d (sorted by decreasing score) with truth g (in the
        truth's order).
    thresholds : (T,) float64 array
    matched : (T, D) bool array, written in full
        Whether detection d found a truth at threshold t.

    Mirrors ``COCOeval.evaluateImg`` for non-crowd truths: at each threshold,
    detections in score order take the still unmatched truth of largest IoU,
    if that IoU is at least ``min(t, 1 - 1e-10)``; among equal IoUs the last
    truth wins (pycocotools' ``<`` test), which can change later matches.
    """
    n_det, n_true = iou.shape
    taken = np.zeros(n_true, dtype=np.bool_)
    for t in range(thresholds.shape[0]):
        taken[:] = False
        floor = min(thresholds[t], 1.0 - 1e-10)
        for d in range(n_det):
            best = floor
            m = -1
            for g in range(n_true):
                if taken[g] or iou[d, g] < best:
                    continue
                best = iou[d, g]
                m = g
            matched[t, d] = m >= 0
            if m >= 0:
                taken[m] = True
