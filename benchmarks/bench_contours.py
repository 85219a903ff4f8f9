"""Time ``classicseg.contours`` stage by stage and score its boundaries on BSDS500 beside gPb.

    python benchmarks/bench_contours.py [--split val] [--step 1] [--timing-images 5]

Writes ``benchmarks/results/contours.md``: the time of each stage (median
over a few images, compilation apart: one warm-up call first), and boundary
precision/recall F at ODS and OIS and AP of our non-maximum-suppressed
strength beside gPb-owt-ucm's official maps (``ucm2/<split>/<id>.mat``, read
as boundary maps by ``ucm2[2::2, 2::2]``), both scored in the same run by
:func:`classicseg.metrics.boundary_benchmark` (99 thresholds, max_dist 0.0075).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.io
from skimage import io as skio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classicseg import _contours  # noqa: E402
from classicseg._contour_forest import forest_combine  # noqa: E402
from classicseg.datasets import read_bsds_boundaries  # noqa: E402
from classicseg.metrics import boundary_benchmark  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bsds500"


def staged(image):
    """``contours(image, globalize=False)`` and ``contours(image)`` (globalised) stage by stage, timed.

    The second reuses the first's gradients, as ``contours`` itself does. Also returns
    the gradients and the spectral cue, which ``contour_hierarchy``'s arc model reads.
    """
    times = {}
    t = time.perf_counter()
    lab = _contours.lab_planes(image)
    times["colour (CIELAB)"] = time.perf_counter() - t
    t = time.perf_counter()
    textons = _contours.texton_map(lab[0])
    times["textons"] = time.perf_counter() - t
    t = time.perf_counter()
    bins, n_bins = _contours.cue_bins(lab, textons=textons)
    gradients = _contours.cue_gradients((bins, n_bins))
    times["oriented gradients"] = time.perf_counter() - t
    t = time.perf_counter()
    roots = np.sqrt(gradients)
    oriented = _contours.combine(roots)
    times["combination"] = time.perf_counter() - t
    t = time.perf_counter()
    smoothed = _contours.smooth_along_edges(oriented)
    times["smoothing along edges"] = time.perf_counter() - t
    t = time.perf_counter()
    result = _contours.finish(smoothed)
    times["orientation + NMS"] = time.perf_counter() - t
    times["total, globalize=False"] = sum(times.values())
    t = time.perf_counter()
    spectral = _contours.spectral_gradients(oriented.max(axis=0), lab)
    times["globalisation (sPb)"] = time.perf_counter() - t
    t = time.perf_counter()
    globalized = _contours.finish(_contours.smooth_along_edges(
        forest_combine(roots, spectral, _contours.combine_logit(
            roots, _contours._GLOBAL_WEIGHTS, _contours._GLOBAL_BIAS, spectral))))
    times["combination (boosted trees), smoothing, NMS again"] = time.perf_counter() - t
    # contours(globalize=True) smooths and thins only the globalised map.
    times["total, globalize=True"] = (times["total, globalize=False"] + times["globalisation (sPb)"]
                                      + times["combination (boosted trees), smoothing, NMS again"]
                                      - times["smoothing along edges"] - times["orientation + NMS"])
    return result, globalized, times, (gradients, spectral)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="val")
    parser.add_argument("--step", type=int, default=1, help="score every step-th image")
    parser.add_argument("--timing-images", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "contours.md"))
    args = parser.parse_args()

    ids = sorted(p.stem for p in (DATA / "images" / args.split).glob("*.jpg"))[:: args.step]
    images = (skio.imread(DATA / "images" / args.split / f"{i}.jpg") for i in ids)
    staged(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8))  # compile first
    ours, ours_global, gpb, all_times = [], [], [], []
    t_start = time.perf_counter()
    for n, (image_id, image) in enumerate(zip(ids, images)):
        result, globalized, times, _ = staged(image)
        if n < args.timing_images:
            all_times.append(times)
        truth = read_bsds_boundaries(DATA / "groundTruth" / args.split / f"{image_id}.mat")
        ours.append((truth, result.thin))
        ours_global.append((truth, globalized.thin))
        ucm2 = scipy.io.loadmat(DATA / "ucm2" / args.split / f"{image_id}.mat")["ucm2"]
        gpb.append((truth, ucm2[2::2, 2::2]))
    run_time = time.perf_counter() - t_start
    load = os.getloadavg()
    scores = {"classicseg.contours(globalize=False) (thin)": boundary_benchmark(ours),
              "classicseg.contours (globalised, the default) (thin)":
                  boundary_benchmark(ours_global),
              "gPb-owt-ucm (official ucm2)": boundary_benchmark(gpb)}

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    shape = "x".join(map(str, image.shape[:2]))
    lines = [
        "# Contours: boundary benchmark on BSDS500 and time per stage",
        "",
        f"`python benchmarks/bench_contours.py --split {args.split} --step {args.step}` at {commit}; "
        f"{len(ids)} {args.split} images; {os.cpu_count()} cores, NUMBA_NUM_THREADS="
        f"{os.environ.get('NUMBA_NUM_THREADS', 'default')}; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min, the machine was shared); "
        f"contours of all images in {run_time:.0f} s (scoring apart).",
        "",
        "## Boundaries (classicseg.metrics.boundary_benchmark, 99 thresholds, max_dist 0.0075)",
        "",
        "| method | F ODS | P | R | F OIS | AP |",
        "|---|---|---|---|---|---|",
    ]
    for name, b in scores.items():
        lines.append(f"| {name} | {b.ods_f:.3f} | {b.ods_precision:.3f} | {b.ods_recall:.3f} "
                     f"| {b.ois_f:.3f} | {b.ap:.3f} |")
    lines += [
        "",
        f"## Time per stage (median of the first {len(all_times)} images, {shape} and alike; "
        "compilation apart)",
        "",
        "| stage | seconds |",
        "|---|---|",
    ]
    for stage in all_times[0]:
        lines.append(f"| {stage} | {np.median([t[stage] for t in all_times]):.3f} |")
    lines += [
        "",
        "gPb's own implementation (MATLAB + C++) takes minutes per image for the same local cues "
        "(Arbelaez et al., TPAMI 2011); its maps here are the official precomputed ones, so only "
        "their scores are compared.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
