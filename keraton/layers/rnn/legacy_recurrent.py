"""Keras 2's abstract recurrent base classes ``Recurrent`` and ``ConvRecurrent2D``, and ``_time_distributed_dense``.

Standalone Keras 2.0-2.2 exported ``keras.layers.Recurrent`` (and
``ConvRecurrent2D``), the base class that old custom RNNs subclass (the widely
copied ``AttentionDecoder(Recurrent)``): the subclass creates its weights and
sets ``self.states`` (e.g. ``[None, None]``) in ``build``, and writes
``step(inputs, states) -> (output, new_states)``; the base class runs it over
the time axis with ``K.rnn`` (masking, ``go_backwards``, ``stateful``,
``return_state``, ``initial_state``) and may add ``get_constants``
(tensors appended to ``states`` at every step) and ``preprocess_input``.
Keras 2.0/2.1's ``keras.layers.recurrent`` also had the private helper
``_time_distributed_dense`` those layers import.

Example:
    >>> from keraton import backend as K
    >>> class MinimalRNN(Recurrent):
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
    ...         self.states = [None]
    ...         self.built = True
    ...     def step(self, inputs, states):
    ...         h = K.tanh(K.dot(inputs, self.kernel) + states[0])
    ...         return h, [h]
    >>> MinimalRNN(4, return_sequences=True)(torch.ones(2, 5, 3)).shape
    torch.Size([2, 5, 4])
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers import call_context
from keraton.layers.convolutional import conv_utils
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.shape_utils import _is_shape

__all__ = ["ConvRecurrent2D", "Recurrent", "_time_distributed_dense"]


class Recurrent(Layer):
    """Abstract base class of Keras 2's recurrent layers, as standalone Keras 2.2's ``keras.layers.Recurrent``.

    A subclass sets ``self.units`` and, in ``build``, creates its weights and
    sets ``self.states`` to a list with one entry per state (``[None]`` for
    one state; the entries are placeholders until the layer runs), then
    writes ``step(inputs, states) -> (output, new_states)``.  ``call`` runs
    ``step`` over the time axis with ``K.rnn``: the initial states are the
    ``initial_state`` call argument, the extra tensors of a list input
    ``[inputs, state_0, ...]``, the kept states of a stateful layer, or
    ``get_initial_state(inputs)`` (zeros ``(batch, units)``); ``step`` sees
    ``states`` followed by ``get_constants(inputs, training)``, and its input
    is ``preprocess_input(inputs, training)``.  Masked steps keep the previous
    output and states, as Keras 2's ``K.rnn``.

    Args:
        return_sequences: return the whole output sequence, not only the last output.
        return_state: also return the last states (a list ``[output] + states``).
        go_backwards: process the sequence backwards (the returned sequence is reversed).
        stateful: the last states of a batch are the initial states of the next;
            the batch size must be fixed (``batch_input_shape`` / ``batch_shape``).
        unroll: accepted as Keras 2; the step loop is the same (the time
            dimension must be known and greater than 1, as Keras 2 required).
        implementation: kept in the config for subclasses (Keras 2's 0, 1 or 2).
        input_dim, input_length: Keras 2's way of giving the first layer's
            ``input_shape=(input_length, input_dim)``.

    Example:
        >>> layer = MyRNN(8, return_sequences=True, input_shape=(10, 3))   # a Recurrent subclass
    """

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, implementation=0, **kwargs):
        input_length = kwargs.pop("input_length", None)
        if (input_length is not None or "input_dim" in kwargs) and not (
                kwargs.get("input_shape") or kwargs.get("batch_input_shape")):
            kwargs["input_shape"] = (input_length, kwargs.pop("input_dim", None))
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0
        if not hasattr(self, "states"):
            self.states = None

    # ------------------------------------------------------------------ build
    def _maybe_build(self, input_shapes, call_args=None) -> None:
        # The sequence's shape alone reaches `build` (Keras 2 passed the list of the sequence's
        # and the states' shapes for a list input; its layers then took `input_shape[0]`).
        if isinstance(input_shapes, list) and input_shapes and _is_shape(input_shapes[0]):
            input_shapes = input_shapes[0]
        if not self.built and _is_shape(input_shapes):
            self.__dict__["_sequence_shape"] = tuple(input_shapes)
        super()._maybe_build(input_shapes, None)

    def build_from_config(self, config) -> None:
        """Build from the saved input shape; a stateful layer's states wait for the first batch.

        The saved shape has no batch size, so a ``reset_states()`` in the
        subclass's ``build`` leaves the states unset until the first call.
        """
        self.__dict__["_restoring"] = True
        try:
            super().build_from_config(config)
        finally:
            self.__dict__["_restoring"] = False

    # ------------------------------------------------------------------ shapes/masks
    def compute_output_shape(self, input_shape):
        """``(batch, time, units)`` or ``(batch, units)``, plus ``(batch, units)`` per state with ``return_state``."""
        if not _is_shape(input_shape):  # [sequence shape, state shapes...]
            input_shape = input_shape[0]
        batch = input_shape[0]
        if self.return_sequences:
            output_shape = (batch, input_shape[1], self.units)
        else:
            output_shape = (batch, self.units)
        if self.return_state:
            return [output_shape] + [(batch, self.units) for _ in self._state_list()]
        return output_shape

    def compute_output_spec(self, *args, **kwargs):
        """The symbolic output; raises the errors Keras 2 raised when the graph was built."""
        first = args[0] if args else kwargs["inputs"]
        if isinstance(first, (list, tuple)):
            self._check_state_count(len(first) - 1)
            first = first[0]
        elif kwargs.get("initial_state") is not None:
            given = kwargs["initial_state"]
            self._check_state_count(len(given) if isinstance(given, (list, tuple)) else 1)
        self._check_unroll(first.shape[1])
        return super().compute_output_spec(*args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        """The input mask with ``return_sequences``, else None; one None per state with ``return_state``."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self._state_list()]
        return output_mask

    # ------------------------------------------------------------------ the step hooks
    def step(self, inputs, states):
        """One time step: ``(output, new_states)``; subclasses write it."""
        raise NotImplementedError(
            f"{type(self).__name__} subclasses Recurrent and must define "
            "step(self, inputs, states) returning (output, new_states).")

    def get_constants(self, inputs, training=None):
        """Tensors appended to ``states`` at every step (none by default)."""
        return []

    def preprocess_input(self, inputs, training=None):
        """The sequence ``step`` runs over (the inputs by default)."""
        return inputs

    def get_initial_state(self, inputs):
        """Zeros ``(batch, units)``, one per entry of ``self.states``, on the inputs' device and dtype."""
        return [torch.zeros((inputs.shape[0],) + self._state_shape(), dtype=inputs.dtype,
                            device=inputs.device) for _ in self._state_list()]

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        """Run ``step`` over the time axis; the output (and the last states with ``return_state``)."""
        if isinstance(inputs, (list, tuple)):
            initial_state = list(inputs[1:])
            inputs = inputs[0]
        elif initial_state is not None:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
        elif self.stateful:
            if any(s is None for s in self._state_list()):
                self.reset_states(batch_size=inputs.shape[0])
            initial_state = self.states
            kept = initial_state[0].shape[0] if initial_state else inputs.shape[0]
            if kept != inputs.shape[0]:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) is stateful with batch size "
                    f"{kept}, but got a batch of {inputs.shape[0]}. Feed batches of the fixed size "
                    "(drop the remainder), or call reset_states() after changing it.")
        else:
            initial_state = self.get_initial_state(inputs)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        self._check_state_count(len(initial_state))
        timesteps = inputs.shape[1]
        self._check_unroll(timesteps)
        initial_state = [torch.as_tensor(s).to(device=inputs.device, dtype=inputs.dtype)
                         for s in initial_state]
        if training is None:
            training = call_context.STATE.training
        # Keras 2 passed training=None here and let the learning phase decide; in keraton the
        # resolved value of this call plays that part, so `K.in_train_phase(..., training)` works.
        from keraton.backend_functions.control_ops import rnn  # imports keraton.layers

        constants = self.get_constants(inputs, training=training)
        preprocessed = self.preprocess_input(inputs, training=training)
        last_output, outputs, states = rnn(
            self.step, preprocessed, initial_state, go_backwards=self.go_backwards, mask=mask,
            constants=constants, unroll=self.unroll, input_length=timesteps)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if self.stateful:
            self.states = [s.detach() for s in states]
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + states
        return output

    def _state_list(self) -> list:
        states = self.states
        if states is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has no states: its build() must set "
                "self.states to a list with one entry per state, e.g. self.states = [None].")
        return list(states) if isinstance(states, (list, tuple)) else [states]

    def _check_state_count(self, given: int) -> None:
        expected = len(self._state_list())
        if given != expected:
            raise ValueError(f"Layer has {expected} states but was passed {given} initial states. "
                             f"(Layer '{self.name}', {type(self).__name__}.)")

    def _check_unroll(self, timesteps) -> None:
        if self.unroll and timesteps in (None, 1):
            raise ValueError(
                f"Cannot unroll a RNN if the time dimension is undefined or equal to 1 (layer "
                f"'{self.name}' got {timesteps} timesteps). With a Sequential model, give the "
                "time dimension in the first layer's `input_shape` or `batch_input_shape` (or "
                "an Embedding's `input_length`); with the functional API, in the `shape` or "
                "`batch_shape` of the Input.")

    # ------------------------------------------------------------------ stateful
    def _state_shape(self) -> tuple:
        """The shape of one state without its batch axis: ``(units,)``."""
        return (self.units,)

    def _fixed_batch_size(self):
        spec = self.input_spec
        shape = getattr(spec[0] if isinstance(spec, (list, tuple)) and spec else spec,
                        "shape", None)
        if shape and shape[0]:
            return int(shape[0])
        for known in (self.__dict__.get("_sequence_shape"), self._batch_input_shape):
            if known and known[0]:
                return int(known[0])
        return None

    def reset_states(self, states=None, batch_size=None):
        """Set the states of a stateful layer to zeros, or to ``states`` (arrays or tensors), as Keras 2.

        The batch size is the fixed one of the layer's input (``batch_input_shape``
        on a Sequential model's first layer, ``batch_shape`` on an ``Input``).
        """
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch_size = batch_size or self._fixed_batch_size()
        if not batch_size and self.__dict__.get("_restoring"):
            self.states = [None for _ in self._state_list()]
            return
        if not batch_size:
            raise ValueError(
                f"If a RNN is stateful, it needs to know its batch size (layer '{self.name}' "
                "has none). Specify the batch size of your input tensors: with a Sequential "
                "model, pass a `batch_input_shape` argument to your first layer; with the "
                "functional API, pass a `batch_shape` argument to your Input layer.")
        count = len(self._state_list())
        shape = (batch_size,) + self._state_shape()
        if states is None:
            self.states = [torch.zeros(shape, dtype=self._dtype) for _ in range(count)]
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != count:
            raise ValueError(f"Layer {self.name} expects {count} states, but it received "
                             f"{len(states)} state values. Input received: {states}")
        values = []
        for index, value in enumerate(states):
            value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor)
                                    else value.detach(), dtype=self._dtype)
            if tuple(value.shape) != shape:
                raise ValueError(f"State {index} is incompatible with layer {self.name}: expected "
                                 f"shape={shape}, found shape={tuple(value.shape)}")
            values.append(value.clone())
        self.states = values

    def reset_state(self) -> None:
        """Keras 3's name of ``reset_states()``."""
        self.reset_states()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The base layer config plus Keras 2's recurrent options.

        A subclass that writes no ``get_config`` also gets its constructor
        arguments (Keras 3's automatic config), so that it reloads.
        """
        config = super().get_config()
        auto = self.__dict__.get("_auto_config")
        if auto and type(self).get_config in (Recurrent.get_config, ConvRecurrent2D.get_config):
            config.update(auto)
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "implementation": self.implementation,
        })
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, return_sequences={self.return_sequences}, "
                f"return_state={self.return_state}, go_backwards={self.go_backwards}, "
                f"stateful={self.stateful}")


class ConvRecurrent2D(Recurrent):
    """Abstract base class of Keras 2's convolutional recurrent layers, as Keras 2.2's ``ConvRecurrent2D``.

    Inputs are 5-D, ``(batch, time, rows, cols, channels)`` (channels_last) or
    ``(batch, time, channels, rows, cols)``; a subclass writes ``build``
    (setting ``self.states``) and a ``step`` whose output and states have the
    convolution's output shape ``(batch, new_rows, new_cols, filters)``.

    Args:
        filters: number of output filters.
        kernel_size, strides, dilation_rate: an int or a tuple of 2 ints.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the
            ``image_data_format`` setting).
        return_sequences, go_backwards, stateful, and ``Recurrent``'s other
            arguments (``return_state``, ``unroll``, ...) by keyword.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), return_sequences=False, go_backwards=False, stateful=False,
                 **kwargs):
        super().__init__(return_sequences=return_sequences, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)
        owner = type(self).__name__
        self.filters = filters
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, 2, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, 2, "strides", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, 2, "dilation_rate",
                                                          owner=owner)
        self.input_spec = [InputSpec(ndim=5)]
        self.state_spec = None

    def _output_image_shape(self, input_shape) -> tuple:
        """``(rows, cols, filters)`` or ``(filters, rows, cols)`` of one step's output."""
        first = self.data_format == "channels_first"
        rows, cols = (input_shape[3], input_shape[4]) if first else (input_shape[2], input_shape[3])
        rows, cols = (conv_utils.conv_output_length(length, self.kernel_size[i], self.strides[i],
                                                    self.padding, self.dilation_rate[i])
                      for i, length in enumerate((rows, cols)))
        return (self.filters, rows, cols) if first else (rows, cols, self.filters)

    def compute_output_shape(self, input_shape):
        """The convolution's output shape per step, with the time axis when ``return_sequences``.

        With ``return_state``, one more shape per state (Keras 2.2 counted two,
        ConvLSTM2D's; here ``len(self.states)`` when ``build`` has set it).
        """
        if not _is_shape(input_shape):  # [sequence shape, state shapes...]
            input_shape = input_shape[0]
        image = self._output_image_shape(input_shape)
        batch = input_shape[0]
        output_shape = (batch, input_shape[1]) + image if self.return_sequences else (batch,) + image
        if self.return_state:
            count = 2 if self.states is None else len(self._state_list())
            return [output_shape] + [(batch,) + image for _ in range(count)]
        return output_shape

    def get_initial_state(self, inputs):
        """Zeros of one step's output shape, one per entry of ``self.states``."""
        shape = (inputs.shape[0],) + self._output_image_shape(tuple(inputs.shape))
        return [torch.zeros(shape, dtype=inputs.dtype, device=inputs.device)
                for _ in self._state_list()]

    def _state_shape(self) -> tuple:
        shape = self.__dict__.get("_sequence_shape")
        if shape is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) must be built before "
                             "its states can be reset.")
        return self._output_image_shape(shape)

    def get_config(self) -> dict:
        """``Recurrent``'s config plus the convolution's arguments, as Keras 2.2."""
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "return_sequences": self.return_sequences,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
        })
        return config


def _time_distributed_dense(x, w, b=None, dropout=None, input_dim=None, output_dim=None,
                            timesteps=None, training=None):
    """``y @ w + b`` for every time step ``y`` of ``x`` ``(batch, time, input_dim)``, as Keras 2.0/2.1's helper.

    Keras 2.0/2.1's private ``keras.layers.recurrent._time_distributed_dense``,
    which old custom RNNs import.  With ``0 < dropout < 1`` one dropout mask
    of shape ``(batch, input_dim)`` is drawn and applied at every time step,
    in the training phase only (``training``; when None, the enclosing
    layer call's training value, else ``K.learning_phase()``).

    Returns:
        ``(batch, timesteps, output_dim)``.
    """
    from keraton.backend_functions.math_ops import dropout as _dropout  # imports keraton.layers
    from keraton.backend_functions.state_ops import in_train_phase, learning_phase

    x = torch.as_tensor(x)
    w = torch.as_tensor(w)
    input_dim = input_dim or x.shape[2]
    timesteps = timesteps or x.shape[1]
    output_dim = output_dim or w.shape[1]
    if dropout is not None and 0.0 < dropout < 1.0:
        if training is None:
            training = call_context.STATE.training
            if training is None:
                training = learning_phase()

        def dropped():
            keep = _dropout(torch.ones(x.shape[0], input_dim, dtype=x.dtype), dropout)
            return x * keep.to(x.device).unsqueeze(1)

        x = in_train_phase(dropped, x, training=training)
    y = torch.matmul(x.reshape(-1, input_dim), w)
    if b is not None:
        y = y + b
    return y.reshape(-1, timesteps, output_dim)
