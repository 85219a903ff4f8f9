"""Where the spectral globalisation of ``classicseg.contours`` spends its time.

    python benchmarks/bench_globalisation.py [--images 3] [--repeats 5] [--against DIR]

On every 10th BSDS500 train image (the first ``--images``), the local map of
``contours`` is computed once; then the three stages of
:func:`classicseg._contours.spectral_gradients` are timed, each the minimum
of ``--repeats`` runs (repeats interleaved over the images): the
affinity (intervening contours, colour clusters and their PMI), the
eigensolver, and the oriented derivatives of the eigenvectors. With
``--against DIR`` (another checkout of the repository), that checkout's
whole ``spectral_gradients`` is timed too,
interleaved with this one's, and the largest difference of their results is
printed. Compilation apart; prints a Markdown table with the load average
and the Numba thread count.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from skimage import io as skio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classicseg import _contours as C  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bsds500"
STAGES = ("affinity", "eigensolver", "oriented derivatives")


def other_checkout(root):
    """``spectral_gradients`` of the classicseg in ``root``, runnable beside this one.

    Its modules are loaded under their own names and swapped into
    ``sys.modules`` around each call (its lazy imports resolve there).
    """
    import inspect

    import classicseg._ncut  # noqa: F401 (imported lazily by spectral_gradients)

    def ours():
        return {k: v for k, v in sys.modules.items() if k.split(".")[0] == "classicseg"}

    mine = ours()
    for k in mine:
        del sys.modules[k]
    sys.path.insert(0, str(root))
    import classicseg._contours as theirs  # noqa: F401
    import classicseg._ncut  # noqa: F401
    sys.path.pop(0)
    their_modules = ours()
    for k in their_modules:
        del sys.modules[k]
    sys.modules.update(mine)

    # Checkouts before the PMI affinity (session 27) take the strength alone.
    with_lab = len(inspect.signature(theirs.spectral_gradients).parameters) > 1

    def run(strength, lab):
        sys.modules.update(their_modules)
        try:
            return theirs.spectral_gradients(strength, *([lab] if with_lab else []))
        finally:
            sys.modules.update(mine)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout whose spectral_gradients is timed alongside")
    args = parser.parse_args()
    other = other_checkout(args.against) if args.against else None
    ids = sorted(p.stem for p in (DATA / "images" / "train").glob("*.jpg"))[::10][:args.images]
    strengths, labs = [], []
    for image_id in ids:
        image = skio.imread(DATA / "images" / "train" / f"{image_id}.jpg")
        labs.append(C.lab_planes(image))
        strengths.append(C.combine(np.sqrt(C.cue_gradients(C.cue_bins(labs[-1])))).max(axis=0))
    C.spectral_gradients(strengths[0][:40, :40], labs[0][:, :40, :40])  # compile
    if other:
        other(strengths[0][:40, :40], labs[0][:, :40, :40])
    best = {(i, s): np.inf for i in range(len(ids)) for s in STAGES + ("other checkout",)}
    difference = 0.0
    for _ in range(args.repeats):
        for i, (strength, lab) in enumerate(zip(strengths, labs)):
            if other:
                t0 = time.perf_counter()
                theirs = other(strength, lab)
                best[i, "other checkout"] = min(best[i, "other checkout"], time.perf_counter() - t0)
                difference = max(difference, float(np.abs(
                    theirs - C.spectral_gradients(strength, lab)).max()))
            t0 = time.perf_counter()
            graph = C.pmi_affinity(C.spectral_affinity(strength), C.colour_clusters(lab))
            t1 = time.perf_counter()
            values, vectors = C.spectral_vectors(graph)
            t2 = time.perf_counter()
            C.spectral_derivatives(values, vectors, strength.shape)
            t3 = time.perf_counter()
            for s, t in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2)):
                best[i, s] = min(best[i, s], t)
    load = os.getloadavg()
    print(f"{len(ids)} train images ({', '.join(ids)}), minimum of {args.repeats} runs; "
          f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}; load "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
    print("| stage | " + " | ".join(ids) + " | median |")
    print("|---" * (len(ids) + 2) + "|")
    totals = np.zeros(len(ids))
    for s in STAGES:
        row = np.array([best[i, s] for i in range(len(ids))])
        totals += row
        print(f"| {s} | " + " | ".join(f"{t:.3f}" for t in row) + f" | {np.median(row):.3f} |")
    print("| total | " + " | ".join(f"{t:.3f}" for t in totals) + f" | {np.median(totals):.3f} |")
    if other:
        row = np.array([best[i, "other checkout"] for i in range(len(ids))])
        print(f"| total, {args.against} | " + " | ".join(f"{t:.3f}" for t in row)
              + f" | {np.median(row):.3f} |")
        print(f"\nLargest difference of the two sPb maps (values in [0, 1]): {difference:.1e}")


if __name__ == "__main__":
    main()
