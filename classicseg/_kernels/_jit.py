"""The one place that decides how every kernel is compiled."""

import contextlib
import sys

import numba
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
        return numba.njit(
            cache=True,
            nogil=True,
            error_model="numpy",
            fastmath=set(FASTMATH | {"reassoc"}) if reassoc else set(FASTMATH),
            parallel=parallel,
        )(f)

    return wrap if fn is None else wrap(fn)


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
