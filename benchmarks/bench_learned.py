"""The learned-segmentation adapter and metrics against PyTorch and scikit-learn, in one run.

Side by side, float32, same inputs, calls interleaved (ours, peer, ours,
peer, ...) so that a load change on the shared machine hits both:

- ``interpolate`` bilinear / bicubic / nearest, (1, 21, 128, 128) -> (512,
  512), against ``torch.nn.functional.interpolate``;
- ``conv_transpose2d`` (1, 64, 64, 64) -> 32 channels, kernel 4, stride 2,
  padding 1 (a decoder's doubling layer), against ``F.conv_transpose2d``;
- ``max_unpool2d`` of (1, 64, 128, 128) to 256 x 256 with the indices of a
  2 x 2 pooling, against ``F.max_unpool2d``;
- per-class IoU + F1, the confusion matrix and pixel accuracy for 21 classes
  at 512² and 1024², against ``sklearn.metrics`` (``jaccard_score`` +
  ``f1_score``, ``confusion_matrix``, ``accuracy_score``).

Reported: medians of ``--repeat`` calls, the ratio ours / peer (below 1:
classicseg is faster), the largest difference of the results, and Numba's
compile time measured apart: each kernel's first call in a fresh process
with an empty cache (later processes load the cache, ``cache=True``).

    python benchmarks/bench_learned.py [--repeat 15] [--out benchmarks/results]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numba
import numpy as np

from classicseg import learned, metrics

# Each line warms one kernel specialisation; run in a fresh process with an
# empty cache, their times are the compile times.
COMPILE_CODE = """
import time, numpy as np
from classicseg import learned, metrics
x = np.zeros((1, 2, 4, 4), np.float32)
y = np.zeros((8, 8), np.int64)
for name, call in [
    ("interpolate (resample kernel)", lambda: learned.interpolate(x, size=8, mode="bilinear")),
    ("max_pool2d", lambda: learned.max_pool2d(x, 2, return_indices=True)),
    ("max_unpool2d", lambda: learned.max_unpool2d(x[..., :2, :2], np.zeros((1, 2, 2, 2), np.int64), 2)),
    ("confusion matrix (int64 labels)", lambda: metrics.confusion_matrix(y, y)),
]:
    t0 = time.perf_counter(); call(); print(f"{name}\\t{time.perf_counter() - t0:.2f}")
"""


def optional(module):
    """Import a peer, or say clearly that its rows are skipped."""
    try:
        return __import__(module)
    except ImportError:
        print(
            f"{module} is not installed: its comparisons are skipped "
            f"(pip install {'torch' if module == 'torch' else 'scikit-learn'})",
            file=sys.stderr,
        )
        return None


def side_by_side(ours, peer, repeat):
    """Median and best seconds of ``ours`` and ``peer``, called alternately; their last results."""
    ours_out, peer_out = ours(), peer()  # warm: compile, caches, thread pools
    t_ours, t_peer = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours_out = ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        peer_out = peer()
        t_peer.append(time.perf_counter() - t0)
    times = [float(f(t)) for f in (np.median, np.min) for t in (t_ours, t_peer)]
    return *times, ours_out, peer_out


def max_difference(a, b):
    a, b = (np.asarray(v, dtype=np.float64) for v in (a, b))
    return float(np.nanmax(np.abs(a - b))) if a.size else 0.0


def learned_cases(torch):
    """(operation, size, ours, peer) for the upsampling operations; float32 data."""
    from torch.nn import functional as F

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 21, 128, 128)).astype(np.float32)
    xt = torch.from_numpy(x)
    cases = [
        (
            f"interpolate {mode}",
            "(1, 21, 128, 128) -> 512²",
            partial(learned.interpolate, x, size=(512, 512), mode=mode),
            partial(F.interpolate, xt, size=(512, 512), mode=mode),
        )
        for mode in ("bilinear", "bicubic", "nearest")
    ]
    feat = rng.normal(size=(1, 64, 64, 64)).astype(np.float32)
    weight = (rng.normal(size=(64, 32, 4, 4)) / 32).astype(np.float32)
    bias = rng.normal(size=32).astype(np.float32)
    cases.append(
        (
            "conv_transpose2d",
            "(1, 64, 64, 64) -> (1, 32, 128, 128), k 4, s 2, p 1",
            partial(learned.conv_transpose2d, feat, weight, bias, stride=2, padding=1),
            partial(
                F.conv_transpose2d, *map(torch.from_numpy, (feat, weight, bias)), stride=2, padding=1
            ),
        )
    )
    x = rng.normal(size=(1, 64, 256, 256)).astype(np.float32)
    pooled, indices = learned.max_pool2d(x, 2, return_indices=True)
    cases.append(
        (
            "max_unpool2d",
            "(1, 64, 128, 128) -> 256², k 2",
            partial(learned.max_unpool2d, pooled, indices, 2),
            partial(F.max_unpool2d, torch.from_numpy(pooled), torch.from_numpy(indices), 2),
        )
    )
    return cases


def per_class_iou_f1(score_pairs, truth, pred, **kwargs):
    return np.stack([score(truth, pred, **kwargs) for score in score_pairs])


def metric_cases(skm):
    """(operation, size, ours, peer) for the metrics; 21 classes, 70 % of pixels right."""
    cases = []
    for side in (512, 1024):
        rng = np.random.default_rng(side)
        truth = rng.integers(0, 21, size=(side, side))
        pred = np.where(rng.random(truth.shape) < 0.7, truth, rng.integers(0, 21, size=truth.shape))
        t, p = truth.ravel(), pred.ravel()  # scikit-learn takes 1-D labels
        size = f"{side}², 21 classes"
        cases += [
            (
                "per-class IoU + F1",
                size,
                partial(per_class_iou_f1, (metrics.iou_score, metrics.f1_score), truth, pred),
                partial(per_class_iou_f1, (skm.jaccard_score, skm.f1_score), t, p, average=None),
            ),
            (
                "confusion_matrix",
                size,
                partial(metrics.confusion_matrix, truth, pred),
                partial(skm.confusion_matrix, t, p),
            ),
            (
                "pixel_accuracy",
                size,
                partial(metrics.pixel_accuracy, truth, pred),
                partial(skm.accuracy_score, t, p),
            ),
        ]
    return cases


def compile_times():
    """Each kernel's first call in a fresh process with an empty Numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, "-c", COMPILE_CODE], env=env, capture_output=True, text=True, check=True
        )
    return [line.split("\t") for line in out.stdout.strip().splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    torch, sklearn = optional("torch"), optional("sklearn")
    cases, peers = [], []
    if torch is not None:
        cases += [(*case, "PyTorch") for case in learned_cases(torch)]
        peers.append(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads")
    if sklearn is not None:
        from sklearn import metrics as skm

        cases += [(*case, "scikit-learn") for case in metric_cases(skm)]
        peers.append(f"scikit-learn {sklearn.__version__}")
    load = os.getloadavg()[0]
    rows = [
        (name, size, *side_by_side(ours, peer, args.repeat), who)
        for name, size, ours, peer, who in cases
    ]
    compiled = compile_times()

    lines = [
        "# Learned-segmentation adapter and metrics: classicseg vs PyTorch and scikit-learn",
        "",
        f"`python benchmarks/bench_learned.py --repeat {args.repeat}` on {os.cpu_count()} cores, "
        f"Numba {numba.__version__} with {numba.get_num_threads()} threads; peers: {', '.join(peers) or 'none installed'}. "
        f"float32 data; median of {args.repeat} calls each, ours and the peer's alternating; "
        f"load average at the start {load:.1f} (a shared machine: compare ratios, not seconds). "
        "Ratio = ours / peer of the medians (below 1: classicseg is faster); best-of ratio = of the "
        "fastest calls. On a loaded machine every two-thread call, ours and PyTorch's alike, can wait a "
        "scheduler time slice (tens of ms) for its second thread; the best-of ratio shows the speeds "
        "without that wait.",
        "",
        "| operation | size | classicseg ms | peer ms | ratio | best-of ratio | max difference | peer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, size, med_ours, med_peer, min_ours, min_peer, ours_out, peer_out, peer in rows:
        lines.append(
            f"| {name} | {size} | {med_ours * 1e3:.2f} | {med_peer * 1e3:.2f} | **{med_ours / med_peer:.3f}** "
            f"| {min_ours / min_peer:.3f} | {max_difference(ours_out, peer_out):.1e} | {peer} |"
        )
    lines += [
        "",
        "Numba compile time, apart from the times above (first call in a fresh process, empty cache; "
        "a later process loads the cache instead):",
        "",
        "| kernel | compile s |",
        "|---|---|",
        *(f"| {name} | {seconds} |" for name, seconds in compiled),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learned.md").write_text(text)


if __name__ == "__main__":
    main()
