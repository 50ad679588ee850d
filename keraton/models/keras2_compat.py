"""Keras 2 model methods that Keras 3 removed: ``fit_generator`` & co., ``reset_states``, ``predict_classes``.

Each works as it did in Keras 2 (delegating to ``fit``/``evaluate``/``predict``,
which take generators, ``PyDataset``s and DataLoaders) and warns once per
process, naming its Keras 3 replacement.

Example:
    >>> model.fit_generator(batches(), steps_per_epoch=10, epochs=2)   # warns once
    >>> model.reset_states()                                           # stateful RNNs back to zeros
    >>> model.predict_classes(x)                                       # Sequential only
"""

from __future__ import annotations

import numpy as np

from keraton.legacy_interfaces import legacy_generator_method
from keraton.models import keras2_training_tensors
from keraton.utils.keras2_names import warn_keras2_name


class Keras2ModelMixin:
    """``Model.fit_generator``/``evaluate_generator``/``predict_generator``/``reset_states``, as in Keras 2."""

    def reset_states(self) -> None:
        """Reset the states of the model's stateful layers (nested models included), as Keras 2.

        Keras 2's ``Model.reset_states`` called ``reset_states()`` on each layer
        with ``stateful=True``; Keras 3 calls ``layer.reset_state()`` on each
        stateful RNN instead.
        """
        warn_keras2_name("Model.reset_states", "`layer.reset_state()` on each stateful RNN layer")
        for layer in self.layers:
            if isinstance(layer, Keras2ModelMixin):
                layer.reset_states()
            elif getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    @legacy_generator_method
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      shuffle=True, initial_epoch=0):
        """Train on batches from ``generator``; ``fit(generator, ...)`` in Keras 3."""
        warn_keras2_name("Model.fit_generator", "`Model.fit`, which accepts generators",
                         stacklevel=4)  # past the Keras 1 argument converter
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, max_queue_size=max_queue_size,
                        workers=workers, use_multiprocessing=use_multiprocessing,
                        shuffle=shuffle, initial_epoch=initial_epoch)

    @legacy_generator_method
    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Evaluate on batches from ``generator``; ``evaluate(generator, ...)`` in Keras 3."""
        warn_keras2_name("Model.evaluate_generator", "`Model.evaluate`, which accepts generators",
                         stacklevel=4)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing)

    @legacy_generator_method
    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Predict for the inputs from ``generator``; ``predict(generator, ...)`` in Keras 3."""
        warn_keras2_name("Model.predict_generator", "`Model.predict`, which accepts generators",
                         stacklevel=4)
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing)


    # ------------------------------------------------------------------ Keras 2 training graph
    targets = keras2_training_tensors.TrainingTensor(
        0, "Keras 2's target placeholders, one per output (``model.targets``), made after ``compile``.")
    sample_weights = keras2_training_tensors.TrainingTensor(
        1, "Keras 2's sample-weight placeholders, one per output (``model.sample_weights``).")
    total_loss = keras2_training_tensors.TrainingTensor(
        2, "Keras 2's symbolic training loss: the compiled losses of ``model.outputs`` against "
           "``targets`` and ``sample_weights`` plus ``model.losses``, for ``K.gradients``/``K.function``.")

    @property
    def _feed_inputs(self) -> list:
        return list(self.inputs or [])

    @property
    def _feed_targets(self) -> list:
        return self.targets

    @property
    def _feed_sample_weights(self) -> list:
        return self.sample_weights

    def _make_train_function(self) -> None:
        """Keras 2 built its backend training function here; keraton has none to build (no-op)."""

    def _make_test_function(self) -> None:
        """Keras 2 built its backend test function here; keraton has none to build (no-op)."""

    def _make_predict_function(self) -> None:
        """Keras 2 built its backend predict function here (servers called it before threads); no-op."""


class Keras2SequentialMixin:
    """``Sequential.predict_classes``/``predict_proba``, as in Keras 2."""

    def predict_proba(self, x, batch_size=32, verbose=0):
        """The model's output (probabilities) for ``x``; ``predict`` in Keras 3."""
        warn_keras2_name("Sequential.predict_proba", "`model.predict(x)`")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices for ``x``: argmax over the last axis, or ``output > 0.5`` for one unit.

        Matches Keras 2 (int32 ``(n, 1)`` for a single sigmoid unit). Keras 3
        replacement: ``np.argmax(model.predict(x), axis=-1)`` or
        ``(model.predict(x) > 0.5).astype("int32")``.
        """
        warn_keras2_name("Sequential.predict_classes",
                         "`np.argmax(model.predict(x), axis=-1)` (softmax outputs) or "
                         "`(model.predict(x) > 0.5).astype('int32')` (a sigmoid unit)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype(np.int32)
