"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/<script>.py``)."""

import time

import numpy as np


def timed(fn, repeat=1):
    """Median wall time of ``repeat`` calls, and the last result."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out
