"""Kernels of the network layers (``classicseg._layers``): pooling, unpooling, transposed convolution.

Arrays and scalars in, arrays out. Parallel loops split work into fixed
tasks that never share an output element, so results do not depend on the
number of threads.
"""

import numba
import numpy as np

from ._jit import kernel

# Output rows per task of ``shuffle_phases``.
ROWS_PER_TASK = 32


@kernel
def max_pool_planes(x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out, indices):
    """Max pooling of a stack of planes with PyTorch's flat per-plane indices.

    Parameters
    ----------
    x : (P, H, W) float array
    kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w : int
    out : (P, H_out, W_out) array of x's dtype
    indices : (P, H_out, W_out) int64 array, ``h * W + w`` of each maximum

    Mirrors ``cpu_max_pool`` (ATen ``MaxPoolKernel.cpp``): the window is
    clipped to the plane, the running maximum starts at -inf with the index
    of the window's first valid element, a strictly larger value or a NaN
    replaces it (so the first of tied maxima wins, and the last NaN).
    """
    n_planes, h, w = x.shape
    h_out, w_out = out.shape[1], out.shape[2]
    for p in range(n_planes):
        for oh in range(h_out):
            h0 = oh * stride_h - pad_h
            h1 = min(h0 + kernel_h, h)
            h0 = max(h0, 0)
            for ow in range(w_out):
                w0 = ow * stride_w - pad_w
                w1 = min(w0 + kernel_w, w)
                w0 = max(w0, 0)
                best = -np.inf
                best_index = h0 * w + w0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        value = x[p, ih, iw]
                        if value > best or np.isnan(value):
                            best = value
                            best_index = ih * w + iw
                out[p, oh, ow] = best
                indices[p, oh, ow] = best_index


@kernel(parallel=True)
def max_unpool_planes(x, indices, out):
    """Scatter ``x[p, k]`` to ``out[p, indices[p, k]]``, zeros elsewhere; return the bad-index count.

    Parameters
    ----------
    x : (P, K) float array
    indices : (P, K) int64 array
    out : (P, M) array of x's dtype, written in full (the caller need not zero it)

    Each task zeroes its plane, then scatters in input order, so when two
    indices coincide the later value wins, as in ATen's ``cpu_max_unpool``.
    Zeroing here rather than with ``np.zeros`` spreads the first touch of
    the output's pages over the threads. Indices outside ``[0, M)`` are
    skipped and counted.
    """
    n_planes, n = x.shape
    size = out.shape[1]
    bad = np.zeros(n_planes, dtype=np.int64)
    for p in numba.prange(n_planes):
        dst = out[p]
        for m in range(size):
            dst[m] = 0
        src, idx = x[p], indices[p]
        for k in range(n):
            target = idx[k]
            if target < 0 or target >= size:
                bad[p] += 1
            else:
                dst[target] = src[k]
    return bad.sum()


@kernel(parallel=True)
def shuffle_phases(phases, bias, pad_h, pad_w, out):
    """Interleave the stride phases of a transposed convolution into its output, plus bias.

    Parameters
    ----------
    phases : (sH, sW, C, Qh, Qw) array
        ``phases[ry, rx, c, q, p]`` is the uncropped output at row ``q * sH +
        ry``, column ``p * sW + rx`` (C-contiguous in the last two axes).
    bias : (C,) array of out's dtype
    pad_h, pad_w : int
        Rows and columns cropped from the top and left (``padding``).
    out : (C, H_out, W_out) array, written in full; its rows contiguous

    ``out[c, oy, ox] = phases[fy % sH, fx % sW, c, fy // sH, fx // sW] +
    bias[c]`` with ``fy = oy + pad_h``, ``fx = ox + pad_w``. Tasks are
    (channel, block of rows) pairs, which never share an output element.
    """
    sh, sw, n_c = phases.shape[0], phases.shape[1], phases.shape[2]
    h_out, w_out = out.shape[1], out.shape[2]
    blocks = (h_out + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in numba.prange(n_c * blocks):
        c = task // blocks
        r0 = (task % blocks) * ROWS_PER_TASK
        b = bias[c]
        for oy in range(r0, min(r0 + ROWS_PER_TASK, h_out)):
            fy = oy + pad_h
            dst = out[c, oy]
            for rx in range(sw):
                src = phases[fy % sh, rx, c, fy // sh]
                first = (rx - pad_w) % sw  # the first column of phase rx
                p = (first + pad_w) // sw
                for ox in range(first, w_out, sw):
                    dst[ox] = src[p] + b
                    p += 1
