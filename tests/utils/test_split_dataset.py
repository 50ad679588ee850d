"""split_dataset: Keras's size rules and errors, order, sample structure, use in fit."""

import numpy as np
import pytest
import torch

import keraton
from keraton.utils.split_dataset import DatasetSplit, rescale_split_sizes, split_dataset

SIZES = [(0.8, None), (None, 0.25), (3, None), (None, 4), (0.5, 0.5), (6, 4), (0.3, 0.2), (2, 3),
         (0.7, 3), (0.06, None)]


@pytest.mark.parametrize("left,right", SIZES)
def test_sizes_match_keras(left, right):
    pytest.importorskip("keras")
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes
    assert rescale_split_sizes(left, right, 10) == _rescale_dataset_split_sizes(left, right, 10)


@pytest.mark.parametrize("left,right", [
    (0, 0), (0, None), (10, None), (None, 1.0), (-1, None), (0.7, 0.5), (8, 5), ("1", None),
    (None, [2]), ("a", "b"), (0.01, None), (0.05, None), (True, None),
])
def test_size_errors_match_keras(left, right):
    pytest.importorskip("keras")
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes
    with pytest.raises((TypeError, ValueError)) as expected:
        _rescale_dataset_split_sizes(left, right, 10)
    with pytest.raises(expected.type):
        rescale_split_sizes(left, right, 10)


def test_shuffle_draws_keras_torch_permutation():
    keras = pytest.importorskip("keras")
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = split_dataset((x, y), left_size=0.7, shuffle=True, seed=3)
    k_left, k_right = keras.utils.split_dataset((x, y), left_size=0.7, shuffle=True, seed=3)
    assert left.indices == list(k_left.indices) and right.indices == list(k_right.indices)
    for i in range(len(left)):
        np.testing.assert_array_equal(left[i][0], k_left[i][0].numpy())
        assert left[i][1] == k_left[i][1].item()


def test_no_shuffle_keeps_order_and_structure():
    x = np.arange(12).reshape(6, 2)
    left, right = split_dataset(x, left_size=2, right_size=3)
    assert isinstance(left, torch.utils.data.Subset) and isinstance(left, DatasetSplit)
    assert [row.tolist() for row in left] == [[0, 1], [2, 3]]
    assert [row.tolist() for row in right] == [[6, 7], [8, 9], [10, 11]]
    left, right = split_dataset({"a": x, "b": np.arange(6)}, right_size=0.5)
    assert right[0]["a"].tolist() == [6, 7] and right[0]["b"] == 3
    batches = right.batch(2)
    assert len(batches) == 2 and batches[1]["a"].tolist() == [[10, 11]]
    assert len(right.batch(2, drop_remainder=True)) == 1
    left, _ = split_dataset([x, np.arange(6)], left_size=4)
    assert isinstance(left[3], tuple) and left[3][1] == 3


def test_torch_datasets():
    base = torch.utils.data.TensorDataset(torch.arange(8.0)[:, None], torch.arange(8))
    left, right = split_dataset(base, left_size=0.75)
    assert len(left) == 6 and right[1][1].item() == 7

    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    left, right = split_dataset(Stream(), right_size=2)
    assert list(left) == [0, 1, 2] and list(right) == [3, 4]


def test_fit_evaluate_predict_take_splits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    train, test = split_dataset((x, y), left_size=0.8, shuffle=True, seed=1)
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(train, batch_size=4, epochs=1, verbose=0)
    model.fit(train.batch(4), epochs=1, verbose=0)
    loss = model.evaluate(test, verbose=0)
    test_x = np.stack([test[i][0] for i in range(len(test))])
    test_y = np.stack([test[i][1] for i in range(len(test))])
    np.testing.assert_allclose(loss, np.mean((model.predict(test_x, verbose=0) - test_y) ** 2),
                               rtol=1e-5)
    assert model.predict(test.batch(3), verbose=0).shape == (4, 1)


@pytest.mark.parametrize("dataset,kwargs,error,match", [
    (np.arange(5), {}, ValueError, "At least one"),
    ("abc", {"left_size": 1}, TypeError, "must be a `torch.utils.data.Dataset`"),
    ([], {"left_size": 1}, ValueError, "empty"),
    ([np.arange(5), [1, 2, 3, 4, 5]], {"left_size": 1}, ValueError, "numpy.ndarray"),
    ((np.arange(5), np.arange(4)), {"left_size": 1}, ValueError, "different lengths"),
    (np.arange(5), {"left_size": 1, "preferred_backend": "tensorflow"}, ValueError, "tf.data"),
])
def test_bad_datasets(dataset, kwargs, error, match):
    with pytest.raises(error, match=match):
        split_dataset(dataset, **kwargs)
