"""Quantization configs and quantized dtype policies: configs, names and errors as real Keras 3's."""

import pytest

from keraton import dtype_policies, quantizers
from keraton.quantizers.quantization_config import validate_and_resolve_config

keras = pytest.importorskip("keras")


def _both(name, *args, **kwargs):
    return getattr(quantizers, name)(*args, **kwargs), getattr(keras.quantizers, name)(*args, **kwargs)


@pytest.mark.parametrize("name,kwargs", [
    ("Int8QuantizationConfig", {}),
    ("Int8QuantizationConfig", {"activation_quantizer": None}),
    ("Int4QuantizationConfig", {}),
    ("Int4QuantizationConfig", {"block_size": -1}),
    ("Int4QuantizationConfig", {"block_size": None}),
    ("Int4QuantizationConfig", {"block_size": 64}),
    ("Float8QuantizationConfig", {}),
])
def test_configs_serialize_as_keras(name, kwargs):
    ours, theirs = _both(name, **kwargs)
    assert ours.mode == theirs.mode
    assert quantizers.serialize(ours) == keras.quantizers.serialize(theirs)
    again = quantizers.deserialize(keras.quantizers.serialize(theirs))
    assert type(again) is type(ours) and quantizers.serialize(again) == quantizers.serialize(ours)


def test_config_with_custom_quantizers():
    kw = {"axis": 0, "value_range": (-8, 7)}
    ours = quantizers.Int4QuantizationConfig(quantizers.AbsMaxQuantizer(**kw), block_size=None)
    theirs = keras.quantizers.Int4QuantizationConfig(keras.quantizers.AbsMaxQuantizer(**kw), block_size=None)
    assert quantizers.serialize(ours) == keras.quantizers.serialize(theirs)
    again = quantizers.deserialize(keras.quantizers.serialize(theirs))
    assert again.weight_quantizer.get_config() == ours.weight_quantizer.get_config()


@pytest.mark.parametrize("make,match", [
    (lambda q: q.Int8QuantizationConfig(q.AbsMaxQuantizer(output_dtype="int16")), "output_dtype='int8'"),
    (lambda q: q.Int4QuantizationConfig(block_size=0), "block_size must be None, -1"),
    (lambda q: q.Int4QuantizationConfig(q.AbsMaxQuantizer(value_range=(-8, 7))), "does not support custom"),
    (lambda q: q.Int4QuantizationConfig(q.AbsMaxQuantizer(), block_size=-1), r"value_range=\(-8, 7\)"),
])
def test_config_errors_as_keras(make, match):
    with pytest.raises(ValueError, match=match):
        make(keras.quantizers)
    with pytest.raises(ValueError, match=match):
        make(quantizers)


@pytest.mark.parametrize("mode,config,match", [
    ("int5", None, "Invalid quantization mode"),
    (None, None, "You must provide either"),
    ("gptq", None, "GPTQConfig"),
    ("int4", "int8_config", "Contradictory arguments"),
    ("int8", 3, "must be an instance of `QuantizationConfig`"),
])
def test_validate_and_resolve_config_errors(mode, config, match):
    if config == "int8_config":
        config = quantizers.Int8QuantizationConfig()
    with pytest.raises(ValueError, match=match):
        validate_and_resolve_config(mode, config)


def test_validate_and_resolve_config_defaults():
    assert isinstance(validate_and_resolve_config("int8", None), quantizers.Int8QuantizationConfig)
    assert validate_and_resolve_config("int4", None).block_size == 128
    assert validate_and_resolve_config(None, "float8").mode == "float8"


@pytest.mark.parametrize("name", [
    "int8_from_float32", "int8_from_mixed_bfloat16", "int4_from_float32", "int4/128_from_float32",
    "int4/-1_from_bfloat16", "float8_from_float32", "float8_from_mixed_bfloat16",
])
def test_quantized_policies_match_keras(name):
    ours, theirs = dtype_policies.get(name), keras.dtype_policies.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == repr(theirs)
    for attr in ("name", "compute_dtype", "variable_dtype", "quantization_mode"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(keras.dtype_policies.serialize(theirs)) == ours
    assert dtype_policies.get(keras.dtype_policies.serialize(theirs)) == ours


def test_float8_and_int4_policy_attributes():
    p = dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", amax_history_length=16)
    assert p.amax_history_length == 16 and p.get_config()["amax_history_length"] == 16
    assert p != dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32")
    q = dtype_policies.get("int4/32_from_float32")
    assert (q.block_size, q.mode, q.get_config()) == (32, "int4", {"mode": "int4/32", "source_name": "float32"})
    assert dtype_policies.get("int8_from_float32") != dtype_policies.get("int8_from_bfloat16")
    assert dtype_policies.get("float32").quantization_mode is None


@pytest.mark.parametrize("make,error,match", [
    (lambda d: d.QuantizedDTypePolicy("int7", "float32"), ValueError, "Invalid quantization mode"),
    (lambda d: d.QuantizedDTypePolicy("int8", "float16"), ValueError, "compute_dtype='float16'"),
    (lambda d: d.QuantizedFloat8DTypePolicy("float8", "float32", 1.5), TypeError, "must be an integer"),
    (lambda d: d.Int4DTypePolicy("int4", "float32"), ValueError, "Expected format"),
    (lambda d: d.Int4DTypePolicy("int4/x", "float32"), ValueError, "must be an integer"),
    (lambda d: d.Int4DTypePolicy("int4/0", "float32"), ValueError, "Invalid block_size"),
    (lambda d: d.get("int8_float32"), ValueError, "valid pair"),
])
def test_policy_errors_as_keras(make, error, match):
    with pytest.raises(error, match=match):
        make(keras.dtype_policies)
    with pytest.raises(error, match=match):
        make(dtype_policies)


def test_dtype_policy_map_matches_keras():
    maps = []
    for d in (dtype_policies, keras.dtype_policies):
        m = d.DTypePolicyMap(default_policy="bfloat16")
        m["encoder/.*"] = "int8_from_float32"
        m["decoder"] = d.get("float16")
        maps.append(m)
    ours, theirs = maps
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
    for key in ("encoder/dense", "decoder", "decoder/attention"):
        assert ours[key].name == theirs[key].name
    assert len(ours) == 2 and list(ours) == ["encoder/.*", "decoder"] and "decoder" in ours
    ours["encoder/dense/.*"] = "float32"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        ours["encoder/dense/x"]
    with pytest.raises(ValueError, match="already exist"):
        ours["decoder"] = "float32"
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dtype_policies.DTypePolicyMap(default_policy=ours)
    del ours["encoder/dense/.*"]
    assert ours["encoder/dense/x"].name == "int8_from_float32"


@pytest.mark.parametrize("default", [None, "float32"])
def test_dtype_policy_map_serialization_matches_keras(default):
    configs = []
    for d in (dtype_policies, keras.dtype_policies):
        m = d.DTypePolicyMap(default_policy=default)
        m["a"] = "int8_from_float32"
        m["b"] = "int4/64_from_float32"
        configs.append(d.serialize(m))
    assert configs[0] == configs[1]
    again = dtype_policies.deserialize(configs[1])
    assert isinstance(again, dtype_policies.DTypePolicyMap)
    assert again["a"].quantization_mode == "int8" and again["b"].block_size == 64
