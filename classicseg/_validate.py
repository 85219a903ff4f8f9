"""Input checks and coercion shared by every public entry point.

Every check names the argument it rejects and what was expected, so that a
user reading the message knows which argument to fix.  Nothing here modifies
its input: arrays that need a new dtype or layout are copied.
"""

import numbers
import operator
import os
import warnings

import numpy as np

# More channels than RGBA: more likely a volume given with the default
# channel_axis=-1 than a colour image (prepare_image warns).
MAX_COLOUR_CHANNELS = 4


class ConvergenceWarning(UserWarning):
    """An algorithm found fewer clusters than asked for, or did not converge."""


class MemoryLimitError(MemoryError, ValueError):
    """Work refused before allocating: it would not fit in the memory at hand.

    A ``MemoryError`` (what it is) and a ``ValueError`` (the input, as given,
    cannot be served), so that either ``except`` catches it.
    """


def available_memory():
    """Bytes of memory this process can still allocate without swapping.

    Read from the operating system at each call (``MemAvailable`` of
    ``/proc/meminfo`` on Linux, free physical pages elsewhere), so that a
    limit follows the machine and its load rather than a fixed constant.
    The environment variable ``CLASSICSEG_MEMORY_LIMIT`` (bytes) overrides
    it, for a shared machine or a test that forces a refusal.
    """
    override = os.environ.get("CLASSICSEG_MEMORY_LIMIT")
    if override:
        return int(float(override))
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 * 1024**3  # no way to ask: assume a small machine


# Share of the available memory one call may plan to use: room is left for
# the caller's own arrays, the output and the allocator's slack.
MEMORY_FRACTION = 0.5


def check_memory(n_bytes, what, remedy):
    """Refuse, before allocating, work that needs more than the memory at hand.

    ``what`` names the work ("mean shift's grid and neighbour tables") and
    ``remedy`` tells the user what to change ("use bin_seeding=True"); both
    go into the :class:`MemoryLimitError`'s message with the two sizes.
    """
    limit = MEMORY_FRACTION * available_memory()
    if n_bytes > limit:
        raise MemoryLimitError(
            f"{what} would need about {n_bytes / 1024**3:.2f} GiB, more than the "
            f"{limit / 1024**3:.2f} GiB this call may use (half the memory available "
            f"now; set CLASSICSEG_MEMORY_LIMIT to change it); {remedy}"
        )


def graph_budget(cap, copies):
    """Bytes one piece of work may take: ``cap``, or less when ``copies`` of it would
    not fit in the share of the memory available now that :func:`check_memory` allows.

    For work that can take a coarser path (a downsampled graph, stripes)
    rather than be refused.
    """
    return min(int(cap), int(MEMORY_FRACTION * available_memory() / copies))


def check_rng(rng):
    """Return a :class:`numpy.random.Generator` from ``None``, an int or a Generator."""
    if rng is None or isinstance(rng, (numbers.Integral, np.random.Generator, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
            raise ValueError(f"rng must be a non-negative seed, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
    )


def check_int(value, name, *, minimum=None, maximum=None):
    """Return ``value`` as a Python int within ``[minimum, maximum]``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(value, name, *, positive=False, nonnegative=False):
    """Return ``value`` as a finite Python float, optionally > 0 or >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_start_label(start_label):
    if isinstance(start_label, bool) or start_label not in (0, 1):
        raise ValueError(f"start_label must be 0 or 1, got {start_label!r}")
    return int(start_label)


def native(x):
    """``x`` in the machine's byte order (a copy only when it is not).

    Numba kernels take native arrays only; readers of some file formats
    return big-endian ones (``>i4``).
    """
    return x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))


def check_array(x, name, *, ndim=None, dtype_kind="biuf"):
    """Return ``x`` as a native-order ndarray, checking its number of dimensions and dtype kind."""
    x = np.asarray(x)
    if x.dtype.kind not in dtype_kind:
        raise TypeError(f"{name} must be a numeric array, got dtype {x.dtype}")
    if ndim is not None and x.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape})")
    return native(x)


def check_labels(labels, name, *, ndim=None, shape=None, shape_of=None):
    """Return a non-empty integer (or bool) label array in native byte order.

    ``ndim`` (an int or a tuple of ints) and ``shape`` are checked when given;
    ``shape_of`` names the array whose shape ``labels`` must have, for the
    message.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biu":
        raise TypeError(f"{name} must be an integer label array, got dtype {labels.dtype}")
    if ndim is not None and labels.ndim not in np.atleast_1d(ndim):
        dims = " or ".join(f"{d}-D" for d in np.atleast_1d(ndim))
        raise ValueError(f"{name} must be a {dims} label array, got shape {labels.shape}")
    if shape is not None and labels.shape != tuple(shape):
        raise ValueError(f"{name} must have the shape of {shape_of or 'the other labels'} "
                         f"{tuple(shape)}, got {labels.shape}")
    return check_array(labels, name)


def compact_labels(labels):
    """Sorted distinct values of ``labels`` and each element's index among them.

    Returns ``values`` (the labels' dtype; uint8 for bool) and ``ids``
    (``np.intp``, C order, ``values[ids]`` is the ravelled labels). A lookup
    table over the value range costs O(n) where a sort costs O(n log n), so
    it serves when the range is small; offsets are taken in int64 (or, for
    unsigned labels, from the minimum in their own dtype) so that neither
    int8 labels spanning more than 127 nor uint64 labels near 2**64 wrap.
    """
    x = labels.reshape(-1)
    if x.dtype.kind == "b":
        x = x.view(np.uint8)
    low = x.min()
    lo, hi = int(low), int(x.max())
    if hi - lo >= 4 * x.size + 1024:
        values, ids = np.unique(x, return_inverse=True)
        return values, ids.reshape(-1).astype(np.intp, copy=False)
    offset = (x - low).astype(np.intp) if x.dtype.kind == "u" else x.astype(np.intp) - lo
    present = np.zeros(hi - lo + 1, dtype=np.bool_)
    present[offset] = True
    steps = np.flatnonzero(present)
    values = steps.astype(x.dtype) + low if x.dtype.kind == "u" else (steps + lo).astype(x.dtype)
    return values, (np.cumsum(present) - 1)[offset]


def check_weights(sample_weight, n):
    """``sample_weight`` as (n,) float32 (None stays None): finite, >= 0, not all zero."""
    if sample_weight is None:
        return None
    w = check_array(sample_weight, "sample_weight", ndim=1)
    if w.shape[0] != n:
        raise ValueError(f"sample_weight must have {n} values, one per sample, got {w.shape[0]}")
    check_finite(w, "sample_weight")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if not (w > 0).any():
        raise ValueError("sample_weight must have at least one positive value")
    return w.astype(np.float32)


def check_finite(x, name, mask=None):
    """Raise if ``x`` has NaN or inf where ``mask`` (over its leading axes) is True."""
    if x.dtype.kind != "f":
        return
    bad = ~np.isfinite(x)
    if mask is not None:
        bad = bad[mask]
    if bad.any():
        where = " inside the mask" if mask is not None else ""
        raise ValueError(f"{name} contains NaN or infinite values{where}")


def prepare_image(image, channel_axis=-1, mask=None, *, name="image"):
    """Bring an image to channel-last layout and check it and its mask.

    Returns
    -------
    image : (*spatial, C) ndarray
        A view of the input with the channel axis last (C == 1 for grayscale).
    is_color : bool
        Whether the input had a channel axis.
    mask : (*spatial) bool ndarray or None
    """
    image = np.asarray(image)
    if image.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real-valued numeric array, got dtype {image.dtype}")
    if image.size == 0:
        raise ValueError(f"{name} is empty (shape {image.shape})")
    if channel_axis is None:
        if image.ndim not in (2, 3):
            raise ValueError(
                f"{name} must be 2-D or 3-D when channel_axis=None, got shape {image.shape}"
            )
        image = image[..., np.newaxis]
    else:
        channel_axis = check_int(channel_axis, "channel_axis")
        if image.ndim == 2:
            raise ValueError(
                f"{name} is 2-D but channel_axis={channel_axis}; "
                "use channel_axis=None for a grayscale image"
            )
        if image.ndim not in (3, 4):
            raise ValueError(
                f"{name} must be 3-D or 4-D with a channel axis, got shape {image.shape}"
            )
        if not -image.ndim <= channel_axis < image.ndim:
            raise ValueError(
                f"channel_axis={channel_axis} is out of range for {name} of shape {image.shape}"
            )
        image = np.moveaxis(image, channel_axis, -1)
        if image.shape[-1] > MAX_COLOUR_CHANNELS:
            warnings.warn(
                f"{name} has {image.shape[-1]} values along channel_axis={channel_axis}, more "
                f"than any colour model ({MAX_COLOUR_CHANNELS}); if it is a grayscale "
                "volume, pass channel_axis=None",
                UserWarning,
                stacklevel=3,
            )
    mask = prepare_mask(mask, image.shape[:-1])
    check_finite(image, name, mask)
    return image, channel_axis is not None, mask


def prepare_mask(mask, spatial_shape):
    """Return ``mask`` as a bool array of ``spatial_shape`` (or None)."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != bool:
        if mask.dtype.kind not in "iu" or not np.isin(mask, (0, 1)).all():
            raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
        mask = mask.astype(bool)
    if mask.shape != tuple(spatial_shape):
        raise ValueError(
            f"mask must have the image's spatial shape {tuple(spatial_shape)}, got {mask.shape}"
        )
    if not mask.any():
        raise ValueError("mask selects no pixel")
    return mask


def labels_to_image(labels, spatial_shape, mask, start_label):
    """Place 0-based cluster labels into an ``np.intp`` label image.

    Labels are shifted to begin at ``start_label``; pixels outside ``mask``
    get ``start_label - 1`` (0 for the default ``start_label=1``, which
    ``regionprops`` and ``label2rgb`` treat as background).
    """
    if mask is None:
        return np.add(labels.reshape(spatial_shape), start_label, dtype=np.intp)
    out = np.full(spatial_shape, start_label - 1, dtype=np.intp)
    out[mask] = labels + start_label
    return out
