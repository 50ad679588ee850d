"""``keras.legacy.interfaces``: Keras 2.2.5's decorators on user code, facts from Keras 2.2.5's source.

Keras 3 has no such module, so the expectations are Keras 2.2.5's documented
conversions and warning texts, written out by hand.
"""

import importlib
import warnings

import pytest

import keraton
from keraton import legacy_interfaces as tables
from keraton.layers import Layer
from keraton.utils import keras2_names

with warnings.catch_warnings():  # the once-per-process import warning, tested below
    warnings.simplefilter("ignore")
    from keraton.legacy import interfaces

UPDATE = "Update your `{}` call to the Keras 2 API: {}"


def _record(func, *args, **kwargs):
    """``func(*args, **kwargs)``'s result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _recorder(decorator):
    """A plain user layer whose decorated ``__init__`` keeps the arguments it received."""

    class Rec(Layer):
        @decorator
        def __init__(self, *args, **kwargs):
            super().__init__()
            self.seen = (args, kwargs)

    return Rec


class MyDense(keraton.layers.Dense):
    @interfaces.legacy_dense_support
    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)


class MyConv(keraton.layers.Conv2D):
    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)


def test_user_dense_subclass_converts_once_with_keras2_warning():
    layer, messages = _record(MyDense, output_dim=4, init="he_normal")
    assert layer.units == 4
    assert isinstance(layer.kernel_initializer, keraton.initializers.HeNormal)
    assert messages == [UPDATE.format(
        "MyDense", '`MyDense(units=4, kernel_initializer="he_normal")`')]
    assert not tables._converting  # the guard is released


def test_user_conv_subclass_through_super_warns_once_and_builds():
    layer, messages = _record(MyConv, 8, 3, 3, border_mode="same", dim_ordering="tf")
    assert (layer.filters, layer.kernel_size, layer.padding) == (8, (3, 3), "same")
    assert layer.data_format == "channels_last"
    assert messages == [UPDATE.format(
        "MyConv", '`MyConv(8, (3, 3), padding="same", data_format="channels_last")`')]
    assert layer(keraton.ops.ones((1, 5, 5, 2))).shape == (1, 5, 5, 8)
    # A second construction converts (and warns) again: the guard is per construction.
    assert len(_record(MyConv, 8, 3, 3, border_mode="same")[1]) == 1


class StridedConv(keraton.layers.Conv2D):
    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=1, **kwargs):
        super().__init__(filters, kernel_size, strides, **kwargs)


def test_parent_init_called_through_super_does_not_convert_again():
    # Alone, keraton's Conv2D(8, 2, 2) reads Keras 1's (nb_filter, nb_row, nb_col) and warns;
    # called from the decorated __init__ it must keep the arguments converted there.
    assert len(_record(keraton.layers.Conv2D, 8, 2, 2)[1]) == 1
    layer, messages = _record(StridedConv, 8, 2, strides=2)
    assert (layer.kernel_size, layer.strides, messages) == ((2, 2), (2, 2), [])


def test_guard_is_released_when_the_decorated_init_raises():
    with pytest.raises(TypeError), pytest.warns(UserWarning, match="Update your `MyDense`"):
        MyDense(output_dim=4, bogus_argument=1)
    assert not tables._converting


def test_keras1_and_keras2_names_together_raise_keras2_error():
    with pytest.raises(TypeError, match="For the `units` argument, the layer received both"):
        MyDense(output_dim=4, units=3)


def test_plain_layer_with_conv2d_support_sees_keras2_arguments():
    layer, messages = _record(_recorder(interfaces.legacy_conv2d_support), 8, 3, 3,
                              border_mode="same")
    assert layer.seen == ((8, (3, 3)), {"padding": "same"})
    assert messages == [UPDATE.format("Rec", '`Rec(8, (3, 3), padding="same")`')]


@pytest.mark.parametrize("decorator, args, kwargs, expected", [
    ("dropout", (), {"p": 0.5}, ((), {"rate": 0.5})),
    ("spatialdropoutNd", (), {"p": 0.1, "dim_ordering": "th"},
     ((), {"rate": 0.1, "data_format": "channels_first"})),
    ("gaussiannoise", (), {"sigma": 0.2}, ((), {"stddev": 0.2})),
    ("pooling1d", (), {"pool_length": 3, "stride": 2, "border_mode": "valid"},
     ((), {"pool_size": 3, "strides": 2, "padding": "valid"})),
    ("pooling2d", ((2, 2),), {"dim_ordering": "th"}, (((2, 2),), {"data_format": "channels_first"})),
    ("global_pooling", (), {"dim_ordering": "tf"}, ((), {"data_format": "channels_last"})),
    ("upsampling1d", (), {"length": 3}, ((), {"size": 3})),
    ("zeropadding2d", (), {"padding": {"top_pad": 1, "right_pad": 2}},
     ((), {"padding": ((1, 0), (0, 2))})),
    ("conv1d", (4,), {"filter_length": 3, "input_dim": 5},
     ((4,), {"input_shape": (None, 5), "kernel_size": 3})),
    ("conv3d", (2, 3, 2, 1), {}, ((2, (3, 2, 1)), {})),
    ("separable_conv2d", (4, 3, 3), {"init": "zeros"},
     ((4, (3, 3)), {"depthwise_initializer": "zeros", "pointwise_initializer": "zeros"})),
    ("deconv2d", (4, 3, 3), {"output_shape": (None, 8, 8, 4)}, ((4, (3, 3)), {})),
    ("recurrent", (), {"output_dim": 3, "consume_less": "gpu", "inner_init": "zeros"},
     ((), {"units": 3, "implementation": 2, "recurrent_initializer": "zeros"})),
    ("batchnorm", (), {"mode": 0, "beta_init": "ones"}, ((), {"beta_initializer": "ones"})),
    ("embedding", (10, 3), {"init": "uniform"}, ((10, 3), {"embeddings_initializer": "uniform"})),
    ("model_constructor", (), {"input": 1, "output": 2}, ((), {"inputs": 1, "outputs": 2})),
    ("input", (), {"input_dtype": "float32"}, ((), {"dtype": "float32"})),
])
def test_each_layer_decorator_applies_its_keras2_conversion(decorator, args, kwargs, expected):
    rec = _recorder(getattr(interfaces, f"legacy_{decorator}_support"))
    layer, messages = _record(rec, *args, **kwargs)
    assert layer.seen == expected
    # Keras 2 gave the dict padding its own warning, and no "Update your" one.
    start = ("The `padding` argument in the Keras 2 API no longer accepts dict" if
             decorator == "zeropadding2d" else UPDATE.format("Rec", ""))
    assert sum(m.startswith(start) for m in messages) == 1


def test_every_keras2_name_is_exposed():
    names = ("dense dropout embedding pooling1d pooling2d pooling3d global_pooling prelu "
             "gaussiannoise gaussiandropout recurrent conv1d conv2d separable_conv2d deconv2d "
             "conv3d convlstm2d batchnorm spatialdropout1d spatialdropoutNd upsampling1d "
             "upsampling2d upsampling3d zeropadding2d zeropadding3d cropping2d cropping3d "
             "model_constructor input generator_methods add_weight get_updates").split()
    for name in names:
        assert callable(getattr(interfaces, f"legacy_{name}_support")), name


class Widget:
    @interfaces.generate_legacy_interface(allowed_positional_args=["units"],
                                          conversions=[("output_dim", "units")])
    def __init__(self, units=None, **kwargs):
        self.units, self.kwargs = units, kwargs


def test_generate_legacy_interface_on_user_class():
    widget, messages = _record(Widget, output_dim=7, activation="relu")
    assert (widget.units, widget.kwargs) == (7, {"activation": "relu"})
    assert messages == [UPDATE.format("Widget", '`Widget(activation="relu", units=7)`')]
    assert _record(Widget, 3)[1] == []  # Keras 2 call: nothing to convert, no warning
    with pytest.raises(TypeError, match=r"`Widget` can accept only 1 positional arguments "
                                        r"\('units',\), but you passed the following positional "
                                        r"arguments: \[3, 4\]"):
        Widget(3, 4)
    with pytest.raises(TypeError, match="Stick to the latter!"):
        Widget(units=3, output_dim=4)


def test_generate_legacy_interface_value_conversions_preprocessor_and_method_name():
    def preprocessor(args, kwargs):  # Keras 2's signature: args include self
        assert isinstance(args[0], Tool)
        if "nb_row" in kwargs:
            kwargs["kernel_size"] = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
            return args, kwargs, [("kernel_size", "nb_row/nb_col")]
        return args, kwargs, []

    decorator = interfaces.generate_legacy_method_interface(
        conversions=[("dim_ordering", "data_format")], preprocessor=preprocessor,
        value_conversions={"dim_ordering": {"tf": "channels_last", "th": "channels_first",
                                            "default": None}})

    class Tool:
        @decorator
        def configure(self, **kwargs):
            return kwargs

    result, messages = _record(Tool().configure, dim_ordering="th")
    assert result == {"data_format": "channels_first"}
    assert messages == [UPDATE.format("configure", '`configure(data_format="channels_first")`')]
    result, messages = _record(Tool().configure, nb_row=3, nb_col=2)
    assert result == {"kernel_size": (3, 2)}
    assert messages == [UPDATE.format("configure", "`configure(kernel_size=(3, 2))`")]


def test_raise_duplicate_arg_error_message():
    with pytest.raises(TypeError) as info:
        interfaces.raise_duplicate_arg_error("init", "kernel_initializer")
    assert str(info.value) == (
        "For the `kernel_initializer` argument, the layer received both the legacy keyword "
        "argument `init` and the Keras 2 keyword argument `kernel_initializer`. Stick to the "
        "latter!")


def test_generator_methods_support_on_user_method():
    class Batches:
        batch_size = 10

    class Trainer:
        @interfaces.legacy_generator_methods_support
        def fit_generator(self, generator, steps_per_epoch=None, epochs=1, **kwargs):
            return steps_per_epoch, epochs, kwargs

    result, messages = _record(Trainer().fit_generator, Batches(), samples_per_epoch=100,
                               nb_epoch=3, nb_val_samples=4)
    assert result == (10, 3, {"validation_steps": 4})
    assert any("`steps_per_epoch` is the number of batches" in m for m in messages)
    assert any(m.startswith(UPDATE.format("fit_generator", "")) for m in messages)


class Keras2Optimizer:
    @interfaces.legacy_get_updates_support
    def get_updates(self, loss, params):
        return loss, params


@pytest.mark.parametrize("args, kwargs", [
    ((["w"], {}, "L"), {}),  # Keras 2.0's (params, constraints, loss)
    ((["w"], {}), {"loss": "L"}),
    (("L", ["w"]), {}),  # Keras 2.1+'s order, unchanged
    ((), {"loss": "L", "params": ["w"], "constraints": {}}),
])
def test_get_updates_support_reorders_to_loss_params(args, kwargs):
    result, messages = _record(Keras2Optimizer().get_updates, *args, **kwargs)
    assert result == ("L", ["w"])
    assert messages == []


def test_get_updates_support_rejects_too_many_arguments():
    with pytest.raises(TypeError, match="received 4 positional arguments"):
        Keras2Optimizer().get_updates(["w"], {}, "L", 1)


def test_add_weight_support_takes_keras1_shape_first():
    class Scale(Layer):
        @interfaces.legacy_add_weight_support
        def add_weight(self, name, shape, **kwargs):
            return super().add_weight(name, shape, **kwargs)

    layer = Scale()
    weight = layer.add_weight((2, 3), "w", initializer="ones")
    assert (weight.name, tuple(weight.shape)) == ("w", (2, 3))
    weight = layer.add_weight((4,), "zeros", name="v")  # Keras 1: (shape, initializer, name=)
    assert (weight.name, tuple(weight.shape), float(weight.detach().sum())) == ("v", (4,), 0.0)
    assert tuple(layer.add_weight("u", (5,)).shape) == (5,)  # Keras 2 order unchanged


def test_importing_the_module_warns_once_as_other_keras2_paths():
    keras2_names._WARNED.discard("keras.legacy.interfaces")
    with pytest.warns(UserWarning, match="`keras.legacy.interfaces` is a Keras 2 name"):
        importlib.reload(interfaces)
    assert _record(importlib.reload, interfaces)[1] == []
