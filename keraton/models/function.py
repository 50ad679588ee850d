"""``keras.Function``: a graph from symbolic inputs to outputs, callable like a function."""

from __future__ import annotations

from keraton import backend


class Function:
    """A graph of layers and ops between ``keras.Input`` tensors and outputs, as ``keras.Function``.

    Unlike a ``Model`` it is not a layer and has no training API: calling it
    runs the recorded graph on tensors (a list or dict for several inputs, as
    a functional model takes them) or, given symbolic tensors, gives the
    symbolic outputs.  ``operations`` lists the graph's input layers, layers
    and op nodes in Keras's order.  Built on keraton's functional graph, so
    it runs the same call plan a functional ``Model`` runs.

    Args:
        inputs: a ``keras.Input`` tensor, or a list or dict of them.
        outputs: a tensor, or a list or dict of tensors, computed from ``inputs``.
        name: the name (default ``"function"``, ``"function_1"``, ... as Keras).

    Example:
        >>> x = keraton.Input((3,))
        >>> fn = keraton.Function(x, keraton.ops.relu(x))
        >>> fn(torch.tensor([[-1.0, 0.0, 2.0]])).tolist()
        [[0.0, 0.0, 2.0]]
    """

    def __init__(self, inputs, outputs, name=None):
        from keraton.models.functional import Functional

        self.name = name or backend.unique_object_name("function")
        self._graph = Functional(inputs, outputs, name=self.name)

    @property
    def inputs(self):
        """The symbolic inputs, flattened."""
        return self._graph.inputs

    @property
    def outputs(self):
        """The symbolic outputs, flattened."""
        return self._graph.outputs

    @property
    def operations(self) -> list:
        """Input layers, layers and op nodes, in the order Keras lists a graph's operations."""
        return list(self._graph._layer_list)

    def __call__(self, inputs):
        """Run the graph on ``inputs`` (symbolic inputs give symbolic outputs)."""
        return self._graph(inputs)

    call = __call__

    def compute_output_spec(self, inputs):
        """The symbolic outputs for symbolic ``inputs``, computed op by op."""
        return self._graph.compute_output_spec(inputs)

    def __repr__(self) -> str:
        return f"<Function name={self.name!r}, operations={len(self.operations)}>"
