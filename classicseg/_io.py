"""Reading images and writing label images for the command line and batch runs.

Files are read with scikit-image (imageio and, for TIFF, tifffile, both
dependencies of scikit-image); ``.npy`` files with NumPy. Every output is
written to a temporary file beside its destination and renamed into place, so
an interrupted or failed write never leaves a half-written file behind.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

# Suffixes taken when a folder is given; a file named explicitly is always tried.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".npy")
LABEL_FORMATS = ("png", "npy", "tif")
# A PNG label image is 16-bit: label ids must fit in it.
PNG_MAX_LABEL = np.iinfo(np.uint16).max


def find_images(paths):
    """Image files named by ``paths``: files as given, folders' images sorted by name.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        Files, or folders whose files with an image suffix (not recursive)
        are taken.

    Returns
    -------
    list of pathlib.Path
        In the order given, each folder's files sorted; no path twice.

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError
        ``paths`` is empty or a folder holds no image.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not inside:
                raise ValueError(f"paths: folder {str(path)!r} holds no image "
                                 f"({', '.join(IMAGE_SUFFIXES)})")
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"paths: {str(path)!r} does not exist")
    if not found:
        raise ValueError("paths: no image given")
    return list(dict.fromkeys(found))


def read_image(path):
    """Read an image file (``.npy`` with NumPy, anything else with scikit-image).

    Raises
    ------
    OSError
        The file cannot be read or decoded as an image; the message names it.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            image = np.load(path, allow_pickle=False)
        else:
            from skimage import io

            image = io.imread(path)
    except Exception as exc:  # decoders raise many types; the user needs the file name
        raise OSError(f"cannot read image {str(path)!r}: {exc}") from exc
    if image.dtype.kind not in "biuf" or image.size == 0:
        raise OSError(f"cannot read image {str(path)!r}: no numeric pixel data "
                      f"(dtype {image.dtype}, shape {image.shape})")
    return image


def check_output_dir(out_dir):
    """Create ``out_dir`` if needed and check that files can be written there.

    Raises
    ------
    OSError
        The folder cannot be created or written; the message names it.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as exc:
        raise OSError(f"output folder {str(out_dir)!r} cannot be written: {exc}") from exc
    return out_dir


def label_file_name(stem, fmt):
    """File name of a label image in format ``fmt`` (one of :data:`LABEL_FORMATS`)."""
    if fmt not in LABEL_FORMATS:
        raise ValueError(f"format must be one of {', '.join(LABEL_FORMATS)}, got {fmt!r}")
    return f"{stem}.{fmt}"


def write_labels(labels, path, fmt):
    """Write a label image: 16-bit PNG, ``.npy`` (np.intp kept) or TIFF.

    Raises
    ------
    ValueError
        Labels outside ``0 .. 65535`` for PNG, or an unknown format.
    """
    label_file_name("labels", fmt)
    labels = np.asarray(labels)
    if fmt == "png":
        if labels.ndim != 2:
            raise ValueError(f"format='png' needs a 2-D label image, got shape {labels.shape}; "
                             "use 'npy' or 'tif' for volumes")
        if labels.min() < 0 or labels.max() > PNG_MAX_LABEL:
            raise ValueError(f"labels must lie in 0..{PNG_MAX_LABEL} for format='png'; "
                             "use 'npy' or 'tif'")
        labels = labels.astype(np.uint16)
    _write_atomic(path, lambda f: _encode(labels, f, fmt))


def write_overlay(image, labels, path):
    """Write ``image`` with the region boundaries of ``labels`` drawn in yellow, as PNG."""
    from skimage import img_as_ubyte
    from skimage.segmentation import mark_boundaries

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = image[..., :3]  # RGBA: boundaries are drawn on the colour
    if image.dtype.kind in "iu" and image.dtype != np.uint8:
        image = image.astype(np.float64) / np.iinfo(image.dtype).max
    elif image.dtype.kind == "f":
        image = np.clip(image, 0.0, 1.0)
    overlay = img_as_ubyte(mark_boundaries(image, labels, color=(1, 1, 0)))
    _write_atomic(path, lambda f: _encode(overlay, f, "png"))


def _encode(array, file, fmt):
    """Write ``array`` to the file named ``file`` (whatever its suffix) in format ``fmt``."""
    if fmt == "npy":
        with open(file, "wb") as f:  # np.save on a name would append ".npy"
            np.save(f, array, allow_pickle=False)
    elif fmt == "tif":
        import tifffile

        tifffile.imwrite(file, array)
    else:
        import imageio.v3 as iio

        iio.imwrite(file, array, extension=".png")


def _write_atomic(path, write):
    """Run ``write(name)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 is for the temporary name only
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
