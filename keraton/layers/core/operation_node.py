"""The graph node of a plain ``keraton.Operation`` in a functional model."""

from __future__ import annotations

import inspect

from keraton.layers.core.operation_layer import OperationLayer, _is_symbolic
from keraton.layers.layer import Layer


class OperationNode(OperationLayer):
    """The graph node of a plain :class:`Operation`: runs ``operation.call``, saves its entry.

    It shares the operation's name and ``_inbound_nodes`` (``operation.input``
    and ``operation.output`` read them) and is an operation node as those of
    ``keraton.ops`` calls are (not in ``model.layers``).
    """

    def __init__(self, operation):
        Layer.__init__(self, name=operation.name)
        self.__dict__["operation"] = operation
        self._inbound_nodes = operation._inbound_nodes
        self.built = True

    @property
    def _summary_class_name(self) -> str:
        return type(self.operation).__name__

    def __call__(self, *args, **kwargs):
        if _is_symbolic(args, kwargs):
            return self._symbolic_call(*args, **kwargs)
        return self.operation(*args, **kwargs)

    def _symbolic_call(self, *args, **kwargs):
        # As Keras's ``Operation.symbolic_call``: the output spec, then a node; no build,
        # input spec or mask, and the tensors may come by keyword only.
        from keraton.layers.node import Node

        outputs = self.operation.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """The operation's ``compute_output_spec``."""
        return self.operation.compute_output_spec(*args, **kwargs)

    def call(self, *args, **kwargs):
        """The operation's ``call`` (shape inference's ``training`` only if ``call`` takes it)."""
        if "training" in kwargs and "training" not in inspect.signature(
                self.operation.call).parameters:
            del kwargs["training"]
        return self.operation.call(*args, **kwargs)

    def get_config(self) -> dict:
        """The operation's ``get_config``."""
        return self.operation.get_config()

    def keras_entry(self) -> dict:
        """The operation's entry in a functional config, as Keras serializes it."""
        from keraton.saving.serialization_lib import serialize_keras_object

        return serialize_keras_object(self.operation)

    @classmethod
    def from_config(cls, config):
        """Refused: the operation's own class rebuilds it (``type(op).from_config``)."""
        raise ValueError("An OperationNode is rebuilt from its operation's class: deserialize the "
                         "operation and call it on symbolic tensors.")
