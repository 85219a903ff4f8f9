"""Upsampling operations of encoder-decoder networks, in NumPy.

The operations that learned segmentation models use to bring coarse feature
maps back to image resolution (Long et al., FCN, CVPR 2015; Noh et al.,
ICCV 2015; Badrinarayanan et al., SegNet, PAMI 2017),
with PyTorch's definitions, so that a network's output can be post-processed
or a layer checked without PyTorch:

- interpolation (:func:`interpolate`: nearest, nearest-exact, bilinear,
  bicubic) and unpooling (:func:`bed_of_nails`, :func:`max_pool2d` with
  indices, :func:`max_unpool2d`);
- transposed convolution (:func:`conv_transpose2d`, :func:`conv_transpose1d`,
  :func:`conv_transpose2d_output_size`);
- the network's head: :func:`softmax`, :func:`logits_to_labels` and the
  per-pixel :func:`cross_entropy` loss.

Arrays are channel-first, as networks emit them: ``(N, C, H, W)`` or an
unbatched ``(C, H, W)`` (``(N, C, L)`` or ``(C, L)`` in 1-D). Unlike PyTorch,
a 3-D array here is always one unbatched image, never a batch of 1-D
signals. float32 and float64 are kept; float16 becomes float32 and integers
become float64. Inputs are never modified.
"""

import math
import numbers

import numpy as np

from ._kernels import learned as _kernels
from ._layers import (
    _as_planes,
    _float_array,
    _int_tuple,
    _plane_stack,
    _unstack,
    bed_of_nails,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose2d_output_size,
    max_pool2d,
    max_unpool2d,
)
from ._validate import check_int

__all__ = [
    "interpolate",
    "bed_of_nails",
    "max_pool2d",
    "max_unpool2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose2d_output_size",
    "softmax",
    "logits_to_labels",
    "cross_entropy",
]

INTERPOLATION_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")

# PyTorch's bicubic kernel parameter (Keys' a; ATen UpSample.h), as OpenCV uses.
_CUBIC_A = -0.75


# ------------------------------------------------------------ interpolation


def _source_map(n_in, n_out, scale_factor, mode, align_corners, dtype):
    """Source indices and weights along one axis, as PyTorch's CPU kernels compute them.

    Returns ``index`` (taps, n_out) int64 and ``weight`` (taps, n_out) of
    ``dtype``, tap-major as the kernel reads them; output element ``i`` is
    ``sum_t weight[t, i] * x[index[t, i]]``.

    PyTorch maps output coordinate ``i`` to the source with ``1 /
    scale_factor`` when a scale factor was given and with ``n_in / n_out``
    when a size was (ATen ``area_pixel_compute_scale``), so ``scale_factor=1.5``
    on 5 pixels (7 out) does not sample like ``size=7``. Linear and cubic
    coordinates are computed in the data's precision (``opmath_t``); nearest
    ones always in float32, with two shortcuts (equal sizes copy, doubled
    sizes take ``i >> 1``) that ``nearest-exact`` lacks (ATen ``nearest_idx``,
    ``nearest_neighbor_exact_compute_source_index``). Reproducing that
    arithmetic is what makes nearest indices equal at rounding boundaries.
    """
    dst = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        f32 = np.float32
        scale = f32(1.0 / scale_factor) if scale_factor else f32(n_in) / f32(n_out)
        if mode == "nearest-exact":
            # (i + 0.5) * scale is evaluated in double, then floorf rounds it to float.
            src = np.floor(((dst + 0.5) * np.float64(scale)).astype(f32))
        elif n_out == n_in:
            src = dst
        elif n_out == 2 * n_in:
            src = dst >> 1
        else:
            src = np.floor(dst.astype(f32) * scale)
        index = np.minimum(src.astype(np.int64), n_in - 1)[np.newaxis]
        return index, np.ones((1, n_out), dtype=dtype)

    cast = dtype.type
    if mode == "bilinear" and n_out == n_in:
        # ATen compute_source_index_and_lambda copies when the sizes agree,
        # whatever the scale factor (e.g. 5 pixels with scale_factor=1.1).
        index = np.stack([dst, dst]).astype(np.int64)
        return index, np.stack([np.ones(n_out, dtype), np.zeros(n_out, dtype)])
    if align_corners:
        scale = cast(n_in - 1) / cast(n_out - 1) if n_out > 1 else cast(0)
        real = scale * dst.astype(dtype)
    else:
        scale = cast(1.0 / scale_factor) if scale_factor else cast(n_in) / cast(n_out)
        real = scale * (dst.astype(dtype) + cast(0.5)) - cast(0.5)
        if mode == "bilinear":
            # Linear modes clamp negative coordinates to the first pixel; cubic
            # ones keep them so that the four taps around the border stay apart.
            real = np.maximum(real, cast(0))
    # ATen guard_index_and_lambda: the index never passes the last pixel and
    # the fraction stays in [0, 1].
    base = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    t = np.clip(real - base.astype(dtype), cast(0), cast(1))
    if mode == "bilinear":
        index = np.stack([base, base + (base < n_in - 1)])
        return index, np.stack([cast(1) - t, t])
    # Bicubic convolution (Keys 1981) with a = -0.75 on the taps base-1 .. base+2,
    # border pixels repeated (ATen get_cubic_upsample_coefficients).
    a = cast(_CUBIC_A)

    def near(d):  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    weight = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])
    index = np.clip(base + np.arange(-1, 3)[:, np.newaxis], 0, n_in - 1)
    return index, weight.astype(dtype, copy=False)


def _check_mode(mode):
    if not isinstance(mode, str) or mode not in INTERPOLATION_MODES:
        raise ValueError(f"mode must be one of {INTERPOLATION_MODES}, got {mode!r}")


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize channel-first images as ``torch.nn.functional.interpolate`` does.

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) array
        Images, channel first.
    size : int or (int, int), optional
        Output ``(H_out, W_out)``; an int gives both. Exactly one of `size`
        and `scale_factor` is given.
    scale_factor : float or (float, float), optional
        Output size ``floor(H * scale_factor)``. As in PyTorch, output
        coordinates are then mapped back with ``1 / scale_factor`` (not with
        ``H / H_out``), so a non-integer scale samples slightly differently
        from the equivalent `size`.
    mode : {"nearest", "nearest-exact", "bilinear", "bicubic"}
        ``"nearest"`` copies pixel ``floor(i * scale)`` (PyTorch's legacy rule,
        OpenCV's INTER_NEAREST); ``"nearest-exact"`` pixel ``floor((i + 0.5) *
        scale)`` (Pillow, scikit-image); ``"bicubic"`` is Keys' cubic
        convolution with a = -0.75 and repeated border pixels, whose results
        may overshoot the input range.
    align_corners : bool, optional
        Bilinear and bicubic only (default False). True maps the corner pixel
        centres onto each other; False treats pixels as areas.

    Returns
    -------
    out : (N, C, H_out, W_out) or (C, H_out, W_out) ndarray
        float32 for float32 input, float64 otherwise.

    Raises
    ------
    ValueError
        If `x` is not 3-D or 4-D or is empty, `mode` is unknown, both or
        neither of `size` and `scale_factor` are given, a size or a scale
        factor is not positive or gives an empty output, or `align_corners`
        is set for a nearest mode.
    TypeError
        If `x` is not numeric, a size is not an integer, a scale factor not
        a number, or `align_corners` not a bool.

    Examples
    --------
    A 2 x 2 example, upsampled by two:

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    >>> interpolate(x, scale_factor=2, mode="bilinear")[0]
    array([[1.  , 1.25, 1.75, 2.  ],
           [1.5 , 1.75, 2.25, 2.5 ],
           [2.5 , 2.75, 3.25, 3.5 ],
           [3.  , 3.25, 3.75, 4.  ]])
    >>> interpolate(x, scale_factor=2, mode="bicubic")[0].round(2)
    array([[0.68, 1.02, 1.56, 1.89],
           [1.35, 1.68, 2.23, 2.56],
           [2.44, 2.77, 3.32, 3.65],
           [3.11, 3.44, 3.98, 4.32]])
    >>> interpolate(x, size=(2, 3), mode="nearest")[0]
    array([[1., 1., 2.],
           [3., 3., 4.]])
    """
    x4, batched = _as_planes(x, "x")
    _check_mode(mode)
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                f"align_corners can only be set for bilinear and bicubic, not mode={mode!r}"
            )
    elif align_corners is None:
        align_corners = False
    elif not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners must be a bool, got {align_corners!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError("give exactly one of size and scale_factor")
    in_size = x4.shape[2:]
    if size is not None:
        out_size = _int_tuple(size, "size", minimum=1)
        scales = (None, None)
    else:
        scales = _scale_pair(scale_factor)
        out_size = tuple(int(np.floor(n * s)) for n, s in zip(in_size, scales))
        if min(out_size) < 1:
            raise ValueError(
                f"scale_factor={scale_factor!r} gives the empty output size {out_size} "
                f"for input size {in_size}"
            )
    maps = [
        _source_map(n_in, n_out, scale, mode, align_corners, x4.dtype)
        for n_in, n_out, scale in zip(in_size, out_size, scales)
    ]
    planes = _plane_stack(x4)
    out = np.empty((planes.shape[0], *out_size), dtype=x4.dtype)
    _kernels.resample_planes(planes, *maps[0], *maps[1], out)
    return _unstack(out, x4, batched)


def _scale_pair(scale_factor):
    """Return a number or a pair of numbers as two positive finite floats."""
    values = (scale_factor,) * 2 if np.ndim(scale_factor) == 0 else tuple(scale_factor)
    if len(values) != 2:
        raise ValueError(f"scale_factor must be a number or a pair, got {scale_factor!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"scale_factor must be a real number or a pair, got {scale_factor!r}")
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"scale_factor must be positive and finite, got {scale_factor!r}")
    return tuple(float(v) for v in values)


# ----------------------------------------------------------- network head


def softmax(logits, axis=1):
    """Class probabilities from logits, ``exp(z) / sum(exp(z))`` along `axis`.

    Numerically stable: the maximum along `axis` is subtracted first, so
    large logits do not overflow.

    Parameters
    ----------
    logits : array
        Any shape; float32 stays float32, other types become float64.
    axis : int, optional
        The class axis; 1 for ``(N, C, H, W)``. Pass ``axis=0`` for an
        unbatched ``(C, H, W)`` array.

    Returns
    -------
    probabilities : ndarray of `logits`' shape, summing to 1 along `axis`

    Raises
    ------
    ValueError
        If `axis` is out of range or `logits` is empty.
    TypeError
        If `logits` is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1000.0, 1000.0, -np.inf]]))
    array([[0.5, 0.5, 0. ]])
    """
    z = _float_array(logits, "logits")
    axis = check_int(axis, "axis")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis={axis} is out of range for logits of shape {z.shape}")
    axis %= z.ndim
    z3 = np.ascontiguousarray(z).reshape(
        math.prod(z.shape[:axis]), z.shape[axis], math.prod(z.shape[axis + 1 :])
    )
    out = np.empty(z3.shape, dtype=z.dtype)
    _kernels.softmax_planes(z3, out)
    return out.reshape(z.shape)


def logits_to_labels(logits, size=None, mode="bilinear", *, align_corners=None):
    """Per-pixel class labels from a network's logits: upsample, then argmax.

    Parameters
    ----------
    logits : (N, C, h, w) or (C, h, w) array
        Class scores (or probabilities) for C classes, channel first.
    size : int or (int, int), optional
        Output ``(H, W)``, usually the input image's; None keeps ``(h, w)``.
    mode : {"bilinear", "bicubic", "nearest", "nearest-exact"}, optional
        Interpolation of the logits, see :func:`interpolate`.
    align_corners : bool, optional
        Passed to :func:`interpolate` for bilinear and bicubic.

    Returns
    -------
    labels : (N, H, W) or (H, W) ndarray of np.intp
        Class ids ``0 .. C-1`` (the first class on ties), PyTorch's
        ``interpolate(...).argmax(1)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`interpolate`.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[[2.0, 0.0]], [[0.0, 2.0]]])  # 2 classes, 1 x 2 pixels
    >>> logits_to_labels(logits, size=(1, 4))
    array([[0, 0, 1, 1]])
    """
    x4, batched = _as_planes(logits, "logits")
    _check_mode(mode)  # also when there is nothing to resample
    if size is not None:
        x4 = interpolate(x4, size=size, mode=mode, align_corners=align_corners)
    labels = x4.argmax(axis=1).astype(np.intp, copy=False)
    return labels if batched else labels[0]


def cross_entropy(logits, target, ignore_index=None, reduction="mean"):
    """Per-pixel cross-entropy loss of logits against class labels.

    ``loss = log(sum_c exp(z_c)) - z_target`` at every pixel (the per-pixel
    loss of Long et al., CVPR 2015; PyTorch's ``cross_entropy`` without weights or label
    smoothing), evaluated through log-sum-exp with the maximum subtracted so
    that large logits neither overflow nor lose precision.

    Parameters
    ----------
    logits : (N, C, H, W) or (C, H, W) array
    target : (N, H, W) or (H, W) ndarray of int
        Class ids in ``0 .. C-1``, or `ignore_index`.
    ignore_index : int, optional
        Target value whose pixels add nothing and are not counted in the mean
        (PyTorch's default is -100; here nothing is ignored by default).
    reduction : {"mean", "sum", "none"}, optional
        Mean over the counted pixels (NaN if none), sum, or the per-pixel
        loss (0 at ignored pixels).

    Returns
    -------
    loss : float, or ndarray of `target`'s shape for ``reduction="none"``
        In the precision of `logits`.

    Raises
    ------
    ValueError
        If the shapes disagree, a target is outside ``0 .. C-1`` and not
        `ignore_index`, or `reduction` is unknown.
    TypeError
        If `target` is not an integer array.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.zeros((2, 1, 2))  # two classes, equally likely everywhere
    >>> float(cross_entropy(logits, np.array([[0, 1]])))  # log 2
    0.6931471805599453
    """
    x4, batched = _as_planes(logits, "logits")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"target must be an integer array of class ids, got dtype {target.dtype}")
    expected = np.shape(logits)[:-3] + np.shape(logits)[-2:]
    if target.shape != expected:
        raise ValueError(
            f"target must have shape {expected} for logits of shape {np.shape(logits)}, got {target.shape}"
        )
    target4 = target if batched else target[np.newaxis]
    n, n_classes = x4.shape[:2]
    use_ignore = ignore_index is not None
    ignore = check_int(ignore_index, "ignore_index") if use_ignore else 0
    loss = np.empty(target4.shape, dtype=x4.dtype)
    kept = np.empty(target4.shape, dtype=bool)
    if _kernels.cross_entropy_pixels(
        np.ascontiguousarray(x4).reshape(n, n_classes, -1), target4.reshape(n, -1).astype(np.int64),
        ignore, use_ignore, loss.reshape(n, -1), kept.reshape(n, -1),
    ):
        bad = (target4 < 0) | (target4 >= n_classes)
        raise ValueError(
            f"target must hold class ids in [0, {n_classes}) or ignore_index={ignore_index}, "
            f"found {target4[bad & ~(use_ignore & (target4 == ignore))][0]}"
        )
    if reduction == "none":
        return loss if batched else loss[0]
    total = loss.sum(dtype=x4.dtype)
    if reduction == "sum":
        return total
    count = np.count_nonzero(kept)
    return total / x4.dtype.type(count) if count else x4.dtype.type(np.nan)
