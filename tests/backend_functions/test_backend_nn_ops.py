"""Keras 2 backend activations and crossentropies against hand computations and Keras 3."""

import numpy as np
import pytest
import torch

from keraton import backend as K

EPS = 1e-7
LOGITS = np.array([[1.0, -2.0, 0.5], [0.1, 0.2, 3.0]], dtype="float32")
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
ONE_HOT = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype="float32")


def test_softmax_and_rejects_1d():
    np.testing.assert_allclose(K.softmax(torch.tensor(LOGITS)).numpy(), PROBS, rtol=1e-6)
    e = np.exp(LOGITS - LOGITS.max())
    np.testing.assert_allclose(K.softmax(torch.tensor(LOGITS), axis=(0, 1)).numpy(),
                               e / e.sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="1D"):
        K.softmax(torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [0.0, 0.0, 0.5, 7.0]),
    ({"alpha": 0.1}, [-0.3, 0.0, 0.5, 7.0]),
    ({"max_value": 6.0}, [0.0, 0.0, 0.5, 6.0]),
    ({"threshold": 1.0}, [0.0, 0.0, 0.0, 7.0]),
    ({"alpha": 0.5, "threshold": 1.0, "max_value": 5.0}, [-2.0, -0.5, -0.25, 5.0]),
])
def test_relu_keras2_arguments(kwargs, expected):
    x = torch.tensor([-3.0, 0.0, 0.5, 7.0])
    np.testing.assert_allclose(K.relu(x, **kwargs).numpy(), expected, rtol=1e-6)


def test_other_activations():
    x = torch.tensor([-3.0, 0.0, 2.0])
    np.testing.assert_allclose(K.sigmoid(x).numpy(), 1 / (1 + np.exp([3.0, 0.0, -2.0])), rtol=1e-6)
    np.testing.assert_allclose(K.tanh(x).numpy(), np.tanh([-3.0, 0.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(K.hard_sigmoid(x).numpy(), [0.0, 0.5, 0.9], rtol=1e-6)
    np.testing.assert_allclose(K.softsign(x).numpy(), [-0.75, 0.0, 2 / 3], rtol=1e-6)
    np.testing.assert_allclose(K.elu(x).numpy(), [np.exp(-3.0) - 1, 0.0, 2.0], rtol=1e-6)


def test_binary_crossentropy_hand_computed():
    target = np.array([1.0, 0.0, 1.0, 0.0], dtype="float32")
    output = np.array([0.9, 0.2, 0.0, 1.0], dtype="float32")
    clipped = np.clip(output, EPS, 1 - EPS)
    expected = -(target * np.log(clipped + EPS) + (1 - target) * np.log(1 - clipped + EPS))
    got = K.binary_crossentropy(torch.tensor(target), torch.tensor(output))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    logits = np.array([2.0, -1.0, 0.0, 3.0], dtype="float32")
    expected = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    got = K.binary_crossentropy(torch.tensor(target), torch.tensor(logits), from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_categorical_crossentropy_hand_computed():
    unnormalized = PROBS * 2.0  # rescaled to sum to 1 first, as Keras 2
    expected = -np.sum(ONE_HOT * np.log(np.clip(PROBS, EPS, 1 - EPS)), axis=-1)
    got = K.categorical_crossentropy(torch.tensor(ONE_HOT), torch.tensor(unnormalized))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    got = K.categorical_crossentropy(torch.tensor(ONE_HOT), torch.tensor(LOGITS), from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    got = K.categorical_crossentropy(torch.tensor(ONE_HOT.T), torch.tensor(PROBS.T), axis=0)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        K.categorical_crossentropy(torch.zeros(2, 3), torch.zeros(2, 4))


@pytest.mark.parametrize("target", [[1, 2], [[1], [2]]])
def test_sparse_categorical_crossentropy_hand_computed(target):
    expected = -np.log(PROBS[[0, 1], [1, 2]])
    got = K.sparse_categorical_crossentropy(torch.tensor(target), torch.tensor(PROBS))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    got = K.sparse_categorical_crossentropy(torch.tensor(target), torch.tensor(LOGITS),
                                            from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("name, from_logits", [
    ("binary_crossentropy", False), ("binary_crossentropy", True),
    ("categorical_crossentropy", False), ("categorical_crossentropy", True),
    ("sparse_categorical_crossentropy", False), ("sparse_categorical_crossentropy", True),
])
def test_crossentropies_match_keras3_ops(name, from_logits):
    keras = pytest.importorskip("keras")
    output = LOGITS if from_logits else PROBS
    target = np.array([1, 2]) if name.startswith("sparse") else ONE_HOT
    expected = keras.ops.convert_to_numpy(
        getattr(keras.ops, name)(target, output, from_logits=from_logits))
    got = getattr(K, name)(torch.tensor(target), torch.tensor(output), from_logits=from_logits)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_bias_add_channels_first():
    x = torch.zeros(2, 3, 4)
    bias = torch.tensor([1.0, 2.0, 3.0])
    assert K.bias_add(x, bias, data_format="channels_first")[0, :, 0].tolist() == [1.0, 2.0, 3.0]
    assert K.bias_add(torch.zeros(2, 3), bias)[1].tolist() == [1.0, 2.0, 3.0]
