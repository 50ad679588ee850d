"""A ``Node`` records one call of a layer on symbolic tensors: the edge of a functional graph."""

from __future__ import annotations

from keraton.layers.keras_tensor import KerasTensor
from keraton.utils.tree import flatten


class Node:
    """One layer call in a functional graph, as Keras's ``Node``.

    ``call_args``/``call_kwargs`` keep the structure the layer was called with
    (KerasTensors in place); ``input_tensors`` are those KerasTensors, flattened,
    and ``output_tensors`` what the call returned, flattened.
    """

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        self.parent_nodes = []
        for t in self.input_tensors:
            if t._keras_history is not None:
                parent_layer, node_index, _ = t._keras_history
                self.parent_nodes.append(parent_layer._inbound_nodes[node_index])
                outbound = parent_layer.__dict__.setdefault("_outbound_nodes", [])
                if self not in outbound:
                    outbound.append(self)
        layer._inbound_nodes.append(self)
        node_index = len(layer._inbound_nodes) - 1
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)

    @property
    def is_input(self) -> bool:
        """True for the node of an ``InputLayer``: it has no inputs."""
        return not self.input_tensors


def get_source_inputs(tensor) -> list:
    """The ``Input`` tensors that ``tensor`` is computed from (``keras.utils.get_source_inputs``).

    An input tensor (or a value that no layer made) is its own source.
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    layer, node_index, _ = history
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return [tensor]
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if not any(source is s for s in sources):
                sources.append(source)
    return sources
