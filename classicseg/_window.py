"""A data-driven mean shift window: scikit-learn's bandwidth rule, positions left out."""

import numpy as np
from scipy.spatial import cKDTree

from ._validate import check_array, check_finite, check_float, check_int, check_rng


def estimate_window(X, quantile=None, *, n_samples=1000, rng=None, n_spatial=None):
    """A data-driven window size: twice scikit-learn's ``estimate_bandwidth``.

    The mean, over the samples, of the distance to their
    ``int(n * quantile)``-th nearest sample (the sample itself counted
    first), doubled because W is a size, not a radius.

    Pixel positions are left out of the distances: in a feature space with
    position (``"rgbxy"``) they spread over the whole image and would set the
    window alone (W = 410 on a 481 x 321 photo, and a handful of regions).
    The window then holds ``quantile`` of the samples in colour, and bounds
    space by the same size, as in the joint domain of Comaniciu & Meer (2002).

    Parameters
    ----------
    X : (n_samples, n_features) array_like
        Samples, for instance ``pixel_features(image, "rgbxy")``.
    quantile : float, optional
        In (0, 1]: the fraction of samples a window should hold. Default
        0.3 (scikit-learn's), and 0.1 when positions are left out (the
        window then bounds space as well, so a smaller one keeps detail).
    n_samples : int or None
        Use this many samples, drawn at random (default 1000), instead of
        all; None uses every sample (the cost is quadratic in their number).
        The quantile rule is a fraction of the samples, so a random subset
        estimates the same window.
    rng : None, int or numpy.random.Generator
        Source of randomness for the draw.
    n_spatial : int, optional
        Number of trailing columns of ``X`` that are pixel positions, left
        out of the distances (0: none). Default: 2 or 3 when the last two
        or three columns are non-negative and strictly increase in row-major
        order from sample to sample, as :func:`classicseg.pixel_features`
        returns the positions of a space with position, else 0.

    Returns
    -------
    window : float

    Raises
    ------
    ValueError
        quantile outside (0, 1], empty or non-finite X, bad n_samples or
        n_spatial.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> estimate_window(X, quantile=0.5)  # 2nd neighbours at distances 1, 1, 1, 1
    2.0
    """
    X = check_array(X, "X", ndim=2)
    check_finite(X, "X")
    n, d = X.shape
    if n_spatial is None:
        n_spatial = _position_columns(X)
    else:
        n_spatial = check_int(n_spatial, "n_spatial", minimum=0, maximum=d - 1)
    if quantile is None:
        quantile = 0.1 if n_spatial else 0.3
    quantile = check_float(quantile, "quantile", positive=True)
    if quantile > 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    rng = check_rng(rng)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        if n_samples < n:
            X = X[np.sort(rng.choice(n, size=n_samples, replace=False))]
    X = X[:, : d - n_spatial].astype(np.float64)
    n = len(X)
    k = max(int(n * quantile), 1)
    tree = cKDTree(X)
    # Query in batches so that the (batch, k) distance table stays small.
    batch = max(1, 2**22 // k)
    total = 0.0
    for start in range(0, n, batch):
        dist, _ = tree.query(X[start:start + batch], k=k)
        total += float(np.asarray(dist).reshape(len(X[start:start + batch]), -1)[:, -1].sum())
    return 2.0 * total / n


def _position_columns(X):
    """2 or 3 if the last columns of ``X`` look like pixel_features' positions, else 0.

    Positions in row-major order strictly increase from one sample to the
    next, compared lexicographically, and are non-negative; a column of
    colour next to them does not.
    """
    n, d = X.shape
    for s in (3, 2):
        if d <= s or n < 2:
            continue
        P = X[:, d - s:]
        if (P < 0).any():
            continue
        step = np.diff(P, axis=0)
        first = np.argmax(step != 0, axis=1)       # first axis that changes
        if (step[np.arange(n - 1), first] > 0).all():
            return s
    return 0
