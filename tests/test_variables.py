"""``keraton.Variable``: Keras 3's variable API on the ``nn.Parameter``s layers and metrics hold."""

import copy
import pickle

import numpy as np
import pytest
import torch

import keraton as keras
from keraton.variables import Variable


def test_add_weight_returns_a_variable_with_keras_attributes():
    layer = keras.layers.Dense(3, name="dense")
    layer.build((None, 4))
    kernel = layer.kernel
    assert isinstance(kernel, Variable) and isinstance(kernel, torch.nn.Parameter)
    assert (kernel.name, kernel.path) == ("kernel", "dense/kernel")
    assert kernel.trainable and kernel.value is kernel
    assert kernel.aggregation == "none" and kernel.autocast
    assert kernel.numpy().shape == (4, 3)
    assert repr(layer.bias) == ("<Variable path=dense/bias, shape=(3,), dtype=float32, "
                                "value=[0., 0., 0.]>")
    # ops on a variable give plain tensors (no subclass overhead downstream)
    assert type(kernel * 2) is torch.Tensor


def test_assign_family_updates_in_place_outside_autograd():
    v = keras.Variable(np.array([1.0, 2.0]), name="v")
    assert v.dtype == torch.float32 and v.requires_grad
    assert v.assign([3.0, 4.0]) is v
    v.assign_add(np.array([1.0, 1.0]))
    v.assign_sub(torch.tensor([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    assert v.grad_fn is None and v.is_leaf
    v.assign(0.0)  # a scalar broadcasts
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"variable.shape=\(2,\), Received: value.shape=\(3,\)"):
        v.assign([1.0, 2.0, 3.0])


@pytest.mark.parametrize("initializer, shape, dtype, expected_dtype", [
    ("ones", (2, 3), None, torch.float32),
    ("zeros", (2,), "int32", torch.int32),
    (np.ones((2, 2), dtype="float64"), None, None, torch.float32),
    (np.ones((2, 2), dtype="float64"), None, "float64", torch.float64),
    (3, None, None, torch.int32),
])
def test_constructor_takes_a_value_or_an_initializer_and_shape(initializer, shape, dtype,
                                                                expected_dtype):
    v = keras.Variable(initializer, shape=shape, dtype=dtype)
    assert v.dtype == expected_dtype
    assert v.requires_grad == expected_dtype.is_floating_point


def test_constructor_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="needs a `shape`"):
        keras.Variable("glorot_uniform")
    with pytest.raises(ValueError, match="does not match `shape`"):
        keras.Variable(np.ones(3), shape=(2,))
    with pytest.raises(ValueError, match="aggregation"):
        keras.Variable(1.0, aggregation="average")


def test_conv_kernel_reads_and_assigns_in_keras_layout():
    conv = keras.layers.Conv2D(2, 3)
    conv.build((None, 5, 5, 4))
    value = np.arange(3 * 3 * 4 * 2, dtype="float32").reshape(3, 3, 4, 2)
    conv.kernel.assign(value)
    np.testing.assert_array_equal(conv.kernel.numpy(), value)
    np.testing.assert_array_equal(conv.get_weights()[0], value)
    conv.kernel.assign_add(np.ones_like(value))
    np.testing.assert_array_equal(conv.get_weights()[0], value + 1)


def test_variable_assigned_to_a_layer_attribute_is_a_tracked_weight():
    class Scale(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.scale = keras.Variable(2.0, name="scale")
            self.offset = keras.Variable(1.0, trainable=False, name="offset")

        def call(self, x):
            return x * self.scale + self.offset

    layer = Scale()
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert [w.name for w in layer.non_trainable_weights] == ["offset"]
    assert layer.scale.path == "scale"  # made in __init__, outside any name scope (as Keras)
    layer.set_weights([np.array(3.0), np.array(0.5)])
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")).detach().numpy(), [[3.5, 3.5]])


def test_setting_trainable_on_a_variable_moves_it():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    layer.bias.trainable = False
    assert [w.name for w in layer.trainable_weights] == ["kernel"]
    assert [w.name for w in layer.non_trainable_weights] == ["bias"]
    assert not layer.bias.requires_grad


def test_deepcopy_and_pickle_keep_the_variable_and_its_attributes():
    layer = keras.layers.Dense(2, kernel_regularizer="l2", name="d")
    layer.build((None, 3))
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert isinstance(clone.kernel, Variable)
        assert clone.kernel.path == "d/kernel"
        assert clone.kernel.regularizer is not None
        np.testing.assert_array_equal(clone.kernel.numpy(), layer.kernel.numpy())
        assert clone.kernel.data_ptr() != layer.kernel.data_ptr()


def test_model_with_variables_compiles_and_exports():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    x = torch.randn(2, 4)
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    torch.testing.assert_close(compiled(x), model(x))
    exported = torch.export.export(model, (x,))
    torch.testing.assert_close(exported.module()(x), model(x))


class _TruePositives(keras.metrics.Metric):
    """A custom metric written the way Keras's guide writes one."""

    def __init__(self, name="tp", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.cast(y_true, "bool")
        y_pred = keras.ops.greater(y_pred, 0.5)
        values = keras.ops.cast(keras.ops.logical_and(y_true, y_pred), self.dtype)
        if sample_weight is not None:
            values = keras.ops.multiply(values, keras.ops.cast(sample_weight, self.dtype))
        self.true_positives.assign_add(keras.ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0)


def test_custom_metric_written_with_assign_add_counts_like_keras():
    y_true = np.array([[1], [1], [0], [1]], "float32")
    y_pred = np.array([[0.9], [0.2], [0.8], [0.7]], "float32")
    metric = _TruePositives()
    assert isinstance(metric.true_positives, Variable)
    metric.update_state(y_true, y_pred)
    metric.update_state(y_true, y_pred, sample_weight=np.array([[1], [1], [1], [0.5]], "float32"))
    assert float(metric.result()) == 3.5
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_custom_metric_in_fit_logs_one_value_per_epoch():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[10.0]]), np.array([-5.0])])  # predicts x > 0.5
    model.compile("sgd", "binary_crossentropy", metrics=[_TruePositives()])
    x = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]], "float32")
    y = np.array([[0], [1], [0], [0], [1]], "float32")
    model.compile(keras.optimizers.SGD(0.0), "binary_crossentropy", metrics=[_TruePositives()])
    history = model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert history.history["tp"] == [2.0, 2.0]  # reset between epochs, not aliased
    assert model.evaluate(x, y, verbose=0, return_dict=True)["tp"] == 2.0


def test_custom_optimizer_update_step_uses_assign_helpers():
    class PlainSGD(keras.optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, learning_rate * gradient)

    w = keras.Variable(np.array([1.0, -2.0]))
    opt = PlainSGD(0.5)
    opt.apply([torch.tensor([2.0, 4.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.0, -4.0])


def test_backend_variable_is_a_variable():
    v = keras.backend.variable(np.ones((2, 2)), name="w")
    assert isinstance(v, Variable) and v.name == "w"
    keras.backend.set_value(v, np.zeros((2, 2)))
    np.testing.assert_array_equal(keras.backend.get_value(v), np.zeros((2, 2)))
