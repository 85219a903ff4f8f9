"""Tests of the boosted-tree cue combination: the kernel against NumPy features and a Python tree walk."""

import numpy as np

from classicseg import _contour_forest, _contours


def walk(trees, x):
    """The trees' probability for one feature vector, in plain Python."""
    z = float(trees["base"])
    for root in trees["roots"]:
        k = int(root)
        while trees["feature"][k] >= 0:
            k = int(trees["left"][k] if x[trees["feature"][k]] <= trees["threshold"][k]
                    else trees["right"][k])
        z += trees["threshold"][k]
    return 1.0 / (1.0 + np.exp(-z))


def random_cues(seed, H, W):
    """Square roots of random local gradients, a random spectral cue, and the shipped
    logistic logit of them."""
    rng = np.random.default_rng(seed)
    n_orient = _contours.N_ORIENTATIONS
    roots = np.sqrt(rng.random((12, n_orient, H, W), dtype=np.float32) * 0.3)
    spectral = rng.random((n_orient, H, W), dtype=np.float32)
    z = _contours.combine_logit(roots, _contours._GLOBAL_WEIGHTS, _contours._GLOBAL_BIAS, spectral)
    return roots, spectral, z


def test_exported_trees_predict_as_scikit_learn():
    """export_trees reads scikit-learn's node arrays: a walk of the exported arrays
    gives predict_proba (the oracle) on fresh points and on training points."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(2)
    X = rng.random((2000, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 3] ** 2 + 0.1 * rng.standard_normal(2000) > 0.7).astype(int)
    model = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0).fit(X, y)
    trees = _contour_forest.export_trees(model)
    test = np.r_[rng.random((200, 5)).astype(np.float32), X[:50]]
    expected = model.predict_proba(test)[:, 1]
    got = [walk(trees, x) for x in test]
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


def test_kernel_equals_numpy_features_and_tree_walk():
    n_orient, H, W = _contours.N_ORIENTATIONS, 9, 11
    args = random_cues(0, H, W)
    trees = _contour_forest.shipped_trees()
    got = _contour_forest.forest_combine(*args, weight=1.0)
    feats = _contour_forest.context_features(*args)
    best = args[2].argmax(axis=0)
    for y, x in [(0, 0), (4, 5), (8, 10), (2, 9), (6, 1)]:
        o = best[y, x]
        np.testing.assert_allclose(got[:, y, x].max(), walk(trees, feats[o, :, y, x]), atol=1e-5)
        assert got[:, y, x].argmax() == o
    assert got.shape == (n_orient, H, W) and got.dtype == np.float32
    assert np.all((got >= 0) & (got <= 1))


def test_weight_blends_trees_and_logistic():
    args = random_cues(1, 7, 8)
    roots, spectral, _ = args
    logistic = _contours.combine(roots, _contours._GLOBAL_WEIGHTS, _contours._GLOBAL_BIAS,
                                 spectral)
    trees = _contour_forest.forest_combine(*args, weight=1.0)
    half = _contour_forest.forest_combine(*args, weight=0.5)
    np.testing.assert_allclose(half, 0.5 * trees + 0.5 * logistic, atol=1e-6)
    np.testing.assert_allclose(_contour_forest.forest_combine(*args, weight=0.0), logistic, atol=1e-6)
    default = _contour_forest.forest_combine(*args, weight=_contour_forest.FOREST_WEIGHT)
    np.testing.assert_array_equal(_contour_forest.forest_combine(*args), default)


def test_context_offsets_follow_the_normal():
    normal, along = _contour_forest.context_offsets(8)
    # Orientation 0 is a horizontal edge: its normal runs along the rows.
    assert normal[0, :, 1].tolist() == [0] * 6 and normal[0, :, 0].tolist() == [-4, -2, -1, 1, 2, 4]
    assert along[0].tolist() == [[0, -3], [0, 3]]
    # Orientation 4 (pi / 2) is a vertical edge: normal along the columns.
    assert normal[4, :, 0].tolist() == [0] * 6 and along[4, :, 1].tolist() == [0, 0]
