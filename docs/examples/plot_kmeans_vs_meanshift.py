"""
k-means against mean shift
==========================

A classic comparison: k-means with k = 16 against mean shift
with W = 21. k-means needs the number of clusters k; mean shift needs the
window W and finds as many clusters as the density of the features has
modes. Both run
here on colour plus position (``"rgbxy"``), where a window of W = 21 means
21 levels of each colour channel and 21 pixels.

Mean shift keeps every mode, small ones included; ``min_size`` merges the
connected regions smaller than that many pixels into their most similar
neighbour (:func:`classicseg.merge_small_regions`).
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import color, data

from classicseg import kmeans_segment, meanshift_segment

image = data.astronaut()[::4, ::4]  # 128 x 128 pixels

results = {
    "k-means, k = 16": kmeans_segment(image, 16, features="rgbxy", rng=0),
    "mean shift, W = 21": meanshift_segment(image, 21, features="rgbxy"),
    "mean shift, W = 21, min_size = 30": meanshift_segment(image, 21, features="rgbxy", min_size=30),
}

fig, axes = plt.subplots(1, len(results) + 1, figsize=(13, 4.2), constrained_layout=True)
axes[0].imshow(image)
axes[0].set_title("image")
for ax, (title, labels) in zip(axes[1:], results.items()):
    ax.imshow(color.label2rgb(labels, image, kind="avg", bg_label=0))
    ax.set_title(f"{title}\n{np.unique(labels).size} segments")
for ax in axes:
    ax.set_axis_off()
plt.show()
