"""Pixel feature spaces: every pixel becomes a point ``[c1..cC, x, y(, z)]``.

Units are shared by every algorithm, so that a window of 21 means 21 grey
levels and 21 pixels:

* colour channels in 8-bit levels: a value ``v`` becomes
  ``v * 255 / data_range`` (``data_range`` defaults to the dtype's maximum for
  integers and to 1.0 for floats; nothing is rescaled from the data itself);
* CIELAB in its own units (L from 0 to 100, a and b roughly -100 to 100);
* positions in pixels, times ``spacing`` per axis and ``spatial_scale``, in
  array-axis order (row, column[, plane]).
"""

import numpy as np
from skimage import color as skcolor

from ._validate import check_finite, check_float, check_memory, prepare_image

_COLOURS = ("rgb", "lab", "gray", "color")
FEATURE_SPACES = _COLOURS + tuple(c + "xy" for c in _COLOURS)


def pixel_features(image, features=None, *, spatial_scale=1.0, spacing=None,
                   data_range=None, channel_axis=-1, mask=None):
    """Feature vectors of the pixels of an image.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        2-D image or 3-D volume, grayscale or with a channel axis.
    features : str, callable or ndarray, optional
        A named space: ``"rgb"``, ``"lab"``, ``"gray"``, ``"color"`` (any
        number of channels), each optionally followed by ``"xy"`` for the
        pixel positions (``"rgbxy"``; ``"xyz"`` is accepted for volumes).
        ``None`` picks colour plus position for the image at hand (``"rgbxy"``
        for 3 channels, ``"grayxy"`` for grayscale, ``"colorxy"`` otherwise).
        A callable ``f(image)`` receives the channel-last image and returns an
        array of shape ``(M, N[, P][, d])``; an array of that shape is used as
        it is (depth, texture, motion, ...). Both are taken in their own units.
    spatial_scale : float, optional
        Factor on the positions: weight of space against colour.
    spacing : sequence of float, optional
        Pixel size along each spatial axis (default 1).
    data_range : float, optional
        Value of full intensity: the dtype's maximum for integers (255 for
        uint8, 65535 for uint16), 1.0 for floats. A 12-bit camera stored in
        uint16 wants ``data_range=4095``.
    channel_axis : int or None, optional
        Axis of the colour channels; None for a grayscale image or volume.
    mask : (M, N[, P]) bool ndarray, optional
        Only these pixels are returned, in row-major order.

    Returns
    -------
    X : (n_pixels, d) float32 ndarray
        One row per (masked-in) pixel. It is the transpose of a
        feature-major buffer (Fortran order), the layout the kernels read.

    Raises
    ------
    ValueError
        Unknown feature space, a space that does not fit the channels, NaN or
        inf pixels (inside the mask), wrong mask shape, bad sizes.
    TypeError
        Non-numeric image, or a feature argument of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((2, 3, 3), dtype=np.uint8); img[..., 0] = 255
    >>> X = pixel_features(img, "rgbxy")
    >>> X.shape
    (6, 5)
    >>> X[4].tolist()  # row 1, column 1
    [255.0, 0.0, 0.0, 1.0, 1.0]
    """
    img, is_color, mask = prepare_image(image, channel_axis, mask)
    return feature_stack(img, is_color, features, spatial_scale=spatial_scale,
                         spacing=spacing, data_range=data_range, mask=mask).T


def feature_space_name(features, n_channels, is_color, n_spatial):
    """Resolve ``features`` (str or None) to a ``(colour, with_position)`` pair."""
    if features is None:
        if not is_color:
            return "gray", True
        return ("rgb" if n_channels == 3 else "color"), True
    if not isinstance(features, str):
        raise TypeError(
            f"features must be a name, a callable or an array, got {type(features).__name__}"
        )
    name = features.lower()
    with_position = False
    for suffix in ("xyz", "xy"):
        if name.endswith(suffix) and name[: -len(suffix)] in _COLOURS:
            if suffix == "xyz" and n_spatial != 3:
                raise ValueError(f"features={features!r} needs a 3-D volume; use 'xy' for an image")
            name, with_position = name[: -len(suffix)], True
            break
    if name not in _COLOURS:
        raise ValueError(
            f"unknown features={features!r}; expected one of {', '.join(FEATURE_SPACES)}, "
            "a callable or an array"
        )
    if name in ("rgb", "lab") and n_channels != 3:
        raise ValueError(
            f"features={features!r} needs 3 colour channels, the image has {n_channels}"
            + ("; use channel_axis=-1 for a colour image" if not is_color else
               "; use 'color' for any number of channels")
        )
    if name == "gray" and n_channels not in (1, 3):
        raise ValueError(
            f"features={features!r} needs a grayscale or RGB image, the image has {n_channels} channels"
        )
    return name, with_position


def feature_stack(img, is_color, features=None, *, spatial_scale=1.0, spacing=None,
                  data_range=None, mask=None):
    """Feature-major pixel features of a prepared channel-last image.

    ``img`` comes from :func:`classicseg._validate.prepare_image`. Returns a
    C-contiguous ``(d, n_pixels)`` float32 array (masked-in pixels only).
    """
    spatial = img.shape[:-1]
    n_spatial = len(spatial)
    spatial_scale = check_float(spatial_scale, "spatial_scale", positive=True)
    spacing = _check_spacing(spacing, n_spatial)
    if features is not None and not isinstance(features, str):
        values = features(img if is_color else img[..., 0]) if callable(features) else features
        planes = _custom_planes(values, spatial, mask)
        with_position = False
    else:
        name, with_position = feature_space_name(features, img.shape[-1], is_color, n_spatial)
        planes = _colour_planes(img, name, _data_range(img.dtype, data_range))
    rows = list(planes)
    if with_position:
        rows += [np.broadcast_to(p, spatial)
                 for p in positions(np.indices(spatial, sparse=True), spacing, spatial_scale)]
    n = img[..., 0].size if mask is None else int(np.count_nonzero(mask))
    check_memory(len(rows) * n * 4, f"the {len(rows)} pixel features of {n} pixels",
                 "segment a downsampled image, a masked part, or use "
                 "classicseg.batch.kmeans_segment_blocks")
    out = np.empty((len(rows), n), dtype=np.float32)
    for i, row in enumerate(rows):
        if mask is None:
            out[i].reshape(spatial)[...] = row  # no flat copy of a broadcast position plane
        else:
            out[i] = row[mask]
    return out


def positions(index, spacing, spatial_scale):
    """Position features of pixels: index times ``spacing`` times ``spatial_scale``.

    ``index`` holds one integer array per spatial axis (a sparse grid from
    ``np.indices``, a block's grid offset by its place in the image, or the
    coordinates of sampled pixels). Computed in float32 as
    ``float32(index) * float32(step)``, the one formula every caller uses,
    so a pixel's position features are the same bits whichever way it is
    reached. Returns a list of float32 arrays, one per axis.
    """
    return [np.asarray(i).astype(np.float32) * np.float32(s * spatial_scale)
            for i, s in zip(index, spacing)]


def _data_range(dtype, data_range):
    if data_range is not None:
        return check_float(data_range, "data_range", positive=True)
    if dtype.kind == "b":
        return 1.0
    if dtype.kind in "iu":
        return float(np.iinfo(dtype).max)
    return 1.0


def _check_spacing(spacing, n_spatial):
    if spacing is None:
        return (1.0,) * n_spatial
    spacing = tuple(np.ravel(spacing).tolist()) if np.ndim(spacing) else (spacing,)
    if len(spacing) != n_spatial:
        raise ValueError(f"spacing must have {n_spatial} values, one per spatial axis, got {len(spacing)}")
    return tuple(check_float(s, "spacing", positive=True) for s in spacing)


def _colour_planes(img, name, data_range):
    """Colour planes of a channel-last image, each of the spatial shape."""
    if name == "lab":
        lab = skcolor.rgb2lab(img.astype(np.float64) / data_range, channel_axis=-1)
        return [lab[..., c].astype(np.float32) for c in range(3)]
    scale = np.float32(255.0 / data_range)
    if name == "gray" and img.shape[-1] == 3:
        gray = skcolor.rgb2gray(img.astype(np.float32), channel_axis=-1)
        return [gray * scale]
    return [np.multiply(img[..., c], scale, dtype=np.float32) for c in range(img.shape[-1])]


def _custom_planes(values, spatial, mask):
    """Planes of a user-given feature array of shape ``(*spatial[, d])``."""
    values = np.asarray(values)
    if values.dtype.kind not in "biuf":
        raise TypeError(f"features must be numeric, got dtype {values.dtype}")
    if values.shape == spatial:
        values = values[..., np.newaxis]
    if values.ndim != len(spatial) + 1 or values.shape[:-1] != spatial:
        raise ValueError(
            f"features array must have shape {spatial} or {spatial + ('d',)}, got {values.shape}"
        )
    if values.shape[-1] == 0:
        raise ValueError("features array has no feature (last axis of length 0)")
    check_finite(values, "features", mask)
    return [values[..., c].astype(np.float32) for c in range(values.shape[-1])]
