"""Standalone Keras 2's backend names (``K.image_dim_ordering``, ``K.logsumexp``, ``K.slice``,
``K.separable_conv1d``, ``K.conv3d_transpose``, ``K.get_session``...) against NumPy, real
Keras 3 (on torch) and keraton's own tf.keras 2 convolutions."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K
from keraton.backend_functions import keras2_standalone as k2


@pytest.fixture
def restore_data_format():
    before = K.image_data_format()
    yield
    K.set_image_data_format(before)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# --------------------------------------------------------------------------- image formats


@pytest.mark.parametrize("ordering, data_format", [("th", "channels_first"), ("tf", "channels_last")])
def test_set_image_dim_ordering_sets_the_data_format(restore_data_format, ordering, data_format):
    k2.set_image_dim_ordering(ordering)
    assert K.image_data_format() == data_format
    assert k2.image_dim_ordering() == ordering
    assert k2.normalize_data_format(None) == data_format


def test_th_ordering_makes_new_conv2d_channels_first(restore_data_format):
    k2.set_image_dim_ordering("th")
    layer = keraton.layers.Conv2D(4, 3)
    assert layer.get_config()["data_format"] == "channels_first"
    out = layer(torch.ones(2, 3, 7, 6))
    assert tuple(out.shape) == (2, 4, 5, 4)
    assert layer.get_weights()[0].shape == (3, 3, 3, 4)


def test_set_image_dim_ordering_rejects_other_names(restore_data_format):
    with pytest.raises(ValueError, match="expected 'th' .*or 'tf'"):
        k2.set_image_dim_ordering("channels_first")
    assert K.image_data_format() == "channels_last"


def test_normalize_data_format():
    assert k2.normalize_data_format("Channels_First") == "channels_first"
    assert k2.normalize_data_format(None) == "channels_last"
    with pytest.raises(ValueError, match="channels_last' or 'channels_first"):
        k2.normalize_data_format("NHWC")


# --------------------------------------------------------------------------- tensors


def _np_logsumexp(x, axis, keepdims):
    axis = tuple(axis) if isinstance(axis, list) else axis
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_numpy(axis, keepdims):
    x = _rand(2, 3, 4)
    out = k2.logsumexp(torch.tensor(x), axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.numpy(), _np_logsumexp(x.astype("float64"), axis, keepdims),
                               rtol=1e-6, atol=1e-6)


def test_logsumexp_is_stable_on_large_values():
    x = torch.tensor([[1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, 0.0]])
    out = k2.logsumexp(x, axis=1).numpy()
    np.testing.assert_allclose(out, [1000.0 + np.log(3.0), 0.0], rtol=1e-6)
    assert np.isfinite(out).all()
    assert k2.logsumexp([1.0, 2.0]).dtype == torch.float32  # lists and ints become floats


@pytest.mark.parametrize("start, size", [([0, 0, 0], [2, 3, 4]), ([1, 0, 2], [1, 2, 2]),
                                         ([0, 1, 1], [-1, -1, 2]), ([1, 2, 3], [1, 1, -1])])
def test_slice_matches_numpy(start, size):
    x = np.arange(24).reshape(2, 3, 4)
    expected = x[tuple(slice(b, None if n == -1 else b + n) for b, n in zip(start, size))]
    np.testing.assert_array_equal(k2.slice(torch.tensor(x), start, size).numpy(), expected)
    np.testing.assert_array_equal(k2.slice(x, torch.tensor(start), tuple(size)).numpy(), expected)


@pytest.mark.parametrize("start, size, message", [
    ([0, 0], [1, 1, 1], "one entry per axis"),
    ([0, 2, 0], [1, 2, 1], "axis 1 .*start=2 and size=2"),
    ([-1, 0, 0], [1, 1, 1], "axis 0"),
    ([0, 0, 0], [1, -2, 1], "axis 1"),
])
def test_slice_errors(start, size, message):
    with pytest.raises(ValueError, match=message):
        k2.slice(torch.zeros(2, 3, 4), start, size)


def test_size_identity_and_predicates():
    assert k2.size(torch.zeros(2, 3, 4)).item() == 24
    assert k2.size(torch.zeros(2, 3)).dtype == torch.int32
    v = K.variable([1.0, 2.0])
    copy = k2.identity(v)
    K.set_value(v, [5.0, 6.0])
    np.testing.assert_array_equal(copy.detach().numpy(), [1.0, 2.0])
    assert copy.requires_grad and type(copy) is torch.Tensor
    inp = keraton.Input((3,))
    hidden = keraton.layers.Dense(2)(inp)
    assert k2.is_placeholder(inp) and k2.is_placeholder(K.placeholder((None, 2)))
    assert not k2.is_placeholder(hidden) and not k2.is_placeholder(torch.zeros(1))
    assert k2.is_variable(v) and k2.is_variable(keraton.layers.Dense(2).build((None, 1)) or
                                                 keraton.optimizers.SGD().learning_rate)
    assert not k2.is_variable(torch.ones(1)) and not k2.is_variable(copy)
    assert k2.is_symbolic(hidden) and not k2.is_symbolic(v)

    def f(x):
        return x + 1

    assert k2.eager(f) is f


def test_tensor_functions_work_on_keras_tensors():
    inp = keraton.Input((3, 4))
    out = _wrapped("slice")(inp, [0, 1, 0], [-1, 2, -1])
    lse = _wrapped("logsumexp")(out, axis=-1)
    model = keraton.Model(inp, lse)
    x = _rand(2, 3, 4)
    np.testing.assert_allclose(model.predict(x, verbose=0), _np_logsumexp(x[:, 1:3], -1, False),
                               rtol=1e-5)


def _wrapped(name):
    from keraton.backend_functions.symbolic import symbolic_aware

    return symbolic_aware(getattr(k2, name))


def test_get_graph_scope_does_nothing():
    graph = k2.get_graph()
    with graph.as_default() as g:
        assert g is graph
    assert k2.get_session().graph is graph


# --------------------------------------------------------------------------- convolutions


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("strides, padding, dilation", [(1, "valid", 1), (2, "same", 1),
                                                        (1, "same", 2), (3, "valid", 1)])
def test_separable_conv1d_matches_keras_3(data_format, strides, padding, dilation):
    keras = pytest.importorskip("keras")
    x = _rand(2, 9, 3) if data_format == "channels_last" else _rand(2, 3, 9)
    dw, pw = _rand(3, 3, 2, seed=1), _rand(1, 6, 4, seed=2)
    out = k2.separable_conv1d(torch.tensor(x), torch.tensor(dw), torch.tensor(pw), strides=strides,
                              padding=padding, data_format=data_format, dilation_rate=dilation)
    expected = keras.ops.convert_to_numpy(keras.ops.separable_conv(
        x, dw, pw, strides=strides, padding=padding, data_format=data_format,
        dilation_rate=dilation))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_separable_conv1d_matches_separable_conv2d_on_an_added_axis():
    x, dw, pw = _rand(2, 8, 3), _rand(4, 3, 2, seed=1), _rand(1, 6, 5, seed=2)
    out = k2.separable_conv1d(x, dw, pw, strides=2, padding="same")
    expected = K.separable_conv2d(torch.tensor(x[:, None]), torch.tensor(dw[None]),
                                  torch.tensor(pw[None]), strides=(1, 2), padding="same")
    np.testing.assert_allclose(out.numpy(), expected[:, 0].numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel, strides, padding", [((3, 3, 3), (1, 1, 1), "valid"),
                                                      ((3, 2, 3), (2, 2, 1), "valid"),
                                                      ((3, 3, 1), (2, 1, 2), "same")])
def test_conv3d_transpose_matches_keras_3(data_format, kernel, strides, padding):
    keras = pytest.importorskip("keras")
    x = _rand(2, 3, 4, 2, 5) if data_format == "channels_last" else _rand(2, 5, 3, 4, 2)
    w = _rand(*kernel, 4, 5, seed=1)
    expected = keras.ops.convert_to_numpy(keras.ops.conv_transpose(
        x, w, strides=strides, padding=padding, data_format=data_format))
    out = k2.conv3d_transpose(torch.tensor(x), torch.tensor(w), (None, *expected.shape[1:]),
                              strides=strides, padding=padding, data_format=data_format)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("out_spatial, kernel, strides, padding", [
    ((7, 6, 5), (2, 3, 4), (2, 2, 1), "same"),   # even kernels: TensorFlow's odd cell at the end
    ((8, 5, 6), (3, 2, 2), (2, 2, 3), "valid"),  # an output cell no input reaches
    ((4, 6, 5), (2, 4, 3), (1, 3, 2), "same"),
])
def test_conv3d_transpose_is_the_adjoint_of_conv3d(out_spatial, kernel, strides, padding):
    # tf.nn.conv3d_transpose is the gradient of conv3d: <conv3d(y), x> == <y, conv3d_transpose(x)>.
    w = torch.tensor(_rand(*kernel, 3, 2, seed=1), dtype=torch.float64)
    y = torch.tensor(_rand(2, *out_spatial, 3, seed=2), dtype=torch.float64)
    forward = K.conv3d(y, w, strides=strides, padding=padding)
    x = torch.tensor(_rand(*forward.shape, seed=3), dtype=torch.float64)
    back = k2.conv3d_transpose(x, w, tuple(y.shape), strides=strides, padding=padding)
    assert back.shape == y.shape
    torch.testing.assert_close((forward * x).sum(), (y * back).sum())


@pytest.mark.parametrize("call, message", [
    (lambda: k2.conv3d_transpose(torch.ones(1, 2, 2, 2, 1), torch.ones(3, 3, 3, 1, 1),
                                 (1, 9, 4, 4, 1)), "maps 9 cells to 7, not 2"),
    (lambda: k2.conv3d_transpose(torch.ones(1, 2, 2, 2, 1), torch.ones(3, 3, 3, 1, 2),
                                 (1, 4, 4, 4, 1)), "in_channels"),
    (lambda: k2.conv3d_transpose(torch.ones(1, 2, 2, 1), torch.ones(3, 3, 1, 1),
                                 (1, 4, 4, 1)), "5D input"),
    (lambda: k2.separable_conv1d(torch.ones(1, 5, 2, 2), torch.ones(3, 2, 1),
                                 torch.ones(1, 2, 1)), "3D input"),
])
def test_convolution_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- session


def _model():
    inp = keraton.Input((4,))
    hidden = keraton.layers.Dense(3, activation="relu")(inp)
    out = keraton.layers.Dense(2)(keraton.layers.Dropout(0.5)(hidden))
    return keraton.Model(inp, out), hidden


def test_session_run_matches_predict():
    model, hidden = _model()
    x = _rand(5, 4)
    sess = k2.get_session()
    out = sess.run(model.output, feed_dict={model.input: x})
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6)
    kernel = model.layers[1].kernel
    fetched = sess.run({"h": [hidden, kernel], "o": (model.output,)},
                       feed_dict={model.input: x, K.learning_phase(): 0})
    np.testing.assert_allclose(fetched["h"][0], np.maximum(x @ K.get_value(kernel), 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(fetched["h"][1], K.get_value(kernel))
    assert isinstance(fetched["o"], tuple)
    np.testing.assert_allclose(fetched["o"][0], out, rtol=1e-6)
    assert sess.run(K.variable(2.0)) == 2.0


def test_session_errors_and_no_ops():
    model, _ = _model()
    other = keraton.Input((4,))
    with k2.get_session() as sess:
        with pytest.raises(ValueError, match="need a value for the input.*feed_dict"):
            sess.run(model.output, feed_dict={other: np.zeros((1, 4))})
        with pytest.raises(TypeError, match="cannot fetch 'loss'"):
            sess.run(["loss"])
        with pytest.raises(TypeError, match="feed_dict keys"):
            sess.run(model.output, feed_dict={model.input: np.zeros((1, 4)), "x": 1})
    sess.close()
    assert k2.set_session(object()) is None
    gpus = k2._get_available_gpus()
    assert gpus == [f"/device:GPU:{i}" for i in range(torch.cuda.device_count())] \
        if torch.cuda.is_available() else gpus == []


def test_session_run_feeds_the_learning_phase():
    inp = keraton.Input((200,))
    out = keraton.layers.Dropout(0.5)(inp)
    x = np.ones((1, 200), "float32")
    sess = k2.get_session()
    np.testing.assert_array_equal(sess.run(out, feed_dict={inp: x, K.learning_phase(): 0}), x)
    trained = sess.run(out, feed_dict={inp: x, K.learning_phase(): 1})
    assert set(np.unique(trained)) == {0.0, 2.0}
