"""``callback.params`` of ``fit``: Keras 3's keys, plus Keras 1/2's answered when a callback asks.

Keras 3 (and tf.keras 2) give callbacks ``{'verbose', 'epochs', 'steps'}``;
Keras 2.0-2.2's ``fit`` also gave ``'batch_size'``, ``'samples'``,
``'do_validation'`` and ``'metrics'`` (the names logged, ``val_`` ones
included), and Keras 1 ``'nb_sample'``/``'nb_epoch'``.  Custom callbacks of
that era (progress bars, loggers) index them, so :class:`RunParams` serves
them on lookup while comparing, printing and iterating as Keras 3's dict.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.trainers.step_logs import Keras2KeysDict
from keraton.utils import tree


class RunParams(Keras2KeysDict):
    """Keras 3's run-parameter dict that also answers Keras 1/2's keys on ``params[key]``/``get``.

    Args:
        params: Keras 3's ``{'verbose', 'epochs', 'steps'}``.
        model: the model being trained (``'metrics'`` lists its
            ``metrics_names``: all of them even before the first batch, as
            Keras 2 knew them from ``compile``, when ``targets`` and the
            model's graph let them be resolved early).
        targets: the training targets (``y``), for that early resolution.
        batch_size, samples: of in-memory training data; absent (KeyError)
            for data sources, as Keras 2's ``fit_generator`` params.
        do_validation: whether ``fit`` validates.
    """

    def __init__(self, params, model=None, batch_size=None, samples=None, do_validation=False,
                 targets=None):
        super().__init__(params)
        self._model = model
        self._targets = targets
        self._keras2 = {"do_validation": bool(do_validation)}
        if batch_size is not None and samples is not None:
            self._keras2.update(batch_size=batch_size, samples=samples, nb_sample=samples)

    def keras2_value(self, key):
        """``batch_size``, ``samples``/``nb_sample``, ``do_validation``, ``metrics``, ``nb_epoch``."""
        if key in self._keras2:
            return self._keras2[key]
        if key == "nb_epoch" and "epochs" in self:
            return self["epochs"]
        if key == "metrics" and self._model is not None:
            resolve_compiled_metrics(self._model, self._targets)
            names = list(self._model.metrics_names)
            return names + [f"val_{n}" for n in names] if self._keras2["do_validation"] else names
        raise KeyError(key)


def resolve_compiled_metrics(model, targets) -> None:
    """Resolve the compiled losses and metrics before the first batch, as Keras 2's ``compile`` did.

    Keras 3 (and keraton) resolve them on the first batch, once output
    shapes are known; a Keras 2 callback reading ``params['metrics']`` in
    ``on_train_begin`` (livelossplot's) expects every name already.  For a
    model with a graph (Sequential, functional) and in-memory targets, one
    target sample and zeros of the graph's output shapes stand in for the
    first batch; otherwise the names fill in at the first batch, as now.
    """
    outputs = getattr(model, "_outputs_struct", None)
    if model._metrics_built or targets is None or outputs is None:
        return
    flat = tree.flatten(targets)
    if not flat or not all(_numeric_samples(t) for t in flat):
        return
    device = next(model.parameters(), torch.zeros(0)).device
    sample = tree.map_structure(
        lambda t: (t[:1] if isinstance(t, torch.Tensor) else torch.as_tensor(np.asarray(t[:1]))).to(device),
        targets)

    def zeros(out):  # float32, as the train step's outputs (``float32_outputs``)
        return torch.zeros((1,) + tuple(d or 1 for d in out.shape[1:]), dtype=torch.float32,
                           device=device)

    model._build_compiled(sample, tree.map_structure(zeros, outputs))


def _numeric_samples(t) -> bool:
    """Whether ``t`` is an array of samples with a numeric dtype (not strings, not a scalar)."""
    if isinstance(t, torch.Tensor):
        return t.dim() > 0
    kind = getattr(getattr(t, "dtype", None), "kind", None)
    return len(getattr(t, "shape", ())) > 0 and kind is not None and kind in "biuf"


def give_keras2_callback_state(model, callbacks, adapter, val_adapter, validation,
                               targets=None) -> None:
    """What Keras 2.0-2.2's ``fit`` gave callbacks: its ``params`` keys and ``validation_data``.

    ``validation_data`` goes to user callbacks only (keraton's own read the logs).
    """
    from keraton.trainers.data_adapters.data_adapter import SampleBatchedAdapter
    from keraton.trainers.data_prep import keras2_validation_data

    if isinstance(callbacks.params, dict) and not isinstance(callbacks.params, RunParams):
        in_memory = isinstance(adapter, SampleBatchedAdapter)  # Keras 2: arrays only
        callbacks.set_params(RunParams(
            callbacks.params, model=model, do_validation=val_adapter is not None,
            batch_size=adapter.batch_size if in_memory else None,
            samples=adapter.num_samples if in_memory else None,
            targets=targets if in_memory else None))
    users = [cb for cb in callbacks.callbacks if not type(cb).__module__.startswith("keraton.")]
    arrays = keras2_validation_data(validation) if users else None
    for callback in users if arrays is not None else ():
        callback.validation_data = arrays
