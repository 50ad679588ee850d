"""GPTQConfig, GPTQDTypePolicy and the argument checks of GPTQ quantization, against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import dtype_policies
from keraton.quantizers.gptq_config import GPTQConfig

keras = pytest.importorskip("keras")

DATA = np.arange(40, dtype="int32").reshape(5, 8) % 7


@pytest.mark.parametrize("kwargs", [
    {},
    {"weight_bits": 3, "num_samples": 4, "sequence_length": 8, "hessian_damping": 0.1, "group_size": -1,
     "symmetric": True, "activation_order": True, "per_channel": False},
])
def test_config_round_trip_as_keras(kwargs):
    ours = GPTQConfig(DATA, "tok", **kwargs)
    theirs = keras.quantizers.GPTQConfig(DATA, "tok", **kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.get_config()["dataset"] is None and ours.get_config()["tokenizer"] is None
    again = GPTQConfig.from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    assert ours.mode == theirs.mode == "gptq"
    assert ours.dtype_policy_string() == theirs.dtype_policy_string()


def test_config_serializes_as_keras():
    ours = keraton.quantizers.serialize(GPTQConfig(DATA, None, group_size=32))
    theirs = keras.quantizers.serialize(keras.quantizers.GPTQConfig(DATA, None, group_size=32))
    assert ours == theirs
    assert keraton.quantizers.deserialize(ours).group_size == 32


@pytest.mark.parametrize("kwargs,match", [
    ({"weight_bits": 5}, "Unsupported weight_bits 5"),
    ({"num_samples": 0}, "num_samples must be a positive integer"),
    ({"sequence_length": -1}, "sequence_length must be a positive integer"),
    ({"hessian_damping": 1.5}, "hessian_damping must be between 0 and 1"),
    ({"group_size": 0}, "Invalid group_size"),
    ({"group_size": -2}, "Invalid group_size"),
])
def test_config_errors_as_keras(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.quantizers.GPTQConfig(DATA, None, **kwargs)
    with pytest.raises(ValueError, match=match):
        GPTQConfig(DATA, None, **kwargs)


@pytest.mark.parametrize("name", ["gptq/4/128_from_float32", "gptq/2/-1_from_mixed_bfloat16",
                                  "gptq/8/16_from_float32"])
def test_policy_as_keras(name):
    ours, theirs = dtype_policies.get(name), keras.dtype_policies.get(name)
    assert type(ours).__name__ == type(theirs).__name__ == "GPTQDTypePolicy"
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
    assert (ours.weight_bits, ours.group_size) == (theirs.weight_bits, theirs.group_size)
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(keras.dtype_policies.serialize(theirs)) == ours


@pytest.mark.parametrize("mode,match", [
    ("gptq/4", "Expected format"),
    ("gptq/a/128", "must be integers"),
    ("gptq/5/128", "Invalid weight_bits"),
    ("gptq/4/0", "Invalid group_size"),
])
def test_policy_errors_as_keras(mode, match):
    with pytest.raises(ValueError, match=match):
        keras.dtype_policies.GPTQDTypePolicy(mode, "float32")
    with pytest.raises(ValueError, match=match):
        dtype_policies.GPTQDTypePolicy(mode, "float32")


def test_setting_gptq_policy_on_built_layer_is_refused_as_keras():
    theirs = keras.layers.Dense(3)
    theirs.build((None, 4))
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ"):
        theirs.dtype_policy = "gptq/4/-1_from_float32"
    ours = keraton.layers.Dense(3)
    ours.build((None, 4))
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ"):
        ours.dtype_policy = "gptq/4/-1_from_float32"


@pytest.mark.parametrize("case", ["dense", "einsum2d", "qkv", "attn_out"])
@pytest.mark.parametrize("bits,group_size", [(4, 4), (3, -1)])
def test_layer_quantize_builds_keras_variables(case, bits, group_size):
    """``layer.quantize("gptq")`` adds the kernel, scales, zeros and g_idx with Keras's names/shapes/dtypes."""
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
        layer.quantize("gptq", config=lib.quantizers.GPTQConfig(None, None, weight_bits=bits, group_size=group_size))
        return layer

    theirs, ours = make(keras), make(keraton)
    assert ours.dtype_policy.name == theirs.dtype_policy.name == f"gptq/{bits}/{group_size}_from_float32"
    describe = [(w.name, tuple(w.shape), str(w.dtype).replace("torch.", "")) for w in ours.weights]
    expected = [(w.name, tuple(w.shape), keras.backend.standardize_dtype(w.dtype)) for w in theirs.weights]
    assert describe == expected
    assert ours.is_gptq_calibrated is theirs.is_gptq_calibrated is False
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


def test_embedding_is_skipped_with_a_warning():
    model = keraton.Sequential([keraton.Input((4,), dtype="int32"), keraton.layers.Embedding(10, 4)])
    config = GPTQConfig(DATA, object(), num_samples=2, sequence_length=4,
                        quantization_layer_structure={"pre_block_layers": [], "sequential_blocks": [model]})
    with pytest.warns(UserWarning, match="quantization mode"):
        model.quantize("gptq", config=config)
    assert model.layers[0].dtype_policy.name == "float32"


def _simple(lib):
    return lib.Sequential([lib.Input((5,)), lib.layers.Dense(3)])


@pytest.mark.parametrize("mode,config,error,match", [
    ("gptq", {"weight_bits": 4}, ValueError, "Argument `config` must be an instance of `QuantizationConfig`"),
    ("gptq", None, ValueError, "For GPTQ, you must pass a `GPTQConfig` object"),
    ("gptq", "gptq_no_structure", ValueError, "For mode='gptq', a valid quantization structure"),
])
def test_model_quantize_errors_as_keras(mode, config, error, match):
    for lib in (keras, keraton):
        cfg = lib.quantizers.GPTQConfig(["a"], lambda x: x) if config == "gptq_no_structure" else config
        with pytest.raises(error, match=match):
            _simple(lib).quantize(mode, config=cfg)


@pytest.mark.parametrize("dataset,tokenizer,error,match", [
    ("wikitext2", object(), TypeError, "must be an iterable"),
    (DATA, None, ValueError, "requires a dataset and a tokenizer"),
    ([], object(), ValueError, "Provided dataset is empty"),
])
def test_calibration_data_errors_as_keras(dataset, tokenizer, error, match):
    """A dataset named by a string is refused (keraton downloads nothing), as Keras 3.15 refuses it."""
    for lib in (keras, keraton):
        model = _simple(lib)
        structure = {"pre_block_layers": [], "sequential_blocks": [model]}
        cfg = lib.quantizers.GPTQConfig(dataset, tokenizer, quantization_layer_structure=structure)
        with pytest.raises(error, match=match):
            model.quantize("gptq", config=cfg)
