"""Keras 2 layer methods that Keras 3 dropped: ``add_metric``, ``add_update``, ``updates``.

tf.keras 2 code reports a value as a metric from inside ``call``
(``self.add_metric(kl, name="kl_loss")``, a VAE's habit) and registers the
updates of its custom batch statistics (``self.add_update([K.moving_average_update
(...)])``).  keraton runs eagerly, as tf.keras 2 does by default:

* ``add_metric(value, name)`` keeps one ``keraton.metrics.Mean`` per name on the
  layer and updates it with ``value``; ``fit``/``evaluate`` report it under
  ``name`` and reset it each epoch, as tf.keras 2 does;
* ``add_update(updates)`` calls the callables among ``updates``; the others are
  results of updates that have already happened (``K.update_add`` and friends
  assign at once), so there is nothing left to run;
* ``updates`` is always empty (tf.keras 2 eager returns ``[]`` too).
"""

from __future__ import annotations

import torch

from keraton.utils import tree


class Keras2LayerMixin:
    """``add_metric``, ``add_update`` and ``updates`` of a tf.keras 2 ``Layer``."""

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Report the mean of ``value`` as the metric ``name`` (tf.keras 2's ``Layer.add_metric``).

        ``aggregation`` is ``None`` or ``"mean"``, as tf.keras 2 accepts; the
        metric is a running mean over the batches of an epoch.
        """
        del kwargs  # tf.keras 2's deprecated `metric=` spelling of `name`
        self._added_metric(name, aggregation).update_state(value)

    def _added_metric(self, name, aggregation):
        """The ``Mean`` that ``add_metric(..., name=name)`` updates (created on first use)."""
        from keraton.metrics import Mean

        if aggregation not in (None, "mean"):
            raise ValueError(f"add_metric supports aggregation=None or 'mean' (as tf.keras 2), got "
                             f"{aggregation!r}. Compute the aggregate yourself and pass it as value.")
        if not name:
            raise ValueError("add_metric needs a name for the metric, e.g. "
                             "self.add_metric(K.mean(x), name='mean_activation').")
        metrics = self.__dict__.setdefault("_added_metric_objects", {})
        metric = metrics.get(name)
        if metric is None:
            metric = metrics[name] = Mean(name=name)
            setattr(self, f"_added_metric_{len(metrics)}", metric)  # found by `model.metrics`
        return metric

    def add_update(self, updates, inputs=None) -> None:
        """Run the callables among ``updates`` (tf.keras 2's eager ``add_update``); ``inputs`` is ignored.

        Tensors among ``updates`` are results of updates that already happened
        (``K.update_add``, ``K.moving_average_update``, ``variable.assign``).
        """
        del inputs  # Keras 1/2's conditional updates: keraton's updates are eager
        if getattr(self, "trainable", True) is False:
            return  # tf.keras 2 skips a frozen layer's update callables
        for update in tree.flatten(updates) if isinstance(updates, (list, tuple)) else [updates]:
            if callable(update) and not isinstance(update, torch.Tensor):
                update()

    @property
    def updates(self) -> list:
        """Always ``[]``: updates run eagerly when created, as in tf.keras 2's eager mode."""
        return []
