"""The functional-API side of a layer: calls on symbolic ``KerasTensor``s and shape inference.

Calling a layer on a ``KerasTensor`` builds it from the symbolic shape,
computes the output spec (``compute_output_shape`` when a layer defines it,
else ``call`` run on small zero tensors) and records a ``Node``.
"""

from __future__ import annotations

import torch
from torch import nn

from keraton import backend
from keraton.layers import call_context
from keraton.layers.call_context import _call_accepts, _input_mask
from keraton.layers.input_spec import check_input_spec
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.shape_utils import _shapes_of, _shapes_to_tensors
from keraton.symbolic_scope import InferringShapes
from keraton.utils import tree


class SymbolicCallMixin:
    """Symbolic calls, output-shape inference and graph information of a ``Layer``."""

    def _symbolic_call(self, *args, **kwargs):
        with self._open_name_scope():
            return self._symbolic_call_in_scope(args, kwargs)

    def _symbolic_call_in_scope(self, args, kwargs):
        from keraton.layers.node import Node

        first = args[0] if args else kwargs["inputs"]
        if self.input_spec is not None:
            check_input_spec(self, first)
        self._maybe_build(_shapes_of(first), (args, kwargs))
        if self.input_spec is not None:
            check_input_spec(self, first)
        mask = kwargs.get("mask")
        if mask is None:
            mask = _input_mask(first, args, kwargs, KerasTensor)
        spec_kwargs = kwargs
        if mask is not None and kwargs.get("mask") is None and _call_accepts(type(self), "mask"):
            # As Keras: call() sees the input's mask when it infers the output (a layer may
            # require one); the recorded node keeps the call as written.
            spec_kwargs = {**kwargs, "mask": mask}
        outputs = self.compute_output_spec(*args, **spec_kwargs)
        Node(self, args, kwargs, outputs)
        self._attach_symbolic_mask(first, mask, outputs)
        return outputs

    def _attach_symbolic_mask(self, first, mask, outputs) -> None:
        """Give the symbolic outputs Keras's ``_keras_mask`` (a boolean ``KerasTensor``).

        Functional models compute masks when they run; this is for inspection,
        as Keras allows (``x = Embedding(..., mask_zero=True)(inputs);
        x._keras_mask``).  The mask's shape comes from ``compute_mask`` on
        placeholders, as output shapes come from ``call`` on them.
        """
        from keraton.layers.layer import _attach_mask, _overrides

        if self._mask_from_call or (mask is None and not _overrides(type(self), "compute_mask")):
            return

        def placeholders(fill):
            def concrete(t, dtype=None):
                if not isinstance(t, KerasTensor):
                    return t
                return _placeholder([fill if d is None else d for d in t.shape], dtype or t.dtype,
                                    "zeros")

            c_first = tree.map_structure(concrete, first)
            c_mask = tree.map_structure(lambda m: None if m is None else concrete(m), mask)
            with torch.no_grad():
                return self.compute_mask(c_first, c_mask)

        try:
            specs = [placeholders(fill) for fill in (2, 3)]
        except Exception:  # noqa: BLE001  (a mask that needs real values stays unknown)
            return

        def merge(a, b):
            if not isinstance(a, torch.Tensor):
                return None
            return KerasTensor(tuple(da if da == db else None for da, db in zip(a.shape, b.shape)),
                               dtype=a.dtype)

        merged = [merge(a, b) for a, b in zip(tree.flatten(specs[0]), tree.flatten(specs[1]))]
        _attach_mask(outputs, merged if isinstance(specs[0], (list, tuple, dict)) else merged[0],
                     tensor_type=KerasTensor)

    def compute_output_shape(self, input_shape):
        """Return the output shape for ``input_shape`` (``None`` for unknown dimensions).

        The default runs ``call`` on small zero tensors twice, with the unknown
        dimensions set to two different sizes, and marks the dimensions that
        changed as unknown.  Layers override it where a formula is cheaper.
        """
        spec = self._run_on_zeros((_shapes_to_tensors(input_shape, self._dtype),), {})
        return tree.map_structure(lambda t: t.shape, spec)

    def compute_output_spec(self, *args, **kwargs):
        """Return the KerasTensor(s) this layer would output for symbolic inputs."""
        if type(self).compute_output_shape is not SymbolicCallMixin.compute_output_shape:
            first = args[0] if args else kwargs["inputs"]
            out_shape = self.compute_output_shape(_shapes_of(first))
            dtype = tree.flatten(first)[0].dtype
            return _shapes_to_tensors(out_shape, dtype)
        return self._run_on_zeros(args, kwargs)

    def _run_on_zeros(self, args, kwargs):
        # Zeros first; ops that refuse zeros (inv, cholesky, solve) get identity matrices.
        # Seed generators and stateful RNNs' states are put back afterwards, so that shape
        # inference neither uses up draws nor advances states that the first real call needs.
        seed_states = _seed_generator_states(self)
        rnn_states = _stateful_layer_states(self)
        try:
            with InferringShapes():  # variable updates in `call` are dropped, as in Keras
                try:
                    results = [self._run_on_values(args, kwargs, fill, "zeros") for fill in (2, 3)]
                except Exception as error:
                    try:
                        results = [self._run_on_values(args, kwargs, fill, "eye")
                                   for fill in (2, 3)]
                    except Exception:
                        raise error from None
        finally:
            for generator, state in seed_states:
                generator.state.copy_(state)
            for module, states in rnn_states:
                module.states = states

        def merge(a, b):
            if not isinstance(a, torch.Tensor):
                return a
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            return KerasTensor(shape, dtype=a.dtype)

        flat_a, flat_b = tree.flatten(results[0]), tree.flatten(results[1])
        return tree.pack_sequence_as(results[0], [merge(a, b) for a, b in zip(flat_a, flat_b)])

    def _run_on_values(self, args, kwargs, fill, kind):
        def concrete(t):
            if isinstance(t, KerasTensor):
                return _placeholder([fill if d is None else d for d in t.shape], t.dtype, kind)
            return t

        c_args = tree.map_structure(concrete, args)
        c_kwargs = tree.map_structure(concrete, kwargs)
        if _call_accepts(type(self), "training"):
            c_kwargs.setdefault("training", False)
        was_training = self.training
        call_context.set_mode(self, False)
        state = call_context.STATE
        outer_training, state.training = state.training, False
        try:
            with torch.no_grad():
                return nn.Module.__call__(self, *c_args, **c_kwargs)
        finally:
            state.training = outer_training
            call_context.set_mode(self, was_training)
            for layer in state.pending_loss_layers:
                layer._call_losses = []
            state.pending_loss_layers.clear()

    # ------------------------------------------------------------------ graph info
    def _node_attr(self, attr: str, what: str):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on a symbolic input and thus has no "
                f"defined {what}."
            )
        values = [getattr(n, attr) for n in self._inbound_nodes]
        return values[0]

    @property
    def input(self):
        """The symbolic input of the layer's first call (functional API)."""
        node = self._node_attr("call_args", "input")
        return node[0] if node else None

    @property
    def output(self):
        """The symbolic output of the layer's first call (functional API)."""
        return self._node_attr("outputs", "output")


def _placeholder(shape, dtype, kind) -> torch.Tensor:
    """A concrete stand-in for a symbolic tensor: zeros (True for booleans), or identity
    matrices in the last two axes (floating dtypes only) for ops that need invertible inputs."""
    dtype = backend.torch_dtype(dtype)  # a KerasTensor's dtype is Keras's name
    if dtype == torch.bool:
        return torch.ones(shape, dtype=dtype)  # a mask placeholder keeps every step
    value = torch.zeros(shape, dtype=dtype)
    if kind == "eye" and (dtype.is_floating_point or dtype.is_complex):
        if len(shape) >= 2:
            value = value + torch.eye(shape[-2], shape[-1], dtype=dtype)
        else:
            value = value + 1
    return value


def _seed_generator_states(layer) -> list:
    """``(generator, state copy)`` for every ``keras.random.SeedGenerator`` the layer holds."""
    from keraton.random import SeedGenerator

    found = []
    for module in layer.modules():
        for value in vars(module).values():
            if isinstance(value, SeedGenerator):
                found.append((value, value.state.clone()))
    return found


def _stateful_layer_states(layer) -> list:
    """``(layer, states)`` for every stateful layer (``stateful=True`` RNNs) inside ``layer``.

    Keras computes output shapes symbolically, so building a model around a
    stateful RNN never changes its states; keraton's shape inference runs the
    layers on zeros, and puts these states back afterwards.
    """
    return [(module, module.states) for module in layer.modules()
            if getattr(module, "stateful", False) and hasattr(module, "states")]
