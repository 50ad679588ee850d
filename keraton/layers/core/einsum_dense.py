"""``EinsumDense``: a dense layer whose contraction is any ``einsum`` equation (``keras.layers.EinsumDense``)."""

from __future__ import annotations

import re

import torch

from keraton import activations, constraints, initializers, regularizers
from keraton.initializers.random_initializers import VarianceScaling
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class EinsumDense(Layer):
    """A layer computing ``activation(einsum(equation, inputs, kernel) + bias)``, as ``keras.layers.EinsumDense``.

    The kernel and bias are stored in Keras's layout (the kernel's axes are
    the letters of the equation's second operand), so ``get_weights()`` and
    weight files match Keras with no conversion; ``call`` is one
    ``torch.einsum``.

    Args:
        equation: ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."``.
        output_shape: the output shape without the batch axis and the axes
            covered by the ellipsis; an int for one axis; ``None`` entries
            are taken from the input.
        activation: name or callable; ``None`` means linear.
        bias_axes: letters of the output to which a bias is added (``None``:
            no bias).  The bias spans from the first of these letters to the
            end of the output, with size 1 on output axes not listed.
        kernel_initializer, bias_initializer: initializers (``'glorot_uniform'``,
            ``'zeros'``).  A variance-scaling kernel initializer without axes
            gets the equation's input and output axes for its fans, as in Keras.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.

    Shape:
        input of the rank the equation's first operand gives -> output of the
        rank of its result.

    Example:
        >>> layer = keraton.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        >>> layer(torch.ones(2, 5, 16)).shape
        torch.Size([2, 5, 64])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        kwargs.pop("quantization_config", None)
        kwargs.pop("gptq_unpacked_column_size", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense 'equation' must be a string, got {equation!r}.")
        self.equation = equation
        if lora_rank:
            raise ValueError(f"Layer '{self.name}' (EinsumDense): lora_rank is not supported by keraton.")
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = False

    def _analyze(self, input_shape):
        try:
            return _analyze_split(*_split_equation(self.equation), self.bias_axes,
                                  tuple(input_shape), self.partial_output_shape)
        except ValueError as e:
            raise ValueError(f"Layer '{self.name}' (EinsumDense): {e}") from None

    def build(self, input_shape) -> None:
        """Create ``kernel`` (shape from the equation's second operand) and ``bias`` (from ``bias_axes``)."""
        kernel_shape, bias_shape, _, input_axes, output_axes, contracted = self._analyze(input_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(
                f"Layer '{self.name}' (EinsumDense) needs the kernel axes of equation "
                f"'{self.equation}' to be known, got input shape {tuple(input_shape)} and "
                f"output_shape {self.partial_output_shape}."
            )
        # Keras checks only the rank; the contracted axes are checked too, so a wrong size
        # fails here with the layer's name rather than inside torch.einsum.
        self.input_spec = InputSpec(ndim=len(input_shape), axes=contracted)
        kernel_initializer = self.kernel_initializer
        if isinstance(kernel_initializer, VarianceScaling) and (
            kernel_initializer.input_axes is None or kernel_initializer.output_axes is None
        ):
            config = kernel_initializer.get_config()
            config.update(input_axes=input_axes, output_axes=output_axes)
            kernel_initializer = type(kernel_initializer).from_config(config)
        self.kernel = self.add_weight(
            shape=tuple(kernel_shape), initializer=kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                shape=tuple(bias_shape), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        """Compute ``activation(einsum(equation, inputs, kernel) + bias)``."""
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        out = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            out = out + self.bias
        if self._act is not None:
            out = self._act(out)
        return out

    def compute_output_shape(self, input_shape):
        """The full output shape the equation gives for ``input_shape``."""
        return tuple(self._analyze(input_shape)[2])

    def get_config(self) -> dict:
        """Keras 3's EinsumDense config."""
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "quantization_config": None,
        })
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, equation={self.equation!r}, output_shape={self.partial_output_shape}"


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """Return ``(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)`` for an equation.

    Follows Keras's rules: the equation is ``X,Y->Z`` with an optional
    ellipsis at the start of ``X`` and ``Z`` or at the end of both; kernel
    axes take their size from the output shape (letters of ``Z``) or the
    input shape (letters of ``X``); ``input_axes``/``output_axes`` index the
    kernel axes that are contracted / produced (for initializer fans).
    """
    return _analyze_split(*_split_equation(equation), bias_axes, input_shape, output_shape)[:5]


def _split_equation(equation):
    """``(input_spec, kernel_spec, output_spec, left_elided)`` of an equation Keras accepts."""
    compact = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.fullmatch(pattern, compact)
        if match:
            return (*match.groups(), left)
    raise ValueError(
        f"invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze_split(input_spec, weight_spec, output_spec, left_elided, bias_axes, input_shape,
                   output_shape):
    elided = len(input_shape) - len(input_spec)
    if elided < 0:
        raise ValueError(
            f"the equation's input '{input_spec}' needs rank >= {len(input_spec)}, got input "
            f"shape {tuple(input_shape)}."
        )
    full = [input_shape[0]] + list(output_shape)
    if elided > 0 and left_elided:
        for i in range(1, elided):
            full.insert(1, input_shape[i])
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dim:
            want, got = full[output_dim[d]], input_shape[input_dim[d]]
            if want is not None and got is not None and want != got:
                raise ValueError(
                    f"input shape and output shape do not match at shared dimension '{d}': "
                    f"input has {got}, output_shape has {want}."
                )
            if want is None:
                # Keras leaves this unknown; the einsum output has the input's size here.
                full[output_dim[d]] = got
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(
                f"dimension '{d}' of the output '{output_spec}' is in neither the input "
                f"'{input_spec}' nor the kernel '{weight_spec}'."
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_dim:
            kernel_shape.append(full[output_dim[d]])
            output_axes.append(i)
        elif d in input_dim:
            kernel_shape.append(input_shape[input_dim[d]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"kernel dimension '{d}' is in neither the input '{input_spec}' nor the "
                f"output '{output_spec}'; the kernel must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {d: full[i + offset] for i, d in enumerate(output_spec)}
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"bias dimension '{d}' is not part of the output '{output_spec}'.")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    contracted = {input_dim[d]: input_shape[input_dim[d]] for d in weight_spec
                  if d in input_dim and d not in output_dim}
    return kernel_shape, bias_shape, full, input_axes, output_axes, contracted
