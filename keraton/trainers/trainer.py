"""``Trainer``: ``compile``, ``fit``, ``evaluate``, ``predict`` and the step functions.

Mixed into :class:`keraton.Model`, as Keras 3's ``Trainer``.  The step is
plain PyTorch (forward, loss, ``backward``, optimizer step, metric update);
everything Keras-specific (callbacks, progress bar, History, logs) happens
around it and reads numbers only when something needs them: at epoch end,
or when a callback asks for per-batch logs.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np
import torch

from keraton import backend, config, legacy_interfaces
from keraton import optimizers as optimizers_module
from keraton.backend_functions import forward_values
from keraton.layers import call_context
from keraton.layers import layer as layer_module
from keraton.mixed_precision.autocast import float32_outputs
from keraton.trainers import compile_utils, denormals, distributed, jit
from keraton.trainers.data_adapters import get_data_adapter, unpack_x_y_sample_weight
from keraton.trainers.data_prep import prepare_data, split_validation, standardize_batch
from keraton.trainers.epoch_iterator import EpochIterator
from keraton.trainers.keras2_compiled import Keras2CompiledMixin
from keraton.trainers.metrics_mixin import MetricsMixin
from keraton.trainers.on_batch import OnBatchMixin
from keraton.trainers.step_logs import MetricsLogs, batch_end_logs, flatten_logs
from keraton.utils import tree


@functools.cache
def _takes_training(compute_loss) -> bool:
    """Whether a ``compute_loss`` function has a ``training`` parameter (added in Keras 3.3)."""
    return "training" in inspect.signature(compute_loss).parameters


def _aggregate_added_loss(loss):
    """An ``add_loss`` value as a scalar, as Keras 3's ``_aggregate_additional_loss``.

    Keras 3 sums the entries: keras.io's OCR example adds a per-sample CTC loss
    of shape ``(batch, 1)``, and its training loss is their sum. A non-float
    loss is cast to ``floatx``.
    """
    loss = torch.as_tensor(loss)
    if not loss.is_floating_point():
        loss = loss.to(backend.torch_dtype(backend.floatx()))
    return loss.sum() if loss.dim() else loss


class Trainer(MetricsMixin, OnBatchMixin, Keras2CompiledMixin):
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
        self._step_callable_losses: list = []
        self.jit_compile = False
        self._compiled_forward_loss = None

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
            steps_per_execution: steps run between two calls of the callbacks'
                batch hooks (which then see the last step's index), as Keras.
            jit_compile: ``True`` runs the train step's forward and loss
                (hence its backward) through ``torch.compile``, falling back to
                eager with a warning where that fails; the partial last batch
                of an epoch runs eagerly rather than compiling a second graph.
                ``'auto'`` and ``False`` run eagerly, as Keras 3 on torch: on
                CPU compiled steps were slower than eager on every benchmark
                row (benchmarks/RESULTS.md) and cost seconds to minutes of
                compilation. Evaluation and prediction stay eager.
            auto_scale_loss: with a ``'mixed_float16'`` policy, wrap the
                optimizer in a ``LossScaleOptimizer``, as Keras 3.
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
        if auto_scale_loss:
            from keraton import mixed_precision

            if mixed_precision.global_policy().name == "mixed_float16" and not isinstance(
                    self.optimizer, mixed_precision.LossScaleOptimizer):
                self.optimizer = mixed_precision.LossScaleOptimizer(self.optimizer)
        self.loss = loss
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights) if loss is not None else None
        if hasattr(self, "watch_tensors"):  # a Keras 2 loss closing over the graph's tensors
            self.watch_tensors(forward_values.captured_tensors(loss))
        self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics)
        self.sample_weight_mode = sample_weight_mode
        self._target_tensors = target_tensors
        self.run_eagerly = run_eagerly
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int) or \
                steps_per_execution < 1:
            raise ValueError(
                f"steps_per_execution must be a positive integer, got {steps_per_execution!r}.")
        self.steps_per_execution = steps_per_execution
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto', got {jit_compile!r}.")
        self.jit_compile = jit_compile is True
        self._compiled_forward_loss = None
        self.compiled = True
        self._metrics_built = False
        # Keras 2 trained what was trainable at compile time; see _warn_frozen_since_compile.
        self._trainable_at_compile = frozenset(id(w) for w in self.trainable_weights)

    def get_compile_config(self) -> dict:
        """The serialized arguments of ``compile`` (``{}`` when not compiled), as Keras 3's."""
        from keraton.saving.keras_config import compile_config

        return compile_config(self)

    def compile_from_config(self, config: dict) -> None:
        """Compile from :meth:`get_compile_config`'s output and build the optimizer, as Keras 3."""
        from keraton.saving.keras_config import compile_from_config

        compile_from_config(self, config)

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call compile() before {what}(): the model '{self.name}' has no "
                "optimizer or loss yet. For example: model.compile(optimizer='adam', loss='mse')."
            )

    # ------------------------------------------------------------------ losses
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss of a batch: compiled losses plus ``model.losses`` (regularization), as Keras 3."""
        if not self._metrics_built:  # a custom train_step calls this before any built-in step
            self._build_compiled(y, y_pred)
        if self._compile_loss is None:
            # Only add_loss()/regularization losses, as Keras's OCR example (CTC via add_loss).
            extra = self._step_regularization()
            if extra is None:
                raise ValueError(
                    f"Model '{self.name}' was compiled without a loss. Pass `loss=` to compile(), "
                    "or override compute_loss()/train_step()."
                )
            return extra
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

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """``compute_loss``, passing ``training`` only where the method takes it, as Keras 3.

        Overrides written before Keras 3.3 (keras.io's knowledge distillation
        ``Distiller``, for one) have no ``training`` parameter.
        """
        if _takes_training(getattr(self.compute_loss, "__func__", self.compute_loss)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _step_regularization(self):
        total = None
        for w, reg in self._regularized:
            value = reg(w)
            total = value if total is None else total + value
        for fn in self._step_callable_losses:  # tf.keras 2's add_loss(lambda: ...)
            value = fn()
            if value is not None:
                total = value if total is None else total + value
        for layer in call_context.STATE.pending_loss_layers:
            for value in layer._call_losses:
                value = _aggregate_added_loss(value)
                total = value if total is None else total + value
        return total

    def _build_from_data(self, adapter) -> None:
        """Build an unbuilt model (e.g. subclassed) by calling it on one batch, as Keras 3 does.

        A subclass whose sublayers are all built (a GAN made of two built
        models) is not called: its ``call`` may not take the training data.
        """
        sublayers = [m for m in self.modules() if isinstance(m, layer_module.Layer) and m is not self]
        if all(m.built for m in sublayers) and (self.built or sublayers):
            return
        x, _, _ = unpack_x_y_sample_weight(adapter.first_batch())
        with torch.no_grad(), call_context.loop_mode(self, False):
            self(x, training=False)

    def _prepare_training_state(self) -> None:
        """Once per fit: the regularized weights and the optimizer's variables."""
        self._collect_regularization()
        trainable = self.trainable_weights
        at_compile = getattr(self, "_trainable_at_compile", None)
        if at_compile and at_compile.isdisjoint(id(w) for w in trainable):
            self._warn_frozen_since_compile(bool(trainable))
        self.optimizer.build(trainable)

    def _warn_frozen_since_compile(self, others: bool) -> None:
        """Say once that a model trains none of the weights trainable at ``compile`` (Keras 3), unlike Keras 2.

        Keras 2's GAN idiom compiles the discriminator, sets
        ``discriminator.trainable = False`` to build the combined model, and keeps
        calling ``discriminator.train_on_batch``: Keras 2 still trained it (with
        the weights trainable at compile time). keras-contrib's ``improved_wgan``
        also freezes the generator after compiling the generator model and
        unfreezes the discriminator: Keras 2 still trained the generator there.
        Keras 3, and keraton, train what is trainable now: nothing, or only
        weights that were frozen at compile time (``others``).
        """
        self._trainable_at_compile = None
        now = ("trainable weights, but none of those it had when it was compiled" if others
               else "no trainable weights, but had some when it was compiled")
        warnings.warn(
            f"Model '{self.name}' has {now} (`trainable` was changed after compile()), so "
            "training it does not change the weights trainable at compile time. Keras 2 kept "
            "training those; Keras 3 and keraton train those trainable now. Set `trainable` back "
            "before training it (for a GAN: around each train_on_batch of the model) or compile "
            "it again.", UserWarning, stacklevel=3)

    def _collect_regularization(self) -> None:
        """Once per loop: the regularized weights and the callable losses of ``add_loss``."""
        self._regularized = self._regularized_weights()
        self._step_callable_losses = [fn for m in self.modules()
                                      for fn in m.__dict__.get("_callable_losses", ())]

    def _regularized_weights(self) -> list:
        # The trainable weights only, as Keras 3's ``Layer.losses``: frozen layers add no penalty.
        return [(w, w._keras_regularizer) for w in self.trainable_weights
                if getattr(w, "_keras_regularizer", None) is not None]

    # ------------------------------------------------------------------ steps
    def train_step(self, data):
        """One training step on a batch: forward, loss, backward, update, metrics.

        Override it in a subclassed ``Model`` for custom training; ``fit``
        calls it once per batch, in training mode, gradients enabled (Keras 3's
        contract, torch flavour):

        * ``data`` is the batch as the source packs it: ``(x,)``, ``(x, y)`` or
          ``(x, y, sample_weight)``; ``keraton.trainers.data_adapters.
          unpack_x_y_sample_weight(data)`` splits it.
        * Forward with ``y_pred = self(x, training=True)``; the loss with
          ``self.compute_loss(x, y, y_pred, sample_weight)`` (compiled losses
          plus regularization) or any torch expression.
        * Update: ``self.optimizer.zero_grad()``, ``loss.backward()``,
          ``self.optimizer.step()``; or compute gradients yourself and call
          ``self.optimizer.apply(grads, variables)``.  Several optimizers
          (a GAN's generator and discriminator) are fine: create them in
          ``compile`` or ``__init__``.
        * Metrics: ``self.compute_metrics(x, y, y_pred, sample_weight)`` for
          the compiled ones, or your own ``keraton.metrics.Mean`` trackers
          assigned as attributes (``model.metrics`` lists them and ``fit``
          resets them each epoch).
        * Return a dict ``{name: value}``; values may stay tensors or
          ``Metric``s, read only when a callback or the epoch end needs them.
          Return ``self._step_logs`` (or ``self.compute_metrics(...)``) to
          report every metric in ``model.metrics``.

        Example:

        >>> class Custom(keraton.Model):
        ...     def train_step(self, data):
        ...         x, y = data
        ...         self.optimizer.zero_grad()
        ...         y_pred = self(x, training=True)
        ...         loss = self.compute_loss(x, y, y_pred)
        ...         loss.backward()
        ...         self.optimizer.step()
        ...         return self.compute_metrics(x, y, y_pred)
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self.optimizer.zero_grad(set_to_none=True)
        y_pred, loss = self._forward_loss(x, y, sample_weight)
        if loss.requires_grad:
            # An unreduced loss (reduction="none"): tf.keras 2 trains on its sum, logs its mean.
            total = loss.sum() if loss.dim() else loss
            self.optimizer.scale_loss(total).backward()
            self.optimizer.step()  # also applies the weights' constraints, as Keras's optimizers do
        else:  # nothing to update: Keras trains on (metrics, callbacks) with a warning
            warnings.warn("The model does not have any trainable weights." if not self.trainable_weights
                          else "The loss does not depend on any trainable weight: nothing is updated.",
                          stacklevel=2)
        return self._update_trackers(loss, x, y, y_pred, sample_weight)

    def _forward_loss(self, x, y, sample_weight):
        """Forward and loss of a train step; compiled with ``jit_compile=True`` after the first step."""
        if self.jit_compile and self._metrics_built:
            if self._compiled_forward_loss is None:
                self._compiled_forward_loss = jit.CompiledFunction(self._eager_forward_loss)
            return self._compiled_forward_loss(x, y, sample_weight)
        return self._eager_forward_loss(x, y, sample_weight)

    def _eager_forward_loss(self, x, y, sample_weight):
        """Forward and loss of a train step (what ``jit_compile=True`` compiles); loss in float32."""
        y_pred = float32_outputs(self(x, training=True))
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        return y_pred, self.compute_loss(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step: forward, loss, metrics (no update)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = float32_outputs(self(x, training=False))
        if not self._metrics_built:
            self._build_compiled(y, y_pred)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_trackers(loss, x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One prediction step: the model's output for ``x``."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ------------------------------------------------------------------ fit
    @denormals.flush_denormals
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
        from keraton.callbacks.run_params import give_keras2_callback_state

        max_queue_size = kwargs.pop("max_queue_size", 10)
        epochs = legacy_interfaces.fit_epochs(kwargs, epochs)  # Keras 1's `nb_epoch`
        kwargs.pop("workers", None)  # Keras 2: set them on the PyDataset (Keras 3)
        kwargs.pop("use_multiprocessing", None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compiled("fit")
        if y is None and self._target_tensors is not None:
            y = self._target_tensors
        epochs = int(epochs)
        if config.max_epochs():  # keras.config.set_max_epochs
            epochs = min(epochs, int(config.max_epochs()))
        verbose = _resolve_verbose(verbose)
        train, val = prepare_data(self, x, y, sample_weight, class_weight=class_weight,
                                  validation_split=validation_split, validation_data=validation_data,
                                  lazy_arrays=True)
        if val is None and validation_split:
            train, val = split_validation(train, validation_split)
        adapter = self._data_adapter(train, batch_size, shuffle, max_queue_size, class_weight)
        iterator = EpochIterator(adapter, steps_per_epoch)
        val_adapter = None
        if val is not None:
            val_adapter = self._data_adapter(val, validation_batch_size or batch_size, False,
                                             max_queue_size)
        self._build_from_data(adapter)
        self._prepare_training_state()
        self._step_logs = MetricsLogs(self)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=iterator.steps_per_epoch)
        give_keras2_callback_state(self, cbs, adapter, val_adapter, val, train[1])
        self.stop_training = False
        with call_context.loop_mode(self, True):
            batch_hooks = cbs.needs_batch_hooks("train")
            per_execution = self.steps_per_execution
            self._initial_epoch = None
            # Before on_train_begin: its broadcasts also keep a rank from restoring a backup being written.
            end_distributed = distributed.start_fit(self)  # no-op unless several processes train
            cbs.on_train_begin()
            # A restoring callback (BackupAndRestore) may move the start, as in Keras 3.
            initial_epoch = self._initial_epoch or initial_epoch
            training_logs = {}
            try:
                for epoch in range(initial_epoch, epochs):
                    self.reset_metrics()
                    cbs.on_epoch_begin(epoch)
                    logs, step = {}, -1
                    for step, batch in iterator.enumerate_epoch():
                        if batch_hooks and step % per_execution == 0:
                            cbs.on_train_batch_begin(step)
                        logs = self.train_step(batch)
                        if batch_hooks and (step + 1) % per_execution == 0:
                            cbs.on_train_batch_end(step, lambda logs=logs, i=step, b=batch: batch_end_logs(logs, i, b))
                        if self.stop_training:
                            break
                    if batch_hooks and (step + 1) % per_execution:  # the epoch's last, shorter execution
                        cbs.on_train_batch_end(step, lambda logs=logs, i=step, b=batch: batch_end_logs(logs, i, b))
                    epoch_logs = distributed.global_logs(self, logs)
                    if val_adapter is not None and _should_validate(epoch, validation_freq):
                        with call_context.loop_mode(self, False):
                            val_logs = self._run_test_loop(EpochIterator(val_adapter, validation_steps), cbs)
                        # Flattened before the prefix, as Keras 3's evaluate(return_dict=True):
                        # a test_step returning the nested ``compile_metrics`` result logs
                        # ``val_accuracy``, not a ``val_compile_metrics`` dict.
                        epoch_logs.update({"val_" + k: v for k, v in flatten_logs(val_logs).items()})
                    cbs.on_epoch_end(epoch, epoch_logs)
                    training_logs = epoch_logs
                    if self.stop_training:
                        break
            finally:
                end_distributed()
        if epochs > 0 and isinstance(self.optimizer, optimizers_module.Optimizer):
            self.optimizer.finalize_variable_values(self.trainable_weights)  # use_ema: the averages
        cbs.on_train_end(training_logs)
        return self.history

    def _data_adapter(self, data, batch_size, shuffle, max_queue_size=10, class_weight=None):
        """The adapter for prepared ``(x, y, sample_weight)``; streamed batches are standardised per batch."""
        device = self._device()
        convert = functools.partial(standardize_batch, self, device=device, class_weight=class_weight)
        adapter = get_data_adapter(*data, batch_size=batch_size, shuffle=shuffle, device=device,
                                   convert=convert, max_queue_size=max_queue_size)
        return distributed.shard_adapter(adapter, self)  # this rank's part of each batch

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
        logs, step, per_execution = {}, -1, self.steps_per_execution
        with call_context.inference_grad_mode(self):
            for step, batch in iterator.enumerate_epoch():
                if batch_hooks and step % per_execution == 0:
                    cbs.on_test_batch_begin(step)
                logs = self.test_step(batch)
                if batch_hooks and (step + 1) % per_execution == 0:
                    cbs.on_test_batch_end(step, lambda logs=logs, i=step, b=batch: batch_end_logs(logs, i, b))
            if batch_hooks and (step + 1) % per_execution:
                cbs.on_test_batch_end(step, lambda logs=logs, i=step, b=batch: batch_end_logs(logs, i, b))
        logs = distributed.global_logs(self, logs)
        cbs.on_test_end(logs)
        return logs

    @denormals.flush_denormals
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Return the loss (a scalar) or ``[loss, *metrics]`` on the data, as Keras's ``evaluate``.

        With ``return_dict=True`` returns ``{name: value}``.
        """
        from keraton.callbacks import CallbackList

        max_queue_size = kwargs.pop("max_queue_size", 10)
        for k in ("workers", "use_multiprocessing"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._assert_compiled("evaluate")
        if y is None and self._target_tensors is not None:
            y = self._target_tensors
        data, _ = prepare_data(self, x, y, sample_weight, lazy_arrays=True)
        adapter = self._data_adapter(data, batch_size, False, max_queue_size)
        iterator = EpochIterator(adapter, steps)
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=iterator.steps_per_epoch)
        self._build_from_data(adapter)
        self._collect_regularization()
        with call_context.loop_mode(self, False):
            logs = self._run_test_loop(iterator, cbs)
        return self._format_logs(logs, return_dict)

    # ------------------------------------------------------------------ predict
    @denormals.flush_denormals
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """Return the model's outputs for ``x`` as NumPy arrays, computed batch by batch.

        Outputs are written into preallocated arrays, so memory holds the
        result plus one batch, as Keras's ``predict`` returns (a list or dict
        of arrays for multi-output models).
        """
        from keraton.callbacks import CallbackList

        max_queue_size = kwargs.pop("max_queue_size", 10)
        for k in ("workers", "use_multiprocessing"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword argument(s) {sorted(kwargs)}.")
        data, _ = prepare_data(self, x, None, None, for_predict=True, lazy_arrays=True)
        adapter = self._data_adapter(data, batch_size, False, max_queue_size)
        iterator = EpochIterator(adapter, steps)
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=iterator.steps_per_epoch)
        batch_hooks = cbs.needs_batch_hooks("predict")
        total = getattr(adapter, "num_samples", None) if steps is None else None
        buffers = None
        chunks = []
        offset = 0
        cbs.on_predict_begin()
        with call_context.loop_mode(self, False):
            with call_context.inference_grad_mode(self, inference=True):
                for step, batch in iterator.enumerate_epoch():
                    if batch_hooks:
                        cbs.on_predict_batch_begin(step)
                    out = self.predict_step(batch)
                    flat = [o.detach().cpu().numpy() for o in tree.flatten(float32_outputs(out))]
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
        cbs.on_predict_end()
        if buffers is None:
            chunks = distributed.gather_predictions(chunks)  # every rank gets every sample, in order
            buffers = [np.concatenate(parts) for parts in zip(*chunks)] if chunks else []
        if not buffers:
            raise ValueError("predict() got no data: x has no samples.")
        structure = out
        return tree.pack_sequence_as(structure, buffers) if not isinstance(structure, torch.Tensor) else buffers[0]


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
