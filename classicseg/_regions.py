"""Post-passes on label images shared by the segmentation methods."""

import numpy as np

from ._kernels.regions import merge_small
from ._region_graph import graph_of_labels
from ._validate import check_array, check_finite, check_int, labels_to_image, prepare_mask
from .features import feature_space_name


def merge_small_regions(labels, image, min_size, *, connectivity=1, mask=None):
    """Merge connected regions smaller than ``min_size`` pixels into their most similar neighbour.

    A region is a connected set of pixels with the same label. Each region
    smaller than ``min_size`` joins the neighbouring region whose mean
    feature is nearest (Euclidean) to its own, and keeps joining while the
    merged group is still too small (the second pass of Felzenszwalb &
    Huttenlocher's segmentation, with edges weighted by the distance between
    the regions' mean features). A merged group takes the label of the
    region that absorbed the others, so every output label is one input
    label: its pixels are that label's regions plus the small regions merged
    into them. A small region with no neighbour (alone in the image or
    surrounded by the mask's outside) keeps its label: no two disconnected
    regions come to share a label that did not already (unlike
    scikit-image's ``enforce_connectivity``, issue #8295).

    Parameters
    ----------
    labels : (M, N[, P]) int ndarray
        Label image or volume (any integer values).
    image : (M, N[, P][, d]) ndarray
        Per-pixel values that decide which neighbour is most similar: the
        image itself (channel-last) or any feature stack, as the ``image``
        of :func:`classicseg.merge_hierarchy`.
    min_size : int
        Regions with fewer pixels are merged; 0 or 1 change nothing.
    connectivity : int
        Neighbourhood of a pixel, as in :func:`scipy.ndimage.generate_binary_structure`:
        1 (default) shares a face, ``labels.ndim`` also corners.
    mask : (M, N[, P]) bool ndarray, optional
        Pixels outside keep their label and neither merge nor absorb.

    Returns
    -------
    merged : (M, N[, P]) intp ndarray
        The merged label image; ``labels`` is not modified.

    Raises
    ------
    ValueError, TypeError
        Labels not 2-D or 3-D or not integer, an image of another shape or
        with NaN, negative ``min_size``, connectivity out of range, bad mask.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[1, 1, 1, 2, 2],
    ...                    [1, 3, 1, 2, 2],
    ...                    [4, 4, 4, 2, 2]])
    >>> img = np.array([[0, 0, 0, 9, 9],
    ...                 [0, 8, 0, 9, 9],
    ...                 [1, 1, 1, 9, 9]], dtype=float)
    >>> merge_small_regions(labels, img, 2).tolist()  # 3's colour is nearer 4's than 1's
    [[1, 1, 1, 2, 2], [1, 4, 1, 2, 2], [4, 4, 4, 2, 2]]
    """
    labels = check_array(labels, "labels", ndim=(2, 3), dtype_kind="biu")
    features = check_array(image, "image")
    if features.shape == labels.shape:
        features = features[..., np.newaxis]
    if features.ndim != labels.ndim + 1 or features.shape[:-1] != labels.shape:
        raise ValueError(f"image must have the shape of labels {labels.shape} or "
                         f"{labels.shape + ('d',)}, "
                         f"got {features.shape}")
    mask = prepare_mask(mask, labels.shape)
    check_finite(features, "image", mask)
    min_size = check_int(min_size, "min_size", minimum=0)
    connectivity = check_int(connectivity, "connectivity", minimum=1, maximum=labels.ndim)
    out = labels.astype(np.intp)  # a copy: the caller's labels are never touched
    if min_size <= 1:
        return out

    # Regions: connected components of equal label, numbered from 1 in raster
    # order (0 = outside the mask), and their adjacency, from one pass.
    inside = None if mask is None else np.ascontiguousarray(mask).reshape(-1)
    ids, n, edge_a, edge_b, _, _, leaf_sizes = graph_of_labels(out, inside, None, connectivity,
                                                               connect=True)
    regions = ids.reshape(out.shape) + 1
    n_regions = n + 1
    flat = regions.reshape(-1)
    sizes = np.concatenate(([flat.size - leaf_sizes.sum()], leaf_sizes))
    feats = features.reshape(flat.size, -1).astype(np.float64)
    if mask is not None:
        feats = np.where(mask.reshape(-1, 1), feats, 0.0)
    means = np.stack([np.bincount(flat, weights=feats[:, f], minlength=n_regions)
                      for f in range(feats.shape[1])], axis=1) / np.maximum(sizes, 1)[:, None]
    region_label = np.zeros(n_regions, dtype=np.intp)
    region_label[flat] = out.reshape(-1)

    edge_a, edge_b = edge_a + 1, edge_b + 1  # region ids, as the components'
    weight = np.linalg.norm(means[edge_a] - means[edge_b], axis=1)
    order = np.lexsort((edge_b, edge_a, weight))
    root = merge_small(edge_a[order], edge_b[order], sizes.astype(np.int64), min_size)
    merged = region_label[root][regions]
    if mask is not None:
        merged[~mask] = out[~mask]
    return merged


def merge_small_clusters(labels, Xt, img, is_color, features, mask, min_size):
    """The ``min_size`` option of the segment functions: :func:`merge_small_regions` on cluster labels.

    ``labels`` (n,) are the 0-based clusters of the masked-in pixels of the
    prepared image ``img`` (channel-last), ``Xt`` (d, n) their features in
    the space ``features``. Regions are compared by their appearance (the
    features without the positions). Returns 0-based labels of the same
    pixels, renumbered consecutively in the order of the clusters they keep.
    """
    min_size = check_int(min_size, "min_size", minimum=0)
    if min_size <= 1:
        return labels
    spatial = img.shape[:-1]
    with_position = features is None or isinstance(features, str) and feature_space_name(
        features, img.shape[-1], is_color, len(spatial))[1]
    n_appearance = Xt.shape[0] - (len(spatial) if with_position else 0)
    per_pixel = np.zeros((*spatial, n_appearance), dtype=np.float32)
    per_pixel[mask if mask is not None else np.ones(spatial, bool)] = Xt[:n_appearance].T
    merged = merge_small_regions(labels_to_image(labels, spatial, mask, 0), per_pixel, min_size,
                                 mask=mask)
    return np.unique(merged[mask] if mask is not None else merged.reshape(-1),
                     return_inverse=True)[1].reshape(-1)
