"""The learned arc strength of :func:`classicseg.contour_hierarchy`.

Each arc between two watershed leaves gets a probability of lying on a human
boundary: a logistic regression of features read along the arc (its oriented
strength, the thin map, the chi-squared distances of the two leaves' cue
histograms, their sizes, and the mean local cue gradients and spectral cue at
the arc's orientation), learned once on BSDS500 train by
``benchmarks/learn_arcs.py``. Scoring each arc as a whole follows learned region
merging (Ren & Shakhnarovich, "Image segmentation by cascaded region
agglomeration", CVPR 2013; one stage: the leaves' arcs). The per-pixel
combination of the cues in :mod:`classicseg._contours` weighs them once for the
whole image; along an arc their means are less noisy, and the model can weigh them
again. :func:`classicseg._owt.oriented_watershed` blends the probability into
the arc's oriented strength.
"""

import numpy as np

from ._contours import _RADII

_CUES = ("L", "a", "b", "texture")

ARC_FEATURES = (
    ("mean oriented strength", "mean strength (maximum over orientations)",
     "largest oriented strength", "standard deviation of the oriented strength",
     "mean thin (non-maximum suppressed) strength", "fraction of pairs on a thin edge",
     "log length (pixel pairs)")
    + tuple(f"chi-squared distance of the leaves' {name} histograms"
            for name in ("L", "a", "b", "texton", "colour-cluster"))
    + ("log pixels of the smaller leaf", "log pixels of the larger leaf")
    + tuple(f"mean square-rooted {_CUES[cue]} gradient, radius {r} (step {step})"
            for cue, radii in enumerate(_RADII) for r, step in radii)
    + ("mean spectral gradient",)
)

# An arc's strength is (1 - ARC_BLEND) x its mean oriented strength plus ARC_BLEND x
# the logistic function of ARC_WEIGHTS . features + ARC_BIAS, in the order of
# ARC_FEATURES. Learned by benchmarks/learn_arcs.py on the 200 BSDS500 train images
# (on the boosted-tree contours): the target of an arc is the fraction of its pixel
# pairs within 2 pixels of a human boundary, averaged over the annotators, each arc
# weighted by its length. The blend was chosen by ten-fold cross-validation on train
# (benchmarks/bsds_log.md, section 24).
ARC_WEIGHTS = np.array([
    -2.1962, 4.3121, 1.6069, -0.1836, 0.8165, -0.7084, 0.0082,
    0.0264, 0.1908, 0.0189, -0.0169, 0.5276, 0.0214, 0.0611,
    0.0321, -0.9429, 0.5728, 0.0428, -0.3706, 0.2426, 0.2308, -0.3759, 0.3758,
    0.4717, 0.1079, 0.7804, 2.6201])
ARC_BIAS = -5.2620
ARC_BLEND = 0.25


def learned_strength(c, bins, gradients, spectral, leaves, p, q, arc, k, pair_value,
                     strength):
    """The probability of each arc, ``(n_arcs,)`` float64; the arguments as in
    :func:`arc_features`."""
    x = arc_features(c, bins, gradients, spectral, leaves, p, q, arc, k, pair_value, strength)
    return 1.0 / (1.0 + np.exp(-(x @ ARC_WEIGHTS + ARC_BIAS)))


def arc_features(c, bins, gradients, spectral, leaves, p, q, arc, k, pair_value, strength):
    """``(n_arcs, len(ARC_FEATURES))`` float64: the features of each arc.

    ``c``, ``bins``, ``gradients`` and ``spectral`` are what
    :func:`classicseg._contours.contours_and_bins` returns, the rest what
    :func:`classicseg._owt.oriented_arcs` returns. All are means over the pixel
    pairs of an arc (``np.bincount``) or counts over the pixels of a leaf; the
    chi-squared distance ``1/2 sum (x - y)^2 / (x + y)`` is between the two
    leaves' normalised histograms of each plane of ``bins``; the gradients are
    read at the arc's orientation ``k``.
    """
    n_arcs = len(strength)
    count = np.bincount(arc, minlength=n_arcs).astype(np.float64)

    def mean(v):
        return np.bincount(arc, v, n_arcs) / count

    ka = k[arc]

    def oriented_mean(planes, root=False):
        """Mean over the arc's pairs of ``planes`` (n_orient, M, N) at the arc's
        orientation, of their square roots if ``root``."""
        flat = planes.reshape(planes.shape[0], -1)
        u, v = flat[ka, p].astype(np.float64), flat[ka, q].astype(np.float64)
        return mean(0.5 * (np.sqrt(u) + np.sqrt(v)) if root else 0.5 * (u + v))

    top = np.zeros(n_arcs)
    np.maximum.at(top, arc, pair_value)
    spread = np.sqrt(np.maximum(mean(pair_value**2) - strength**2, 0.0))
    s = c.strength.ravel().astype(np.float64)
    t = c.thin.ravel().astype(np.float64)
    flat = leaves.ravel().astype(np.int64)
    first = np.zeros(n_arcs, np.int64)
    second = np.zeros(n_arcs, np.int64)
    first[arc], second[arc] = np.minimum(flat[p], flat[q]), np.maximum(flat[p], flat[q])
    n = int(flat.max()) + 1
    chi2 = []
    for plane in bins:
        n_bins = int(plane.max()) + 1
        h = np.bincount(flat * n_bins + plane.ravel(), minlength=n * n_bins).reshape(n, n_bins)
        h = h / np.maximum(h.sum(axis=1, keepdims=True), 1)
        x, y = h[first], h[second]
        total = x + y
        chi2.append(0.5 * np.divide((x - y) ** 2, total, out=np.zeros_like(total),
                                    where=total > 0).sum(axis=1))
    size = np.bincount(flat, minlength=n).astype(np.float64)
    small = np.minimum(size[first], size[second])
    large = np.maximum(size[first], size[second])
    return np.column_stack(
        [strength, mean(0.5 * (s[p] + s[q])), top, spread, mean(0.5 * (t[p] + t[q])),
         mean((t[p] > 0) | (t[q] > 0)), np.log(count)] + chi2 + [np.log(small), np.log(large)]
        + [oriented_mean(g, root=True) for g in gradients] + [oriented_mean(spectral)])
