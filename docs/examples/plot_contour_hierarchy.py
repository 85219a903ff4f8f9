"""
Contours and their hierarchy: the oriented watershed and the UCM
================================================================

:func:`classicseg.contours` measures, at every pixel and in 8 orientations,
how different the two halves of a disc are in brightness, colour and texture
(textons) at three radii, and weighs these gradients into a probability of
boundary with weights learned on BSDS500 train, and adds the oriented
gradients of the eigenvectors of a pixel affinity built from that map (the
spectral globalisation): gPb, Arbelaez et al., TPAMI 2011.

:func:`classicseg.contour_hierarchy` floods that map from its minima
(watershed): the basins are the finest regions and the lines between two
basins the *arcs*. Each arc gets the strength of the contour map at the
arc's own orientation (the oriented watershed), which removes the strength
that arcs crossing a real contour near a junction would borrow from it.
Adjacent regions then merge, the weakest border first (a border around a
small region counts as weaker); the altitude of each
merge draws the ultrametric contour map (UCM), and a threshold on it gives
one segmentation. The same threshold means the same contrast on every image.
"""

import matplotlib.pyplot as plt
from skimage import color, data

from classicseg import contour_hierarchy, contours
from classicseg._owt import oriented_watershed  # the internal step, shown here

image = data.coffee()[::2, ::2]  # 200 x 300 pixels
c = contours(image)
leaves, arcs = oriented_watershed(c)
hierarchy = contour_hierarchy(image)

fig, axes = plt.subplots(2, 3, figsize=(12, 5.8), constrained_layout=True)
axes[0, 0].imshow(c.strength, cmap="gray_r", vmin=0, vmax=1)
axes[0, 0].set_title("contours(image).strength")
axes[0, 1].imshow(arcs, cmap="magma")
axes[0, 1].set_title(f"oriented watershed: {leaves.max()} basins, arc strengths")
axes[0, 2].imshow(hierarchy.contour_map(), cmap="magma")
axes[0, 2].set_title("UCM (merge altitude)")
for ax, threshold in zip(axes[1], (0.5, 0.65, 0.8)):
    labels = hierarchy.cut(threshold)
    ax.imshow(color.label2rgb(labels, image, kind="avg", bg_label=0))
    ax.set_title(f"cut at {threshold}: {labels.max()} regions")
for ax in axes.ravel():
    ax.set_axis_off()
plt.show()
