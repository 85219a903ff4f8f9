"""
Upsampling operations of encoder-decoder networks
=================================================

A segmentation network shrinks its feature maps and then brings them back to
the image's size. :mod:`classicseg.learned` holds these operations in NumPy,
with PyTorch's definitions, so a network's output can be post-processed (or
a layer checked) without PyTorch. Side by side, on the same 4 x 4 map
brought to 8 x 8:

* interpolation: ``"nearest"`` repeats values, ``"bilinear"`` and
  ``"bicubic"`` blend neighbours (bicubic overshoots near edges);
* unpooling: bed of nails puts each value in the top-left corner of its
  2 x 2 block, max unpooling puts it back where the max pooling found it;
* transposed convolution: each input value stamps the kernel into the
  output, stride 2, padding 1. With the 4 x 4 kernel ``outer([1, 3, 3, 1]) / 16``
  it is bilinear interpolation inside the map (a network learns its kernel);
  at the border fewer stamps overlap and the values fall off.

The 4 x 4 map is the max pooling of an 8 x 8 crop of scikit-image's camera
image, so that max unpooling has its indices.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from classicseg import learned

fine = data.camera()[96:352:32, 160:416:32][None, None] / 255.0  # 8 x 8, as (N, C, H, W)
coarse, indices = learned.max_pool2d(fine, 2, return_indices=True)  # 4 x 4

tent = np.outer([1, 3, 3, 1], [1, 3, 3, 1])[None, None] / 16.0
maps = {
    "4 x 4 input": coarse,
    "nearest": learned.interpolate(coarse, scale_factor=2, mode="nearest"),
    "bilinear": learned.interpolate(coarse, scale_factor=2, mode="bilinear",
                                    align_corners=False),
    "bicubic": learned.interpolate(coarse, scale_factor=2, mode="bicubic",
                                   align_corners=False),
    "bed of nails": learned.bed_of_nails(coarse, 2),
    "max unpooling": learned.max_unpool2d(coarse, indices, 2),
    "transposed conv.": learned.conv_transpose2d(coarse, tent, stride=2, padding=1),
}

fig, axes = plt.subplots(1, len(maps), figsize=(15, 2.6), constrained_layout=True)
for ax, (title, values) in zip(axes, maps.items()):
    ax.imshow(values[0, 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{title}\n{values.shape[2]} x {values.shape[3]}")
    ax.set_axis_off()
plt.show()
