"""Mean shift's ``climb_stride`` approximation: time and agreement by stride.

On crops of the BSDS500 mosaic of ``bench_scale.py`` (512² and 1024²),
``meanshift_segment(img, 21, "rgbxy", climb_stride=s)`` for s = 1 (exact),
2, 3, 4 against ``cv2.pyrMeanShiftFiltering(img, 10.5, 10.5, maxLevel=0)``
(the same window radii), one process, one call each after a warm-up on a
tiny crop (compile time kept out); OpenCV runs before and after our calls
and the ratio is against the mean of its two times (the machine is
shared). The adjusted Rand index is against the exact labels. Writes
``benchmarks/results/meanshift_stride.md``::

    python benchmarks/bench_meanshift_stride.py [--sizes 512,1024] [--cache DIR]
"""

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np
from sklearn.metrics import adjusted_rand_score

import classicseg
from bench_scale import WINDOW, mosaic

STRIDES = (1, 2, 3, 4)


def timed(fn):
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="512,1024")
    parser.add_argument("--cache", default="/tmp/classicseg_scale")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    full = mosaic(cache)
    for s in STRIDES:  # compile (or load the cache) first
        classicseg.meanshift_segment(full[:24, :24], WINDOW, features="rgbxy", climb_stride=s)
    lines = ["# Mean shift: climb_stride against OpenCV's filter", "",
             "Command: `python benchmarks/bench_meanshift_stride.py --sizes " + args.sizes + "`. "
             f"`meanshift_segment(img, {WINDOW}, 'rgbxy', climb_stride=s)` on crops of the "
             "BSDS500 mosaic of `bench_scale.py` against `cv2.pyrMeanShiftFiltering(img, "
             f"{WINDOW / 2}, {WINDOW / 2}, maxLevel=0)`; one call each in one process, OpenCV "
             "before and after ours (ratio against the mean of the two); ARI against the "
             "exact labels (s = 1). Machine: 2 cores, shared with other jobs (load: 1-minute "
             "load average at the call). "
             f"numpy {np.__version__}, OpenCV {cv2.__version__}.", "",
             "| size | s | seconds | ratio to OpenCV | ARI vs exact | clusters | load |",
             "|---|---|---|---|---|---|---|"]
    for size in (int(x) for x in args.sizes.split(",")):
        img = np.ascontiguousarray(full[:size, :size])
        def filt(img=img):
            return cv2.pyrMeanShiftFiltering(img, WINDOW / 2, WINDOW / 2, maxLevel=0)

        _, before, load_before = timed(filt)
        runs = []
        for s in STRIDES:
            (labels, info), seconds, load = timed(lambda s=s, img=img: classicseg.meanshift_segment(
                img, WINDOW, features="rgbxy", climb_stride=s, return_info=True))
            runs.append((s, labels.reshape(-1), len(info.centers), seconds, load))
        _, after, load_after = timed(filt)
        peer = (before + after) / 2
        lines.append(f"| {size}² | OpenCV | {before:.2f} / {after:.2f} | | | | "
                     f"{load_before:.1f} / {load_after:.1f} |")
        exact = runs[0][1]
        for s, labels, clusters, seconds, load in runs:
            ari = adjusted_rand_score(exact, labels)
            lines.append(f"| {size}² | {s} | {seconds:.2f} | **{seconds / peer:.2f}** | "
                         f"{ari:.3f} | {clusters} | {load:.1f} |")
            print(lines[-1], flush=True)
    out = Path(args.out) / "meanshift_stride.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
