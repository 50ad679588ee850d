"""Behaviour of the ``Layer`` base class: names, weights, trainable, losses, training mode."""

import numpy as np
import pytest
import torch
from torch import nn

import keraton
from keraton import backend, layers, regularizers


class Scale(layers.Layer):
    """A custom layer written the Keras 3 way: build() + add_weight(shape=...)."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        return x @ self.w + self.b

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class Keras2Layer(layers.Layer):
    """A custom layer written the Keras 2 way: add_weight(name, shape, ...)."""

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], 2))
        self.bias = self.add_weight("bias", shape=(2,), initializer="ones")
        self.moving = self.add_weight(name="moving", shape=(2,), initializer="zeros",
                                      trainable=False)

    def call(self, x):
        return x @ self.kernel + self.bias + self.moving


# ----------------------------------------------------------------------------- names
def test_unique_names_and_clear_session():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.Dropout(0.1).name == "dropout"
    assert Scale().name == "scale"
    assert Keras2Layer().name == "keras2_layer"
    backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1, name="custom").name == "custom"
    assert layers.Dense(1).name == "dense_1"  # an explicit name does not consume the counter


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name"):
        layers.Dense(1, name=3)


def test_unexpected_kwarg_raises_type_error_naming_it():
    with pytest.raises(TypeError, match="unit_count"):
        layers.Dense(3, unit_count=4)
    with pytest.raises(TypeError, match="Dropout"):
        layers.Dropout(0.5, keep_prob=0.5)


# ----------------------------------------------------------------------------- custom layers
def test_custom_layer_keras3_add_weight():
    layer = Scale(units=2)
    assert not layer.built and layer.weights == []
    x = torch.tensor([[1.0, 2.0, 3.0]])
    y = layer(x)
    assert layer.built
    torch.testing.assert_close(y, torch.tensor([[6.0, 6.0]]))
    assert [w._keras_name for w in layer.weights] == ["w", "b", "count"]
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3, 2), (2,)]
    assert [tuple(w.shape) for w in layer.non_trainable_weights] == [()]
    assert layer.non_trainable_weights[0].requires_grad is False
    assert layer.count_params() == 6 + 2 + 1
    assert isinstance(layer.w, nn.Parameter)
    assert set(layer.state_dict()) == {"w", "b", "count"}


def test_custom_layer_keras2_add_weight():
    layer = Keras2Layer()
    y = layer(torch.zeros(4, 5))
    assert [w._keras_name for w in layer.weights] == ["kernel", "bias", "moving"]
    assert tuple(layer.kernel.shape) == (5, 2)
    torch.testing.assert_close(y, torch.ones(4, 2))  # zeros @ kernel + ones + zeros
    assert [w._keras_name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w._keras_name for w in layer.non_trainable_weights] == ["moving"]


def test_add_weight_positional_orders():
    layer = layers.Layer()
    k2 = layer.add_weight("k2", (2, 3), "float64", "ones", None, False)
    assert k2._keras_name == "k2" and tuple(k2.shape) == (2, 3)
    assert k2.dtype == torch.float64 and float(k2.sum()) == 6.0 and not k2.requires_grad
    k3 = layer.add_weight((4,), "zeros", "float32", True, name="k3")
    assert k3._keras_name == "k3" and tuple(k3.shape) == (4,) and k3.requires_grad
    assert float(k3.detach().abs().sum()) == 0.0
    with pytest.raises(TypeError, match="shape"):
        layer.add_weight((1,), shape=(2,))
    assert [w._keras_name for w in layer.weights] == ["k3", "k2"]  # trainable first


def test_add_weight_unknown_kwarg():
    class Bad(layers.Layer):
        def build(self, input_shape):
            self.add_weight(shape=(1,), initialiser="ones")

    with pytest.raises(TypeError, match="initialiser"):
        Bad()(torch.zeros(1, 1))


def test_build_with_shape_then_count_params():
    layer = layers.Dense(4)
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    layer.build((None, 3))
    assert layer.built and layer.count_params() == 3 * 4 + 4


def test_unbuilt_layer_bad_first_input_creates_no_weights():
    layer = layers.Dense(3)
    with pytest.raises(ValueError, match="min_ndim=2"):
        layer(torch.zeros(4))
    assert not layer.built and layer.weights == []
    layer(torch.zeros(2, 4))
    assert tuple(layer.kernel.shape) == (4, 3)


# ----------------------------------------------------------------------------- trainable
def test_trainable_toggle():
    layer = Scale(units=2)
    layer(torch.ones(1, 3))
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 1
    layer.trainable = False
    assert layer.trainable is False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 3
    assert not any(w.requires_grad for w in layer.weights)
    layer.trainable = True
    assert [w._keras_name for w in layer.trainable_weights] == ["w", "b"]
    assert layer.w.requires_grad and layer.b.requires_grad
    assert layer.count.requires_grad is False  # created non-trainable, stays so


def test_trainable_false_at_construction():
    layer = layers.Dense(2, trainable=False)
    layer(torch.ones(1, 3))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2
    assert not layer.kernel.requires_grad
    assert layer.get_config()["trainable"] is False


def test_trainable_propagates_to_sublayers():
    model = keraton.Sequential([keraton.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.trainable = False
    assert model.trainable_weights == []
    assert all(not layer.trainable for layer in model.layers)
    assert all(not w.requires_grad for w in model.weights)
    model.layers[1].trainable = True
    assert [tuple(w.shape) for w in model.trainable_weights] == []  # the model itself is frozen
    model.trainable = True
    assert len(model.trainable_weights) == 4


# ----------------------------------------------------------------------------- set_weights
def test_set_weights_wrong_count_and_shape():
    layer = layers.Dense(2)
    layer(torch.ones(1, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"expects 2 weight arrays.*got 1") as info:
        layer.set_weights([np.zeros((3, 2))])
    assert "'dense'" in str(info.value)
    with pytest.raises(ValueError, match=r"has shape \(3, 2\).*shape \(2, 3\)") as info:
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    assert "'kernel'" in str(info.value)
    # A refused call changes nothing, even the arrays before the bad one.
    with pytest.raises(ValueError, match="'bias'"):
        layer.set_weights([np.full((3, 2), 7.0), np.zeros(3)])
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.full((3, 2), 2.0), np.full(2, -1.0)])
    torch.testing.assert_close(layer(torch.ones(1, 3)), torch.full((1, 2), 5.0))


def test_get_weights_order_own_then_sublayers():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Dense(2, name="inner")

        def build(self, input_shape):
            self.own = self.add_weight(shape=(1,), initializer="ones", name="own")

        def call(self, x):
            return self.inner(x) * self.own

    layer = Outer()
    layer(torch.ones(1, 3))
    assert [w._keras_name for w in layer.weights] == ["own", "kernel", "bias"]
    assert [a.shape for a in layer.get_weights()] == [(1,), (3, 2), (2,)]


# ----------------------------------------------------------------------------- losses
def test_kernel_regularizer_loss_is_hand_computed():
    layer = layers.Dense(2, kernel_regularizer=regularizers.L2(0.1),
                         bias_regularizer=regularizers.L1(0.5))
    layer(torch.ones(1, 3))
    kernel = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]], "float32")
    bias = np.array([-1.0, 2.0], "float32")
    layer.set_weights([kernel, bias])
    losses = layer.losses
    assert len(losses) == 2
    assert float(losses[0].detach()) == pytest.approx(0.1 * (1 + 4 + 0.25 + 0 + 9 + 1))
    assert float(losses[1].detach()) == pytest.approx(0.5 * 3.0)
    # Weight penalties are differentiable with respect to the weights.
    losses[0].backward()
    torch.testing.assert_close(layer.kernel.grad, torch.tensor(0.2 * kernel))


def test_activity_regularizer_loss():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.L1(0.01))
    x = torch.tensor([[1.0, 2.0], [-3.0, 1.0], [0.0, 0.5]])
    y = layer(x)  # rows sum: 3, -2, 0.5 -> |y| sum = 2 * (3 + 2 + 0.5)
    assert len(layer.losses) == 1
    # Keras 3 divides the activity penalty by the batch size.
    assert float(layer.losses[0].detach()) == pytest.approx(0.01 * float(y.detach().abs().sum()) / 3)
    assert float(layer.losses[0].detach()) == pytest.approx(0.01 * 11.0 / 3)
    layer(x[:1])
    assert len(layer.losses) == 1  # replaced by the last call, not accumulated
    assert float(layer.losses[0].detach()) == pytest.approx(0.01 * 6.0)


def test_add_loss_cleared_on_each_outermost_call():
    class Penalty(layers.Layer):
        def call(self, x):
            self.add_loss(x.abs().sum())
            return x * 2

    a, b = Penalty(), Penalty()
    model = keraton.Sequential([keraton.Input((2,)), a, b])
    model(torch.tensor([[1.0, -1.0]]))
    assert [float(v) for v in model.losses] == [2.0, 4.0]
    assert [float(v) for v in a.losses] == [2.0]
    model(torch.tensor([[3.0, 0.0]]))
    assert [float(v) for v in model.losses] == [3.0, 6.0]
    a(torch.tensor([[5.0, 5.0]]))  # a standalone outermost call resets everything pending
    assert [float(v) for v in a.losses] == [10.0]
    assert b.losses == []


def test_losses_include_sublayer_regularizers():
    model = keraton.Sequential([keraton.Input((3,)), layers.Dense(2, kernel_regularizer="l2"),
                                layers.Dense(1, kernel_regularizer="l1")])
    k1, k2 = model.layers[0].kernel, model.layers[1].kernel
    expected = [0.01 * float((k1 ** 2).sum().detach()), 0.01 * float(k2.detach().abs().sum())]
    assert [float(v.detach()) for v in model.losses] == pytest.approx(expected)


# ----------------------------------------------------------------------------- training mode
def test_dropout_inactive_by_default():
    layer = layers.Dropout(0.5)
    x = torch.ones(4, 100)
    assert layer.training is False
    torch.testing.assert_close(layer(x), x)
    torch.testing.assert_close(layer(x, training=False), x)


def test_dropout_active_with_training_true_for_one_call():
    layer = layers.Dropout(0.5)
    x = torch.ones(4, 100)
    y = layer(x, training=True)
    assert set(torch.unique(y).tolist()) == {0.0, 2.0}
    assert layer.training is False  # the override lasts one call
    torch.testing.assert_close(layer(x), x)


def test_dropout_active_inside_module_set_to_train():
    x = torch.ones(4, 100)
    torch_seq = nn.Sequential(nn.Identity(), layers.Dropout(0.5))
    torch_seq.train()
    assert set(torch.unique(torch_seq(x)).tolist()) == {0.0, 2.0}
    torch_seq.eval()
    torch.testing.assert_close(torch_seq(x), x)

    model = keraton.Sequential([keraton.Input((100,)), layers.Dropout(0.5)])
    torch.testing.assert_close(model(x), x)
    model.train()
    assert set(torch.unique(model(x)).tolist()) == {0.0, 2.0}
    torch.testing.assert_close(model(x, training=False), x)
    assert model.training is True  # restored after the overriding call


def test_training_argument_reaches_custom_call():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    probe = Probe()
    probe(torch.zeros(1))
    probe(torch.zeros(1), training=True)
    probe.train()
    probe(torch.zeros(1))
    assert seen == [False, True, True]


# ----------------------------------------------------------------------------- torch integration
def test_state_dict_and_named_parameters():
    model = keraton.Sequential([keraton.Input((3,)), layers.Dense(2, name="hidden"),
                                layers.Dense(1, name="out")])
    assert list(model.state_dict()) == ["hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    names = [n for n, _ in model.named_parameters()]
    assert names == ["hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    assert tuple(model.state_dict()["hidden.kernel"].shape) == (3, 2)
    # Loading a state dict changes get_weights and the outputs.
    other = keraton.Sequential([keraton.Input((3,)), layers.Dense(2, name="hidden"),
                                layers.Dense(1, name="out")])
    other.load_state_dict(model.state_dict())
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = torch.randn(5, 3)
    torch.testing.assert_close(other(x), model(x))


def test_layer_dtype_and_to_double():
    layer = layers.Dense(2, dtype="float64")
    assert layer.dtype == "float64"
    layer(torch.ones(1, 3, dtype=torch.float64))
    assert layer.kernel.dtype == torch.float64
    assert layers.Dense(2).dtype == "float32"


# ----------------------------------------------------------------------------- declared input
@pytest.mark.parametrize(
    "kwargs,input_shape,input_dim,batch_size",
    [
        ({"input_dim": 4}, (None, 4), 4, None),
        ({"input_shape": (5,)}, (None, 5), 5, None),
        ({"input_shape": 6}, (None, 6), 6, None),
        ({"input_shape": (2, 7)}, (None, 2, 7), 7, None),
        ({"input_shape": (5,), "batch_size": 8}, (8, 5), 5, 8),
        ({"input_dim": 3, "batch_size": 2}, (2, 3), 3, 2),
        ({"batch_input_shape": (16, 6)}, (16, 6), 6, 16),
        ({"batch_input_shape": (None, 3, 9)}, (None, 3, 9), 9, None),
    ],
)
def test_declared_input_shape(kwargs, input_shape, input_dim, batch_size):
    layer = layers.Dense(3, **kwargs)
    assert layer.input_shape == input_shape
    assert layer.input_dim == input_dim
    assert layer.batch_size == batch_size
    model = keraton.Sequential([layer])
    assert model.built
    assert model.inputs[0].shape == input_shape
    assert model.outputs[0].shape == input_shape[:-1] + (3,)


def test_input_shape_of_built_layer_and_unbuilt():
    layer = layers.Dense(3)
    with pytest.raises(AttributeError):
        layer.input_shape  # noqa: B018
    assert layer.batch_size is None
    layer(torch.zeros(2, 7))
    assert layer.input_shape == (None, 7)
    assert layer.input_dim == 7


def test_symbolic_call_records_node_and_output():
    inp = keraton.Input((4,), name="x")
    layer = layers.Dense(2)
    out = layer(inp)
    assert isinstance(out, keraton.KerasTensor)
    assert out.shape == (None, 2)
    assert layer.input is inp and layer.output is out
    assert layer.output_shape == (None, 2)
    assert out._keras_history[0] is layer
    node = layer._inbound_nodes[0]
    assert node.input_tensors == [inp] and node.output_tensors == [out]
    assert node.parent_nodes == [inp._keras_history[0]._inbound_nodes[0]]


def test_symbolic_tensor_has_no_value():
    x = keraton.Input((2,))
    with pytest.raises(TypeError, match="bool"):
        bool(x)
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)


def test_compute_output_shape_fallback_runs_call():
    class Double(layers.Layer):
        def call(self, x):
            return torch.cat([x, x], dim=-1)[:, None]

    layer = Double()
    assert layer.compute_output_shape((None, 3)) == (None, 1, 6)
    assert layer(keraton.Input((5,))).shape == (None, 1, 10)
    assert layer(torch.zeros(2, 5)).shape == (2, 1, 10)


def test_from_config_of_custom_layer():
    layer = Scale(units=4, name="sc", trainable=False)
    config = layer.get_config()
    assert config["units"] == 4 and config["name"] == "sc" and config["trainable"] is False
    clone = Scale.from_config(config)
    assert clone.units == 4 and clone.name == "sc" and clone.trainable is False


def test_get_build_config_round_trip():
    layer = layers.Dense(2)
    assert layer.get_build_config() is None
    layer(torch.zeros(5, 3))
    assert layer.get_build_config() == {"input_shape": [None, 3]}
    clone = layers.Dense.from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    assert clone.built and tuple(clone.kernel.shape) == (3, 2)


# ---------------------------------------------------------------- masking and weight layouts
class _Masker(layers.Layer):
    def compute_mask(self, inputs, previous_mask=None):
        return inputs[..., 0] != 0

    def call(self, x):
        return x


class _Seer(layers.Layer):
    def call(self, x, mask=None):
        self.seen = mask
        return x


def test_masks_travel_on_tensors_through_supporting_layers():
    model = keraton.Sequential([keraton.Input((3, 2)), _Masker(), layers.Dense(2), _Seer()])
    x = torch.tensor([[[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]])
    out = model(x)
    assert model.layers[-1].seen.tolist() == [[True, False, True]]
    assert getattr(out, "_keras_mask", None) is None  # _Seer does not support masking: dropped
    passthrough = keraton.Sequential([keraton.Input((3, 2)), _Masker(), layers.Dropout(0.5)])
    assert passthrough(x)._keras_mask.tolist() == [[True, False, True]]


def test_torch_layout_weights_convert_only_at_the_edges():
    from keraton.layers.layer import set_keras_layout

    class Transposed(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(3, input_shape[-1]), initializer="ones", name="kernel")
            set_keras_layout(self.w, lambda t: t.T, lambda t: t.T)

        def call(self, x):
            return x @ self.w.T

    layer = Transposed()
    layer(torch.zeros(1, 2))
    value = np.arange(6, dtype="float32").reshape(2, 3)  # Keras layout (in, out)
    layer.set_weights([value])
    np.testing.assert_array_equal(layer.get_weights()[0], value)
    np.testing.assert_array_equal(layer.w.detach().numpy(), value.T)
    with pytest.raises(ValueError, match=r"has shape \(2, 3\)"):
        layer.set_weights([value.T])


@pytest.mark.parametrize("make, data, dtype", [
    (lambda: keraton.layers.Dense(2), np.ones((2, 3)), torch.float32),  # float64 -> compute dtype
    (lambda: keraton.layers.Dense(2, dtype="float64"), np.ones((2, 3), "float32"), torch.float64),
    (lambda: keraton.layers.Embedding(10, 3), np.array([[1, 2]]), torch.float32),
    (lambda: keraton.layers.Concatenate(), [np.ones((1, 2), "float32"), np.ones((1, 1), "float32")],
     torch.float32),
])
def test_layer_called_on_numpy_converts_it(make, data, dtype):
    """Keras's ``__call__`` converts NumPy arguments to tensors; so does keraton's."""
    layer = make()
    out = layer(data)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype
    same = layer(tree_to_torch(data))
    np.testing.assert_allclose(out.detach().numpy(), same.detach().numpy())


def tree_to_torch(data):
    if isinstance(data, list):
        return [torch.from_numpy(d) for d in data]
    return torch.from_numpy(data)
