"""Where the spectral globalisation of ``classicseg.contours`` spends its time.

    python benchmarks/bench_globalisation.py [--images 3] [--repeats 5]

On every 10th BSDS500 train image (the first ``--images``), the local map of
``contours`` is computed once; then the three stages of
:func:`classicseg._contours.spectral_gradients` are timed, each the minimum
of ``--repeats`` runs (repeats interleaved over the images): the
intervening-contour affinity, the eigensolver, and the oriented derivatives
of the eigenvectors. Compilation apart; prints a Markdown table with the
load average and the Numba thread count.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ids = sorted(p.stem for p in (DATA / "images" / "train").glob("*.jpg"))[::10][:args.images]
    strengths = []
    for image_id in ids:
        image = skio.imread(DATA / "images" / "train" / f"{image_id}.jpg")
        lab = C.lab_planes(image)
        strengths.append(C.combine(C.cue_gradients(C.cue_bins(lab))).max(axis=0))
    C.spectral_gradients(strengths[0][:40, :40])  # compile
    best = {(i, s): np.inf for i in range(len(ids)) for s in STAGES}
    for _ in range(args.repeats):
        for i, strength in enumerate(strengths):
            t0 = time.perf_counter()
            graph = C.spectral_affinity(strength)
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


if __name__ == "__main__":
    main()
