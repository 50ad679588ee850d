"""K.function and K.eval: Keras 2's way to read intermediate activations, checked by hand."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K


def _model():
    keraton.utils.set_random_seed(0)
    return keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(64, activation="relu", name="h"),
                               keraton.layers.Dropout(0.5), keraton.layers.Dense(1, name="out")])


def test_function_returns_a_layers_activations_as_numpy():
    model = _model()
    x = np.arange(6, dtype="float32").reshape(2, 3)
    kernel, bias = model.get_layer("h").get_weights()
    [hidden] = K.function([model.input], [model.get_layer("h").output])([x])
    assert isinstance(hidden, np.ndarray)
    np.testing.assert_allclose(hidden, np.maximum(x @ kernel + bias, 0), rtol=1e-6)
    single = K.function(model.input, model.output)(x)  # no lists in: no list out
    np.testing.assert_array_equal(single, model.predict(x, verbose=0))


def test_learning_phase_input_switches_dropout():
    model = _model()
    x = np.ones((1, 3), "float32")
    run = K.function([model.input, K.learning_phase()], [model.get_layer("h").output, model.output])
    hidden, test_out = run([x, 0])
    np.testing.assert_allclose(test_out, model.predict(x, verbose=0), rtol=1e-6)
    # Training mode: the Dense before Dropout is unchanged, the output varies with the mask.
    np.testing.assert_array_equal(run([x, 1])[0], hidden)
    outs = {float(run([x, 1])[1][0, 0]) for _ in range(5)}
    assert len(outs) > 1 and float(test_out[0, 0]) not in outs


def test_function_errors_say_what_was_expected():
    model = _model()
    with pytest.raises(ValueError, match="takes 1 input value"):
        K.function([model.input], [model.output])([np.ones((1, 3)), np.ones((1, 3))])
    with pytest.raises(ValueError, match="updates=.*has already happened"):
        K.function([model.input], [model.output], updates=[(model.weights[0], model.weights[0])])
    with pytest.raises(ValueError, match="must be symbolic tensors"):
        K.function([np.ones(3)], [model.output])


def test_eval_gives_numpy():
    assert K.eval(torch.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert K.eval(K.variable(3.0)) == 3.0
