"""Shared oracle for the convolution tests: the same layer in real Keras 3, weights copied, outputs compared."""

import numpy as np
import pytest
import torch

import keraton


@pytest.fixture
def check_against_keras():
    """Return ``check(class_name, kwargs, input_shape)``: build both layers, copy Keras's weights, compare.

    Compares outputs (rtol/atol 1e-5), ``compute_output_shape`` and
    ``get_config`` (minus ``name``), and returns ``(keraton_layer, x)``.
    """
    keras = pytest.importorskip("keras")

    def check(class_name, kwargs, input_shape, seed=0):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=input_shape).astype("float32")
        theirs = getattr(keras.layers, class_name)(**kwargs)
        want = keras.ops.convert_to_numpy(theirs(x))
        ours = getattr(keraton.layers, class_name)(**kwargs)
        ours(torch.from_numpy(x))
        weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
        theirs.set_weights(weights)
        want = keras.ops.convert_to_numpy(theirs(x))
        ours.set_weights(theirs.get_weights())
        for got_w, want_w in zip(ours.get_weights(), weights):
            np.testing.assert_array_equal(got_w, want_w)
        got = ours(torch.from_numpy(x)).detach().numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        assert tuple(ours.compute_output_shape(input_shape)) == want.shape
        assert tuple(theirs.compute_output_shape(input_shape)) == want.shape
        mine, keras_config = ours.get_config(), theirs.get_config()
        mine.pop("name"), keras_config.pop("name")
        assert mine == keras_config
        return ours, torch.from_numpy(x)

    return check


def gradcheck_layer(layer, input_shape) -> None:
    """``torch.autograd.gradcheck`` in float64 of a layer w.r.t. its input and every weight."""
    layer(torch.zeros(input_shape))
    layer.double()
    names = [name for name, _ in layer.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for _, p in layer.named_parameters())
    x = torch.randn(input_shape, dtype=torch.float64, requires_grad=True)

    def fn(x, *values):
        return torch.func.functional_call(layer, dict(zip(names, values)), (x,))

    assert torch.autograd.gradcheck(fn, (x, *params), eps=1e-6, atol=1e-5)


@pytest.fixture
def gradcheck():
    """The :func:`gradcheck_layer` helper, as a fixture."""
    return gradcheck_layer
