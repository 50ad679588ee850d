"""``DropoutRNNCell``: the dropout masks an RNN cell draws once per call and reuses at every step."""

from __future__ import annotations

import torch


class DropoutRNNCell:
    """Mixin for cells with ``dropout`` / ``recurrent_dropout`` (Keras's ``DropoutRNNCell``).

    As in Keras, one mask is drawn per batch (the first step's shape) and used
    at every time step; the ``RNN`` layer resets the masks after each call.
    ``seed`` makes the masks reproducible through a private generator.

    Example:
        >>> cell = keraton.layers.LSTMCell(4, dropout=0.5)
        >>> cell.get_dropout_mask(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _make_generator(self, seed):
        return torch.Generator().manual_seed(int(seed)) if seed is not None else None

    def _create_dropout_mask(self, step_input, rate):
        keep = 1.0 - rate
        if keep <= 0.0:
            return torch.zeros_like(step_input)
        gen = getattr(self, "_generator", None)
        noise = torch.rand(step_input.shape, generator=gen, dtype=step_input.dtype)
        return (noise.to(step_input.device) < keep).to(step_input.dtype) / keep

    def get_dropout_mask(self, step_input):
        """The input dropout mask for this call (drawn on first use), or None without dropout."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent-state dropout mask for this call, or None without recurrent dropout."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        """Forget the input mask, so the next call draws a new one."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        """Forget the recurrent mask, so the next call draws a new one."""
        self._recurrent_dropout_mask = None
