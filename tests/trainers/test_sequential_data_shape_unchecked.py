"""A ``Sequential`` takes data of any shape its layers accept (Keras 3 checks no input spec)."""

import numpy as np
import pytest

import keraton


def _encoder(lib):
    return lib.Sequential([
        lib.layers.Conv2D(2, 3, padding="same", kernel_initializer="ones"),
        lib.layers.GlobalAveragePooling2D(),
        lib.layers.Dense(2, kernel_initializer="ones"),
    ])


@pytest.mark.parametrize("explicit_input", [False, True])
def test_fully_convolutional_sequential_predicts_other_image_sizes(explicit_input):
    """keras.io's semantic image clustering: an encoder built on 16x16 predicts 32x32 images."""
    keras = pytest.importorskip("keras")
    x = np.random.RandomState(0).uniform(size=(3, 32, 32, 3)).astype("float32")
    outs = []
    for lib in (keraton, keras):
        model = _encoder(lib)
        if explicit_input:
            model = lib.Sequential([lib.Input((16, 16, 3)), *model.layers])
        else:
            model(np.zeros((2, 16, 16, 3), "float32"))
        outs.append(model.predict(x, batch_size=2, verbose=0))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5)
    assert outs[0].shape == (3, 2)


def test_functional_model_still_checks_the_data_shape():
    inp = keraton.Input((16, 16, 3))
    model = keraton.Model(inp, _encoder(keraton)(inp))
    with pytest.raises(ValueError, match=r"expects data of shape \(None, 16, 16, 3\)"):
        model.predict(np.zeros((3, 32, 32, 3), "float32"), verbose=0)
