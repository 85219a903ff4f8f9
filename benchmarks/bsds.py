"""BSDS500 region benchmark of classicseg's segmenters, on library calls only.

Runs each method over a split of the Berkeley Segmentation Data Set 500 with a
sweep of one parameter, scores every segmentation against the human ones at
full resolution with :func:`classicseg.metrics.region_benchmark` (covering,
probabilistic Rand index, variation of information; ODS, OIS, Best), and
writes a Markdown table and a figure of example segmentations::

    python benchmarks/bsds.py --split val
    python benchmarks/bsds.py --split train --limit 20 --methods meanshift+fusion

Methods (``--methods``, comma-separated; all by default):

* ``kmeans``: ``kmeans_segment(img, k, features="labxy", spatial_scale=0.5)``,
  k swept (the plain method: clusters, not regions).
* ``meanshift+fusion``: ``hierarchical_segment(img, leaves="meanshift")``,
  its ``ucm2()`` thresholded at 99 values as the BSDS protocol does (the
  regions of ``ucm2 <= t``, here through ``Hierarchy.from_ucm2(ucm2).cut(t)``).
* ``hierarchical_segment``: ``hierarchical_segment(img)`` with every default,
  cut at the default threshold 0.5: one segmentation per image, no sweep.
* ``ncut``: ``ncut_segment(img, thresh=t, superpixels=regions, rng=0)`` (Shi &
  Malik's recursive two-way cuts while the Ncut is below t, swept) on its
  default ``"regions"`` superpixel graph, with ``regions =
  merge_hierarchy(hierarchical_segment(img, leaves="meanshift").leaves, img, edge_weight=3,
  size_scale=500, size_power=0.5).cut(n_regions=200)`` (its settings of before).
* ``contour_hierarchy``: :func:`classicseg.contour_hierarchy` (oriented watershed
  of :func:`classicseg.contours`, merged by mean arc strength), cut at 99
  thresholds (``Hierarchy.cut(t)``: the regions of ``ucm2 <= t``), with its
  default spectral globalisation; ``contour_hierarchy.local`` the same with
  ``globalize=False`` (the local cues only).
* ``gpb-owt-ucm``: the official gPb-owt-ucm maps in ``<root>/ucm2/<split>``
  (Arbelaez et al., TPAMI 2011), scored by the same code as
  ``meanshift+fusion``.

Boundary rows (``--boundaries``, comma-separated; all by default, "" for
none), scored by :func:`classicseg.metrics.boundary_benchmark` (99 thresholds,
max_dist 0.0075) with their precision-recall curves in ``<out>_pr.png``:
``contours`` (its non-maximum suppressed ``thin`` map), ``contours.soft`` (its
``strength``), ``contours.local`` (``globalize=False``), ``contour_hierarchy``
and ``contour_hierarchy.local`` (their ``ucm2()``) and ``gpb-owt-ucm`` (the
official ``ucm2``).

Defaults were chosen on ``train`` (``benchmarks/bsds_log.md``); report on ``val``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import io as sio

REPO = Path(__file__).resolve().parents[1]
# The classicseg of this checkout, not whichever one the interpreter has installed.
sys.path.insert(0, str(REPO))

import classicseg  # noqa: E402
from classicseg import Hierarchy, hierarchical_segment  # noqa: E402
from classicseg.datasets import load_bsds500  # noqa: E402
from classicseg.metrics import boundary_benchmark, region_benchmark  # noqa: E402

DEFAULT_ROOT = REPO.parent / "shared" / "data" / "bsds500"
RESULTS = REPO / "benchmarks" / "results"
NCUT_FUSION = {"edge_weight": 3.0, "size_scale": 500.0, "size_power": 0.5}
THRESHOLDS = tuple(np.round(np.linspace(0.01, 0.99, 99), 2).tolist())  # BSDS: nthresh = 99

# Arbelaez et al., TPAMI 2011, BSDS500 *test* split: ODS covering, PRI, VI.
REFERENCES = [
    ("gPb-owt-ucm (TPAMI 2011, test)", 0.59, 0.83, 1.69),
    ("Mean Shift (TPAMI 2011, test)", 0.54, 0.79, 1.85),
    ("Ncuts (TPAMI 2011, test)", 0.45, 0.78, 2.23),
    ("Humans (TPAMI 2011, test)", 0.72, 0.88, 1.17),
]


def ucm_segmentations(ucm2, thresholds=THRESHOLDS):
    """The BSDS protocol on a double-size UCM: the regions of ``ucm2 <= t`` for each t."""
    hierarchy = Hierarchy.from_ucm2(ucm2)
    return [hierarchy.cut(t) for t in thresholds]


def run_kmeans(image, values, image_id, root, split):
    return [classicseg.kmeans_segment(image, k, features="labxy", spatial_scale=0.5, rng=0)
            for k in values]


def run_meanshift_fusion(image, values, image_id, root, split):
    return ucm_segmentations(hierarchical_segment(image, leaves="meanshift").ucm2(), values)


def run_hierarchical_segment(image, values, image_id, root, split):
    return [hierarchical_segment(image).cut(t) for t in values]


def run_ncut(image, values, image_id, root, split):
    # The regions as tuned before the library had hierarchies (bsds_log.md, section 4):
    # the mean-shift leaves fused to 200 with a shorter-reaching size prior.
    leaves = hierarchical_segment(image, leaves="meanshift").leaves
    hierarchy = classicseg.merge_hierarchy(leaves, image, **NCUT_FUSION)
    regions = hierarchy.cut(n_regions=min(200, hierarchy.n_leaves))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", classicseg.ConvergenceWarning)  # one segment at low t
        return [classicseg.ncut_segment(image, thresh=t, superpixels=regions, rng=0)
                for t in values]


def run_contour_hierarchy(image, values, image_id, root, split):
    hierarchy = classicseg.contour_hierarchy(image)
    return [hierarchy.cut(t) for t in values]


def run_contour_hierarchy_local(image, values, image_id, root, split):
    hierarchy = classicseg.contour_hierarchy(image, globalize=False)
    return [hierarchy.cut(t) for t in values]


def run_gpb(image, values, image_id, root, split):
    return ucm_segmentations(sio.loadmat(root / "ucm2" / split / f"{image_id}.mat")["ucm2"],
                             values)


METHODS = {  # name: (runner, parameter, values, description)
    "kmeans": (run_kmeans, "k", (2, 3, 4, 6, 8, 12, 16),
               "`kmeans_segment(img, k, features='labxy', spatial_scale=0.5, rng=0)`"),
    "meanshift+fusion": (run_meanshift_fusion, "threshold", THRESHOLDS,
                         "`hierarchical_segment(img, leaves='meanshift').ucm2()`, regions of "
                         "`ucm2 <= t` (99 thresholds)"),
    "hierarchical_segment": (run_hierarchical_segment, "threshold", (0.5,),
                             "`hierarchical_segment(img).cut(0.5)`: all defaults, one "
                             "segmentation per image"),
    "ncut": (run_ncut, "Ncut threshold",
             (0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004,
              0.005),
             "`ncut_segment(img, thresh=t, superpixels=regions, rng=0)` (default "
             "`superpixel_graph='regions'`) on the mean-shift leaves fused to 200 "
             "(`regions = merge_hierarchy(hierarchical_segment(img, leaves='meanshift')"
             ".leaves, img, "
             "edge_weight=3, size_scale=500, size_power=0.5).cut(n_regions=200)`)"),
    "contour_hierarchy": (run_contour_hierarchy, "threshold", THRESHOLDS,
                          "`contour_hierarchy(img)`, regions of `ucm2 <= t` (its `cut(t)`, "
                          "99 thresholds)"),
    "contour_hierarchy.local": (run_contour_hierarchy_local, "threshold", THRESHOLDS,
                                "`contour_hierarchy(img, globalize=False)`, as above"),
    "gpb-owt-ucm": (run_gpb, "threshold", THRESHOLDS,
                    "official gPb-owt-ucm `ucm2` maps (Arbelaez et al. 2011), regions of "
                    "`ucm2 <= t` (99 thresholds), scored by the same code"),
}


def gpb_ucm2(image_id, root, split):
    return sio.loadmat(root / "ucm2" / split / f"{image_id}.mat")["ucm2"]


BOUNDARIES = {  # name: (boundary map of (image, image_id, root, split), description)
    "contours": (lambda im, *_: classicseg.contours(im).thin, "`contours(img).thin`"),
    "contours.soft": (lambda im, *_: classicseg.contours(im).strength,
                      "`contours(img).strength`"),
    "contours.local": (lambda im, *_: classicseg.contours(im, globalize=False).thin,
                       "`contours(img, globalize=False).thin`"),
    "contour_hierarchy": (lambda im, *_: classicseg.contour_hierarchy(im).ucm2(),
                          "`contour_hierarchy(img).ucm2()`"),
    "contour_hierarchy.local": (
        lambda im, *_: classicseg.contour_hierarchy(im, globalize=False).ucm2(),
        "`contour_hierarchy(img, globalize=False).ucm2()`"),
    "gpb-owt-ucm": (lambda im, *where: gpb_ucm2(*where), "official gPb-owt-ucm `ucm2` maps"),
}


def score_boundaries(name, root, split, ids):
    """One boundary row: its BoundaryBenchmark and seconds per image (the map only)."""
    run, seconds = BOUNDARIES[name][0], []
    if name != "gpb-owt-ucm":
        run(np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8))  # compile

    def maps():
        for done, item in enumerate(load_bsds500(root, split, ids=ids, boundaries=True)):
            t = time.perf_counter()
            pb = run(item.image, item.id, root, split)
            seconds.append(time.perf_counter() - t)
            print(f"\r{name} (boundaries): {done + 1}/{len(ids)} images", end="",
                  file=sys.stderr, flush=True)
            yield item.boundaries, pb

    bench = boundary_benchmark(maps())
    print(file=sys.stderr)
    return bench, float(np.median(seconds)), float(np.mean(seconds))


def boundary_markdown(rows):
    lines = ["## Boundaries", "",
             "`classicseg.metrics.boundary_benchmark` (99 thresholds, max_dist 0.0075, "
             "thinned), every annotator; seconds: the map of one image (median, mean), "
             "scoring apart.", "",
             "| map | F ODS | P | R | threshold | F OIS | AP | s/image (median, mean) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, b, median_s, mean_s in rows:
        lines.append(f"| {name}: {BOUNDARIES[name][1]} | **{b.ods_f:.3f}** | "
                     f"{b.ods_precision:.3f} | {b.ods_recall:.3f} | {b.ods_threshold:.2f} | "
                     f"{b.ois_f:.3f} | {b.ap:.3f} | {median_s:.2f}, {mean_s:.2f} |")
    return "\n".join(lines + [""])


def pr_figure(rows, path, title):
    """Precision-recall curves of the boundary rows, ODS marked, iso-F lines in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    r = np.linspace(0.01, 1, 200)
    for f in np.arange(0.1, 1, 0.1):
        p = f * r / (2 * r - f)
        ax.plot(r[p > 0], np.where(p[p > 0] <= 1, p[p > 0], np.nan), color="0.85", lw=0.7)
    for name, b, _, _ in rows:
        seen = b.recall > 0  # thresholds above the map's maximum leave no pixel
        line, = ax.plot(b.recall[seen], b.precision[seen], lw=1.5,
                        label=f"[F={b.ods_f:.3f}] {name}")
        ax.plot(b.ods_recall, b.ods_precision, "o", color=line.get_color())
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="recall", ylabel="precision", title=title)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def score_method(name, root, split, ids, example_ids):
    """Run one method over ``ids``; its RegionBenchmark, seconds per image, examples."""
    run, _, values, _ = METHODS[name]
    seconds, examples = [], {}
    started = time.perf_counter()
    warm = np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    if name != "gpb-owt-ucm":
        run(warm, values[:1], None, root, split)  # compile (or load) outside the timing

    def segmented():
        for done, (image_id, image, gts) in enumerate(load_bsds500(root, split, ids=ids)):
            t = time.perf_counter()
            segs = run(image, values, image_id, root, split)
            seconds.append(time.perf_counter() - t)
            if image_id in example_ids:
                examples[image_id] = (image, gts[0], segs)
            elapsed = time.perf_counter() - started
            print(f"\r{name}: {done + 1}/{len(ids)} images, {elapsed:.0f} s", end="",
                  file=sys.stderr, flush=True)
            yield gts, segs

    bench = region_benchmark(segmented(), params=values)
    print(file=sys.stderr)
    return bench, float(np.median(seconds)), float(np.mean(seconds)), examples


def markdown(rows, args, n_images):
    lines = [
        f"# BSDS500 region benchmark, `{args.split}` split ({n_images} images)", "",
        f"`{' '.join(['python', 'benchmarks/bsds.py'] + sys.argv[1:])}` on a shared 2-core "
        "machine. Scores at full resolution against every human segmentation, pooled as the "
        "BSDS benchmark code does. ODS: one parameter for the whole split (each metric picks "
        "its own, in brackets); OIS: best parameter per image; Best: each human region "
        "matched at its best parameter. Seconds: the whole sweep of one image (median, "
        "mean), including the scoring's thresholding of UCMs, Numba compilation excluded.", "",
        "| method | param | Covering ODS | OIS | Best | PRI ODS | OIS | VI ODS | OIS "
        "| s/image (median, mean) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, b, median_s, mean_s in rows:
        lines.append(
            f"| {name} | {METHODS[name][1]} | **{b.covering_ods:.3f}** [{b.covering_ods_param}]"
            f" | {b.covering_ois:.3f} | {b.covering_best:.3f} | **{b.pri_ods:.3f}** "
            f"[{b.pri_ods_param}] | {b.pri_ois:.3f} | **{b.vi_ods:.3f}** [{b.vi_ods_param}] | "
            f"{b.vi_ois:.3f} | {median_s:.2f}, {mean_s:.2f} |")
    for name, cov, pri, vi in REFERENCES:
        lines.append(f"| *{name}* | | *{cov:.2f}* | | | *{pri:.2f}* | | *{vi:.2f}* | | |")
    lines += ["", "Reference rows in italics are published numbers on the BSDS500 *test* split "
              "(not in the shared data), not computed here.", "", "## Methods", ""]
    for name, *_ in rows:
        _, param, values, description = METHODS[name]
        shown = f"{values[0]} .. {values[-1]} ({len(values)} values)" if len(values) > 12 \
            else list(values)
        lines.append(f"* **{name}**: {description}; {param} in {shown}.")
    lines += ["", "## Scores at each parameter (whole split)", ""]
    for name, b, _, _ in rows:
        keep = range(len(b.params)) if len(b.params) <= 16 else range(4, len(b.params), 5)
        lines += [f"**{name}** ({METHODS[name][1]}{', every 5th' if len(b.params) > 16 else ''})",
                  "", "| " + METHODS[name][1] + " | " + " | ".join(str(b.params[i]) for i in keep)
                  + " |", "|---" * (len(keep) + 1) + "|"]
        for label, curve in (("covering", b.covering), ("PRI", b.pri), ("VI", b.vi)):
            lines.append(f"| {label} | " + " | ".join(f"{curve[i]:.3f}" for i in keep) + " |")
        lines.append("")
    return "\n".join(lines)


def figure(results, example_ids, path):
    """Example images: a human segmentation, then each method at its covering ODS parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.segmentation import mark_boundaries

    fig, axes = plt.subplots(len(example_ids), len(results) + 1, squeeze=False,
                             figsize=(2.6 * (len(results) + 1), 2.0 * len(example_ids)))
    for r, image_id in enumerate(example_ids):
        image, gt, _ = results[0][2][image_id]
        axes[r, 0].imshow(mark_boundaries(image, gt, color=(1, 0, 0)))
        axes[r, 0].set_title(f"{image_id}: human 1", fontsize=8)
        for c, (name, bench, examples) in enumerate(results, start=1):
            seg = examples[image_id][2][list(bench.params).index(bench.covering_ods_param)]
            axes[r, c].imshow(mark_boundaries(image, seg, color=(1, 1, 0)))
            axes[r, c].set_title(f"{name} [{bench.covering_ods_param}]: "
                                 f"{len(np.unique(seg))} regions", fontsize=8)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="val", choices=("train", "val", "test"))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="BSDS500 folder")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated, from: " + ", ".join(METHODS))
    parser.add_argument("--boundaries", default=",".join(BOUNDARIES),
                        help="boundary rows, comma-separated ('' for none), from: "
                             + ", ".join(BOUNDARIES))
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    parser.add_argument("--every", type=int, default=1,
                        help="every k-th image only (a quick subset), before --limit")
    parser.add_argument("--out", type=Path, default=None,
                        help="output path without suffix (default benchmarks/results/bsds_<split>)")
    parser.add_argument("--examples", type=int, default=3, help="images in the figure")
    args = parser.parse_args(argv)

    chosen = [m for m in args.methods.split(",") if m]
    chosen_boundaries = [m for m in args.boundaries.split(",") if m]
    for names, known in ((chosen, METHODS), (chosen_boundaries, BOUNDARIES)):
        unknown = [m for m in names if m not in known]
        if unknown:
            parser.error(f"unknown methods {unknown}; choose from {list(known)}")
        if "gpb-owt-ucm" in names and not (args.root / "ucm2" / args.split).is_dir():
            print(f"no ucm2/{args.split} maps: gpb-owt-ucm left out", file=sys.stderr)
            names.remove("gpb-owt-ucm")
    out = args.out or RESULTS / f"bsds_{args.split}"
    out.parent.mkdir(parents=True, exist_ok=True)
    ids = sorted(p.stem for p in (args.root / "images" / args.split).glob("*.jpg"))[::args.every][:args.limit]
    example_ids = ids[:: max(1, len(ids) // max(1, args.examples))][:args.examples]
    rows, figure_rows = [], []
    for name in chosen:
        bench, median_s, mean_s, examples = score_method(name, args.root, args.split, ids,
                                                         set(example_ids))
        rows.append((name, bench, median_s, mean_s))
        figure_rows.append((name, bench, examples))
        print(f"{name}: covering {bench.covering_ods:.3f}/{bench.covering_ois:.3f}/"
              f"{bench.covering_best:.3f} [{bench.covering_ods_param}]  PRI {bench.pri_ods:.3f}/"
              f"{bench.pri_ois:.3f} [{bench.pri_ods_param}]  VI {bench.vi_ods:.3f}/"
              f"{bench.vi_ois:.3f} [{bench.vi_ods_param}]  {median_s:.2f} s/image", flush=True)
    boundary_rows = []
    for name in chosen_boundaries:
        boundary_rows.append((name, *score_boundaries(name, args.root, args.split, ids)))
        b = boundary_rows[-1][1]
        print(f"{name}: boundary F ODS {b.ods_f:.3f} (P {b.ods_precision:.3f}, R "
              f"{b.ods_recall:.3f}), OIS {b.ois_f:.3f}, AP {b.ap:.3f}", flush=True)
    text = markdown(rows, args, len(ids)) + "\n"
    if boundary_rows:
        text += "\n" + boundary_markdown(boundary_rows)
        pr_figure(boundary_rows, f"{out}_pr.png", f"BSDS500 {args.split}: boundaries "
                                                  f"({len(ids)} images)")
    out.with_suffix(".md").write_text(text)
    if rows and example_ids:
        figure(figure_rows, example_ids, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.md')} and its figures")


if __name__ == "__main__":
    main()
