"""Shared fixtures and helpers for the test suite."""

import contextlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy.io


TESTS = Path(__file__).resolve().parent

# The official BSDS benchmark's five-image example and its official outputs:
# the one part of ../shared/data the tests read, only when it is there (its
# files are not ours to commit); every other test brings its own data.
BSDS_BENCH = TESTS.parent.parent / "shared" / "data" / "bsds_bench"
needs_bsds_bench = pytest.mark.skipif(not (BSDS_BENCH / "test_1").is_dir(),
                                      reason=f"the official BSDS example is not at {BSDS_BENCH}")


@contextlib.contextmanager
def num_threads(n):
    """Run a block with ``n`` Numba threads, restoring the previous count.

    Skips the test when this process cannot run ``n`` threads (NUMBA_NUM_THREADS
    is lower), rather than clamping the count and passing vacuously. To compare
    thread counts, use :func:`outputs_per_thread_count`, which does not depend
    on the machine.
    """
    if n > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"needs {n} Numba threads, NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}")
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


DIGEST = """
import hashlib
import numpy as np

def digest(*arrays):
    \"\"\"Print one line: a hash of the arrays' dtypes, shapes and bytes.\"\"\"
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    print(h.hexdigest())
"""


def outputs_per_thread_count(code, counts=(1, 2)):
    """Run ``code`` in a fresh interpreter with each ``NUMBA_NUM_THREADS``; return the outputs.

    The code prints what is compared, for instance with ``digest(*arrays)``
    (defined for it, as is ``from conftest import ...``). Each run checks
    that Numba does run that many threads, so the comparison never passes
    vacuously, whatever the machine's core count.
    """
    outputs = []
    for n in counts:
        check = f"import numba\nassert numba.get_num_threads() == {n}, numba.get_num_threads()\n"
        proc = run_python(check + DIGEST + textwrap.dedent(code), {"NUMBA_NUM_THREADS": str(n)})
        assert proc.returncode == 0, proc.stderr[-3000:]
        outputs.append(proc.stdout.split())
    return outputs


def run_python(code, env=None, timeout=600):
    """Run ``code`` in a fresh interpreter (the repository's classicseg, ``conftest``
    importable) with extra environment variables ``env``; return the completed process."""
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    full_env = {**os.environ, "PYTHONPATH": path, **(env or {})}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full_env, cwd=TESTS.parent, timeout=timeout)


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
