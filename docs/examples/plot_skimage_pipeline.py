"""
Labels in a scikit-image pipeline
=================================

classicseg returns an integer label image of the input's spatial shape,
with labels from 1, which is what scikit-image's tools take:
:func:`skimage.segmentation.mark_boundaries` draws the region boundaries,
:func:`skimage.color.label2rgb` with ``kind="avg"`` paints each region with
its mean colour, and :func:`skimage.measure.regionprops` measures each
region (here: area, centroid and mean colour of the largest ones).

The clusters come from k-means in CIELAB plus position (``"labxy"``), where
distances follow perceived colour differences. k-means clusters need not be
connected; :func:`skimage.measure.label` splits them into connected regions
before they are measured.
"""

import matplotlib.pyplot as plt
from skimage import color, data, measure, segmentation

from classicseg import kmeans_segment

image = data.coffee()[::4, ::4]  # 100 x 150 pixels
clusters = kmeans_segment(image, 6, features="labxy", rng=0)
regions = measure.label(clusters, connectivity=1, background=-1)

props = sorted(measure.regionprops(regions, intensity_image=image), key=lambda r: -r.area)
print("area  centroid (row, col)  mean colour (R, G, B)")
for region in props[:5]:
    row, col = region.centroid
    mean = ", ".join(f"{v:5.1f}" for v in region.intensity_mean)
    print(f"{region.area:4.0f}  ({row:5.1f}, {col:5.1f})        ({mean})")

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), constrained_layout=True)
axes[0].imshow(segmentation.mark_boundaries(image, clusters))
axes[0].set_title("mark_boundaries")
axes[1].imshow(color.label2rgb(clusters, image, kind="avg", bg_label=0))
axes[1].set_title('label2rgb(kind="avg")')
axes[2].imshow(image)
for region in props[:5]:
    row, col = region.centroid
    axes[2].plot(col, row, "o", color="yellow")
    axes[2].annotate(f"{region.area:.0f} px", (col, row), color="yellow",
                     xytext=(4, 4), textcoords="offset points")
axes[2].set_title("regionprops: five largest regions")
for ax in axes:
    ax.set_axis_off()
plt.show()
