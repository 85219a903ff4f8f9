"""Where ``contour_hierarchy``'s time goes, and what the oriented watershed buys.

Per image: the seconds of :func:`classicseg.contours` with
``globalize=False`` (the oriented gradients, their combination, smoothing and
NMS), of its globalisation (what the default ``globalize=True`` adds: the
spectral cue, the combination, smoothing and NMS again, less the local
map's smoothing and NMS; stages as ``bench_contours.staged`` times them), of
the half-scale hierarchy (``_owt.half_scale_ucm2`` and ``coarse_map``: the
whole pipeline again on the image at half scale), of the oriented watershed
(watershed of the strength, arcs' orientations and strengths, the learned arc
model of ``classicseg._arcs``) and of the
merging (``_owt.merge_arcs``: mean arc strength plus the distances of
the regions' histograms of the quantised cues, with the size prior; the
cues come from the local cues' stage, as in ``contour_hierarchy``) of
the default (globalised) map, compilation apart (the ``globalize=False`` total
leaves out the colour clusters its merge needs, which the globalisation
computes otherwise); and the region benchmark (99
thresholds) of the hierarchy with the
oriented arc strengths against the same leaves merged on the plain strength
(the maximum over orientations), both through the same altitude map::

    python benchmarks/owt_split.py --split val --every 8
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import classicseg
from classicseg import _contours as C
from classicseg import _owt
from classicseg.datasets import load_bsds500
from classicseg.metrics import region_benchmark

from bench_contours import staged

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO.parent / "shared" / "data" / "bsds500"
THRESHOLDS = tuple(np.round(np.linspace(0.01, 0.99, 99), 2).tolist())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="val")
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    ids = sorted(p.stem for p in (ROOT / "images" / args.split).glob("*.jpg"))
    ids = ids[::args.every][:args.limit]
    warm = np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    classicseg.contour_hierarchy(warm)
    staged(warm)  # compile outside the timing
    times = {"contours, local cues": [], "globalisation": [], "half-scale hierarchy": [],
             "oriented watershed and arc model": [], "merging": []}
    half_local = []  # the half-scale hierarchy of globalize=False
    items = {"oriented (contour_hierarchy)": [], "plain strength": []}
    for image_id, image, gts in load_bsds500(ROOT, args.split, ids=ids):
        _, c, stages, (gradients, spectral) = staged(image)  # the default, globalised map
        lab = C.lab_planes(image)  # the planes are timed in staged's stages
        bins = np.concatenate([C.cue_bins(lab)[0], C.colour_clusters(lab)[None]])
        t0 = time.perf_counter()
        coarse = _owt.coarse_map(_owt.half_scale_ucm2(image, -1, None, True), c.strength.shape)
        t1 = time.perf_counter()
        leaves, boundary = _owt.oriented_watershed(c, coarse, (bins, gradients, spectral))
        t2 = time.perf_counter()
        h = _owt.merge_arcs(leaves, boundary, None, bins)
        t3 = time.perf_counter()
        _owt.coarse_map(_owt.half_scale_ucm2(image, -1, None, False), c.strength.shape)
        half_local.append(time.perf_counter() - t3)
        local = stages["total, globalize=False"]
        for key, t in zip(times, (local, stages["total, globalize=True"] - local, t1 - t0,
                                  t2 - t1, t3 - t2)):
            times[key].append(t)
        plain = _owt.merge_arcs(leaves, c.strength, None, bins)
        for key, tree in zip(items, (h, plain)):
            items[key].append((gts, [tree.cut(t) for t in THRESHOLDS]))
        print(f"\r{len(times['merging'])}/{len(ids)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    total = sum(np.array(v) for v in times.values())
    lines = [f"# contour_hierarchy: time split and the oriented watershed, `{args.split}` "
             f"({len(ids)} images: every {args.every}th)", "",
             f"`python benchmarks/owt_split.py {' '.join(sys.argv[1:])}` on a shared 2-core "
             "machine, compilation apart.", "",
             "| step | s/image (median) | mean |", "|---|---|---|"]
    for key, v in times.items():
        lines.append(f"| {key} | {np.median(v):.3f} | {np.mean(v):.3f} |")
    local = (total - np.array(times["globalisation"]) - np.array(times["half-scale hierarchy"])
             + np.array(half_local))
    lines += [f"| total (the default, globalised) | {np.median(total):.3f} | "
              f"{np.mean(total):.3f} |",
              f"| total, `globalize=False` | {np.median(local):.3f} | {np.mean(local):.3f} |", "",
              f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
              "(1/5/15 min).", "",
              "| arc strength | Covering ODS | OIS | PRI ODS | VI ODS |", "|---|---|---|---|---|"]
    for key, results in items.items():
        b = region_benchmark(results, params=THRESHOLDS)
        lines.append(f"| {key} | {b.covering_ods:.3f} [{b.covering_ods_param}] | "
                     f"{b.covering_ois:.3f} | {b.pri_ods:.3f} [{b.pri_ods_param}] | "
                     f"{b.vi_ods:.3f} [{b.vi_ods_param}] |")
    out = args.out or REPO / "benchmarks" / "results" / f"owt_split_{args.split}.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
