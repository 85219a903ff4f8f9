"""One BLAS thread for a block of code, with or without threadpoolctl.

The Ncut solver's dense work is small (eigenproblems of a few hundred rows,
products of tall-thin blocks): BLAS threads cost more than they give there,
and a threaded BLAS sums in an order that depends on its thread count, so
its eigenvectors, and with them the labels, changed with it. threadpoolctl
(installed with scikit-learn) limits the threads when it is there; without
it, this module does the same by ctypes for the BLAS libraries loaded in the
process (OpenBLAS, including the ``scipy_openblas`` builds in NumPy's and
SciPy's wheels, MKL and BLIS), so that the results do not depend on whether
threadpoolctl is installed. Libraries it cannot reach are left as they are.
"""

import contextlib
import ctypes
import functools
import os
import re

# Loaded libraries whose file name matches are asked for these symbols:
# (setter, getter) pairs, as threadpoolctl knows them.
_LIBRARY_NAME = re.compile(r"^lib(scipy_)?openblas|^libmkl_rt|^libblis")
_SYMBOLS = [
    (f"{prefix}openblas_set_num_threads{suffix}", f"{prefix}openblas_get_num_threads{suffix}")
    for prefix in ("", "scipy_") for suffix in ("", "64_")
] + [("MKL_Set_Num_Threads", "MKL_Get_Max_Threads"),
     ("bli_thread_set_num_threads", "bli_thread_get_num_threads")]


def _loaded_libraries():
    """Paths of the shared libraries mapped into this process (Linux; empty elsewhere)."""
    try:
        with open("/proc/self/maps") as f:
            fields = (line.split(None, 5) for line in f)
            return sorted({parts[5].strip() for parts in fields if len(parts) == 6})
    except OSError:
        return []


@functools.lru_cache(maxsize=1)
def _thread_controls():
    """``(set, get)`` ctypes functions of every BLAS library loaded now (found once)."""
    controls = []
    for path in _loaded_libraries():
        if not _LIBRARY_NAME.match(os.path.basename(path)):
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for setter, getter in _SYMBOLS:
            set_fn, get_fn = getattr(lib, setter, None), getattr(lib, getter, None)
            if set_fn is not None and get_fn is not None:
                set_fn.argtypes, set_fn.restype = [ctypes.c_int], None
                get_fn.argtypes, get_fn.restype = [], ctypes.c_int
                controls.append((set_fn, get_fn))
                break
    return tuple(controls)


@contextlib.contextmanager
def one_blas_thread():
    """Run the block with one BLAS thread in every library found; restore the counts after."""
    controls = _thread_controls()
    previous = [get_fn() for _, get_fn in controls]
    for set_fn, _ in controls:
        set_fn(1)
    try:
        yield
    finally:
        for (set_fn, _), count in zip(controls, previous):
            set_fn(count)

