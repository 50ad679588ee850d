"""CompileLoss / CompileMetrics: per-output mapping and tf.keras 2's resolution of 'accuracy'."""

import numpy as np
import pytest
import torch

import keraton
from keraton import losses, metrics
from keraton.trainers.compile_utils import CompileLoss, CompileMetrics, LossTracker


@pytest.mark.parametrize("y_true_shape,y_pred_shape,expected", [
    ((8, 1), (8, 1), metrics.BinaryAccuracy),
    ((8,), (8, 1), metrics.BinaryAccuracy),
    ((8,), (8, 5), metrics.SparseCategoricalAccuracy),
    ((8, 1), (8, 5), metrics.SparseCategoricalAccuracy),
    ((8, 5), (8, 5), metrics.CategoricalAccuracy),
])
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_resolved_from_shapes(y_true_shape, y_pred_shape, expected, name):
    cm = CompileMetrics([name])
    cm.build(torch.zeros(y_true_shape), torch.zeros(y_pred_shape), ["out"])
    (log_name, metric, _, _), = cm.entries
    assert isinstance(metric, expected) and log_name == name


def test_crossentropy_resolved_from_shapes():
    cm = CompileMetrics(["crossentropy"])
    cm.build(torch.zeros(4, dtype=torch.long), torch.full((4, 3), 1 / 3), ["out"])
    assert isinstance(cm.entries[0][1], metrics.SparseCategoricalCrossentropy)


def test_metric_values_accumulate_over_batches():
    cm = CompileMetrics(["mae"])
    y_pred = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    cm.build(torch.zeros(4, 1), y_pred, ["out"])
    cm.update_state(torch.zeros(2, 1), y_pred[:2])
    cm.update_state(torch.zeros(2, 1), y_pred[2:])
    assert float(cm.result()["mae"]) == pytest.approx(2.5)
    cm.reset_state()
    cm.update_state(torch.zeros(1, 1), torch.ones(1, 1))
    assert float(cm.result()["mae"]) == pytest.approx(1.0)


def test_weighted_metrics_use_sample_weight_and_get_prefix_on_clash():
    cm = CompileMetrics(["mae"], weighted_metrics=["mae"])
    cm.build(torch.zeros(2, 1), torch.zeros(2, 1), ["out"])
    assert [e[0] for e in cm.entries] == ["mae", "weighted_mae"]
    cm.update_state(torch.zeros(2, 1), torch.tensor([[1.0], [3.0]]), torch.tensor([1.0, 0.0]))
    result = cm.result()
    assert float(result["mae"]) == pytest.approx(2.0)
    assert float(result["weighted_mae"]) == pytest.approx(1.0)


def test_compile_loss_single_and_weighted_outputs():
    single = CompileLoss("mse", loss_weights=[2.0])
    single.build(torch.zeros(3, 1))
    value = single(torch.ones(3, 1), torch.zeros(3, 1))
    assert float(value) == pytest.approx(2.0)
    multi = CompileLoss({"a": "mse", "b": losses.MeanAbsoluteError()}, loss_weights={"b": 3.0},
                        output_names=["a", "b"])
    multi.build([torch.zeros(2, 1), torch.zeros(2, 1)])
    total = multi({"a": torch.ones(2, 1), "b": torch.full((2, 1), 2.0)}, [torch.zeros(2, 1), torch.zeros(2, 1)])
    assert float(total) == pytest.approx(1.0 + 3.0 * 2.0)
    assert [float(v) for v in multi.last_output_losses] == pytest.approx([1.0, 2.0])


@pytest.mark.parametrize("loss,match", [
    (["mse"], "1 losses but the model has 2"),
    ({"nope": "mse"}, "unknown output"),
])
def test_compile_loss_structure_errors(loss, match):
    cl = CompileLoss(loss, output_names=["a", "b"])
    with pytest.raises(ValueError, match=match):
        cl.build([torch.zeros(1, 1), torch.zeros(1, 1)])


def test_targets_structure_error():
    cl = CompileLoss("mse", output_names=["a", "b"])
    cl.build([torch.zeros(1, 1), torch.zeros(1, 1)])
    with pytest.raises(ValueError, match="2 outputs"):
        cl(torch.zeros(1, 1), [torch.zeros(1, 1), torch.zeros(1, 1)])


def test_loss_tracker_is_batch_size_weighted():
    tracker = LossTracker()
    tracker.update_state(torch.tensor(1.0), 3)
    tracker.update_state(torch.tensor(5.0), 1)
    assert float(tracker.result()) == pytest.approx(2.0)
    tracker.reset_state()
    assert float(tracker.result()) == 0.0


def test_keras2_metric_function_names_log_under_their_own_names():
    """metrics=['logcosh', 'kld'] as tf.keras 2.15 computes and names them (values from tf.keras)."""
    rng = np.random.RandomState(0)
    x = rng.rand(20, 3).astype("float32")
    y = x.sum(1, keepdims=True)
    model = keraton.Sequential([keraton.layers.Dense(
        1, input_shape=(3,), kernel_initializer=keraton.initializers.Constant(0.5))])
    model.compile("sgd", "mse", metrics=["logcosh", "kld"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["kld", "logcosh", "loss"]  # sorted, as Keras 3's logs
    np.testing.assert_allclose([logs["loss"], logs["logcosh"], logs["kld"]],
                               [0.6565068960189819, 0.289726197719574, 0.3113165497779846], rtol=1e-6)


@pytest.mark.parametrize("multi", [False, True])
def test_repeated_metric_names_get_keras_suffixes(multi):
    """Keras 3 logs a repeated name as name_1, name_2 (weighted: weighted_name, then _1)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 4)).astype("float32")
    y = rng.integers(0, 2, size=(20, 1)).astype("float32")
    inp = keraton.Input((4,))
    a = keraton.layers.Dense(1, activation="sigmoid", name="a")(inp)
    b = keraton.layers.Dense(1, activation="sigmoid", name="b")(inp)
    if multi:
        model = keraton.Model(inp, [a, b])
        model.compile("sgd", "mse", metrics=[["mae", "mae"], ["mae"]], weighted_metrics=[["mae"], ["mae"]])
        expected = {"loss", "a_loss", "b_loss", "a_mae", "a_mae_1", "b_mae", "a_weighted_mae",
                    "b_weighted_mae"}  # the names real Keras 3.15 gives
        y = [y, y]
    else:
        model = keraton.Model(inp, a)
        model.compile("sgd", "binary_crossentropy",
                      metrics=[metrics.BinaryAccuracy(), metrics.BinaryAccuracy(threshold=0.9)],
                      weighted_metrics=["binary_accuracy", "binary_accuracy"])
        expected = {"loss", "binary_accuracy", "binary_accuracy_1", "weighted_binary_accuracy",
                    "weighted_binary_accuracy_1"}
    logs = model.evaluate(x, y, sample_weight=np.ones(20), verbose=0, return_dict=True)
    assert set(logs) == expected
    if not multi:
        pred = model.predict(x, verbose=0)
        assert logs["binary_accuracy"] == pytest.approx(np.mean((pred > 0.5) == y), abs=1e-6)
        assert logs["binary_accuracy_1"] == pytest.approx(np.mean((pred > 0.9) == y), abs=1e-6)


@pytest.mark.parametrize("loss, y_keys", [({"o1": "mse"}, ["o1"]), ({"o1": "mse", "o2": None}, ["o1", "o2"])])
def test_loss_for_some_outputs_trains_on_those_targets_alone(loss, y_keys):
    """As Keras 3: outputs without a loss need no target, and one loss logs only ``loss``."""
    rng = np.random.default_rng(23)
    x = rng.normal(size=(32, 4)).astype("float32")
    targets = {"o1": rng.normal(size=(32, 1)).astype("float32"),
               "o2": rng.normal(size=(32, 2)).astype("float32")}
    inp = keraton.Input((4,), name="in")
    model = keraton.Model(inp, {"o1": keraton.layers.Dense(1, name="o1")(inp),
                                "o2": keraton.layers.Dense(2, name="o2")(inp)})
    model.compile(optimizer=keraton.optimizers.SGD(0.1), loss=loss)
    kernel, bias = (w.copy() for w in model.get_layer("o1").get_weights())
    o2_before = model.get_layer("o2").get_weights()
    history = model.fit(x, {k: targets[k] for k in y_keys}, epochs=1, batch_size=32, verbose=0)
    assert set(history.history) == {"loss"}
    np.testing.assert_allclose(history.history["loss"],
                               [np.mean((x @ kernel + bias - targets["o1"]) ** 2)], rtol=1e-5)
    for a, b in zip(model.get_layer("o2").get_weights(), o2_before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"The target dict lacks outputs \['o1'\]"):
        model.evaluate(x, {"o2": targets["o2"]}, verbose=0)


@pytest.mark.parametrize("metrics_arg", [{"o1": ["mae"]}, [["mae"], None], [["mae"], []]])
def test_outputs_without_loss_or_metrics_need_no_target(metrics_arg):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 4)).astype("float32")
    y1 = rng.normal(size=(16, 1)).astype("float32")
    inp = keraton.Input((4,))
    model = keraton.Model(inp, {"o1": keraton.layers.Dense(1, name="o1")(inp),
                                "o2": keraton.layers.Dense(2, name="o2")(inp)})
    model.compile("sgd", loss={"o1": "mse"}, metrics=metrics_arg)
    logs = model.evaluate(x, {"o1": y1}, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)["o1"]
    assert logs["o1_mae"] == pytest.approx(float(np.mean(np.abs(pred - y1))), rel=1e-5)
