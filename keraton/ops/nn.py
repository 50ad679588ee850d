"""``keras.ops.nn``: activations, convolutions, pooling, normalization and losses, on torch.

Each op takes what Keras's ops take (tensors, NumPy arrays, Python scalars,
nested lists) and returns torch tensors with the values, shapes and dtypes of
Keras 3 on its torch backend.  The computations behind keraton's layers,
activations and losses are reused here: the convolution arithmetic of
``layers/convolutional/conv_utils.py``, the pooling helpers of
``layers/pooling`` and the functions of ``keraton.activations``.

Where Keras's torch backend fails on an input for an incidental reason (torch
has no integer kernel for ``elu``, ``softmax``, pooling, ...), integer and
bool inputs are computed in ``floatx()`` as Keras's other backends do.
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from keraton import activations, backend
from keraton.layers.convolutional import conv_utils
from keraton.layers.pooling.base_adaptive_pooling import standardize_output_size
from keraton.layers.pooling.base_pooling import same_padding, to_channels_first, to_channels_last
from keraton.losses.functions import _bce_from_probs
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention", "elu",
    "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "max_pool", "moments",
    "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6", "rms_normalization",
    "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
]


# --------------------------------------------------------------------------- helpers


def _floatx() -> torch.dtype:
    return backend.standardize_dtype(None)


def _float(x) -> torch.Tensor:
    """``x`` as a tensor; integer and bool inputs become ``floatx()``."""
    x = convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(_floatx())
    return x


def _common_float(*values) -> list:
    """Tensors of one promoted dtype (integers: ``floatx()``), on the first given tensor's device."""
    device = next((v.device for v in values if isinstance(v, torch.Tensor)), None)
    tensors = [convert_to_tensor(v) for v in values]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    if not dtype.is_floating_point:
        dtype = _floatx()
    return [t.to(device=device, dtype=dtype) for t in tensors]


def _at_least_float32(dtype: torch.dtype) -> torch.dtype:
    """The dtype statistics are computed in: float32 for half types and integers."""
    return dtype if dtype == torch.float64 else torch.float32


# --------------------------------------------------------------------------- activations

@keras_op
def relu(x):
    """``max(x, 0)``; integer inputs keep their dtype, as Keras's ``ops.relu``."""
    x = convert_to_tensor(x)
    return F.relu(x.to(_floatx()) if x.dtype == torch.bool else x)


@keras_op
def relu6(x):
    """``min(max(x, 0), 6)``; integer inputs keep their dtype, as Keras's ``ops.relu6``."""
    x = convert_to_tensor(x)
    return F.relu6(x.to(_floatx()) if x.dtype == torch.bool else x)


@keras_op
def hard_tanh(x):
    """``clip(x, -1, 1)``; integer inputs keep their dtype, as Keras's ``ops.hard_tanh``."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool or x.dtype == torch.uint8:
        x = x.to(_floatx())
    return F.hardtanh(x, -1.0, 1.0)


@keras_op
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (``F.threshold``, as Keras)."""
    x = convert_to_tensor(x)
    return F.threshold(x.to(_floatx()) if x.dtype == torch.bool else x, threshold, default_value)


# One-to-one mappings onto keraton.activations (Keras's formulas); integer inputs -> floatx.
@keras_op
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return activations.sigmoid(_float(x))


@keras_op
def sparse_sigmoid(x):
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between."""
    return activations.sparse_sigmoid(_float(x))


@keras_op
def softplus(x):
    """``log(1 + exp(x))``."""
    return activations.softplus(_float(x))


@keras_op
def softsign(x):
    """``x / (abs(x) + 1)``."""
    return activations.softsign(_float(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return activations.soft_shrink(_float(x), threshold)


@keras_op
def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` above."""
    return activations.sparse_plus(_float(x))


@keras_op
def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return activations.silu(_float(x))


swish = silu


@keras_op
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    return activations.squareplus(_float(x), b)


@keras_op
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return activations.log_sigmoid(_float(x))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, else ``negative_slope * x``."""
    return activations.leaky_relu(_float(x), negative_slope)


@keras_op
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    return activations.hard_sigmoid(_float(x))


@keras_op
def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (also called hard swish)."""
    return activations.hard_silu(_float(x))


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return activations.elu(_float(x), alpha)


@keras_op
def selu(x):
    """Scaled ELU with the constants of Klambauer et al. (2017)."""
    return activations.selu(_float(x))


@keras_op
def gelu(x, approximate=True):
    """Gaussian error linear unit; Keras's op defaults to the tanh approximation."""
    return activations.gelu(_float(x), approximate)


@keras_op
def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return activations.celu(_float(x), alpha)


@keras_op
def glu(x, axis=-1):
    """Split ``x`` in halves ``a, b`` along ``axis`` (even size required); ``a * sigmoid(b)``."""
    x = _float(x)
    if x.ndim and x.shape[axis] % 2:
        raise ValueError(
            f"glu: the size of axis {axis} must be even (it is split in two halves), got input "
            f"shape {tuple(x.shape)}.")
    return activations.glu(x, axis)


@keras_op
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return activations.tanh_shrink(_float(x))


@keras_op
def hard_shrink(x, threshold=0.5):
    """``x`` where ``abs(x) > threshold``, else 0."""
    return activations.hard_shrink(_float(x), threshold)


@keras_op
def softmax(x, axis=-1):
    """Softmax along ``axis`` (int, tuple of ints, or None for all axes); warns on a size-1 axis."""
    return activations.softmax(_float(x), axis)


@keras_op
def log_softmax(x, axis=-1):
    """Log-softmax ``x - logsumexp(x)`` along ``axis`` (int, tuple, or None for all axes)."""
    return activations.log_softmax(_float(x), axis)


@keras_op
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    return activations.sparsemax(_float(x), axis)


# --------------------------------------------------------------------------- pooling


def _spatial_rank(x: torch.Tensor, op: str) -> int:
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op}: inputs must have rank 3, 4 or 5 (batch, 1 to 3 spatial dimensions, "
            f"channels), got shape {tuple(x.shape)}.")
    return rank


def _pool(op, inputs, pool_size, strides, padding, data_format):
    """Max or average pooling with Keras's arguments; ``'same'`` pads as TensorFlow does."""
    x = _float(inputs)
    rank = _spatial_rank(x, op)
    pool_size = conv_utils.standardize_tuple(pool_size, rank, "pool_size", owner=op)
    strides = pool_size if strides is None else conv_utils.standardize_tuple(
        strides, rank, "strides", owner=op)
    padding = conv_utils.standardize_padding(padding, owner=op)
    channels_last = conv_utils.standardize_data_format(data_format, owner=op) == "channels_last"
    x = to_channels_first(x, rank) if channels_last else x
    if padding == "valid" and any(n < k for n, k in zip(x.shape[2:], pool_size)):
        raise ValueError(
            f"{op}: the spatial sizes {tuple(x.shape[2:])} are smaller than pool_size="
            f"{pool_size}; use a smaller pool_size or padding='same'.")
    torch_pool = getattr(F, f"{'max' if op == 'max_pool' else 'avg'}_pool{rank}d")
    pads = [(0, 0)] * rank
    if padding == "same":
        pads = [same_padding(n, k, s) for n, k, s in zip(x.shape[2:], pool_size, strides)]
    if all(a == b for a, b in pads):
        kwargs = {} if op == "max_pool" else {"count_include_pad": False}
        y = torch_pool(x, pool_size, strides, [a for a, _ in pads], **kwargs)
    else:
        flat = [p for pair in reversed(pads) for p in pair]
        if op == "max_pool":
            # The extra cell at the end copies the edge, which every window holding it also holds.
            y = torch_pool(F.pad(x, flat, mode="replicate"), pool_size, strides)
        else:
            # Average over the real cells only: zero-padded sums over zero-padded counts.
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            y = torch_pool(F.pad(x, flat), pool_size, strides) / torch_pool(
                F.pad(ones, flat), pool_size, strides)
    return to_channels_last(y, rank) if channels_last else y


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the 1 to 3 spatial axes of ``inputs`` (``strides`` defaults to ``pool_size``).

    ``padding='same'`` gives ``ceil(n / stride)`` outputs (TensorFlow's padding,
    the odd cell at the end); padded cells never win.
    """
    return _pool("max_pool", inputs, pool_size, strides, padding, data_format)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the 1 to 3 spatial axes of ``inputs``; padded cells are not counted.

    With asymmetric ``'same'`` padding Keras's torch backend averages in copies
    of the edge cells; keraton averages the real cells only, as Keras's
    TensorFlow and JAX backends and keraton's ``AveragePooling`` layers do.
    """
    return _pool("average_pool", inputs, pool_size, strides, padding, data_format)


def _adaptive_pool(mode, inputs, output_size, data_format):
    x = _float(inputs)
    rank = _spatial_rank(x, f"adaptive_{mode}_pool")
    output_size = standardize_output_size(output_size, rank)
    torch_pool = getattr(F, f"adaptive_{'avg' if mode == 'average' else 'max'}_pool{rank}d")
    if conv_utils.standardize_data_format(data_format) == "channels_last":
        return to_channels_last(torch_pool(to_channels_first(x, rank), output_size), rank)
    return torch_pool(x, output_size)


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling of each spatial axis down to ``output_size`` cells (torch's adaptive windows)."""
    return _adaptive_pool("average", inputs, output_size, data_format)


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling of each spatial axis down to ``output_size`` cells (torch's adaptive windows)."""
    return _adaptive_pool("max", inputs, output_size, data_format)


# --------------------------------------------------------------------------- convolutions


def _conv_arguments(op, inputs, kernels, strides, padding, data_format, dilation_rate):
    """Shared conversions: floating tensors of one dtype, tuples, padding, channels-first view."""
    x, *kernels = _common_float(inputs, *kernels)
    rank = _spatial_rank(x, op)
    for k in kernels:
        if k.ndim != rank + 2:
            raise ValueError(
                f"{op}: the kernel must have rank {rank + 2} for inputs of rank {x.ndim}, got "
                f"kernel shape {tuple(k.shape)} and inputs shape {tuple(x.shape)}.")
    strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=op)
    dilation = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=op)
    padding = conv_utils.standardize_padding(padding, owner=op)
    data_format = conv_utils.standardize_data_format(data_format, owner=op)
    return conv_utils.to_channels_first(x, data_format), kernels, rank, strides, padding, \
        data_format, dilation


def _check_output_size(op, x, kernel_size, strides, padding, dilation):
    out = [conv_utils.conv_output_length(n, k, s, padding, d)
           for n, k, s, d in zip(x.shape[2:], kernel_size, strides, dilation)]
    if any(n <= 0 for n in out):
        raise ValueError(
            f"{op}: the inputs' spatial sizes {tuple(x.shape[2:])} are too small for "
            f"kernel_size={tuple(kernel_size)} with dilation_rate={dilation} and padding='valid'; "
            "use a larger input or padding='same'.")


def _check_channels(op, x, expected, kernel):
    if x.shape[1] != expected:
        raise ValueError(
            f"{op}: the inputs have {x.shape[1]} channels but the kernel of shape "
            f"{tuple(kernel.shape)} expects {expected}. Check `data_format` and the kernel layout "
            "(Keras's: spatial dimensions first, then input and output channels).")


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1 to 3 spatial axes) with a Keras-layout kernel ``(*k, in // groups, out)``.

    The number of groups is ``in_channels // kernel.shape[-2]``; ``'same'``
    padding is TensorFlow's (the odd cell at the end).
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "conv", inputs, [kernel], strides, padding, data_format, dilation_rate)
    kernel_in = kernel.shape[-2]
    if x.shape[1] % kernel_in or kernel.shape[-1] % (x.shape[1] // kernel_in or 1):
        raise ValueError(
            f"conv: the inputs' {x.shape[1]} channels must be a multiple of the kernel's input "
            f"channels {kernel_in} (kernel shape {tuple(kernel.shape)}), and the kernel's output "
            "channels a multiple of the number of groups. Check `data_format` and the kernel "
            "layout (*kernel_size, in_channels // groups, out_channels).")
    _check_output_size("conv", x, kernel.shape[:-2], strides, padding, dilation)
    weight = conv_utils.conv_layout(rank)[1](kernel)
    y = conv_utils.convolve(x, weight, None, strides, padding, dilation, x.shape[1] // kernel_in)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution with a Keras kernel ``(*k, in, multiplier)``: ``in * multiplier`` outputs.

    Output channel ``c * multiplier + m`` comes from input channel ``c``.
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "depthwise_conv", inputs, [kernel], strides, padding, data_format, dilation_rate)
    in_channels, multiplier = kernel.shape[-2:]
    _check_channels("depthwise_conv", x, in_channels, kernel)
    _check_output_size("depthwise_conv", x, kernel.shape[:-2], strides, padding, dilation)
    weight = conv_utils.depthwise_layout(rank, in_channels, multiplier)[1](kernel)
    y = conv_utils.convolve(x, weight, None, strides, padding, dilation, in_channels)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution then a 1x1 convolution with ``pointwise_kernel`` ``(1.., in * mult, out)``.

    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step.
    """
    x, (dw, pw), rank, strides, padding, data_format, dilation = _conv_arguments(
        "separable_conv", inputs, [depthwise_kernel, pointwise_kernel], strides, padding,
        data_format, dilation_rate)
    in_channels, multiplier = dw.shape[-2:]
    _check_channels("separable_conv", x, in_channels, dw)
    _check_output_size("separable_conv", x, dw.shape[:-2], strides, padding, dilation)
    if pw.shape[-2] != in_channels * multiplier:
        raise ValueError(
            f"separable_conv: the pointwise kernel must take in_channels * depth_multiplier = "
            f"{in_channels * multiplier} channels (axis -2), got shape {tuple(pw.shape)}.")
    y = conv_utils.convolve(x, conv_utils.depthwise_layout(rank, in_channels, multiplier)[1](dw),
                            None, strides, padding, dilation, in_channels)
    y = conv_utils.convolve(y, conv_utils.conv_layout(rank)[1](pw), None, (1,) * rank, "valid",
                            (1,) * rank, 1)
    return conv_utils.from_channels_first(y, data_format)


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution with a Keras kernel ``(*k, out, in)``, giving Keras's output window.

    ``'valid'`` gives ``(n - 1) * stride + max(kernel, stride)`` cells, ``'same'``
    ``n * stride``; ``output_padding`` sets the extra cells at the end explicitly.
    """
    x, (kernel,), rank, strides, padding, data_format, dilation = _conv_arguments(
        "conv_transpose", inputs, [kernel], strides, padding, data_format, dilation_rate)
    _check_channels("conv_transpose", x, kernel.shape[-1], kernel)
    if output_padding is not None:
        output_padding = conv_utils.standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True, owner="conv_transpose")
    # Keras (*k, out, in) -> torch (in, out, *k) is the same permutation as for conv kernels.
    weight = conv_utils.conv_layout(rank)[1](kernel)
    y = conv_utils.convolve_transpose(x, weight, None, strides, padding, output_padding, dilation)
    return conv_utils.from_channels_first(y, data_format)


# --------------------------------------------------------------------------- encodings


@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ``x`` into a new axis ``axis`` of size ``num_classes``.

    Negative and out-of-range ids give all-zero vectors; ``dtype`` defaults to
    ``floatx()``.  ``axis`` counts in the output's dimensions.
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (keraton tensors are dense).")
    x = convert_to_tensor(x)
    if x.is_floating_point() or x.is_complex():
        x = x.to(torch.int64)
    classes = torch.arange(num_classes, device=x.device)
    out = (x.unsqueeze(-1) == classes).to(standardize_dtype(dtype) or _floatx())
    return out.movedim(-1, axis)


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode integer ``inputs``: 1 for every class present in a sample.

    Rank-1 inputs are one sample; for higher ranks axis 1 is the one reduced
    (Keras's rule).  ``num_tokens`` is accepted as an alias of ``num_classes``.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: the argument `num_classes` must be specified.")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    x = convert_to_tensor(inputs)
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=1 if x.ndim > 1 else 0)


# --------------------------------------------------------------------------- losses


def _check_same_shape(op, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, got target.shape="
            f"{tuple(target.shape)} and output.shape={tuple(output.shape)}.")


def _log_probabilities(output, axis, from_logits):
    """Log-softmax of logits, or the log of probabilities renormalised and clipped, as Keras."""
    if from_logits:
        return F.log_softmax(output, dim=axis)
    eps = backend.epsilon()
    return torch.log(torch.clamp(output / output.sum(dim=axis, keepdim=True), eps, 1 - eps))


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction); probabilities clipped to ``[eps, 1 - eps]``."""
    target, output = _common_float(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    return _bce_from_probs(target, output)


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot ``target`` and ``output`` over ``axis`` (reduced).

    Probabilities are divided by their sum along ``axis`` and clipped to
    ``[epsilon, 1 - epsilon]``, as Keras does.
    """
    target, output = _common_float(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1, "
                         "got scalars.")
    log_prob = _log_probabilities(output, axis, from_logits)
    return -torch.sum(target * log_prob, dim=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer class ids ``target`` and ``output`` (class axis ``axis``).

    ``target`` has ``output``'s shape without the class axis (or with it of size
    1); probabilities are normalised and clipped as in categorical_crossentropy.
    """
    output = _float(output)
    target = convert_to_tensor(target).to(device=output.device, dtype=torch.int64)
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must be at least rank 1, "
                         "got a scalar.")
    axis = axis % output.ndim
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without "
            f"the class axis {axis}, i.e. {tuple(expected)}; got target.shape="
            f"{tuple(target.shape)} and output.shape={tuple(output.shape)}.")
    log_prob = _log_probabilities(output, axis, from_logits)
    return -torch.gather(log_prob, axis, target.unsqueeze(axis)).squeeze(axis)


@keras_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sample of ``output`` logits ``(batch, time, classes)`` against ``target`` ids.

    The logits go through a log-softmax; ``mask_index`` is the blank class.
    Computed in float32 whatever the input dtype, as Keras does.
    """
    # Keras computes in result_type(output, float32), and its result_type maps 64 to 32 bits.
    output = convert_to_tensor(output).to(torch.float32)
    target = convert_to_tensor(target).to(device=output.device, dtype=torch.int64)
    lengths = [convert_to_tensor(v).to(device=output.device, dtype=torch.int64)
               for v in (output_length, target_length)]
    log_probs = F.log_softmax(output.transpose(0, 1), dim=-1)
    return F.ctc_loss(log_probs, target, *lengths, blank=mask_index, reduction="none")


def _log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` on Python floats."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def _accumulate(table: dict, prefix: tuple, blank_end: float, label_end: float) -> None:
    """Add alignment probabilities to ``prefix``'s (blank-ending, label-ending) pair."""
    if blank_end == label_end == -math.inf:
        return
    old_blank, old_label = table.get(prefix, (-math.inf, -math.inf))
    table[prefix] = (_log_add(old_blank, blank_end), _log_add(old_label, label_end))


def _prefix_beam_search(log_probs: list, length: int, beam_width: int, blank: int) -> list:
    """CTC prefix beam search over one sequence: ``[(prefix, log probability)]``.

    Each prefix keeps two log probabilities: of the alignments ending in a
    blank and of those ending in its last label; a label repeated without a
    blank in between extends the same prefix.
    """
    beams = {(): (0.0, -math.inf)}
    for row in log_probs[:length]:
        grown: dict = {}
        for prefix, (p_blank, p_label) in beams.items():
            p_total = _log_add(p_blank, p_label)
            for label, p in enumerate(row):
                if label == blank:
                    _accumulate(grown, prefix, p_total + p, -math.inf)
                elif prefix and prefix[-1] == label:
                    _accumulate(grown, prefix, -math.inf, p_label + p)
                    _accumulate(grown, prefix + (label,), -math.inf, p_blank + p)
                else:
                    _accumulate(grown, prefix + (label,), -math.inf, p_total + p)
        ranked = sorted(grown.items(), key=lambda item: -_log_add(*item[1]))
        beams = dict(ranked[:beam_width])
    return [(prefix, _log_add(*ps)) for prefix, ps in beams.items()]


def _ctc_beam_search_decode(x, lengths, beam_width, top_paths, blank):
    """Beam search decoding in Keras's output layout (a host-side loop, as Keras's torch backend)."""
    batch, steps, _ = x.shape
    log_probs = F.log_softmax(x, dim=-1).tolist()
    paths = torch.full((top_paths, batch, steps), -1, dtype=torch.int32)
    scores = torch.full((batch, top_paths), -math.inf, dtype=torch.float32)
    for b, length in enumerate(lengths.tolist()):
        found = _prefix_beam_search(log_probs[b], int(length), beam_width, blank)
        for i, (prefix, score) in enumerate(sorted(found, key=lambda item: -item[1])[:top_paths]):
            paths[i, b, :len(prefix)] = torch.tensor(prefix, dtype=torch.int32)
            scores[b, i] = score
    return paths.to(x.device), scores.to(x.device)


@keras_op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs ``(batch, time, classes)``; returns ``(paths, scores)`` as Keras does.

    ``mask_index`` is the blank class (None: the last one).  Greedy: the best
    class at each step, repeats merged (``merge_repeated``) and blanks dropped;
    paths ``(1, batch, time)`` int32 padded with -1, scores ``(batch, 1)`` the
    negated sum of the best values.  ``'beam_search'``: CTC prefix beam search
    over the log-softmax of ``inputs``; the ``top_paths`` best label sequences
    ``(top_paths, batch, time)`` and their log probabilities ``(batch,
    top_paths)``.
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(
            f"ctc_decode: `strategy` must be 'greedy' or 'beam_search', got {strategy!r}.")
    x = convert_to_tensor(inputs).to(torch.float32)  # as in ctc_loss
    lengths = convert_to_tensor(sequence_lengths).to(device=x.device)
    batch, steps, classes = x.shape
    blank = classes - 1 if mask_index is None else mask_index
    if strategy == "beam_search":
        return _ctc_beam_search_decode(x, lengths, beam_width, top_paths, blank)
    scores, ids = torch.max(x, dim=-1)
    ids = ids.to(torch.int32)
    past_end = torch.arange(steps, device=x.device) >= lengths[:, None]
    ids = torch.where(past_end, blank, ids)
    scores = torch.where(past_end, torch.zeros((), dtype=x.dtype, device=x.device), scores)
    if merge_repeated:
        repeat = F.pad(ids[:, 1:] == ids[:, :-1], (1, 0))
        ids = torch.where(repeat, blank, ids)
    dropped = ids == blank
    # Move the kept ids to the front, in order, and fill the rest with -1.
    order = torch.argsort(dropped.to(torch.int8), dim=1, stable=True)
    ids = torch.gather(torch.where(dropped, -1, ids), 1, order)
    return ids.unsqueeze(0), -scores.sum(dim=1, keepdim=True)


# --------------------------------------------------------------------------- normalization


def _axes_tuple(axes, ndim):
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return tuple(sorted(a % ndim for a in axes))


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of ``x`` over ``axes``; float16 is computed in float32, as Keras.

    The variance is ``E[x**2] - E[x]**2`` (Keras's formula).  ``synchronized``
    (a cross-replica reduction) has nothing to synchronize in one process; it
    is refused under an initialised multi-process ``torch.distributed``.
    """
    if synchronized and torch.distributed.is_available() and torch.distributed.is_initialized() \
            and torch.distributed.get_world_size() > 1:
        raise NotImplementedError(
            "moments: synchronized=True across torch.distributed processes is not supported; "
            "use synchronized=False.")
    x = _float(x)
    dtype = x.dtype
    if dtype == torch.float16:
        x = x.float()
    dims = _axes_tuple(axes, x.ndim) if x.ndim else ()
    mean = torch.mean(x, dim=dims, keepdim=True)
    variance = torch.mean(torch.square(x), dim=dims, keepdim=True) - torch.square(mean)
    if not keepdims:
        mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    if dtype == torch.float16:
        big = torch.finfo(torch.float16).max
        mean, variance = (torch.clamp(t, -big, big).to(dtype) for t in (mean, variance))
    return mean, variance


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    """``(x - mean) * scale / sqrt(variance + epsilon) + offset``, the vectors laid along ``axis``."""
    x, mean, variance = _common_float(x, mean, variance)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    vectors = {"mean": mean, "variance": variance, "offset": offset, "scale": scale}
    for name, v in vectors.items():
        if v is not None and tuple(convert_to_tensor(v).shape) != (x.shape[axis],):
            raise ValueError(
                f"batch_normalization: `{name}` must be a vector of length x.shape[axis] = "
                f"{x.shape[axis]}, got shape {tuple(convert_to_tensor(v).shape)}.")
    factor = torch.rsqrt(variance.reshape(shape) + epsilon)
    if scale is not None:
        factor = factor * convert_to_tensor(scale).to(x).reshape(shape)
    y = (x - mean.reshape(shape)) * factor
    return y if offset is None else y + convert_to_tensor(offset).to(x).reshape(shape)


def _is_trailing(axes, ndim) -> bool:
    return axes == tuple(range(ndim - len(axes), ndim))


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalize ``x`` to zero mean and unit variance over ``axis``, then ``* gamma + beta``.

    Computed in at least float32 and returned in ``x``'s dtype.  The deprecated
    ``rms_scaling=True`` divides by the standard deviation only, as Keras's.
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}.")
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _floatx()
    x = x.to(_at_least_float32(x.dtype))
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = _axes_tuple(axis, x.ndim)
    gamma, beta = (None if v is None else convert_to_tensor(v).to(x) for v in (gamma, beta))
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    if rms_scaling:
        warnings.warn("layer_normalization: `rms_scaling=True` is deprecated; use "
                      "`rms_normalization` instead.", stacklevel=2)
        out = x * torch.rsqrt(torch.var(x, dim=axes, keepdim=True, unbiased=False) + epsilon)
        out = out if gamma is None else out * gamma.reshape(shape)
    elif _is_trailing(axes, x.ndim):
        out = F.layer_norm(x, [x.shape[d] for d in axes], gamma, beta, epsilon)
    else:
        mean, variance = moments(x, axes, keepdims=True)
        out = (x - mean) * torch.rsqrt(variance + epsilon)
        out = out if gamma is None else out * gamma.reshape(shape)
        out = out if beta is None else out + beta.reshape(shape)
    return out.to(out_dtype)


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2 over axis) + epsilon) * scale``, computed in at least float32."""
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _floatx()
    x = x.to(_at_least_float32(x.dtype))
    if x.ndim == 0:
        x = x.reshape(1)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = _axes_tuple(axis, x.ndim)
    scale = None if scale is None else convert_to_tensor(scale).to(x)
    if _is_trailing(axes, x.ndim):
        out = F.rms_norm(x, [x.shape[d] for d in axes], scale, epsilon)
    else:
        out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axes, keepdim=True) + epsilon)
        out = out if scale is None else out * scale
    return out.to(out_dtype)


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``), as Keras's.

    For ``order=2`` this is ``x * min(rsqrt(sum(x**2)), 1 / epsilon)``.
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, got order={order!r}.")
    x = _float(x)
    if x.ndim == 0:
        x = x.reshape(1)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
        return x * torch.clamp(inv_norm, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


# --------------------------------------------------------------------------- attention


def _large_negative(dtype: torch.dtype) -> float:
    # Keras's "minus infinity" for masks: finite, so fully masked rows stay uniform, not NaN.
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, seq, heads, dim)`` tensors, via torch's SDPA.

    ``bias`` is added to the logits; boolean ``mask`` keeps the True positions
    (the others get a large negative logit); ``is_causal`` adds a lower-
    triangular mask; ``scale`` defaults to ``1 / sqrt(dim)``.  Key/value heads
    are repeated for grouped-query attention.  As in Keras, float64 inputs are
    computed in float32.  ``flash_attention=True`` runs torch's flash kernel
    and raises where torch cannot run it on these inputs.
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "dot_product_attention: attn_logits_soft_cap is only supported by Keras's JAX backend "
            "on TPU; pass attn_logits_soft_cap=None.")
    q, k, v = _common_float(query, key, value)
    if q.dtype == torch.float64:  # Keras's result_type maps 64-bit types to 32-bit ones
        q, k, v = q.float(), k.float(), v.float()
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "dot_product_attention: query, key and value must be 4-D (batch, seq, heads, dim), "
            f"got shapes {tuple(q.shape)}, {tuple(k.shape)} and {tuple(v.shape)}.")
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: pass at most one of `bias` and `mask`, got both.")
    attn_mask = None
    if mask is not None:
        mask = convert_to_tensor(mask).to(device=q.device, dtype=torch.bool)
        if is_causal:
            causal = torch.ones(q.shape[1], k.shape[1], dtype=torch.bool, device=q.device).tril()
            mask, is_causal = mask & causal, False
        attn_mask = torch.where(mask, 0.0, _large_negative(q.dtype)).to(q.dtype)
    elif bias is not None:
        attn_mask = convert_to_tensor(bias).to(device=q.device, dtype=q.dtype)
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    if q.shape[1] > k.shape[1] > 1:
        groups = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    args = (q.contiguous(), k.contiguous(), v.contiguous())
    kwargs = {"attn_mask": attn_mask, "is_causal": is_causal, "scale": scale}
    if flash_attention:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        try:
            with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                out = F.scaled_dot_product_attention(*args, **kwargs)
        except RuntimeError as error:
            raise RuntimeError(
                "dot_product_attention: flash_attention=True but torch's flash attention kernel "
                f"cannot run these inputs (device {q.device}, dtype {q.dtype}, mask given: "
                f"{attn_mask is not None}). Pass flash_attention=None or False. ({error})"
            ) from None
    else:
        out = F.scaled_dot_product_attention(*args, **kwargs)
    return out.transpose(1, 2)


# --------------------------------------------------------------------------- misc


@keras_op
def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))``."""
    abs_, angle = _common_float(abs_, angle)
    return torch.complex(abs_ * torch.cos(angle), abs_ * torch.sin(angle))


@keras_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)``, mse over all elements."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: x1 and x2 must have the same shape, got {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}.")
    x1, x2 = _common_float(x1, x2)
    max_val = convert_to_tensor(max_val).to(device=x1.device, dtype=x1.dtype)
    mse = torch.mean(torch.square(x1 - x2))
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


@keras_op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: sliding blocks of a ``(N, C, H, W)`` tensor as ``(N, C * kH * kW, blocks)``."""
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(
            f"unfold: x must be a 4-D (N, C, H, W) tensor, got shape {tuple(x.shape)}.")
    return F.unfold(x, kernel_size, dilation=dilation, padding=padding, stride=stride)


@keras_op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the inverse layout of :func:`unfold`: ``(N, C * kH * kW, L)`` -> ``(N, C, oH, oW)``.

    Overlapping blocks are summed.
    """
    x = convert_to_tensor(x)
    if x.ndim != 3:
        raise ValueError(
            f"fold: x must be a 3-D (N, C * kH * kW, L) tensor, got shape {tuple(x.shape)}.")
    return F.fold(x, output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


def _check_block_layout(op, x, block_size, data_format):
    if x.ndim != 4:
        raise ValueError(f"{op}: x must be 4-D, got shape {tuple(x.shape)}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}.")
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"{op}: `block_size` must be a positive int, got {block_size!r}.")


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size x block_size`` spatial tiles (TensorFlow's layout)."""
    x = convert_to_tensor(x)
    _check_block_layout("depth_to_space", x, block_size, data_format)
    b = block_size
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    if channels % (b * b):
        raise ValueError(
            f"depth_to_space: the {channels} channels must divide by block_size**2 = {b * b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    return F.pixel_shuffle(x, b)


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size x block_size`` spatial tiles into channels (TensorFlow's layout)."""
    x = convert_to_tensor(x)
    _check_block_layout("space_to_depth", x, block_size, data_format)
    b = block_size
    spatial = x.shape[1:3] if data_format == "channels_last" else x.shape[2:]
    if spatial[0] % b or spatial[1] % b:
        raise ValueError(
            f"space_to_depth: the spatial sizes {tuple(spatial)} must divide by "
            f"block_size={b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    return F.pixel_unshuffle(x, b)

