"""timeseries_dataset_from_array: windows, targets and options against hand-built windows; fit takes it."""

import numpy as np
import pytest

import keraton
from keraton.utils import PyDataset, timeseries_dataset_from_array


def _all(ds):
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return np.concatenate(xs), np.concatenate(ys)


@pytest.mark.parametrize("sequence_length,stride,rate,start,end", [
    (3, 1, 1, None, None), (4, 2, 1, None, None), (3, 1, 2, None, None),
    (2, 3, 2, 5, 40), (5, 1, 3, 2, None),
])
def test_windows_and_targets(sequence_length, stride, rate, start, end):
    data = np.arange(100).reshape(50, 2)
    targets = np.arange(50) * 10
    ds = timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=stride,
                                       sampling_rate=rate, batch_size=4, start_index=start,
                                       end_index=end)
    assert isinstance(ds, PyDataset)
    x, y = _all(ds)
    s, e = start or 0, end or 50
    positions = list(range(0, e - s - (sequence_length - 1) * rate, stride))
    expected_x = np.stack([data[s + p: s + p + sequence_length * rate: rate] for p in positions])
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, targets[[s + p for p in positions]])
    assert len(ds) == -(-len(positions) // 4) and ds[0][0].shape == (4, sequence_length, 2)


def test_keras_docstring_example_and_no_targets():
    ds = timeseries_dataset_from_array(np.arange(100), None, sequence_length=10, sampling_rate=2,
                                       batch_size=None)
    assert ds[0].tolist() == list(range(0, 20, 2)) and len(ds) == 82


def test_shuffle_is_seeded_permutation():
    data = np.arange(30)
    a = timeseries_dataset_from_array(data, data, 3, batch_size=5, shuffle=True, seed=4)
    b = timeseries_dataset_from_array(data, data, 3, batch_size=5, shuffle=True, seed=4)
    xa, ya = _all(a)
    np.testing.assert_array_equal(xa, _all(b)[0])
    np.testing.assert_array_equal(xa[:, 0], ya)
    expected = np.arange(28)
    np.random.RandomState(4).shuffle(expected)
    np.testing.assert_array_equal(ya, expected)


def test_targets_shorter_than_data_limit_windows():
    ds = timeseries_dataset_from_array(np.arange(20), np.arange(5), 3, batch_size=10)
    assert _all(ds)[1].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("kwargs,match", [
    ({"start_index": -1}, "start_index"), ({"start_index": 20}, "start_index"),
    ({"start_index": 5, "end_index": 4}, "end_index"), ({"end_index": 20}, "end_index"),
    ({"sampling_rate": 0}, "sampling_rate"), ({"sequence_stride": 20}, "sequence_stride"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(20), None, 3, **kwargs)


def test_fit_takes_it():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(64, 1)).astype("float32")
    ds = timeseries_dataset_from_array(series, series[:, 0], sequence_length=4, batch_size=16)
    model = keraton.Sequential([keraton.Input((4, 1)), keraton.layers.Flatten(), keraton.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
