"""Big images and volumes: every method against its peer, in one run, time and peak memory.

Inputs (built once into ``--cache``, never committed):

* a 2568 x 3848 mosaic (9.9 MP) of the first 64 BSDS500 train images (in
  file-name order, portrait ones turned to landscape, 8 x 8 tiles of
  321 x 481), and top-left crops of it (``--sizes``, in megapixels: 512²,
  1024², 4 x 4 tiles, 6 x 6 tiles, the whole mosaic), so that every size has
  the same kind of content;
* a 60 x 256 x 256 nuclei-like uint16 volume: ``skimage.data.binary_blobs``
  (256³, seed 0) blurred, scaled and noised, its first 60 planes, with voxel
  spacing (2, 1, 1).

Each call runs in its own process (inputs loaded, kernels warmed up on a tiny
image first, so compile time is kept out), which reports its wall time and
its peak resident memory (``ru_maxrss``: the whole process, input included)
and the memory added by the call (peak minus the resident size before it).

Methods and peers on the mosaic crops:

* ``kmeans``: ``kmeans_segment(img, 16, "rgbxy", rng=0)`` (the whole call)
  against ``sklearn.cluster.KMeans(n_clusters=16, init="k-means++",
  n_init=1, random_state=0).fit`` on the same features (features made
  outside the timing); inertia ratio ours / scikit-learn's;
* ``meanshift``: ``meanshift_segment(img, 21, "rgbxy")`` (exact, the
  lattice path) and its documented approximation ``climb_stride=2`` (a
  quarter of the pixels climb, the others take the climb of a neighbour
  of like colour) against
  ``cv2.pyrMeanShiftFiltering(img, 10.5, 10.5, maxLevel=0)`` (the same
  window radii; a filter only, at most 5 iterations); the adjusted Rand
  index of the approximation against the exact labels up to 4 MP;
* ``ncut``: ``ncut_segment(img, 16, rng=0)`` against scikit-image's
  superpixel pipeline ``slic(img, 400, start_label=1)`` +
  ``rag_mean_color(mode="similarity")`` + ``cut_normalized(rng=0)``, where an
  ARPACK solve inside ``cut_normalized`` that fails (as on the whole mosaic,
  whatever its documented settings) is redone by a dense ``eigh`` of the same
  matrix and reported.

On the volume (``channel_axis=None``, ``spacing=(2, 1, 1)``): k-means (k = 3,
``"grayxy"``) against scikit-learn's KMeans on the same features; mean shift
(window ``(11, 21)``: spatial and range sizes) and Ncut (8 segments, the
6-neighbourhood graph) beside ``skimage.segmentation.slic(vol, 2000,
channel_axis=None, spacing=...)``.

Writes ``scale.md``, ``scale.png`` (time against megapixels, log-log, with
the fitted slopes) and ``scale.json`` (the raw rows) to ``--out``.

    python benchmarks/bench_scale.py [--methods kmeans,meanshift,ncut,volume]
        [--sizes 0.26,1.05,2.47,5.56,9.88] [--cases kmeans,meanshift,ncut,slic]
        [--out benchmarks/results] [--merge]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "bsds500" / "images" / "train"
TILE = (321, 481)
GRID = (8, 8)
# Crops of the mosaic, by their size in megapixels (rounded): rows, columns.
CROPS = {
    "0.26": (512, 512),
    "1.05": (1024, 1024),
    "2.47": (4 * 321, 4 * 481),
    "5.56": (6 * 321, 6 * 481),
    "9.88": (8 * 321, 8 * 481),
}
VOLUME_SHAPE = (60, 256, 256)
SPACING = (2.0, 1.0, 1.0)
K = 16
WINDOW = 21
# The approximation of mean shift (only the pixels on the lattice of stride STRIDE climb
# first, the others take a neighbour's climb when alike in colour), and the
# largest images (pixels) on which its agreement with the exact result is measured.
STRIDE = 2
ARI_PIXELS = 4 << 20
NCUT_SEGMENTS = 16
SLIC_SEGMENTS = 400
VOLUME_K = 3
VOLUME_WINDOW = (11, 21)
VOLUME_NCUT_SEGMENTS = 8
VOLUME_SLIC_SEGMENTS = 2000
METHODS = ("kmeans", "meanshift", "ncut", "volume")
VOLUME_CASES = ("kmeans", "meanshift", "ncut", "slic")


# ---------------------------------------------------------------- inputs


def mosaic(cache):
    path = cache / "mosaic.npy"
    if not path.exists():
        from skimage import io

        files = sorted(DATA.glob("*.jpg"))[: GRID[0] * GRID[1]]
        if len(files) < GRID[0] * GRID[1]:
            raise SystemExit(f"need {GRID[0] * GRID[1]} images in {DATA}, found {len(files)}")
        out = np.empty((GRID[0] * TILE[0], GRID[1] * TILE[1], 3), dtype=np.uint8)
        for i, f in enumerate(files):
            tile = io.imread(f)
            if tile.shape[0] > tile.shape[1]:
                tile = np.rot90(tile)
            r, c = divmod(i, GRID[1])
            out[r * TILE[0]:(r + 1) * TILE[0], c * TILE[1]:(c + 1) * TILE[1]] = tile
        np.save(path, out)
    return np.load(path)


def volume(cache):
    path = cache / "volume.npy"
    if not path.exists():
        from skimage import data, filters

        blobs = data.binary_blobs(256, blob_size_fraction=0.06, n_dim=3, volume_fraction=0.25,
                                  rng=0)[: VOLUME_SHAPE[0]]
        smooth = filters.gaussian(blobs.astype(np.float32), sigma=1.5)
        noise = np.random.default_rng(0).normal(0.0, 0.04, smooth.shape)
        vol = np.clip((0.1 + 0.7 * smooth + noise) * 65535, 0, 65535).astype(np.uint16)
        np.save(path, vol)
    return np.load(path)


# ---------------------------------------------------------------- one call, in a worker


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _call(method, side, img):
    """Run one case; returns a dict of what it found (besides time and memory)."""
    import classicseg

    if method == "kmeans" and side == "ours":
        _, info = classicseg.kmeans_segment(img, K, features="rgbxy", rng=0, return_info=True)
        return dict(inertia=info.inertia, n_iter=info.n_iter)
    if method == "kmeans" and side == "peer":
        return _sklearn_kmeans(classicseg.pixel_features(img, "rgbxy"), K)
    if method == "meanshift" and side in ("ours", "approx"):
        stride = STRIDE if side == "approx" else 1
        labels, info = classicseg.meanshift_segment(img, WINDOW, features="rgbxy", return_info=True,
                                                    climb_stride=stride)
        if img.size <= 3 * ARI_PIXELS:  # kept for the agreement of the approximation
            np.save(_labels_path(side, img), labels)
        return dict(clusters=len(info.centers), climbs=info.n_climbs, path=info.path)
    if method == "meanshift" and side == "peer":
        import cv2

        cv2.pyrMeanShiftFiltering(img, WINDOW / 2, WINDOW / 2, maxLevel=0)
        return {}
    if method == "ncut" and side == "ours":
        _, info = classicseg.ncut_segment(img, NCUT_SEGMENTS, rng=0, return_info=True)
        return dict(segments=info.n_segments, path=info.path, vertices=info.n_vertices)
    if method == "ncut" and side == "peer":
        from skimage import graph, segmentation

        log = _dense_when_arpack_fails()
        sp = segmentation.slic(img, SLIC_SEGMENTS, start_label=1)
        rag = graph.rag_mean_color(img, sp, mode="similarity")
        labels = graph.cut_normalized(sp, rag, rng=0)
        failed = log["failed"]
        return dict(segments=int(len(np.unique(labels))), superpixels=int(sp.max()),
                    failed=(f"ARPACK failed in {len(failed)} of {log['calls']} eigsh calls, on "
                            f"graphs of {', '.join(map(str, failed))} vertices, each solved by "
                            "a dense scipy.linalg.eigh instead" if failed else ""))
    raise ValueError(f"unknown case {method} {side}")


def _dense_when_arpack_fails():
    """Let scikit-image's cut_normalized go on where ARPACK fails on a subgraph.

    Its ``eigsh(A, which="SM", k=min(100, m - 2))`` stops with "ARPACK error 3: No
    shifts could be applied" on the mosaic's RAG whatever ``rng``, ``max_edge``,
    ``num_cuts`` or ``in_place`` (skimage issues #7653, #2284). A failing call is
    answered with the same eigenpairs from a dense solve (A is the normalised
    Laplacian, positive semi-definite: the smallest in magnitude are the smallest);
    every other call is ARPACK's, as before. Returns the log: ``calls`` and the
    sizes of the graphs solved densely (``failed``).
    """
    import types

    import scipy.linalg
    import scipy.sparse.linalg
    from skimage.graph import _graph_cut

    log = dict(calls=0, failed=[])

    def eigsh(A, k=6, which="SM", **kwargs):
        log["calls"] += 1
        try:
            return scipy.sparse.linalg.eigsh(A, k=k, which=which, **kwargs)
        except scipy.sparse.linalg.ArpackError:
            log["failed"].append(A.shape[0])
            return scipy.linalg.eigh(A.toarray(), subset_by_index=[0, k - 1])

    _graph_cut.linalg = types.SimpleNamespace(eigsh=eigsh)
    return log


def _labels_path(side, img):
    return Path(os.environ["SCALE_CACHE"]) / f"meanshift_{side}_{img.shape[0]}x{img.shape[1]}.npy"


def _sklearn_kmeans(X, k):
    from sklearn.cluster import KMeans

    t0 = time.perf_counter()
    km = KMeans(n_clusters=k, init="k-means++", n_init=1, random_state=0).fit(X)
    return dict(inertia=float(km.inertia_), n_iter=int(km.n_iter_),
                fit_time=time.perf_counter() - t0)


def _volume_call(case, side, vol):
    import classicseg

    opts = dict(channel_axis=None, spacing=SPACING)
    if case == "kmeans" and side == "ours":
        _, info = classicseg.kmeans_segment(vol, VOLUME_K, features="grayxy", rng=0, return_info=True,
                                            **opts)
        return dict(inertia=info.inertia, n_iter=info.n_iter)
    if case == "kmeans" and side == "peer":
        return _sklearn_kmeans(classicseg.pixel_features(vol, "grayxy", **opts), VOLUME_K)
    if case == "meanshift":
        _, info = classicseg.meanshift_segment(vol, VOLUME_WINDOW, features="grayxy", return_info=True,
                                               **opts)
        return dict(clusters=len(info.centers), climbs=info.n_climbs, path=info.path)
    if case == "ncut":
        _, info = classicseg.ncut_segment(vol, VOLUME_NCUT_SEGMENTS, radius=1.2, rng=0,
                                          return_info=True, **opts)
        return dict(segments=info.n_segments, path=info.path, vertices=info.n_vertices)
    if case == "slic":
        from skimage import segmentation

        labels = segmentation.slic(vol, VOLUME_SLIC_SEGMENTS, channel_axis=None,
                                   spacing=SPACING, start_label=1)
        return dict(segments=int(labels.max()))
    raise ValueError(f"unknown volume case {case} {side}")


def worker(spec):
    """Run one case in this process and print a JSON line: time, peak memory, results."""
    method, side, size, cache = spec["method"], spec["side"], spec["size"], Path(spec["cache"])
    os.environ["SCALE_CACHE"] = str(cache)
    if method == "volume":
        data = volume(cache)
        tiny = data[:4, :16, :16].copy()
        run = lambda x: _volume_call(spec["case"], side, x)  # noqa: E731
    else:
        rows, cols = CROPS[size]
        data = np.ascontiguousarray(mosaic(cache)[:rows, :cols])
        tiny = data[:24, :24].copy()
        run = lambda x: _call(method, side, x)  # noqa: E731
    run(tiny)  # compile (or load the cache) and import everything first
    before = _rss()
    t0 = time.perf_counter()
    out = run(data)
    seconds = out.pop("seconds_override", time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out.update(seconds=seconds, peak=peak, added=max(peak - before, 0), before=before)
    print(json.dumps(out))


def agreement(cache, shape):
    """Adjusted Rand index of the approximate mean shift against the exact one."""
    from sklearn.metrics import adjusted_rand_score

    paths = [cache / f"meanshift_{side}_{shape[0]}x{shape[1]}.npy" for side in ("ours", "approx")]
    if not all(p.exists() for p in paths):
        return float("nan")
    exact, approx = (np.load(p).reshape(-1) for p in paths)
    for p in paths:
        p.unlink()
    return float(adjusted_rand_score(exact, approx))


def spawn(spec):
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return dict(spec, error=proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed",
                    load=load)
    return dict(spec, **json.loads(proc.stdout.strip().splitlines()[-1]), load=load)


# ---------------------------------------------------------------- report


def slope(rows):
    """Least-squares slope of log(time) against log(megapixels)."""
    good = [r for r in rows if "seconds" in r]
    if len(good) < 2:
        return float("nan")
    mp = np.log([float(r["size"]) for r in good])
    t = np.log([r["seconds"] for r in good])
    return float(np.polyfit(mp, t, 1)[0])


def gib(b):
    return f"{b / 2**30:.2f}"


def fmt_extra(method, ours, peer):
    if "error" in ours or "error" in peer:
        return ours.get("error", "") + " " + peer.get("error", "")
    if "seconds" not in ours or "seconds" not in peer:
        return ""
    if method == "kmeans":
        return (f"inertia ours/sklearn {ours['inertia'] / peer['inertia']:.4f}; iterations "
                f"{ours['n_iter']} / {peer['n_iter']}")
    if method == "meanshift":
        return f"{ours['clusters']} clusters, {ours['climbs']} climbs ({ours['path']})"
    if method == "ncut":
        return (f"ours {ours['segments']} segments ({ours['path']}, {ours['vertices']} vertices); "
                f"skimage {peer['segments']}"
                + (f" of {peer['superpixels']} superpixels" if "superpixels" in peer else "")
                + (f" ({peer['failed']})" if peer.get("failed") else ""))
    return ""


def report(rows, out, command, versions):
    out.mkdir(parents=True, exist_ok=True)
    pairs = {}
    for r in rows:
        pairs.setdefault((r["method"], r.get("case"), r["size"]), {})[r["side"]] = r
    lines = [
        "# Big images and volumes",
        "",
        f"Command: `{command}`"
        + "".join(f"; then `{c}`, whose rows replace that method's"
                  for c in dict.fromkeys(r["command"] for r in rows if "command" in r)
                  if c != command)
        + ". Machine: 2 cores, 24 GiB, shared with other jobs; every call "
        "in its own process, after a warm-up call on a tiny input (compile time kept out); "
        "one call per case. Ratios are ours / the peer's time, measured one after the other "
        f"in one run. {versions}",
        "",
        "Peak: the process's peak resident memory (input, interpreter and libraries "
        "included); added: peak minus the resident memory just before the call. Load: the "
        "1-minute load average when the call started.",
        "",
    ]
    names = {"kmeans": "k-means (k = 16, rgbxy) vs scikit-learn KMeans",
             "meanshift": "mean shift (W = 21, rgbxy) vs cv2.pyrMeanShiftFiltering(10.5, 10.5)",
             "ncut": "Ncut (16 segments) vs slic(400) + rag_mean_color + cut_normalized"}
    slopes = {}
    for method in ("kmeans", "meanshift", "ncut"):
        sizes = sorted({s for (m, _, s) in pairs if m == method}, key=float)
        if not sizes:
            continue
        approx_head = ("approx s | approx ratio | approx ARI vs exact | "
                       if method == "meanshift" else "")
        lines += [f"## {names[method]}", "",
                  f"| MP | ours s | peer s | ratio | {approx_head}ours peak / added GiB | "
                  "peer peak / added GiB | load | notes |",
                  "|---|---|---|---|" + ("---|---|---|" if approx_head else "")
                  + "---|---|---|---|"]
        for s in sizes:
            p = pairs[(method, None, s)]
            ours, peer = p.get("ours", {}), p.get("peer", {})
            if "seconds" in ours and "seconds" in peer:
                ratio = f"**{ours['seconds'] / peer['seconds']:.2f}**"
            else:
                ratio = "-"
            approx = ""
            if approx_head:
                a = p.get("approx", {})
                a_ratio = (f"**{a['seconds'] / peer['seconds']:.2f}**"
                           if "seconds" in a and "seconds" in peer else "-")
                approx = (f"{a.get('seconds', float('nan')):.2f} | {a_ratio} | "
                          f"{a.get('ari', float('nan')):.3f} | ")
            lines.append(
                f"| {s} | {ours.get('seconds', float('nan')):.2f} | "
                f"{peer.get('seconds', float('nan')):.2f} | {ratio} | {approx}"
                f"{gib(ours.get('peak', 0))} / {gib(ours.get('added', 0))} | "
                f"{gib(peer.get('peak', 0))} / {gib(peer.get('added', 0))} | "
                f"{ours.get('load', float('nan')):.1f} | {fmt_extra(method, ours, peer)} |")
        for side in ("ours", "approx", "peer"):
            slopes[(method, side)] = slope([pairs[(method, None, s)].get(side, {}) | {"size": s}
                                            for s in sizes])
        lines += ["", f"Log-log slope of time against megapixels: ours "
                  f"{slopes[(method, 'ours')]:.2f}"
                  + (f", approximation {slopes[(method, 'approx')]:.2f}" if approx_head else "")
                  + f", peer {slopes[(method, 'peer')]:.2f}.", ""]
        if approx_head:
            lines += [f"Approximation: `meanshift_segment(img, {WINDOW}, 'rgbxy', "
                      f"climb_stride={STRIDE})` (the pixels whose indices are multiples of "
                      f"{STRIDE} climb; every other pixel takes the climb of the nearest of them "
                      "less than the stride away when their colours are within 0.75 window "
                      "radii, else climbs too); its "
                      "adjusted Rand index against the exact labels is measured up to "
                      f"{ARI_PIXELS / 1e6:.2f} MP.", ""]
    vol = sorted((r for r in rows if r["method"] == "volume"),
                 key=lambda r: VOLUME_CASES.index(r["case"]))
    if vol:
        lines += ["## Volume 60 x 256 x 256 uint16 (3.93 M voxels), channel_axis=None, "
                  "spacing=(2, 1, 1)", "",
                  "| call | s | peak / added GiB | load | notes |", "|---|---|---|---|---|"]
        calls = {
            ("kmeans", "ours"): f"`kmeans_segment(vol, {VOLUME_K}, 'grayxy', ...)`",
            ("kmeans", "peer"): f"scikit-learn `KMeans({VOLUME_K}, init='k-means++', n_init=1)` "
                                "on the same features",
            ("meanshift", "ours"): f"`meanshift_segment(vol, {VOLUME_WINDOW}, 'grayxy', ...)`",
            ("ncut", "ours"): f"`ncut_segment(vol, {VOLUME_NCUT_SEGMENTS}, radius=1.2, ...)` "
                              "(6-neighbourhood)",
            ("slic", "peer"): f"`skimage.segmentation.slic(vol, {VOLUME_SLIC_SEGMENTS}, "
                              "channel_axis=None, spacing=...)`",
        }
        for r in vol:
            if "error" in r:
                note = r["error"]
            else:
                note = ", ".join(f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}"
                                 for k, v in r.items()
                                 if k not in ("method", "case", "side", "size", "cache", "seconds",
                                              "peak", "added", "before", "load", "command"))
            lines.append(f"| {calls[(r['case'], r['side'])]} | {r.get('seconds', float('nan')):.2f}"
                         f" | {gib(r.get('peak', 0))} / {gib(r.get('added', 0))} | "
                         f"{r['load']:.1f} | {note} |")
        lines.append("")
    lines += ["![time against megapixels](scale.png)", ""]
    (out / "scale.md").write_text("\n".join(lines))
    (out / "scale.json").write_text(json.dumps(rows, indent=1))
    loads = [r["load"] for r in rows if "load" in r]
    figure(pairs, vol, slopes, out / "scale.png", (min(loads), max(loads)))


def figure(pairs, vol, slopes, path, loads):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5))
    colours = {"kmeans": "C0", "meanshift": "C1", "ncut": "C2"}
    peers = {"kmeans": "scikit-learn KMeans", "meanshift": "cv2.pyrMeanShiftFiltering",
             "ncut": "skimage slic+RAG+Ncut"}
    for method, colour in colours.items():
        for side, style in (("ours", "-o"), ("approx", ":^"), ("peer", "--s")):
            pts = sorted((float(s), p[side]["seconds"]) for (m, _, s), p in pairs.items()
                         if m == method and "seconds" in p.get(side, {}))
            if pts:
                label = {"ours": f"classicseg {method}", "peer": peers[method],
                         "approx": f"classicseg {method} (climb_stride={STRIDE})"}[side]
                label += f" (slope {slopes.get((method, side), float('nan')):.2f})"
                ax.plot(*zip(*pts), style, color=colour, label=label,
                        mfc="white" if side == "peer" else colour)
    markers = {"kmeans": "o", "meanshift": "^", "ncut": "D", "slic": "x"}
    for r in vol:
        if "seconds" in r:
            ax.plot(np.prod(VOLUME_SHAPE) / 1e6, r["seconds"], markers[r["case"]], color="k",
                    mfc="white" if r["side"] == "peer" else "k",
                    label=f"volume: {r['case']} ({'ours' if r['side'] == 'ours' else 'peer'})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("megapixels (mosaic crops of BSDS500 train; volume: megavoxels)")
    ax.set_ylabel("seconds (one call)")
    ax.set_title(f"2 cores shared: 1-minute load average {loads[0]:.1f}-{loads[1]:.1f} "
                 "during the run", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--sizes", default=",".join(CROPS))
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--cache", default="/tmp/classicseg_scale")
    parser.add_argument("--cases", default=",".join(VOLUME_CASES),
                        help="the volume's cases to run (with --merge, the others are kept)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of other methods from --out/scale.json")
    parser.add_argument("--report", action="store_true",
                        help="only rewrite scale.md and scale.png from --out/scale.json")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    if args.report:
        import cv2
        import sklearn
        import skimage

        rows = json.loads((Path(args.out) / "scale.json").read_text())
        report(rows, Path(args.out), rows[0]["command"],
               f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, scikit-image "
               f"{skimage.__version__}, OpenCV {cv2.__version__}.")
        return
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    methods = args.methods.split(",")
    sizes = args.sizes.split(",")
    cases = args.cases.split(",")
    if not set(cases) <= set(VOLUME_CASES):
        raise SystemExit(f"unknown cases {args.cases!r}; expected some of {', '.join(VOLUME_CASES)}")
    for m in methods:
        if m not in METHODS:
            raise SystemExit(f"unknown method {m!r}; expected some of {', '.join(METHODS)}")
    for s in sizes:
        if s not in CROPS:
            raise SystemExit(f"unknown size {s!r}; expected some of {', '.join(CROPS)}")
    if any(m != "volume" for m in methods):
        mosaic(cache)
    if "volume" in methods:
        volume(cache)
    import cv2
    import sklearn
    import skimage

    versions = (f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, scikit-image "
                f"{skimage.__version__}, OpenCV {cv2.__version__}.")
    command = "python benchmarks/bench_scale.py" + (
        f" --methods {args.methods}" if args.methods != ",".join(METHODS) else "") + (
        f" --sizes {args.sizes}" if args.sizes != ",".join(CROPS) else "")
    rows = []
    if args.merge:
        old = json.loads((Path(args.out) / "scale.json").read_text())
        rows = [r for r in old if r["method"] not in methods
                or r["method"] == "volume" and r["case"] not in cases]
        command = old[0].get("command", command) if rows else command
    this_run = command if not args.merge else (
        "python benchmarks/bench_scale.py" + f" --methods {args.methods} --sizes {args.sizes}"
        + (f" --cases {args.cases}" if args.cases != ",".join(VOLUME_CASES) else "")
        + " --merge")

    def done(row):
        """Keep a finished row and rewrite the report (a long run leaves what it measured)."""
        row["command"] = this_run
        rows.append(row)
        print(json.dumps(row), flush=True)
        report(rows, Path(args.out), command, versions)

    for method in methods:
        if method == "volume":
            for case, side in (("kmeans", "ours"), ("kmeans", "peer"), ("meanshift", "ours"),
                               ("ncut", "ours"), ("slic", "peer")):
                if case not in cases:
                    continue
                done(spawn(dict(method="volume", case=case, side=side, size="3.93",
                                cache=str(cache))))
            continue
        for size in sizes:
            sides = ("ours", "approx", "peer") if method == "meanshift" else ("ours", "peer")
            for side in sides:
                row = spawn(dict(method=method, side=side, size=size, cache=str(cache)))
                if side == "peer" and method == "meanshift" and np.prod(CROPS[size]) <= ARI_PIXELS:
                    rows[-1]["ari"] = agreement(cache, CROPS[size])
                done(row)


if __name__ == "__main__":
    main()
