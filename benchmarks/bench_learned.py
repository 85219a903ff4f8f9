"""The learned-segmentation adapter and metrics against PyTorch and scikit-learn, in one run.

Side by side, float32, same inputs, calls interleaved (ours, peer, ours,
peer, ...) so that a load change on the shared machine hits both, PyTorch
and Numba both on the same number of threads (the machine's cores):

- ``interpolate`` bilinear / bicubic / nearest / nearest-exact, (1, 21,
  128, 128) -> (512, 512), against ``torch.nn.functional.interpolate``;
  ``bed_of_nails`` to the same size, against zeros with a strided
  assignment; ``logits_to_labels`` (bilinear upsampling, then argmax);
- ``conv_transpose2d`` of (1, 21, 128, 128) to 21 channels: kernel 4,
  stride 2, padding 1 (to 256²) and kernel 8, stride 4, padding 2 (to
  512², FCN's upsampling layer), against ``F.conv_transpose2d``;
- ``max_pool2d`` with indices of (1, 21, 512, 512) and ``max_unpool2d`` of
  its (1, 21, 256, 256) result back to 512², against ``F.max_pool2d`` /
  ``F.max_unpool2d``; ``softmax`` and ``cross_entropy`` over (1, 21, 512,
  512) logits against ``torch.softmax`` / ``F.cross_entropy``;
- per-class IoU + F1, the confusion matrix and pixel accuracy for 21 classes
  at 512² and 1024², against ``sklearn.metrics`` (``jaccard_score`` +
  ``f1_score``, ``confusion_matrix``, ``accuracy_score``).

Reported: the ratio ours / peer of the best of ``--repeat`` calls (below 1:
classicseg is faster) and of the medians, the largest difference of the
results, and Numba's compile time measured apart: each kernel's first call
in a fresh process with an empty cache (later processes load the cache,
``cache=True``).

    python benchmarks/bench_learned.py [--repeat 5] [--out benchmarks/results] [--ops NAME ...]

``--ops`` times only the operations whose name contains one of the given
words (e.g. ``--ops conv_transpose bed_of_nails``), without compile times.
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
    ("conv_transpose2d", lambda: learned.conv_transpose2d(x, np.ones((2, 2, 4, 4), np.float32), stride=2)),
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
    """(operation, size, ours, peer) for the network operations; float32 data."""
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
        for mode in ("bilinear", "bicubic", "nearest", "nearest-exact")
    ]
    def torch_bed_of_nails():
        out = xt.new_zeros((1, 21, 512, 512))
        out[..., ::4, ::4] = xt
        return out

    cases.append(("bed_of_nails", "(1, 21, 128, 128) -> 512², scale 4", partial(learned.bed_of_nails, x, 4), torch_bed_of_nails))
    cases.append(
        (
            "logits_to_labels",
            "(1, 21, 128, 128) -> 512², bilinear",
            partial(learned.logits_to_labels, x, size=(512, 512)),
            lambda: F.interpolate(xt, size=(512, 512), mode="bilinear").argmax(1),
        )
    )
    for k, s, p, side in ((4, 2, 1, 256), (8, 4, 2, 512)):
        weight = (rng.normal(size=(21, 21, k, k)) / 21).astype(np.float32)
        bias = rng.normal(size=21).astype(np.float32)
        cases.append(
            (
                "conv_transpose2d",
                f"(1, 21, 128, 128) -> (1, 21, {side}, {side}), k {k}, s {s}, p {p}",
                partial(learned.conv_transpose2d, x, weight, bias, stride=s, padding=p),
                partial(F.conv_transpose2d, xt, *map(torch.from_numpy, (weight, bias)), stride=s, padding=p),
            )
        )
    big = rng.normal(size=(1, 21, 512, 512)).astype(np.float32)
    big_t = torch.from_numpy(big)
    pooled, indices = learned.max_pool2d(big, 2, return_indices=True)
    target = rng.integers(0, 21, size=(1, 512, 512))
    cases += [
        (
            "max_pool2d + indices",
            "(1, 21, 512, 512) -> 256², k 2",
            partial(learned.max_pool2d, big, 2, return_indices=True),
            partial(F.max_pool2d, big_t, 2, return_indices=True),
        ),
        (
            "max_unpool2d",
            "(1, 21, 256, 256) -> 512², k 2",
            partial(learned.max_unpool2d, pooled, indices, 2),
            partial(F.max_unpool2d, torch.from_numpy(pooled), torch.from_numpy(indices), 2),
        ),
        (
            "softmax",
            "(1, 21, 512, 512), axis 1",
            partial(learned.softmax, big),
            partial(torch.softmax, big_t, 1),
        ),
        (
            "cross_entropy",
            "(1, 21, 512, 512), mean",
            partial(learned.cross_entropy, big, target),
            partial(F.cross_entropy, big_t, torch.from_numpy(target)),
        ),
    ]
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--ops", nargs="+", metavar="NAME", help="time only the operations whose name contains NAME")
    args = parser.parse_args()

    torch, sklearn = optional("torch"), optional("sklearn")
    cases, peers = [], []
    if torch is not None:
        torch.set_num_threads(numba.get_num_threads())
        cases += [(*case, "PyTorch") for case in learned_cases(torch)]
        peers.append(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads")
    if sklearn is not None:
        from sklearn import metrics as skm

        cases += [(*case, "scikit-learn") for case in metric_cases(skm)]
        peers.append(f"scikit-learn {sklearn.__version__}")
    if args.ops:
        cases = [case for case in cases if any(word in case[0] for word in args.ops)]
    load = os.getloadavg()
    rows = [
        (name, size, *side_by_side(ours, peer, args.repeat), who)
        for name, size, ours, peer, who in cases
    ]
    end_load = os.getloadavg()
    compiled = [] if args.ops else compile_times()

    command = f"--repeat {args.repeat}" + (f" --ops {' '.join(args.ops)}" if args.ops else "")
    lines = [
        "# Learned-segmentation adapter and metrics: classicseg vs PyTorch and scikit-learn",
        "",
        f"`python benchmarks/bench_learned.py {command}` on {os.cpu_count()} cores, "
        f"Numba {numba.__version__} with {numba.get_num_threads()} threads; peers: {', '.join(peers) or 'none installed'}. "
        f"float32 data; {args.repeat} calls each, ours and the peer's alternating; "
        f"load average (1, 5, 15 min) at the start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} and at the end "
        f"{end_load[0]:.1f}, {end_load[1]:.1f}, {end_load[2]:.1f} (a machine shared with other jobs: "
        "compare ratios, not seconds). Ratio = ours / peer of the fastest of the calls (below 1: "
        "classicseg is faster); median ratio = of the medians. On a loaded machine any two-thread call, "
        "ours and PyTorch's alike, can wait a scheduler time slice (tens of ms) for its second thread; "
        "the best-of ratio shows the speeds without that wait.",
        "",
        "| operation | size | classicseg ms (best) | peer ms (best) | ratio (best-of) | median ratio | max difference | peer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, size, med_ours, med_peer, min_ours, min_peer, ours_out, peer_out, peer in rows:
        if isinstance(ours_out, tuple):  # max_pool2d: values and indices
            ours_out, peer_out = ours_out[0], peer_out[0]
        lines.append(
            f"| {name} | {size} | {min_ours * 1e3:.2f} | {min_peer * 1e3:.2f} | **{min_ours / min_peer:.3f}** "
            f"| {med_ours / med_peer:.3f} | {max_difference(ours_out, peer_out):.1e} | {peer} |"
        )
    lines += [] if not compiled else [
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
