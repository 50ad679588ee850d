"""``preprocess_input`` on a symbolic ``keras.Input``, as keras.io's keypoint-detection example.

``x = keras.applications.mobilenet_v2.preprocess_input(inputs)`` inside a functional model used
to fail (the input was turned into a NumPy array); the results are compared with real Keras 3.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton.applications import imagenet_utils


def _images():
    return np.random.RandomState(0).randint(0, 256, size=(2, 4, 5, 3)).astype("float32")


@pytest.mark.parametrize("mode", ["tf", "torch", "caffe"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_symbolic_input_equals_keras(mode, data_format):
    keras = pytest.importorskip("keras")
    shape = (4, 5, 3) if data_format == "channels_last" else (3, 4, 5)
    x = _images() if data_format == "channels_last" else _images().transpose(0, 3, 1, 2).copy()

    inputs = keraton.Input(shape)
    ours = keraton.Model(inputs, imagenet_utils.preprocess_input(inputs, data_format=data_format,
                                                                  mode=mode))
    k_inputs = keras.Input(shape)
    theirs = keras.Model(k_inputs, keras.applications.imagenet_utils.preprocess_input(
        k_inputs, data_format=data_format, mode=mode))

    got = ours.predict(x, verbose=0)
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
    assert tuple(ours.output.shape) == tuple(theirs.output.shape)


def test_mobilenet_v2_preprocess_in_functional_model():
    inputs = keraton.Input((2, 2, 3))
    outputs = keraton.applications.mobilenet_v2.preprocess_input(inputs)
    model = keraton.Model(inputs, outputs)
    x = np.array([[[[0, 127.5, 255]] * 2] * 2], dtype="float32")
    np.testing.assert_allclose(model.predict(x, verbose=0)[0, 0, 0], [-1.0, 0.0, 1.0])


def test_integer_tensor_is_cast_to_floatx():
    x = torch.tensor([[[[0, 255, 51]]]])
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy()[0, 0, 0], [-1.0, 1.0, -0.6], rtol=1e-6)


def test_numpy_input_still_in_place():
    x = np.full((1, 1, 1, 3), 255.0, dtype="float32")
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert out is x
    np.testing.assert_allclose(x[0, 0, 0], [1.0, 1.0, 1.0])
