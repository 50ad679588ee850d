"""ImageDataGenerator's ZCA whitening against Keras 3's legacy (Keras 2) copy and by hand."""

import warnings

import numpy as np
import pytest

from keraton.preprocessing.image import ImageDataGenerator


@pytest.fixture
def legacy():
    pytest.importorskip("keras")
    from keras.src.legacy.preprocessing import image
    return image


@pytest.fixture
def images():
    # More samples (80) than features (4 * 5 * 3 = 60), so the sample covariance is full rank.
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(60, 60))
    return (rng.normal(size=(80, 60)) @ mixing).reshape(80, 4, 5, 3).astype("float32") + 100.0


@pytest.mark.parametrize("kwargs", [
    {"zca_whitening": True},
    {"zca_whitening": True, "zca_epsilon": 1e-2, "rescale": 0.5},
    {"zca_whitening": True, "featurewise_center": True, "horizontal_flip": True},
    {"zca_whitening": True, "data_format": "channels_first"},
])
def test_zca_matches_keras2(legacy, images, kwargs):
    if kwargs.get("data_format") == "channels_first":
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = ImageDataGenerator(**kwargs), legacy.ImageDataGenerator(**kwargs)
    ours.fit(images)
    theirs.fit(images)
    np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-6)
    np.testing.assert_allclose(ours.zca_whitening_matrix, theirs.zca_whitening_matrix, rtol=1e-5, atol=1e-7)
    a = ours.flow(images, batch_size=32, seed=4)
    b = theirs.flow(images, batch_size=32, seed=4)
    for i in range(len(b)):
        np.testing.assert_allclose(a[i], b[i], rtol=1e-5, atol=1e-5)


def test_zca_whitens_the_sample_by_hand(images):
    gen = ImageDataGenerator(zca_whitening=True, featurewise_center=True, zca_epsilon=1e-8)
    gen.fit(images)
    flat = images.reshape(80, -1).astype(np.float64)
    centred = flat - flat.reshape(80, -1, 3).mean(axis=(0, 1))[None].repeat(20, 0).reshape(1, -1)
    # Keras's matrix is U diag(sqrt(n) / (s + eps)) U^T with U, s from the SVD of the centred data.
    u, s, _ = np.linalg.svd(centred.T, full_matrices=False)
    np.testing.assert_allclose(gen.zca_whitening_matrix, (u * (np.sqrt(80) / (s + 1e-8))) @ u.T,
                               rtol=1e-3, atol=1e-4)
    assert gen.principal_components is gen.zca_whitening_matrix  # Keras 2.0-2.8's name
    white = gen.flow(images, batch_size=80, shuffle=False)[0].reshape(80, -1).astype(np.float64)
    # Whitened: the second moment of the (channel-centred) data becomes the identity; ZCA, unlike
    # PCA whitening, is a symmetric matrix.
    np.testing.assert_allclose(white.T @ white / 80, np.eye(60), atol=2e-2)
    np.testing.assert_allclose(gen.zca_whitening_matrix, gen.zca_whitening_matrix.T, atol=1e-6)


def test_zca_overrides_featurewise_settings_and_unfit_use():
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        gen = ImageDataGenerator(zca_whitening=True)
    assert gen.featurewise_center is True and gen.zca_epsilon == 1e-6
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_std_normalization`"):
        gen = ImageDataGenerator(zca_whitening=True, featurewise_center=True,
                                 featurewise_std_normalization=True)
    assert gen.featurewise_std_normalization is False
    x = np.ones((2, 3, 3, 1), "float32")
    # keraton refuses unfit featurewise statistics (an error, not Keras's warning), ZCA included.
    with pytest.raises(ValueError, match="specifies `zca_whitening`.*fit"):
        gen.flow(x)[0]
    gen.featurewise_center = False
    with pytest.warns(UserWarning, match="`zca_whitening`, but it hasn't been fit"):
        out = gen.standardize(x.copy())
    np.testing.assert_array_equal(out, x)
