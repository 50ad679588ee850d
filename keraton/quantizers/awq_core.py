"""Model-level AWQ of Keras 3.15 (``keras/src/quantizers/awq_core.py``): calibration data, block by block.

``model.quantize("awq", config=AWQConfig(...))`` first gives every selected
``Dense``/``EinsumDense`` its awq variables (the float kernel stays in use),
then :func:`awq_quantize` cuts the calibration data into token windows (as
GPTQ does), runs them through the structure's ``pre_block_layers`` and, for
each of its ``sequential_blocks`` in turn, records the largest absolute
input of every input channel of the block's Dense/EinsumDense layers,
quantizes those layers with :class:`keraton.quantizers.awq.AWQ` and feeds
the block's (now quantized) outputs to the next block.  The block loop and
the input hooks are GPTQ's (:mod:`keraton.quantizers.gptq_core`).
"""

from __future__ import annotations

import torch

from keraton.quantizers.awq import AWQ
from keraton.quantizers.awq_config import AWQConfig
from keraton.quantizers.gptq_core import (
    apply_layerwise,
    calibration_windows,
    setting_for_layer,
    stream_inputs,
)


def stream_activations(layers, awq_objects):
    """While active, each layer of ``layers`` folds the inputs of its calls into its ``AWQ`` magnitudes."""
    return stream_inputs(layers, [
        lambda x, a=awq: a.update_activation_magnitudes(torch.as_tensor(x).reshape(-1, a.rows))
        for awq in awq_objects])


def apply_awq_layerwise(dataloader, config, structure, filters=None):
    """Quantize the blocks of ``structure`` one after the other on the calibration windows, as Keras.

    Each block's Dense/EinsumDense layers (selected by ``filters``) record
    their input magnitudes on the block's inputs, are quantized with AWQ, and
    the block's outputs with the quantized weights become the next block's
    inputs.
    """
    def calibrate(targets, run_block):
        awqs = [AWQ(layer, config) for layer in targets]
        with stream_activations(targets, awqs):
            run_block()
        for awq in awqs:
            awq.quantize_layer()
            awq.free()

    apply_layerwise(dataloader, config.num_samples, structure, calibrate, filters=filters, mode="awq",
                    no_blocks_message="No sequential blocks found in the structure to quantize.")


def awq_quantize(config, quantization_layer_structure, filters=None):
    """Run AWQ on the structure's blocks with ``config``'s calibration data (``model.quantize("awq")``)."""
    windows = calibration_windows(config, quantization_layer_structure, "awq")
    apply_awq_layerwise(windows, config, quantization_layer_structure, filters=filters)


def get_group_size_for_layer(layer, config):
    """The layer's AWQ group size: from an :class:`AWQConfig`, else from its ``AWQDTypePolicy``."""
    from keraton.mixed_precision.quantized_policy import AWQDTypePolicy

    return setting_for_layer(layer, config, "group_size", "AWQ", AWQConfig, AWQDTypePolicy)
