"""
Scoring an instance segmentation: matching, COCO AP and panoptic quality
========================================================================

The "model" here segments scikit-image's coins image at a quarter of its
resolution (k-means on grey levels, then connected components) and brings
its labels back to full size with :func:`classicseg.learned.interpolate`, as
a network's coarse output would be. Each predicted coin gets a confidence
score (its mean contrast with the background). The truth is a careful
full-resolution segmentation of the same image.

* Left: the truth's outlines on the image.
* Middle: the predicted coins matched one-to-one at IoU >= 0.5
  (:func:`classicseg.metrics.match_instances`): green = true positive, red =
  false positive; yellow outlines are the true coins nobody found.
* Right: COCO's precision-recall curves
  (:func:`classicseg.metrics.instance_average_precision`) at IoU 0.5 and
  0.75; the coarse model draws loose outlines, so its precision collapses at
  the stricter threshold. The title gives the panoptic quality
  (:func:`classicseg.metrics.panoptic_quality`) with the coins as "things",
  the background as "stuff" and a thin void band around each true coin.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage as ndi
from skimage import data, filters, measure, morphology, segmentation

from classicseg import kmeans_segment, learned, metrics

image = data.coins()[::2, ::2]  # 152 x 192

# Truth: a careful full-resolution segmentation, scikit-image's region-based
# one for this image (watershed of the Sobel gradient from sure-background
# and sure-coin markers), dropping the bright strip along the top border.
markers = np.where(image < 30, 1, np.where(image > 150, 2, 0))
regions = segmentation.watershed(filters.sobel(image), markers) == 2
truth = measure.label(ndi.binary_fill_holes(regions))
mask = ~np.isin(truth, truth[0]) & (np.bincount(truth.ravel())[truth] >= 30)
truth = measure.label(mask)

# The "model": k-means at a quarter of the resolution, upsampled labels.
small = image[::4, ::4]
clusters = kmeans_segment(small, 2, features="gray", channel_axis=None, rng=0)
bright = np.argmax([small[clusters == c].mean() for c in (1, 2)]) + 1
coarse = measure.label(clusters == bright)
coarse[np.isin(coarse, coarse[0])] = 0  # the strip again
pred = learned.interpolate(coarse[None].astype(float), size=image.shape, mode="nearest")[0].astype(int)
pred_ids = np.unique(pred[pred > 0])
background = image[pred == 0].mean()
scores = np.array([image[pred == i].mean() - background for i in pred_ids]) / 255.0

match = metrics.match_instances(truth, pred, iou_threshold=0.5)
ap = metrics.instance_average_precision([(truth, pred, scores)])

# Panoptic: coins (category 1) are things, the background (category 0) is
# stuff, and a 2-pixel band around each true coin is void (category 255).
disk = morphology.disk(2)
void = ndi.binary_dilation(mask, disk) & ~ndi.binary_erosion(mask, disk)
panoptic_true = np.stack([np.where(mask, 1, 0), truth], axis=-1)
panoptic_true[void] = (255, 0)
panoptic_pred = np.stack([(pred > 0).astype(int), pred], axis=-1)
pq = metrics.panoptic_quality(panoptic_true, panoptic_pred, things={1}, stuffs={0})

fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1, 1, 0.9]})
axes[0].imshow(segmentation.mark_boundaries(image, truth, color=(1, 1, 0)))
axes[0].set_title(f"truth: {truth.max()} coins")

status = np.zeros((*image.shape, 3))
matched = np.isin(pred, match.pred_ids)
status[matched] = (0.1, 0.8, 0.2)
status[(pred > 0) & ~matched] = (0.9, 0.1, 0.1)
overlay = 0.55 * np.repeat(image[..., None] / 255.0, 3, axis=-1) + 0.45 * status
missed = np.where(np.isin(truth, match.true_ids), 0, truth)
axes[1].imshow(segmentation.mark_boundaries(overlay, missed, color=(1, 1, 0)))
axes[1].set_title(
    f"prediction at IoU >= 0.5: TP {match.tp}, FP {match.fp}, FN {match.fn}\n"
    f"F1 {match.f1:.2f}, mean matched IoU {match.mean_matched_iou:.2f}"
)
for ax in axes[:2]:
    ax.set_axis_off()

recall_points = np.linspace(0, 1, 101)
for t, style in ((0.5, "-"), (0.75, "--")):
    row = np.flatnonzero(ap.iou_thresholds == t)[0]
    axes[2].plot(recall_points, ap.precision[row], style, label=f"IoU {t:.2f}")
axes[2].set_xlabel("recall")
axes[2].set_ylabel("interpolated precision")
axes[2].set_ylim(0, 1.05)
axes[2].legend(loc="lower left")
axes[2].set_title(f"COCO mask AP {ap.ap:.2f}, AP50 {ap.ap50:.2f}, AP75 {ap.ap75:.2f}")
fig.suptitle(
    f"panoptic quality {pq.pq:.2f} (things {pq.things.pq:.2f}, stuff {pq.stuff.pq:.2f}); "
    f"SQ {pq.sq:.2f}, RQ {pq.rq:.2f}"
)
fig.tight_layout(rect=(0, 0, 1, 0.93))
plt.show()
