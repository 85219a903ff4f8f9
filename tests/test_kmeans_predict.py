"""``KMeansResult.predict`` and its image-level counterpart against scikit-learn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classicseg import KMeansResult, kmeans, pixel_features
from classicseg.batch import assign_labels

sklearn_cluster = pytest.importorskip("sklearn.cluster")


def _sklearn_predict(centers, X):
    """scikit-learn's KMeans.predict with exactly these centres."""
    km = sklearn_cluster.KMeans(len(centers), init=centers, n_init=1, max_iter=1).fit(centers)
    km.cluster_centers_ = np.array(centers, dtype=np.float64)
    return km.predict(X)


def _result(centers):
    centers = np.asarray(centers, dtype=np.float64)
    return KMeansResult(centers=centers, labels=np.zeros(0, np.intp), inertia=0.0, n_iter=0,
                        converged=True)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 6), d=st.integers(1, 5),
       n=st.integers(1, 1500))
def test_predict_equals_sklearn_predict(seed, k, d, n):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=10, size=(k, d))
    X = rng.normal(scale=10, size=(n, d))
    got = _result(centers).predict(X)
    assert got.dtype == np.intp and got.shape == (n,)
    np.testing.assert_array_equal(got, _sklearn_predict(centers, X))


def test_predict_of_fitted_centres_equals_sklearn_and_fit_labels():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(c, 1.0, size=(200, 2)) for c in (0, 8, 16)])
    res = kmeans(X, 3, rng=0)
    np.testing.assert_array_equal(res.predict(X), _sklearn_predict(res.centers, X))
    np.testing.assert_array_equal(res.predict(X), res.labels)


def test_predict_hand_solved_ties_and_dtypes():
    res = _result([[0.0, 0.0], [2.0, 0.0]])
    X = [[1.0, 0.0], [-1.0, 5.0], [3.0, 1.0]]  # the first is equidistant: lower index
    assert res.predict(X).tolist() == [0, 0, 1]
    for dtype in (np.float32, np.uint8, np.int64, ">f8"):
        assert res.predict(np.array([[0, 0], [2, 1]], dtype=dtype)).tolist() == [0, 1]
    fortran = np.asfortranarray(np.array([[0.0, 0.0], [2.0, 1.0], [0.5, 0.0]]))
    fortran.setflags(write=False)
    assert res.predict(fortran).tolist() == [0, 1, 0]


def test_predict_rejects_bad_samples():
    res = _result([[0.0, 0.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="X must have 2 columns"):
        res.predict([[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="X must have 2 dimensions"):
        res.predict([0.0, 0.0])
    with pytest.raises(ValueError, match="X contains NaN"):
        res.predict([[np.nan, 0.0]])
    with pytest.raises(TypeError, match="X must be a numeric array"):
        res.predict([["a", "b"]])


def test_assign_labels_is_predict_on_the_pixel_features():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, size=(9, 7, 3), dtype=np.uint8)
    centers = rng.uniform(0, 255, size=(4, 5))
    labels = assign_labels(img, centers, "rgbxy", start_label=0)
    X = pixel_features(img, "rgbxy").reshape(-1, 5)
    np.testing.assert_array_equal(labels.ravel(), _sklearn_predict(centers, X.astype(np.float64)))
