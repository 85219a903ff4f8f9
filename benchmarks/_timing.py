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


def wall_and_cpu(fn, repeat=1):
    """Median wall time and median CPU time of this process over ``repeat`` calls.

    For code that runs on one thread, CPU time is its cost without the other
    jobs of a shared machine; report wall time beside it.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu))
