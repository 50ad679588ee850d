"""The AWQ algorithm of Keras 3.15 (``keras/src/quantizers/awq.py``), written for torch.

AWQ (activation-aware weight quantization, https://arxiv.org/abs/2306.00978)
keeps the largest absolute calibration input ``x_max`` of every input
channel.  For each ratio ``r`` of a grid over ``[0, 1]`` the weights of
channel ``j`` are multiplied by ``s_j = x_max_j ** r`` (normalized by the
geometric mean of the largest and smallest ``s``), rounded to 4 bits with
per-output-channel (or per-group) asymmetric scales, divided by ``s`` again,
and the error ``mean((w - w_hat)**2 * x_max**2)`` is measured; the scales of
the smallest error are kept as ``awq_scales`` and divided out of the
dequantized kernel at inference.  Every step follows Keras's formulation so
keraton's quantized weights equal Keras's.
"""

from __future__ import annotations

import torch

from keraton.quantizers.awq_config import AWQConfig
from keraton.quantizers.gptq import (
    compute_quantization_parameters,
    dequantize_with_zero_point,
    kernel_rows_columns,
    quantize_with_zero_point,
)
from keraton.quantizers.quantizers import pack_int4

_BITS = 4


def _group_params(scale, zero, group_size, in_features):
    """Per-column scale and zero ``(out, in)`` from per-group ones (Keras's ``*_with_sz_map`` gathering)."""
    if group_size == -1:
        return scale, zero
    groups = torch.div(torch.arange(in_features), group_size, rounding_mode="floor")
    return scale.index_select(1, groups), zero.index_select(1, groups)


def _round_trip(weights, group_size):
    """``(quantized, scale, zero, dequantized)`` of the ``(out, in)`` ``weights`` at 4 bits, as Keras's AWQ."""
    scale, zero, maxq = compute_quantization_parameters(
        weights, bits=_BITS, symmetric=False, per_channel=True, group_size=group_size, compute_dtype="float32")
    col_scale, col_zero = _group_params(scale, zero, group_size, weights.shape[1])
    quantized = quantize_with_zero_point(weights, col_scale, col_zero, maxq)
    return quantized, scale, zero, dequantize_with_zero_point(quantized, col_scale, col_zero)


def awq_search_optimal_scales(weights, activation_magnitudes, *, num_grid_points=20, group_size=-1):
    """The per-input-channel AWQ scales ``(in,)`` of the ``(out, in)`` ``weights``, as Keras's search.

    Ratios ``i / num_grid_points`` (``i = 0..num_grid_points``) are tried;
    a ratio replaces the best one only when its activation-weighted error is
    strictly smaller.  Magnitudes below ``1e-8`` count as 1.
    """
    w = torch.as_tensor(weights).to(torch.float32)
    x_max = torch.as_tensor(activation_magnitudes).to(torch.float32)
    x_max = torch.where(x_max < 1e-8, torch.ones_like(x_max), x_max)
    importance = torch.square(x_max)
    best_loss, best_scales = None, torch.ones(w.shape[1], dtype=torch.float32)
    for i in range(num_grid_points + 1):
        ratio = i / num_grid_points
        scales = torch.ones_like(x_max) if ratio == 0 else torch.pow(x_max, torch.tensor(ratio, dtype=torch.float32))
        scales = torch.clamp(scales, min=1e-4)
        mean = torch.clamp(torch.sqrt(scales.max() * scales.min()), min=1e-8)
        scales = scales / mean
        dequantized = _round_trip(w * scales, group_size)[3]
        loss = torch.mean(torch.square(w - dequantized / scales) * importance)
        if best_loss is None or bool(loss < best_loss):
            best_loss, best_scales = loss, scales
    return best_scales


def awq_quantize_matrix(weights_transpose, activation_magnitudes, *, num_grid_points=20, group_size=-1):
    """AWQ of an ``(out, in)`` matrix, as Keras's ``awq_quantize_matrix``.

    Returns:
        ``(quantized (out, in) float levels, scale (out, n_groups), zero
        (out, n_groups) uint8, awq_scales (in,), g_idx (in,) float32)``;
        ``g_idx`` holds each input row's group (all 0 for ``group_size=-1``).
    """
    w = torch.as_tensor(weights_transpose).to(torch.float32)
    in_features = w.shape[1]
    awq_scales = awq_search_optimal_scales(w, activation_magnitudes, num_grid_points=num_grid_points,
                                           group_size=group_size)
    quantized, scale, zero, _ = _round_trip(w * awq_scales, group_size)
    if group_size == -1:
        g_idx = torch.zeros(in_features, dtype=torch.float32)
    else:
        g_idx = torch.div(torch.arange(in_features), group_size, rounding_mode="floor").to(torch.float32)
    return quantized, scale, zero, awq_scales, g_idx


class AWQ:
    """AWQ state of one ``Dense``/``EinsumDense`` layer: its input magnitudes, then its quantization.

    Matches Keras's ``keras.src.quantizers.awq.AWQ``: feed calibration
    inputs to :meth:`update_activation_magnitudes`, then
    :meth:`quantize_layer` writes the packed 4-bit kernel, scales, zeros,
    ``awq_scales`` and ``g_idx`` into the layer (already built for
    ``"awq"``) and drops its float kernel.

    Args:
        layer: a ``Dense`` or ``EinsumDense`` (2-D or 3-D kernel) quantized
            with mode ``"awq"`` but not yet calibrated.
        config: the :class:`AWQConfig`.
    """

    def __init__(self, layer, config=None):
        from keraton.layers.core.dense import Dense
        from keraton.layers.core.einsum_dense import EinsumDense

        if not isinstance(layer, (Dense, EinsumDense)) or layer.kernel.dim() not in (2, 3):
            raise TypeError(
                f"Unsupported layer type for AWQ: {type(layer)}. Expected a Dense layer or an EinsumDense "
                "layer with a 2-D or 3-D kernel.")
        self.original_layer = layer
        self.config = config or AWQConfig(dataset=None, tokenizer=None)
        self.rows, self.columns = kernel_rows_columns(layer.kernel.shape)
        self.num_samples = 0
        self.activation_magnitudes = torch.zeros(self.rows, dtype=torch.float32)

    def update_activation_magnitudes(self, input_batch):
        """Fold ``input_batch`` (last axis = the kernel's rows) into the running per-channel ``max |x|``."""
        if input_batch is None:
            raise ValueError("Input tensor cannot be None.")
        x = torch.as_tensor(input_batch)
        if x.numel() == 0:
            raise ValueError("Input tensor cannot be empty.")
        if x.dim() < 2 or x.shape[-1] != self.rows:
            raise ValueError(
                f"Expected inputs of rank >= 2 with {self.rows} features on the last axis (the layer's "
                f"input channels), got shape {tuple(x.shape)}.")
        x = x.detach().reshape(-1, x.shape[-1]).to(torch.float32)
        self.activation_magnitudes = torch.maximum(self.activation_magnitudes, x.abs().amax(dim=0))
        self.num_samples += x.shape[0]

    def quantize_layer(self):
        """Quantize the layer's kernel with AWQ and store the result in its awq variables."""
        layer = self.original_layer
        kernel = layer.kernel.detach().to(torch.float32).reshape(self.rows, self.columns)
        quantized, scale, zero, awq_scales, g_idx = awq_quantize_matrix(
            kernel.T, self.activation_magnitudes, num_grid_points=self.config.num_grid_points,
            group_size=self.config.group_size)
        packed = pack_int4(quantized.to(torch.uint8), axis=0, dtype="uint8")[0]
        layer._store_gptq_weights(packed, scale, zero, g_idx, awq_scales=awq_scales)

    def free(self):
        """Release the recorded magnitudes."""
        self.activation_magnitudes = None
