"""keraton.ops core ops (control flow, conversions, math, FFT, indexing) against Keras 3 on torch."""

import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree

import keraton
from keraton import ops

keras = pytest.importorskip("keras")
kops = keras.ops

RNG = np.random.default_rng(0)
F32 = RNG.normal(size=(3, 4)).astype("float32")
INPUTS = {
    "float32": F32,
    "float64": F32.astype("float64"),
    "float16": F32.astype("float16"),
    "int32": np.arange(-6, 6, dtype="int32").reshape(3, 4),
    "int64": np.arange(12).reshape(3, 4),
    "bool": F32 > 0,
}
SIGNAL = RNG.normal(size=(2, 3, 40)).astype("float32")
IMAGES = RNG.normal(size=(2, 6, 4, 3)).astype("float32")


def _name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-6, atol=1e-6):
    """Same structure, dtypes (Keras names) and values."""
    our_leaves, our_spec = pytree.tree_flatten(ours)
    their_leaves, their_spec = pytree.tree_flatten(theirs)
    assert len(our_leaves) == len(their_leaves), (our_spec, their_spec)
    for mine, ref in zip(our_leaves, their_leaves):
        if not hasattr(ref, "dtype"):
            assert mine == ref
            continue
        assert isinstance(mine, torch.Tensor)
        assert _name(mine.dtype) == keras.backend.standardize_dtype(ref.dtype)
        assert tuple(mine.shape) == tuple(ref.shape)
        np.testing.assert_allclose(ops.convert_to_numpy(mine), kops.convert_to_numpy(ref),
                                   rtol=rtol, atol=atol)


def check(name, *args, rtol=1e-6, atol=1e-6, **kwargs):
    assert_same(getattr(ops, name)(*args, **kwargs), getattr(kops, name)(*args, **kwargs),
                rtol=rtol, atol=atol)


# --- elementwise math and casts, over dtypes -------------------------------------------------

@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize("name", ["erf", "erfc", "rsqrt", "logsumexp", "stop_gradient"])
def test_unary_ops_over_dtypes(name, dtype):
    check(name, torch.as_tensor(INPUTS[dtype]), rtol=2e-3 if dtype == "float16" else 1e-6)


@pytest.mark.parametrize("dtype", list(INPUTS))
def test_erfinv_over_dtypes(dtype):
    x = INPUTS[dtype] if dtype == "bool" else INPUTS[dtype] / 20
    check("erfinv", x, rtol=2e-3 if dtype == "float16" else 1e-6)


@pytest.mark.parametrize("value", [3, 2.5, True, [1.0, 2.0], [1, 2]])
@pytest.mark.parametrize("name", ["erf", "rsqrt", "logsumexp", "convert_to_tensor"])
def test_python_scalars_and_lists(name, value):
    check(name, value)


@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize("target", ["int8", "uint8", "int32", "float16", "float64", "bool"])
def test_cast(dtype, target):
    check("cast", INPUTS[dtype], target)


@pytest.mark.parametrize("value, target", [
    ([1, 2], "float16"), (1.5, "int32"), (True, "float32"), (F32, None), (F32, int),
    (F32, "int"), (F32, bool), (F32, np.float16), (F32, torch.float64), (F32, "bfloat16"),
])
def test_cast_python_values(value, target):
    check("cast", value, target, rtol=1e-2 if target == "bfloat16" else 1e-6)
    if isinstance(value, np.ndarray):  # Keras's saturate_cast needs an array
        check("saturate_cast", value, target, rtol=1e-2 if target == "bfloat16" else 1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Keras's own overflow warnings
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("target", ["uint8", "int8", "float16", "bool"])
def test_saturate_cast(dtype, target):
    x = INPUTS[dtype] if dtype == "bool" else INPUTS[dtype] * 100
    check("saturate_cast", x, target)


def test_saturate_cast_clips_inf_and_wide_ranges():
    x = np.array([-np.inf, np.inf, 1e30, -1.5], dtype="float32")
    check("saturate_cast", x, "float16")
    # Keras's torch backend overflows here (it returns -2**31 for 1e10); we saturate.
    out = ops.saturate_cast(np.array([-1e10, 1e10, 7.9], dtype="float32"), "int32")
    np.testing.assert_array_equal(out.numpy(), [-2**31, 2**31 - 128, 7])
    assert out.dtype == torch.int32


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, True), (-1, False), ((0, 1), True)])
def test_logsumexp_axes(axis, keepdims):
    check("logsumexp", INPUTS["float64"], axis=axis, keepdims=keepdims)


def test_dtype_shape_is_tensor_convert_to_numpy():
    t = torch.ones(2, 3, dtype=torch.bfloat16)
    assert ops.dtype(t) == kops.dtype(t) == "bfloat16"
    assert ops.dtype(INPUTS["float16"]) == "float16"
    assert ops.shape(t) == kops.shape(t) == (2, 3)
    assert all(type(d) is int for d in ops.shape(t))
    assert ops.is_tensor(t) and not ops.is_tensor(INPUTS["int32"])
    for value in (t, [torch.ones(2), torch.zeros(2)], torch.ones(2, requires_grad=True)):
        mine, ref = ops.convert_to_numpy(value), kops.convert_to_numpy(value)
        assert isinstance(mine, np.ndarray) and mine.dtype == ref.dtype
        np.testing.assert_array_equal(mine.astype("float32"), ref.astype("float32"))
    with pytest.raises(TypeError, match="dtype"):
        ops.dtype(3)


# --- reductions, top_k, distances, segments --------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "float16"])
def test_top_k(dtype):
    check("top_k", INPUTS[dtype], 2)
    values, indices = ops.top_k(INPUTS[dtype], 3, sorted=False)
    ref_values, _ = kops.top_k(INPUTS[dtype], 3, sorted=False)
    np.testing.assert_array_equal(np.sort(values.numpy(), -1), np.sort(ref_values.numpy(), -1))
    assert indices.dtype == torch.int64
    with pytest.raises(ValueError, match="k"):
        ops.top_k(INPUTS[dtype], 5)


@pytest.mark.parametrize("targets, predictions, k", [
    ([1, 0, 2], F32[:, :3], 2),
    ([1, 0], [[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]], 1),  # ties count as in
])
def test_in_top_k(targets, predictions, k):
    check("in_top_k", np.array(targets), np.array(predictions, dtype="float32"), k)


@pytest.mark.parametrize("x, y", [
    (INPUTS["float32"], INPUTS["float32"]),
    (INPUTS["int32"], INPUTS["int32"]),
    (INPUTS["int32"], INPUTS["float16"]),
    (INPUTS["float16"], INPUTS["float64"]),
    (RNG.normal(size=(5, 1, 2, 3)), RNG.normal(size=(6, 4, 3))),
])
def test_cdist(x, y):
    check("cdist", x, y, rtol=2e-3 if x.dtype == "float16" or y.dtype == "float16" else 1e-6)


@pytest.mark.parametrize("name", ["segment_sum", "segment_max", "segment_min", "segment_prod"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("ids, num_segments", [([0, 0, 2], None), ([1, -1, 1], 4), ([2, 0, 5], 3)])
def test_segment_ops(name, dtype, ids, num_segments):
    if "int" in dtype and name in ("segment_max", "segment_min"):
        # Keras's torch backend fills empty int segments with a float +-inf cast to int (an
        # overflow); compare only the non-empty segments and check our fill separately.
        mine = ops.__dict__[name](INPUTS[dtype], np.array(ids), num_segments=num_segments)
        ref = kops.__dict__[name](INPUTS[dtype], np.array(ids), num_segments=num_segments)
        used = [i for i in range(mine.shape[0]) if i in ids]
        assert mine.dtype == ref.dtype
        np.testing.assert_array_equal(mine.numpy()[used], ref.numpy()[used])
        info = np.iinfo(dtype)
        fill = info.min if name == "segment_max" else info.max
        assert all((mine.numpy()[i] == fill).all() for i in range(mine.shape[0]) if i not in ids)
        return
    check(name, INPUTS[dtype], np.array(ids), num_segments=num_segments)


def test_segment_errors():
    with pytest.raises(ValueError, match="1-D"):
        ops.segment_sum(F32, np.array([[0], [1], [2]]))
    with pytest.raises(ValueError, match="leading dimension"):
        ops.segment_sum(F32, np.array([0, 1]))


@pytest.mark.parametrize("dtype", ["float32", "int64", "float16"])
def test_extract_sequences(dtype):
    check("extract_sequences", INPUTS[dtype], 2, 1)
    check("extract_sequences", np.arange(10), 3, 2)
    with pytest.raises(ValueError, match="sequence_length"):
        ops.extract_sequences(np.arange(5), 8, 1)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_logdet_and_unstack(dtype):
    if dtype != "int32":
        spd = (F32 @ F32.T + 3 * np.eye(3)).astype(dtype)
        check("logdet", spd, rtol=1e-5)
    else:
        with pytest.raises(TypeError, match="float"):
            ops.logdet(np.eye(3, dtype=dtype))
    x = torch.as_tensor(INPUTS[dtype])
    mine, ref = ops.unstack(x, axis=1), kops.unstack(x, axis=1)
    assert isinstance(mine, list) and len(mine) == len(ref) == 4
    assert_same(list(mine), list(ref))
    with pytest.raises(ValueError, match="num"):
        ops.unstack(x, num=5)


# --- FFT family --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["fft", "fft2", "ifft2", "irfft"])
def test_complex_pair_ffts(name, dtype):
    x = INPUTS[dtype]
    check(name, (x, 2 * x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("fft_length", [None, 6, 3])
def test_rfft_irfft(dtype, fft_length):
    check("rfft", INPUTS[dtype], fft_length, rtol=1e-5, atol=1e-5)
    spectrum = (INPUTS["float32"], INPUTS["float32"][::-1].copy())
    check("irfft", spectrum, fft_length, rtol=1e-5, atol=1e-5)


def test_fft_bad_inputs():
    with pytest.raises(ValueError, match="pair"):
        ops.fft(F32)
    with pytest.raises(ValueError, match="float"):
        ops.fft((INPUTS["int32"], INPUTS["int32"]))
    with pytest.raises(ValueError, match="same shape"):
        ops.fft((F32, F32[:2]))


WINDOWS = ["hann", "hamming", None, np.linspace(0.1, 1, 8, dtype="float32")]


@pytest.mark.parametrize("window", WINDOWS, ids=["hann", "hamming", "none", "array"])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("lengths", [(8, 4, 8), (8, 4, 16), (8, 3, 10)])
def test_stft_istft(lengths, window, center):
    check("stft", SIGNAL, *lengths, window=window, center=center, rtol=1e-5, atol=1e-5)
    spectrum = tuple(t.numpy() for t in kops.stft(SIGNAL, *lengths, window=window,
                                                  center=center))
    for length in (None, 30):
        check("istft", spectrum, *lengths, length=length, window=window, center=center,
              rtol=1e-4, atol=1e-5)


def test_stft_errors_and_roundtrip():
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.stft(SIGNAL.astype("int32"), 8, 4, 8)
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(SIGNAL, 8, 4, 4)
    with pytest.raises(ValueError, match="sequence_stride"):
        ops.stft(SIGNAL, 8, 0, 8)
    with pytest.raises(ValueError, match="window"):
        ops.stft(SIGNAL, 8, 4, 8, window="blackman")
    x = SIGNAL[0, 0].astype("float64")
    restored = ops.istft(ops.stft(x, 8, 2, 8), 8, 2, 8, length=40)
    np.testing.assert_allclose(restored.numpy(), x, atol=1e-10)


def test_view_as_complex_and_real():
    check("view_as_complex", F32[:, :2])
    check("view_as_complex", INPUTS["float64"][:, :2])  # Keras gives complex64 here too
    z = (F32[:, :2] + 1j * F32[:, 2:]).astype("complex64")
    check("view_as_real", z)
    check("view_as_real", z.astype("complex128"))
    with pytest.raises(ValueError, match="size 2"):
        ops.view_as_complex(F32)


# --- indexing ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(INPUTS))
def test_slice_and_slice_update(dtype):
    x = INPUTS[dtype]
    check("slice", x, [1, 1], [2, 2])
    check("slice", x, torch.tensor([0, 1]), (2, 2))
    check("slice_update", x, [1, 1], np.ones((2, 2), dtype="float32"))
    check("slice_update", x, torch.tensor([0, 2]), x[:, :2].copy())


def test_slice_minus_one_takes_the_rest():
    # Keras documents -1 as "the rest of the axis" (its shape inference does so); Keras's
    # torch backend returns an empty slice there instead.
    out = ops.slice(np.arange(10).reshape(2, 5), [0, 2], [1, -1])
    np.testing.assert_array_equal(out.numpy(), [[2, 3, 4]])
    with pytest.raises(ValueError, match="one entry per axis"):
        ops.slice(F32, [0], [1, 1])


@pytest.mark.parametrize("indices, values, shape", [
    ([[0], [0], [2]], [1.0, 2.0, 3.0], (4,)),
    ([[0, 1], [1, 0], [0, 1]], [5, 6, 7], (2, 2)),
    ([[1]], np.ones((1, 3), dtype="float16"), (2, 3)),
    (np.array([[[0, 1]], [[1, 1]]]), np.array([[[1.0, 2.0]], [[3.0, 4.0]]]), (2, 2, 2)),
])
def test_scatter(indices, values, shape):
    check("scatter", indices, values, shape)


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul", "MAX"])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_scatter_update(reduction, dtype):
    x = INPUTS[dtype]
    check("scatter_update", x, [[0], [2], [0]] if reduction else [[0], [2]],
          (x[:3] * 2) if reduction else x[:2] * 2, reduction=reduction)
    check("scatter_update", x, [[0, 1], [2, 3]], np.array([5, 6]), reduction=reduction)


def test_scatter_update_bad_reduction():
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(F32, [[0, 0]], [1.0], reduction="mean")


PATTERNS = [
    ("b h w c -> b c h w", {}),
    ("b h w c -> (b h) w c", {}),
    ("b h w c -> h (b w) c", {}),
    ("b h w c -> b (c h w)", {}),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2}),
    ("b (h h1) w c->b h w c h1", {"h": 3, "h1": 2}),
]


@pytest.mark.parametrize("pattern, lengths", PATTERNS)
def test_rearrange(pattern, lengths):
    check("rearrange", IMAGES, pattern, **lengths)


@pytest.mark.parametrize("pattern, lengths, match", [
    ("b h w -> b w h", {}, "names 3 axes"),
    ("b h w c -> b h w", {}, "same axes"),
    ("b (h h1) w c -> b h w c h1", {}, "infer"),
    ("b (h h1) w c -> b h w c h1", {"h1": 4}, "split"),
    ("b h w c -> b h w c 1", {}, "same axes|invalid|unsupported"),
    ("b h w c", {}, "->"),
])
def test_rearrange_errors(pattern, lengths, match):
    with pytest.raises(ValueError, match=match):
        ops.rearrange(IMAGES, pattern, **lengths)


# --- control flow ----------------------------------------------------------------------------

def test_cond_switch_while_fori():
    check("cond", torch.tensor(False), lambda: torch.ones(1), lambda: torch.zeros(1))
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    check("switch", 5, [lambda x: x + 1, lambda x: x - 1], torch.ones(2))
    check("switch", -3, [lambda x, y: x + y, lambda x, y: x - y], torch.ones(2), torch.ones(2))
    check("while_loop", lambda x, y: x < 3, lambda x, y: (x + 1, y * 2), [0, 1.0])
    check("while_loop", lambda x: x < 3, lambda x: x + 1, 0)
    check("while_loop", lambda x: x < 3, lambda x: (x + 1,), (0,))
    check("while_loop", lambda x: x < 30, lambda x: x + 1, np.float64(0.0), maximum_iterations=5)
    check("while_loop", lambda x, d: x < 3, lambda x, d: (x + 1, {"a": d["a"] * 2}),
          (0, {"a": np.ones(2)}))
    assert ops.fori_loop(0, 10, lambda i, v: v + i, 0) == 45
    check("fori_loop", 2, 5, lambda i, v: (v[0] * i, v[1] + 1), (torch.ones(2), torch.tensor(0.0)))


@pytest.mark.parametrize("reverse", [False, True])
def test_scan(reverse):
    xs = INPUTS["float32"]
    check("scan", lambda c, x: (c + x, c * x), 0.0, xs, reverse=reverse)
    check("scan", lambda c, x: (c + x, (c * x, c)), np.zeros(4, "float32"), xs, reverse=reverse)
    check("scan", lambda c, x: ({"a": c["a"] + x[0], "b": c["b"]}, [x[1]]),
          {"a": 0.0, "b": np.ones(2)}, (xs, INPUTS["int32"]), reverse=reverse)
    check("scan", lambda c, _: (c + 1, c), 0, length=3, reverse=reverse)


def test_scan_errors_and_none_outputs():
    carry, ys = ops.scan(lambda c, _: (c + 1, None), 0, length=3)
    assert int(carry) == 3 and ys is None  # Keras's torch backend stacks zeros here
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0, length=2, unroll=0)
    with pytest.raises(TypeError, match="callable"):
        ops.scan(3, 0, length=2)


def test_map_and_vectorized_map():
    check("map", lambda x: x * 2, INPUTS["float32"])
    check("map", lambda d: {"s": d["a"] + d["b"][0]},
          {"a": INPUTS["float32"], "b": [INPUTS["float64"]]})
    x = torch.as_tensor(INPUTS["float32"])
    check("vectorized_map", lambda row: row.sum(), x)
    check("vectorized_map", lambda pair: pair[0] * pair[1], (x, x))


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan(n, reverse):
    x = RNG.normal(size=(n, 3)).astype("float32")
    check("associative_scan", lambda a, b: a + b, x, reverse=reverse, rtol=1e-5)
    check("associative_scan", lambda a, b: a * b, x.T.copy(), reverse=reverse, axis=1, rtol=1e-5)
    check("associative_scan", lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]), (x, x),
          reverse=reverse, rtol=1e-5)


def test_associative_scan_keeps_int_dtype():
    # Keras's torch backend returns float32 for int inputs; we keep the input dtype.
    out = ops.associative_scan(lambda a, b: a + b, np.arange(6, dtype="int32"))
    assert out.dtype == torch.int32
    np.testing.assert_array_equal(out.numpy(), np.cumsum(np.arange(6)))


# --- gradients -------------------------------------------------------------------------------

def test_custom_gradient_torch_and_tf_conventions():
    @ops.custom_gradient
    def log1pexp(x):
        e = torch.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * (1.0 - 1.0 / (1 + e))

        return torch.log(1 + e), grad

    x = torch.tensor([0.0, 1.0, 100.0], requires_grad=True)
    y = log1pexp(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.exp(-x.detach().numpy())), rtol=1e-6)
    np.testing.assert_allclose(y[:2].detach().numpy(), np.log1p(np.exp([0.0, 1.0])), rtol=1e-6)

    @ops.custom_gradient
    def scaled_product(a, b):
        def grad(*args, upstream=None):
            return upstream * b * 10, upstream * a

        return a * b, grad

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    scaled_product(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [30.0, 40.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])

    @ops.custom_gradient
    def clip_gradient(x):  # TensorFlow/JAX style grad_fn(upstream)
        return x * 1.0, lambda upstream: torch.clamp(upstream, -0.1, 0.1)

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (clip_gradient(x) * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.1, 0.1])

    with pytest.raises(TypeError, match="grad_fn"):
        ops.custom_gradient(lambda x: x * 2)(torch.ones(2))


@pytest.mark.parametrize("fn", [
    lambda x: ops.logsumexp(x, axis=1),
    lambda x: ops.cdist(x, x[:2] + 0.5),
    lambda x: ops.segment_max(x, np.array([0, 1, 1]), num_segments=2),
    lambda x: ops.scatter([[0], [0], [2]], x, (4, 4)),
    lambda x: ops.scatter_update(x, [[1], [2]], x[:2] ** 2, reduction="mul"),
    lambda x: ops.slice_update(x, [0, 1], x[1:, :2] * 3),
    lambda x: ops.rearrange(x, "a (b c) -> (c a) b", c=2),
    lambda x: ops.associative_scan(lambda a, b: a * b, x, axis=1),
    lambda x: ops.scan(lambda c, r: (c * r, c), torch.ones(4, dtype=x.dtype), x)[1],
    lambda x: ops.stft(x.reshape(-1), 4, 2, 4)[0],
    lambda x: ops.erfc(x) + ops.rsqrt(x * x + 1),
], ids=["logsumexp", "cdist", "segment_max", "scatter", "scatter_update", "slice_update",
        "rearrange", "associative_scan", "scan", "stft", "erfc_rsqrt"])
def test_gradients_match_finite_differences(fn):
    x = torch.tensor(INPUTS["float64"] + 0.05, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,))


# --- symbolic tensors --------------------------------------------------------------------------

def test_ops_on_symbolic_inputs_build_a_model():
    inputs = keraton.Input((4,))
    fns = [
        lambda t: ops.cast(t, "float16"),
        lambda t: ops.logsumexp(t, axis=-1),
        lambda t: ops.erf(t),
        lambda t: ops.rsqrt(t),
        lambda t: ops.rearrange(t, "b (h w) -> b w h", h=2),
        lambda t: ops.slice(t, [0, 1], [-1, 2]),
        lambda t: ops.top_k(t, 2)[0],
        lambda t: ops.scan(lambda c, x: (c + x, c), torch.zeros(4), t)[1],
    ]
    outputs = [fn(inputs) for fn in fns]
    model = keraton.Model(inputs, outputs)
    x = np.abs(RNG.normal(size=(3, 4))).astype("float32") + 0.1
    predicted = model.predict(x, verbose=0)
    for fn, got in zip(fns, predicted):
        np.testing.assert_allclose(np.asarray(got, dtype="float32"),
                                   fn(torch.as_tensor(x)).float().numpy(), rtol=1e-6)
    assert ops.shape(inputs) == (None, 4)
    assert ops.dtype(inputs) == "float32"
