"""``K.gradients`` (symbolic and eager) and ``K.placeholder``: the Keras 2 graph idioms on torch."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K

L = keraton.layers


def _mlp():
    inputs = keraton.Input((3,))
    hidden = L.Dense(4, activation="tanh", name="hidden")(inputs)
    return keraton.Model(inputs, L.Dense(2, name="out")(hidden))


def test_symbolic_gradients_wrt_the_input_match_autograd():
    model = _mlp()
    loss = K.mean(model.output[:, 1])
    grads = K.gradients(loss, model.input)
    assert isinstance(grads, list) and grads[0].shape == (None, 3)
    x = np.random.default_rng(0).random((5, 3)).astype("float32")
    loss_value, grad_value = K.function([model.input], [loss, grads[0]])([x])
    xt = torch.tensor(x, requires_grad=True)
    expected = model(xt)[:, 1].mean()
    expected.backward()
    np.testing.assert_allclose(loss_value, expected.item(), rtol=1e-6)
    np.testing.assert_allclose(grad_value, xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_gradients_wrt_a_layer_output_and_a_weight():
    model = _mlp()
    hidden, kernel = model.get_layer("hidden").output, model.get_layer("out").kernel
    grads = K.gradients(K.sum(model.output), [hidden, kernel])
    grad_hidden, grad_kernel = K.function([model.input], grads)([np.ones((2, 3), "float32")])
    # d sum(h @ W + b) / dh = row sums of W; / dW = column sums of h broadcast over outputs.
    w = K.get_value(kernel)
    np.testing.assert_allclose(grad_hidden, np.tile(w.sum(1), (2, 1)), rtol=1e-6)
    h = K.function([model.input], [hidden])([np.ones((2, 3), "float32")])[0]
    np.testing.assert_allclose(grad_kernel, np.tile(h.sum(0)[:, None], (1, 2)), rtol=1e-6)
    assert len(keraton.Model(model.input, grads).weights) == len(model.weights)


def test_grad_cam_idiom():
    # Deep Learning with Python (Keras 2), 5.4.3: class activation maps of a convnet.
    inputs = keraton.Input((8, 8, 3))
    conv = L.Conv2D(4, 3, activation="relu", name="last_conv")
    x = conv(inputs)
    outputs = L.Dense(5, activation="softmax")(L.GlobalAveragePooling2D()(x))
    model = keraton.Model(inputs, outputs)
    class_output = model.output[:, 2]
    grads = K.gradients(class_output, conv.output)[0]
    pooled = K.mean(grads, axis=(0, 1, 2))
    iterate = K.function([model.input], [pooled, conv.output[0]])
    image = np.random.default_rng(1).random((1, 8, 8, 3)).astype("float32")
    pooled_value, conv_value = iterate([image])

    xt = torch.tensor(image)
    feature = conv(xt)
    feature.retain_grad()
    L_out = model.layers[-1](model.layers[-2](feature))
    L_out[:, 2].sum().backward()
    np.testing.assert_allclose(pooled_value, feature.grad.mean(dim=(0, 1, 2)).numpy(),
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(conv_value, feature[0].detach().numpy(), rtol=1e-6)


def test_filter_visualization_gradient_ascent_raises_the_activation():
    # Keras 2's conv_filter_visualization.py: ascend the gradient of a filter's mean activation.
    inputs = keraton.Input((10, 10, 1))
    conv = L.Conv2D(3, 3, name="block1_conv1")
    model = keraton.Model(inputs, conv(inputs))
    loss = K.mean(model.output[:, :, :, 1])
    grads = K.gradients(loss, model.input)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([model.input], [loss, grads])
    image = np.random.default_rng(2).random((1, 10, 10, 1)).astype("float32")
    first, _ = iterate([image])
    for _ in range(5):
        loss_value, grad_value = iterate([image])
        image += grad_value * 0.5
    assert loss_value > first + 0.1


def test_unconnected_variables():
    a, b = keraton.Input((2,)), keraton.Input((2,))
    grads = K.gradients(K.sum(a * 2.0), [a, b])
    got = K.function([a, b], grads)([np.ones((1, 2)), np.ones((1, 2))])
    np.testing.assert_array_equal(got[0], [[2.0, 2.0]])
    np.testing.assert_array_equal(got[1], [[0.0, 0.0]])  # symbolic: zeros, where TF has None
    w = torch.tensor([1.0], requires_grad=True)
    v = torch.tensor([1.0], requires_grad=True)
    assert K.gradients((w * 3).sum(), [w, v])[1] is None  # eager: None, as TensorFlow


def test_eager_gradients_are_differentiable():
    # A gradient penalty: f = sum(w * x**2), df/dx = 2 w x, penalty = sum((2 w x)**2),
    # d penalty / dw = 8 w x**2.
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (grad_x,) = K.gradients((w * x ** 2).sum(), [x])
    torch.testing.assert_close(grad_x.detach(), torch.tensor([2.0, -6.0]))
    (grad_x ** 2).sum().backward()
    torch.testing.assert_close(w.grad, 8 * w.detach() * x.detach() ** 2)


def test_gradients_errors():
    with pytest.raises(ValueError, match="gradients enabled"):
        with torch.no_grad():
            w = torch.ones(2, requires_grad=True)
            K.gradients((w * 2).sum(), w)
    with pytest.raises(ValueError, match="not symbolic"):
        K.gradients(torch.tensor(1.0), keraton.Input((2,)))


def test_placeholder_feeds_a_backend_function():
    x = K.placeholder(shape=(None, 3))
    assert x.shape == (None, 3) and x.dtype == "float32"
    assert K.placeholder(ndim=3, dtype="int32").shape == (None, None, None)
    assert K.placeholder(ndim=2, dtype="int32").dtype == "int32"
    f = K.function([x], [K.square(x), K.gradients(K.sum(K.square(x)), x)[0]])
    squared, grad = f([np.array([[1.0, 2.0, 3.0]])])
    np.testing.assert_allclose(squared, [[1.0, 4.0, 9.0]])
    np.testing.assert_allclose(grad, [[2.0, 4.0, 6.0]])
    with pytest.raises(ValueError, match="`shape` or `ndim`"):
        K.placeholder()
    with pytest.raises(ValueError, match="ragged"):
        K.placeholder(shape=(None, 3), ragged=True)


def test_a_model_with_symbolic_gradients_predicts_and_evaluates():
    # evaluate/predict run without autograd, except for models that differentiate inside.
    model = _mlp()
    grads = K.gradients(K.sum(model.output), model.input)[0]
    saliency = keraton.Model(model.input, grads)
    x = np.random.default_rng(3).random((4, 3)).astype("float32")
    xt = torch.tensor(x, requires_grad=True)
    model(xt).sum().backward()
    np.testing.assert_allclose(saliency.predict(x, verbose=0), xt.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(saliency.predict_on_batch(x), xt.grad.numpy(), rtol=1e-5)


def test_gradients_with_respect_to_frozen_weights():
    model = _mlp()
    frozen = model.get_layer("out")
    frozen.trainable = False
    grads = K.gradients(K.sum(model.output), [frozen.kernel])
    (value,) = K.function([model.input], grads)([np.ones((2, 3), "float32")])
    np.testing.assert_array_equal(value, np.zeros((4, 2)))  # no gradient flows to frozen weights
    w = torch.ones(2)  # eager: a tensor without gradients gets None, as TensorFlow's
    x = torch.ones(2, requires_grad=True)
    assert K.gradients((w * x).sum(), [w]) == [None]
