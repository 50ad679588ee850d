"""Keras 2 backend idioms of the classic examples (deep_dream, neural_style_transfer, mnist_swwae).

Each test is a hand computation: Keras 3 has no symbolic backend to compare with.
"""

import numpy as np
import pytest

import keraton
from keraton import backend as K


@pytest.mark.parametrize("make", [K.variable, K.constant])
def test_reversed_views_become_tensors(make):
    # vgg16.preprocess_input returns x[..., ::-1], a view with a negative stride
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)[..., ::-1]
    np.testing.assert_array_equal(K.get_value(make(x)), x)


def test_set_value_takes_a_reversed_view():
    v = K.variable(np.zeros((2, 3)))
    x = np.arange(6, dtype="float32").reshape(2, 3)[:, ::-1]
    K.set_value(v, x)
    np.testing.assert_array_equal(K.get_value(v), x)


def test_shape_of_keras_tensor_reads_unknown_sizes_at_run_time():
    # deep_dream: scaling = K.prod(K.cast(K.shape(x), 'float32')) on (None, None, None, c)
    inp = keraton.Input((None, None, 2))
    shape = K.shape(inp)
    assert tuple(shape) == (None, None, None, 2) and shape[-1] == 2
    scaling = K.prod(K.cast(shape, "float32"))
    loss = K.sum(K.square(inp)) / scaling
    f = K.function([inp], [scaling, loss])
    x = np.random.default_rng(0).normal(size=(3, 4, 5, 2)).astype("float32")
    got_scaling, got_loss = f([x])
    assert got_scaling == 3 * 4 * 5 * 2
    np.testing.assert_allclose(got_loss, (x ** 2).sum() / x.size, rtol=1e-6)


def test_shape_of_keras_tensor_with_known_sizes_stays_a_constant():
    inp = keraton.Input(batch_shape=(2, 3))
    assert K.get_value(K.prod(K.cast(K.shape(inp), "float32"))) == 6


def _where_model():
    # mnist_swwae's "switches": the gradient of the pooled sum marks each window's maximum
    def getwhere(x):
        y_prepool, y_postpool = x
        return K.gradients(K.sum(y_postpool), y_prepool)[0]

    inp = keraton.Input((4, 4, 1))
    pre = keraton.layers.Conv2D(1, 1, use_bias=False, kernel_initializer="ones")(inp)
    post = keraton.layers.MaxPooling2D(2)(pre)
    where = keraton.layers.Lambda(getwhere, output_shape=lambda s: s[0])([pre, post])
    out = keraton.layers.Multiply()([keraton.layers.UpSampling2D(2)(post), where])
    return keraton.Model(inp, out)


def _expected_where(x):
    windows = x.reshape(-1, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4).reshape(-1, 2, 2, 4)
    mask = (windows == windows.max(-1, keepdims=True)).astype("float32")
    return mask.reshape(-1, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4).reshape(x.shape)


def test_lambda_taking_gradients_runs_in_predict_and_evaluate():
    model = _where_model()
    x = np.random.default_rng(1).permutation(32).reshape(2, 4, 4, 1).astype("float32")
    expected = x * _expected_where(x)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected)
    np.testing.assert_allclose(model.predict_on_batch(x), expected)
    model.compile(loss="mse")
    assert model.evaluate(x, expected, verbose=0) == pytest.approx(0.0, abs=1e-10)
    assert model.test_on_batch(x, expected) == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(K.function([model.input], [model.output])([x])[0], expected)


def test_plain_lambda_still_predicts_without_autograd():
    inp = keraton.Input((3,))
    model = keraton.Model(inp, keraton.layers.Lambda(lambda t: t * 2)(inp))
    assert not any(getattr(layer, "_takes_gradients", False) for layer in model.layers)
    np.testing.assert_allclose(model.predict(np.ones((2, 3)), verbose=0), 2 * np.ones((2, 3)))
