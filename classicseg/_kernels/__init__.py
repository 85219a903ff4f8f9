"""Numba kernels: arrays and scalars in, arrays out; never a Python object.

Every kernel is declared through :func:`classicseg._kernels._jit.kernel`, the
one place that decides compile options.  Compilation is lazy (no eager
signatures), so importing :mod:`classicseg` compiles nothing.
"""
