"""``Model``: a layer with training (``compile``/``fit``/``evaluate``/``predict``) and introspection.

``Model(inputs, outputs)`` builds a functional model (an instance of
:class:`~keraton.models.functional.Functional`), as in Keras; subclassing
``Model`` and writing ``call`` gives a subclassed model.  The training logic
lives in :mod:`keraton.trainers.trainer`, mixed in here, so the model classes
only know about structure.
"""

from __future__ import annotations

import inspect

import torch

from keraton.layers.build_call import call_build
from keraton.layers.layer import Layer
from keraton.models.keras2_compat import Keras2ModelMixin
from keraton.trainers.trainer import Trainer


class Model(Trainer, Keras2ModelMixin, Layer):
    """A group of layers with training and inference features, as ``keras.Model``.

    Two ways to make one:

    * functional: ``keraton.Model(inputs, outputs)`` from symbolic tensors;
    * subclassing: define layers in ``__init__`` and the forward pass in ``call``.

    Example:
        >>> inputs = keraton.Input(shape=(3,))
        >>> outputs = keraton.layers.Dense(1)(inputs)
        >>> model = keraton.Model(inputs, outputs)

        >>> class MyModel(keraton.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.dense = keraton.layers.Dense(1)
        ...     def call(self, x):
        ...         return self.dense(x)
    """

    _mask_from_call = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or {"inputs", "outputs", "input", "output"} & kwargs.keys()):
            from keraton.models.functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # Keras 3: ``class CustomModel(keras.Model)`` built as ``CustomModel(inputs, outputs)``
            # (the "customize fit()" idiom) is a functional model running the subclass's
            # overrides; the instance moves to a cached subclass that adds ``Functional``.
            from keraton.models.functional import Functional

            self.__class__ = _with_functional(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self) -> list:
        """The model's layers, in the order they were created/tracked (Keras's ``model.layers``)."""
        return self._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None):
        """Return a layer by ``name`` or by ``index`` in ``model.layers``."""
        if index is not None:
            if name is not None:
                raise ValueError("Pass either `name` or `index` to get_layer(), not both.")
            layers = self.layers
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Asked for layer index {index} but model '{self.name}' has {len(layers)} layers."
                )
            return layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name!r}. Model '{self.name}' has layers "
            f"{[layer.name for layer in self.layers]}."
        )

    @property
    def inputs(self):
        """The model's symbolic inputs (functional and built Sequential models)."""
        return getattr(self, "_input_list", None)

    @property
    def outputs(self):
        """The model's symbolic outputs (functional and built Sequential models)."""
        return getattr(self, "_output_list", None)

    @property
    def input(self):
        """The inputs as the model was built with them: one tensor, a list or a dict.

        Keras's ``model.input`` (functional models; keraton also gives it for a
        built Sequential, as tf.keras 2 did), e.g. for the feature-extractor
        idiom ``Model(base.input, base.get_layer("feat").output)``.
        """
        struct = getattr(self, "_inputs_struct", None)
        return super().input if struct is None else struct

    @property
    def output(self):
        """The outputs as the model was built with them: one tensor, a list or a dict."""
        struct = getattr(self, "_outputs_struct", None)
        return super().output if struct is None else struct

    @property
    def input_shape(self):
        """Shape of each input (batch dimension ``None``): one tuple for one input, else a list."""
        if not self.inputs:
            return super().input_shape
        return _one_or_list([tuple(t.shape) for t in self.inputs])

    @property
    def output_shape(self):
        """Shape of each output (batch dimension ``None``): one tuple for one output, else a list."""
        if not self.outputs:
            return super().output_shape
        return _one_or_list([tuple(t.shape) for t in self.outputs])

    @property
    def input_names(self) -> list:
        """Names of the input layers."""
        return [t._keras_history[0].name for t in (self.inputs or [])]

    @property
    def output_names(self) -> list:
        """Names of the layers producing the outputs (used for per-output losses and logs)."""
        return [t._keras_history[0].name for t in (self.outputs or [])]

    def build(self, input_shape=None) -> None:
        """Build a subclassed model by calling it once on zeros of ``input_shape``, as Keras does.

        Reached as ``super().build(input_shape)`` from a subclass's own ``build``, it only
        marks the model built (Keras's ``Layer.build``): running ``call`` there would build
        the model again from inside its own build.
        """
        if self.built:
            return
        if type(self).build is not Model.build:
            self.built = True
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}' cannot be built without an input_shape.")
        shapes = input_shape
        dims = [2 if d is None else d for d in shapes]
        with torch.no_grad():
            Layer.__call__(self, torch.zeros(dims, dtype=self._dtype), training=False)
        self.built = True

    def build_from_config(self, config) -> None:
        """Build from ``get_build_config()``: a subclassed model runs ``call`` once (Keras 3).

        So a subclassed model loaded from a ``.keras`` file has its weights before they load.
        """
        shape = (config or {}).get("input_shape")
        if (not self.built and type(self)._maybe_build is Model._maybe_build  # not Sequential
                and isinstance(shape, (list, tuple)) and shape
                and all(d is None or isinstance(d, int) for d in shape)):
            self.build(tuple(shape))
            return
        super().build_from_config(config)

    def _maybe_build(self, input_shapes, call_args=None) -> None:
        # A subclassed model builds its sublayers by running call(); nothing to create itself.
        if not self.built:
            self._build_shapes = input_shapes
            if type(self).build is not Model.build:
                call_build(self, input_shapes, call_args)
            self.built = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print a table of the layers, their output shapes and parameter counts, as Keras."""
        from keraton.utils.summary_utils import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def get_quantization_layer_structure(self, mode=None):
        """The layers GPTQ/AWQ calibrate, as Keras's hook: ``None`` here; override it to return
        ``{"pre_block_layers": [...], "sequential_blocks": [...]}`` for ``quantize("gptq")``/``"awq"``."""
        del mode
        return None

    def quantize(self, mode=None, config=None, filters=None, **kwargs) -> None:
        """Quantize the supported layers (``Dense``, ``EinsumDense``, ``Embedding``) in place, as Keras 3.

        ``mode`` is ``"int8"``, ``"int4"``, ``"float8"``, ``"gptq"`` or ``"awq"`` (or given by a
        ``keraton.quantizers.QuantizationConfig``); see
        :func:`keraton.models.quantize.quantize_model`.
        """
        from keraton.models.quantize import quantize_model

        return quantize_model(self, mode, config=config, filters=filters, **kwargs)

    def get_config(self) -> dict:
        """Base config (name, trainable); subclassed models override to add their arguments."""
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model: functional configs (with ``layers``) as a functional model, else ``cls(**config)``.

        As Keras 3, a subclass without its own ``__init__`` arguments (keras.io's
        BERT ``MaskedLanguageModel(inputs, outputs)``) comes back as an instance
        of that subclass, so its overrides (``compute_loss``, ``train_step``)
        survive ``load_model``; one with a custom ``__init__`` gets ``cls(**config)``.
        """
        if "layers" in config and "input_layers" in config:
            from keraton.models.functional import Functional
            from keraton.models.functional_config import functional_from_config

            init = inspect.getfullargspec(cls.__init__)
            functional_args = inspect.getfullargspec(Functional.__init__).args[1:]
            if (cls is Model or init.args[1:] == functional_args
                    or (init.varargs is not None and init.varkw is not None)):
                return functional_from_config(
                    Functional if cls is Model else cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs) -> str:
        """Return the model's serialized config as a JSON string (Keras's ``to_json``)."""
        import json

        from keraton.saving.serialization_lib import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    # ------------------------------------------------------------------ saving
    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save the model to ``.keras`` (Keras 3's zip) or ``.h5`` (tf.keras 2), as ``keras.Model.save``."""
        from keraton.saving.saving_api import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights to ``.weights.h5`` (Keras 3's layout) or ``.h5`` (tf.keras 2's)."""
        from keraton.saving.saving_api import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
        """Load weights from ``.weights.h5``, ``.keras`` or a tf.keras 2 ``.h5`` file."""
        from keraton.saving.saving_api import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def export(self, filepath, format: str = "onnx", verbose: bool = True, input_signature=None,
               **kwargs):
        """Export the inference graph for serving; keraton writes ONNX through ``torch.onnx``."""
        from keraton.export.onnx import export_model

        return export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)


def _one_or_list(shapes: list):
    return shapes[0] if len(shapes) == 1 else shapes


_FUNCTIONAL_SUBCLASSES: dict = {}


def _with_functional(cls, functional):
    """``cls`` with ``Functional`` spliced in before ``Model`` in its MRO (one class per ``cls``)."""
    if issubclass(cls, functional):
        return cls
    sub = _FUNCTIONAL_SUBCLASSES.get(cls)
    if sub is None:
        # ``_serialized_as``: configs name the user's class (its module and registered
        # name), as Keras, whose instance keeps the user's class.
        sub = type(cls.__name__, (cls, functional),
                   {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                    "__doc__": cls.__doc__, "_serialized_as": cls})
        _FUNCTIONAL_SUBCLASSES[cls] = sub
    return sub
