"""k-means on image features: classicseg against scikit-learn and OpenCV, in one run.

For astronaut at 512² and 1024², rgbxy features, k = 8 and 16, three seeds:
the whole ``kmeans_segment`` call against ``sklearn.cluster.KMeans(n_init=1,
init="k-means++")`` and ``cv2.kmeans`` (k-means++ centres, same stop rule)
fitted on the same features. Reported: time ratios and inertia ratios (sums
over the seeds), the time of one Lloyd iteration, the machine's floor for one
iteration (one streaming read of the feature array), and Numba compile time,
measured apart in fresh processes.

    python benchmarks/bench_kmeans.py [--out benchmarks/results]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
from skimage import data, transform

import classicseg
from _timing import timed
from classicseg._kernels.kmeans import CHUNK, lloyd_pass

SEEDS = (0, 1, 2)


@numba.njit(parallel=True, cache=True)
def streaming_read(Xt):
    """The floor of one iteration: read every feature value once, in chunks."""
    d, n = Xt.shape
    n_chunks = (n + CHUNK - 1) // CHUNK
    partial = np.zeros(n_chunks)
    for c in numba.prange(n_chunks):
        s = 0.0
        for f in range(d):
            for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
                s += Xt[f, i]
        partial[c] = s
    return partial.sum()


def lloyd_iteration_time(X, k, seed):
    """Median time of one exact Lloyd pass (every distance), of one iteration
    averaged over a whole run from the subset start (bounded passes included),
    and of the floor, for centred feature-major data as the engine holds it."""
    from classicseg._kmeans import _lloyd, initial_centers

    Xt = np.ascontiguousarray(X.T) - X.mean(axis=0).astype(np.float32)[:, None]
    d, n = Xt.shape
    centers = initial_centers(Xt, k, "subset", None, np.random.default_rng(seed))
    n_chunks = (n + CHUNK - 1) // CHUNK
    labels = np.full(n, -1, np.int32)
    bounds = np.empty(n, np.float32), np.empty(n, np.float32)
    bufs = (np.empty((n_chunks, k, d)), np.empty((n_chunks, k)), np.empty(n_chunks, np.int64),
            np.empty(n_chunks))
    c32 = centers.astype(np.float32)
    w = np.empty(0, np.float32)
    exact = timed(lambda: lloyd_pass(Xt, w, c32, labels, *bounds, *bufs), repeat=15)[0]
    t, run = timed(lambda: _lloyd(Xt, None, centers, 0.5, 100))
    per_iteration = t / (run[3] + 1)  # + the final exact pass
    floor = timed(lambda: streaming_read(Xt), repeat=15)[0]
    return exact, per_iteration, floor


def compile_times():
    """Seconds of ``warmup()`` in a fresh process: cold cache, then warm cache."""
    code = "import time; t=time.perf_counter(); import classicseg; classicseg.warmup(); print(time.perf_counter()-t)"
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        run = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                    text=True, check=True).stdout) for _ in range(2)]
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--ks", type=int, nargs="+", default=[8, 16])
    args = parser.parse_args()
    try:
        import cv2
        from sklearn.cluster import KMeans
    except ImportError as exc:
        sys.exit(f"this benchmark needs the 'bench' extra (pip install -e '.[bench]'): {exc}")

    cold, warm = compile_times()
    classicseg.warmup()
    rows = []
    for size in args.sizes:
        img = transform.resize(data.astronaut(), (size, size), preserve_range=True,
                               anti_aliasing=True).round().astype(np.uint8)
        X = classicseg.pixel_features(img, "rgbxy")
        Xc = np.ascontiguousarray(X)
        for k in args.ks:
            r = dict(size=size, k=k, ours=0.0, sk=0.0, cv=0.0, i_ours=0.0, i_sk=0.0, i_cv=0.0,
                     it_ours=0, it_sk=0)
            for seed in SEEDS:
                t, (_, info) = timed(lambda: classicseg.kmeans_segment(
                    img, k, features="rgbxy", rng=seed, return_info=True))
                r["ours"] += t
                r["i_ours"] += info.inertia
                r["it_ours"] += info.n_iter
                t, km = timed(lambda: KMeans(k, n_init=1, init="k-means++", random_state=seed).fit(X))
                r["sk"] += t
                r["i_sk"] += km.inertia_
                r["it_sk"] += km.n_iter_
                cv2.setRNGSeed(seed)
                crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 0.5)
                t, (compactness, _, _) = timed(lambda: cv2.kmeans(
                    Xc, k, None, crit, 1, cv2.KMEANS_PP_CENTERS))
                r["cv"] += t
                r["i_cv"] += compactness
            r["exact"], r["iter"], r["floor"] = lloyd_iteration_time(X, k, SEEDS[0])
            t, km = timed(lambda: KMeans(k, n_init=1, init=info.centers, tol=0, max_iter=10,
                                         algorithm="lloyd").fit(X))
            r["iter_sk"] = t / km.n_iter_
            rows.append(r)
            print(f"{size}² k={k}: ours {r['ours']:.2f}s sklearn {r['sk']:.2f}s cv2 {r['cv']:.2f}s "
                  f"inertia ratio {r['i_ours'] / r['i_sk']:.4f}; iteration {r['iter'] * 1e3:.1f} ms, "
                  f"floor {r['floor'] * 1e3:.1f} ms", flush=True)
    write_results(rows, cold, warm, Path(args.out))


def write_results(rows, cold, warm, out):
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# k-means: classicseg vs scikit-learn and OpenCV",
        "",
        f"`python benchmarks/bench_kmeans.py` on {os.cpu_count()} cores, Numba threads "
        f"{numba.get_num_threads()}; astronaut resized, rgbxy features, seeds {SEEDS} "
        "(times and inertias summed over the seeds). classicseg: the whole `kmeans_segment` "
        "call (features included, default `init=\"subset\"`, `tol=0.5`); scikit-learn: "
        "`KMeans(n_init=1, init=\"k-means++\").fit` on the same features; OpenCV: "
        "`cv2.kmeans(..., KMEANS_PP_CENTERS)`, eps 0.5, 1 attempt.",
        "",
        "| image | k | classicseg s | sklearn s | cv2 s | time / sklearn | time / cv2 | "
        "inertia / sklearn | inertia / cv2 | iterations ours / sklearn | "
        "exact pass ms | iteration ms | floor ms | iteration / floor | sklearn iteration ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']}² | {r['k']} | {r['ours']:.3f} | {r['sk']:.3f} | {r['cv']:.3f} | "
            f"**{r['ours'] / r['sk']:.3f}** | {r['ours'] / r['cv']:.3f} | "
            f"**{r['i_ours'] / r['i_sk']:.4f}** | {r['i_ours'] / r['i_cv']:.4f} | "
            f"{r['it_ours']} / {r['it_sk']} | {r['exact'] * 1e3:.2f} | {r['iter'] * 1e3:.2f} | "
            f"{r['floor'] * 1e3:.2f} | "
            f"**{r['iter'] / r['floor']:.2f}** | {r['iter_sk'] * 1e3:.2f} |")
    lines += [
        "",
        f"Numba compile time of `classicseg.warmup()` in a fresh process: {cold:.1f} s with an "
        f"empty cache, {warm:.2f} s once cached (`cache=True`). Not included above.",
        "",
        "Exact pass: one Lloyd pass computing every distance (the first and last iterations). "
        "Iteration: a whole run from the subset start divided by its passes, Hamerly's bounded "
        "passes included. Floor: one parallel streaming read of the float32 feature-major array "
        "(`streaming_read` in this script); an iteration at 1x the floor would be pure memory "
        "traffic. scikit-learn iteration: `KMeans(init=centres, max_iter=10, tol=0)` time per "
        "iteration.",
    ]
    (out / "kmeans.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = [f"{r['size']}² k={r['k']}" for r in rows]
    x = np.arange(len(rows))
    for i, (key, label) in enumerate([("ours", "classicseg"), ("sk", "scikit-learn"), ("cv", "OpenCV")]):
        ax.bar(x + (i - 1) * 0.27, [r[key] / len(SEEDS) for r in rows], 0.27, label=label)
    ax.set_xticks(x, names)
    ax.set_ylabel("seconds per segmentation")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("k-means on rgbxy features (astronaut)")
    fig.tight_layout()
    fig.savefig(out / "kmeans.png", dpi=120)


if __name__ == "__main__":
    main()
