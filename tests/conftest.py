"""Shared fixtures and helpers for the test suite."""

import contextlib

import numba
import numpy as np
import pytest
import scipy.io


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


def fake_bsds(root, images, n_annotators=2, split="val"):
    """A BSDS500 layout (images/<split>/<id>.jpg, groundTruth/<split>/<id>.mat) of small images.

    Annotator ``a`` splits the image into a top and a bottom half and each of
    them at column ``w // (a + 2)``; returns ``{id: [annotators' label maps]}``.
    """
    from skimage import io as skio

    (root / "images" / split).mkdir(parents=True, exist_ok=True)
    (root / "groundTruth" / split).mkdir(parents=True, exist_ok=True)
    truths = {}
    for image_id, img in images.items():
        skio.imsave(root / "images" / split / f"{image_id}.jpg", img, check_contrast=False)
        h, w = img.shape[:2]
        gts = [((np.arange(h)[:, None] >= h // 2) * 2 + (np.arange(w) >= w // (a + 2)) + 1)
               .astype(np.uint16) for a in range(n_annotators)]
        cells = np.empty((1, n_annotators), dtype=object)
        for a, gt in enumerate(gts):
            cells[0, a] = {"Segmentation": gt, "Boundaries": np.zeros((h, w), bool)}
        scipy.io.savemat(root / "groundTruth" / split / f"{image_id}.mat", {"groundTruth": cells})
        truths[image_id] = gts
    return truths
