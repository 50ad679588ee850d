"""keraton.quantizers functions and AbsMaxQuantizer: values and gradients equal to real Keras 3's."""

import numpy as np
import pytest
import torch

from keraton import quantizers

keras = pytest.importorskip("keras")


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _data(shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape).astype("float32")


def test_abs_max_quantize_by_hand():
    q, scale = quantizers.abs_max_quantize(torch.tensor([[1.0, -2.0], [0.5, 0.25]]), axis=-1)
    assert q.dtype == torch.int8
    # scale = 127 / (max|x| + 1e-7): 63.5 for the first row, 254 for the second.
    assert q.tolist() == [[64, -127], [127, 63]]  # 0.25 * 253.99995 rounds down
    np.testing.assert_allclose(scale.numpy().ravel(), [127 / (2 + 1e-7), 127 / (0.5 + 1e-7)], rtol=1e-7)


@pytest.mark.parametrize("axis", [0, -1, (0, 2)])
@pytest.mark.parametrize("value_range,dtype", [((-127, 127), "int8"), ((-8, 7), "int8"), ((-100, 100), "int16")])
@pytest.mark.parametrize("to_numpy", [False, True])
def test_abs_max_quantize_matches_keras(axis, value_range, dtype, to_numpy):
    x = _data((3, 4, 5))
    q, s = quantizers.abs_max_quantize(torch.tensor(x), axis, value_range, dtype, to_numpy=to_numpy)
    kq, ks = keras.quantizers.abs_max_quantize(x, axis, value_range, dtype, to_numpy=to_numpy)
    np.testing.assert_array_equal(q.numpy(), _np(kq))
    np.testing.assert_array_equal(s.numpy(), _np(ks))
    assert str(q.numpy().dtype) == str(_np(kq).dtype)


@pytest.mark.parametrize("rows,block_size", [(8, 4), (7, 3), (5, 128)])
def test_grouped_with_zero_point_matches_keras(rows, block_size):
    x = _data((rows, 6), seed=rows)
    ours = quantizers.abs_max_quantize_grouped_with_zero_point(torch.tensor(x), block_size, to_numpy=True)
    theirs = keras.quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size, to_numpy=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), _np(b))
        assert str(a.numpy().dtype) == str(_np(b).dtype)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("shape", [(3, 2), (4, 5), (2, 3, 5)])
def test_pack_unpack_int4_match_keras(axis, shape):
    if axis >= len(shape):
        pytest.skip("axis out of range")
    x = np.random.default_rng(1).integers(-8, 8, size=shape).astype("int8")
    packed, packed_shape, n = quantizers.pack_int4(torch.tensor(x), axis=axis)
    kpacked, kshape, kn = keras.quantizers.pack_int4(x, axis=axis)
    np.testing.assert_array_equal(packed.numpy(), _np(kpacked))
    assert (packed_shape, n) == (tuple(kshape), kn)
    unpacked = quantizers.unpack_int4(packed, n, axis=axis)
    np.testing.assert_array_equal(unpacked.numpy(), x)
    np.testing.assert_array_equal(unpacked.numpy(), _np(keras.quantizers.unpack_int4(kpacked, kn, axis=axis)))


def test_pack_int4_docstring_values_and_errors():
    packed, _, _ = quantizers.pack_int4(torch.tensor([[-3, 7], [2, -8], [1, 0]], dtype=torch.int8))
    assert packed.tolist() == [[45, -121], [1, 0]]
    u = np.array([[3, 15], [0, 9]], "uint8")
    packed_u, _, n = quantizers.pack_int4(torch.tensor(u), dtype="uint8")
    np.testing.assert_array_equal(quantizers.unpack_int4(packed_u, n, dtype="uint8").numpy(), u)
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        quantizers.pack_int4(torch.zeros(2, dtype=torch.int8), dtype="int4")
    with pytest.raises(TypeError, match="Expected int8 tensor"):
        quantizers.pack_int4(torch.zeros(2))
    with pytest.raises(TypeError, match="int8 or uint8"):
        quantizers.unpack_int4(torch.zeros(2), 2)


@pytest.mark.parametrize("qdtype", ["float8_e4m3fn", "float8_e5m2"])
def test_quantize_and_dequantize_matches_keras(qdtype):
    x = _data((4, 6), scale=300.0)
    scale = np.float32(0.37)
    ours = quantizers.quantize_and_dequantize(torch.tensor(x), torch.tensor(scale), qdtype, "float32")
    theirs = keras.quantizers.quantize_and_dequantize(x, scale, qdtype, "float32")
    np.testing.assert_array_equal(ours.numpy(), _np(theirs))


@pytest.mark.parametrize("amax", [3.0, 0.0, float("inf")])
@pytest.mark.parametrize("margin", [0, 2])
def test_compute_float8_scale_matches_keras(amax, margin):
    args = (np.float32(amax), np.float32(0.5), np.float32(448.0))
    ours = quantizers.compute_float8_scale(*[torch.tensor(a) for a in args], margin=margin)
    np.testing.assert_array_equal(ours.numpy(), _np(keras.quantizers.compute_float8_scale(*args, margin=margin)))


def test_compute_float8_amax_history_matches_keras():
    x = _data((3, 4))
    history = np.arange(5, dtype="float32")
    ours = quantizers.compute_float8_amax_history(torch.tensor(x), torch.tensor(history))
    np.testing.assert_array_equal(ours.numpy(), _np(keras.quantizers.compute_float8_amax_history(x, history)))
    assert ours[0] == np.abs(x).max() and ours[1:].tolist() == [2.0, 3.0, 4.0, 0.0]


@pytest.mark.parametrize("num_bits,narrow_range", [(8, False), (4, True)])
@pytest.mark.parametrize("axis", [None, -1])
def test_fake_quant_values_and_gradients_match_keras(num_bits, narrow_range, axis):
    x = _data((5, 3), seed=3)
    if axis is None:
        low, high = np.float32(-1.1), np.float32(1.7)
    else:
        n = x.shape[axis]
        low = np.linspace(-1.5, -0.5, n).astype("float32")
        high = np.linspace(0.6, 2.0, n).astype("float32")
    results = []
    for fn in (quantizers.fake_quant_with_min_max_vars, keras.quantizers.fake_quant_with_min_max_vars):
        tensors = [torch.tensor(a, requires_grad=True) for a in (x, low, high)]
        out = fn(*tensors, num_bits=num_bits, narrow_range=narrow_range, axis=axis)
        out = out.value if hasattr(out, "value") else out
        weights = torch.arange(out.numel(), dtype=torch.float32).reshape(out.shape)
        grads = torch.autograd.grad((out * weights).sum(), tensors)
        results.append([out.detach().numpy()] + [g.numpy() for g in grads])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": (0, 1), "value_range": (-8, 7)},
                                    {"epsilon": 1e-3, "output_dtype": "int16", "value_range": (-500, 500)}])
def test_abs_max_quantizer_call_and_config_match_keras(kwargs):
    ours, theirs = quantizers.AbsMaxQuantizer(**kwargs), keras.quantizers.AbsMaxQuantizer(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert quantizers.serialize(ours) == keras.quantizers.serialize(theirs)
    x = _data((3, 4))
    for a, b in zip(ours(torch.tensor(x)), theirs(x)):
        np.testing.assert_array_equal(a.numpy(), _np(b))
    again = quantizers.deserialize(keras.quantizers.serialize(theirs))
    assert isinstance(again, quantizers.AbsMaxQuantizer) and again.get_config() == ours.get_config()


def test_abs_max_quantizer_checks_range():
    with pytest.raises(ValueError, match=r"within the interval \[-128, 127\]"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))


def test_get():
    assert quantizers.get(None) is None
    q = quantizers.AbsMaxQuantizer()
    assert quantizers.get(q) is q
    assert isinstance(quantizers.get(quantizers.serialize(q)), quantizers.AbsMaxQuantizer)
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        quantizers.get("no_such_quantizer")
    with pytest.raises(NotImplementedError):
        quantizers.Quantizer().get_config()
