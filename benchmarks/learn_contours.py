"""Learn what ``classicseg.contours`` ships: the texton dictionary, the cue weights, the trees.

All are learned once on BSDS500 *train* (never val or test) and committed:

    python benchmarks/learn_contours.py textons   # -> classicseg/_data/contour_textons.npy
    python benchmarks/learn_contours.py weights   # prints _WEIGHTS and _BIAS for _contours.py
    python benchmarks/learn_contours.py weights --globalize   # _GLOBAL_WEIGHTS, _GLOBAL_BIAS
    python benchmarks/learn_contours.py forest    # -> classicseg/_data/contour_forest.npz

Textons: k-means (classicseg's own, fixed seed) on the filter-bank responses
of 2 000 random pixels from each of 50 train images. Weights: logistic
regression (scikit-learn) of "on a human boundary" against the square roots
of the oriented gradients of every (cue, radius) at each pixel's strongest
orientation (of their plain sum), on a
sample of pixels of a subset of train images; pixels near but not on a
boundary are left out, as in Martin, Fowlkes & Malik (PAMI 2004). Trees:
boosted trees on the same kind of sample, each pixel described by its cues and
the logistic map around it (``classicseg._contour_forest``), on 40 train images.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi
from skimage import io as skio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classicseg import _contours  # noqa: E402
from classicseg import kmeans  # noqa: E402
from classicseg.datasets import read_bsds_boundaries  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bsds500"


def train_ids(step):
    ids = sorted(p.stem for p in (DATA / "images" / "train").glob("*.jpg"))
    return ids[::step]


def read_boundaries(split, image_id):
    """The annotators' boundary maps, ``(n_annotators, M, N)`` bool."""
    return np.stack(read_bsds_boundaries(DATA / "groundTruth" / split / f"{image_id}.mat"))


def learn_textons(k=32, per_image=2000, step=4, seed=0):
    rng = np.random.default_rng(seed)
    samples = []
    for image_id in train_ids(step):
        image = skio.imread(DATA / "images" / "train" / f"{image_id}.jpg")
        feats = _contours.texton_features(_contours.lab_planes(image)[0])
        samples.append(feats[rng.choice(len(feats), per_image, replace=False)])
    X = np.concatenate(samples)
    res = kmeans(X, k, init="k-means++", n_init=3, tol=1e-3, max_iter=300, rng=seed)
    # Sorted by the norm of the response, so that texton 0 is "flat".
    centers = res.centers[np.argsort(np.linalg.norm(res.centers, axis=1))]
    out = ROOT / "classicseg" / "_data" / "contour_textons.npy"
    np.save(out, centers.astype(np.float32))
    print(f"{k} textons from {len(X)} pixels of {len(samples)} train images -> {out}")


def pixel_sample(gradients, bounds, rng, negatives=0.02, near=3.0):
    """Features at each pixel's strongest orientation (of the plain gradient sum) and labels."""
    total = gradients.sum(axis=0)  # (n_orient, M, N)
    best = total.argmax(axis=0)
    feats = np.take_along_axis(gradients, best[None, None], axis=1)[:, 0]  # (n_cues, M, N)
    on = bounds.mean(axis=0)  # fraction of annotators marking the pixel
    far = ndi.distance_transform_edt(~bounds.any(axis=0)) > near
    pos = on > 0
    neg = far & (rng.random(on.shape) < negatives)
    X = np.concatenate([feats[:, pos].T, feats[:, neg].T])
    y = np.concatenate([np.ones(pos.sum()), np.zeros(neg.sum())])
    # A pixel marked by few annotators counts less (Martin et al.'s soft labels).
    w = np.concatenate([on[pos], np.full(neg.sum(), 1.0)])
    return X, y, w


def learn_weights(step=10, seed=0, globalize=False):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    Xs, ys, ws = [], [], []
    for image_id in train_ids(step):
        image = skio.imread(DATA / "images" / "train" / f"{image_id}.jpg")
        lab = _contours.lab_planes(image)
        grads = _contours.cue_gradients(_contours.cue_bins(lab))
        # combine() weighs the square roots of the chi-squared distances.
        feats = np.sqrt(grads)
        if globalize:
            # sPb from the shipped local weights' strength, as contours() does.
            spectral = _contours.spectral_gradients(_contours.combine(feats).max(axis=0), lab)
            feats = np.concatenate([feats, spectral[None]])
        X, y, w = pixel_sample(feats, read_boundaries("train", image_id), rng)
        Xs.append(X), ys.append(y), ws.append(w)
    X, y, w = np.concatenate(Xs), np.concatenate(ys), np.concatenate(ws)
    # Re-balance the classes, as the sample has many more negatives.
    w = w * np.where(y == 1, 0.5 / w[y == 1].sum(), 0.5 / w[y == 0].sum()) * len(y)
    model = LogisticRegression(C=10.0, max_iter=2000).fit(X, y, sample_weight=w)
    print(f"{len(ys)} train images, {len(y)} pixels ({int(y.sum())} on boundaries)")
    prefix = "_GLOBAL" if globalize else ""
    print(f"{prefix}_WEIGHTS = np.array([" + ", ".join(f"{v:.4f}" for v in model.coef_[0])
          + "], np.float32)")
    print(f"{prefix}_BIAS = np.float32({model.intercept_[0]:.4f})")


def forest_ids():
    """The train images of the trees: sorted ids [1::10] + [6::10] (40), disjoint from the
    eight sets A-H of bsds_log on which the choices are scored."""
    ids = sorted(p.stem for p in (DATA / "images" / "train").glob("*.jpg"))
    return sorted(ids[1::10] + ids[6::10])


def learn_forest(trees=50, leaves=15, rate=0.2, seed=0):
    """Boosted trees on the context features of classicseg._contour_forest.

    The sample is pixel_sample's (all annotated pixels positive with soft
    weights, 2 % of the pixels farther than 3 px negative, classes
    re-balanced), each pixel at the strongest orientation of the shipped
    logistic combination.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from classicseg import _contour_forest

    rng = np.random.default_rng(seed)
    Xs, ys, ws = [], [], []
    for image_id in forest_ids():
        image = skio.imread(DATA / "images" / "train" / f"{image_id}.jpg")
        lab = _contours.lab_planes(image)
        roots = np.sqrt(_contours.cue_gradients(_contours.cue_bins(lab)))
        # sPb as contours() computes it (from the local weights' strength, with the PMI).
        spectral = _contours.spectral_gradients(_contours.combine(roots).max(axis=0), lab)
        z = _contours.combine_logit(roots, _contours._GLOBAL_WEIGHTS, _contours._GLOBAL_BIAS,
                                    spectral)
        feats = _contour_forest.context_features(roots, spectral, z)  # (n_orient, n_feat, M, N)
        best = z.argmax(axis=0)
        feats = np.take_along_axis(feats, best[None, None], axis=0)[0][:, None]
        X, y, w = pixel_sample(feats, read_boundaries("train", image_id), rng)
        Xs.append(X), ys.append(y), ws.append(w)
    X, y, w = np.concatenate(Xs), np.concatenate(ys), np.concatenate(ws)
    w = w * np.where(y == 1, 0.5 / w[y == 1].sum(), 0.5 / w[y == 0].sum()) * len(y)
    model = HistGradientBoostingClassifier(max_iter=trees, max_leaf_nodes=leaves, max_depth=6,
                                           learning_rate=rate, l2_regularization=1.0,
                                           early_stopping=False, random_state=seed)
    model.fit(X, y, sample_weight=w)
    out = ROOT / "classicseg" / "_data" / "contour_forest.npz"
    np.savez(out, **_contour_forest.export_trees(model))
    print(f"{len(ys)} train images, {len(y)} pixels ({int(y.sum())} on boundaries): "
          f"{trees} trees of {leaves} leaves -> {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("textons", "weights", "forest"))
    parser.add_argument("--globalize", action="store_true",
                        help="weights for contours(globalize=True): the local cues and sPb")
    parser.add_argument("--step", type=int, default=None,
                        help="use every step-th train image (default 4 for textons, 10 for weights)")
    args = parser.parse_args()
    if args.what == "textons":
        learn_textons(step=args.step or 4)
    elif args.what == "forest":
        learn_forest()
    else:
        learn_weights(step=args.step or 10, globalize=args.globalize)


if __name__ == "__main__":
    main()
