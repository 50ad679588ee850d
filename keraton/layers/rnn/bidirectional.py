"""``Bidirectional``: run a recurrent layer forwards and backwards and merge the two outputs."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer, _call_accepts
from keraton.saving.serialization_lib import serialize_keras_object

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs, as ``keras.layers.Bidirectional``.

    The forward layer is a copy of ``layer`` named ``forward_<name>``; the
    backward layer is ``backward_layer`` or a copy with ``go_backwards``
    flipped, named ``backward_<name>``.  As in Keras, the backward output
    sequence is flipped back to the input's time order before merging, both
    sublayers output zeros at masked steps when they return sequences, and
    the weights are the forward layer's followed by the backward layer's.

    Args:
        layer: an ``RNN`` instance (``LSTM``, ``GRU``, ``SimpleRNN``, ...).
        merge_mode: ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or
            ``None`` (return both outputs as a list).
        backward_layer: optional explicit backward ``RNN``.

    Example:
        >>> layer = keraton.layers.Bidirectional(keraton.layers.LSTM(4))
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 8])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        from keraton.layers.rnn.rnn import deserialize_layer

        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` of Bidirectional must be a Layer instance. Received: {backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode for Bidirectional. Received: {merge_mode!r}. Merge mode should "
                'be one of {"sum", "mul", "ave", "concat", None}.'
            )
        super().__init__(weights=list(weights) if weights else None, **kwargs)
        config = serialize_keras_object(layer)
        config["config"]["name"] = "forward_" + _removeprefix(layer.name, "forward_")
        self.forward_layer = deserialize_layer(config)
        if backward_layer is None:
            config = serialize_keras_object(layer)
            config["config"]["go_backwards"] = not layer.go_backwards
            config["config"]["name"] = "backward_" + _removeprefix(layer.name, "backward_")
            backward_layer = deserialize_layer(config)
        self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer of Bidirectional should have different "
                f"`go_backwards` values. Received: forward_layer.go_backwards={fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    f"Forward layer and backward layer of Bidirectional are expected to have the "
                    f'same value for attribute "{attr}", got "{getattr(fwd, attr)}" for forward '
                    f'layer and "{getattr(bwd, attr)}" for backward layer'
                )

    @property
    def states(self):
        """The forward then backward states of stateful sublayers, or None."""
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def reset_state(self) -> None:
        """Reset both sublayers' states (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' (Bidirectional) must be stateful to reset states.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        """Keras 2 alias of ``reset_state``."""
        self.reset_state()

    def build(self, sequences_shape, initial_state_shape=None) -> None:
        """Build both sublayers."""
        for sub in (self.forward_layer, self.backward_layer):
            sub._maybe_build(tuple(sequences_shape))
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Run both directions and merge; states follow the output with ``return_state``."""
        kwargs = {}
        if _call_accepts(type(self.forward_layer), "training"):
            kwargs["training"] = training
        if _call_accepts(type(self.forward_layer), "mask"):
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=(1,))
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output if self.merge_mode is None else (output,)) + states
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """Merged output shape (a list with states or for ``merge_mode=None``), as Keras."""
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:])
        shape = tuple(shape)
        if self.merge_mode == "concat":
            shape = shape[:-1] + (shape[-1] * 2,)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + state_shapes + state_shapes
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, mask=None):
        """The input mask for a merged output sequence, else None."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    def get_config(self) -> dict:
        """Keras 3's config: merge_mode and both serialized sublayers."""
        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialize_keras_object(self.forward_layer),
            "backward_layer": serialize_keras_object(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild both sublayers from their configs."""
        from keraton.layers.rnn.rnn import deserialize_layer

        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return cls(**config)


def _removeprefix(text: str, prefix: str) -> str:
    return text[len(prefix):] if text.startswith(prefix) else text
