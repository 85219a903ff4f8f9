"""estimate_window with default arguments on 481 x 321 photos' rgbxy features (issue 12).

For each photo: the time of ``estimate_window(pixel_features(img, "rgbxy"))``
(features computed before timing, Numba warmed up), the window it proposes,
and the number of regions ``meanshift_segment`` gives with that window (the
goal: 10 .. 2000). Also the window of the rule on every column
(``n_spatial=0``, scikit-learn's ``estimate_bandwidth`` doubled, on a 1000
sample subset), where pixel positions set the window.

    python benchmarks/bench_estimate_window.py [--data ../shared/data/bsds500] [--limit 3]
        [--out benchmarks/results]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from skimage import data, io, transform

import classicseg


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here.parents[1] / "shared" / "data" / "bsds500")
    parser.add_argument("--limit", type=int, default=3)
    parser.add_argument("--out", type=Path, default=here / "results")
    args = parser.parse_args()

    photos = {"astronaut (resized to 321 x 481)":
              (transform.resize(data.astronaut(), (321, 481)) * 255).astype(np.uint8)}
    for path in sorted((args.data / "images" / "val").glob("*.jpg"))[: args.limit]:
        photos[f"BSDS500 val {path.stem}"] = io.imread(path)
    classicseg.warmup()
    rows = []
    for name, img in photos.items():
        X = classicseg.pixel_features(img, "rgbxy")
        classicseg.estimate_window(X[:2000], rng=0)  # warm (cKDTree import)
        t0 = time.perf_counter()
        window = classicseg.estimate_window(X, rng=0)
        seconds = time.perf_counter() - t0
        all_columns = classicseg.estimate_window(X, rng=0, n_spatial=0)
        n_regions = int(classicseg.meanshift_segment(img, window, features="rgbxy").max())
        rows.append(f"| {name} | {img.shape[0]} x {img.shape[1]} | {seconds:.3f} | {window:.1f} "
                    f"| {n_regions} | {all_columns:.0f} |")
        print(rows[-1], flush=True)
    load = os.getloadavg()[0]
    text = "\n".join([
        "# estimate_window on photos' rgbxy features (default arguments)", "",
        f"Command: `python benchmarks/bench_estimate_window.py --limit {args.limit}`; shared "
        f"2-core machine, load average {load:.1f} at the end.", "",
        "| photo | shape | estimate_window (s) | window | meanshift_segment regions "
        "| window with positions (n_spatial=0) |",
        "|---|---|---:|---:|---:|---:|", *rows, ""])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "estimate_window.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
