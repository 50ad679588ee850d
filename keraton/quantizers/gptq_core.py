"""Model-level GPTQ of Keras 3.15 (``keras/src/quantizers/gptq_core.py``): calibration data, block by block.

``model.quantize("gptq", config=GPTQConfig(...))`` first gives every
selected ``Dense``/``EinsumDense`` its gptq variables (the float kernel
stays in use), then :func:`gptq_quantize` cuts the calibration data into
token windows, runs them through the structure's ``pre_block_layers`` and,
for each of its ``sequential_blocks`` in turn, records the inputs of the
block's Dense/EinsumDense layers, quantizes those layers with
:class:`keraton.quantizers.gptq.GPTQ` and feeds the block's (now quantized)
outputs to the next block, as Keras does.  The block loop
(:func:`apply_layerwise`), the input hooks (:func:`stream_inputs`) and the
calibration windows (:func:`get_dataloader`) serve AWQ too
(:mod:`keraton.quantizers.awq_core`).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import torch

from keraton.quantizers.gptq import GPTQ
from keraton.quantizers.gptq_config import GPTQConfig


@contextmanager
def stream_inputs(layers, observers):
    """While active, every call of ``layers[i]`` first hands its inputs to ``observers[i]``.

    The layers' ``call`` is wrapped for the duration of the ``with`` block and
    restored after it.  keraton runs a quantized layer's forward through
    ``call`` (Keras 3.15 runs ``quantized_call`` instead, so its GPTQ and AWQ
    hooks on ``call`` never fire and its statistics stay zero).
    """
    def hook(layer, observe, call):
        def wrapped(*args, **kwargs):
            inputs = torch.as_tensor(args[0] if args else kwargs["inputs"])
            compute = getattr(torch, layer.compute_dtype)
            # Keras's ``__call__`` casts float inputs to the compute dtype before the layer sees them.
            observe(inputs.to(compute) if inputs.is_floating_point() and inputs.dtype != compute else inputs)
            return call(*args, **kwargs)
        return wrapped

    try:
        for layer, observe in zip(layers, observers):
            layer.call = hook(layer, observe, layer.call)
        yield
    finally:
        for layer in layers:
            layer.__dict__.pop("call", None)


def stream_hessians(layers, gptq_objects):
    """While active, each layer of ``layers`` folds the inputs of its calls into its ``GPTQ`` Hessian."""
    return stream_inputs(layers, [
        lambda x, g=gptq: g.update_hessian_with_batch(torch.as_tensor(x).reshape(-1, g.rows))
        for gptq in gptq_objects])


def get_dataloader(tokenizer, sequence_length, dataset, num_samples=128, *, strategy="strided", seed=42,
                   stride=None, eos_id=None):
    """``num_samples`` windows of ``sequence_length`` token ids from ``dataset``, as Keras's ``get_dataloader``.

    ``dataset`` is an iterable of strings (tokenized with
    ``tokenizer.tokenize``) or of token-id arrays; the tokens are joined,
    repeated when too few, and windows are taken at ``strategy`` positions
    (``"strided"``, ``"linspace"`` or ``"random"``).  keraton downloads
    nothing: a dataset given by name (a string) is refused.

    Returns:
        An int32 array of shape ``(num_samples, 1, sequence_length)``.
    """
    if not hasattr(dataset, "__iter__") or isinstance(dataset, (str, bytes)):
        raise TypeError(
            "The `dataset` argument must be an iterable (e.g., a list of strings, a generator, or a NumPy "
            f"array). Got type: {type(dataset).__name__}. keraton does not download datasets by name: "
            "please pass the loaded dataset directly.")
    items = list(dataset)
    if not items:
        raise ValueError("Provided dataset is empty.")
    pieces = []
    if isinstance(items[0], str):
        for i, text in enumerate(items):
            pieces.append(np.asarray(_to_numpy(tokenizer.tokenize(text))).reshape(-1))
            if eos_id is not None and i < len(items) - 1:
                pieces.append(np.array([eos_id], dtype=np.int32))
    else:
        pieces = [np.asarray(_to_numpy(item)).reshape(-1).astype(np.int32, copy=False) for item in items]
    tokens = np.concatenate(pieces, axis=0).astype(np.int32, copy=False)
    required = num_samples * sequence_length
    if tokens.size < required:
        tokens = np.tile(tokens, math.ceil(required / max(1, tokens.size)))
    max_start = tokens.size - sequence_length
    if max_start < 0:
        raise ValueError(f"Not enough tokens to form one sample of length {sequence_length} (have {tokens.size}).")
    if strategy == "random":
        starts = np.random.default_rng(seed).integers(0, max_start + 1, size=num_samples, dtype=np.int64)
    elif strategy == "linspace":
        starts = np.linspace(0, max_start, num_samples, dtype=np.int64)
    elif strategy == "strided":
        if stride is None:
            stride = max(1, (max_start + 1) // num_samples)
        # Keras's offset: Python's (per-process) hash of the seed.
        offset = abs(hash(("gptq-calib", seed))) % (max_start + 1) if max_start > 0 else 0
        starts = (offset + np.arange(num_samples, dtype=np.int64) * stride) % (max_start + 1)
    else:
        raise ValueError(f"Unknown strategy: {strategy}. Expected 'strided', 'linspace' or 'random'.")
    windows = np.lib.stride_tricks.sliding_window_view(tokens, sequence_length)
    return windows[starts].astype(np.int32)[:, None, :]


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def find_layers_in_block(block):
    """The ``Dense``/``EinsumDense`` leaf layers inside ``block``, in Keras's traversal order."""
    from keraton.layers.core.dense import Dense
    from keraton.layers.core.einsum_dense import EinsumDense
    from keraton.models.quantize import flatten_layers

    return [layer for layer in flatten_layers(block)
            if len(flatten_layers(layer)) == 1 and isinstance(layer, (Dense, EinsumDense))]


def _as_batch(x):
    return x.unsqueeze(0) if x.dim() == 2 else x


def apply_layerwise(dataloader, num_samples, structure, calibrate, *, filters=None, mode="gptq",
                    no_blocks_message="No sequential blocks found in the provided structure to quantize."):
    """Run the calibration windows through ``structure`` and calibrate its blocks one after the other.

    The windows go through the ``pre_block_layers``; for each block,
    ``calibrate(targets, run_block)`` gets the block's Dense/EinsumDense layers
    selected by ``filters`` and still uncalibrated for ``mode``, and a
    ``run_block()`` feeding the block its current inputs; the block's outputs
    (with the now quantized weights) become the next block's inputs, as Keras's
    GPTQ and AWQ do.
    """
    from keraton.models.quantize import should_quantize_layer

    pre_layers = structure.get("pre_block_layers", [])
    blocks = structure.get("sequential_blocks", [])
    if not blocks:
        raise ValueError(no_blocks_message)
    flag = f"is_{mode}_calibrated"
    with torch.no_grad():
        inputs = []
        for batch in dataloader:
            batch = torch.as_tensor(np.asarray(batch), dtype=torch.int32)
            for layer in pre_layers:
                batch = layer(batch)
            inputs.append(batch)
        num_samples = min(num_samples, len(inputs))
        for index, block in enumerate(blocks):
            # Layers not put in this mode (filtered or not quantizable) keep their float kernels.
            targets = [layer for layer in find_layers_in_block(block)
                       if should_quantize_layer(layer, filters) and getattr(layer, flag, True) is False]
            if targets:
                def run_block(block=block, inputs=inputs):
                    for sample in inputs[:num_samples]:
                        block(_as_batch(sample))
                calibrate(targets, run_block)
            if index < len(blocks) - 1:
                # As Keras: the first item of each block output is kept (the batch axis of size 1).
                inputs = [block(_as_batch(sample))[0] for sample in inputs[:num_samples]]


def apply_gptq_layerwise(dataloader, config, structure, filters=None):
    """Quantize the blocks of ``structure`` one after the other on the calibration windows, as Keras.

    Each block's Dense/EinsumDense layers (selected by ``filters``) get their
    Hessians from the block's inputs, are quantized, and the block's outputs
    with the quantized weights become the next block's inputs.
    """
    def calibrate(targets, run_block):
        gptqs = [GPTQ(layer, config) for layer in targets]
        with stream_hessians(targets, gptqs):
            run_block()
        for gptq in gptqs:
            gptq.quantize_and_correct_layer()
            gptq.free()

    apply_layerwise(dataloader, config.num_samples, structure, calibrate, filters=filters, mode="gptq")


def calibration_windows(config, quantization_layer_structure, mode):
    """The calibration windows of ``config`` for ``mode`` (``"gptq"``, ``"awq"``), after Keras's checks.

    Both need a dataset, a tokenizer and a structure (``pre_block_layers``,
    ``sequential_blocks``); a missing one raises Keras's ``ValueError``.
    """
    name = mode.upper()
    if config.dataset is None or config.tokenizer is None:
        raise ValueError(
            f"{name} quantization requires a dataset and a tokenizer. Please provide them in the "
            f"`{name}Config`.")
    if quantization_layer_structure is None:
        raise ValueError(
            f"For '{mode}' mode, a valid quantization structure must be provided either via "
            "`config.quantization_layer_structure` or by overriding `model.get_quantization_layer_structure(mode)`. "
            "The structure should be a dictionary with keys 'pre_block_layers' and 'sequential_blocks'.")
    windows = get_dataloader(config.tokenizer, config.sequence_length, config.dataset,
                             num_samples=config.num_samples)
    return windows[: config.num_samples]


def gptq_quantize(config, quantization_layer_structure, filters=None):
    """Run GPTQ on the structure's blocks with ``config``'s calibration data (``model.quantize("gptq")``)."""
    windows = calibration_windows(config, quantization_layer_structure, "gptq")
    apply_gptq_layerwise(windows, config, quantization_layer_structure, filters=filters)


def policy_of_type(layer, cls):
    """The layer's own dtype policy (looked up in a ``DTypePolicyMap``) when it is a ``cls``, else ``None``."""
    policy = layer._own_policy()
    return policy if isinstance(policy, cls) else None


def setting_for_layer(layer, config, attribute, mode, config_class, policy_class):
    """``attribute`` (``weight_bits``, ``group_size``) of a calibrated quantization for ``layer``.

    From ``config`` when it is a ``config_class``, else from the layer's own
    ``policy_class`` policy; neither raises ``ValueError`` naming both, as Keras.
    """
    if isinstance(config, config_class):
        return getattr(config, attribute)
    policy = policy_of_type(layer, policy_class)
    if policy is None:
        raise ValueError(
            f"For {mode} quantization, the {attribute} must be specified either through a `dtype_policy` of "
            f"type `{policy_class.__name__}` or the `config` argument. Layer '{layer.name}' has neither.")
    return getattr(policy, attribute)


def get_weight_bits_for_layer(layer, config):
    """The layer's GPTQ bits: from a :class:`GPTQConfig`, else from its ``GPTQDTypePolicy``."""
    from keraton.mixed_precision.quantized_policy import GPTQDTypePolicy

    return setting_for_layer(layer, config, "weight_bits", "GPTQ", GPTQConfig, GPTQDTypePolicy)


def get_group_size_for_layer(layer, config):
    """The layer's GPTQ group size: from a :class:`GPTQConfig`, else from its ``GPTQDTypePolicy``."""
    from keraton.mixed_precision.quantized_policy import GPTQDTypePolicy

    return setting_for_layer(layer, config, "group_size", "GPTQ", GPTQConfig, GPTQDTypePolicy)
