"""``keras.quantizers`` (Keras 3.15): quantizers, quantization configs and the int8/int4/float8/GPTQ/AWQ maths."""

from __future__ import annotations

import inspect

from keraton.quantizers.awq_config import AWQConfig
from keraton.quantizers.gptq_config import GPTQConfig
from keraton.quantizers.quantization_config import (
    Float8QuantizationConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
)
from keraton.quantizers.quantizers import (
    AbsMaxQuantizer,
    Quantizer,
    abs_max_quantize,
    abs_max_quantize_grouped_with_zero_point,
    compute_float8_amax_history,
    compute_float8_scale,
    dequantize_with_sz_map,
    fake_quant_with_min_max_vars,
    pack_int4,
    quantize_and_dequantize,
    unpack_int4,
)

_ALL_OBJECTS = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
                Int4QuantizationConfig, Float8QuantizationConfig, GPTQConfig, AWQConfig)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _ALL_OBJECTS}
ALL_OBJECTS_DICT.update({"quantizer": Quantizer, "abs_max_quantizer": AbsMaxQuantizer,
                         "quantization_config": QuantizationConfig,
                         "int8_quantization_config": Int8QuantizationConfig,
                         "int4_quantization_config": Int4QuantizationConfig,
                         "float8_quantization_config": Float8QuantizationConfig,
                         "gptq_config": GPTQConfig, "awq_config": AWQConfig})


def serialize(initializer):
    """Keras 3's serialized form of a quantizer or quantization config (``keras.quantizers.serialize``)."""
    from keraton.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The quantizer or config that :func:`serialize` described (``keras.quantizers.deserialize``)."""
    from keraton.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects,
                                    kind="quantizer")


def get(identifier, **kwargs):
    """A quantizer from ``None``, a config dict, a class name or an instance (``keras.quantizers.get``).

    A class found by name is instantiated, as Keras does, with ``kwargs``
    passed as its first argument.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier, None)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj(kwargs)
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")


__all__ = ["AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig", "GPTQConfig", "Int4QuantizationConfig", "Int8QuantizationConfig",
           "QuantizationConfig", "Quantizer", "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
           "compute_float8_amax_history", "compute_float8_scale", "dequantize_with_sz_map", "deserialize",
           "fake_quant_with_min_max_vars", "get", "pack_int4", "quantize_and_dequantize", "serialize",
           "unpack_int4"]
