"""Sample images for trying the widgets at once (File > Open Sample > classicseg).

Both are at hand without a download: scikit-image ships the first (its
package is BSD-3-Clause licensed, the photograph itself has no known copyright
restrictions), the second is generated.
"""

import numpy as np


def immunohistochemistry():
    """The 512x512 RGB immunohistochemistry image of scikit-image.

    A microscopy photograph (``skimage.data.immunohistochemistry``): stained
    nuclei and tissue in three colours, the kind of image a microscopist
    segments without training data.
    """
    from skimage import data

    return [(data.immunohistochemistry(), {"name": "immunohistochemistry", "rgb": True}, "image")]


def blobs_volume(shape=(32, 96, 96), seed=0):
    """A synthetic grey 3-D volume: smooth blobs of three brightnesses plus noise.

    For the methods that segment volumes (k-means, mean shift, hierarchies).
    Generated, so it needs no download and carries no licence of its own.
    """
    from scipy import ndimage as ndi
    from skimage.data import binary_blobs

    rng = np.random.default_rng(seed)
    side = max(shape)
    blobs = binary_blobs(side, blob_size_fraction=0.15, n_dim=3, volume_fraction=0.3, rng=seed)
    blobs = blobs[: shape[0], : shape[1], : shape[2]]
    regions = ndi.label(blobs)[0]
    level = np.array([30.0, *rng.choice([110.0, 170.0, 230.0], size=regions.max())])
    volume = ndi.gaussian_filter(level[regions], 1.0) + rng.normal(0, 6.0, size=regions.shape)
    volume = np.clip(volume, 0, 255).astype(np.uint8)
    return [(volume, {"name": "blobs volume", "rgb": False}, "image")]
