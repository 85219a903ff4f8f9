"""How kernels are compiled: a notice on a cache miss, silence on a cache hit."""

import os
import subprocess
import sys

CALL_ONE_KERNEL = """
import numpy as np
from classicseg._kernels.regions import merge_small
merge_small(np.array([0]), np.array([1]), np.array([1, 5]), 2)
"""


def _run(cache_dir):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    done = subprocess.run([sys.executable, "-c", CALL_ONE_KERNEL], env=env,
                          capture_output=True, text=True, check=True)
    return done.stderr


def test_compiling_says_so_once_and_a_cached_run_is_silent(tmp_path):
    first = _run(tmp_path)
    assert first.count("compiling kernels, first run only") == 1
    assert "compiling" not in _run(tmp_path)


def test_importing_classicseg_compiles_nothing(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    code = "import classicseg; classicseg.kmeans_segment; classicseg.meanshift_segment"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert "compiling" not in done.stderr
    assert not list(tmp_path.rglob("*.nbi"))
