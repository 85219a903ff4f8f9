"""Normalized cut: classicseg's pixel-level Ncut against its peers, side by side.

Peers, on the same image in the same run:

* scikit-image's superpixel Ncut: ``slic(n_segments=400, compactness=30)`` +
  ``graph.rag_mean_color(mode="similarity")`` + ``graph.cut_normalized``;
* scikit-learn's ``SpectralClustering(affinity="precomputed")`` on
  classicseg's own pixel graph (one seed: its ARPACK shift-invert solve is
  slow).

Every result is scored by its Ncut value on classicseg's pixel graph of the
image (``ncut_value``: the k-way sum, lower is better), whatever graph it was
computed on. Times are medians over seeds; each seed runs classicseg and
scikit-image back to back, so their ratio is measured under the same load.
Numba compile time (or, with a warm cache, load time) is measured apart, as
the first call's excess over the second on a tiny image.

Usage::

    python benchmarks/bench_ncut.py [--images 5] [--seeds 4] [--no-sklearn]
"""

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from skimage import data, io, segmentation

import classicseg
from classicseg import affinity_graph, ncut_segment, ncut_value

BSDS_VAL = Path("/work/shared/data/bsds500/images/val")
RESULTS = Path(__file__).parent / "results"
N_SEGMENTS = 8


def skimage_ncut(img, seed):
    from skimage import graph

    superpixels = segmentation.slic(img, n_segments=400, compactness=30, start_label=1)
    rag = graph.rag_mean_color(img, superpixels, mode="similarity")
    return graph.cut_normalized(superpixels, rag, rng=seed)


def sklearn_ncut(W, seed):
    from sklearn.cluster import SpectralClustering

    model = SpectralClustering(n_clusters=N_SEGMENTS, affinity="precomputed", random_state=seed)
    return model.fit_predict(W)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def compile_time():
    """Seconds of the first call (compile or cache load) beyond a second one, on a tiny image."""
    img = np.random.default_rng(0).random((16, 16, 3))
    first = timed(ncut_segment, img, 2)[1]
    second = timed(ncut_segment, img, 2)[1]
    return first - second


def run_image(name, img, seeds, with_sklearn):
    W = affinity_graph(img)  # the graph every result is scored on (classicseg's defaults)
    row = {"image": name, "shape": f"{img.shape[0]}x{img.shape[1]}", "nnz": W.nnz,
           "mb": (W.data.nbytes + W.indices.nbytes + W.indptr.nbytes) / 2**20}
    ours_t, ours_solve, ours_ncut, ours_fail, paths = [], [], [], 0, set()
    sk_t, sk_ncut, sk_fail, sk_errors = [], [], 0, set()
    labels = {}
    for seed in seeds:
        try:
            (lab, info), t = timed(ncut_segment, img, N_SEGMENTS, rng=seed, return_info=True)
            ours_t.append(t)
            ours_solve.append(info.solve_time)
            ours_ncut.append(ncut_value(W, lab.ravel()))
            paths.add(info.path)
            labels.setdefault("classicseg", lab)
        except Exception as exc:  # a failure is a result here, counted and shown
            ours_fail += 1
            print(f"  classicseg seed {seed}: {type(exc).__name__}: {exc}")
        try:
            lab, t = timed(skimage_ncut, img, seed)
            sk_t.append(t)
            sk_ncut.append(ncut_value(W, lab.ravel()))
            labels.setdefault("scikit-image", lab)
        except Exception as exc:
            sk_fail += 1
            sk_errors.add(f"{type(exc).__name__}: {exc}"[:60])
            print(f"  scikit-image seed {seed}: {type(exc).__name__}: {exc}")
    row.update(
        ours_time=statistics.median(ours_t) if ours_t else np.nan,
        ours_solve=statistics.median(ours_solve) if ours_solve else np.nan,
        ours_ncut=statistics.median(ours_ncut) if ours_ncut else np.nan,
        ours_fail=ours_fail, path="/".join(sorted(paths)),
        sk_time=statistics.median(sk_t) if sk_t else np.nan,
        sk_time_range=(min(sk_t), max(sk_t)) if sk_t else (np.nan, np.nan),
        sk_ncut=statistics.median(sk_ncut) if sk_ncut else np.nan,
        sk_fail=sk_fail, sk_errors="; ".join(sorted(sk_errors)),
        sk_segments=int(np.unique(labels["scikit-image"]).size) if "scikit-image" in labels else 0,
    )
    row["ratio"] = row["sk_time"] / row["ours_time"]
    row["sl_time"] = row["sl_ncut"] = np.nan
    if with_sklearn:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lab, t = timed(sklearn_ncut, W, seeds[0])
        row["sl_time"], row["sl_ncut"] = t, ncut_value(W, lab)
        labels["scikit-learn"] = lab.reshape(img.shape[:2]) + 1
    return row, labels


def write_markdown(rows, seeds, compile_s, command):
    lines = [
        "# Normalized cut: classicseg pixel graph vs scikit-image superpixel Ncut vs scikit-learn",
        "",
        f"Command: `{command}`. {N_SEGMENTS} segments; seeds {list(seeds)}; "
        "machine: 2 cores shared with other jobs, so read the ratios (same image, seeds "
        "interleaved), not the absolute seconds.",
        "",
        f"Numba compile / cache load on first call (apart from the times below): {compile_s:.2f} s.",
        "",
        "Ncut = k-way Ncut of each result on classicseg's pixel graph of the image (lower is "
        "better). classicseg: `ncut_segment(img, 8, rng=seed)` at its defaults (pixel path); "
        "scikit-image: `slic(n_segments=400, compactness=30)` + `rag_mean_color(mode='similarity')` "
        "+ `cut_normalized(rng=seed)` (its own threshold decides the number of segments); "
        "scikit-learn: `SpectralClustering(8, affinity='precomputed')` on the same pixel graph, "
        "seed 0 only.",
        "",
        "| image | size | graph nnz | graph MiB | classicseg s (median) | eigen-solve s | "
        "skimage s (median; min-max) | skimage / classicseg | sklearn s | "
        "Ncut classicseg | Ncut skimage (segments) | Ncut sklearn | failures classicseg | "
        "failures skimage | path |",
        "|---" * 15 + "|",
    ]
    for r in rows:
        lo, hi = r["sk_time_range"]
        lines.append(
            f"| {r['image']} | {r['shape']} | {r['nnz']:,} | {r['mb']:.0f} | {r['ours_time']:.2f} | "
            f"{r['ours_solve']:.2f} | {r['sk_time']:.2f} ({lo:.2f}-{hi:.2f}) | {r['ratio']:.2f} | "
            f"{r['sl_time']:.1f} | {r['ours_ncut']:.3f} | {r['sk_ncut']:.3f} ({r['sk_segments']}) | "
            f"{r['sl_ncut']:.3f} | {r['ours_fail']}/{len(seeds)} | {r['sk_fail']}/{len(seeds)} | "
            f"{r['path']} |"
        )
    ratios = [r["ratio"] for r in rows if np.isfinite(r["ratio"])]
    errors = sorted({r["sk_errors"] for r in rows if r["sk_errors"]})
    lines += [
        "",
        f"Median speed ratio (skimage / classicseg): {statistics.median(ratios):.2f}. "
        f"classicseg failures: {sum(r['ours_fail'] for r in rows)}; "
        f"scikit-image failures: {sum(r['sk_fail'] for r in rows)}"
        + (f" ({'; '.join(errors)})" if errors else "") + ".",
        "",
        "![segmentations](ncut.png)",
        "",
    ]
    (RESULTS / "ncut.md").write_text("\n".join(lines))


def write_figure(panels):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = ["classicseg", "scikit-image", "scikit-learn"]
    fig, axes = plt.subplots(len(panels), 3, figsize=(10, 3.2 * len(panels)), squeeze=False)
    for row, (name, img, labels) in zip(axes, panels):
        for ax, method in zip(row, methods):
            ax.axis("off")
            if method in labels:
                ax.imshow(segmentation.mark_boundaries(img, labels[method], color=(1, 0, 0)))
                ax.set_title(f"{name}: {method}", fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "ncut.png", dpi=80)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5, help="BSDS500 val images (sorted by name)")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--no-sklearn", action="store_true")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    command = "python benchmarks/bench_ncut.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in (("images", args.images), ("seeds", args.seeds)))
    command += " --no-sklearn" if args.no_sklearn else ""
    compile_s = compile_time()
    images = [(p.stem, io.imread(p)) for p in sorted(BSDS_VAL.glob("*.jpg"))[: args.images]]
    images.append(("astronaut", data.astronaut()))
    rows, panels = [], []
    for name, img in images:
        print(name, flush=True)
        row, labels = run_image(name, img, seeds, not args.no_sklearn)
        rows.append(row)
        print({k: v for k, v in row.items()}, flush=True)
        if name == "astronaut" or len(panels) < 2:
            panels.append((name, img, labels))
    RESULTS.mkdir(exist_ok=True)
    write_markdown(rows, seeds, compile_s, command)
    write_figure(panels)
    print((RESULTS / "ncut.md").read_text())


if __name__ == "__main__":
    print("classicseg", classicseg.__version__)
    main()
