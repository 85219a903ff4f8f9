"""BSDS500 region benchmark of classicseg's segmenters.

Runs each method over a split of the Berkeley Segmentation Data Set 500 with a
sweep of its scale parameter, scores every segmentation against the human
ones at full resolution with :func:`classicseg.metrics.region_benchmark`
(segmentation covering, probabilistic Rand index, variation of information;
ODS, OIS and Best pooled as the BSDS benchmark code does), and writes a
Markdown table and a figure of example segmentations::

    python benchmarks/bsds.py --split val
    python benchmarks/bsds.py --split train --limit 20 --methods merge \\
        --set merge.w_edge=2 --out /tmp/try

Methods (``--methods``, comma-separated; all by default):

* ``kmeans``: :func:`classicseg.kmeans_segment` on Lab + position, k swept
  (the plain method: clusters, not regions).
* ``meanshift``: :func:`classicseg.meanshift_segment` with a joint
  (spatial, range) window on Lab + position (Comaniciu & Meer), run on the
  image at half size (labels repeated back: 1 s instead of 11 s per image),
  then its connected regions fused as EDISON does, by the region hierarchy
  below; the hierarchy is cut at a threshold on its merge cost, swept (each
  image keeps as many regions as its contrast supports).
* ``ncut``: :func:`classicseg.ncut_partition` (Shi & Malik's recursive
  two-way cuts, split while the Ncut is below a threshold, threshold swept) on
  the graph of the mean-shift regions fused to 200 (by the hierarchy with the
  ``FUSION`` settings).
* ``merge``: colour quantisation by :func:`classicseg.kmeans_segment` in Lab,
  connected components, :func:`classicseg.merge_small_regions`, then the
  region hierarchy of the ``meanshift`` row, cut at a threshold on its merge
  cost, swept.

The region hierarchy merges adjacent regions greedily, cheapest first: mean
feature distance (smoothed Lab and a texture energy) plus the mean colour
gradient along the shared boundary, small regions first. Its merge costs are
made non-decreasing, so one threshold on them cuts every image's hierarchy at
the contrast it supports (as a threshold on an ultrametric contour map does).

Defaults were chosen on ``train`` (see ``benchmarks/bsds_log.md``); report on
``val``. Nothing is tuned per image: each image gets the same parameter list,
ODS picks one value for the set, OIS the best per image, as BSDS defines them.
"""

import argparse
import heapq
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from skimage import color, filters, measure, segmentation, transform

import classicseg
from classicseg.datasets import load_bsds500
from classicseg.metrics import region_benchmark

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "data" / "bsds500"
RESULTS = REPO / "benchmarks" / "results"

# Arbelaez et al., TPAMI 2011, BSDS500 *test* split: ODS covering, PRI, VI.
REFERENCES = [
    ("gPb-owt-ucm (TPAMI 2011, test)", 0.59, 0.83, 1.69),
    ("Mean Shift (TPAMI 2011, test)", 0.54, 0.79, 1.85),
    ("Ncuts (TPAMI 2011, test)", 0.45, 0.78, 2.23),
    ("Humans (TPAMI 2011, test)", 0.72, 0.88, 1.17),
]


# --------------------------------------------------------------------------
# Pipeline pieces


def lab_image(image, sigma):
    """CIELAB image, Gaussian-smoothed per channel (sigma in pixels, 0: none)."""
    lab = color.rgb2lab(image)
    if sigma:
        lab = filters.gaussian(lab, sigma, channel_axis=-1)
    return lab


def gradient_magnitude(lab):
    """Colour gradient: Euclidean norm of the Sobel responses of the Lab channels."""
    return np.sqrt(sum(filters.sobel(lab[..., c]) ** 2 for c in range(lab.shape[-1])))


def connected_regions(labels):
    """0-based labels of the 4-connected components of a label image, and their count."""
    regions = measure.label(labels, connectivity=1, background=-1) - 1
    return regions, int(regions.max()) + 1


def region_adjacency(regions, n, boundary_weight):
    """Adjacent region pairs (a < b), their boundary length and summed boundary weight."""
    graph = classicseg.region_graph(regions, boundary_weight)
    a, b = graph.pairs.T
    return a, b, graph.length, graph.boundary_sum


def merge_hierarchy(regions, n, features, boundary_weight, *, w_edge, size_scale,
                    size_power=0.5):
    """Greedy merging of adjacent regions, cheapest pair first.

    The cost of merging two adjacent regions a and b is the Euclidean distance
    of their mean ``features`` plus ``w_edge`` times the mean
    ``boundary_weight`` along their shared boundary, times
    ``min(1, (h / size_scale) ** size_power)`` with ``h = |a||b| / (|a| + |b|)``,
    so that regions much smaller than ``size_scale`` pixels merge first. After each
    merge the costs of the new region's edges are recomputed (a heap with lazy
    deletion). Costs are made monotone (running maximum), so that thresholds
    cut a hierarchy.

    Returns
    -------
    merges : (n_merges, 2) intp ndarray
        ``(kept, absorbed)`` region ids, in merge order.
    costs : (n_merges,) float64 ndarray
        Non-decreasing merge costs.
    """
    flat = regions.ravel()
    size = np.bincount(flat, minlength=n).astype(float).tolist()
    sums = np.stack([np.bincount(flat, weights=f, minlength=n)
                     for f in features.reshape(-1, features.shape[-1]).T], 1).tolist()
    neighbours = [{} for _ in range(n)]
    adjacency = (x.tolist() for x in region_adjacency(regions, n, boundary_weight))
    for a, b, length, weight in zip(*adjacency):
        edge = [length, weight]  # shared by both ends, updated in place
        neighbours[a][b] = neighbours[b][a] = edge

    def cost(a, b, edge):
        sa, sb = size[a], size[b]
        c = math.sqrt(sum((x / sa - y / sb) ** 2 for x, y in zip(sums[a], sums[b])))
        c += w_edge * edge[1] / edge[0]
        return c * min(1.0, (sa * sb / (sa + sb) / size_scale) ** size_power)

    version = [0] * n
    heap = [(cost(a, b, e), a, b, 0, 0)
            for a in range(n) for b, e in neighbours[a].items() if a < b]
    heapq.heapify(heap)
    merges, costs = [], []
    while heap:
        c, a, b, version_a, version_b = heapq.heappop(heap)
        if version_a != version[a] or version_b != version[b]:
            continue  # stale: a or b changed (or was absorbed) since this entry
        if len(neighbours[a]) < len(neighbours[b]):
            a, b = b, a  # absorb the region with fewer edges: less to move
        merges.append((a, b))
        costs.append(c)
        size[a] += size[b]
        sums[a] = [x + y for x, y in zip(sums[a], sums[b])]
        kept = neighbours[a]
        del kept[b]
        for x, edge in neighbours[b].items():
            if x == a:
                continue
            del neighbours[x][b]
            if x in kept:
                kept[x][0] += edge[0]
                kept[x][1] += edge[1]
            else:
                kept[x] = neighbours[x][a] = edge
        neighbours[b] = {}
        version[a] += 1
        version[b] = -1  # absorbed: every entry naming b is stale
        for x, edge in kept.items():
            lo, hi = min(a, x), max(a, x)
            heapq.heappush(heap, (cost(lo, hi, edge), lo, hi, version[lo], version[hi]))
    costs = np.maximum.accumulate(costs) if costs else np.zeros(0)
    return np.array(merges, dtype=np.intp).reshape(-1, 2), np.asarray(costs, dtype=float)


def cut_hierarchy(regions, n, merges, n_merges):
    """One label map per entry of ``n_merges``: the regions after that many merges."""
    parent = np.arange(n)
    applied = 0
    out = [None] * len(n_merges)
    for i in np.argsort(n_merges, kind="stable"):
        stop = int(n_merges[i])
        for kept, absorbed in merges[applied:stop]:
            parent[absorbed] = kept
        applied = max(applied, stop)
        root = parent
        while True:  # pointer jumping to each region's root
            up = root[root]
            if np.array_equal(up, root):
                break
            root = up
        out[i] = root[regions]
    return out


def cut_regions(regions, n, merges, counts):
    """One label map per number of regions in ``counts``: the hierarchy cut there."""
    return cut_hierarchy(regions, n, merges, [max(0, n - count) for count in counts])


def cut_costs(regions, n, merges, costs, thresholds):
    """One label map per threshold: the hierarchy after every merge cheaper than it.

    ``costs`` are the non-decreasing merge costs of :func:`merge_hierarchy`, so
    a threshold cuts the hierarchy like a threshold on an ultrametric contour
    map: an image with weak contrast keeps few regions, a busy one many.
    """
    return cut_hierarchy(regions, n, merges, np.searchsorted(costs, thresholds, side="left"))


def region_features(image, *, sigma, w_texture, texture_sigma):
    """Per-pixel features that regions are compared by, and the boundary weight.

    Features: Lab smoothed by ``sigma``, plus ``w_texture`` times a texture
    energy (the colour gradient magnitude of the lightly smoothed image,
    averaged by a Gaussian of ``texture_sigma``): with it, the pieces of a
    textured area (gravel, stripes, foliage) look alike and unlike a smooth
    object. Boundary weight: the colour gradient magnitude of the smoothed Lab.
    """
    lab = lab_image(image, sigma)
    energy = filters.gaussian(gradient_magnitude(lab_image(image, 1.0)), texture_sigma)
    return np.concatenate([lab, w_texture * energy[..., None]], axis=-1), gradient_magnitude(lab)


def fuse_regions(image, regions, n, *, sigma, w_texture, texture_sigma, w_edge, size_scale,
                 size_power=0.5):
    """The merge hierarchy of ``regions`` under :func:`region_features`.

    Returns the merges, their costs, the features and the boundary weight.
    """
    features, gradient = region_features(image, sigma=sigma, w_texture=w_texture,
                                         texture_sigma=texture_sigma)
    merges, costs = merge_hierarchy(regions, n, features, gradient, w_edge=w_edge,
                                    size_scale=size_scale, size_power=size_power)
    return merges, costs, features, gradient


def downscaled(image, factor):
    """The image shrunk by an integer factor (anti-aliased), as float in [0, 1]."""
    if factor == 1:
        return image
    return transform.rescale(image, 1 / factor, channel_axis=-1, anti_aliasing=True)


def upscaled(labels, factor, shape):
    """Labels repeated back to full size (order 0: nearest neighbour), cropped to ``shape``."""
    if factor == 1:
        return labels
    labels = np.repeat(np.repeat(labels, factor, axis=0), factor, axis=1)
    return np.pad(labels, [(0, max(0, s - n)) for s, n in zip(shape, labels.shape)],
                  mode="edge")[:shape[0], :shape[1]]


def meanshift_regions(image, window, *, factor, min_size):
    """Connected mean-shift regions of the image (segmented ``factor`` times smaller)."""
    small = downscaled(image, factor)
    labels = classicseg.meanshift_segment(small, window, features="labxy",
                                          min_size=max(1, min_size // factor**2))
    return connected_regions(upscaled(labels, factor, image.shape[:2]))


def region_affinity(regions, n, features, boundary_weight, *, sigma_color, sigma_edge):
    """Sparse affinity of adjacent regions for the normalized cut.

    ``w_ab = L_ab exp(-|f_a - f_b|^2 / sigma_color^2) exp(-g_ab^2 / sigma_edge^2)``
    with ``L_ab`` the length of their shared boundary, ``f`` the mean features
    and ``g_ab`` the mean ``boundary_weight`` on the boundary: the 4-neighbour
    pixel graph summed over regions (so cut values are boundary lengths),
    weighted by region similarity (Shi & Malik 2000, eq. 11) and by the
    intervening contour (Malik et al., IJCV 2001).
    """
    flat = regions.ravel()
    size = np.bincount(flat, minlength=n)
    means = np.stack([np.bincount(flat, weights=f, minlength=n)
                      for f in features.reshape(-1, features.shape[-1]).T], 1) / size[:, None]
    a, b, length, weight = region_adjacency(regions, n, boundary_weight)
    colour2 = ((means[a] - means[b]) ** 2).sum(axis=1)
    edge2 = (weight / length) ** 2
    w = length * np.exp(-colour2 / sigma_color**2 - edge2 / sigma_edge**2)
    W = sparse.coo_matrix((w, (a, b)), shape=(n, n)).tocsr()
    # The pixel pairs inside a region, counted both ways as in the pixel
    # graph's quotient: a region's association grows with its area.
    inside = sum(np.bincount(regions[cut].ravel(), minlength=n) for cut in _same_label(regions))
    return W + W.T + sparse.diags(2.0 * inside)


def _same_label(regions):
    """Boolean maps of the 4-neighbour pairs (one per axis) inside one region, by first pixel."""
    for axis in range(regions.ndim):
        head = [slice(None)] * regions.ndim
        tail = list(head)
        head[axis], tail[axis] = slice(None, -1), slice(1, None)
        same = np.zeros(regions.shape, bool)
        same[tuple(head)] = regions[tuple(head)] == regions[tuple(tail)]
        yield same


# --------------------------------------------------------------------------
# Methods


@dataclass
class Method:
    """A segmenter and the sweep of its scale parameter."""

    name: str
    param: str
    values: tuple
    description: str
    options: dict = field(default_factory=dict)

    def run(self, image):
        """One label map per value of ``values``."""
        return globals()["run_" + self.name](image, self.values, **self.options)


def run_kmeans(image, values, *, features, spatial_scale):
    return [classicseg.kmeans_segment(image, k, features=features, spatial_scale=spatial_scale,
                                      rng=0) for k in values]


def run_meanshift(image, values, *, window, factor, min_size, cut="cost", **fusion):
    regions, n = meanshift_regions(image, window, factor=factor, min_size=min_size)
    merges, costs, _, _ = fuse_regions(image, regions, n, **fusion)
    if cut == "count":
        return cut_regions(regions, n, merges, values)
    return cut_costs(regions, n, merges, costs, values)


def run_ncut(image, values, *, window, factor, min_size, fuse_to, sigma_color, sigma_edge,
             **fusion):
    regions, n = meanshift_regions(image, window, factor=factor, min_size=min_size)
    merges, _, features, gradient = fuse_regions(image, regions, n, **fusion)
    regions, n = connected_regions(cut_regions(regions, n, merges, [fuse_to])[0])
    W = region_affinity(regions, n, features, gradient, sigma_color=sigma_color,
                        sigma_edge=sigma_edge)
    # Shi & Malik's stopping rule: split while the best cut's Ncut is below the
    # threshold, so each image gets as many segments as its graph supports.
    return [classicseg.ncut_partition(W, thresh=t, rng=0).labels[regions] for t in values]


def run_merge(image, values, *, k, pre_min_size, cut="count", **fusion):
    lab = lab_image(image, 1.0)
    regions, _ = connected_regions(classicseg.kmeans_segment(lab, k, features="lab", rng=0))
    regions, n = connected_regions(classicseg.merge_small_regions(regions, lab, pre_min_size))
    merges, costs, _, _ = fuse_regions(image, regions, n, **fusion)
    if cut == "count":
        return cut_regions(regions, n, merges, values)
    return cut_costs(regions, n, merges, costs, values)


FUSION = {"sigma": 4.0, "w_texture": 6.0, "texture_sigma": 6.0, "w_edge": 3.0,
          "size_scale": 500.0}
FUSION_TEXT = ("regions fused greedily by the distance of their mean features (Lab smoothed "
               "by sigma 4, texture energy over sigma 6 x 6) + 3 x the mean colour gradient "
               "on their boundary, small regions (< 500 px) first")
REGION_COUNTS = (2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 90, 128)
# The meanshift row's hierarchy (chosen on train, bsds_log.md section 7): a gentler,
# longer-reaching size factor and a heavier boundary term, so that its merge
# cost is comparable between images and can be cut at one threshold.
MEANSHIFT_FUSION = {**FUSION, "w_edge": 8.0, "size_scale": 20000.0, "size_power": 0.25}
MERGE_COSTS = (8, 10, 12, 14, 16, 19, 22, 26, 30, 35, 40, 46, 53, 60, 70, 80)


def default_methods():
    return {
        "kmeans": Method(
            "kmeans", "k", (2, 3, 4, 6, 8, 12, 16),
            "`kmeans_segment(img, k, features='labxy', spatial_scale=0.5)`",
            {"features": "labxy", "spatial_scale": 0.5}),
        "meanshift": Method(
            "meanshift", "merge cost", MERGE_COSTS,
            "`meanshift_segment(img, (8, 13), features='labxy', min_size=10)` on the image at "
            "half size, labels repeated back to full size; connected regions fused greedily "
            "(as EDISON fuses mean-shift regions) by the distance of their mean features (Lab "
            "smoothed by sigma 4, texture energy over sigma 6 x 6) + 8 x the mean colour "
            "gradient on their boundary, times min(1, (h / 20000) ** 0.25) with h = "
            "|a||b|/(|a|+|b|); hierarchy cut at a threshold on that (non-decreasing) merge "
            "cost, so each image keeps as many regions as its contrast supports",
            {"window": (8, 13), "factor": 2, "min_size": 40, "cut": "cost",
             **MEANSHIFT_FUSION}),
        "ncut": Method(
            "ncut", "Ncut threshold",
            (0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004,
             0.005),
            "`ncut_partition(W, thresh=t)` (recursive two-way cuts while the Ncut is below t) "
            "on the graph of the `meanshift` row's mean-shift regions fused to 200 (" + FUSION_TEXT
            + ", cut at 200 regions): adjacent regions "
            "joined with weight boundary length x exp(-|df|^2/sigma_color^2) x "
            "exp(-gradient^2/sigma_edge^2), plus each region's inner pixel pairs",
            {"window": (8, 13), "factor": 2, "min_size": 40, "fuse_to": 200,
             "sigma_color": 12.0, "sigma_edge": 20.0, **FUSION}),
        "merge": Method(
            "merge", "merge cost", MERGE_COSTS,
            "k-means colour quantisation (`kmeans_segment(lab, 24, features='lab')`, Lab "
            "smoothed by sigma 1), connected components, `merge_small_regions(60)`, then the "
            "`meanshift` row's hierarchy and cut at a threshold on its merge cost",
            {"k": 24, "pre_min_size": 60, "cut": "cost", **MEANSHIFT_FUSION}),
    }


# --------------------------------------------------------------------------
# Running, scoring, reporting


def progress(done, total, label, started):
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0.0
    print(f"\r{label}: {done}/{total} images, {elapsed:.0f} s elapsed, ~{eta:.0f} s left",
          end="" if done < total else "\n", file=sys.stderr, flush=True)


def score_method(method, root, split, limit, example_ids):
    """Run one method over the split; its RegionBenchmark, seconds per image, examples."""
    ids = sorted(p.stem for p in (Path(root) / "images" / split).glob("*.jpg"))[:limit]
    seconds, examples = [], {}
    started = time.perf_counter()
    # Compile (or load from Numba's cache) outside the timed loop.
    t0 = time.perf_counter()
    method.run(np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8))
    warmup = time.perf_counter() - t0

    def segmented():
        for done, (image_id, image, gts) in enumerate(load_bsds500(root, split, ids=ids)):
            t = time.perf_counter()
            segs = method.run(image)
            seconds.append(time.perf_counter() - t)
            if image_id in example_ids:
                examples[image_id] = (image, gts[0], segs)
            progress(done + 1, len(ids), method.name, started)
            yield gts, segs

    bench = region_benchmark(segmented(), params=method.values)
    return bench, float(np.median(seconds)), float(np.mean(seconds)), warmup, examples


def fmt(x, digits=3):
    return f"{x:.{digits}f}"


def markdown(rows, args, n_images):
    lines = [
        f"# BSDS500 region benchmark, `{args.split}` split ({n_images} images)",
        "",
        f"`{' '.join(['python', 'benchmarks/bsds.py'] + sys.argv[1:])}` on a shared 2-core "
        "machine. Scores at full resolution against every human segmentation, pooled as the "
        "BSDS benchmark code does (covering pools areas over images; PRI and VI average per "
        "image). ODS: one parameter for the whole split (each metric picks its own, shown in "
        "brackets); OIS: best parameter per image; Best: each human region matched at its best "
        "parameter. Seconds: the whole parameter sweep of one image (median, mean), Numba "
        "compilation excluded (first call timed apart).",
        "",
        "| method | param | Covering ODS | OIS | Best | PRI ODS | OIS | VI ODS | OIS "
        "| s/image (median, mean) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method, bench, median_s, mean_s, _ in rows:
        lines.append(
            f"| {method.name} | {method.param} | **{fmt(bench.covering_ods)}** "
            f"[{bench.covering_ods_param}] | {fmt(bench.covering_ois)} | "
            f"{fmt(bench.covering_best)} | **{fmt(bench.pri_ods)}** [{bench.pri_ods_param}] | "
            f"{fmt(bench.pri_ois)} | **{fmt(bench.vi_ods)}** [{bench.vi_ods_param}] | "
            f"{fmt(bench.vi_ois)} | {median_s:.2f}, {mean_s:.2f} |")
    for name, cov, pri, vi in REFERENCES:
        lines.append(f"| *{name}* | | *{cov:.2f}* | | | *{pri:.2f}* | | *{vi:.2f}* | | |")
    lines += ["", "Reference rows are published numbers on the BSDS500 *test* split, "
              "not computed here (the test split is not in the shared data).", "",
              "## Methods", ""]
    for method, bench, _, _, warmup in rows:
        lines.append(f"* **{method.name}**: {method.description}; {method.param} in "
                     f"{list(method.values)}; options {method.options}; "
                     f"first call (compilation) {warmup:.1f} s.")
    lines += ["", "## Scores at each parameter (whole split)", ""]
    for method, bench, _, _, _ in rows:
        lines += [f"**{method.name}** ({method.param})", "",
                  "| " + method.param + " | " + " | ".join(str(v) for v in bench.params) + " |",
                  "|---" * (len(bench.params) + 1) + "|"]
        for label, curve in (("covering", bench.covering), ("PRI", bench.pri),
                             ("VI", bench.vi)):
            lines.append(f"| {label} | " + " | ".join(fmt(v, 3) for v in curve) + " |")
        lines.append("")
    return "\n".join(lines)


def figure(results, example_ids, path):
    """Example images: a human segmentation, then each method at its covering ODS parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows, n_cols = len(example_ids), len(results) + 1
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.6 * n_cols, 2.0 * n_rows), squeeze=False)
    for r, image_id in enumerate(example_ids):
        image, gt, _ = results[0][2][image_id]
        axes[r, 0].imshow(segmentation.mark_boundaries(image, gt, color=(1, 0, 0)))
        axes[r, 0].set_title(f"{image_id}: human 1", fontsize=8)
        for c, (method, bench, examples) in enumerate(results, start=1):
            seg = examples[image_id][2][list(bench.params).index(bench.covering_ods_param)]
            axes[r, c].imshow(segmentation.mark_boundaries(image, seg, color=(1, 1, 0)))
            axes[r, c].set_title(f"{method.name} [{bench.covering_ods_param}]: "
                                 f"{len(np.unique(seg))} regions", fontsize=8)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def parse_value(text):
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    if text.startswith("(") and text.endswith(")"):
        return tuple(parse_value(t) for t in text[1:-1].replace(";", ",").split(","))
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="val", choices=("train", "val", "test"))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="BSDS500 folder")
    parser.add_argument("--methods", default="kmeans,meanshift,ncut,merge",
                        help="comma-separated, from: kmeans, meanshift, ncut, merge")
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    parser.add_argument("--out", type=Path, default=None,
                        help="output path without suffix (default benchmarks/results/bsds_<split>)")
    parser.add_argument("--set", action="append", default=[], metavar="METHOD.OPTION=VALUE",
                        help="override a method option, or METHOD.values=a,b,c")
    parser.add_argument("--examples", type=int, default=3, help="images in the figure")
    args = parser.parse_args(argv)

    methods = default_methods()
    for item in args.set:
        key, value = item.split("=", 1)
        name, option = key.split(".", 1)
        if option == "values":
            methods[name].values = tuple(parse_value(v) for v in value.split(","))
        else:
            methods[name].options[option] = parse_value(value)
    chosen = [methods[m] for m in args.methods.split(",")]
    out = args.out or RESULTS / f"bsds_{args.split}"
    out.parent.mkdir(parents=True, exist_ok=True)

    all_ids = sorted(p.stem for p in (args.root / "images" / args.split).glob("*.jpg"))
    n_images = len(all_ids[:args.limit])
    example_ids = all_ids[:n_images][:: max(1, n_images // max(1, args.examples))][:args.examples]
    rows, figure_rows = [], []
    for method in chosen:
        bench, median_s, mean_s, warmup, examples = score_method(
            method, args.root, args.split, args.limit, set(example_ids))
        rows.append((method, bench, median_s, mean_s, warmup))
        figure_rows.append((method, bench, examples))
        print(f"{method.name}: covering {bench.covering_ods:.3f}/{bench.covering_ois:.3f}/"
              f"{bench.covering_best:.3f} [{bench.covering_ods_param}]  PRI {bench.pri_ods:.3f}/"
              f"{bench.pri_ois:.3f} [{bench.pri_ods_param}]  VI {bench.vi_ods:.3f}/"
              f"{bench.vi_ois:.3f} [{bench.vi_ods_param}]  {median_s:.2f} s/image", flush=True)
    out.with_suffix(".md").write_text(markdown(rows, args, n_images) + "\n")
    figure(figure_rows, example_ids, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
