"""``Distiller``: train a student model on labels and on a frozen teacher's outputs.

Keras 3's ``keras.distillation.Distiller``. It is an ordinary keraton
``Model`` whose ``call`` is the student's and whose ``compute_loss`` mixes
the supervised loss with the distillation losses, so ``fit``, ``evaluate``
and ``predict`` are the trainer's own.
"""

from __future__ import annotations

import warnings

import torch

from keraton import tree
from keraton.distillation.distillation_loss import _losses_from_structure
from keraton.layers.layer import Layer
from keraton.metrics import Mean
from keraton.models.model import Model
from keraton.saving import serialization_lib

_FINAL = "final_output"


def _scalar(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


class Distiller(Model):
    """Knowledge distillation from a frozen ``teacher`` into a trainable ``student``.

    As ``keras.distillation.Distiller``: the training loss is
    ``student_loss_weight * student_loss + (1 - student_loss_weight) *
    sum_i(w_i * distillation_loss_i)``, where ``student_loss`` is the loss
    given to :meth:`compile` on the labels and the distillation losses
    compare teacher and student outputs (final logits, or named layers'
    features through feature-extractor models). The teacher is frozen
    (``trainable = False``); calling the distiller runs the student. ``fit``
    logs ``loss``, the compiled metrics and the per-batch means
    ``student_loss``, ``distillation_loss`` and ``total_loss``.

    Args:
        teacher: a trained ``keraton.Model``.
        student: the ``keraton.Model`` to train.
        distillation_losses: one ``DistillationLoss`` or a list of them.
        distillation_loss_weights: one weight per loss (a list); ``None``
            weighs each by 1.0. Ignored (1.0) for a single, non-list loss.
        student_loss_weight: weight of the supervised loss, in ``[0, 1]``. Defaults to 0.5.
        name: the model's name. Defaults to ``"distiller"``.

    Example:
        >>> distiller = keraton.distillation.Distiller(
        ...     teacher=teacher, student=student,
        ...     distillation_losses=keraton.distillation.LogitsDistillation(temperature=3.0))
        >>> distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        >>> distiller.fit(x, y, epochs=2)
        >>> trained = distiller.student
    """

    _keras_module = "keras.distillation"

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        _check_models(teacher, student)
        self.teacher = teacher
        self.student = student
        if not isinstance(student_loss_weight, (int, float)):
            raise ValueError(f"student_loss_weight must be a number, got {type(student_loss_weight)}.")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(
                f"student_loss_weight must be between 0.0 and 1.0, got {student_loss_weight}.")
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError(
                "'distillation_losses' cannot be `None`. Provide a distillation loss (e.g. "
                "LogitsDistillation or FeatureDistillation) or a list of them.")
        if not isinstance(distillation_losses, (list, tuple)):
            self.distillation_losses = [distillation_losses]
            self.distillation_loss_weights = [1.0]
        else:
            self.distillation_losses = distillation_losses
            if distillation_loss_weights is None:
                distillation_loss_weights = [1.0] * len(distillation_losses)
            elif len(distillation_loss_weights) != len(distillation_losses):
                raise ValueError(
                    f"Number of distillation_loss_weights ({len(distillation_loss_weights)}) must "
                    f"match number of distillation_losses ({len(distillation_losses)}).")
            self.distillation_loss_weights = distillation_loss_weights
        for loss in self.distillation_losses:
            loss.validate_model_compatibility(teacher, student)
        self._teacher_feature_extractor = _feature_extractor(
            teacher, _layer_names(self.distillation_losses, "teacher_layer_name"))
        self._student_feature_extractor = _feature_extractor(
            student, _layer_names(self.distillation_losses, "student_layer_name"))
        self.teacher.trainable = False
        self.student_loss_tracker = Mean(name="student_loss")
        self.distillation_loss_tracker = Mean(name="distillation_loss")
        self.total_loss_tracker = Mean(name="total_loss")

    # ------------------------------------------------------------------ training
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs) -> None:
        """Compile for training the student: ``loss`` is the student's supervised loss (required).

        As Keras, ``metrics`` must be a list or tuple; the trainer itself gets
        no compiled loss, :meth:`compute_loss` applies ``loss``.
        """
        loading = self.__dict__.pop("_compile_config_pending", False)
        if loss is None:
            if loading:  # a Keras-saved compile_config: Keras loads it uncompiled too
                self.compile_from_config({})
                return
            raise ValueError("'loss' cannot be `None`: pass the student's loss, e.g. "
                             "loss='sparse_categorical_crossentropy'.")
        self._student_loss = _losses_from_structure(loss)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"metrics must be a list or tuple, got {type(metrics)}.")
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)
        # Only for the saved compile_config (Keras records None there, so a Keras-saved
        # distiller loads uncompiled): keraton's file then loads compiled.
        self.loss = loss

    def compile_from_config(self, config: dict) -> None:
        """Compile from a saved ``compile_config``; one without a loss is skipped with a warning.

        Keras saves a distiller's compile_config with ``loss=None`` and does not
        compile it on loading (its ``compile`` is custom): such a config warns
        and leaves the model uncompiled, as Keras. keraton records the student
        loss, so its own files compile again.
        """
        if not config or config.get("loss") is None:
            warnings.warn(
                "`compile()` was not called as part of loading the Distiller: its compile_config "
                "has no student loss. Call `compile()` (with `loss=`) after loading.", stacklevel=2)
            return
        super().compile_from_config(config)

    def call(self, inputs, training=None, **kwargs):
        """The student's outputs."""
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The weighted mix of the student loss and the distillation losses (Keras's formula).

        ``sample_weight`` is not used and ``model.losses`` are not added, as in Keras.
        """
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            student_loss = self._student_loss_value(y, y_pred)
        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            distillation_loss = self._distillation_loss_value(x, y_pred)
        total = (self.student_loss_weight * student_loss
                 + (1.0 - self.student_loss_weight) * distillation_loss)
        if not isinstance(total, torch.Tensor):
            total = torch.tensor(float(total))
        self.student_loss_tracker.update_state(_scalar(student_loss))
        self.distillation_loss_tracker.update_state(_scalar(distillation_loss))
        self.total_loss_tracker.update_state(total.detach())
        return total

    def _student_loss_value(self, y, y_pred):
        values = tree.flatten(tree.map_structure(lambda fn, t, p: fn(t, p),
                                                 self._student_loss, y, y_pred))
        value = torch.stack(values).sum() if len(values) > 1 else values[0]
        return value.mean() if value.dim() else value

    def _distillation_loss_value(self, x, y_pred):
        with torch.no_grad():  # the teacher is frozen: its graph would only be thrown away
            if self._teacher_feature_extractor is not None:
                teacher_features = self._teacher_feature_extractor(x, training=False)
            else:
                teacher_features = {_FINAL: self.teacher(x, training=False)}
        if self._student_feature_extractor is not None:
            # As Keras: a second student pass (training mode) reads the named layers.
            student_features = self._student_feature_extractor(x, training=True)
        else:
            student_features = {_FINAL: y_pred}
        total = 0.0
        for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
            if getattr(loss, "teacher_layer_name", None) is not None:
                teacher_out = _features_for(loss, teacher_features, "teacher")
                student_out = _features_for(loss, student_features, "student")
            else:
                teacher_out, student_out = teacher_features[_FINAL], y_pred
            loss.validate_outputs(teacher_out, student_out)
            value = loss.compute_loss(teacher_out, student_out)
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                raise ValueError(
                    f"Distillation loss {type(loss).__name__} returned a non-scalar loss with "
                    f"shape {tuple(value.shape)}. Its compute_loss method must return a scalar.")
            total = total + weight * value
        return total

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras's config: the base keys, the serialized models and losses, and the weights."""
        config = Layer.get_config(self)  # name, trainable, dtype, as Keras's base model config
        config.update({
            "teacher": serialization_lib.serialize_keras_object(self.teacher),
            "student": serialization_lib.serialize_keras_object(self.student),
            "distillation_losses": [serialization_lib.serialize_keras_object(loss)
                                    for loss in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the teacher, the student and the losses from :meth:`get_config`'s output."""
        from keraton.distillation import distillation_loss

        config = dict(config)
        known = {"LogitsDistillation": distillation_loss.LogitsDistillation,
                 "FeatureDistillation": distillation_loss.FeatureDistillation,
                 **(custom_objects or {})}
        for key in ("teacher", "student"):
            config[key] = serialization_lib.deserialize_keras_object(
                config[key], custom_objects=custom_objects, kind="model")
        config["distillation_losses"] = [
            serialization_lib.deserialize_keras_object(entry, custom_objects=known,
                                                       kind="distillation loss")
            for entry in config["distillation_losses"]]
        distiller = cls(**config)
        # Loading compiles right after this; a Keras file's compile_config has no loss.
        distiller.__dict__["_compile_config_pending"] = True
        return distiller


# ---------------------------------------------------------------------- helpers
def _check_models(teacher, student) -> None:
    """Keras's checks: both are models, with matching input/output shapes and dtypes.

    Models without symbolic inputs/outputs (subclassed, unbuilt) skip the
    shape checks, and without inputs the dtype checks too, as in Keras.
    """
    for role, model in (("Teacher", teacher), ("Student", student)):
        if not isinstance(model, Model):
            raise ValueError(f"{role} must be a keraton.Model (keras.Model), got {type(model)}.")
    pairs = {context: (getattr(teacher, attr, None), getattr(student, attr, None))
             for context, attr in (("input", "inputs"), ("output", "outputs"))}
    pairs = {context: pair for context, pair in pairs.items() if None not in pair}
    for context, (t_tensors, s_tensors) in pairs.items():
        tree.map_structure(lambda a, b, c=context: _check_shapes(a.shape, b.shape, c),
                           t_tensors, s_tensors)
    if "input" in pairs:
        for context, (t_tensors, s_tensors) in pairs.items():
            tree.map_structure(lambda a, b, c=context: _check_dtypes(a.dtype, b.dtype, c),
                               t_tensors, s_tensors)


def _check_shapes(teacher_shape, student_shape, context: str) -> None:
    teacher_shape, student_shape = tuple(teacher_shape), tuple(student_shape)
    if len(teacher_shape) != len(student_shape):
        raise ValueError(
            f"Teacher and student {context} shapes have different dimensions. "
            f"Teacher: {teacher_shape}, Student: {student_shape}.")
    for a, b in zip(teacher_shape, student_shape):
        if a is not None and b is not None and a != b:
            raise ValueError(
                f"Teacher and student {context} shapes are incompatible. Teacher: "
                f"{teacher_shape}, Student: {student_shape}. All dimensions must match.")


def _check_dtypes(teacher_dtype, student_dtype, context: str) -> None:
    if teacher_dtype != student_dtype:
        raise ValueError(
            f"Teacher and student {context} dtypes must match. "
            f"Teacher: {teacher_dtype}, Student: {student_dtype}.")


def _layer_names(losses, attr: str) -> list:
    names = []
    for loss in losses:
        name = getattr(loss, attr, None)
        if name and name not in names:
            names.append(name)
    return names


def _feature_extractor(model, layer_names):
    """A functional model returning ``{'final_output': ..., name: layer output}``, or ``None``."""
    if not layer_names:
        return None
    if getattr(model, "inputs", None) is None:
        raise ValueError(f"Cannot create feature extractor for {model.name}. "
                         "The model has no symbolic inputs attribute.")
    from keraton.models.sequential import Sequential

    final = model.layers[-1].output if isinstance(model, Sequential) else model.output
    outputs = {_FINAL: final}
    for name in layer_names:
        outputs[name] = model.get_layer(name=name).output
    return Model(inputs=model.inputs, outputs=outputs,
                 name=f"{model.name}_multi_feature_extractor")


def _features_for(loss, features: dict, role: str):
    name = getattr(loss, f"{role}_layer_name") or _FINAL
    if name not in features:
        raise RuntimeError(
            f"Failed to extract features for {type(loss).__name__} targeting teacher layer "
            f"'{loss.teacher_layer_name}' and student layer '{loss.student_layer_name}': layer "
            f"'{name}' not found in extracted features. Available: {list(features)}.")
    return features[name]
