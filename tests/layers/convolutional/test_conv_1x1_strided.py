"""A strided 1x1 convolution (a ResNet projection shortcut) on channels_last data.

torch's own backward of that case corrupts the heap (keraton subsamples the
input instead); here the result and gradients must equal the direct formula.
"""

import numpy as np
import torch

import keraton
from keraton import layers


def test_strided_1x1_conv2d_matches_subsampled_matmul_and_trains():
    rng = np.random.RandomState(0)
    x = rng.randn(4, 9, 8, 3).astype("float32")
    conv = layers.Conv2D(5, 1, strides=2, padding="same")
    conv.build(x.shape)
    kernel = rng.randn(1, 1, 3, 5).astype("float32")
    bias = rng.randn(5).astype("float32")
    conv.set_weights([kernel, bias])
    y = conv(torch.from_numpy(x))
    expected = x[:, ::2, ::2, :] @ kernel[0, 0] + bias
    assert tuple(y.shape) == (4, 5, 4, 5)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    y.sum().backward()
    grad_kernel = conv.kernel.grad.numpy()  # Keras's layout, as the kernel
    np.testing.assert_allclose(grad_kernel[0, 0], np.broadcast_to(
        x[:, ::2, ::2, :].sum(axis=(0, 1, 2))[:, None], (3, 5)), rtol=1e-5)


def test_resnet_projection_shortcut_trains_with_one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        inputs = layers.Input((16, 16, 3))
        x = layers.Conv2D(4, 1, strides=2, padding="same")(inputs)
        outputs = layers.Dense(2, activation="softmax")(layers.Flatten()(x))
        model = keraton.Model(inputs, outputs)
        model.compile("adam", "categorical_crossentropy")
        rng = np.random.RandomState(0)
        for _ in range(3):
            loss = model.train_on_batch(rng.randn(8, 16, 16, 3).astype("float32"),
                                        np.eye(2)[rng.randint(0, 2, 8)])
        assert np.isfinite(loss)
    finally:
        torch.set_num_threads(threads)
