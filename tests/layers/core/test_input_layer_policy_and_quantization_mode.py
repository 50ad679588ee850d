"""InputLayer's dtype policy and ``Layer.quantization_mode`` (as Keras 3).

Keras 3 keeps an InputLayer's dtype apart from its policy (an int32 input's
``dtype_policy`` is the global ``"float32"``), and every layer has a
``quantization_mode`` (``None`` unless quantized); ``model.quantize`` leaves
the InputLayers and non-quantizable layers as they are. Values recorded with
Keras 3.15 (torch backend).
"""

import numpy as np
import pytest

import keraton
from keraton import layers


@pytest.mark.parametrize("dtype", ["int32", "int64", "float64", "bool", None])
def test_input_layer_dtype_is_not_its_policy(dtype):
    x = keraton.Input(shape=(4,), dtype=dtype)
    layer = x._keras_history[0]
    assert layer.dtype_policy.name == "float32"  # Keras 3: the global policy
    assert layer.dtype == (dtype or "float32")
    assert layer.get_config()["dtype"] == (dtype or "float32")
    assert keraton.ops.dtype(x) == (dtype or "float32")


def test_input_layer_under_mixed_precision_keeps_float32_inputs():
    keraton.mixed_precision.set_global_policy("mixed_float16")
    try:
        layer = keraton.Input(shape=(4,))._keras_history[0]
        # Keras 3.15: dtype_policy "mixed_float16", dtype "float32"
        assert layer.dtype_policy.name == "mixed_float16"
        assert layer.dtype == "float32"
    finally:
        keraton.mixed_precision.set_global_policy("float32")


def test_every_layer_has_quantization_mode():
    assert layers.Concatenate().quantization_mode is None
    assert layers.Dense(2).quantization_mode is None
    assert keraton.Input(shape=(3,), dtype="int32")._keras_history[0].quantization_mode is None


def test_quantize_model_with_int_input_reports_modes_per_layer():
    ids = keraton.Input(shape=(5,), dtype="int32")
    feats = keraton.Input(shape=(3,))
    e = layers.GlobalAveragePooling1D()(layers.Embedding(10, 4)(ids))
    out = layers.Dense(2)(layers.Concatenate()([e, layers.Dense(4)(feats)]))
    model = keraton.Model([ids, feats], out)
    model.quantize("int8")
    # Keras 3.15: [None, None, 'int8', None, 'int8', None, 'int8'] for
    # [InputLayer, InputLayer, Embedding, GAP1D, Dense, Concatenate, Dense] (sorted by name here)
    modes = {type(layer).__name__ + str(i): layer.quantization_mode
             for i, layer in enumerate(model.layers)}
    quantized = sorted(k.rstrip("0123456789") for k, v in modes.items() if v == "int8")
    assert quantized == ["Dense", "Dense", "Embedding"]
    assert [layer.dtype_policy.name for layer in model.layers
            if layer.dtype_policy.name != "float32"] == ["int8_from_float32"] * 3
    y = model([np.arange(10, dtype="int32").reshape(2, 5), np.ones((2, 3), "float32")])
    assert tuple(y.shape) == (2, 2)
