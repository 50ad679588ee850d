"""Run torch's fused LSTM/GRU kernels with Keras's direction and masking semantics."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def run_fused(kind, x, hx, params, has_bias, go_backwards, mask, zero_output_for_mask):
    """Run ``torch._VF.lstm``/``gru`` on ``x`` (batch first) and return Keras's ``(outputs, states)``.

    ``hx`` is ``(h0, c0)`` for an LSTM, ``h0`` for a GRU, each ``(batch, units)``.
    Without a mask this is one kernel call (on the time-reversed input for
    ``go_backwards``; Keras returns that sequence in processing order).  A
    right-padded mask (every row ``[1]*n + [0]*(T-n)``, ``n >= 1``) runs as a
    packed sequence and the padded steps are filled as Keras fills them.
    Returns None for any other mask, so the caller falls back to the step loop.
    """
    vf = torch._VF.lstm if kind == "lstm" else torch._VF.gru
    hx = tuple(h.unsqueeze(0) for h in hx) if kind == "lstm" else hx.unsqueeze(0)
    if mask is None:
        if go_backwards:
            x = x.flip(1)
        result = vf(x, hx, params, has_bias, 1, 0.0, False, False, True)
        return result[0], [h.squeeze(0) for h in result[1:]]
    steps = x.shape[1]
    lengths = mask.sum(1)
    positions = torch.arange(steps, device=mask.device)
    if not bool(((positions < lengths[:, None]) == mask).all()) or not bool((lengths > 0).all()):
        return None
    if go_backwards:
        # Reading right-padded rows backwards starts with (T - n) masked steps that
        # keep the initial state; the rest is the valid part reversed.
        index = (lengths[:, None] - 1 - positions).clamp(min=0)
        x = x.gather(1, index[:, :, None].expand(-1, -1, x.shape[2]))
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    order, restore = packed.sorted_indices, packed.unsorted_indices
    hx_sorted = tuple(h.index_select(1, order) for h in hx) if kind == "lstm" else hx.index_select(1, order)
    result = vf(packed.data, packed.batch_sizes, hx_sorted, params, has_bias, 1, 0.0, False, False)
    out = PackedSequence(result[0], packed.batch_sizes, order, restore)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
    states = [h.index_select(1, restore).squeeze(0) for h in result[1:]]
    if go_backwards:
        # Keras's output at processing step s is the valid output s - (T - n), zeros before.
        shift = positions[None, :] - (steps - lengths[:, None])
        out = out.gather(1, shift.clamp(min=0)[:, :, None].expand(-1, -1, out.shape[2]))
        out = torch.where((shift >= 0)[:, :, None], out, torch.zeros((), dtype=out.dtype))
    elif not zero_output_for_mask:
        out = torch.where(mask[:, :, None], out, states[0][:, None, :])
    return out, states


def fused_layer_call(layer, kind, sequences, hx, mask, training):
    """``layer``'s whole sequence through the fused kernel: Keras's ``(last, outputs, states)``, or None.

    Shared by ``LSTM`` and ``GRU`` once they have checked that their cell's
    arguments allow the fused kernel: applies the cell's input dropout (one mask
    for every step, as Keras), casts to the weights' dtype and runs
    :func:`run_fused`.  None means the mask is not right-padded: use the step loop.
    """
    cell = layer.cell
    x = sequences
    if training and 0.0 < cell.dropout < 1.0:
        x = x * cell.get_dropout_mask(x[:, 0]).unsqueeze(1)
        cell.reset_dropout_mask()
    if x.dtype != cell.kernel.dtype:
        x = x.to(cell.kernel.dtype)
    result = run_fused(kind, x, hx, cell.fused_params(), cell.use_bias, layer.go_backwards, mask,
                       layer.zero_output_for_mask)
    if result is None:
        return None
    outputs, states = result
    return outputs[:, -1], outputs, states
