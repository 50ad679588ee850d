"""The GPTQ algorithm of Keras 3.15 (``keras/src/quantizers/gptq.py``), written for torch.

GPTQ quantizes a kernel one input row at a time; the rounding error of each
row, scaled by the inverse Hessian of the layer's inputs, is subtracted from
the rows not quantized yet.  The Hessian ``2/N * X^T X`` is accumulated from
calibration activations by :class:`GPTQ`.  Every step follows Keras's
formulation (the plain inverse Hessian rather than the paper's Cholesky
factor, group parameters taken from the not yet block-corrected weights,
zero points stored as uint8), so keraton's quantized weights equal Keras's.
One deliberate difference: a group crossing a 128-column block keeps one
scale (Keras makes a second one and then fails to store it).
"""

from __future__ import annotations

import torch

from keraton.quantizers.gptq_config import GPTQConfig
from keraton.quantizers.quantizers import pack_int4


def compute_quantization_parameters(x, *, bits, symmetric=False, per_channel=False, group_size=-1,
                                    compute_dtype="float32", epsilon=0.0, signed=False):
    """Scale and zero point quantizing the ``(out, in)`` matrix ``x`` to ``bits`` bits, as Keras.

    Ranges are the min/max of each row (``per_channel``), of each group of
    ``group_size`` columns, or of the whole tensor; an empty range is widened
    by 1 on each side.

    Returns:
        ``(scale, zero, maxq)``: float scales ``(out, n_groups)``, zero
        points of the same shape (uint8, or int8 when ``signed``) and the
        largest level ``2**bits - 1`` (a float tensor).
    """
    x = torch.as_tensor(x)
    if x.dim() < 2:
        raise ValueError(f"Input weight tensor must have a rank of at least 2, but got rank {x.dim()}.")
    if x.numel() == 0:
        raise ValueError("Input tensor 'x' cannot be empty.")
    out_features, in_features = x.shape[0], x.shape[1]
    n_groups = -(-in_features // group_size) if per_channel and group_size > 0 else 1
    if n_groups > 1:
        pad = (-in_features) % group_size
        grouped = torch.nn.functional.pad(x, (0, pad)).reshape(out_features, n_groups, group_size)
        min_values, max_values = grouped.amin(dim=2), grouped.amax(dim=2)
    else:
        flat = x.reshape(out_features if per_channel else 1, -1)
        min_values, max_values = flat.amin(dim=1), flat.amax(dim=1)
    if symmetric:
        max_abs = torch.maximum(min_values.abs(), max_values)
        min_values = torch.where(min_values < 0, -max_abs, min_values)
        max_values = max_abs
    empty = min_values == max_values
    min_values = torch.where(empty, min_values - 1, min_values)
    max_values = torch.where(empty, max_values + 1, max_values)
    maxq = torch.tensor(2 ** bits - 1, dtype=getattr(torch, compute_dtype))
    span = max_values - min_values
    if epsilon > 0:
        span = span + epsilon
    scale = span / maxq
    scale = torch.where(scale <= 0, torch.full_like(scale, 1e-8), scale)
    if symmetric:
        zero = torch.full_like(scale, float((maxq + 1) / 2))
    else:
        zero = torch.round(-min_values / scale)
    if signed:
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        zero = torch.clamp(zero + low, low, high)
    if n_groups == 1:
        if per_channel:
            scale, zero = scale.reshape(-1, 1), zero.reshape(-1, 1)
        else:
            scale = scale.reshape(1, 1).expand(out_features, 1).clone()
            zero = zero.reshape(1, 1).expand(out_features, 1).clone()
    # As Keras's cast: an out-of-range zero point wraps around.
    return scale, zero.to(torch.int8 if signed else torch.uint8), maxq


def quantize_with_zero_point(x, scale, zero, maxq):
    """``clip(round(x / scale + zero), 0, maxq)`` (a zero scale counts as 1e-8), as Keras."""
    safe = torch.where(scale == 0, torch.full_like(scale, 1e-8), scale)
    return torch.clamp(torch.round(x / safe + zero.to(scale.dtype)), 0, maxq)


def dequantize_with_zero_point(q, scale, zero):
    """``scale * (q - zero)``, as Keras."""
    return scale * (q - zero.to(scale.dtype))


def _descending_order(metric):
    """Indices sorting ``metric`` from largest to smallest, ties kept in index order (stable)."""
    n = metric.shape[0]
    jitter = torch.arange(n, dtype=torch.float32) / float(n) * 1e-12
    return torch.argsort(-(metric + jitter), stable=True)


def gptq_quantize_matrix(weights_transpose, inv_hessian, *, blocksize=128, group_size=-1,
                         activation_order=False, order_metric=None, compute_scale_zero=None):
    """GPTQ's rounding with error feedback of an ``(out, in)`` matrix, as Keras's ``gptq_quantize_matrix``.

    Column ``j`` is quantized with its group's scale/zero, and
    ``(w_j - dequant(q_j)) / invH[j, j]`` times ``invH[j, j+1:]`` is
    subtracted from the later columns of its block; each block's errors then
    update all later columns at once.

    Returns:
        ``(quantized (out, in) int32, scale (out, n_groups), zero (out, n_groups), g_idx (in,) float32)``.
    """
    w = torch.as_tensor(weights_transpose, dtype=torch.float32)
    hinv = torch.as_tensor(inv_hessian, dtype=torch.float32)
    out_features, in_features = w.shape
    inv_perm = None
    if activation_order:
        if order_metric is None:
            order_metric = 1.0 / (torch.diagonal(hinv) + 1e-12)
        else:
            order_metric = torch.as_tensor(order_metric).to(torch.float32)
            order_metric = torch.where(torch.isfinite(order_metric), order_metric, torch.zeros_like(order_metric))
        perm = _descending_order(order_metric)
        inv_perm = torch.argsort(perm, stable=True)
        w = w[:, perm]
        hinv = hinv[perm][:, perm]
    group = in_features if group_size == -1 else group_size
    quantized = torch.zeros((out_features, in_features), dtype=torch.int32)
    scales, zeros = [], []
    # Keras empties this cache at every block, so a group crossing a block boundary gets a second
    # scale entry and its layer then fails to store them (e.g. group_size=-1 with > 128 inputs).
    # Keeping it gives the same numbers wherever Keras succeeds, and one scale per group always.
    params, params_start = None, -1
    for start in range(0, in_features, blocksize):
        end = min(start + blocksize, in_features)
        block = w[:, start:end].clone()
        block_error = torch.zeros_like(block)
        block_hinv = hinv[start:end, start:end]
        for i in range(end - start):
            col = start + i
            group_start = (col // group) * group
            if group_start != params_start:
                # Keras takes the group's range from the weights before this block's in-block updates.
                params = compute_scale_zero(w[:, group_start:min(group_start + group, in_features)])
                scales.append(params[0])
                zeros.append(params[1])
                params_start = group_start
            scale, zero, maxq = params
            column = block[:, i]
            q = quantize_with_zero_point(column.unsqueeze(1), scale, zero, maxq)
            quantized[:, col] = q[:, 0].to(torch.int32)
            err = (column - dequantize_with_zero_point(q, scale, zero)[:, 0]) / block_hinv[i, i]
            block_error[:, i] = err
            if i < end - start - 1:
                block[:, i + 1:] -= torch.matmul(err.unsqueeze(1), block_hinv[i, i + 1:].unsqueeze(0))
        if end < in_features:
            w = torch.cat([w[:, :end], w[:, end:] - torch.matmul(block_error, hinv[start:end, end:])], dim=1)
    # Keras stores each column's group as a float fraction (column / group size).
    g_idx = torch.arange(in_features, dtype=torch.int32) / group
    g_idx = g_idx.to(torch.float32)
    if inv_perm is not None:
        g_idx = g_idx[inv_perm]
        quantized = quantized[:, inv_perm]
    return quantized, torch.cat(scales, dim=1), torch.cat(zeros, dim=1), g_idx


def kernel_rows_columns(shape):
    """``(rows, columns)``: the 2-D ``(inputs, outputs)`` view GPTQ takes of a Dense/EinsumDense kernel shape.

    A 3-D EinsumDense kernel is read as Keras does: its largest axis first
    means ``(in, heads, head_dim)`` (a query/key/value projection), otherwise
    ``(heads, head_dim, out)`` (an attention output).
    """
    shape = [int(d) for d in shape]
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 3:
        if shape.index(max(shape)) == 0:
            return shape[0], shape[1] * shape[2]
        return shape[0] * shape[1], shape[2]
    raise TypeError(f"Unsupported kernel for GPTQ: a kernel of shape {tuple(shape)}; expected a 2-D or 3-D kernel.")


class GPTQ:
    """GPTQ state of one ``Dense``/``EinsumDense`` layer: its input Hessian, then its quantization.

    Matches Keras's ``keras.src.quantizers.gptq.GPTQ``: feed calibration
    inputs to :meth:`update_hessian_with_batch`, then
    :meth:`quantize_and_correct_layer` writes the packed kernel, scales,
    zeros and ``g_idx`` into the layer (already built for ``"gptq"``) and
    drops its float kernel.

    Args:
        layer: a ``Dense`` or ``EinsumDense`` (2-D or 3-D kernel) quantized
            with mode ``"gptq"`` but not yet calibrated.
        config: the :class:`GPTQConfig`.
    """

    def __init__(self, layer, config=None):
        from keraton.layers.core.dense import Dense
        from keraton.layers.core.einsum_dense import EinsumDense

        if not isinstance(layer, (Dense, EinsumDense)):
            raise TypeError(f"Unsupported layer type for GPTQ: {type(layer)}. Expected a Dense or EinsumDense layer.")
        self.original_layer = layer
        self.config = config if config is not None else GPTQConfig(dataset=None, tokenizer=None)
        self.rows, self.columns = kernel_rows_columns(layer.kernel.shape)
        self.num_samples = 0
        self.hessian = torch.zeros((self.rows, self.rows), dtype=torch.float32)

    def update_hessian_with_batch(self, input_batch):
        """Fold ``input_batch`` (rank >= 2, last axis = the kernel's rows) into the running Hessian mean."""
        if input_batch is None:
            raise ValueError("Input tensor cannot be None.")
        x = torch.as_tensor(input_batch)
        if x.dim() < 2:
            raise ValueError(f"Input tensor must have rank >= 2 (got rank {x.dim()}).")
        if x.numel() == 0:
            raise ValueError("Input tensor cannot be empty.")
        x = x.detach().reshape(-1, x.shape[-1]).to(torch.float32)
        if x.shape[-1] != self.rows:
            raise ValueError(f"Hessian dimensions ({self.rows}) do not match input features ({x.shape[-1]}).")
        total = self.num_samples + x.shape[0]
        gram = torch.matmul(x.T, x)
        gram = (gram + gram.T) / 2.0
        if self.num_samples > 0:
            self.hessian = self.hessian * torch.tensor(self.num_samples / total, dtype=torch.float32)
        self.hessian = self.hessian + torch.tensor(2.0 / total, dtype=torch.float32) * gram
        self.num_samples = total

    def quantize_and_correct_layer(self, blocksize=128):
        """Quantize the layer's kernel with GPTQ and store the result in its gptq variables."""
        layer = self.original_layer
        kernel = layer.kernel.detach().to(torch.float32).reshape(self.rows, self.columns)
        hessian = self.hessian
        diagonal = torch.diagonal(hessian)
        dead = diagonal == 0.0
        diagonal = torch.where(dead, torch.ones_like(diagonal), diagonal)
        hessian = hessian + torch.diag(dead.to(hessian.dtype))
        diagonal = diagonal + self.config.hessian_damping * diagonal.mean()
        hessian = hessian - torch.diag(torch.diagonal(hessian)) + torch.diag(diagonal)
        bits = self.config.weight_bits

        def scale_zero(x):
            return compute_quantization_parameters(
                x, bits=bits, symmetric=self.config.symmetric, per_channel=self.config.per_channel,
                group_size=self.config.group_size, compute_dtype=layer.variable_dtype)

        quantized, scale, zero, g_idx = gptq_quantize_matrix(
            kernel.T, torch.linalg.inv(hessian), blocksize=blocksize, group_size=self.config.group_size,
            activation_order=self.config.activation_order, order_metric=torch.diagonal(hessian),
            compute_scale_zero=scale_zero)
        quantized = quantized.to(torch.uint8)
        if bits == 4:
            quantized = pack_int4(quantized, axis=0, dtype="uint8")[0]
        layer._store_gptq_weights(quantized, scale, zero, g_idx)

    def free(self):
        """Release the Hessian."""
        self.hessian = None

