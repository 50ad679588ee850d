"""``Trainer``: ``compile``, ``fit``, ``evaluate``, ``predict`` and the step functions.

Mixed into :class:`keraton.Model`, as Keras 3's ``Trainer``.  The step is
plain PyTorch (forward, loss, ``backward``, optimizer step, metric update);
everything Keras-specific (callbacks, progress bar, History, logs) happens
around it and reads numbers only when something needs them: at epoch end,
or when a callback asks for per-batch logs.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import torch

from keraton import optimizers as optimizers_module
from keraton.layers import layer as layer_module
from keraton.trainers import compile_utils
from keraton.trainers.data_adapters import get_data_adapter, unpack_x_y_sample_weight
from keraton.trainers.data_prep import prepare_data, split_validation
from keraton.trainers.epoch_iterator import EpochIterator
from keraton.utils import tree


class MetricsLogs(Mapping):
    """The logs a step returns: metric results, computed only when read (no per-step sync)."""

    def __init__(self, trainer):
        self._trainer = trainer

    def _results(self) -> dict:
        return self._trainer._metric_results()

    def __getitem__(self, key):
        return self._results()[key]

    def __iter__(self):
        return iter(self._results())

    def __len__(self) -> int:
        return len(self._results())


def _to_floats(logs) -> dict:
    out = {}
    for k, v in logs.items():
        if isinstance(v, torch.Tensor):
            v = v.detach()
            out[k] = float(v) if v.numel() == 1 else v.cpu().numpy()
        elif isinstance(v, (int, float, np.floating, np.integer)):
            out[k] = float(v)
        else:
            out[k] = v
    return out


class Trainer:
    """The training API of a keraton ``Model`` (Keras 3's ``Trainer``)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.history = None
        self.stop_training = False
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = compile_utils.LossTracker("loss")
        self._output_loss_trackers: list = []
        self._target_tensors = None
        self._regularized: list = []

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True,
                **kwargs) -> None:
        """Configure the model for training, as Keras's ``compile`` (Keras 2 and 3 arguments).

        Args:
            optimizer: name (``'adam'``) or optimizer object.
            loss: name, function or ``Loss``; a list or dict gives one per output.
            metrics: list of names/functions/``Metric``s, or per-output dict/list.
            loss_weights: scalars weighting each output's loss.
            sample_weight_mode: ``None`` or ``'temporal'`` (per-timestep weights of
                shape ``(samples, timesteps)``) — Keras 2's argument.
            weighted_metrics: metrics that use ``sample_weight``/``class_weight``.
            target_tensors: Keras 2: targets used when ``fit`` gets no ``y``.
        """
        kwargs.pop("experimental_run_tf_function", None)
        kwargs.pop("distribute", None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if sample_weight_mode not in (None, "temporal") and not isinstance(sample_weight_mode, (dict, list)):
            raise ValueError(
                f"sample_weight_mode must be None or 'temporal', got {sample_weight_mode!r}."
            )
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics)
        self.sample_weight_mode = sample_weight_mode
        self._target_tensors = target_tensors
        self.run_eagerly = run_eagerly
        self.steps_per_execution = steps_per_execution
        if jit_compile is True:
            warnings.warn("jit_compile=True is not implemented yet in keraton; running eagerly.",
                          stacklevel=2)
        self.jit_compile = False
        self.compiled = True
        self._metrics_built = False

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call compile() before {what}(): the model '{self.name}' has no "
                "optimizer or loss yet. For example: model.compile(optimizer='adam', loss='mse')."
            )

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        """The loss tracker(s) and compiled metrics, in the order of ``metrics_names``."""
        out = [self._loss_tracker] + [t for t in self._output_loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            out.extend(self._compile_metrics.metrics)
        return out

    @property
    def metrics_names(self) -> list:
        """Names of the values ``evaluate`` returns: ``['loss', ...metrics]`` (Keras 2 style)."""
        names = ["loss"] + [t.name for t in self._output_loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names.extend(name for name, _, _, _ in self._compile_metrics.entries)
        return names

    def reset_metrics(self) -> None:
        """Reset the loss tracker(s) and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def _metric_results(self) -> dict:
        logs = {"loss": self._loss_tracker.result()}
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = tracker.result()
        if self._compile_metrics is not None and self._compile_metrics.built:
            logs.update(self._compile_metrics.result())
        return logs

    def _build_compiled(self, y, y_pred) -> None:
        """Resolve losses and metrics on the first batch, when output count and shapes are known."""
        names = self.output_names or []
        if self._compile_loss is not None and not self._compile_loss.built:
            self._compile_loss.output_names = list(names)
            self._compile_loss.build(y_pred)
        names = self._compile_loss.output_names if self._compile_loss is not None else (
            names or ["output_" + str(i + 1) for i in range(len(tree.flatten(y_pred)))])
        if not self._compile_metrics.built:
            self._compile_metrics.build(y, y_pred, names)
        self._output_loss_trackers = []
        if self._compile_loss is not None and not self._compile_loss.single:
            self._output_loss_trackers = [compile_utils.LossTracker(f"{n}_loss")
                                          for n, loss_obj in zip(names, self._compile_loss.losses) if loss_obj is not None]
        self._metrics_built = True

    # ------------------------------------------------------------------ losses
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss of a batch: compiled losses plus ``model.losses`` (regularization), as Keras 3."""
        if self._compile_loss is None:
            raise ValueError(
                f"Model '{self.name}' was compiled without a loss. Pass `loss=` to compile(), or "
                "override compute_loss()/train_step()."
            )
        try:
            loss = self._compile_loss(y, y_pred, sample_weight)
        except ValueError:
            raise
        except RuntimeError as e:
            raise ValueError(
                f"The loss could not be computed for targets of shape {_shapes(y)} and model "
                f"outputs of shape {_shapes(y_pred)}: {e}. Make the targets match the outputs "
                "(for class indices use a sparse_categorical loss; for one-hot targets use "
                "categorical_crossentropy)."
            ) from None
        extra = self._step_regularization()
        if extra is not None:
            loss = loss + extra
        return loss

    def _step_regularization(self):
        total = None
        for w, reg in self._regularized:
            value = reg(w)
            total = value if total is None else total + value
        for layer in layer_module._PENDING_LOSS_LAYERS:
            for value in layer._call_losses:
                total = value if total is None else total + value
        return total

    def _build_from_data(self, adapter) -> None:
        """Build an unbuilt model (e.g. subclassed) by calling it on one batch, as Keras 3 does."""
        if self.built and all(m.built for m in self.modules() if isinstance(m, layer_module.Layer)):
            return
        x, _, _ = unpack_x_y_sample_weight(next(iter(adapter.get_torch_iterator())))
        was_training = self.training
        self.train(False)
        try:
            with torch.no_grad():
                self(x)
        finally:
            self.train(was_training)

    def _prepare_training_state(self) -> None:
        """Once per fit: the regularized weights and the optimizer's variables."""
        self._regularized = self._regularized_weights()
        self.optimizer.build(self.trainable_weights)

    def _regularized_weights(self) -> list:
        return [(w, w._keras_regularizer) for w in self.weights
                if getattr(w, "_keras_regularizer", None) is not None]

    # ------------------------------------------------------------------ steps
    def train_step(self, data):
        """One training step on a batch: forward, loss, backward, update, metrics.

        Override it for custom training (the Keras 3 contract): read
        ``x, y, sample_weight`` from ``data``, update weights, update
        ``self.metrics`` and return a dict of logs.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self.optimizer.zero_grad(set_to_none=True)
        y_pred = self(x)
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        loss.backward()
        self.optimizer.step()  # also applies the weights' constraints, as Keras's optimizers do
        self._update_trackers(loss, x, y, y_pred, sample_weight)
        return self._step_logs

    def _update_trackers(self, loss, x, y, y_pred, sample_weight) -> None:
        batch_size = tree.flatten(x)[0].shape[0]
        self._loss_tracker.update_state(loss, batch_size)
        if self._output_loss_trackers:
            values = [v for v in self._compile_loss.last_output_losses if v is not None]
            for tracker, value in zip(self._output_loss_trackers, values):
                tracker.update_state(value, batch_size)
        self.compute_metrics(x, y, y_pred if not isinstance(y_pred, torch.Tensor) else y_pred.detach(),
                             sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return the (lazy) logs, as Keras 3."""
        self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self._step_logs

    def test_step(self, data):
        """One evaluation step: forward, loss, metrics (no update)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x)
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._update_trackers(loss, x, y, y_pred, sample_weight)
        return self._step_logs

    def predict_step(self, data):
        """One prediction step: the model's output for ``x``."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x)

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train the model for ``epochs`` epochs over the data and return a ``History``.

        Matches Keras's ``fit``: every argument of the Keras 2 and 3 signatures;
        ``x``/``y`` may be NumPy arrays, torch tensors, Python lists, or
        lists/dicts of those for multi-input/output models.
        """
        from keraton.callbacks import CallbackList

        kwargs.pop("max_queue_size", None)
        kwargs.pop("workers", None)
        kwargs.pop("use_multiprocessing", None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compiled("fit")
        if y is None and self._target_tensors is not None:
            y = self._target_tensors
        epochs = int(epochs)
        verbose = _resolve_verbose(verbose)
        train, val = prepare_data(self, x, y, sample_weight, class_weight=class_weight,
                                  validation_split=validation_split, validation_data=validation_data)
        if val is None and validation_split:
            train, val = split_validation(train, validation_split)
        device = self._device()
        adapter = get_data_adapter(*train, batch_size=batch_size, shuffle=shuffle, device=device)
        iterator = EpochIterator(adapter, steps_per_epoch)
        val_adapter = None
        if val is not None:
            val_adapter = get_data_adapter(*val, batch_size=validation_batch_size or batch_size,
                                           shuffle=False, device=device)
        self._build_from_data(adapter)
        self._prepare_training_state()
        self._step_logs = MetricsLogs(self)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=iterator.steps_per_epoch)
        self.stop_training = False
        was_training = self.training
        self.train(True)
        batch_hooks = cbs.needs_batch_hooks("train")
        cbs.on_train_begin()
        training_logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                logs = {}
                for step, batch in iterator.enumerate_epoch():
                    if batch_hooks:
                        cbs.on_train_batch_begin(step)
                    logs = self.train_step(batch)
                    if batch_hooks:
                        cbs.on_train_batch_end(step, lambda logs=logs: _to_floats(logs))
                    if self.stop_training:
                        break
                epoch_logs = _to_floats(logs)
                if val_adapter is not None and _should_validate(epoch, validation_freq):
                    self.train(False)
                    val_logs = self._run_test_loop(EpochIterator(val_adapter, validation_steps), cbs)
                    self.train(True)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self.train(was_training)
        cbs.on_train_end(training_logs)
        return self.history

    def _device(self):
        for p in self.parameters():
            return p.device
        return torch.device("cpu")

    # ------------------------------------------------------------------ evaluate
    def _run_test_loop(self, iterator, cbs) -> dict:
        self._step_logs = MetricsLogs(self)
        self.reset_metrics()
        batch_hooks = cbs.needs_batch_hooks("test")
        cbs.on_test_begin()
        logs = {}
        with torch.no_grad():
            for step, batch in iterator.enumerate_epoch():
                if batch_hooks:
                    cbs.on_test_batch_begin(step)
                logs = self.test_step(batch)
                if batch_hooks:
                    cbs.on_test_batch_end(step, lambda logs=logs: _to_floats(logs))
        logs = _to_floats(logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Return the loss (a scalar) or ``[loss, *metrics]`` on the data, as Keras's ``evaluate``.

        With ``return_dict=True`` returns ``{name: value}``.
        """
        from keraton.callbacks import CallbackList

        for k in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compiled("evaluate")
        if y is None and self._target_tensors is not None:
            y = self._target_tensors
        data, _ = prepare_data(self, x, y, sample_weight)
        adapter = get_data_adapter(*data, batch_size=batch_size, shuffle=False, device=self._device())
        iterator = EpochIterator(adapter, steps)
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=iterator.steps_per_epoch)
        self._build_from_data(adapter)
        self._regularized = self._regularized_weights()
        was_training = self.training
        self.train(False)
        try:
            logs = self._run_test_loop(iterator, cbs)
        finally:
            self.train(was_training)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """Return the model's outputs for ``x`` as NumPy arrays, computed batch by batch.

        Outputs are written into preallocated arrays, so memory holds the
        result plus one batch, as Keras's ``predict`` returns (a list or dict
        of arrays for multi-output models).
        """
        from keraton.callbacks import CallbackList

        for k in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword argument(s) {sorted(kwargs)}.")
        data, _ = prepare_data(self, x, None, None, for_predict=True)
        adapter = get_data_adapter(*data, batch_size=batch_size, shuffle=False, device=self._device())
        iterator = EpochIterator(adapter, steps)
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=iterator.steps_per_epoch)
        batch_hooks = cbs.needs_batch_hooks("predict")
        total = adapter.num_samples if steps is None else None
        buffers = None
        chunks = []
        offset = 0
        was_training = self.training
        self.train(False)
        cbs.on_predict_begin()
        try:
            with torch.inference_mode():
                for step, batch in iterator.enumerate_epoch():
                    if batch_hooks:
                        cbs.on_predict_batch_begin(step)
                    out = self.predict_step(batch)
                    flat = [o.detach().cpu().numpy() for o in tree.flatten(out)]
                    if total is not None:
                        if buffers is None:
                            buffers = [np.empty((total,) + f.shape[1:], dtype=f.dtype) for f in flat]
                        for buf, f in zip(buffers, flat):
                            buf[offset:offset + len(f)] = f
                        offset += len(flat[0])
                    else:
                        chunks.append(flat)
                    if batch_hooks:
                        cbs.on_predict_batch_end(step, {"outputs": out})
        finally:
            self.train(was_training)
        cbs.on_predict_end()
        if buffers is None:
            buffers = [np.concatenate(parts) for parts in zip(*chunks)] if chunks else []
        if not buffers:
            raise ValueError("predict() got no data: x has no samples.")
        structure = out
        return tree.pack_sequence_as(structure, buffers) if not isinstance(structure, torch.Tensor) else buffers[0]

    # ------------------------------------------------------------------ on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """Run one training step on a single batch and return its loss/metrics, as Keras."""
        self._assert_compiled("train_on_batch")
        data, _ = prepare_data(self, x, y, sample_weight, class_weight=class_weight)
        if reset_metrics:
            self.reset_metrics()
        self._build_from_data(get_data_adapter(*data, batch_size=1))
        self._prepare_training_state()
        self._step_logs = MetricsLogs(self)
        was_training = self.training
        self.train(True)
        try:
            logs = _to_floats(self.train_step(_to_device(data, self._device())))
        finally:
            self.train(was_training)
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Evaluate a single batch and return its loss/metrics, as Keras."""
        self._assert_compiled("test_on_batch")
        data, _ = prepare_data(self, x, y, sample_weight)
        if reset_metrics:
            self.reset_metrics()
        self._build_from_data(get_data_adapter(*data, batch_size=1))
        self._regularized = self._regularized_weights()
        self._step_logs = MetricsLogs(self)
        was_training = self.training
        self.train(False)
        try:
            with torch.no_grad():
                logs = _to_floats(self.test_step(_to_device(data, self._device())))
        finally:
            self.train(was_training)
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Return the model's outputs for a single batch as NumPy arrays."""
        data, _ = prepare_data(self, x, None, None, for_predict=True)
        was_training = self.training
        self.train(False)
        try:
            with torch.inference_mode():
                out = self.predict_step(_to_device(data, self._device()))
        finally:
            self.train(was_training)
        return tree.map_structure(lambda t: t.detach().cpu().numpy(), out)

    def _format_logs(self, logs: dict, return_dict: bool):
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values


def _to_device(data, device):
    return tree.map_structure(lambda t: t.to(device) if isinstance(t, torch.Tensor) else t, data)


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}.")
    return int(verbose)


def _should_validate(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _shapes(x):
    return tree.map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else t, x)
