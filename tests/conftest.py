"""Shared fixtures and helpers for the test suite."""

import contextlib

import numba
import numpy as np
import pytest


@contextlib.contextmanager
def num_threads(n):
    """Run a block with ``n`` Numba threads, restoring the previous count."""
    previous = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def block_image(shape=(24, 30), values=(20, 90, 160, 230), noise=4.0, channels=None, seed=0):
    """A 2x2 grid of constant blocks plus Gaussian noise, in 8-bit levels (float64).

    Returns the image and the block index (0..3) of every pixel.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    truth = (np.arange(h)[:, None] >= h // 2) * 2 + (np.arange(w)[None, :] >= w // 2)
    base = np.asarray(values, dtype=np.float64)[truth]
    if channels is not None:
        base = np.stack([np.roll(values, c)[truth] for c in range(channels)], axis=-1).astype(float)
    return base + rng.normal(scale=noise, size=base.shape), truth


@pytest.fixture
def astronaut32():
    from skimage import data

    return data.astronaut()[::16, ::16].copy()
