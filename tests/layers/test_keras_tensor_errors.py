"""Symbolic ``KerasTensor``s refuse value-needing uses with messages that say what to do instead."""

import re

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


@pytest.mark.parametrize("use,name", [
    (lambda t: torch.nn.Linear(4, 8)(t), "linear()"),
    (lambda t: torch.relu(t), "relu()"),
    (lambda t: torch.nn.functional.softmax(t, dim=-1), "softmax()"),
    (lambda t: torch.cat([t, t], dim=1), "cat()"),
])
def test_torch_code_on_a_keras_tensor_says_to_wrap_it(use, name):
    with pytest.raises(TypeError, match=rf"torch function {re.escape(name)} was called on a "
                                        r"symbolic KerasTensor.*TorchModuleWrapper"):
        use(keraton.Input((4,)))


def test_the_suggested_wrappers_work():
    inputs = keraton.Input((4,))
    x = layers.TorchModuleWrapper(torch.nn.Linear(4, 8))(inputs)
    x = layers.Lambda(lambda t: torch.relu(t))(x)
    model = keraton.Model(inputs, x)
    assert len(model.trainable_weights) == 2
    data = np.ones((2, 4), "float32")
    linear = model.layers[1].module
    want = torch.relu(linear(torch.from_numpy(data))).detach().numpy()
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-6)


def test_bool_and_numpy_conversion_refuse():
    t = keraton.Input((4,))
    with pytest.raises(TypeError, match="Python bool"):
        bool(t)
    with pytest.raises(TypeError, match="no value to convert to NumPy"):
        np.asarray(t)
