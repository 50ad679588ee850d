"""AWQConfig, AWQDTypePolicy, the awq layer variables and the argument checks of AWQ, against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import dtype_policies
from keraton.quantizers.awq_config import AWQConfig

keras = pytest.importorskip("keras")

DATA = np.arange(40, dtype="int32").reshape(5, 8) % 7


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_samples": 4, "sequence_length": 8, "group_size": -1, "num_grid_points": 3},
])
def test_config_round_trip_as_keras(kwargs):
    ours = AWQConfig(DATA, "tok", **kwargs)
    theirs = keras.quantizers.AWQConfig(DATA, "tok", **kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.get_config()["dataset"] is None and ours.get_config()["tokenizer"] is None
    assert AWQConfig.from_config(ours.get_config()).get_config() == ours.get_config()
    assert ours.mode == theirs.mode == "awq"
    assert ours.dtype_policy_string() == theirs.dtype_policy_string()


def test_config_serializes_as_keras():
    ours = keraton.quantizers.serialize(AWQConfig(DATA, None, group_size=32))
    theirs = keras.quantizers.serialize(keras.quantizers.AWQConfig(DATA, None, group_size=32))
    assert ours == theirs
    assert keraton.quantizers.deserialize(ours).group_size == 32
    assert type(keraton.quantizers.deserialize(theirs)) is AWQConfig


@pytest.mark.parametrize("kwargs,match", [
    ({"weight_bits": 8}, "AWQ only supports 4-bit quantization"),
    ({"num_samples": 0}, "num_samples must be a positive integer"),
    ({"sequence_length": -1}, "sequence_length must be a positive integer"),
    ({"group_size": 0}, "Invalid group_size"),
    ({"group_size": -2}, "Invalid group_size"),
    ({"num_grid_points": 0}, "num_grid_points must be a positive integer"),
])
def test_config_errors_as_keras(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.quantizers.AWQConfig(DATA, None, **kwargs)
    with pytest.raises(ValueError, match=match):
        AWQConfig(DATA, None, **kwargs)


@pytest.mark.parametrize("name", ["awq/4/128_from_float32", "awq/4/-1_from_mixed_bfloat16"])
def test_policy_as_keras(name):
    ours, theirs = dtype_policies.get(name), keras.dtype_policies.get(name)
    assert type(ours).__name__ == type(theirs).__name__ == "AWQDTypePolicy"
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
    assert (ours.weight_bits, ours.group_size) == (theirs.weight_bits, theirs.group_size)
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(keras.dtype_policies.serialize(theirs)) == ours


@pytest.mark.parametrize("mode,match", [
    ("awq/4", "Expected format"),
    ("gptq/4/128", "Expected format"),
    ("awq/a/128", "must be integers"),
    ("awq/8/128", "AWQ only supports 4-bit"),
    ("awq/4/0", "Invalid group_size"),
])
def test_policy_errors_as_keras(mode, match):
    with pytest.raises(ValueError, match=match):
        keras.dtype_policies.AWQDTypePolicy(mode, "float32")
    with pytest.raises(ValueError, match=match):
        dtype_policies.AWQDTypePolicy(mode, "float32")


def test_setting_awq_policy_on_built_layer_is_refused_as_keras():
    for lib in (keras, keraton):
        layer = lib.layers.Dense(3)
        layer.build((None, 4))
        with pytest.raises(ValueError, match="For AWQ, you must pass an `AWQConfig`"):
            layer.dtype_policy = "awq/4/-1_from_float32"


@pytest.mark.parametrize("case", ["dense", "einsum2d", "qkv", "attn_out"])
@pytest.mark.parametrize("group_size", [4, -1])
def test_layer_quantize_builds_keras_variables(case, group_size):
    """``layer.quantize("awq")`` adds kernel, scales, zeros, awq_scales, g_idx with Keras's names/shapes/dtypes."""
    def make(lib):
        if case == "dense":
            layer, shape = lib.layers.Dense(5), (None, 8)
        elif case == "einsum2d":
            layer, shape = lib.layers.EinsumDense("ab,bc->ac", output_shape=5, bias_axes="c"), (None, 8)
        elif case == "qkv":
            layer, shape = lib.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3)), (None, 4, 8)
        else:
            layer, shape = lib.layers.EinsumDense("abde,def->abf", output_shape=(None, 8)), (None, 4, 2, 3)
        layer.build(shape)
        layer.quantize("awq", config=lib.quantizers.AWQConfig(None, None, group_size=group_size))
        return layer

    theirs, ours = make(keras), make(keraton)
    assert ours.dtype_policy.name == theirs.dtype_policy.name == f"awq/4/{group_size}_from_float32"
    describe = [(w.name, tuple(w.shape), str(w.dtype).replace("torch.", "")) for w in ours.weights]
    expected = [(w.name, tuple(w.shape), keras.backend.standardize_dtype(w.dtype)) for w in theirs.weights]
    assert describe == expected
    assert ours.is_awq_calibrated is theirs.is_awq_calibrated is False
    configs = [lib.saving.serialize_keras_object(layer) for lib, layer in ((keraton, ours), (keras, theirs))]
    for config in configs:
        del config["config"]["name"]  # Keras's name counters are global to the test session
    assert json.dumps(configs[0], sort_keys=True) == json.dumps(configs[1], sort_keys=True)
    # Before calibration both still compute with the float kernel.
    ours.set_weights([keras.ops.convert_to_numpy(v) for v in theirs.weights])
    shape = {"dense": (2, 8), "einsum2d": (2, 8), "qkv": (2, 4, 8), "attn_out": (2, 4, 2, 3)}[case]
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    np.testing.assert_allclose(ours(torch.as_tensor(x)).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-6)


def test_four_dimensional_kernel_is_refused_as_keras():
    for lib in (keras, keraton):
        layer = lib.layers.EinsumDense("abcd,cdef->abef", output_shape=(2, 3, 4))
        layer.build((None, 2, 3, 5))
        with pytest.raises(ValueError, match="only supports 2D or 3D kernels"):
            layer.quantize("awq", config=lib.quantizers.AWQConfig(None, None))


def _simple(lib):
    return lib.Sequential([lib.Input((5,)), lib.layers.Dense(3)])


@pytest.mark.parametrize("config,match", [
    ({"group_size": 4}, "Argument `config` must be an instance of `QuantizationConfig`"),
    (None, "For AWQ, you must pass an `AWQConfig` object"),
    ("no_structure", "For mode='awq', a valid quantization structure"),
    ("gptq", "Contradictory arguments: mode='awq' but config.mode='gptq'"),
])
def test_model_quantize_errors_as_keras(config, match):
    for lib in (keras, keraton):
        cfg = config
        if config == "no_structure":
            cfg = lib.quantizers.AWQConfig(["a"], lambda x: x)
        elif config == "gptq":
            cfg = lib.quantizers.GPTQConfig(["a"], lambda x: x)
        with pytest.raises(ValueError, match=match):
            _simple(lib).quantize("awq", config=cfg)


@pytest.mark.parametrize("dataset,tokenizer,error,match", [
    ("wikitext2", object(), TypeError, "must be an iterable"),
    (DATA, None, ValueError, "AWQ quantization requires a dataset and"),
    ([], object(), ValueError, "Provided dataset is empty"),
])
def test_calibration_data_errors_as_keras(dataset, tokenizer, error, match):
    """A dataset named by a string is refused (keraton downloads nothing), as Keras 3.15 refuses it."""
    for lib in (keras, keraton):
        model = _simple(lib)
        structure = {"pre_block_layers": [], "sequential_blocks": [model]}
        cfg = lib.quantizers.AWQConfig(dataset, tokenizer, quantization_layer_structure=structure)
        with pytest.raises(error, match=match):
            model.quantize("awq", config=cfg)


def test_empty_structure_is_refused_as_keras():
    for lib in (keras, keraton):
        model = _simple(lib)
        cfg = lib.quantizers.AWQConfig(DATA, object(), quantization_layer_structure={"sequential_blocks": []})
        with pytest.raises(ValueError, match="No sequential blocks found in the structure to quantize"):
            model.quantize("awq", config=cfg)
