"""The small language-model-like stack (Embedding, then Dense and EinsumDense blocks) that the GPTQ
and AWQ tests quantize in Keras 3 and in keraton, its calibration tokens, and array conversion."""

import numpy as np
import torch

VOCAB, DIM, SEQ = 50, 16, 6
TOKENS = np.random.default_rng(0).integers(0, VOCAB, size=(8, SEQ)).astype("int32")


def to_numpy(x, keras):
    """A torch tensor or Keras tensor as a NumPy array (bfloat16 widened to float32)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().float().numpy() if x.dtype == torch.bfloat16 else x.detach().cpu().numpy()
    x = keras.ops.convert_to_tensor(x)
    return keras.ops.convert_to_numpy(keras.ops.cast(x, "float32") if x.dtype == torch.bfloat16 else x)


def calibration_model(lib, head=False, small=False):
    """``(model, structure)`` in ``lib`` (``keras`` or ``keraton``): the blocks GPTQ/AWQ calibrate."""
    layers = lib.layers
    embedding = layers.Embedding(VOCAB, DIM)
    blocks = [lib.Sequential([layers.Dense(24, activation="relu"), layers.Dense(DIM)]),
              lib.Sequential([layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de"),
                              layers.EinsumDense("abde,def->abf", output_shape=(None, DIM), bias_axes="f")])]
    if small:
        blocks = [lib.Sequential([layers.Dense(4)])]
    stack = [lib.Input((SEQ,), dtype="int32"), embedding, *blocks] + ([layers.Dense(5)] if head else [])
    return lib.Sequential(stack), {"pre_block_layers": [embedding], "sequential_blocks": blocks}
