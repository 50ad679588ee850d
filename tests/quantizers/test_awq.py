"""AWQ quantization (maths, layers, ``model.quantize("awq")``, saving) against Keras 3.15.

As for GPTQ, Keras 3.15's ``stream_activations`` wraps ``layer.call`` while a
quantized layer runs ``quantized_call``: stock Keras records no activation
magnitude, so its ``awq_scales`` are all 1 and its "AWQ" is plain 4-bit
round-to-nearest (:func:`test_stock_keras_records_no_magnitudes`).  keraton
records the inputs; its model-level results are compared with Keras run with
the hook placed on ``quantized_call`` (:func:`_keras_hook_fixed`), every
other step being Keras's own code.
"""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from calibration_models import DIM, SEQ, TOKENS, VOCAB, calibration_model, to_numpy

import keraton
from keraton.quantizers import awq as kt_awq
from keraton.quantizers.awq_config import AWQConfig

keras = pytest.importorskip("keras")
from keras.src.quantizers import awq as k_awq  # noqa: E402
from keras.src.quantizers import awq_core as k_awq_core  # noqa: E402


def _np(x):
    return to_numpy(x, keras)


# ---------------------------------------------------------------------------- maths
@pytest.mark.parametrize("group_size", [-1, 4, 5, 32])
@pytest.mark.parametrize("num_grid_points", [1, 7, 20])
def test_awq_quantize_matrix_as_keras(group_size, num_grid_points):
    """Scale search, 4-bit rounding, scales/zeros and g_idx equal Keras's bit for bit (one salient channel)."""
    rng = np.random.default_rng(group_size + 3 * num_grid_points)
    w = rng.standard_normal((6, 12)).astype("float32")
    magnitudes = np.abs(rng.standard_normal(12)).astype("float32") + 0.05
    magnitudes[3] = 20.0  # a salient channel
    magnitudes[7] = 0.0  # a dead one (counts as 1)
    kwargs = dict(num_grid_points=num_grid_points, group_size=group_size)
    theirs = k_awq.awq_quantize_matrix(torch.tensor(w), torch.tensor(magnitudes), **kwargs)
    ours = kt_awq.awq_quantize_matrix(torch.tensor(w), torch.tensor(magnitudes), **kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(_np(a), _np(b))
        assert _np(a).dtype == _np(b).dtype


def test_uniform_magnitudes_give_unit_scales():
    """Equal magnitudes make every candidate scale 1: AWQ reduces to round-to-nearest, as in Keras."""
    w = torch.randn(4, 8)
    scales = kt_awq.awq_search_optimal_scales(w, torch.full((8,), 3.0), num_grid_points=5)
    np.testing.assert_array_equal(_np(scales), np.ones(8, "float32"))


def _seeded_weights(theirs, ours, seed=1):
    """The same seeded weights in both models (so the tests never depend on the global seed)."""
    rng = np.random.default_rng(seed)
    weights = [(0.3 * rng.standard_normal(tuple(w.shape))).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)


def _make(lib, case):
    if case == "dense":
        layer, shape = lib.layers.Dense(9), (None, 3, 8)
    elif case == "qkv":
        layer, shape = lib.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), (None, 3, 8)
    else:
        layer, shape = lib.layers.EinsumDense("abde,def->abf", output_shape=(None, 8)), (None, 3, 2, 3)
    layer.build(shape)
    return layer, shape


@pytest.mark.parametrize("case", ["dense", "qkv", "attn_out"])
@pytest.mark.parametrize("group_size,num_grid_points", [(-1, 20), (4, 5)])
def test_awq_layer_as_keras(case, group_size, num_grid_points):
    """``AWQ(layer)``: the recorded magnitudes and the quantized variables equal Keras's, bit for bit."""
    theirs, shape = _make(keras, case)
    ours, _ = _make(keraton, case)
    _seeded_weights(theirs, ours)
    kwargs = dict(group_size=group_size, num_grid_points=num_grid_points)
    k_config, t_config = keras.quantizers.AWQConfig(None, None, **kwargs), AWQConfig(None, None, **kwargs)
    theirs.quantize("awq", config=k_config)
    ours.quantize("awq", config=t_config)
    k_obj, t_obj = k_awq.AWQ(theirs, k_config), kt_awq.AWQ(ours, t_config)
    rng = np.random.default_rng(2)
    for i in range(3):
        batch = rng.standard_normal((2,) + shape[1:]).astype("float32")
        batch[..., 0] *= 10.0 * (i + 1)  # a salient input channel
        k_obj.update_activation_magnitudes(keras.ops.reshape(torch.tensor(batch), (-1, k_obj.rows)))
        t_obj.update_activation_magnitudes(torch.tensor(batch).reshape(-1, t_obj.rows))
    np.testing.assert_array_equal(_np(t_obj.activation_magnitudes), _np(k_obj.activation_magnitudes))
    assert t_obj.num_samples == k_obj.num_samples
    k_obj.quantize_layer()
    t_obj.quantize_layer()
    assert ours.is_awq_calibrated and theirs.is_awq_calibrated
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.weights, theirs.weights):
        np.testing.assert_array_equal(_np(a), _np(b))
    assert float(ours.awq_scales.max()) > 1.0
    x = rng.standard_normal((2,) + shape[1:]).astype("float32")
    np.testing.assert_allclose(_np(ours(torch.tensor(x))), _np(theirs(x)), rtol=1e-5, atol=1e-6)


def test_awq_errors_as_keras():
    layer = keraton.layers.Dense(3)
    layer.build((None, 4))
    obj = kt_awq.AWQ(layer, AWQConfig(None, None))
    with pytest.raises(ValueError, match="Input tensor cannot be None"):
        obj.update_activation_magnitudes(None)
    with pytest.raises(ValueError, match="Input tensor cannot be empty"):
        obj.update_activation_magnitudes(torch.ones(0, 4))
    with pytest.raises(ValueError, match="with 4 features on the last axis"):
        obj.update_activation_magnitudes(torch.ones(2, 5))
    with pytest.raises(TypeError, match="Unsupported layer type for AWQ"):
        kt_awq.AWQ(keraton.layers.Embedding(3, 2), AWQConfig(None, None))


# ---------------------------------------------------------------------------- model level
@contextmanager
def _keras_hook_fixed(layers_map, awq_objects):
    """Keras's ``stream_activations`` with the hook on ``quantized_call``, the method Keras really runs."""
    for name, layer in layers_map.items():
        def hook(*args, _name=name, _call=layer.quantized_call, **kwargs):
            inputs = args[0] if args else kwargs["inputs"]
            obj = awq_objects[_name]
            obj.update_activation_magnitudes(keras.ops.reshape(inputs, (-1, obj.rows)))
            return _call(*args, **kwargs)
        layer.quantized_call = hook
    try:
        yield
    finally:
        for layer in layers_map.values():
            del layer.quantized_call


_PAIRS = {}


def _quantize_pair(policy="float32", **kwargs):
    """The same model quantized by Keras (hook fixed) and by keraton; cached."""
    key = (policy,) + tuple(sorted(kwargs.items()))
    if key not in _PAIRS:
        keras.mixed_precision.set_global_policy(policy)
        keraton.mixed_precision.set_global_policy(policy)
        try:
            theirs, k_structure = calibration_model(keras)
            ours, t_structure = calibration_model(keraton)
        finally:
            keras.mixed_precision.set_global_policy("float32")
            keraton.mixed_precision.set_global_policy("float32")
        _seeded_weights(theirs, ours)
        settings = dict(num_samples=4, sequence_length=SEQ, **kwargs)
        with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
            patch.setattr(k_awq_core, "stream_activations", _keras_hook_fixed)
            warnings.simplefilter("ignore")
            theirs.quantize("awq", config=keras.quantizers.AWQConfig(
                TOKENS, object(), quantization_layer_structure=k_structure, **settings))
            ours.quantize("awq", config=AWQConfig(TOKENS, object(), quantization_layer_structure=t_structure,
                                                  **settings))
        _PAIRS[key] = theirs, ours
    return _PAIRS[key]


@pytest.mark.parametrize("group_size,num_grid_points,policy", [
    (-1, 20, "float32"), (4, 6, "float32"), (5, 3, "float32"), (4, 5, "mixed_bfloat16")])
def test_model_quantize_as_keras(group_size, num_grid_points, policy):
    """Every variable and the output equal Keras's (hook fixed), under float32 and mixed_bfloat16."""
    theirs, ours = _quantize_pair(policy, group_size=group_size, num_grid_points=num_grid_points)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.weights, theirs.weights):
        assert _np(a).dtype == _np(b).dtype
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=b.path)
    policies = {layer.dtype_policy.name for block in ours.layers[1:] for layer in block.layers}
    assert policies == {f"awq/4/{group_size}_from_{policy}"}
    assert all(layer.is_awq_calibrated for block in ours.layers[1:] for layer in block.layers)
    assert any(float(layer.awq_scales.max()) > 1.0 for block in ours.layers[1:] for layer in block.layers)
    np.testing.assert_array_equal(_np(ours(torch.as_tensor(TOKENS))), _np(theirs(TOKENS)))


def test_stock_keras_records_no_magnitudes():
    """Documents the Keras 3.15 defect the comparisons above work around."""
    model, structure = calibration_model(keras, small=True)
    seen = []
    original = k_awq.AWQ.quantize_layer

    def spy(self, *args, **kwargs):
        seen.append(self.num_samples)
        return original(self, *args, **kwargs)

    k_awq.AWQ.quantize_layer = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.quantize("awq", config=keras.quantizers.AWQConfig(
                TOKENS, object(), num_samples=4, sequence_length=SEQ, quantization_layer_structure=structure))
    finally:
        k_awq.AWQ.quantize_layer = original
    assert seen == [0]
    np.testing.assert_array_equal(_np(model.layers[1].layers[0].awq_scales), np.ones(DIM, "float32"))


def test_filters_leave_layers_float():
    model, structure = calibration_model(keraton)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("awq", filters="einsum", config=AWQConfig(
            TOKENS, object(), num_samples=4, sequence_length=SEQ, group_size=-1,
            quantization_layer_structure=structure))
    first, second = model.layers[1], model.layers[2]
    assert [layer.dtype_policy.name for layer in first.layers] == ["float32", "float32"]
    assert [layer.dtype_policy.name for layer in second.layers] == ["awq/4/-1_from_float32"] * 2
    assert all(layer.is_awq_calibrated for layer in second.layers)


def test_layers_outside_the_blocks_warn_and_config_alone_calibrates():
    """``quantize(config=AWQConfig(...))`` calibrates too (Keras checks only ``mode``)."""
    model, structure = calibration_model(keraton, head=True)
    with pytest.warns(UserWarning, match="AWQ calibrated no inputs for layers"):
        model.quantize(config=AWQConfig(TOKENS, object(), num_samples=2, sequence_length=SEQ,
                                        quantization_layer_structure=structure))
    head = model.layers[-1]
    assert head.is_awq_calibrated is False and head.kernel.shape == (DIM, 5)
    assert all(layer.is_awq_calibrated for block in model.layers[1:3] for layer in block.layers)


def test_string_dataset_tokenized():
    class Chars:
        def tokenize(self, text):
            return np.array([ord(c) % VOCAB for c in text], dtype="int32")

    model, structure = calibration_model(keraton)
    model.quantize("awq", config=AWQConfig(["hello world", "awq on torch"], Chars(), num_samples=3,
                                           sequence_length=SEQ, group_size=-1,
                                           quantization_layer_structure=structure))
    assert all(layer.is_awq_calibrated for block in model.layers[1:] for layer in block.layers)


# ---------------------------------------------------------------------------- saving
def _drop_structures(model):
    # As in Keras, a structure holding the model's layers cannot be serialized: drop it before saving.
    for layer in model.layers[1:]:
        for sub in layer.layers:
            sub.quantization_config.quantization_layer_structure = None


def test_save_load_round_trip_and_keras_loads_keraton_file(tmp_path):
    theirs, ours = _quantize_pair(group_size=4, num_grid_points=6)
    _drop_structures(ours)
    path = str(tmp_path / "awq.keras")
    ours.save(path)
    expected = _np(ours(torch.as_tensor(TOKENS)))
    loaded = keraton.models.load_model(path)
    np.testing.assert_array_equal(_np(loaded(torch.as_tensor(TOKENS))), expected)
    dense = loaded.layers[1].layers[0]
    assert dense.dtype_policy.name == "awq/4/4_from_float32" and dense.is_awq_calibrated
    for a, b in zip(loaded.weights, ours.weights):
        np.testing.assert_array_equal(_np(a), _np(b))
    in_keras = keras.models.load_model(path)
    np.testing.assert_array_equal(_np(in_keras(TOKENS)), expected)
    for a, b in zip(in_keras.weights, theirs.weights):
        np.testing.assert_array_equal(_np(a), _np(b))


def test_keras_3_15_awq_file_is_refused_as_keras_refuses_it(tmp_path):
    """Keras 3.15.1 writes no ``kernel_zero`` for awq layers and cannot load its own file; neither can keraton."""
    theirs, _ = _quantize_pair(group_size=-1, num_grid_points=20)
    _drop_structures(theirs)
    path = str(tmp_path / "keras.keras")
    theirs.save(path)
    with pytest.raises(ValueError, match="expected 6 variables"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="expects 6 variables, but the file holds 5"):
        keraton.models.load_model(path)
