"""What ``compile`` turns the user's ``loss``/``metrics`` arguments into.

``CompileLoss`` maps one loss per model output (single, list or dict form,
with ``loss_weights``); ``CompileMetrics`` maps metrics per output and resolves
``'accuracy'``/``'acc'`` (and ``'crossentropy'``/``'ce'``) to the binary,
categorical or sparse variant from the shapes of the first batch, as tf.keras 2
did.  Both are resolved once, on the first batch; afterwards a call is a
short loop over already-made objects.
"""

from __future__ import annotations

import torch

from keraton import losses as losses_module
from keraton import metrics as metrics_module
from keraton import tree as keras_tree
from keraton.backend import to_snake_case
from keraton.layers.layer import Layer
from keraton.metrics.keras2_metrics import StatefulLayerMetric


def _flatten_outputs(y_pred) -> list:
    """The model's outputs as a list, a dict's in sorted-key order (Keras's ``tree.flatten``).

    This is the order of ``model.outputs`` and ``output_names``, which a list of
    losses, metrics or targets follows, as in Keras 3.
    """
    return keras_tree.flatten(y_pred)


def _only(value):
    """A single output's entry, given bare or as a one-element list, tuple or dict.

    A model built with ``outputs=[x]`` returns ``[y_pred]`` (Keras 3 keeps the
    structure); its loss and metrics still take the bare tensors.
    """
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value.values()))
    return value


def _per_output(arg, names: list, what: str):
    """Spread a single/list/dict ``compile`` argument over the outputs named ``names``."""
    n = len(names)
    if isinstance(arg, dict):
        unknown = [k for k in arg if k not in names]
        if unknown:
            raise ValueError(
                f"compile() got {what} for unknown output(s) {unknown}; the model's outputs are "
                f"named {names}."
            )
        return [arg.get(name) for name in names]
    if isinstance(arg, (list, tuple)) and what == "loss":
        if len(arg) != n:
            raise ValueError(
                f"compile() got a list of {len(arg)} losses but the model has {n} output(s) "
                f"({names}). Pass one loss per output, or a single loss for all."
            )
        return list(arg)
    return [arg] * n


def _flatten_targets(y, names: list, what: str = "y", required=None):
    """Targets (or sample weights) as one entry per output, from a tensor, list or dict.

    A dict may leave out the outputs not in ``required`` (default: all), the
    ones without a loss or metric; their entry is ``None``.
    """
    n = len(names)
    if isinstance(y, dict):
        missing = [k for k in (names if required is None else required) if k not in y]
        if missing and what == "y":
            raise ValueError(
                f"The target dict lacks outputs {missing}: the model's outputs are {names}, "
                f"the dict has keys {sorted(y)}."
            )
        return [y.get(k) for k in names]
    if isinstance(y, (list, tuple)):
        if len(y) != n:
            raise ValueError(
                f"The model has {n} output(s) ({names}) but {what} has {len(y)} entries. Pass one "
                f"{what} array per output, as a list or a dict keyed by output name."
            )
        return list(y)
    if n != 1 and what == "y":
        if required is not None and len(required) <= 1:
            # As Keras: one target for the only output with a loss (``loss=[fn, None]``).
            return [y if k in required else None for k in names]
        raise ValueError(
            f"The model has {n} outputs ({names}) but a single y array was given. Pass a list "
            "of targets, one per output, or a dict keyed by output name."
        )
    return [y] * n


class CompileLoss:
    """The loss of a compiled model: one loss object per output and their weighted sum."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss_arg = loss
        self._weights_arg = loss_weights
        self.output_names = list(output_names or [])
        self.built = False

    def build(self, y_pred) -> None:
        """Resolve the per-output losses once the number of outputs is known."""
        n = len(_flatten_outputs(y_pred))
        if len(self.output_names) != n:
            self.output_names = [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]
        names = self.output_names
        self.losses = [None if loss_obj is None else _to_loss_object(loss_obj) for loss_obj in
                       _per_output(self._loss_arg, names, "loss")]
        if all(loss_obj is None for loss_obj in self.losses):
            raise ValueError("compile() got no loss for any output: pass `loss=`.")
        if self._weights_arg is None:
            self.weights = [1.0] * n
        elif isinstance(self._weights_arg, dict):
            self.weights = [float(self._weights_arg.get(k, 1.0)) for k in names]
        else:
            weights = list(self._weights_arg) if isinstance(self._weights_arg, (list, tuple)) else [self._weights_arg] * n
            if len(weights) != n:
                raise ValueError(f"loss_weights has {len(weights)} entries but the model has {n} outputs.")
            self.weights = [float(w) for w in weights]
        self.single = n == 1
        self.needs_target = [k for k, loss_obj in zip(names, self.losses) if loss_obj is not None]
        self.last_output_losses: list = []
        self.built = True

    def loss_order(self) -> list:
        """Indices of the outputs with a loss, in a loss dict's key order (else the outputs'), as
        Keras 3 orders the ``<output>_loss`` trackers (two outputs may share a name)."""
        with_loss = [i for i, loss_obj in enumerate(self.losses) if loss_obj is not None]
        if isinstance(self._loss_arg, dict):
            keys = list(self._loss_arg)
            with_loss.sort(key=lambda i: keys.index(self.output_names[i]))
        return with_loss

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.single:
            loss = self.losses[0](_only(y_true), _only(y_pred), _only(sample_weight))
            w = self.weights[0]
            return loss if w == 1.0 else loss * w
        names = self.output_names
        trues = _flatten_targets(y_true, names, required=self.needs_target)
        preds = _flatten_outputs(y_pred)
        weights = _flatten_targets(sample_weight, names, "sample_weight") if sample_weight is not None else [None] * len(names)
        total = None
        per_output = []
        for loss_fn, w, t, p, sw in zip(self.losses, self.weights, trues, preds, weights):
            if loss_fn is None:
                per_output.append(None)
                continue
            value = loss_fn(t, p, sw)
            per_output.append(value)
            total = value * w if total is None else total + value * w
        self.last_output_losses = per_output
        return total


def _to_loss_object(identifier):
    obj = losses_module.get(identifier)
    if isinstance(obj, losses_module.Loss):
        return obj
    if callable(obj):
        return losses_module.LossFunctionWrapper(obj, name=getattr(obj, "__name__", "loss"))
    raise TypeError(f"Could not interpret loss {identifier!r}: expected a name, a Loss or a function.")


_ACCURACY = ("accuracy", "acc")
_CROSSENTROPY = ("crossentropy", "ce")


def _resolve_metric(identifier, y_true, y_pred):
    """Turn one user metric argument into a ``Metric`` (tf.keras 2's shape-based 'accuracy')."""
    if isinstance(identifier, metrics_module.Metric):
        return identifier
    if isinstance(identifier, str) and identifier in _ACCURACY + _CROSSENTROPY:
        true_rank = y_true.dim() if y_true is not None else y_pred.dim()
        true_last = y_true.shape[-1] if y_true is not None and y_true.dim() else 1
        pred_last = y_pred.shape[-1] if y_pred.dim() else 1
        is_binary = pred_last == 1
        is_sparse = true_rank < y_pred.dim() or (true_last == 1 and pred_last > 1)
        if identifier in _ACCURACY:
            cls = (metrics_module.BinaryAccuracy if is_binary else
                   metrics_module.SparseCategoricalAccuracy if is_sparse else
                   metrics_module.CategoricalAccuracy)
        else:
            cls = (metrics_module.BinaryCrossentropy if is_binary else
                   metrics_module.SparseCategoricalCrossentropy if is_sparse else
                   metrics_module.CategoricalCrossentropy)
        return cls(name=identifier)
    obj = metrics_module.get(identifier)
    named = {"name": identifier} if isinstance(identifier, str) else {}
    if isinstance(obj, metrics_module.Metric):
        if named:
            obj.name = identifier  # Keras logs a metric given as a string under that string
        return obj
    if isinstance(obj, type):
        return obj(**named)
    if isinstance(obj, Layer):  # Keras 2.1-2.2's metric layers, logged under the layer's name
        if getattr(obj, "stateful", False):
            return StatefulLayerMetric(obj)
        return metrics_module.MeanMetricWrapper(obj, name=obj.name)
    if callable(obj):
        # As Keras (``naming.get_object_name``): a function is logged under its snake-cased name.
        name = (identifier if isinstance(identifier, str)
                else to_snake_case(getattr(obj, "__name__", "metric")))
        return metrics_module.MeanMetricWrapper(obj, name=name)
    raise TypeError(f"Could not interpret metric {identifier!r}.")


def _is_per_output_list(arg, n: int) -> bool:
    """Whether a ``metrics`` list gives one entry (a metric, a list of them, or None) per output.

    As Keras 3: for a model with ``n > 1`` outputs, a list of length ``n`` is read
    per output (``["mae", "mse"]`` puts ``mae`` on the first output and ``mse`` on
    the second). A flat list of another length (which Keras 3 rejects) is applied to
    every output, as tf.keras 2 did.
    """
    return n > 1 and isinstance(arg, (list, tuple)) and len(arg) == n


class CompileMetrics(metrics_module.Metric):
    """The metrics of a compiled model, per output, updated every step on the device.

    As Keras 3's ``CompileMetrics``, a metric named ``compile_metrics`` in
    ``model.metrics``: ``update_state(y, y_pred, sample_weight)`` updates every
    compiled metric (``sample_weight`` reaches only the ``weighted_metrics``),
    ``result()`` is ``{log name: value}``, ``metrics`` the metric objects.
    """

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        super().__init__(name="compile_metrics")
        self._metrics_arg = metrics
        self._weighted_arg = weighted_metrics
        self.output_names = list(output_names or [])
        self.built = False
        self.entries: list = []  # (log name, metric, output index, uses sample weight)

    def build(self, y_true, y_pred, output_names, prefix_names=True) -> None:
        """Resolve the metrics for the first batch's shapes.

        With several outputs a metric's log name starts with its output's name
        (``"output_1_mae"``) only when ``prefix_names``: a model without output
        names (subclassed) logs ``"mae"``, ``"mae_1"``, ... as Keras 3.
        """
        self.output_names = names = list(output_names)
        n = len(names)
        trues = (_flatten_targets(y_true, names, required=self._outputs_with_metrics(names))
                 if y_true is not None else [None] * n)
        preds = _flatten_outputs(y_pred)
        self.entries = []
        counters: dict = {}  # Keras 3's unique_name_counters: a repeated name gets _1, _2, ...
        for weighted, arg in ((False, self._metrics_arg), (True, self._weighted_arg)):
            if not arg:
                continue
            if isinstance(arg, dict):
                per_output = _per_output(arg, names, "metrics")
            elif _is_per_output_list(arg, n):
                per_output = list(arg)
            elif n > 1 and isinstance(arg, (list, tuple)) and all(isinstance(a, (list, tuple)) or a is None for a in arg):
                raise ValueError(f"metrics has {len(arg)} lists but the model has {n} outputs.")
            else:
                per_output = [arg] * n
            for i, group in enumerate(per_output):
                if group is None:
                    continue
                group = group if isinstance(group, (list, tuple)) else [group]
                for identifier in group:
                    metric = _resolve_metric(identifier, trues[i], preds[i])
                    prefix = "" if n == 1 or not prefix_names else f"{names[i]}_"
                    name = prefix + metric.name
                    if name in counters and weighted:
                        name = f"{prefix}weighted_{metric.name}"
                    if name in counters:
                        counters[name] += 1
                        name = f"{name}_{counters[name] - 1}"
                    else:
                        counters[name] = 1
                    self.entries.append((name, metric, i, weighted))
        self._metrics = [metric for _, metric, _, _ in self.entries]  # their states are ours
        self.single = n == 1
        self.needs_target = sorted({names[i] for _, _, i, _ in self.entries}, key=names.index)
        self.built = True

    def _outputs_with_metrics(self, names: list) -> list:
        """Output names that a ``metrics``/``weighted_metrics`` argument gives at least one metric."""
        needed = set()
        for arg in (self._metrics_arg, self._weighted_arg):
            if isinstance(arg, dict):
                needed.update(k for k, v in arg.items() if v)
            elif _is_per_output_list(arg, len(names)):
                needed.update(k for k, group in zip(names, arg) if group)
            elif arg:
                needed.update(names)
        return [k for k in names if k in needed]

    @property
    def metrics(self) -> list:
        """The metric objects, in log order."""
        return [m for _, m, _, _ in self.entries]

    @property
    def has_metrics(self) -> bool:
        """Whether ``compile`` got ``metrics`` or ``weighted_metrics`` (Keras lists the container then)."""
        return self._metrics_arg is not None or self._weighted_arg is not None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Update every metric with this batch (no host synchronisation)."""
        if not self.built:
            self.build(y_true, y_pred, self.output_names or [
                f"output_{i + 1}" for i in range(len(_flatten_outputs(y_pred)))],
                prefix_names=bool(self.output_names))
        if not self.entries:
            return
        if self.single:
            y_true, y_pred, sample_weight = _only(y_true), _only(y_pred), _only(sample_weight)
            for _, metric, _, weighted in self.entries:
                metric.update_state(y_true, y_pred, sample_weight if weighted else None)
            return
        names = self.output_names
        trues = _flatten_targets(y_true, names, required=self.needs_target)
        preds = _flatten_outputs(y_pred)
        weights = (_flatten_targets(sample_weight, names, "sample_weight")
                   if sample_weight is not None else [None] * len(names))
        for _, metric, i, weighted in self.entries:
            metric.update_state(trues[i], preds[i], weights[i] if weighted else None)

    update_state._keraton_wrapped = True  # each metric moves its own state to the inputs' device

    def result(self) -> dict:
        """``{log name: result tensor}``."""
        return {name: metric.result() for name, metric, _, _ in self.entries}

    def reset_state(self) -> None:
        """Reset every metric."""
        for _, metric, _, _ in self.entries:
            metric.reset_state()

    def get_config(self) -> dict:
        """The ``compile`` arguments it was made from."""
        return {"metrics": self._metrics_arg, "weighted_metrics": self._weighted_arg}


class LossTracker(metrics_module.Metric):
    """Running, batch-size-weighted mean of a loss, kept as device tensors (Keras's loss ``Mean``).

    The ``loss`` (and ``<output>_loss``) entry of ``model.metrics``; lighter
    than a ``Mean``: the total stays one tensor, the count a Python number.
    """

    def __init__(self, name: str = "loss"):
        super().__init__(name=name)
        self.total = None
        self.count = 0

    def update_state(self, value, batch_size=None, sample_weight=None) -> None:
        """Add one batch's mean loss, weighted by its size.

        As the ``Mean`` Keras keeps here, ``update_state(loss)`` from a custom
        ``train_step`` (``for metric in self.metrics: ...``) weighs the value by 1,
        and ``sample_weight=`` is accepted as the weight.
        """
        if batch_size is None:
            batch_size = 1 if sample_weight is None else sample_weight
        value = torch.as_tensor(value).detach()
        if value.ndim or isinstance(batch_size, torch.Tensor):
            weight = torch.as_tensor(batch_size, dtype=value.dtype, device=value.device).detach()
            weight = torch.broadcast_to(weight, value.shape)
            value, batch_size = (value * weight).sum(), float(weight.sum())
        else:
            value = value * batch_size
        self.total = value if self.total is None else self.total + value
        self.count += batch_size

    update_state._keraton_wrapped = True  # already detached and device-agnostic

    def result(self) -> torch.Tensor:
        """The mean so far (0 before any update)."""
        if self.total is None:
            return torch.tensor(0.0)
        return self.total / self.count

    def reset_state(self) -> None:
        """Forget all updates."""
        self.total = None
        self.count = 0
