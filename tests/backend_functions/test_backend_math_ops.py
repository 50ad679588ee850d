"""Keras 2 backend maths, updates, normalization and focal losses against tf.keras 2's outputs.

The reference numbers come from ``tests/fixtures/make_tf2_backend_math_fixtures.py``
(run once with TensorFlow 2.15); tests never import TensorFlow.
"""

import os

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "tf2_backend",
                               "math.npz"))


def _np(t):
    return t.detach().numpy()


def test_cumprod_reverse_sin_cos():
    x4 = FIXTURE["x4"]
    np.testing.assert_allclose(_np(K.cumprod(x4, axis=2)), FIXTURE["cumprod"], rtol=1e-5)
    np.testing.assert_array_equal(_np(K.reverse(x4, [1, 3])), FIXTURE["reverse"])
    np.testing.assert_array_equal(_np(K.reverse(torch.arange(3), 0)), [2, 1, 0])
    np.testing.assert_allclose(_np(K.sin([0.0, np.pi / 2])), [0.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(_np(K.cos([0.0, np.pi])), [1.0, -1.0], atol=1e-7)


@pytest.mark.parametrize("name, axis", [("nhwc", -1), ("nchw", 1), ("2d", -1)])
def test_batch_normalization(name, axis):
    x = FIXTURE["x2"] if name == "2d" else FIXTURE["x4"]
    mean, var, beta, gamma = FIXTURE[f"bn_{name}_stats"]
    got = K.batch_normalization(x, mean, var, beta, gamma, axis=axis, epsilon=1e-3)
    np.testing.assert_allclose(_np(got), FIXTURE[f"bn_{name}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key, axes", [("012", [0, 1, 2]), ("023", [0, 2, 3]), ("01", [0, 1]),
                                       ("013", [0, 1, 3])])
def test_normalize_batch_in_training(key, axes):
    normed, mean, var = K.normalize_batch_in_training(
        FIXTURE["x4"], FIXTURE[f"nbt_{key}_gamma"], FIXTURE[f"nbt_{key}_beta"], axes)
    np.testing.assert_allclose(_np(normed), FIXTURE[f"nbt_{key}"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(mean), FIXTURE[f"nbt_{key}_mean"], rtol=1e-5, atol=1e-6)
    # [0, 1, 2] goes through TensorFlow's fused kernel: the unbiased variance comes back.
    np.testing.assert_allclose(_np(var), FIXTURE[f"nbt_{key}_var"], rtol=1e-5)


def test_normalize_batch_in_training_without_scale_and_offset():
    normed, mean, var = K.normalize_batch_in_training(FIXTURE["x2"], None, None, [0])
    for got, key in ((normed, "nbt_2d"), (mean, "nbt_2d_mean"), (var, "nbt_2d_var")):
        np.testing.assert_allclose(_np(got), FIXTURE[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("balancing", [False, True])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_focal_crossentropy(balancing, gamma, from_logits):
    output = FIXTURE["bf_logits" if from_logits else "bf_probs"]
    got = K.binary_focal_crossentropy(FIXTURE["bf_target"], output, apply_class_balancing=balancing,
                                      alpha=0.3, gamma=gamma, from_logits=from_logits)
    key = f"bf_{int(balancing)}_{int(gamma)}" + ("_logits" if from_logits else "")
    np.testing.assert_allclose(_np(got), FIXTURE[key], rtol=1e-5, atol=1e-7)


def test_categorical_focal_crossentropy():
    got = K.categorical_focal_crossentropy(FIXTURE["cf_target"], FIXTURE["bf_probs"])
    np.testing.assert_allclose(_np(got), FIXTURE["cf"], rtol=1e-5, atol=1e-7)
    got = K.categorical_focal_crossentropy(FIXTURE["cf_target"], FIXTURE["bf_logits"],
                                           alpha=[0.2, 0.5, 0.3], gamma=1.5, from_logits=True)
    np.testing.assert_allclose(_np(got), FIXTURE["cf_logits"], rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="same shape"):
        K.categorical_focal_crossentropy(np.ones((2, 3)), np.ones((2, 4)))


@pytest.mark.parametrize("case, args", enumerate([
    ([[1.0, 2.0], [3.0, 4.5]], {"message": "hello"}),
    (np.arange(100.0).reshape(10, 10), {"message": "big:"}),
    (np.arange(12).reshape(3, 4), {"summarize": 1}),
    (np.arange(8.0) / 4, {"message": "all", "summarize": -1}),
]))
def test_print_tensor_prints_as_tf_print(case, args, capsys):
    value = torch.as_tensor(np.asarray(args[0]))
    assert K.print_tensor(value, **args[1]) is value
    assert capsys.readouterr().out == str(FIXTURE["print_texts"][case])


def test_updates_assign_in_place_and_return_the_variable():
    v = K.variable([1.0, 2.0])
    assert K.update(v, [5.0, 6.0]) is v
    np.testing.assert_array_equal(K.get_value(v), [5.0, 6.0])
    K.update_add(v, [1.0, 1.0])
    K.update_sub(v, 0.5)
    np.testing.assert_array_equal(K.get_value(v), [5.5, 6.5])
    m = K.variable([0.0, 10.0])
    K.moving_average_update(m, [2.0, 0.0], 0.9)  # x * 0.9 + value * 0.1
    np.testing.assert_allclose(K.get_value(m), [0.2, 9.0], rtol=1e-6)
    with pytest.raises(TypeError, match="updates a variable"):
        K.update_add([1.0], 1.0)


def test_moving_average_update_inside_a_custom_layer():
    class RunningMean(keraton.layers.Layer):
        def build(self, input_shape):
            self.moving = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                          trainable=False, name="moving")

        def call(self, inputs):
            K.moving_average_update(self.moving, K.mean(inputs, axis=0), 0.5)
            return inputs

    layer = RunningMean()
    layer(np.array([[2.0, 4.0], [4.0, 8.0]], dtype="float32"))
    layer(np.array([[2.0, 4.0], [4.0, 8.0]], dtype="float32"))
    np.testing.assert_allclose(K.get_value(layer.moving), [2.25, 4.5])  # 0 -> 1.5 -> 2.25


def test_dropout_scales_kept_entries_and_shares_noise_shape():
    x = torch.ones(200, 50)
    out = K.dropout(x, 0.4, seed=3)
    kept = out != 0
    np.testing.assert_allclose(_np(out[kept]), 1 / 0.6, rtol=1e-6)
    assert 0.5 < kept.float().mean().item() < 0.7
    shared = K.dropout(x, 0.5, noise_shape=(200, 1), seed=3)
    assert bool(((shared == 0).all(1) | (shared != 0).all(1)).all())  # whole rows kept or dropped
    assert torch.equal(K.dropout(x, 0.4, seed=3), out)
    with pytest.raises(ValueError, match=r"level in \[0, 1\)"):
        K.dropout(x, 1.0)


def test_random_variables_and_truncated_normal():
    t = K.truncated_normal((20000,), mean=1.0, stddev=2.0, seed=1)
    assert t.min() >= -3.0 and t.max() <= 5.0
    assert abs(t.mean().item() - 1.0) < 0.05
    # A normal truncated at two standard deviations has standard deviation 0.8796 * stddev.
    assert abs(t.std().item() - 0.8796 * 2.0) < 0.03
    assert torch.equal(K.truncated_normal((5,), seed=4), K.truncated_normal((5,), seed=4))
    u = K.random_uniform_variable((1000,), -2.0, -1.0, seed=2)
    assert isinstance(u, torch.nn.Parameter) and u.min() >= -2.0 and u.max() < -1.0
    n = K.random_normal_variable((4000,), 3.0, 0.5, dtype="float64", seed=2)
    assert n.dtype == torch.float64 and abs(n.mean().item() - 3.0) < 0.05


def test_learning_phase_scope_restores_the_previous_phase():
    dropout = keraton.layers.Dropout(0.999)
    x = torch.ones(4, 100)
    with pytest.warns(DeprecationWarning, match="learning_phase_scope"):
        with K.learning_phase_scope(1):
            assert K.learning_phase() == 1
            assert (dropout(x) == 0).float().mean() > 0.9  # a bare call trains
    assert torch.equal(dropout(x), x)
    with pytest.raises(ValueError, match="0 or 1"), pytest.warns(DeprecationWarning):
        with K.learning_phase_scope(2):
            pass


def test_reset_uids_name_scope_and_manual_initialization_flag():
    keraton.layers.Dense(1)
    K.reset_uids()
    assert keraton.layers.Dense(1).name == "dense"
    assert keraton.layers.Dense(1).name == "dense_1"
    with K.name_scope("block"):
        layer = keraton.layers.Dense(2)
        layer.build((None, 3))
    assert layer.kernel.path.startswith("block/")
    K.manual_variable_initialization(True)  # a flag only: variables hold their values anyway
    K.manual_variable_initialization(False)
