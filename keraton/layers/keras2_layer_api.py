"""Keras 2 layer methods that Keras 3 dropped: ``add_metric``, ``add_update``, ``updates``, nodes.

tf.keras 2 code reports a value as a metric from inside ``call``
(``self.add_metric(kl, name="kl_loss")``, a VAE's habit) and registers the
updates of its custom batch statistics (``self.add_update([K.moving_average_update
(...)])``).  keraton runs eagerly, as tf.keras 2 does by default:

* ``add_metric(value, name)`` keeps one ``keraton.metrics.Mean`` per name on the
  layer and updates it with ``value``; ``fit``/``evaluate`` report it under
  ``name`` and reset it each epoch, as tf.keras 2 does;
* ``add_update(updates)`` calls the callables among ``updates``; Keras 1/2's
  ``(variable, new_value)`` pairs are assigned when the call trains (Keras 2
  ran them in the training function only); the others are results of updates
  that have already happened (``K.update_add`` and friends assign at once), so
  there is nothing left to run;
* ``updates`` (and Keras 2's ``state_updates``, ``get_updates_for``) is always
  empty (tf.keras 2 eager returns ``[]`` too); Keras 1's
  ``self.updates = [(variable, new_value), ...]`` in ``call`` is taken as an
  ``add_update`` of those pairs;
* ``get_input_at(i)``/``get_output_at(i)`` (and their ``_shape_at``/``_mask_at``
  forms), ``inbound_nodes``, ``outbound_nodes``, ``input_mask``/``output_mask``
  read the functional graph a layer was called in, node by node.
"""

from __future__ import annotations

import torch

from keraton import legacy_interfaces
from keraton.backend_functions import update_scope
from keraton.layers import call_context
from keraton.utils import tree


def _is_assignment(entry) -> bool:
    """A Keras 1/2 ``(variable, new_value)`` pair.

    A pair of two variables is not one: that is two update results
    (``K.update_add`` returns its variable), already applied.
    """
    return (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], torch.Tensor)
            and not isinstance(entry[1], torch.nn.Parameter) and not callable(entry[1]))


class Keras2LayerMixin:
    """``add_metric``, ``add_update`` and ``updates`` of a tf.keras 2 ``Layer``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Standalone Keras 2's Keras 1 argument names (`Convolution2D(32, 3, 3, border_mode=...)`).
        legacy_interfaces.wrap_legacy_init(cls)

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
        entries = list(updates) if isinstance(updates, list) else [updates]
        scope = update_scope.current()
        for entry in entries:
            if _is_assignment(entry):
                if scope is not None:  # a stateful metric's step: assigned after it, in any mode
                    scope.defer(*entry)
                elif call_context.STATE.training:  # Keras 2 ran them in the training function only
                    variable, value = entry
                    with torch.no_grad():
                        variable.copy_(torch.as_tensor(value, dtype=variable.dtype,
                                                       device=variable.device).expand_as(variable))
                continue
            for update in tree.flatten(entry) if isinstance(entry, (list, tuple)) else [entry]:
                if callable(update) and not isinstance(update, torch.Tensor):
                    update()

    @property
    def updates(self) -> list:
        """Always ``[]``: updates run eagerly when created, as in tf.keras 2's eager mode."""
        return []

    @updates.setter
    def updates(self, value) -> None:
        # Keras 1 layers set ``self.updates = [(variable, new_value), ...]`` in call.
        self.add_update(value)

    @property
    def state_updates(self) -> list:
        """Keras 2's updates of stateful layers: always ``[]``, they run in the forward pass."""
        return []

    def get_updates_for(self, inputs) -> list:
        """Keras 2's updates conditional on ``inputs``: always ``[]`` (keraton's run when created)."""
        del inputs
        return []

    def get_losses_for(self, inputs) -> list:
        """Keras 2's losses: ``None`` gives the weight regularization, inputs the last call's ``add_loss``."""
        call_losses, reg_losses = [], []
        self._gather_losses(call_losses, reg_losses)
        return reg_losses if inputs is None else call_losses

    # ------------------------------------------------------------------ graph nodes
    @property
    def inbound_nodes(self) -> list:
        """The nodes of this layer's calls on Keras tensors, in call order (tf.keras 2)."""
        return list(self._inbound_nodes)

    @property
    def outbound_nodes(self) -> list:
        """The nodes of the calls that took this layer's outputs as inputs (tf.keras 2)."""
        return list(self.__dict__.get("_outbound_nodes", ()))

    def _node_at(self, node_index: int, what: str):
        nodes = self._inbound_nodes
        if not nodes:
            raise RuntimeError(f"Layer '{self.name}' has never been called on a Keras tensor and "
                               f"thus has no defined {what}.")
        if not -len(nodes) <= node_index < len(nodes):
            raise ValueError(f"Asked to get {what} at node {node_index}, but layer '{self.name}' "
                             f"has only {len(nodes)} inbound node(s).")
        return nodes[node_index]

    def get_input_at(self, node_index: int):
        """The input tensor(s) of call ``node_index`` (tf.keras 2's ``get_input_at``)."""
        args = self._node_at(node_index, "input").call_args
        return args[0] if args else None

    def get_output_at(self, node_index: int):
        """The output tensor(s) of call ``node_index`` (tf.keras 2's ``get_output_at``)."""
        return self._node_at(node_index, "output").outputs

    def get_input_shape_at(self, node_index: int):
        """The shape(s) of ``get_input_at(node_index)``."""
        return tree.map_structure(lambda t: t.shape, self.get_input_at(node_index))

    def get_output_shape_at(self, node_index: int):
        """The shape(s) of ``get_output_at(node_index)``."""
        return tree.map_structure(lambda t: t.shape, self.get_output_at(node_index))

    def get_input_mask_at(self, node_index: int):
        """The mask(s) of ``get_input_at(node_index)`` (``None`` where there is none)."""
        return tree.map_structure(lambda t: getattr(t, "_keras_mask", None),
                                  self.get_input_at(node_index))

    def get_output_mask_at(self, node_index: int):
        """The mask(s) of ``get_output_at(node_index)`` (``None`` where there is none)."""
        return tree.map_structure(lambda t: getattr(t, "_keras_mask", None),
                                  self.get_output_at(node_index))

    @property
    def input_mask(self):
        """The input mask of the layer's only call (tf.keras 2)."""
        return self.get_input_mask_at(self._single_node("input_mask"))

    @property
    def output_mask(self):
        """The output mask of the layer's only call (tf.keras 2)."""
        return self.get_output_mask_at(self._single_node("output_mask"))

    def _single_node(self, what: str) -> int:
        if len(self._inbound_nodes) > 1:  # tf.keras 2 raises AttributeError, which nn.Module hides
            raise ValueError(f"Layer '{self.name}' has multiple inbound nodes, hence the notion "
                                 f"of \"layer {what}\" is ill-defined. Use "
                                 f"`get_{what}_at(node_index)` instead.")
        return 0
