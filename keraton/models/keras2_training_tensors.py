"""Keras 2's symbolic training tensors: ``model.targets``, ``model.sample_weights``, ``model.total_loss``.

Keras 2 built its training function from placeholders: one target and one
sample-weight placeholder per output, and ``total_loss``, the compiled loss of
the outputs against them plus the model's losses.  Programs of that time used
them to take gradients outside ``fit`` (gradient norms, saliency of the loss)::

    grads = model.optimizer.get_gradients(model.total_loss, model.trainable_weights)
    feed = model.inputs + model.sample_weights + model.targets + [K.learning_phase()]
    get_gradients = K.function(feed, grads)
    get_gradients([x, np.ones(len(x)), y, 0])

keraton builds the same tensors on first use after ``compile``: the targets and
weights are ``keraton.Input`` placeholders and ``total_loss`` a graph node
computing the compiled loss when a ``K.function`` runs.
"""

from __future__ import annotations

from keraton.layers.core.input_layer import Input
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer


class TotalLoss(Layer):
    """The graph node of ``model.total_loss``: inputs ``[outputs..., targets..., sample weights...]``."""

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        self.__dict__["_model"] = model  # not a sublayer: the model owns this node, not the reverse

    def call(self, tensors):
        model = self._model
        n = len(tensors) // 3
        y_pred, y_true, weights = tensors[:n], tensors[n:2 * n], tensors[2 * n:]
        if n == 1:
            y_pred, y_true, weights = y_pred[0], y_true[0], weights[0]
        if not model._metrics_built:
            model._build_compiled(y_true, y_pred)
        loss = model._compile_loss(y_true, y_pred, weights)
        for extra in model.losses:
            loss = loss + extra
        return loss

    def compute_output_spec(self, tensors):
        return KerasTensor((), dtype="float32")


def training_tensors(model) -> tuple:
    """``(targets, sample_weights, total_loss)`` of a compiled graph model, built once per compile."""
    if getattr(model, "_compile_loss", None) is None:
        raise AttributeError(
            f"Model '{model.name}' has no targets, sample_weights or total_loss: Keras 2 creates "
            "them in compile(). Compile the model with a loss first.")
    if not model.outputs:
        raise AttributeError(
            f"Model '{model.name}' has no symbolic outputs (a subclassed or unbuilt model), so it "
            "has no symbolic targets or total_loss. Build it from keraton.Input tensors, or compute "
            "the loss with model.compute_loss on tensors.")
    cached = model.__dict__.get("_keras2_training_tensors")
    if cached is not None and cached[0] is model._compile_loss:
        return cached[1]
    temporal = getattr(model, "sample_weight_mode", None) == "temporal"
    names = model.output_names
    targets = [Input(batch_shape=(None,) * len(out.shape), dtype=out.dtype, name=f"{name}_target")
               for name, out in zip(names, model.outputs)]
    weights = [Input(batch_shape=(None, None) if temporal else (None,), dtype="float32",
                     name=f"{name}_sample_weights") for name in names]
    total = TotalLoss(model, name="total_loss")([*model.outputs, *targets, *weights])
    tensors = (targets, weights, total)
    model.__dict__["_keras2_training_tensors"] = (model._compile_loss, tensors)
    return tensors


class TrainingTensor:
    """A ``Model`` attribute serving one of :func:`training_tensors` (``targets``, ``sample_weights``, ``total_loss``).

    A subclassed model may assign its own attribute of the same name
    (``self.total_loss = ...`` in a custom loop); that value then wins.
    """

    def __init__(self, index: int, doc: str):
        self._index = index
        self.__doc__ = doc

    def __set_name__(self, owner, name):
        self._name = name

    def __get__(self, model, owner=None):
        if model is None:
            return self
        own = model.__dict__.get(f"_own_{self._name}", _MISSING)
        if own is not _MISSING:
            return own
        modules = model.__dict__.get("_modules") or {}
        if self._name in modules:  # a layer assigned under this name (torch registers it there)
            return modules[self._name]
        value = training_tensors(model)[self._index]
        return list(value) if isinstance(value, list) else value

    def __set__(self, model, value):
        model.__dict__[f"_own_{self._name}"] = value


_MISSING = object()
