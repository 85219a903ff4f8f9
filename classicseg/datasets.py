"""Loaders for segmentation benchmarks in their original layout.

The data is not shipped with classicseg: point the loader at a copy of it.
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.io
from skimage import io as skio

BSDS500_SPLITS = ("train", "val", "test")


class BSDSImage(NamedTuple):
    """One BSDS500 image with its human segmentations (unpacks as a 3-tuple)."""

    id: str
    image: np.ndarray
    gts: list


class BSDSBoundaryImage(NamedTuple):
    """One BSDS500 image with its human segmentations and boundaries (a 4-tuple)."""

    id: str
    image: np.ndarray
    gts: list
    boundaries: list


def load_bsds500(root, split="val", *, ids=None, boundaries=False):
    """Iterate over the images of a BSDS500 split and their human segmentations.

    Reads the original layout of the Berkeley Segmentation Data Set 500
    (Arbelaez et al., TPAMI 2011)::

        root/images/<split>/<id>.jpg
        root/groundTruth/<split>/<id>.mat   # cell groundTruth{k}.Segmentation

    Parameters
    ----------
    root : str or path-like
        Folder holding ``images/`` and ``groundTruth/``.
    split : {"train", "val", "test"}, optional
        Which split to read.
    ids : iterable of str, optional
        Only these image ids, in this order; default every image of the split,
        sorted by id.
    boundaries : bool, optional
        Also give the annotators' boundary maps (the ``Boundaries`` field),
        as the boundary benchmark takes them.

    Yields
    ------
    BSDSImage
        ``(id, image, gts)``: the image id (file stem), the ``(M, N, 3)`` uint8
        RGB image and a list of one ``(M, N)`` ``np.intp`` label map per
        annotator (labels from 1; 0 would mark unlabelled pixels, which the
        region metrics skip).
    BSDSBoundaryImage
        With ``boundaries=True``: ``(id, image, gts, boundaries)``, the last
        a list of one ``(M, N)`` bool map per annotator.

    Raises
    ------
    ValueError
        ``split`` unknown, ``root`` without that split's folders, or an id in
        ``ids`` without its image or ground truth.

    Examples
    --------
    >>> images = load_bsds500("../shared/data/bsds500", "val")  # doctest: +SKIP
    >>> image_id, image, gts = next(images)  # doctest: +SKIP
    >>> image_id, image.shape, len(gts), gts[0].shape  # doctest: +SKIP
    ('101085', (481, 321, 3), 5, (481, 321))
    """
    if split not in BSDS500_SPLITS:
        raise ValueError(f"split must be one of {BSDS500_SPLITS}, got {split!r}")
    root = Path(root)
    image_dir, truth_dir = root / "images" / split, root / "groundTruth" / split
    for folder in (image_dir, truth_dir):
        if not folder.is_dir():
            raise ValueError(f"root {str(root)!r} has no folder {folder.relative_to(root)}")
    if ids is None:
        ids = sorted(p.stem for p in image_dir.glob("*.jpg"))
    else:
        ids = [str(i) for i in ids]
        missing = [i for i in ids if not (image_dir / f"{i}.jpg").is_file()
                   or not (truth_dir / f"{i}.mat").is_file()]
        if missing:
            raise ValueError(f"ids {missing[:5]} have no image or ground truth in split {split!r}")
    return _iterate(image_dir, truth_dir, ids, bool(boundaries))


def _iterate(image_dir, truth_dir, ids, boundaries):
    # A separate generator, so that bad arguments raise at the call, not at
    # the first next().
    for image_id in ids:
        image = skio.imread(image_dir / f"{image_id}.jpg")
        path = truth_dir / f"{image_id}.mat"
        if boundaries:
            segs, bdrys = _annotator_fields(path, "Segmentation", "Boundaries")
            yield BSDSBoundaryImage(image_id, image, _label_maps(segs), _boundary_maps(bdrys))
        else:
            yield BSDSImage(image_id, image, read_bsds_ground_truth(path))


def _annotator_fields(path, *fields):
    """Per field, its value for every annotator of a ``groundTruth`` .mat file (read once)."""
    cells = scipy.io.loadmat(path, squeeze_me=False)["groundTruth"].ravel()
    return [[cell[field][0, 0] for cell in cells] for field in fields]


def _label_maps(segmentations):
    return [np.asarray(seg, dtype=np.intp) for seg in segmentations]


def _boundary_maps(boundaries):
    return [np.asarray(b).astype(bool) for b in boundaries]


def read_bsds_ground_truth(path):
    """The annotators' label maps from one BSDS500 ``groundTruth`` .mat file.

    Parameters
    ----------
    path : str or path-like
        A ``.mat`` file holding the cell array ``groundTruth`` whose entries
        have a ``Segmentation`` field.

    Returns
    -------
    gts : list of (M, N) intp ndarray
        One label map per annotator.
    """
    return _label_maps(*_annotator_fields(path, "Segmentation"))


def read_bsds_boundaries(path):
    """The annotators' boundary maps from one BSDS500 ``groundTruth`` .mat file.

    BSDS500 stores them beside the segmentations (field ``Boundaries``): the
    pixels that :func:`classicseg.metrics.boundaries` draws from each
    ``Segmentation``, thinned to one pixel width.

    Parameters
    ----------
    path : str or path-like
        A ``.mat`` file holding the cell array ``groundTruth`` whose entries
        have a ``Boundaries`` field.

    Returns
    -------
    boundaries : list of (M, N) bool ndarray
        One map per annotator.
    """
    return _boundary_maps(*_annotator_fields(path, "Boundaries"))
