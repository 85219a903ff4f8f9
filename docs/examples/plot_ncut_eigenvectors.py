"""
Normalized cut and its eigenvectors
===================================

Shi and Malik's normalized cut joins pixels within a radius r by an edge of
weight ``exp(-|F_i - F_j|^2 / sigma_color^2) * exp(-|X_i - X_j|^2 / sigma_space^2)``
and looks for the partition that cuts little weight relative to the
association of each part. Relaxed to real values, the best two-way split is
given by the eigenvector of the second smallest eigenvalue of
``(D - W) y = lambda D y``; the next eigenvectors split the parts further.

Here the eigenvectors are computed from :func:`classicseg.affinity_graph`
by SciPy's sparse solver (shift-invert just below 0, where the smallest
eigenvalues are) and shown as images; :func:`classicseg.ncut_segment` then
makes the segmentation from the same graph. The colour scale
``sigma_color = 40`` (CIELAB units) is wider than the default (0.2 of the
image's colour spread): with the default, a few pixels whose colour differs
from all their neighbours' are joined to nothing, each is a component of its
own, and the first eigenvectors merely point at them.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.sparse import diags
from scipy.sparse.linalg import eigsh
from skimage import color, data

from classicseg import affinity_graph, ncut_segment

image = data.coffee()[::8, ::8]  # 50 x 75 pixels
sigma_color = 40.0

W = affinity_graph(image, sigma_color=sigma_color)
D = diags(np.asarray(W.sum(axis=1)).ravel())
v0 = np.random.default_rng(0).random(W.shape[0])  # a seeded start: the same vectors every run
eigenvalues, vectors = eigsh(D - W, k=5, M=D, sigma=-1e-6, which="LM", v0=v0)

labels = ncut_segment(image, 6, sigma_color=sigma_color, rng=0)

fig, axes = plt.subplots(2, 3, figsize=(10, 5), constrained_layout=True)
axes = axes.ravel()
axes[0].imshow(image)
axes[0].set_title("image")
for i, ax in enumerate(axes[1:5], start=1):
    ax.imshow(vectors[:, i].reshape(image.shape[:2]), cmap="RdBu")
    ax.set_title(f"eigenvector {i + 1}\nlambda = {eigenvalues[i]:.4f}")
axes[5].imshow(color.label2rgb(labels, image, kind="avg", bg_label=0))
axes[5].set_title("ncut_segment, 6 segments")
for ax in axes:
    ax.set_axis_off()
plt.show()
