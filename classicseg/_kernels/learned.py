"""Kernels of the learned-segmentation adapter (resampling, softmax, cross-entropy).

Arrays and scalars in, arrays out. Every output element is computed by the
same sequence of operations whatever the number of threads: the parallel
loops split work into fixed tasks that never share an output element.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from ._jit import FASTMATH, kernel
from .layers import serial_sum

# Output rows per task of ``resample_planes``: small enough for two threads
# to share one plane, large enough that the source rows a task re-reads at
# its borders stay a small fraction of the work.
ROWS_PER_TASK = 32

# Pixels per task of ``softmax_planes`` and ``cross_entropy_pixels``: the
# classes of a task's pixels (21 x 4 KiB for float32) stay in the core's cache.
PIXELS_PER_TASK = 1024


@intrinsic
def _float_from_bits(typingctx, bits):
    """The float32 (float64) whose bit pattern is the int32 (int64) `bits`: a reinterpretation, no instruction."""
    if not isinstance(bits, types.Integer) or bits.bitwidth not in (32, 64):
        return None
    float_type = types.float32 if bits.bitwidth == 32 else types.float64

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(float_type))

    return float_type(bits), codegen


# exp(r) = sum r**n / n! for |r| <= ln(2) / 2. Through n = 13 the remainder is
# below 1e-17, under half an ulp of a float64; through n = 7 below 6e-9, under
# a tenth of an ulp of a float32.
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14))
_EXP_TAYLOR_32 = tuple(np.float32(c) for c in _EXP_TAYLOR[:8])
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # fdlibm's e_exp.c
_LN2_HI_32, _LN2_LO_32 = np.float32(0.693145751953125), np.float32(1.428606765330187e-06)  # e_expf.c


def exp_nonpositive(x):
    """``exp(x)`` for ``x <= 0`` in x's precision (NaN stays NaN), in a loop that vectorises.

    NumPy's ``exp`` is vectorised; a Numba loop calling ``np.exp`` calls
    libm once per element, several times slower. Cody & Waite's reduction
    ``x = k ln 2 + r`` with ``ln 2`` in two parts (fdlibm's ``e_exp.c``,
    ``e_expf.c``), the Taylor polynomial of ``exp(r)``, and ``2**k`` built
    from its bits: within 2 ulp. Where the result would be subnormal (below
    1e-307, or 1e-38 for float32) it returns 0. For kernels only.
    """
    return math.exp(x)


@overload(exp_nonpositive, jit_options={"fastmath": set(FASTMATH)})
def _exp_nonpositive_overload(x):
    if x == types.float32:
        return _exp_nonpositive_32
    return _exp_nonpositive_64


def _exp_nonpositive_64(x):
    y = x if x >= -708.0 else -708.0  # also for NaN: no NaN reaches the int conversion
    k = np.floor(y * 1.4426950408889634 + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    poly = _EXP_TAYLOR[13]
    for n in range(12, -1, -1):
        poly = poly * r + _EXP_TAYLOR[n]
    scale = _float_from_bits((np.int64(k) + 1023) << 52)
    return x if x != x else (poly * scale if x >= -708.0 else 0.0)


def _exp_nonpositive_32(x):
    low = np.float32(-87.0)
    y = x if x >= low else low
    k = np.floor(y * np.float32(1.442695) + np.float32(0.5))
    r = (y - k * _LN2_HI_32) - k * _LN2_LO_32
    poly = _EXP_TAYLOR_32[7]
    for n in range(6, -1, -1):
        poly = poly * r + _EXP_TAYLOR_32[n]
    scale = _float_from_bits(np.int32((np.int32(k) + 127) << 23))  # (Numba widens int32 sums)
    return x if x != x else (poly * scale if x >= low else np.float32(0))


@kernel(parallel=True)
def softmax_planes(z, out):
    """Softmax over axis 1 of ``z`` (B, C, P), written to ``out`` (same shape, C-contiguous).

    Tasks are fixed ranges of ``PIXELS_PER_TASK`` flattened (b, p) pixels
    (cut where b changes), so short pixel axes still make few tasks. Per
    pixel: ``exp(z - max)`` over the classes and its sum (``_exp_sums``),
    then the exponentials times the sum's reciprocal.
    """
    n_b, n_c, n_p = z.shape
    n_total = n_b * n_p
    n_tasks = (n_total + PIXELS_PER_TASK - 1) // PIXELS_PER_TASK
    for task in numba.prange(n_tasks):
        top = np.empty(PIXELS_PER_TASK, dtype=z.dtype)
        total = np.empty(PIXELS_PER_TASK)
        q, q1 = task * PIXELS_PER_TASK, min((task + 1) * PIXELS_PER_TASK, n_total)
        while q < q1:
            b, p0 = q // n_p, q % n_p
            p1 = min(n_p, p0 + q1 - q)
            _exp_sums(z[b], p0, p1, top, total, out[b])
            for j in range(p1 - p0):
                total[j] = 1.0 / total[j]
            for c in range(n_c):
                dst = out[b, c, p0:p1]
                for j in range(p1 - p0):
                    dst[j] = dst[j] * total[j]
            q += p1 - p0


@kernel(parallel=True)
def cross_entropy_pixels(x, target, ignore_index, use_ignore, loss, kept):
    """Per-pixel ``log(sum_c exp(x_c)) - x_target``; return the count of targets out of range.

    Parameters
    ----------
    x : (N, C, P) float array of logits
    target : (N, P) int64 array of class ids
    ignore_index : int, target value skipped if ``use_ignore``
    use_ignore : bool
    loss : (N, P) array of x's dtype, written in full (0 where not kept)
    kept : (N, P) bool array, whether the pixel counts

    Log-sum-exp with the maximum subtracted, summed in float64 over the
    classes in order; tasks as in ``softmax_planes``. Out-of-range targets
    are counted per task and summed in task order.
    """
    n_b, n_c, n_p = x.shape
    n_total = n_b * n_p
    n_tasks = (n_total + PIXELS_PER_TASK - 1) // PIXELS_PER_TASK
    bad = np.empty(n_tasks, dtype=np.int64)  # (np.zeros would be a parallel region of its own)
    for task in numba.prange(n_tasks):
        bad[task] = 0
        top = np.empty(PIXELS_PER_TASK, dtype=x.dtype)
        total = np.empty(PIXELS_PER_TASK)
        no_exps = np.empty((0, 0), dtype=x.dtype)
        q, q1 = task * PIXELS_PER_TASK, min((task + 1) * PIXELS_PER_TASK, n_total)
        while q < q1:
            b, p0 = q // n_p, q % n_p
            p1 = min(n_p, p0 + q1 - q)
            _exp_sums(x[b], p0, p1, top, total, no_exps)
            for j in range(p1 - p0):
                t = target[b, p0 + j]
                keep = not (use_ignore and t == ignore_index)
                if keep and (t < 0 or t >= n_c):
                    bad[task] += 1
                    keep = False
                kept[b, p0 + j] = keep
                loss[b, p0 + j] = top[j] + np.log(total[j]) - x[b, t, p0 + j] if keep else 0
            q += p1 - p0
    return serial_sum(bad)


@kernel
def _exp_sums(z, p0, p1, top, total, exps):
    """Maximum over the classes and sum of the shifted exponentials, for pixels ``p0 .. p1-1``.

    ``top[j] = max_c z[c, p0 + j]`` (NaN if any is NaN, ``np.max``'s rule)
    and ``total[j] = sum_c exp(z[c, p0 + j] - top[j])``, the exponentials in
    z's precision, summed in float64 with the classes in order. They also
    go to ``exps[c, p0 + j]`` unless `exps` is empty.
    """
    m = p1 - p0
    src = z[0, p0:p1]
    for j in range(m):
        top[j] = src[j]
    for c in range(1, z.shape[0]):
        src = z[c, p0:p1]
        for j in range(m):
            v, t = src[j], top[j]
            top[j] = v if (v > t or v != v) else t
    total[:m] = 0
    for c in range(z.shape[0]):
        src = z[c, p0:p1]
        if exps.shape[0]:
            dst = exps[c, p0:p1]
            for j in range(m):
                e = exp_nonpositive(src[j] - top[j])
                dst[j] = e
                total[j] += e
        else:
            for j in range(m):
                total[j] += exp_nonpositive(src[j] - top[j])


@kernel(parallel=True)
def resample_planes(x, row_index, row_weight, col_index, col_weight, out):
    """Separable resampling of a stack of planes.

    ``out[p, i, j] = sum_s row_weight[s, i] * sum_t col_weight[t, j] *
    x[p, row_index[s, i], col_index[t, j]]``, summed in PyTorch's order
    (``upsample_generic_Nd_kernel_impl``: along the width first, taps in
    order).

    Parameters
    ----------
    x : (P, H, W) float32 or float64 C-contiguous array
    row_index : (S, H_out) int64 C-contiguous array, values in ``[0, H)``
    row_weight : (S, H_out) C-contiguous array of x's dtype
    col_index : (T, W_out) int64 C-contiguous array, values in ``[0, W)``
    col_weight : (T, W_out) C-contiguous array of x's dtype
    out : (P, H_out, W_out) C-contiguous array of x's dtype, written in full

    Tasks are (plane, block of ``ROWS_PER_TASK`` output rows) pairs.
    """
    n_planes = x.shape[0]
    h_out = row_index.shape[1]
    tasks_per_plane = (h_out + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in numba.prange(n_planes * tasks_per_plane):
        p = task // tasks_per_plane
        r0 = (task % tasks_per_plane) * ROWS_PER_TASK
        _resample_rows(
            x[p],
            row_index,
            row_weight,
            col_index,
            col_weight,
            r0,
            min(r0 + ROWS_PER_TASK, h_out),
            out[p],
        )


@kernel
def _resample_rows(x, row_index, row_weight, col_index, col_weight, r0, r1, out):
    """Output rows ``r0 .. r1-1`` of one plane (see ``resample_planes``).

    The source rows these output rows read are first resampled along the
    width into a local buffer, then combined; tap-major maps keep every inner
    loop unit-stride over the output, which lets it vectorise.
    """
    n_row_taps = row_index.shape[0]
    if n_row_taps == 1:
        _resample_rows_one_tap(x, row_index[0], row_weight[0], col_index, col_weight, r0, r1, out)
        return
    lo = row_index[0, r0]
    hi = lo
    for s in range(n_row_taps):
        for i in range(r0, r1):
            lo = min(lo, row_index[s, i])
            hi = max(hi, row_index[s, i])
    needed = np.zeros(hi - lo + 1, dtype=np.bool_)
    for s in range(n_row_taps):
        for i in range(r0, r1):
            needed[row_index[s, i] - lo] = True
    rows = np.empty((hi - lo + 1, out.shape[1]), dtype=out.dtype)
    for r in range(hi - lo + 1):
        if needed[r]:
            _combine_gather(x[lo + r], col_index, col_weight, rows[r])
    for i in range(r0, r1):
        dst = out[i]
        w = row_weight[0, i]
        src = rows[row_index[0, i] - lo]
        for j in range(dst.shape[0]):
            dst[j] = w * src[j]
        for s in range(1, n_row_taps):
            w = row_weight[s, i]
            src = rows[row_index[s, i] - lo]
            for j in range(dst.shape[0]):
                dst[j] += w * src[j]


@kernel
def _resample_rows_one_tap(x, row_index, row_weight, col_index, col_weight, r0, r1, out):
    """``_resample_rows`` for one row tap (nearest modes): no buffer, repeated rows copied.

    An output row that reads the same source row with the same weight as
    the row before it is a copy of it (most rows when upsampling); the
    others are gathered straight into the output. Each element is
    ``row_weight * (column sum)`` as in the general path.
    """
    for i in range(r0, r1):
        dst = out[i]
        w = row_weight[i]
        if i > r0 and row_index[i] == row_index[i - 1] and w == row_weight[i - 1]:
            dst[:] = out[i - 1]
            continue
        _combine_gather(x[row_index[i]], col_index, col_weight, dst)
        if w != 1:
            for j in range(dst.shape[0]):
                dst[j] = w * dst[j]


@kernel
def _combine_gather(src, index, weight, dst):
    """``dst[j] = sum_t weight[t, j] * src[index[t, j]]``, taps in order."""
    idx, w = index[0], weight[0]
    for j in range(dst.shape[0]):
        dst[j] = w[j] * src[idx[j]]
    for t in range(1, index.shape[0]):
        idx, w = index[t], weight[t]
        for j in range(dst.shape[0]):
            dst[j] += w[j] * src[idx[j]]
