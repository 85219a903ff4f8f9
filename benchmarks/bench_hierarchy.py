"""Speed of classicseg's hierarchies beside Higra and scikit-image, in one run.

On a 481x321 BSDS500 image with ~1,500 SLIC leaves and with ~5,000 watershed
leaves, boundary = Sobel of the grey image, from label image and boundary map
to merge tree:

* ``merge_hierarchy(labels, boundary=b, linkage="boundary")``;
* Higra's chain for the same tree: ``get_4_adjacency_graph``,
  ``weight_graph(..., mean)``, ``make_region_adjacency_graph_from_labelisation``,
  ``rag_accumulate_on_edges`` (boundary sums and lengths),
  ``binary_partition_tree_average_linkage``;
* scikit-image's ``graph.rag_boundary`` + ``graph.merge_hierarchical`` (merge
  by mean boundary, to a single region), 5 runs: it takes seconds.

Then ``hierarchical_segment(img, leaves="meanshift")`` on a few images, with
Numba's default thread count and with one thread (interleaved), and
``Hierarchy.cut`` and ``Hierarchy.ucm2``. Numba compilation is timed apart (first call). Writes
``benchmarks/results/hierarchy.md``::

    python benchmarks/bench_hierarchy.py
"""

import os
import time
from pathlib import Path

import higra as hg
import numba
import numpy as np
from skimage import color, filters, graph, io, segmentation

from _timing import wall_and_cpu as timed

import classicseg
from classicseg import hierarchical_segment, merge_hierarchy

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO.parent / "shared" / "data" / "bsds500" / "images" / "val"
OUT = REPO / "benchmarks" / "results" / "hierarchy.md"


def higra_chain(labels, boundary):
    g = hg.get_4_adjacency_graph(labels.shape)
    weights = hg.weight_graph(g, boundary, hg.WeightFunction.mean)
    rag = hg.make_region_adjacency_graph_from_labelisation(g, labels)
    total = hg.rag_accumulate_on_edges(rag, hg.Accumulators.sum, weights)
    length = hg.rag_accumulate_on_edges(rag, hg.Accumulators.sum, np.ones_like(weights))
    return hg.binary_partition_tree_average_linkage(rag, total / length, length)


def skimage_chain(labels, boundary):
    def weight_boundary(g, src, dst, n):
        default = {"weight": 0.0, "count": 0}
        count_src = g[src].get(n, default)["count"]
        count_dst = g[dst].get(n, default)["count"]
        weight_src = g[src].get(n, default)["weight"]
        weight_dst = g[dst].get(n, default)["weight"]
        count = count_src + count_dst
        return {"count": count, "weight": (count_src * weight_src + count_dst * weight_dst) / count}

    rag = graph.rag_boundary(labels, boundary)
    return graph.merge_hierarchical(labels, rag, thresh=np.inf, rag_copy=False,
                                    in_place_merge=True, merge_func=lambda *a: None,
                                    weight_func=weight_boundary)


def main():
    paths = sorted(IMAGES.glob("*.jpg"))
    image = io.imread(paths[0])
    boundary = filters.sobel(color.rgb2gray(image))
    leaves = {
        "SLIC": segmentation.slic(image, n_segments=1800, start_label=1),
        "watershed": segmentation.watershed(boundary, markers=5000),
    }
    load = os.getloadavg()
    lines = [
        "# Hierarchy speed", "",
        f"`python benchmarks/bench_hierarchy.py`, image `{paths[0].name}` "
        f"{image.shape[1]}x{image.shape[0]}, boundary = Sobel of the grey image. "
        f"Shared 2-core machine, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at "
        "the start" + (": wall times are inflated by other jobs" if load[0] >= 1 else "")
        + ". Each cell: CPU time of this "
        "process (all three chains run on one thread), then wall time, in ms; ratios of CPU "
        "times. Median of 15 interleaved runs (scikit-image: median of 5 runs).", "",
        "## Merge tree from label image and boundary map (`linkage=\"boundary\"`)", "",
        "| leaves | regions | classicseg | Higra | Higra / classicseg | "
        "scikit-image | scikit-image / classicseg | sorted altitudes equal Higra's | "
        "tied costs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    t0 = time.perf_counter()
    merge_hierarchy(leaves["SLIC"], boundary=boundary, linkage="boundary")
    compile_merge = time.perf_counter() - t0
    for name, labels in leaves.items():
        ours, theirs = [], []
        for _ in range(15):  # interleaved, so that load changes hit both
            ours.append(timed(lambda: merge_hierarchy(labels, boundary=boundary,
                                                      linkage="boundary")))
            theirs.append(timed(lambda: higra_chain(labels, boundary)))
        ours, theirs = np.median(ours, axis=0), np.median(theirs, axis=0)
        h = merge_hierarchy(labels, boundary=boundary, linkage="boundary")
        tree, altitudes = higra_chain(labels, boundary)
        same = np.allclose(np.sort(h.altitudes), np.sort(altitudes))
        rag = classicseg.region_graph(h.leaves, boundary)
        ties = len(rag.boundary_mean) - len(np.unique(rag.boundary_mean))
        sk = timed(lambda: skimage_chain(labels, boundary), repeat=5)
        lines.append(f"| {name} | {h.n_leaves} | {1e3 * ours[1]:.1f} ({1e3 * ours[0]:.1f}) | "
                     f"{1e3 * theirs[1]:.1f} ({1e3 * theirs[0]:.1f}) | "
                     f"{theirs[1] / ours[1]:.1f} | {1e3 * sk[1]:.0f} ({1e3 * sk[0]:.0f}) | "
                     f"{sk[1] / ours[1]:.0f} | {same} | {ties} |")
        print(lines[-1], flush=True)
    lines += ["", "Tied costs: region-graph edges whose mean boundary equals another's (flat "
              "areas, where the Sobel map is 0). Ties may be broken differently by Higra and "
              "classicseg (lowest edge index first), which changes later merges; without ties "
              "the trees are the same (tests/test_hierarchy.py checks it on random boundaries)."]

    t0 = time.perf_counter()
    hierarchical_segment(image[:48, :48])
    compile_photo = time.perf_counter() - t0
    # Mean shift's kernel runs on Numba's threads; on a loaded machine a parallel
    # region waits for every thread's time slice, so one thread is timed beside.
    default_threads = numba.get_num_threads()
    runs = {default_threads: ([], []), 1: ([], [])}
    photo_load = os.getloadavg()[0]
    for path in paths[:5]:
        img = io.imread(path)
        for _ in range(2):
            for threads, (wall, cpu) in runs.items():
                numba.set_num_threads(threads)
                w, c = time.perf_counter(), time.process_time()
                h = hierarchical_segment(img, leaves="meanshift")
                wall.append(time.perf_counter() - w)
                cpu.append(time.process_time() - c)
    numba.set_num_threads(default_threads)
    cut_n, _ = timed(lambda: h.cut(n_regions=20), repeat=21)
    cut_t, _ = timed(lambda: h.cut(0.5), repeat=21)
    ucm, _ = timed(lambda: h.ucm2(), repeat=5)
    pipeline = "meanshift_segment on the half-size image, fusion features, merge"
    lines += [
        "", "## The photo pipeline and cuts", "",
        "| operation | wall (ms) | CPU time of this process (ms) |", "|---|---|---|",
        *(f"| `hierarchical_segment(img, leaves='meanshift')`, {threads} Numba thread(s), "
          f"median over {len(wall)} runs on {len(paths[:5])} val images ({pipeline}) | "
          f"{1e3 * np.median(wall):.0f} | {1e3 * np.median(cpu):.0f} |"
          for threads, (wall, cpu) in runs.items()),
        f"| `h.cut(n_regions=20)` ({h.n_leaves} leaves) | {1e3 * cut_n:.2f} | |",
        f"| `h.cut(0.5)` | {1e3 * cut_t:.2f} | |",
        f"| `h.ucm2()` | {1e3 * ucm:.1f} | |", "",
        f"First calls (Numba compilation or loading from its cache): `merge_hierarchy` "
        f"{compile_merge:.1f} s, `hierarchical_segment` {compile_photo:.1f} s. "
        f"Load average before the photo runs {photo_load:.1f}, at the end "
        f"{os.getloadavg()[0]:.1f}.",
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-8:]))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
