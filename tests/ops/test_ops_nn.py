"""``keraton.ops.nn`` against real Keras 3 (torch backend) as the oracle."""

import numpy as np
import pytest
import torch

import keraton
from keraton import ops
from keraton.layers.pooling.base_pooling import same_padding

keras = pytest.importorskip("keras")
kops = keras.ops

RNG = np.random.default_rng(0)


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-6, atol=1e-6, dtype=True):
    """Values, shape and (optionally) dtype of our result equal Keras's."""
    theirs_np = kops.convert_to_numpy(theirs)
    assert isinstance(ours, torch.Tensor)
    ours_np = ours.detach().cpu().numpy()
    assert ours_np.shape == theirs_np.shape
    if dtype:
        assert _dtype_name(ours) == keras.backend.standardize_dtype(theirs.dtype)
    np.testing.assert_allclose(_widen(ours_np), _widen(theirs_np), rtol=rtol, atol=atol)


def _widen(a):
    if a.dtype == bool:
        return a
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def rand(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def test_all_matches_keras_namespace():
    assert set(ops.nn.__all__) == {n for n in dir(kops.nn) if not n.startswith("_")}
    import inspect

    for name in ops.nn.__all__:
        ours = inspect.signature(getattr(ops.nn, name))
        theirs = inspect.signature(getattr(kops.nn, name))
        assert str(ours) == str(theirs), name
        assert getattr(ops, name) is getattr(ops.nn, name)


# --------------------------------------------------------------------------- activations

ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("sigmoid", {}), ("sparse_sigmoid", {}), ("softplus", {}),
    ("softsign", {}), ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.2}), ("sparse_plus", {}),
    ("silu", {}), ("swish", {}), ("squareplus", {}), ("squareplus", {"b": 2}),
    ("log_sigmoid", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.05}),
    ("hard_sigmoid", {}), ("hard_silu", {}), ("hard_swish", {}), ("elu", {}),
    ("elu", {"alpha": 0.5}), ("selu", {}), ("gelu", {}), ("gelu", {"approximate": False}),
    ("celu", {}), ("celu", {"alpha": 2.0}), ("glu", {}), ("glu", {"axis": 0}), ("tanh_shrink", {}),
    ("hard_tanh", {}), ("hard_shrink", {}), ("hard_shrink", {"threshold": 1.0}),
    ("threshold", {"threshold": 0.3, "default_value": -1.0}), ("softmax", {}),
    ("softmax", {"axis": 0}), ("softmax", {"axis": None}), ("softmax", {"axis": (0, 2)}),
    ("log_softmax", {}), ("log_softmax", {"axis": 1}), ("log_softmax", {"axis": None}),
    ("log_softmax", {"axis": (1, 2)}), ("sparsemax", {}), ("sparsemax", {"axis": 1}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name,kwargs", ACTIVATIONS)
def test_activations_match_keras(name, kwargs, dtype):
    x = rand(2, 4, 6, dtype=dtype) * 2
    tol = 2e-3 if dtype == "float16" else 1e-6
    assert_same(getattr(ops, name)(x, **kwargs), getattr(kops, name)(x, **kwargs), tol, tol)


@pytest.mark.parametrize("name", ["relu", "relu6", "hard_tanh", "threshold"])
def test_integer_preserving_activations(name):
    x = np.array([[-3, -1, 0, 2, 7]], dtype="int32")
    kwargs = {"threshold": 1, "default_value": 0} if name == "threshold" else {}
    assert_same(getattr(ops, name)(x, **kwargs), getattr(kops, name)(x, **kwargs))


@pytest.mark.parametrize("name", ["elu", "gelu", "softmax", "silu", "sigmoid", "sparsemax"])
def test_integer_inputs_compute_in_floatx(name):
    # Keras's torch backend has no integer kernels for most of these; keraton uses floatx.
    x = np.array([[-3, -1, 0, 2, 7]], dtype="int32")
    assert_same(getattr(ops, name)(x), getattr(kops, name)(x.astype("float32")))


def test_python_scalar_and_list_inputs():
    assert_same(ops.sigmoid(2.0), kops.sigmoid(2.0))
    assert_same(ops.relu(3), kops.relu(3))
    assert_same(ops.softmax([1.0, 2.0, 3.0]), kops.softmax(np.array([1.0, 2.0, 3.0], "float32")))


def test_glu_odd_axis_raises():
    with pytest.raises(ValueError, match="even"):
        ops.glu(rand(2, 5))


# --------------------------------------------------------------------------- pooling

POOL_CASES = [
    ((2, 7, 3), 2, None, "valid"), ((2, 7, 3), 3, 2, "same"), ((2, 8, 3), 2, 2, "SAME"),
    ((2, 6, 7, 3), (2, 3), None, "valid"), ((2, 6, 7, 3), 3, 2, "same"),
    ((2, 5, 5, 3), 3, 1, "same"), ((1, 4, 5, 6, 2), 2, (1, 2, 2), "valid"),
    ((1, 5, 5, 5, 2), 3, 2, "same"),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape,pool_size,strides,padding", POOL_CASES)
def test_pools_match_keras(shape, pool_size, strides, padding, data_format):
    x = rand(*shape)
    args = (pool_size, strides, padding, data_format)
    assert_same(ops.max_pool(x, *args), kops.max_pool(x, *args))
    rank = len(shape) - 2
    layer = getattr(keraton.layers, f"AveragePooling{rank}D")(pool_size, strides, padding,
                                                              data_format)
    if padding.lower() == "same" and any(
            sum(same_padding(n, k, s)) % 2 for n, k, s in zip(
                x.shape[1:-1] if data_format == "channels_last" else x.shape[2:],
                layer.pool_size, layer.strides)):
        # Asymmetric padding: see test_average_pool_asymmetric_same_counts_real_cells_only.
        torch.testing.assert_close(ops.average_pool(x, *args), layer(torch.tensor(x)))
    else:
        assert_same(ops.average_pool(x, *args), kops.average_pool(x, *args))


def test_max_pool_asymmetric_same_padding_matches_keras():
    x = rand(2, 6, 5, 3)
    assert_same(ops.max_pool(x, 4, 1, "same"), kops.max_pool(x, 4, 1, "same"))


def test_average_pool_asymmetric_same_counts_real_cells_only():
    # Keras's torch backend averages copies of the edge cell here (its TF/JAX backends do not);
    # keraton averages the real cells, like its AveragePooling1D layer.
    x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    out = ops.average_pool(x, 4, 1, "same")
    np.testing.assert_allclose(out.numpy().ravel(), [1.0, 1.5, 2.5, 3.0, 3.5])
    layer = keraton.layers.AveragePooling1D(4, 1, "same")
    np.testing.assert_allclose(out.numpy(), layer(torch.tensor(x)).numpy())


@pytest.mark.parametrize("mode", ["average", "max"])
@pytest.mark.parametrize("shape,output_size,data_format", [
    ((2, 9, 3), 4, "channels_last"), ((2, 3, 9), 4, "channels_first"),
    ((2, 7, 9, 3), (3, 4), "channels_last"), ((1, 2, 5, 6, 7), 2, "channels_first"),
])
def test_adaptive_pools_match_keras(mode, shape, output_size, data_format):
    x = rand(*shape)
    name = f"adaptive_{mode}_pool"
    assert_same(getattr(ops, name)(x, output_size, data_format),
                getattr(kops, name)(x, output_size, data_format))


def test_pool_bad_rank_raises():
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(rand(4, 4), 2)


# --------------------------------------------------------------------------- convolutions

CONV_CASES = [
    # input shape (channels_last), kernel shape, strides, padding, dilation
    ((2, 9, 3), (3, 3, 4), 1, "valid", 1), ((2, 9, 3), (4, 3, 4), 2, "same", 1),
    ((2, 9, 4), (3, 2, 6), 1, "same", 2),  # groups=2
    ((2, 7, 8, 3), (3, 3, 3, 5), 1, "valid", 1), ((2, 7, 8, 3), (3, 2, 3, 5), (2, 1), "Same", 1),
    ((2, 7, 8, 3), (3, 3, 3, 5), 1, "same", (2, 1)), ((1, 5, 6, 7, 2), (2, 3, 2, 2, 3), 2, "same", 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape,kshape,strides,padding,dilation", CONV_CASES)
def test_conv_matches_keras(shape, kshape, strides, padding, dilation, data_format):
    x, k = rand(*shape), rand(*kshape)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    args = (strides, padding, data_format, dilation)
    assert_same(ops.conv(x, k, *args), kops.conv(x, k, *args), 1e-5, 1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape,kshape,strides,padding,dilation", [
    ((2, 9, 3), (3, 3, 2), 1, "valid", 1), ((2, 9, 3), (4, 3, 1), 2, "same", 1),
    ((2, 7, 8, 3), (3, 3, 3, 2), (1, 2), "same", 1), ((2, 7, 8, 3), (2, 2, 3, 1), 1, "valid", 2),
])
def test_depthwise_and_separable_conv_match_keras(shape, kshape, strides, padding, dilation,
                                                   data_format):
    x, k = rand(*shape), rand(*kshape)
    pk = rand(*(1,) * (len(shape) - 2), kshape[-2] * kshape[-1], 4)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    args = (strides, padding, data_format, dilation)
    assert_same(ops.depthwise_conv(x, k, *args), kops.depthwise_conv(x, k, *args), 1e-5, 1e-5)
    assert_same(ops.separable_conv(x, k, pk, *args), kops.separable_conv(x, k, pk, *args),
                1e-5, 1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape,kshape,strides,padding,output_padding,dilation", [
    ((2, 5, 3), (3, 4, 3), 1, "valid", None, 1), ((2, 5, 3), (3, 4, 3), 2, "same", None, 1),
    ((2, 5, 3), (4, 4, 3), 3, "valid", 1, 1), ((2, 5, 3), (3, 4, 3), 1, "same", None, 2),
    ((2, 4, 5, 3), (3, 3, 2, 3), 2, "same", None, 1), ((2, 4, 5, 3), (3, 2, 2, 3), (2, 3), "valid", (1, 0), 1),
    ((1, 3, 4, 2, 2), (2, 3, 2, 2, 2), 2, "same", None, 1),
])
def test_conv_transpose_matches_keras(shape, kshape, strides, padding, output_padding, dilation,
                                      data_format):
    x, k = rand(*shape), rand(*kshape)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    args = (strides, padding, output_padding, data_format, dilation)
    assert_same(ops.conv_transpose(x, k, *args), kops.conv_transpose(x, k, *args), 1e-5, 1e-5)


def test_conv_default_data_format_follows_backend():
    x, k = rand(1, 3, 6, 6), rand(3, 3, 3, 2)
    keraton.backend.set_image_data_format("channels_first")
    try:
        ours = ops.conv(x, k)
    finally:
        keraton.backend.set_image_data_format("channels_last")
    assert_same(ours, kops.conv(x, k, data_format="channels_first"), 1e-5, 1e-5)


def test_conv_bad_arguments_raise():
    with pytest.raises(ValueError, match="multiple"):
        ops.conv(rand(1, 8, 3), rand(3, 2, 4))
    with pytest.raises(ValueError, match="padding"):
        ops.conv(rand(1, 8, 3), rand(3, 3, 4), padding="full")
    with pytest.raises(ValueError, match="channels"):
        ops.depthwise_conv(rand(1, 8, 3), rand(3, 2, 1))
    with pytest.raises(ValueError, match="too small"):
        ops.conv(rand(1, 2, 3), rand(3, 3, 4))
    with pytest.raises(ValueError, match="smaller than pool_size"):
        ops.max_pool(rand(1, 2, 3), 3)


def test_conv_mixed_dtypes_promote():
    x, k = rand(1, 6, 2), rand(3, 2, 2, dtype="float64")
    out = ops.conv(x, k)
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), kops.conv(x.astype("float64"), k).numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": 1}, {"dtype": "int32"},
                                    {"dtype": "bool"}, {"dtype": "float16"}])
def test_one_hot_matches_keras(kwargs):
    x = np.array([[0, 2, 1], [3, -1, 0]], dtype="int32")
    assert_same(ops.one_hot(x, 4, **kwargs), kops.one_hot(x, 4, **kwargs))


def test_one_hot_negative_axis_counts_output_dims():
    # Keras's torch backend mis-permutes negative axes other than -1; keraton uses numpy's meaning.
    x = np.array([[0, 2], [1, 3]])
    out = ops.one_hot(x, 4, axis=-2)
    assert tuple(out.shape) == (2, 4, 2)
    np.testing.assert_array_equal(out.numpy(), kops.one_hot(x, 4, axis=1).numpy())


@pytest.mark.parametrize("inputs,kwargs", [
    ([[0, 2, 2], [1, 1, 3]], {}), ([0, 2, 3], {}), ([[0, 2], [1, 3]], {"dtype": "int32"}),
])
def test_multi_hot_matches_keras(inputs, kwargs):
    x = np.array(inputs, dtype="int32")
    assert_same(ops.multi_hot(x, 4, **kwargs), kops.multi_hot(x, 4, **kwargs))
    assert_same(ops.multi_hot(x, num_tokens=4), kops.multi_hot(x, num_tokens=4))


def test_one_hot_sparse_and_missing_classes_raise():
    with pytest.raises(ValueError, match="sparse"):
        ops.one_hot([1, 2], 3, sparse=True)
    with pytest.raises(ValueError, match="num_classes"):
        ops.multi_hot([1, 2])


# --------------------------------------------------------------------------- losses


@pytest.mark.parametrize("from_logits", [False, True])
def test_crossentropies_match_keras(from_logits):
    logits = rand(4, 5) * 3
    probs = kops.convert_to_numpy(kops.softmax(logits))
    output = logits if from_logits else probs
    labels = np.array([0, 3, 4, 1], dtype="int32")
    onehot = np.eye(5, dtype="float32")[labels]
    assert_same(ops.categorical_crossentropy(onehot, output, from_logits),
                kops.categorical_crossentropy(onehot, output, from_logits), 1e-5, 1e-6)
    assert_same(ops.sparse_categorical_crossentropy(labels, output, from_logits),
                kops.sparse_categorical_crossentropy(labels, output, from_logits), 1e-5, 1e-6)
    binary_out = logits if from_logits else kops.convert_to_numpy(kops.sigmoid(logits))
    target = (rand(4, 5) > 0).astype("float32")
    assert_same(ops.binary_crossentropy(target, binary_out, from_logits),
                kops.binary_crossentropy(target, binary_out, from_logits), 1e-5, 1e-6)


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_crossentropy_axes_match_keras(axis):
    logits = rand(3, 4, 5)
    labels = np.argmax(rand(3, 4, 5), axis=axis).astype("int32")
    onehot = np.moveaxis(np.eye(logits.shape[axis], dtype="float32")[labels], -1, axis)
    for from_logits in (False, True):
        out = logits if from_logits else np.abs(logits)
        assert_same(ops.categorical_crossentropy(onehot, out, from_logits, axis),
                    kops.categorical_crossentropy(onehot, out, from_logits, axis), 1e-5, 1e-6)
        assert_same(ops.sparse_categorical_crossentropy(labels, out, from_logits, axis),
                    kops.sparse_categorical_crossentropy(labels, out, from_logits, axis),
                    1e-5, 1e-6)


def test_crossentropy_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(rand(3, 2), rand(3, 1))
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(rand(3, 2), rand(3, 4))
    with pytest.raises(ValueError, match="class axis"):
        ops.sparse_categorical_crossentropy(np.zeros((3, 2), "int32"), rand(3, 4))


def test_ctc_loss_matches_keras():
    output = rand(2, 8, 5)
    target = np.array([[1, 2, 2, 0], [3, 1, 0, 0]], dtype="int32")
    args = (target, output, np.array([3, 2]), np.array([8, 6]))
    assert_same(ops.ctc_loss(*args), kops.ctc_loss(*args), 1e-5, 1e-5)
    assert_same(ops.ctc_loss(*args, mask_index=4), kops.ctc_loss(*args, mask_index=4),
                1e-5, 1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"merge_repeated": False}, {"mask_index": None},
                                    {"mask_index": 2}])
def test_ctc_greedy_decode_matches_keras(kwargs):
    inputs = np.log(kops.convert_to_numpy(kops.softmax(rand(3, 7, 4) * 3)))
    lengths = np.array([7, 4, 6], dtype="int32")
    (ours,), score = ops.ctc_decode(inputs, lengths, **kwargs)
    (theirs,), their_score = kops.ctc_decode(inputs, lengths, **kwargs)
    assert_same(ours, theirs)
    assert_same(score, their_score, 1e-6, 1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_ctc_and_attention_dtypes_match_keras(dtype):
    output = rand(2, 6, 4, dtype=dtype)
    args = (np.array([[1, 2], [3, 0]]), output, np.array([2, 1]), np.array([6, 5]))
    assert_same(ops.ctc_loss(*args), kops.ctc_loss(*args), 1e-3, 1e-3)
    assert_same(ops.ctc_decode(output, np.array([6, 5]))[1],
                kops.ctc_decode(output, np.array([6, 5]))[1], 1e-3, 1e-3)
    q = rand(1, 3, 2, 4, dtype=dtype)
    assert_same(ops.dot_product_attention(q, q, q), kops.dot_product_attention(q, q, q),
                1e-3, 1e-3)


@pytest.mark.parametrize("beam_width,top_paths,mask_index", [(1, 1, 0), (4, 2, 0), (6, 3, None),
                                                             (3, 3, 2)])
def test_ctc_beam_search_matches_keras(beam_width, top_paths, mask_index):
    inputs = rand(2, 6, 4) * 2
    lengths = np.array([6, 4], dtype="int32")
    kwargs = {"strategy": "beam_search", "beam_width": beam_width, "top_paths": top_paths,
              "mask_index": mask_index}
    paths, scores = ops.ctc_decode(inputs, lengths, **kwargs)
    their_paths, their_scores = kops.ctc_decode(inputs, lengths, **kwargs)
    assert_same(paths, their_paths)
    assert_same(scores, their_scores, 1e-5, 1e-5)


def test_ctc_beam_search_with_a_wide_beam_is_exact():
    # Three classes (0 = blank), three steps: every alignment enumerated by hand.
    import itertools

    probs = RNG.dirichlet(np.ones(3), size=3).astype("float32")
    totals = {}
    for alignment in itertools.product(range(3), repeat=3):
        labels = tuple(c for i, c in enumerate(alignment)
                       if c != 0 and (i == 0 or alignment[i - 1] != c))
        totals[labels] = totals.get(labels, 0.0) + np.prod(probs[np.arange(3), alignment])
    best = sorted(totals.items(), key=lambda item: -item[1])[:3]
    paths, scores = ops.ctc_decode(np.log(probs)[None], [3], "beam_search", beam_width=50,
                                   top_paths=3)
    for i, (labels, total) in enumerate(best):
        assert paths[i, 0, :len(labels)].tolist() == list(labels)
        assert (paths[i, 0, len(labels):] == -1).all()
        np.testing.assert_allclose(scores[0, i].item(), np.log(total), rtol=1e-5)


def test_ctc_decode_bad_strategy_raises():
    with pytest.raises(ValueError, match="strategy"):
        ops.ctc_decode(rand(1, 3, 4), [3], strategy="best")


# --------------------------------------------------------------------------- normalization


@pytest.mark.parametrize("axes,keepdims", [((0,), False), ([0, 2], True), (1, False),
                                           ((0, 1, 2), False)])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_moments_match_keras(axes, keepdims, dtype):
    x = rand(4, 3, 5, dtype=dtype) + 1
    tol = 1e-3 if dtype == "float16" else 1e-5
    for ours, theirs in zip(ops.moments(x, axes, keepdims), kops.moments(x, axes, keepdims)):
        assert_same(ours, theirs, tol, tol)


def test_moments_synchronized_single_process():
    x = rand(4, 3)
    for a, b in zip(ops.moments(x, 0, synchronized=True), ops.moments(x, 0)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("axis,use_offset,use_scale", [(-1, True, True), (1, False, True),
                                                       (0, True, False), (2, False, False)])
def test_batch_normalization_matches_keras(axis, use_offset, use_scale):
    x = rand(4, 3, 5)
    n = x.shape[axis]
    mean, var = rand(n), np.abs(rand(n))
    kwargs = {"offset": rand(n) if use_offset else None, "scale": rand(n) if use_scale else None}
    assert_same(ops.batch_normalization(x, mean, var, axis, epsilon=1e-3, **kwargs),
                kops.batch_normalization(x, mean, var, axis, epsilon=1e-3, **kwargs), 1e-5, 1e-5)


def test_batch_normalization_bad_vector_raises():
    with pytest.raises(ValueError, match="length"):
        ops.batch_normalization(rand(4, 3), rand(4), np.ones(3, "float32"), axis=-1)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("axis,params", [(-1, True), (-1, False), ((1, 2), True), ([-2, -1], False)])
def test_layer_and_rms_normalization_match_keras(axis, params, dtype):
    x = rand(2, 3, 4, dtype=dtype)
    shape = tuple(x.shape[a] for a in ((axis,) if isinstance(axis, int) else axis))
    gamma, beta = (rand(*shape), rand(*shape)) if params else (None, None)
    tol = 2e-3 if dtype == "float16" else 1e-5
    assert_same(ops.layer_normalization(x, gamma, beta, axis=axis, epsilon=1e-5),
                kops.layer_normalization(x, gamma, beta, axis=axis, epsilon=1e-5), tol, tol)
    assert_same(ops.rms_normalization(x, gamma, axis=axis),
                kops.rms_normalization(x, gamma, axis=axis), tol, tol)


def test_layer_normalization_deprecated_rms_scaling_matches_keras():
    x, gamma = rand(2, 3, 4), rand(4)
    with pytest.warns(UserWarning, match="deprecated"):
        ours = ops.layer_normalization(x, gamma, rms_scaling=True)
    with pytest.warns(UserWarning):
        theirs = kops.layer_normalization(x, gamma, rms_scaling=True)
    assert_same(ours, theirs, 1e-5, 1e-5)


def test_layer_normalization_over_a_middle_axis():
    # Keras's torch backend normalizes the last axis here (it calls F.layer_norm); keraton
    # normalizes the axis asked for, as Keras's other backends do.
    x = rand(2, 3, 4)
    out = ops.layer_normalization(x, axis=1, epsilon=1e-3).numpy()
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("axis,order", [(-1, 2), (0, 2), (-1, 1), (1, 3), (None, 2)])
def test_normalize_matches_keras(axis, order):
    x = rand(3, 4)
    x[0] = 0  # the epsilon floor
    assert_same(ops.normalize(x, axis, order), kops.normalize(x, axis, order), 1e-5, 1e-6)


def test_normalize_bad_order_raises():
    with pytest.raises(ValueError, match="order"):
        ops.normalize(rand(3), order=0)


# --------------------------------------------------------------------------- attention


@pytest.mark.parametrize("kwargs", [
    {}, {"scale": 0.3}, {"is_causal": True}, {"mask": "mask"}, {"mask": "mask", "is_causal": True},
    {"bias": "bias"}, {"flash_attention": False},
])
@pytest.mark.parametrize("kv_heads", [4, 2, 1])
def test_dot_product_attention_matches_keras(kwargs, kv_heads):
    q, k, v = rand(2, 5, 4, 8), rand(2, 6, kv_heads, 8), rand(2, 6, kv_heads, 8)
    extra = dict(kwargs)
    if extra.get("mask") == "mask":
        extra["mask"] = RNG.random((2, 4, 5, 6)) > 0.3
        extra["mask"][0, 0, 0] = False  # a fully masked row
    if extra.get("bias") == "bias":
        extra["bias"] = rand(2, 4, 5, 6)
    assert_same(ops.dot_product_attention(q, k, v, **extra),
                kops.dot_product_attention(q, k, v, **extra), 1e-5, 1e-5)


def test_dot_product_attention_errors():
    q = rand(2, 5, 4, 8)
    with pytest.raises(ValueError, match="4-D"):
        ops.dot_product_attention(q[0], q[0], q[0])
    with pytest.raises(ValueError, match="at most one"):
        ops.dot_product_attention(q, q, q, bias=rand(5, 5), mask=np.ones((5, 5), bool))
    with pytest.raises(ValueError, match="soft_cap"):
        ops.dot_product_attention(q, q, q, attn_logits_soft_cap=2.0)


def test_dot_product_attention_flash_on_cpu():
    # Keras asks torch's CUDA-only check and refuses flash on CPU; torch has a CPU flash
    # kernel, which keraton lets run.
    q = rand(2, 5, 4, 8)
    assert_same(ops.dot_product_attention(q, q, q, flash_attention=True),
                kops.dot_product_attention(q, q, q), 1e-5, 1e-5)


# --------------------------------------------------------------------------- misc


def test_polar_psnr_match_keras():
    a, b = np.abs(rand(3, 4)), rand(3, 4)
    assert_same(ops.polar(a, b), kops.polar(a, b))
    x1, x2 = RNG.random((2, 4, 4)).astype("float32"), RNG.random((2, 4, 4)).astype("float32")
    assert_same(ops.psnr(x1, x2, 1.0), kops.psnr(x1, x2, 1.0), 1e-5)
    with pytest.raises(ValueError, match="same shape"):
        ops.psnr(x1, x2[0], 1.0)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": (2, 3), "stride": 2},
                                    {"kernel_size": 3, "padding": 1, "dilation": 2}])
def test_unfold_fold_match_keras(kwargs):
    x = rand(2, 3, 7, 8)
    patches = ops.unfold(x, **kwargs)
    assert_same(patches, kops.unfold(kops.convert_to_tensor(x), **kwargs))
    p = kops.convert_to_numpy(patches)
    assert_same(ops.fold(p, (7, 8), **kwargs),
                kops.fold(kops.convert_to_tensor(p), (7, 8), **kwargs), 1e-5, 1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_space_match_keras(data_format):
    x = rand(2, 4, 6, 8) if data_format == "channels_last" else rand(2, 8, 4, 6)
    assert_same(ops.depth_to_space(x, 2, data_format), kops.depth_to_space(x, 2, data_format))
    assert_same(ops.space_to_depth(x, 2, data_format), kops.space_to_depth(x, 2, data_format))
    with pytest.raises(ValueError, match="divide"):
        ops.space_to_depth(x, 3, data_format)


# --------------------------------------------------------------------------- gradients & graphs


def test_gradients_flow_through_activation_conv_and_losses():
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    k = torch.randn(3, 3, 4, dtype=torch.float64, requires_grad=True)

    def f(x, k):
        h = ops.gelu(ops.conv(x, k, padding="same"))
        h = ops.max_pool(ops.layer_normalization(h), 2)
        logits = h.mean(1)
        return ops.sparse_categorical_crossentropy(torch.tensor([1, 3]), logits, True).sum()

    assert torch.autograd.gradcheck(f, (x, k))


def test_attention_gradient_equals_the_formula():
    q = torch.randn(1, 3, 2, 4, requires_grad=True)
    ops.dot_product_attention(q, q, q, is_causal=True).square().sum().backward()
    ours, q.grad = q.grad, None
    t = q.transpose(1, 2)
    logits = (t @ t.transpose(-1, -2)) / 2 + torch.full((3, 3), -1e9).triu(1)
    (logits.softmax(-1) @ t).transpose(1, 2).square().sum().backward()
    torch.testing.assert_close(ours, q.grad)


def test_ops_on_symbolic_inputs_build_a_model():
    kernel = torch.tensor(rand(3, 3, 4))

    def forward(x):
        h = ops.max_pool(ops.relu(ops.conv(x, kernel, padding="same")), 2)
        mean, variance = ops.moments(h, axes=1)
        scale = ops.rms_normalization(variance)
        return ops.softmax(ops.batch_normalization(mean, mean[0], variance[0], -1, scale=scale[0]))

    inputs = keraton.Input((8, 3))
    model = keraton.Model(inputs, forward(inputs))
    x = rand(5, 8, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), forward(torch.tensor(x)).numpy(),
                               rtol=1e-6, atol=1e-6)
