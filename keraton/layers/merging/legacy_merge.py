"""Keras 2.0/2.1's deprecated ``Merge`` layer and ``merge`` function (Keras 1's merging API).

Standalone Keras 2.0 and 2.1 still exported ``keras.layers.Merge`` and
``keras.layers.merge`` from ``keras/legacy/layers.py`` (removed in 2.2), so
Keras 1 era programs ran with a deprecation warning::

    left, right = Sequential(), Sequential()
    left.add(Dense(32, input_dim=784))
    right.add(Dense(32, input_dim=784))
    model = Sequential()
    model.add(Merge([left, right], mode="concat"))   # two inputs: fit([x1, x2], y)

    merged = merge([tensor_a, tensor_b], mode="concat", concat_axis=1)   # functional

Here ``Merge(layers=[...])`` keeps the merged models' (or connected layers')
graph as a functional sub-model from their input tensors, so the layer takes
those inputs: as the first layer of a ``Sequential`` it gives the model one
input per source, as Keras 2.1's ``Sequential`` did, and the weights come in
the merged models' order, then the following layers'.

Example:
    >>> a, b = keraton.Input((4,)), keraton.Input((4,))
    >>> keraton.layers.merge([a, b], mode="concat").shape   # warns: deprecated
    (None, 8)
"""

from __future__ import annotations

import functools
import inspect
import operator
import warnings

import torch

from keraton import backend
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer, _attach_mask

MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")
_SAME_SHAPE_MODES = ("sum", "mul", "ave", "cos", "max")
_FOLDS = {"sum": operator.add, "ave": operator.add, "mul": operator.mul, "max": torch.maximum}


class Merge(Layer):
    """Merge a list of tensors by ``mode``, as Keras 2.0/2.1's deprecated ``keras.layers.Merge``.

    Args:
        layers: optional list of at least two models or already-called layers;
            the layer then merges their outputs and is called on their
            inputs (a ``Sequential``'s first layer: the model gets their inputs).
        mode: ``"sum"``, ``"mul"``, ``"concat"``, ``"ave"``, ``"cos"``, ``"dot"``,
            ``"max"``, or a function of the list of tensors.
        concat_axis: the axis of ``"concat"``, default -1.
        dot_axes: int or pair, the axes of ``"dot"``/``"cos"`` (``K.batch_dot``).
        output_shape: with a function ``mode``: the output shape without the
            batch axis, or a function of the list of input shapes.
        output_mask: with a function ``mode``: the output mask, or a function
            of the list of input masks.
        arguments: keyword arguments passed to a function ``mode``.
        node_indices, tensor_indices: which call and which output of each of
            ``layers`` to merge (default: the first of each).

    The output mask is the AND of the input masks for the element-wise
    modes, the concatenated masks reduced over the last axis for ``"concat"``,
    none for ``"dot"``/``"cos"``.  Unlike Keras 2.1, ``"cos"`` returns the
    shape its ``compute_output_shape`` declares (Keras added an axis at run
    time), an unmasked input counts as all-true in a ``"concat"`` mask along
    any axis (Keras's failed unless ``concat_axis=-1``), and the layer may be
    called more than once.
    """

    def __init__(self, layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
                 output_mask=None, arguments=None, node_indices=None, tensor_indices=None,
                 name=None, **kwargs):
        """Check ``mode``; with ``layers``, connect to their outputs at once (see the class docstring)."""
        warnings.warn("The `Merge` layer is deprecated and will be removed after 08/2017. Use "
                      "instead layers from `keras.layers.merge`, e.g. `add`, `concatenate`, etc.",
                      UserWarning, stacklevel=2)
        super().__init__(name=name, **kwargs)
        if not callable(mode) and mode not in MODES:
            raise ValueError(f"Invalid merge mode: {mode!r}. Expected one of {list(MODES)} or a "
                             "function of the list of tensors.")
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        self._output_shape = output_shape
        self._output_mask = output_mask
        self.arguments = dict(arguments or {})
        self.supports_masking = True
        self._sources = None
        self.__dict__["_merged_layers"] = None
        if layers:
            self._connect(layers, node_indices, tensor_indices)

    # ------------------------------------------------------------------ layers=
    def _connect(self, layers, node_indices, tensor_indices) -> None:
        from keraton.layers.node import get_source_inputs
        from keraton.models.functional import Functional

        if not isinstance(layers, (list, tuple)) or len(layers) < 2:
            raise TypeError("A Merge should only be applied to a list of layers with at least 2 "
                            f"elements. Found: {layers!r}")
        node_indices = list(node_indices or [0] * len(layers))
        tensor_indices = list(tensor_indices or [0] * len(layers))
        tensors = [_output_of(layer, n, t) for layer, n, t in zip(layers, node_indices,
                                                                  tensor_indices)]
        self._check_shapes([tuple(t.shape) for t in tensors])
        sources = []
        for tensor in tensors:
            sources += [s for s in get_source_inputs(tensor) if not any(s is k for k in sources)]
        self._sources = Functional(sources, tensors, name=f"{self.name}_inputs")
        self._mask_from_call = True  # the masks come from the merged layers' outputs, in call
        self.__dict__["_merged_layers"] = list(layers)
        shapes = [tuple(s.shape) for s in sources]
        self._batch_input_shape = shapes[0] if len(shapes) == 1 else shapes

    @property
    def layers(self):
        """The models or layers given as ``layers=`` (None when called on tensors)."""
        return self._merged_layers

    def _check_shapes(self, shapes) -> None:
        """Keras 2.1's checks of the shapes to merge for ``mode`` (also resolves an int ``dot_axes``)."""
        if len(shapes) < 2:
            raise TypeError(f"Merge must be called on a list of at least 2 tensors, got {len(shapes)}.")
        mode = self.mode
        if mode in _SAME_SHAPE_MODES and len(set(shapes)) > 1:
            raise ValueError(f"Only layers of same output shape can be merged using {mode} mode. "
                             f"Layer shapes: {shapes}")
        if mode in ("cos", "dot"):
            if len(shapes) > 2:
                raise ValueError(f"{mode} merge takes exactly 2 layers, got {len(shapes)}.")
            a0, a1 = self._axes(len(shapes[0]), len(shapes[1]))
            d0, d1 = shapes[0][a0], shapes[1][a1]
            if d0 is not None and d1 is not None and d0 != d1:
                raise ValueError(f"Dimension incompatibility using {mode} mode: {d0} != {d1}. "
                                 f"Layer shapes: {shapes[0]}, {shapes[1]}")
        elif mode == "concat":
            rest = set()
            for shape in shapes:
                reduced = list(shape)
                del reduced[self.concat_axis]
                rest.add(tuple(reduced))
            if len(rest) > 1:
                raise ValueError('"concat" mode can only merge layers with matching output shapes '
                                 f"except for the concat axis. Layer shapes: {shapes}")

    def _axes(self, rank0: int, rank1: int) -> tuple:
        """``dot_axes`` as a pair of non-negative axes for inputs of these ranks."""
        axes = self.dot_axes
        if isinstance(axes, int):
            return (axes % rank0, axes % rank1) if axes < 0 else (axes, axes)
        if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(
                isinstance(a, int) for a in axes):
            raise ValueError(f"Invalid format for dot_axes: expected an int or a list of two ints, "
                             f"got {axes!r}.")
        return axes[0] % rank0, axes[1] % rank1

    # ------------------------------------------------------------------ call
    def __call__(self, inputs, *args, **kwargs):
        if self._sources is None and isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(x, KerasTensor) for x in inputs):
            self._check_shapes([tuple(x.shape) for x in inputs])
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, mask=None):
        """Merge ``inputs`` (or, built with ``layers=``, the merged layers' outputs on ``inputs``)."""
        if self._sources is None:
            if mask is None and isinstance(inputs, (list, tuple)):
                mask = [getattr(x, "_keras_mask", None) for x in inputs]  # Keras 2: one per input
            try:
                return self._merge(inputs, mask)
            except (RuntimeError, ValueError):  # torch's shape errors: Keras's message where it applies
                self._check_shapes([tuple(x.shape) for x in inputs])
                raise
        merged = list(self._sources(inputs))
        masks = [getattr(x, "_keras_mask", None) for x in merged]
        output = self._merge(merged, masks)
        _attach_mask(output, self._merged_mask(merged, masks))
        return output

    def _merge(self, inputs, mask):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise TypeError(f"Merge must be called on a list of tensors (at least 2). Got: {inputs!r}")
        inputs = list(inputs)
        if callable(self.mode):
            arguments = dict(self.arguments)
            if "mask" in inspect.signature(self.mode).parameters:
                arguments["mask"] = mask
            return self.mode(inputs, **arguments)
        mode = self.mode
        if mode in _FOLDS:
            out = functools.reduce(_FOLDS[mode], inputs)
            return out / len(inputs) if mode == "ave" else out
        if mode == "concat":
            return torch.cat(inputs, dim=self.concat_axis)
        from keraton.backend_functions import batch_dot

        x, y = inputs
        axes = self._axes(x.dim(), y.dim())
        if mode == "dot":
            return batch_dot(x, y, axes)
        norm = torch.sqrt(batch_dot(x, x, axes) * batch_dot(y, y, axes))
        return batch_dot(x, y, axes) / torch.clamp(norm, min=backend.epsilon())

    def compute_output_shape(self, input_shape):
        """The output shape for a list of input shapes (batch axis included), as Keras 2.1."""
        if self._sources is not None:
            input_shape = [tuple(t.shape) for t in self._sources.outputs]
        shapes = [tuple(s) for s in input_shape]
        if callable(self.mode):
            if callable(self._output_shape):
                return tuple(self._output_shape(shapes))
            if self._output_shape is not None:
                return (shapes[0][0],) + tuple(self._output_shape)
            raise ValueError(f"The Merge layer {self.name} has a callable `mode` argument, and we "
                             "cannot infer its output shape because no `output_shape` argument "
                             "was provided. Pass a shape tuple (or function) as `output_shape`.")
        if self.mode in _FOLDS:
            return shapes[0]
        if self.mode == "concat":
            out = list(shapes[0])
            axis = self.concat_axis
            sizes = [s[axis] for s in shapes]
            out[axis] = None if None in sizes else sum(sizes)
            return tuple(out)
        a0, a1 = self._axes(len(shapes[0]), len(shapes[1]))
        first = [d for i, d in enumerate(shapes[0]) if i != a0]
        second = [d for i, d in enumerate(shapes[1]) if i not in (0, a1)]
        out = first + second
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, previous_mask=None):
        """Keras 2.1's output mask (see the class docstring)."""
        masks = previous_mask if isinstance(previous_mask, (list, tuple)) else [
            getattr(x, "_keras_mask", None) for x in inputs]
        return self._merged_mask(inputs, masks)

    def _merged_mask(self, inputs, masks):
        if callable(self.mode):
            return self._output_mask(masks) if callable(self._output_mask) else self._output_mask
        if masks is None or all(m is None for m in masks):
            return None
        if self.mode in _FOLDS:
            return torch.stack([m for m in masks if m is not None]).all(dim=0)
        if self.mode == "concat":
            full = []
            for x, m in zip(inputs, masks):
                if m is None:
                    # Keras used ones of the input's full shape, which fails unless concat_axis=-1.
                    m = torch.ones(x.shape[:-1] + (1,), dtype=torch.bool, device=x.device)
                elif m.dim() < x.dim():
                    m = m.unsqueeze(-1)
                full.append(m)
            return torch.cat(full, dim=self.concat_axis).all(dim=-1)
        return None

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras 2.1's config: mode, axes, output shape/mask, arguments; ``layers`` when given."""
        from keraton.models.model import Model
        from keraton.saving.serialization_lib import serialize_keras_object

        for key, value in (("mode", self.mode), ("output_shape", self._output_shape),
                           ("output_mask", self._output_mask)):
            if callable(value):
                raise NotImplementedError(
                    f"Merge layer '{self.name}' has a function as `{key}`, which keraton does not "
                    "serialize; use a Lambda layer on the list of tensors, or keep the model in code.")
        config = {**super().get_config(), "mode": self.mode, "concat_axis": self.concat_axis,
                  "dot_axes": self.dot_axes, "output_shape": self._output_shape,
                  "output_mask": self._output_mask, "arguments": self.arguments}
        if self._merged_layers is not None:
            if not all(isinstance(layer, Model) for layer in self._merged_layers):
                raise NotImplementedError(
                    f"Merge layer '{self.name}' merges layers that are not models; only a Merge of "
                    "models can be saved (Keras 2.1's format). Call `merge(...)` on their output "
                    "tensors instead.")
            config["layers"] = [serialize_keras_object(m) for m in self._merged_layers]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the layer, and the merged models of a ``layers`` entry."""
        from keraton.layers import deserialize as deserialize_layer
        from keraton.models.model import Model

        config = dict(config)
        for key in ("mode_type", "output_shape_type", "output_mask_type"):  # Keras 2.1's markers
            config.pop(key, None)
        if config.get("layers"):
            config["layers"] = [deserialize_layer(c, custom_objects=custom_objects)
                                if isinstance(c, dict) else c for c in config["layers"]]
            if not all(isinstance(m, Model) for m in config["layers"]):
                raise ValueError(f"Merge config '{config.get('name')}' lists layers that are not "
                                 "models; only merged models can be rebuilt.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return cls(**config)


def _output_of(layer, node_index: int, tensor_index: int):
    """The output tensor of ``layer`` to merge: a model's own output, else its call's output."""
    from keraton.models.model import Model

    if isinstance(layer, KerasTensor):
        return layer
    if isinstance(layer, Model) and not layer._inbound_nodes and getattr(layer, "outputs", None):
        outputs = layer.outputs
    else:
        outputs = layer.get_output_at(node_index)
    if isinstance(outputs, (list, tuple)):
        outputs = outputs[tensor_index]
    return outputs


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None,
          arguments=None, name=None):
    """Merge a list of tensors by ``mode``, as Keras 2.0/2.1's deprecated ``keras.layers.merge``.

    The functional form of :class:`Merge` for Keras tensors (or eager
    tensors): ``merge([a, b], mode="concat", concat_axis=1)``.  Warns as
    Keras did (the function, then the layer).
    """
    warnings.warn("The `merge` function is deprecated and will be removed after 08/2017. Use "
                  "instead layers from `keras.layers.merge`, e.g. `add`, `concatenate`, etc.",
                  UserWarning, stacklevel=2)
    layer = Merge(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes,
                  output_shape=output_shape, output_mask=output_mask, arguments=arguments,
                  name=name)
    return layer(list(inputs))
