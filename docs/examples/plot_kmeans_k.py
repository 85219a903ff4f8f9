"""
k-means: the number of clusters and the feature space
=====================================================

k-means on pixels: clusters of the pixels' colours
(``"rgb"``) for k = 2, 8 and 16, then k = 16 with each pixel's position
appended (``"rgbxy"``). With colour alone a cluster is a set of colours,
scattered over the image wherever they occur; with position, pixels far
apart fall into different clusters and the segments become compact regions.

Each segment is painted with its mean colour by
:func:`skimage.color.label2rgb` (``kind="avg"``).
"""

import matplotlib.pyplot as plt
from skimage import color, data

from classicseg import kmeans_segment

image = data.coffee()[::4, ::4]  # 100 x 150 pixels keeps the example fast

runs = [(2, "rgb"), (8, "rgb"), (16, "rgb"), (16, "rgbxy")]
fig, axes = plt.subplots(1, len(runs) + 1, figsize=(15, 2.8), constrained_layout=True)
axes[0].imshow(image)
axes[0].set_title("image")
for ax, (k, features) in zip(axes[1:], runs):
    labels = kmeans_segment(image, k, features=features, rng=0)
    ax.imshow(color.label2rgb(labels, image, kind="avg", bg_label=0))
    ax.set_title(f"k = {k}, {features}")
for ax in axes:
    ax.set_axis_off()
plt.show()
