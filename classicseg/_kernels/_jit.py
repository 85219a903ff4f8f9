"""The one place that decides how every kernel is compiled (and launched)."""

import contextlib
import functools
import sys
import threading

import numba
import numpy as np
from numba.core import event

# Fast-math flags that keep NaN/inf checks working (no ``nnan``/``ninf``) and
# keep results independent of the thread count (no ``reassoc``: re-associated
# sums would depend on how the loop was split).
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn"})


class _CompileNotice(event.Listener):
    """Say once per process, on stderr, that kernels are being compiled.

    Numba fires ``numba:compile`` only on a cache miss (a load from the disk
    cache fires nothing), so the first run after an install or an upgrade
    explains its wait, and every later one stays silent.
    """

    said = False

    def on_start(self, ev):
        module = getattr(ev.data["dispatcher"].py_func, "__module__", "") or ""
        if not self.said and module.startswith("classicseg"):
            type(self).said = True
            print("classicseg: compiling kernels, first run only (cached on disk afterwards)",
                  file=sys.stderr, flush=True)

    def on_end(self, ev):
        pass


event.register("numba:compile", _CompileNotice())


def kernel(fn=None, *, parallel=False, reassoc=False):
    """Compile ``fn`` with the project's options.

    ``cache=True`` keeps compile time off every process after the first,
    ``nogil=True`` lets user threads run kernels side by side, and
    ``error_model="numpy"`` drops the ZeroDivisionError checks from hot loops.
    Use ``parallel=True`` (with ``numba.prange``) only where it pays, and only
    over fixed-size chunks reduced in a fixed order.

    ``reassoc=True`` lets LLVM re-associate floating-point sums so that it can
    vectorize reductions; only for serial kernels (no ``prange``), whose
    result then depends on the compiled code but not on the thread count.
    """

    def wrap(f):
        dispatcher = numba.njit(
            cache=True,
            nogil=True,
            error_model="numpy",
            fastmath=set(FASTMATH | {"reassoc"}) if reassoc else set(FASTMATH),
            parallel=parallel,
        )(f)
        return ParallelKernel(dispatcher) if parallel else dispatcher

    return wrap if fn is None else wrap(fn)


@kernel
def nowrap(i):
    """The index ``i`` (known to be >= 0) as unsigned, for hot loops.

    Numba wraps a negative signed index around: a compare and an add at
    every access that LLVM cannot prove non-negative (indices read from
    arrays, counters). An unsigned index skips them; in the region graph's
    row pass that is 40% of the time. Only for indices that cannot be
    negative: there is no bounds check either way.
    """
    return np.uint64(i)


# Parallel kernels are called from user threads (``batch.segment_many`` runs one
# image per thread). Numba's thread-safe layers (TBB, OpenMP) take concurrent
# launches; its ``workqueue`` layer, the fallback where neither library is
# installed (and the layer a user may force with NUMBA_THREADING_LAYER), aborts
# the process on them. Numba's default priority already prefers TBB, then OpenMP
# (NUMBA_THREADING_LAYER_PRIORITY); on workqueue, launches are serialised by
# this lock. The layer is known only once Numba has started its threads, which
# happens at the first parallel call, never at import.
_LAUNCH_LOCK = threading.Lock()
_serialise_launches = None


def _must_serialise():
    """Whether the active threading layer needs parallel launches one at a time."""
    global _serialise_launches
    if _serialise_launches is None:
        from numba.np.ufunc import parallel as _parallel

        _parallel._launch_threads()
        _serialise_launches = numba.threading_layer() == "workqueue"
    return _serialise_launches


class ParallelKernel:
    """A ``parallel=True`` dispatcher, called from Python, that is safe from any thread.

    Calls go straight to the dispatcher on TBB and OpenMP, through a lock on
    ``workqueue``. Attributes (``py_func``, ``signatures`` ...) are the
    dispatcher's. Parallel kernels are called from Python only, never from
    another kernel.
    """

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        # (Under NUMBA_DISABLE_JIT=1 the "dispatcher" is the Python function.)
        functools.update_wrapper(self, getattr(dispatcher, "py_func", dispatcher))

    def __call__(self, *args):
        if _must_serialise():
            with _LAUNCH_LOCK:
                return self.dispatcher(*args)
        return self.dispatcher(*args)

    def __getattr__(self, name):
        return getattr(self.dispatcher, name)


@contextlib.contextmanager
def few_threads_for(n_chunks, chunks_per_thread=32):
    """Run small parallel work on fewer threads.

    Waking a thread costs more than a few chunks of work, and far more on a
    loaded machine, where a parallel region waits for every thread to get a
    time slice. Results do not depend on the thread count, so this changes
    only speed.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(previous, n_chunks // chunks_per_thread)))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
