"""Dense, EinsumDense and Embedding ``quantize``: weights, outputs, gradients and configs equal real Keras 3's."""

import numpy as np
import pytest
import torch

from keraton import backend, layers, quantizers

keras = pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _skip_keras_gc(monkeypatch):
    """Keras runs ``gc.collect()`` whenever ``quantize`` deletes a kernel (0.5 s each); not needed here."""
    import gc

    monkeypatch.setattr(gc, "collect", lambda *args, **kwargs: 0)

# (keraton/keras class name, constructor args, input shape)
DENSE = ("Dense", (6,), {}, (3, 4, 7))
EINSUM = [
    ("EinsumDense", ("abc,cd->abd", (None, 5)), {"bias_axes": "d"}, (2, 3, 6)),
    ("EinsumDense", ("abc,cde->abde", (None, 2, 4)), {"bias_axes": "de"}, (2, 3, 5)),
    ("EinsumDense", ("btd,ndh->btnh", (None, 2, 3)), {"bias_axes": "nh"}, (2, 3, 4)),
    ("EinsumDense", ("abc,dce->abde", (None, 2, 4)), {}, (2, 3, 5)),
]
EMBEDDING = ("Embedding", (9, 7), {}, (3, 4))
MODES = [("int8", None), ("int8", "weight_only"), ("int4", None), ("int4", -1), ("int4", 3), ("float8", None)]


def _configs(mode, option):
    if option is None:
        return None, None
    if option == "weight_only":
        return (quantizers.Int8QuantizationConfig(activation_quantizer=None),
                keras.quantizers.Int8QuantizationConfig(activation_quantizer=None))
    return (quantizers.Int4QuantizationConfig(block_size=option),
            keras.quantizers.Int4QuantizationConfig(block_size=option))


def _pair(spec, seed=0):
    name, args, kwargs, input_shape = spec
    ours = getattr(layers, name)(*args, name="q", **kwargs)
    theirs = getattr(keras.layers, name)(*args, name="q", **kwargs)
    build_shape = None if name == "Embedding" else input_shape
    ours.build(build_shape)
    theirs.build(build_shape)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=tuple(v.shape)).astype("float32") for v in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    if name == "Embedding":
        x = rng.integers(0, args[0], size=input_shape).astype("int32")
    else:
        x = rng.normal(size=input_shape).astype("float32")
    return ours, theirs, x


def _describe(layer):
    return [(v.name, backend.dtype_name(v.dtype) if isinstance(v.dtype, torch.dtype) else v.dtype,
             tuple(v.shape), bool(v.trainable)) for v in layer.weights]


def _cases():
    out = []
    for spec in [DENSE, *EINSUM, EMBEDDING]:
        for mode, option in MODES:
            if spec[0] == "Embedding" and (mode == "float8" or option == "weight_only"):
                continue
            out.append(pytest.param(spec, mode, option, id=f"{spec[0]}-{spec[1][0]}-{mode}-{option}"))
    return out


@pytest.mark.parametrize("spec,mode,option", _cases())
def test_quantize_matches_keras(spec, mode, option):
    ours, theirs, x = _pair(spec)
    ours_config, keras_config = _configs(mode, option)
    ours.quantize(mode, config=ours_config)
    theirs.quantize(mode, config=keras_config)
    assert ours.dtype_policy.name == theirs.dtype_policy.name
    assert type(ours.dtype_policy).__name__ == type(theirs.dtype_policy).__name__
    assert ours.quantization_mode == mode
    assert _describe(ours) == _describe(theirs)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert ours.get_config() == theirs.get_config()
    # The forward, and the straight-through gradient of the inputs (floating inputs only).
    grad = spec[0] != "Embedding"
    xs = [torch.tensor(x, requires_grad=grad) for _ in range(2)]
    outs = [ours(xs[0]), theirs(xs[1])]
    np.testing.assert_array_equal(outs[0].detach().numpy(), keras.ops.convert_to_numpy(outs[1]))
    if grad:
        try:
            expected = torch.autograd.grad((outs[1] ** 2).sum(), xs[1])[0]
        except RuntimeError:
            pytest.skip("Keras's own gradient fails for this equation")
        got = torch.autograd.grad((outs[0] ** 2).sum(), xs[0])[0]
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("spec", [DENSE, EINSUM[0]])
def test_float8_training_gradients_match_keras(spec):
    ours, theirs, x = _pair(spec, seed=1)
    ours.quantize("float8")
    theirs.quantize("float8")
    results = []
    for layer in (ours, theirs):
        xt = torch.tensor(x, requires_grad=True)
        out = layer(xt, training=True)
        out = out.value if hasattr(out, "value") else out
        variables = [getattr(v, "value", v) for v in layer.trainable_weights]
        results.append(torch.autograd.grad((out ** 2).sum(), [xt, *variables]))
    assert [v.name for v in ours.trainable_weights] == [v.name for v in theirs.trainable_weights]
    for a, b in zip(*results):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # The scale's "gradient" is its next value: 1 / (448 / amax) with amax 0 keeps the old scale.
    assert results[0][3].item() == 1.0 and results[0][4][0].item() == np.abs(x).max()


@pytest.mark.parametrize("dtype", ["int8_from_float32", "int4_from_float32", "int4/2_from_float32",
                                   "float8_from_float32"])
@pytest.mark.parametrize("spec", [DENSE, EINSUM[1], EMBEDDING], ids=["dense", "einsum", "embedding"])
def test_layer_built_with_quantized_dtype_matches_keras(spec, dtype):
    name, args, kwargs, input_shape = spec
    if name == "Embedding" and dtype.startswith("float8"):
        pytest.skip("Embedding has no float8 mode")
    ours = getattr(layers, name)(*args, dtype=dtype, name="q", **kwargs)
    theirs = getattr(keras.layers, name)(*args, dtype=dtype, name="q", **kwargs)
    build_shape = None if name == "Embedding" else input_shape
    ours.build(build_shape)
    theirs.build(build_shape)
    assert _describe(ours) == _describe(theirs)
    for v, a, b in zip(ours.weights, ours.get_weights(), theirs.get_weights()):
        if v.name != "kernel" or not dtype.startswith("float8"):  # a float8 kernel starts random
            np.testing.assert_array_equal(a, b)
    assert ours.get_config() == theirs.get_config()
    again = type(ours).from_config(theirs.get_config())
    assert again.dtype_policy == ours.dtype_policy


def test_quantize_errors_as_keras():
    for lib in (layers, keras.layers):
        with pytest.raises(ValueError, match="isn't yet built"):
            lib.Dense(2).quantize("int8")
        layer = lib.Dense(2)
        layer.build((None, 3))
        with pytest.raises(ValueError, match="Invalid quantization mode"):
            layer.quantize("int3")
        layer.quantize("int8")
        with pytest.raises(ValueError, match="already quantized with dtype_policy='int8_from_float32'"):
            layer.quantize("int4")
        embedding = lib.Embedding(4, 3)
        embedding.build()
        with pytest.raises(NotImplementedError, match="Invalid quantization mode"):
            embedding.quantize("float8")
        half = lib.Dense(2, dtype="float16")
        half.build((None, 3))
        with pytest.raises(ValueError, match="compute_dtype='float16'"):
            half.quantize("int8")


def test_subclass_is_refused_unless_type_check_is_off():
    class MyDense(layers.Dense):
        pass

    layer = MyDense(2)
    layer.build((None, 3))
    with pytest.raises(NotImplementedError, match="does not have a `quantize` method"):
        layer.quantize("int8")
    layer.quantize("int8", type_check=False)
    assert layer.kernel.dtype == torch.int8


def test_int8_forward_by_hand():
    layer = layers.Dense(2, use_bias=False)
    layer.build((None, 2))
    layer.set_weights([np.array([[1.0, -0.5], [0.5, 0.25]], "float32")])
    layer.quantize("int8")
    eps = backend.epsilon()
    kernel_scale = np.float32(127) / (np.array([1.0, 0.5], "float32") + np.float32(eps))
    np.testing.assert_array_equal(layer.kernel_scale.detach().numpy(), kernel_scale)
    # 0.5 * 126.99998 and 0.25 * 253.99995 both round down to 63.
    assert layer.kernel.tolist() == [[127, -127], [63, 63]]
    x = torch.tensor([[2.0, -1.0]])
    x_scale = np.float32(127) / np.float32(2.0 + eps)
    x_q = np.round(np.array([2.0, -1.0], "float32") * x_scale)  # [127, -64]
    expected = (x_q @ np.array([[127, -127], [63, 63]], "float32")) / (kernel_scale * x_scale)
    np.testing.assert_allclose(layer(x).detach().numpy()[0], expected, rtol=1e-6)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
@pytest.mark.parametrize("spec", [DENSE, EINSUM[0], EMBEDDING], ids=["dense", "einsum", "embedding"])
def test_mixed_bfloat16_source_matches_keras(spec, mode):
    if spec[0] == "Embedding" and mode == "float8":
        pytest.skip("Embedding has no float8 mode")
    name, args, kwargs, input_shape = spec
    spec = (name, args, {**kwargs, "dtype": "mixed_bfloat16"}, input_shape)
    ours, theirs, x = _pair(spec, seed=4)
    ours.quantize(mode)
    theirs.quantize(mode)
    assert ours.dtype_policy.name == theirs.dtype_policy.name == f"{mode}{'/128' * (mode == 'int4')}_from_mixed_bfloat16"
    got, expected = ours(torch.tensor(x)), theirs(x)
    assert got.dtype == expected.dtype == torch.bfloat16
    np.testing.assert_array_equal(got.detach().float().numpy(), expected.detach().float().numpy())
