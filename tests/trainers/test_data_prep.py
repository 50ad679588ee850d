"""Standardising user data: lists, dtypes, 1-D expansion, structure, split, class weights."""

import numpy as np
import pytest
import torch

import keraton
from keraton.trainers.data_prep import prepare_data, split_validation


def _model(inputs=1):
    if inputs == 1:
        return keraton.Sequential([keraton.layers.Dense(1, input_dim=1)])
    a, b = keraton.Input((2,), name="a"), keraton.Input((1,), name="b")
    return keraton.Model([a, b], keraton.layers.Dense(1)(a))


def test_python_lists_of_scalars_become_float_columns():
    (x, y, sw), val = prepare_data(_model(), [1, 2, 3, 4], [1, 2, 3, 4])
    assert x.dtype == torch.float32 and x.shape == (4, 1)
    assert torch.equal(x[:, 0], torch.tensor([1.0, 2, 3, 4]))
    assert y.tolist() == [1, 2, 3, 4] and sw is None and val is None


def test_float64_becomes_floatx_and_ints_stay_for_targets():
    (x, y, _), _ = prepare_data(_model(), np.ones((3, 1)), np.array([0, 1, 1]))
    assert x.dtype == torch.float32 and y.dtype == torch.int64


def test_multi_input_list_and_dict():
    model = _model(inputs=2)
    xa, xb = np.zeros((5, 2)), np.ones((5, 1))
    (x, _, _), _ = prepare_data(model, [xa, xb], np.zeros(5))
    assert [t.shape for t in x] == [(5, 2), (5, 1)]
    (x, _, _), _ = prepare_data(model, {"b": xb, "a": xa}, np.zeros(5))
    assert list(x) == ["a", "b"] and x["b"].shape == (5, 1)
    with pytest.raises(ValueError, match="expects 2 input"):
        prepare_data(model, [xa], np.zeros(5))


def test_split_takes_the_last_fraction():
    (x, y, sw), _ = prepare_data(_model(), np.arange(10.0), np.arange(10.0))
    train, val = split_validation((x, y, sw), 0.2)
    assert train[0][:, 0].tolist() == list(range(8)) and val[1].tolist() == [8.0, 9.0]
    assert train[2] is None and val[2] is None
    with pytest.raises(ValueError, match="empty"):
        split_validation((x, y, sw), 0.999)


def test_class_weight_becomes_sample_weight():
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(3)])
    (x, y, sw), _ = prepare_data(model, np.zeros((4, 2)), np.array([0, 2, 1, 2]), class_weight={2: 3.0, 0: 0.5})
    assert sw.tolist() == [0.5, 3.0, 1.0, 3.0]
    onehot = np.eye(3)[[0, 2, 1, 2]]
    (_, _, sw2), _ = prepare_data(model, np.zeros((4, 2)), onehot, sample_weight=np.full(4, 2.0),
                                  class_weight={2: 3.0, 0: 0.5})
    assert sw2.tolist() == [1.0, 6.0, 2.0, 6.0]


@pytest.mark.parametrize("bad,match", [
    (dict(validation_data=(np.zeros(2),) * 4), "validation_data must be a tuple"),
    (dict(x=np.array(["a", "b"])), r"dtype float32, but the data are strings"),
    (dict(y=np.array(["a", "b"])), "not numeric"),
    (dict(x=None), "x is None"),
])
def test_errors(bad, match):
    kwargs = dict(x=np.zeros(2), y=np.zeros(2))
    kwargs.update(bad)
    x = kwargs.pop("x")
    y = kwargs.pop("y")
    with pytest.raises((ValueError, TypeError), match=match):
        prepare_data(_model(), x, y, **kwargs)


def test_class_weight_weighs_the_training_part_only_not_the_validation_split():
    """As tf.keras 2 and Keras 3: val_loss of validation_split data is unweighted (lr=0 run)."""
    rng = np.random.RandomState(3)
    x = rng.rand(100, 6).astype("float32")
    labels = rng.randint(0, 3, 100)
    y = np.eye(3, dtype="float32")[labels]
    model = keraton.Sequential([keraton.Input((6,)), keraton.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keraton.optimizers.SGD(learning_rate=0.0), loss="categorical_crossentropy")
    weights = {0: 1.0, 1: 2.0, 2: 0.5}
    history = model.fit(x, y, batch_size=20, epochs=1, verbose=0, class_weight=weights, shuffle=False,
                        validation_split=0.3)
    unweighted = model.evaluate(x[70:], y[70:], verbose=0)
    weighted = model.evaluate(x[70:], y[70:], sample_weight=np.array([weights[i] for i in labels[70:]]),
                              verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(unweighted, rel=1e-6)
    assert abs(unweighted - weighted) > 1e-3  # the check above could tell the two apart
    # The training loss is class-weighted: it equals the weighted evaluation of the first 70.
    train_weighted = model.evaluate(x[:70], y[:70], sample_weight=np.array([weights[i] for i in labels[:70]]),
                                    batch_size=20, verbose=0)
    assert history.history["loss"][0] == pytest.approx(train_weighted, rel=1e-5)


@pytest.mark.parametrize("input_shape, data_shape", [((4,), (6, 4, 1)), ((3, 1), (6, 3)), ((), (6, 1))])
def test_data_rank_off_by_a_trailing_one_is_adjusted_as_keras3(input_shape, data_shape):
    """Keras 3's _adjust_input_rank: drop a trailing 1 the input lacks, or add one it has."""
    inp = keraton.Input(input_shape)
    model = keraton.Model(inp, keraton.layers.Lambda(lambda t: t * 2.0)(inp))
    x = np.arange(np.prod(data_shape), dtype="float32").reshape(data_shape)
    out = model.predict(x, verbose=0)
    assert out.shape == (6, *input_shape)
    np.testing.assert_array_equal(out.reshape(-1), 2.0 * x.reshape(-1))


@pytest.mark.parametrize("sequential", [True, False])
def test_data_rank_off_by_a_non_one_axis_is_still_refused(sequential):
    # A Sequential checks no input spec (Keras 3): its first layer refuses the data.
    inp = keraton.Input((4,))
    model = (keraton.Sequential([inp, keraton.layers.Dense(2)]) if sequential
             else keraton.Model(inp, keraton.layers.Dense(2)(inp)))
    match = r"dense.*\(5, 4, 2\)" if sequential else r"expects data of shape \(None, 4\).*\(5, 4, 2\)"
    with pytest.raises(ValueError, match=match):
        model.predict(np.ones((5, 4, 2), "float32"), verbose=0)
