"""Cost of one mean-shift window query on the pixel lattice, on one thread.

The 512² astronaut in rgbxy, W = 21: ``n`` means drawn near pixel features
(colour + N(0, 3), position + U(-2, 2)), each summed by
``classicseg._kernels.meanshift.lattice_window_sum``. Prints microseconds
per query (best of ``--repeat`` runs) and a checksum of the sums, so that a
change of the kernel can be timed and checked against the previous one::

    python benchmarks/bench_meanshift_query.py [--n 20000] [--repeat 5]

Measured on a quiet 2-core machine: 0.75 µs per query with three rows per
vectorized pass (8fee820), 1.01-1.05 µs with one (8fe6c6e); same checksum
1.460296e+09. Passes over the width rounded up to a multiple of LANES (no
scalar remainder loop): 0.50 µs against 0.92 µs before, thread CPU time of
the same means side by side in one process (load average 5.7, shared).
"""

import argparse
import time

import numba
import numpy as np
from skimage import data

from classicseg._kernels.meanshift import LANES, lattice_window_sum
from classicseg.features import pixel_features

WINDOW = 21


# Not cached: Numba's cache would keep the kernel this loop was first compiled with.
@numba.njit
def query_all(planes, shape, steps, h2, means, out):
    acc = np.empty(6)
    offsets = np.empty((2, shape[2] + LANES))
    for i in range(means.shape[0]):
        out[i, 6] = lattice_window_sum(planes, shape, steps, h2, h2, True, means[i], acc, offsets)
        out[i, :6] = acc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    numba.set_num_threads(1)
    image = data.astronaut()
    size = image.shape[0]
    X = pixel_features(image, "rgbxy")  # (n_pixels, 5): r, g, b, row, column
    planes = np.full((3, size * size + LANES), np.nan, np.float32)  # NaN padding
    planes[:, :size * size] = X[:, :3].T
    shape = np.array([1, size, size])
    steps = np.ones(3)
    rng = np.random.default_rng(0)
    sites = rng.integers(0, size * size, args.n)
    means = np.zeros((args.n, 6))
    means[:, :3] = X[sites, :3] + rng.normal(0, 3, (args.n, 3))
    means[:, 4:] = X[sites, 3:] + rng.uniform(-2, 2, (args.n, 2))
    out = np.empty((args.n, 7))
    h2 = (WINDOW / 2) ** 2
    query_all(planes, shape, steps, h2, means[:10], out)  # compile
    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        query_all(planes, shape, steps, h2, means, out)
        best = min(best, time.perf_counter() - t0)
    print(f"{best / args.n * 1e6:.3f} us per query (best of {args.repeat}, one thread); "
          f"mean window count {out[:, 6].mean():.1f}; checksum {out.sum():.6e}")


if __name__ == "__main__":
    main()
