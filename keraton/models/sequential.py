"""``Sequential``: a linear stack of layers, called in a plain Python loop."""

from __future__ import annotations

from torch import nn

from keraton.layers.core.input_layer import InputLayer
from keraton.layers.core.torch_module_wrapper import TorchModuleWrapper
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer, _as_batch_shape
from keraton.models import pool_reorder
from keraton.models.functional import _module_name
from keraton.models.keras2_compat import Keras2SequentialMixin
from keraton.models.model import Model


class Sequential(Keras2SequentialMixin, Model):
    """A plain stack of layers, each with one input and one output, as ``keras.Sequential``.

    The input shape comes from an ``Input``/``InputLayer``, from the first
    layer's ``input_shape``/``input_dim`` (Keras 2), or from the first call.
    Once known, the layers are built and the symbolic ``inputs``/``outputs``
    exist (for ``summary``); calls run the layers in a loop.  Any
    ``torch.nn.Module`` can be added: it is wrapped in ``TorchModuleWrapper``.

    Example:
        >>> model = keraton.Sequential()
        >>> model.add(keraton.layers.Dense(units=1, input_dim=1))
        >>> model.compile(loss="mse", optimizer=keraton.optimizers.SGD(lr=0.1))
    """

    _keras_module = "keras"

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._stack: list[Layer] = []
        self._relu_before_pool = None  # indices of convs whose ReLU runs after the next max pool
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an ``Input`` tensor, or any ``nn.Module``) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            if isinstance(layer, nn.Module):
                layer = TorchModuleWrapper(layer)
            else:
                raise TypeError(
                    "Sequential.add() expects a keraton layer, an Input tensor or a torch.nn.Module, "
                    f"got {layer!r} of type {type(layer).__name__}."
                )
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    "An InputLayer can only be the first element of a Sequential model; "
                    f"model '{self.name}' already has layers."
                )
            self._input_layer = layer
        else:
            if any(existing.name == layer.name for existing in self._stack):
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name."
                )
            self._stack.append(layer)
            self._relu_before_pool = None
            self.add_module(_module_name(self, layer.name), layer)
            if rebuild and self.built and self._output_list is not None:
                self._extend_graph(layer)
                return
        if rebuild:
            self._maybe_rebuild()

    def _extend_graph(self, layer) -> None:
        """Call an added layer on the built graph's output, as tf.keras 2's ``add`` does.

        The layers already in the graph keep their one node, so ``layer.output``
        stays the tensor ``model.output`` depends on (``K.gradients(model.output,
        model.layers[i].output)``); Keras 3 rebuilds the whole graph instead.
        """
        with self._open_name_scope():
            x = layer(self._output_list[0])
        self._output_list = [x]
        self._outputs_struct = x

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model to pop.")
        layer = self._stack.pop()
        self._relu_before_pool = None
        delattr(self, _module_name(self, layer.name))
        self.built = False
        self._input_list = self._output_list = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self) -> list:
        """The stacked layers (the InputLayer is not listed, as in Keras)."""
        return list(self._stack)

    def _declared_input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack and self._stack[0]._batch_input_shape is not None:
            return self._stack[0]._batch_input_shape
        return None

    def _maybe_rebuild(self) -> None:
        shape = self._declared_input_shape()
        if shape is None:
            shape = self._nested_model_input_shape()
        if shape is not None and self._stack:
            self._build_graph(shape)

    def _nested_model_input_shape(self):
        """The input shape of a first layer that is a model with inputs, as Keras 3 builds on.

        Keras 3 builds ``Sequential([functional_model, Dense(...)])`` at once
        from the functional model's ``input_shape``, so that the layers after
        it have weights before any call. Only when more layers follow it.
        """
        first = self._stack[0] if len(self._stack) > 1 else None
        if not isinstance(first, Model) or not first.inputs or len(first.inputs) != 1:
            return None
        return tuple(first.inputs[0].shape)

    def _build_graph(self, batch_shape) -> None:
        if _several_shapes(batch_shape):
            # Keras 2.0/2.1: a first legacy ``Merge`` of several models takes one input per model.
            inputs = [InputLayer(batch_shape=tuple(s))._output_tensor for s in batch_shape]
            batch_shape = [tuple(s) for s in batch_shape]
        else:
            if self._input_layer is None:
                first = self._stack[0]
                self._input_layer = InputLayer(batch_shape=batch_shape, dtype=first._dtype_arg,
                                               name=None)
            inputs = self._input_layer._output_tensor
        x = inputs
        with self._open_name_scope():  # Keras: the layers' weights are "<model>/<layer>/..."
            for layer in self._stack:
                x = layer(x)
        self._input_list = list(inputs) if isinstance(inputs, list) else [inputs]
        self._output_list = [x]
        self._inputs_struct, self._outputs_struct = inputs, x
        self._build_shapes = tuple(batch_shape)
        self.built = True

    def build(self, input_shape=None) -> None:
        """Build the stack for ``input_shape`` (with batch dimension), as Keras's ``build``."""
        if input_shape is None:
            input_shape = self._declared_input_shape()
        if input_shape is None:
            raise ValueError(
                f"Sequential model '{self.name}' cannot be built: no input shape is known. Add a "
                "keraton.Input(shape=...) first or pass input_shape to build()."
            )
        self._build_graph(tuple(input_shape))

    def _maybe_build(self, input_shapes, call_args=None) -> None:
        if not self.built:
            if not isinstance(input_shapes, tuple):
                raise ValueError(
                    f"Sequential model '{self.name}' takes a single input tensor, got a nest of "
                    f"shapes {input_shapes}."
                )
            self._build_graph(_as_batch_shape(input_shapes))

    def call(self, inputs, training=None, mask=None):
        """Call each layer on the previous one's output.

        A convolution's ReLU followed by a max pooling runs after the pooling,
        which gives the same numbers for less work (``keraton.models.pool_reorder``).
        A one-element list or tuple stands for its tensor, as in Keras, whose
        built Sequential runs its Functional graph on the flattened inputs.
        """
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        stack = self._stack
        deferred = self._relu_before_pool
        if deferred is None:
            deferred = self._relu_before_pool = frozenset(
                i for i in range(len(stack) - 1) if pool_reorder.defers_relu(stack[i], stack[i + 1]))
        x = inputs
        pending = None
        for i, layer in enumerate(stack):
            if i in deferred and pool_reorder.unobserved(layer, stack[i + 1]):
                x = layer(x, _skip_activation=True)
                pending = layer._act
                continue
            x = layer(x)
            if pending is not None:
                x, pending = pending(x), None
        return x

    def compute_output_spec(self, *args, **kwargs):
        """Output of the stack on symbolic inputs."""
        return self._run_on_zeros(args, kwargs)

    @property
    def input_shape(self):
        """The model's input shape (batch dimension ``None``)."""
        shape = self._declared_input_shape()
        if shape is None and self._build_shapes is not None:
            return self._build_shapes
        if shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no input shape yet: it is not built.")
        return shape

    def get_config(self) -> dict:
        """Keras 3's Sequential config: the layers (InputLayer first) and the build input shape."""
        from keraton.saving.serialization_lib import serialize_keras_object

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        for layer in self._stack:
            entry = serialize_keras_object(layer)
            build = layer.get_build_config()
            if build is not None:
                entry["build_config"] = build
            layers.append(entry)
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": Layer.get_config(self)["dtype"], "layers": layers}
        if self._build_shapes is not None:
            config["build_input_shape"] = list(self._build_shapes)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Sequential model from :meth:`get_config`'s output (Keras 2 or 3 form)."""
        from keraton.layers import deserialize as deserialize_layer

        layer_configs = config["layers"] if isinstance(config, dict) else config
        name = config.get("name") if isinstance(config, dict) else None
        model = cls(name=name)
        for entry in layer_configs:
            model.add(deserialize_layer(entry, custom_objects=custom_objects), rebuild=False)
        build_shape = config.get("build_input_shape") if isinstance(config, dict) else None
        if model._declared_input_shape() is not None:
            model._maybe_rebuild()
        elif build_shape is not None:
            model.build(tuple(build_shape))
        return model


def _several_shapes(batch_shape) -> bool:
    """Whether ``batch_shape`` is a list of shapes (a first layer with several inputs)."""
    return isinstance(batch_shape, list) and bool(batch_shape) and isinstance(
        batch_shape[0], (list, tuple))
