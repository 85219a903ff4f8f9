"""Mean shift on image features: classicseg against scikit-learn, OpenCV and scikit-image, in one run.

1. Exactness and speed of the array engine: scikit-image's astronaut resized
   to 64² and 128², rgbxy features, W = 21: ``classicseg.mean_shift`` against
   ``sklearn.cluster.MeanShift(bandwidth=W/2)`` exact and with
   ``bin_seeding=True``; and ``meanshift_segment`` (pixel lattice) with and
   without trajectory sharing. Adjusted Rand index against scikit-learn's
   labels, both for ``mean_shift``'s default labelling rule (nearest kept
   mode, scikit-learn's) and for ``meanshift_segment``'s (basin of
   attraction).
2. The 512² astronaut: ``meanshift_segment(img, 21, features="rgbxy")``
   (exact, and its opt-in approximations: path joining, ``climb_stride=2``)
   against ``cv2.pyrMeanShiftFiltering(sp=10.5, sr=10.5, maxLevel=0)`` (a
   filter only: square spatial window, at most 5 iterations; a speed
   reference, not an equivalence) and ``skimage.segmentation.quickshift``.

Times are medians of repeats, side by side in one run; Numba compile time is
measured apart, in a fresh process with an empty cache. Writes
``meanshift.md`` and ``meanshift.png`` (input, k-means k = 16, mean shift
W = 21) to ``--out``.

    python benchmarks/bench_meanshift.py [--out benchmarks/results] [--quick]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from skimage import data, measure, transform
from sklearn.metrics import adjusted_rand_score

import classicseg
from _timing import timed

WINDOW = 21
# A looser path joining (opt-in), to show what speed costs in agreement.
FAST_JOIN = 0.1
# The opt-in approximations measured on the 512² astronaut against the exact labels.
APPROXIMATIONS = (("sh", dict(share_trajectories=True)),
                  ("fast", dict(share_trajectories=FAST_JOIN)),
                  ("stride", dict(climb_stride=2)))
COMPILE_SNIPPET = """
import time, numpy as np, classicseg
img = np.random.default_rng(0).random((12, 12, 3))
t = time.perf_counter(); classicseg.mean_shift(img.reshape(-1, 3), 0.5); a = time.perf_counter() - t
t = time.perf_counter(); classicseg.meanshift_segment(img, 21); b = time.perf_counter() - t
print(a, b)
"""


def compile_times():
    """First-call times (compile + run) in a fresh process with an empty Numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", COMPILE_SNIPPET], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def n_regions(labels):
    return int(measure.label(labels, background=-1, connectivity=1).max())


def small_images(sizes, sklearn_exact_sizes, repeat):
    from sklearn.cluster import MeanShift

    rows = []
    for size in sizes:
        img = transform.resize(data.astronaut(), (size, size), anti_aliasing=True)
        X = classicseg.pixel_features(img, "rgbxy").astype(np.float64)
        t_ours, ours = timed(lambda: classicseg.mean_shift(X, WINDOW), repeat)
        basin = classicseg.mean_shift(X, WINDOW, assign="attractor")
        t_lat, (lat, lat_info) = timed(lambda: classicseg.meanshift_segment(
            img, WINDOW, features="rgbxy", return_info=True), repeat)
        t_sh, (sh, sh_info) = timed(lambda: classicseg.meanshift_segment(
            img, WINDOW, features="rgbxy", share_trajectories=True, return_info=True), repeat)
        t_bin, sk_bin = timed(lambda: MeanShift(bandwidth=WINDOW / 2, bin_seeding=True).fit(X))
        row = dict(size=size, n=len(X), t_ours=t_ours, k_ours=len(ours.centers), t_lat=t_lat,
                   t_sh=t_sh, k_sh=len(sh_info.centers), climbs_sh=sh_info.n_climbs,
                   t_bin=t_bin, k_bin=len(sk_bin.cluster_centers_),
                   ari_sh=adjusted_rand_score(lat.reshape(-1), sh.reshape(-1)),
                   ari_lat=adjusted_rand_score(basin.labels, lat.reshape(-1) - 1))
        if size in sklearn_exact_sizes:
            t_sk, sk = timed(lambda: MeanShift(bandwidth=WINDOW / 2, bin_seeding=False).fit(X))
            row.update(t_sk=t_sk, k_sk=len(sk.cluster_centers_),
                       ari_nearest=adjusted_rand_score(sk.labels_, ours.labels),
                       ari_attractor=adjusted_rand_score(sk.labels_, basin.labels),
                       modes_equal=len(sk.cluster_centers_) == len(ours.centers) and bool(
                           np.allclose(sk.cluster_centers_, ours.centers, atol=1e-6)))
        rows.append(row)
        print(row, flush=True)
    return rows


def large_image(repeat):
    import cv2
    from skimage.segmentation import quickshift

    img = data.astronaut()
    t_cv, filtered = timed(lambda: cv2.pyrMeanShiftFiltering(img, WINDOW / 2, WINDOW / 2,
                                                             maxLevel=0), repeat)
    t_ms, (labels, info) = timed(lambda: classicseg.meanshift_segment(
        img, WINDOW, features="rgbxy", return_info=True), repeat)
    t_qs, qs = timed(lambda: quickshift(img, kernel_size=5, max_dist=10, ratio=1.0, rng=0),
                     repeat)
    flat = filtered.reshape(-1, 3).astype(np.int64)
    colour_id = ((flat[:, 0] * 256 + flat[:, 1]) * 256 + flat[:, 2]).reshape(img.shape[:2])
    out = dict(t_cv=t_cv, t_ms=t_ms, t_qs=t_qs, k_ms=len(info.centers), regions_ms=n_regions(labels),
               climbs=info.n_climbs, regions_cv=n_regions(colour_id), regions_qs=n_regions(qs),
               labels=labels)
    for name, option in APPROXIMATIONS:
        t, (shared, info) = timed(lambda: classicseg.meanshift_segment(
            img, WINDOW, features="rgbxy", return_info=True, **option))
        out.update({f"t_{name}": t, f"k_{name}": len(info.centers), f"climbs_{name}": info.n_climbs,
                    f"ari_{name}": adjusted_rand_score(labels.reshape(-1), shared.reshape(-1))})
    print({k: v for k, v in out.items() if k != "labels"}, flush=True)
    return out


def figure(path, ms_labels):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.color import label2rgb

    img = data.astronaut()
    km = classicseg.kmeans_segment(img, 16, features="rgbxy", rng=0)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
    panels = [(img, "input (astronaut 512²)"),
              (label2rgb(km, img, kind="avg", bg_label=-1), "k-means, k = 16 (rgbxy)"),
              (label2rgb(ms_labels, img, kind="avg", bg_label=-1),
               f"mean shift, W = {WINDOW} (rgbxy): {ms_labels.max()} clusters")]
    for ax, (im, title) in zip(axes, panels):
        ax.imshow(im)
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def write_table(path, rows, big, compile_engine, compile_segment, command, loads):
    import cv2
    import sklearn

    lines = [
        "# Mean shift benchmark",
        "",
        f"Command: `{command}`. Machine: {os.cpu_count()} cores, shared (timings are noisy; "
        "ratios are measured side by side in one run, medians of repeats; 1-minute load "
        f"average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end). "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, OpenCV {cv2.__version__}.",
        "",
        f"## Array engine against scikit-learn (astronaut resized, rgbxy, W = {WINDOW})",
        "",
        "| size | sklearn exact s | classicseg `mean_shift` s | speed-up | clusters sklearn / ours |"
        " same modes | ARI, default labels (nearest mode) | ARI, basin labels |"
        " sklearn binned s (clusters) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "t_sk" in r:
            lines.append(
                f"| {r['size']}² | {r['t_sk']:.2f} | {r['t_ours']:.3f} | "
                f"{r['t_sk'] / r['t_ours']:.0f}x | {r['k_sk']} / {r['k_ours']} | "
                f"{'yes' if r['modes_equal'] else 'no'} | {r['ari_nearest']:.4f} | "
                f"{r['ari_attractor']:.4f} | {r['t_bin']:.2f} ({r['k_bin']}) |")
        else:
            lines.append(
                f"| {r['size']}² | (not run) | {r['t_ours']:.3f} | — | — / {r['k_ours']} | — | — "
                f"| — | {r['t_bin']:.2f} ({r['k_bin']}) |")
    lines += [
        "",
        "## Image function: pixel lattice, with and without trajectory sharing",
        "",
        "| size | lattice (exact) s | ARI vs `mean_shift(assign='attractor')` |"
        " `share_trajectories=True` s |"
        " climbs / pixels | ARI sharing vs exact |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['size']}² | {r['t_lat']:.3f} | {r['ari_lat']:.4f} | {r['t_sh']:.3f} | "
                     f"{r['climbs_sh']} / {r['n']} | {r['ari_sh']:.4f} |")
    lines += [
        "",
        "## 512² astronaut (rgbxy, W = 21)",
        "",
        "| method | s | ratio to OpenCV | segments |",
        "|---|---|---|---|",
        f"| `cv2.pyrMeanShiftFiltering(sp=10.5, sr=10.5, maxLevel=0)` (filter only) | "
        f"{big['t_cv']:.2f} | 1.00 | {big['regions_cv']} regions of equal colour |",
        f"| `classicseg.meanshift_segment(img, 21, features='rgbxy')` (exact) | {big['t_ms']:.2f} "
        f"| {big['t_ms'] / big['t_cv']:.2f} | {big['k_ms']} clusters, {big['regions_ms']} regions "
        f"({big['climbs']} climbs) |",
    ]
    for name, option in APPROXIMATIONS:
        (key, value), = option.items()
        lines.append(
            f"| same, `{key}={value}` | {big['t_' + name]:.2f} | "
            f"{big['t_' + name] / big['t_cv']:.2f} | {big['k_' + name]} clusters "
            f"({big['climbs_' + name]} climbs of their own); ARI vs exact "
            f"{big['ari_' + name]:.4f} |")
    lines += [
        f"| `skimage.segmentation.quickshift(kernel_size=5, max_dist=10)` | {big['t_qs']:.2f} | "
        f"{big['t_qs'] / big['t_cv']:.2f} | {big['regions_qs']} regions |",
        "",
        f"Numba compile time (first call, fresh process, empty cache): `mean_shift` "
        f"{compile_engine:.1f} s, `meanshift_segment` {compile_segment:.1f} s; later processes "
        "load the cache.",
        "",
        "![input, k-means k = 16, mean shift W = 21](meanshift.png)",
        "",
    ]
    Path(path).write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--quick", action="store_true",
                        help="skip scikit-learn's exact MeanShift at 128²")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python " + " ".join(sys.argv)
    load = os.getloadavg()[0]
    compile_engine, compile_segment = compile_times()
    classicseg.warmup()
    classicseg.meanshift_segment(data.astronaut()[:40, :40], WINDOW, features="rgbxy",
                                 share_trajectories=False)
    rows = small_images((64, 128), (64,) if args.quick else (64, 128), args.repeat)
    big = large_image(args.repeat)
    figure(out / "meanshift.png", big["labels"])
    write_table(out / "meanshift.md", rows, big, compile_engine, compile_segment, command,
                (load, os.getloadavg()[0]))
    print((out / "meanshift.md").read_text())


if __name__ == "__main__":
    main()
