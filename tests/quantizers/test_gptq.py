"""GPTQ quantization (maths, layers, ``model.quantize("gptq")``, saving) against Keras 3.15.

Keras 3.15's ``stream_hessians`` wraps ``layer.call``, but a quantized layer
is run through ``quantized_call``, so stock Keras records no Hessian at all
and its "GPTQ" reduces to round-to-nearest (:func:`test_stock_keras_records_no_hessian`).
keraton records the inputs; its model-level results are compared with Keras
run with the hook placed on ``quantized_call`` (:func:`_keras_hook_fixed`),
every other step being Keras's own code.
"""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from calibration_models import DIM, SEQ, TOKENS, VOCAB, calibration_model, to_numpy

import keraton
from keraton.quantizers import gptq as kt_gptq
from keraton.quantizers.gptq_config import GPTQConfig

keras = pytest.importorskip("keras")
from keras.src.quantizers import gptq as k_gptq  # noqa: E402
from keras.src.quantizers import gptq_core as k_gptq_core  # noqa: E402
from keras.src.quantizers import quantizers as k_quantizers  # noqa: E402


def _np(x):
    return to_numpy(x, keras)


# ---------------------------------------------------------------------------- maths
@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("per_channel,group_size", [(True, -1), (True, 5), (False, -1)])
def test_quantization_parameters_as_keras(bits, symmetric, per_channel, group_size):
    x = np.random.default_rng(1).standard_normal((6, 12)).astype("float32")
    x[0] = 0.5  # an empty range
    kwargs = dict(bits=bits, symmetric=symmetric, per_channel=per_channel, group_size=group_size)
    theirs = k_quantizers.compute_quantization_parameters(torch.tensor(x), **kwargs)
    ours = kt_gptq.compute_quantization_parameters(torch.tensor(x), **kwargs)
    np.testing.assert_array_equal(_np(ours[0]), _np(theirs[0]))
    np.testing.assert_array_equal(_np(ours[1]), _np(theirs[1]))
    assert _np(ours[1]).dtype == np.uint8
    assert float(ours[2]) == float(theirs[2]) == 2 ** bits - 1


@pytest.mark.parametrize("blocksize,group_size", [(4, 2), (4, 4), (13, -1), (13, 3)])
@pytest.mark.parametrize("activation_order", [False, True])
def test_gptq_quantize_matrix_as_keras(blocksize, group_size, activation_order):
    """The error feedback inside and across blocks (13 columns in blocks of 4), groups within blocks."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((7, 13)).astype("float32")
    x = rng.standard_normal((50, 13)).astype("float32")
    hessian = x.T @ x / 25 + 0.1 * np.eye(13, dtype="float32")
    inverse = np.linalg.inv(hessian).astype("float32")
    results = []
    for module, params in ((k_gptq, k_quantizers.compute_quantization_parameters),
                           (kt_gptq, kt_gptq.compute_quantization_parameters)):
        results.append(module.gptq_quantize_matrix(
            torch.tensor(w), torch.tensor(inverse), blocksize=blocksize, group_size=group_size,
            activation_order=activation_order, order_metric=torch.tensor(np.diag(hessian).copy()),
            compute_scale_zero=lambda m, p=params: p(m, bits=3, per_channel=True, group_size=group_size)))
    for theirs, ours in zip(*results):
        np.testing.assert_array_equal(_np(ours), _np(theirs))


@pytest.mark.parametrize("group_size", [-1, 96])
def test_groups_crossing_blocks_keep_one_scale(group_size):
    """Keras 3.15 fails here (a second scale for a group crossing column 128); keraton quantizes."""
    layer = keraton.layers.Dense(4)
    layer.build((None, 200))
    kernel = layer.kernel.detach().clone()
    config = GPTQConfig(None, None, group_size=group_size, weight_bits=8)
    layer.quantize("gptq", config=config)
    obj = kt_gptq.GPTQ(layer, config)
    obj.update_hessian_with_batch(torch.randn(300, 200))
    obj.quantize_and_correct_layer()
    assert tuple(layer.kernel_scale.shape) == (4, 1 if group_size == -1 else 3)
    dequantized = layer._gptq_float_kernel((200, 4))
    # 8 bits with error feedback: close to the float kernel, within a few quantization steps.
    assert float((dequantized - kernel).abs().max()) < 8 * float(layer.kernel_scale.max())
    x = torch.randn(5, 200)
    assert float((layer(x) - x @ kernel).abs().max()) < 0.1 * float((x @ kernel).abs().max())


@pytest.mark.parametrize("case", ["dense", "qkv", "attn_out"])
@pytest.mark.parametrize("bits,group_size,symmetric,activation_order", [(4, -1, False, False), (3, 4, True, True)])
def test_gptq_layer_as_keras(case, bits, group_size, symmetric, activation_order):
    """``GPTQ(layer)``: the streamed Hessian and the quantized variables equal Keras's, bit for bit."""
    def make(lib):
        if case == "dense":
            layer, shape = lib.layers.Dense(9), (None, 3, 8)
        elif case == "qkv":
            layer, shape = lib.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), (
                None, 3, 8)
        else:
            layer, shape = lib.layers.EinsumDense("abde,def->abf", output_shape=(None, 8)), (None, 3, 2, 3)
        layer.build(shape)
        return layer, shape

    theirs, shape = make(keras)
    ours, _ = make(keraton)
    ours.set_weights(theirs.get_weights())
    kwargs = dict(weight_bits=bits, group_size=group_size, symmetric=symmetric, activation_order=activation_order)
    k_config, t_config = keras.quantizers.GPTQConfig(None, None, **kwargs), GPTQConfig(None, None, **kwargs)
    theirs.quantize("gptq", config=k_config)
    ours.quantize("gptq", config=t_config)
    k_obj, t_obj = k_gptq.GPTQ(theirs, k_config), kt_gptq.GPTQ(ours, t_config)
    rng = np.random.default_rng(2)
    for _ in range(3):
        batch = torch.tensor(rng.standard_normal((2,) + shape[1:]).astype("float32"))
        k_obj.update_hessian_with_batch(keras.ops.reshape(batch, (-1, k_obj.rows)))
        t_obj.update_hessian_with_batch(batch.reshape(-1, t_obj.rows))
    np.testing.assert_array_equal(_np(t_obj.hessian), _np(k_obj.hessian))
    k_obj.quantize_and_correct_layer()
    t_obj.quantize_and_correct_layer()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.weights, theirs.weights):
        np.testing.assert_array_equal(_np(a), _np(b))
    x = rng.standard_normal((2,) + shape[1:]).astype("float32")
    np.testing.assert_allclose(_np(ours(torch.tensor(x))), _np(theirs(x)), rtol=1e-5, atol=1e-6)


def test_hessian_errors_as_keras():
    layer = keraton.layers.Dense(3)
    layer.build((None, 4))
    obj = kt_gptq.GPTQ(layer, GPTQConfig(None, None))
    with pytest.raises(ValueError, match="rank >= 2"):
        obj.update_hessian_with_batch(torch.ones(4))
    with pytest.raises(ValueError, match=r"Hessian dimensions \(4\) do not match input features \(5\)"):
        obj.update_hessian_with_batch(torch.ones(2, 5))
    with pytest.raises(TypeError, match="Unsupported layer type for GPTQ"):
        kt_gptq.GPTQ(keraton.layers.Embedding(3, 2), GPTQConfig(None, None))


# ---------------------------------------------------------------------------- model level
@contextmanager
def _keras_hook_fixed(layers_map, gptq_objects):
    """Keras's ``stream_hessians`` with the hook on ``quantized_call``, the method Keras really runs."""
    for name, layer in layers_map.items():
        def hook(*args, _name=name, _call=layer.quantized_call, **kwargs):
            inputs = args[0] if args else kwargs["inputs"]
            obj = gptq_objects[_name]
            obj.update_hessian_with_batch(keras.ops.reshape(inputs, (-1, obj.rows)))
            return _call(*args, **kwargs)
        layer.quantized_call = hook
    try:
        yield
    finally:
        for layer in layers_map.values():
            del layer.quantized_call


_PAIRS = {}


def _quantize_pair(**kwargs):
    """The same model quantized by Keras (hook fixed) and by keraton; cached, Keras's GPTQ being slow."""
    key = tuple(sorted(kwargs.items()))
    if key not in _PAIRS:
        _PAIRS[key] = _quantize_new_pair(**kwargs)
    return _PAIRS[key]


def _quantize_new_pair(**kwargs):
    theirs, k_structure = calibration_model(keras)
    ours, t_structure = calibration_model(keraton)
    ours.set_weights(theirs.get_weights())
    settings = dict(num_samples=4, sequence_length=SEQ, **kwargs)
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setattr(k_gptq_core, "stream_hessians", _keras_hook_fixed)
        warnings.simplefilter("ignore")
        theirs.quantize("gptq", config=keras.quantizers.GPTQConfig(
            TOKENS, object(), quantization_layer_structure=k_structure, **settings))
        ours.quantize("gptq", config=GPTQConfig(TOKENS, object(), quantization_layer_structure=t_structure,
                                                **settings))
    return theirs, ours


@pytest.mark.parametrize("bits,group_size,symmetric,activation_order", [
    (4, -1, False, False), (8, 4, True, True), (2, 3, False, True)])
def test_model_quantize_as_keras(bits, group_size, symmetric, activation_order):
    theirs, ours = _quantize_pair(weight_bits=bits, group_size=group_size, symmetric=symmetric,
                                  activation_order=activation_order)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.weights, theirs.weights):
        assert _np(a).dtype == _np(b).dtype
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=b.path)
    policies = {layer.dtype_policy.name for block in ours.layers[1:] for layer in block.layers}
    assert policies == {f"gptq/{bits}/{group_size}_from_float32"}
    assert all(layer.is_gptq_calibrated for block in ours.layers[1:] for layer in block.layers)
    np.testing.assert_array_equal(_np(ours(torch.as_tensor(TOKENS))), _np(theirs(TOKENS)))


def test_stock_keras_records_no_hessian():
    """Documents the Keras 3.15 defect the comparisons above work around."""
    model, structure = calibration_model(keras, small=True)
    seen = []
    original = k_gptq.GPTQ.quantize_and_correct_layer

    def spy(self, *args, **kwargs):
        seen.append(self.num_samples)
        return original(self, *args, **kwargs)

    k_gptq.GPTQ.quantize_and_correct_layer = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.quantize("gptq", config=keras.quantizers.GPTQConfig(
                TOKENS, object(), num_samples=4, sequence_length=SEQ, quantization_layer_structure=structure))
    finally:
        k_gptq.GPTQ.quantize_and_correct_layer = original
    assert seen == [0]


def test_filters_leave_layers_float():
    model, structure = calibration_model(keraton)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("gptq", filters="einsum", config=GPTQConfig(
            TOKENS, object(), num_samples=4, sequence_length=SEQ, group_size=-1,
            quantization_layer_structure=structure))
    first, second = model.layers[1], model.layers[2]
    assert [layer.dtype_policy.name for layer in first.layers] == ["float32", "float32"]
    assert [layer.dtype_policy.name for layer in second.layers] == ["gptq/4/-1_from_float32"] * 2
    assert all(layer.is_gptq_calibrated for layer in second.layers)


def test_layers_outside_the_blocks_warn():
    model, structure = calibration_model(keraton, head=True)
    with pytest.warns(UserWarning, match="GPTQ calibrated no inputs for layers"):
        model.quantize("gptq", config=GPTQConfig(TOKENS, object(), num_samples=2, sequence_length=SEQ,
                                                 quantization_layer_structure=structure))
    head = model.layers[-1]
    assert head.is_gptq_calibrated is False and head.kernel.shape == (DIM, 5)


def test_config_mode_alone_runs_gptq():
    """keraton calibrates for ``quantize(config=GPTQConfig(...))`` too (Keras checks only ``mode``)."""
    model, structure = calibration_model(keraton)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(config=GPTQConfig(TOKENS, object(), num_samples=2, sequence_length=SEQ,
                                         quantization_layer_structure=structure))
    assert all(layer.is_gptq_calibrated for block in model.layers[1:] for layer in block.layers)


def test_string_dataset_tokenized():
    """Strings go through ``tokenizer.tokenize`` (keraton's windows equal Keras's get_dataloader's)."""
    class Chars:
        def tokenize(self, text):
            return np.array([ord(c) % VOCAB for c in text], dtype="int32")

    from keraton.quantizers import gptq_core

    texts = ["hello world", "gptq on torch", "abc"]
    for strategy in ("strided", "linspace", "random"):
        ours = gptq_core.get_dataloader(Chars(), 5, texts, num_samples=4, strategy=strategy, eos_id=0)
        theirs = k_gptq_core.get_dataloader(Chars(), 5, texts, num_samples=4, strategy=strategy, eos_id=0)
        np.testing.assert_array_equal(ours, theirs)
        assert ours.shape == (4, 1, 5) and ours.dtype == np.int32


# ---------------------------------------------------------------------------- saving
def test_save_load_round_trip_and_keras_loads_keraton_file(tmp_path):
    theirs, ours = _quantize_pair(weight_bits=2, group_size=3, symmetric=False, activation_order=True)
    # As in Keras, a structure holding the model's layers cannot be serialized: drop it before saving.
    for layer in ours.layers[1:]:
        for sub in layer.layers:
            sub.quantization_config.quantization_layer_structure = None
    path = str(tmp_path / "gptq.keras")
    ours.save(path)
    expected = _np(ours(torch.as_tensor(TOKENS)))
    loaded = keraton.models.load_model(path)
    np.testing.assert_array_equal(_np(loaded(torch.as_tensor(TOKENS))), expected)
    dense = loaded.layers[1].layers[0]
    assert dense.dtype_policy.name == "gptq/2/3_from_float32" and dense.is_gptq_calibrated
    assert loaded.layers[2].layers[0].get_config()["gptq_unpacked_column_size"] == 8
    in_keras = keras.models.load_model(path)
    np.testing.assert_array_equal(_np(in_keras(TOKENS)), expected)


def test_keras_3_15_gptq_file_is_refused_as_keras_refuses_it(tmp_path):
    """Keras 3.15.1 writes no ``kernel_zero`` for gptq layers and cannot load its own file; neither can keraton."""
    theirs, _ = _quantize_pair(weight_bits=4, group_size=-1, symmetric=False, activation_order=False)
    for layer in theirs.layers[1:]:
        for sub in layer.layers:
            sub.quantization_config.quantization_layer_structure = None
    path = str(tmp_path / "keras.keras")
    theirs.save(path)
    with pytest.raises(ValueError, match="expected 5 variables"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="expects 5 variables, but the file holds 4"):
        keraton.models.load_model(path)
