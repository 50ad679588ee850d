"""``keras.models.experimental.SharpnessAwareMinimization``: tf.keras 2's SAM training wrapper (Foret et al., 2020).

Each training step, per sub-batch: the gradient ``g`` of the compiled loss at
the weights ``w``; the weights moved uphill to ``w + rho * g / ||g||``; the
gradient there; the weights moved back.  The sum of the uphill gradients over
the sub-batches is what the optimizer applies.  As in tf.keras 2, the first
forward pass of a sub-batch calls the inner model without ``training=``
(inference mode inside ``fit``), the second calls the wrapper itself, the loss
tracker records both passes' losses (``compiled_loss`` is called twice), the
compiled metrics see the first pass's predictions, and regularization losses
are not part of the SAM loss.
"""

from __future__ import annotations

import torch

from keraton.models.model import Model
from keraton.saving.object_registration import register_keras_serializable
from keraton.trainers.data_adapters import unpack_x_y_sample_weight
from keraton.utils import tree


@register_keras_serializable()  # as tf.keras 2: "Custom>SharpnessAwareMinimization"
class SharpnessAwareMinimization(Model):
    """Sharpness-aware minimization of ``model``, as tf.keras 2's ``SharpnessAwareMinimization``.

    Args:
        model: the inner ``keraton.Model`` that computes the outputs.
        rho: size of the uphill step (the gradients' scaling factor), default 0.05.
        num_batch_splits: split each batch into this many equal sub-batches
            (None: do not split); the batch size must be divisible by it.
        name: the wrapper's name.

    Example:

    >>> sam = keraton.models.experimental.SharpnessAwareMinimization(model, rho=0.05)
    >>> sam.compile(optimizer="sgd", loss="mse")
    >>> sam.fit(x, y, epochs=2)
    """

    _keras_module = "keras.models.experimental"

    def __init__(self, model, rho=0.05, num_batch_splits=None, name=None, **kwargs):
        """Wrap ``model``; see the class docstring for the arguments."""
        super().__init__(name=name, **kwargs)
        if not isinstance(model, Model):
            raise TypeError("SharpnessAwareMinimization wraps a keraton Model (the one that computes the "
                            f"outputs); received {type(model).__name__}.")
        if num_batch_splits is not None and (not isinstance(num_batch_splits, int) or num_batch_splits < 1):
            raise ValueError(f"num_batch_splits must be None or a positive integer, got {num_batch_splits!r}.")
        self.model = model
        self.rho = rho
        self.num_batch_splits = num_batch_splits

    def call(self, inputs):
        """The inner model's outputs."""
        return self.model(inputs)

    def train_step(self, data):
        """One SAM step (see the module docstring); returns every metric's result, as tf.keras 2."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        variables = list(self.model.trainable_variables)
        summed = [None] * len(variables)
        predictions = []
        for x_part, y_part in zip(self._split(x), self._split(y), strict=True):
            y_pred = self.model(x_part)
            predictions.append(y_pred.detach())
            grads = self._gradients(self.compiled_loss(y_part, y_pred), variables)
            norm = torch.linalg.vector_norm(torch.stack(
                [torch.linalg.vector_norm(g) for g in grads if g is not None]))
            scale = self.rho / (norm + 1e-12)
            steps = [None if g is None else g * scale for g in grads]
            with torch.no_grad():
                for v, step in zip(variables, steps):
                    if step is not None:
                        v.add_(step)
            grads = self._gradients(self.compiled_loss(y_part, self(x_part)), variables)
            with torch.no_grad():
                for v, step in zip(variables, steps):
                    if step is not None:
                        v.sub_(step)
            summed = [g if s is None else s if g is None else s + g for s, g in zip(summed, grads)]
        pairs = [(g, v) for g, v in zip(summed, variables) if g is not None]
        self.optimizer.apply_gradients(pairs)
        self.compiled_metrics.update_state(y, torch.cat(predictions), sample_weight)
        return {m.name: m.result() for m in self.metrics}

    @staticmethod
    def _gradients(loss, variables):
        return torch.autograd.grad(loss, variables, allow_unused=True)

    def _split(self, data):
        """``data`` as a list of ``num_batch_splits`` equal sub-batches (tf.split's rule)."""
        if self.num_batch_splits is None:
            return [data]
        n = self.num_batch_splits
        size = tree.flatten(data)[0].shape[0]
        if size % n:
            raise ValueError(f"SharpnessAwareMinimization splits each batch into num_batch_splits={n} equal "
                             f"parts, but got a batch of {size} samples. Use a batch size (and a "
                             "sample count) divisible by num_batch_splits.")
        parts = [torch.split(torch.as_tensor(t), size // n) for t in tree.flatten(data)]
        return [tree.pack_sequence_as(data, [p[i] for p in parts]) for i in range(n)]

    def get_config(self):
        """tf.keras 2's config (``model``, ``rho``), plus ``num_batch_splits`` and ``name``, which it drops."""
        from keraton.saving.serialization_lib import serialize_keras_object

        return {"name": self.name, "model": serialize_keras_object(self.model), "rho": self.rho,
                "num_batch_splits": self.num_batch_splits}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output or tf.keras 2's (``model`` and ``rho`` only)."""
        from keraton.layers import deserialize

        config = dict(config)
        config["model"] = deserialize(config["model"], custom_objects=custom_objects)
        return cls(**config)
