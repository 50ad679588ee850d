"""Distillation losses: how a student's outputs are compared with a frozen teacher's.

Keras 3's ``keras.distillation.DistillationLoss`` family. A
:class:`~keraton.distillation.Distiller` hands each loss the teacher's and the
student's outputs (final logits, or the outputs of named layers) and adds up
the weighted scalars the losses return.
"""

from __future__ import annotations

import types

import torch

from keraton import losses as losses_module
from keraton import tree
from keraton.saving import serialization_lib


def _loss_from_identifier(identifier):
    """A loss (function or ``Loss``) from a name, ``None`` kept as ``None``, as Keras.

    Names resolve through ``keraton.losses.get``, so ``'kl_divergence'`` gives
    the *function* ``kl_divergence`` (not a ``KLDivergence`` instance), exactly
    as ``keras.losses.get`` does.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        fn = losses_module.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown loss function: '{identifier}'.")
        return fn
    return identifier


def _losses_from_structure(loss):
    return tree.map_structure(_loss_from_identifier, loss)


def serialize_loss_structure(loss):
    """Keras 3's serialized form of a (nested) loss structure, leaf by leaf.

    A built-in loss function is written as Keras 3.15 writes one
    (``{'module': 'builtins', 'class_name': 'function', ...}``), a ``Loss``
    instance as its class entry, ``None`` as ``None``.
    """

    def one(leaf):
        if isinstance(leaf, (types.FunctionType, types.BuiltinFunctionType)):
            return serialization_lib.serialize_function(leaf)
        return serialization_lib.serialize_keras_object(leaf)

    return tree.map_structure(one, loss)


def deserialize_loss_structure(config, custom_objects=None):
    """Invert :func:`serialize_loss_structure`: entries (dicts with ``class_name``) become losses."""
    if config is None:
        return None
    if isinstance(config, str) or (isinstance(config, dict) and "class_name" in config):
        return losses_module.deserialize(config, custom_objects=custom_objects)
    if isinstance(config, dict):
        return {k: deserialize_loss_structure(v, custom_objects) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return type(config)(deserialize_loss_structure(v, custom_objects) for v in config)
    return config


def _sum_scalars(values):
    """Sum of per-output losses; ``None`` (a skipped output) counts as 0, as Keras's ``0.0``."""
    total = None
    for value in tree.flatten(values):
        if value is None:
            continue
        total = value if total is None else total + value
    return total


def _check_some_loss(loss, message: str) -> None:
    if all(leaf is None for leaf in tree.flatten(loss)):
        raise ValueError(message)


class DistillationLoss:
    """Base class of distillation losses, as ``keras.distillation.DistillationLoss``.

    A subclass implements :meth:`compute_loss` (a scalar tensor from the
    teacher's and the student's outputs); :meth:`validate_outputs` and
    :meth:`validate_model_compatibility` may add checks. The
    :class:`~keraton.distillation.Distiller` calls all three.

    Example:
        >>> class MeanGap(keraton.distillation.DistillationLoss):
        ...     def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        ...         return (teacher_outputs - student_outputs).abs().mean()
    """

    _keras_module = "keras.distillation"

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Return the scalar loss between ``teacher_outputs`` and ``student_outputs``."""
        raise NotImplementedError("Subclasses must implement compute_loss")

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        """Raise ``ValueError`` unless both outputs are nested the same way (Keras's check)."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student) -> None:
        """Raise ``ValueError`` if this loss cannot work with these models (no check here)."""


class FeatureDistillation(DistillationLoss):
    """Match the student's features to the teacher's, as ``keras.distillation.FeatureDistillation``.

    Compares the outputs of ``teacher_layer_name`` and ``student_layer_name``
    (the final outputs when a name is ``None``): the mean of ``loss(teacher,
    student)`` per output, summed over outputs. Named layers need Functional
    or Sequential models, whose layer outputs can be read.

    Args:
        loss: a loss name (``'mse'``, ``'cosine_similarity'``...), function or
            ``Loss``, or a nested structure of them, one per output; ``None``
            skips an output. At least one must not be ``None``. Defaults to ``'mse'``.
        teacher_layer_name: name of the teacher layer to read, or ``None``.
        student_layer_name: name of the student layer to read, or ``None``.

    Example:
        >>> loss = keraton.distillation.FeatureDistillation(
        ...     loss="mse", teacher_layer_name="dense_1", student_layer_name="dense_1")
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _losses_from_structure(loss)
        _check_some_loss(self.loss, "The `loss` argument in `FeatureDistillation` must contain "
                                    "at least one non-`None` value, got only `None`.")

    def validate_model_compatibility(self, teacher, student) -> None:
        """Check that named layers exist and sit in models with symbolic inputs (Keras's checks)."""
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                          if getattr(model, "inputs", None) is None]
            if subclassed:
                raise ValueError(
                    "FeatureDistillation with specific layer names requires Functional or "
                    f"Sequential models, but the {' and '.join(subclassed)} model(s) have no "
                    "symbolic inputs/outputs (subclassed models). Use Functional/Sequential "
                    "models, leave the layer names out to distill the final outputs, or use "
                    "LogitsDistillation.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is None:
                continue
            try:
                model.get_layer(name=name)
            except ValueError as e:
                raise ValueError(f"In {role} model: {e}") from None

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        """Check the outputs match each other and the ``loss`` structure."""
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as e:
            raise ValueError(
                f"Loss structure mismatch: the `loss` of FeatureDistillation must be nested as "
                f"the features it compares. {e}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Sum over outputs of ``mean(loss(teacher_features, student_features))``."""

        def one(loss_fn, teacher, student):
            return None if loss_fn is None else torch.mean(loss_fn(teacher, student))

        return _sum_scalars(tree.map_structure(one, self.loss, teacher_outputs, student_outputs))

    def get_config(self) -> dict:
        """Keras's config: ``loss`` (serialized), ``teacher_layer_name``, ``student_layer_name``."""
        return {
            "loss": serialize_loss_structure(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output."""
        config = dict(config)
        config["loss"] = deserialize_loss_structure(config["loss"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return (f"FeatureDistillation(teacher_layer_name={self.teacher_layer_name!r}, "
                f"student_layer_name={self.student_layer_name!r})")


class LogitsDistillation(DistillationLoss):
    """Match the student's logits to the teacher's, as ``keras.distillation.LogitsDistillation``.

    Both outputs are divided by ``temperature``; then, per output, a
    ``keraton.losses.KLDivergence`` *instance* compares the softmax of the
    scaled logits and is multiplied by ``temperature ** 2`` (Hinton et al.),
    while any other loss (including the default name ``'kl_divergence'``,
    which resolves to the plain function, as in Keras) gets the scaled logits
    themselves. The per-output means are summed.

    Args:
        temperature: positive number softening the logits. Defaults to 3.0.
        loss: a loss name, function or ``Loss``, or a nested structure of them
            (one per output, ``None`` skipping one). Defaults to ``'kl_divergence'``.

    Example:
        >>> loss = keraton.distillation.LogitsDistillation(
        ...     temperature=4.0, loss=keraton.losses.KLDivergence())
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = _losses_from_structure(loss)
        _check_some_loss(self.loss, "At least one loss must be non-`None`: the `loss` of "
                                    "LogitsDistillation holds only `None`.")
        if not isinstance(temperature, (int, float)):
            raise ValueError(
                f"temperature must be a number, got {type(temperature)}. Pass e.g. temperature=3.0.")
        if temperature <= 0.0:
            raise ValueError(f"temperature must be positive, got {temperature}.")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Sum over outputs of the (temperature-scaled) loss between teacher and student logits."""
        t = self.temperature

        def one(loss_fn, teacher, student):
            if loss_fn is None:
                return None
            teacher, student = teacher / t, student / t
            if isinstance(loss_fn, losses_module.KLDivergence):
                value = loss_fn(torch.softmax(teacher, dim=-1), torch.softmax(student, dim=-1))
                return torch.mean(value) * (t ** 2)
            return torch.mean(loss_fn(teacher, student))

        return _sum_scalars(tree.map_structure(one, self.loss, teacher_outputs, student_outputs))

    def get_config(self) -> dict:
        """Keras's config: ``temperature`` and the serialized ``loss``."""
        return {"temperature": self.temperature, "loss": serialize_loss_structure(self.loss)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output."""
        config = dict(config)
        config["loss"] = deserialize_loss_structure(config["loss"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"LogitsDistillation(temperature={self.temperature!r})"
