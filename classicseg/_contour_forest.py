"""A boosted-tree combination of the contour cues with spatial context.

gPb (Arbelaez et al., TPAMI 2011) weighs its cues per pixel and orientation
by a logistic regression. Here boosted regression trees (gradient boosting,
Friedman, Annals of Statistics 29(5), 2001) see, at each pixel and
orientation, those cues and the logistic map's values around the pixel:
across the edge (is the pixel at the peak?), along it (does the edge
continue?) and at the neighbouring orientations, as Sketch Tokens (Lim,
Zitnick & Dollar, CVPR 2013) and structured edge forests (Dollar & Zitnick,
ICCV 2013) learn boundaries from local context with tree ensembles. The trees
are learned on 40 BSDS500 train images (sorted ids [1::10] + [6::10]) by
``benchmarks/learn_contours.py forest`` and ship as flat arrays
(``_data/contour_forest.npz``: 50 trees of 15 leaves); the kernel is in
:mod:`classicseg._kernels.contour_forest`. They replace the logistic
combination of the globalised map (:func:`classicseg.contours` and both scales
of :func:`classicseg.contour_hierarchy`); benchmarks/bsds_log.md, section 24,
has what they gained on train and val and what they cost.
"""

import functools
from pathlib import Path

import numpy as np

from ._kernels.contour_forest import N_FEATURES, forest_oriented

_FOREST_FILE = Path(__file__).resolve().parent / "_data" / "contour_forest.npz"

# Offsets, in pixels, at which the logistic logit (and some cues) are read
# along the normal of each orientation and along its edge direction.
NORMAL_OFFSETS = (-4, -2, -1, 1, 2, 4)
ALONG_OFFSETS = (-3, 3)


@functools.lru_cache(maxsize=4)
def context_offsets(n_orient):
    """``(dy, dx)`` pixel offsets along the normal ``(n_orient, 6, 2)`` and the edge ``(n_orient, 2, 2)``.

    The normal of orientation ``t`` is ``(sin t, cos t)`` in (column, row), the
    edge's direction ``(cos t, -sin t)``, as in :func:`classicseg._contours.edge_kernels`.
    """
    t = np.arange(n_orient)[:, None] * np.pi / n_orient
    d = np.array(NORMAL_OFFSETS)[None]
    normal = np.stack([np.rint(d * np.cos(t)), np.rint(d * np.sin(t))], -1).astype(np.int64)
    d = np.array(ALONG_OFFSETS)[None]
    along = np.stack([np.rint(-d * np.sin(t)), np.rint(d * np.cos(t))], -1).astype(np.int64)
    for a in (normal, along):
        a.setflags(write=False)
    return normal, along


def _shift(m, dy, dx):
    H, W = m.shape
    ys = np.clip(np.arange(H) + dy, 0, H - 1)
    xs = np.clip(np.arange(W) + dx, 0, W - 1)
    return m[np.ix_(ys, xs)]


def context_features(roots, spectral, z):
    """The kernel's features with NumPy, ``(n_orient, N_FEATURES, M, N)`` float32 (for learning);
    the arguments as in :func:`forest_combine`."""
    sq = roots
    n_orient = z.shape[0]
    normal, along = context_offsets(n_orient)
    zmax = z.max(axis=0)
    out = []
    for o in range(n_orient):
        f = list(sq[:, o]) + [spectral[o], z[o], zmax, z[(o - 1) % n_orient], z[(o + 1) % n_orient]]
        f += [_shift(z[o], *normal[o, j]) for j in range(6)]
        f += [_shift(z[o], *along[o, j]) for j in range(2)]
        f += [_shift(spectral[o], *normal[o, j]) for j in (0, 1, 4, 5)]
        for j in (1, 4):
            f += [_shift(sq[0, o], *normal[o, j]), _shift(sq[-1, o], *normal[o, j])]
        out.append(np.stack(f))
    out = np.stack(out).astype(np.float32)
    assert out.shape[1] == N_FEATURES
    return out


def export_trees(model):
    """A fitted scikit-learn ``HistGradientBoostingClassifier`` as flat arrays (see the kernel)."""
    feature, threshold, left, right, roots = [], [], [], [], []
    n = 0
    for (tree,) in model._predictors:
        nodes = tree.nodes
        leaf = nodes["is_leaf"].astype(bool)
        roots.append(n)
        feature.append(np.where(leaf, -1, nodes["feature_idx"]).astype(np.int32))
        threshold.append(np.where(leaf, nodes["value"], nodes["num_threshold"]).astype(np.float64))
        left.append((nodes["left"] + n).astype(np.int32))
        right.append((nodes["right"] + n).astype(np.int32))
        n += len(nodes)
    return dict(feature=np.concatenate(feature), threshold=np.concatenate(threshold),
                left=np.concatenate(left), right=np.concatenate(right),
                roots=np.array(roots, np.int32),
                base=np.array(float(np.ravel(model._baseline_prediction)[0])))


@functools.lru_cache(maxsize=1)
def shipped_trees():
    """The shipped trees' arrays (``feature, threshold, left, right, roots, base``)."""
    with np.load(_FOREST_FILE) as f:
        arrays = {k: f[k] for k in ("feature", "threshold", "left", "right", "roots", "base")}
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


# Share of the trees in the combination: at each pixel's strongest orientation the
# map is FOREST_WEIGHT x the trees' probability + (1 - FOREST_WEIGHT) x the logistic
# one (1: the trees alone; 0: the logistic combination). On the eight train sets, 0.5
# gained less boundary F (+0.0046 on the mean) but held the region scores (covering
# -0.0002); 1 gained +0.0062 with covering -0.0033.
FOREST_WEIGHT = 1.0


def forest_combine(roots, spectral, z, trees=None, weight=None):
    """Boundary probability per orientation, ``(n_orient, M, N)`` float32.

    ``roots`` are the square roots of the local cues' chi-squared gradients
    ``(12, n_orient, M, N)``,
    ``spectral`` the spectral cue and ``z`` the logistic combination's logit
    (:func:`classicseg._contours.combine_logit`), both ``(n_orient, M, N)``. The
    trees give the probability at each pixel's strongest orientation of ``z``;
    the logistic map of every orientation is scaled so that its maximum becomes
    ``weight`` x that probability + (1 - ``weight``) x its own, which keeps its
    orientation tuning (the trees, learned at the strongest orientation only,
    do not rank the others reliably) and costs one pass of the trees per pixel.
    ``trees`` defaults to the shipped ones, ``weight`` to ``FOREST_WEIGHT``.
    """
    t = shipped_trees() if trees is None else trees
    w = np.float32(FOREST_WEIGHT if weight is None else weight)
    sq = np.ascontiguousarray(roots, np.float32)
    spectral = np.ascontiguousarray(spectral, np.float32)
    z = np.ascontiguousarray(z, np.float32)
    normal, along = context_offsets(z.shape[0])
    p = np.empty(z.shape[1:], np.float32)
    forest_oriented(sq, spectral, z, normal, along, t["feature"], t["threshold"], t["left"],
                    t["right"], t["roots"], np.float64(t["base"]), p)
    logistic = 1.0 / (1.0 + np.exp(-z))
    scale = p / np.maximum(logistic.max(axis=0), 1e-6)
    if w != 1:
        scale = (1 - w) + w * scale
    return (logistic * scale).astype(np.float32)
