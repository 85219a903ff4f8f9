"""Learn the arc model of ``contour_hierarchy``: ``ARC_WEIGHTS`` and ``ARC_BIAS``.

Learned once on BSDS500 *train* (never val or test) and committed in
``classicseg/_arcs.py``:

    python benchmarks/learn_arcs.py [--cache DIR] [--out W.json]   # prints the two constants

For each of the 200 train images: the contours and what ``contours_and_bins``
computed on the way (with the spectral cue), the oriented watershed's arcs at
full scale (``_owt.oriented_arcs``) and their features (``_arcs.arc_features``),
before any blend. The target of an arc is the fraction of its pixel pairs with a
pixel within 2 pixels of a human boundary, averaged over the annotators.
Logistic regression (scikit-learn, C = 1, on standardised features, folded back
into weights of the raw features) with that soft target: each arc appears once
as a positive weighted by its length times the fraction and once as a negative
weighted by its length times the rest, the cross-entropy of the fraction. In the
spirit of learned region merging (Ren & Shakhnarovich, "Image segmentation by
cascaded region agglomeration", CVPR 2013), one stage only: the leaves' arcs.
The blend ``ARC_BLEND`` was chosen by ten-fold cross-validation over the train
images (benchmarks/bsds_log.md, section 24).
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classicseg import _arcs, _contours, _owt  # noqa: E402
from classicseg.datasets import load_bsds500  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bsds500"
RADIUS = 2


def arc_sample(item, cache):
    """The features, targets and lengths of one image's arcs (cached as npz)."""
    f = cache / f"{item.id}.npz" if cache else None
    if f is not None and f.exists():
        z = np.load(f)
        return z["x"], z["y"], z["w"]
    c, bins, gradients, spectral = _contours.contours_and_bins(item.image, -1, None, True)
    leaves, p, q, arc, k, pair_value, strength = _owt.oriented_arcs(c)
    x = _arcs.arc_features(c, bins, gradients, spectral, leaves, p, q, arc, k, pair_value,
                           strength)
    y = arc_targets(item.boundaries, p, q, arc, len(strength))
    w = np.bincount(arc, minlength=len(strength))
    if f is not None:
        np.savez(f, x=x, y=y, w=w)
    return x, y, w


def arc_targets(boundaries, p, q, arc, n_arcs):
    """Per arc: the fraction of its pairs near each annotator's boundary, averaged."""
    disk = np.hypot(*np.mgrid[-RADIUS:RADIUS + 1, -RADIUS:RADIUS + 1]) <= RADIUS + 0.01
    near = np.zeros(p.size)
    for b in boundaries:
        d = ndi.binary_dilation(b, disk).ravel()
        near += d[p] | d[q]
    near /= len(boundaries)
    return np.bincount(arc, near, n_arcs) / np.bincount(arc, minlength=n_arcs)


def fit(x, y, w):
    """Weights and bias of the raw features: the soft-target logistic regression."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = x.mean(axis=0), x.std(axis=0)
    z = (x - mu) / sd
    model = LogisticRegression(C=1.0, max_iter=3000).fit(
        np.vstack([z, z]), np.r_[np.ones(len(y)), np.zeros(len(y))],
        sample_weight=np.r_[w * y, w * (1 - y)])
    return model.coef_[0] / sd, model.intercept_[0] - (model.coef_[0] * mu / sd).sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, help="directory for the arcs' features (npz)")
    parser.add_argument("--out", type=Path, help="also write the weights and bias (json)")
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    samples = []
    for item in load_bsds500(DATA, "train", boundaries=True):
        samples.append(arc_sample(item, args.cache))
        print(item.id, len(samples[-1][1]), "arcs", flush=True)
    weights, bias = fit(*(np.concatenate(s) for s in zip(*samples)))
    for name, v in zip(_arcs.ARC_FEATURES, weights):
        print(f"  {name:70s} {v:+.4f}")
    print("ARC_WEIGHTS = np.array([" + ", ".join(f"{v:.4f}" for v in weights) + "])")
    print(f"ARC_BIAS = {bias:.4f}")
    if args.out:
        import json

        args.out.write_text(json.dumps({"weights": [round(float(v), 4) for v in weights],
                                        "bias": round(float(bias), 4)}))


if __name__ == "__main__":
    main()
