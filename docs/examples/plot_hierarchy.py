"""
A merge hierarchy: its contour map, four cuts and a dendrogram
==============================================================

:func:`classicseg.hierarchical_segment` over-segments a photo by mean shift
and merges the regions greedily, most similar neighbours first (region
fusion). The result is one merge tree that holds every scale at once: its
contour map (the ultrametric contour map of Arbelaez et al., 2011) shows each
border as bright as the altitude at which its two sides merge, and a
threshold on that altitude (or a number of regions) picks one segmentation.
Altitudes are on one fixed scale for every image; 0.5 is where the BSDS500
train images are best cut.

The second figure draws the tree of a small image, whose leaves are given
as a label image (SLIC superpixels), as a SciPy dendrogram
(:meth:`~classicseg.Hierarchy.to_linkage`), beside its leaves painted with
their mean colour.
"""

import matplotlib.pyplot as plt
from scipy.cluster.hierarchy import dendrogram
from skimage import color, data, segmentation

from classicseg import hierarchical_segment

image = data.coffee()[::2, ::2]  # 200 x 300 pixels
hierarchy = hierarchical_segment(image)

fig, axes = plt.subplots(2, 3, figsize=(12, 5.6), constrained_layout=True)
axes[0, 0].imshow(image)
axes[0, 0].set_title(f"image ({hierarchy.n_leaves} mean-shift leaves)")
axes[0, 1].imshow(hierarchy.contour_map(), cmap="magma")
axes[0, 1].set_title("contour map (merge altitude)")
for ax, threshold in zip(axes.ravel()[2:], (0.35, 0.45, 0.5, 0.6)):
    labels = hierarchy.cut(threshold)
    ax.imshow(color.label2rgb(labels, image, kind="avg", bg_label=0))
    ax.set_title(f"cut at {threshold}: {labels.max()} regions")
for ax in axes.ravel():
    ax.set_axis_off()

small = data.astronaut()[::8, ::8]  # 64 x 64 pixels, ~40 SLIC superpixels as leaves
tree = hierarchical_segment(small, leaves=segmentation.slic(small, n_segments=40, start_label=1))
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6), width_ratios=(1, 3),
                                  constrained_layout=True)
left.imshow(color.label2rgb(tree.leaves + 1, small, kind="avg", bg_label=0))
left.set_title(f"{tree.n_leaves} leaves")
left.set_axis_off()
dendrogram(tree.to_linkage(), ax=right, no_labels=True, color_threshold=0.5)
right.axhline(0.5, color="grey", linestyle="--")
right.set_ylabel("altitude")
right.set_title("merge tree (the dashed line: the default cut at 0.5)")
plt.show()
