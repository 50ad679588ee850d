"""Activation functions of ``keras.activations``, as plain functions on torch tensors.

Every function takes a torch tensor (NumPy arrays and Python numbers are
converted, integer inputs become ``keraton.backend.floatx()``) and returns a
torch tensor of the same shape, computing exactly what Keras 3 computes.  Where
``torch.nn.functional`` implements the same formula (Keras's own torch backend
calls it too) it is used directly.

``get(identifier)`` resolves ``None`` (-> :func:`linear`), names such as
``"relu"``, callables and Keras 3 config dicts; ``serialize`` returns the name
string of a built-in activation, as Keras does.
"""

from __future__ import annotations

import functools
import types
import warnings

import torch
import torch.nn.functional as F

from keraton import backend
from keraton.backend_functions.symbolic import _as_lambda_layer, _is_symbolic
from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name, unknown_name_error

__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]


def _tensor(x) -> torch.Tensor:
    """Convert ``x`` to a floating torch tensor (Keras's ``convert_to_tensor`` step)."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(backend.torch_dtype(backend.floatx()))
    return x


def _axes(x: torch.Tensor, axis) -> tuple[int, ...]:
    """Normalize ``axis`` (int, tuple/list or None) to a tuple of non-negative dims."""
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted({a % x.ndim if x.ndim else 0 for a in axis}))


# --------------------------------------------------------------------------- ReLU family


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, ``keras.activations.relu`` with all its arguments.

    With the defaults this is ``max(x, 0)``.  ``threshold``: values ``<= threshold``
    become 0 (the ``x > threshold`` branch keeps ``x``); ``max_value`` clips the
    result to ``[0, max_value]``; ``negative_slope`` then subtracts
    ``negative_slope * relu(threshold - x)``, i.e. values below the threshold
    follow ``negative_slope * (x - threshold)``.  The order of these steps is
    exactly Keras 3's, so corner cases (negative thresholds with ``max_value``)
    agree too.
    """
    x = _tensor(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, negative_slope=negative_slope)
        negative_part = F.relu(-x + threshold) if threshold != 0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = torch.where(x > threshold, x, torch.zeros((), dtype=x.dtype, device=x.device))
    elif max_value == 6:
        x = F.relu6(x)
        clip_max = False
    else:
        x = F.relu(x)
    if clip_max:
        x = torch.clamp(x, 0.0, float(max_value))
    if negative_slope != 0.0:
        x = x - negative_slope * negative_part
    return x


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``x`` if ``x > 0`` else ``negative_slope * x`` (Keras default slope 0.2)."""
    return F.leaky_relu(_tensor(x), negative_slope=negative_slope)


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``, as ``keras.activations.relu6``."""
    return F.relu6(_tensor(x))


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``, as Keras."""
    return F.elu(_tensor(x), alpha=alpha)


def selu(x):
    """Scaled ELU with Keras's (and torch's) constants ``alpha=1.67326324``, ``scale=1.05070098``."""
    return F.selu(_tensor(x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return F.celu(_tensor(x), alpha=alpha)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` uses the tanh formula.

    Keras's ``activations.gelu`` defaults to the exact (erf) form, as here.
    """
    return F.gelu(_tensor(x), approximate="tanh" if approximate else "none")


def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``, as ``keras.activations.silu``."""
    return F.silu(_tensor(x))


def hard_silu(x):
    """Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``, as ``keras.activations.hard_silu``."""
    return F.hardswish(_tensor(x))


def mish(x):
    """Mish: ``x * tanh(softplus(x))``, the same formula as ``keras.activations.mish``."""
    x = _tensor(x)
    return x * torch.tanh(F.softplus(x))


# --------------------------------------------------------------------------- sigmoids & co.


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    As in Keras, the input logits are attached to the output as ``_keras_logits``
    so that losses can recover them.
    """
    x = _tensor(x)
    output = torch.sigmoid(x)
    try:
        output._keras_logits = x
    except AttributeError:  # pragma: no cover - tensors normally accept attributes
        pass
    return output


def hard_sigmoid(x):
    """Keras 3's hard sigmoid: ``relu6(x + 3) / 6`` (0 below -3, 1 above 3, linear between)."""
    return F.hardsigmoid(_tensor(x))


def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between, as Keras."""
    x = _tensor(x)
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def log_sigmoid(x):
    """``log(sigmoid(x))`` computed stably, as ``keras.activations.log_sigmoid``."""
    return F.logsigmoid(_tensor(x))


def tanh(x):
    """Hyperbolic tangent, as ``keras.activations.tanh``."""
    return torch.tanh(_tensor(x))


def hard_tanh(x):
    """Hard tanh: ``clip(x, -1, 1)``, as ``keras.activations.hard_tanh``."""
    return F.hardtanh(_tensor(x), min_val=-1.0, max_val=1.0)


def tanh_shrink(x):
    """``x - tanh(x)``, as ``keras.activations.tanh_shrink``."""
    return F.tanhshrink(_tensor(x))


def softplus(x):
    """Softplus ``log(1 + exp(x))`` (torch's, which Keras's torch backend uses as well)."""
    return F.softplus(_tensor(x))


def softsign(x):
    """Softsign ``x / (abs(x) + 1)``, as ``keras.activations.softsign``."""
    return F.softsign(_tensor(x))


def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` above, as Keras."""
    x = _tensor(x)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    return torch.where(x <= -1, zero, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def squareplus(x, b=4):
    """Squareplus ``(x + sqrt(x**2 + b)) / 2``, as ``keras.activations.squareplus``."""
    x = _tensor(x)
    return (x + torch.sqrt(x**2 + b)) / 2


def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: ``x - threshold`` above, ``x + threshold`` below ``-threshold``, else 0."""
    return F.softshrink(_tensor(x), lambd=threshold)


def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: ``x`` where ``abs(x) > threshold``, else 0, as Keras."""
    return F.hardshrink(_tensor(x), lambd=threshold)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``, as ``keras.activations.threshold``."""
    return F.threshold(_tensor(x), threshold, default_value)


def exponential(x):
    """Exponential ``exp(x)``, as ``keras.activations.exponential``."""
    return torch.exp(_tensor(x))


def linear(x):
    """Identity: returns ``x`` unchanged (Keras's ``linear``, the default activation)."""
    return x


# --------------------------------------------------------------------------- softmax family


def _check_softmax_axis(x: torch.Tensor, axis) -> None:
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {tuple(x.shape)}. "
            "This axis has size 1. The softmax operation will always return the value 1, "
            "which is likely not what you intended. Did you mean to use a sigmoid instead?",
            stacklevel=3,
        )


def _upcast_half(x: torch.Tensor):
    """Compute in float32 for float16/bfloat16 inputs (as Keras's torch backend does on CPU)."""
    if x.dtype in (torch.float16, torch.bfloat16):
        return x.float(), x.dtype
    return x, x.dtype


def softmax(x, axis=-1):
    """Softmax ``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple of ints, or None = all).

    As in Keras: warns when the softmax axis has size 1, and attaches the input
    logits to the output as ``_keras_logits``.
    """
    x = _tensor(x)
    _check_softmax_axis(x, axis)
    xc, dtype = _upcast_half(x)
    if isinstance(axis, int):
        output = F.softmax(xc, dim=axis)
    else:
        dims = _axes(xc, axis)
        output = torch.exp(xc - torch.logsumexp(xc, dim=dims, keepdim=True)) if dims else xc
    output = output.to(dtype)
    try:
        output._keras_logits = x
    except AttributeError:  # pragma: no cover
        pass
    return output


def log_softmax(x, axis=-1):
    """Log-softmax ``x - logsumexp(x)`` along ``axis`` (int, tuple or None), as Keras."""
    x = _tensor(x)
    xc, dtype = _upcast_half(x)
    if isinstance(axis, int):
        output = F.log_softmax(xc, dim=axis)
    else:
        dims = _axes(xc, axis)
        output = xc - torch.logsumexp(xc, dim=dims, keepdim=True)
    return output.to(dtype)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
    return F.glu(_tensor(x), dim=axis)


def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo 2016): Euclidean projection onto the simplex along ``axis``.

    Same algorithm as Keras: sort, cumulative sums, support size ``k``, threshold
    ``tau``, output ``max(x - tau, 0)`` (sums to 1, often exactly sparse).
    """
    x = _tensor(x)
    axis = axis % x.ndim
    z_sorted, _ = torch.sort(x, dim=axis, descending=True)
    z_cumsum = torch.cumsum(z_sorted, dim=axis)
    r_shape = [1] * x.ndim
    r_shape[axis] = -1
    r = torch.arange(1, x.shape[axis] + 1, device=x.device, dtype=x.dtype).view(r_shape)
    support = z_sorted - (z_cumsum - 1) / r > 0
    k = torch.sum(support, dim=axis, keepdim=True)
    cumsum_in_support = torch.where(support, z_cumsum, torch.zeros((), dtype=x.dtype))
    tau = (torch.sum(cumsum_in_support, dim=axis, keepdim=True) - 1) / k
    return torch.clamp(x - tau, min=0.0)


# --------------------------------------------------------------------------- functional API


def _functional(fn):
    """Let activation ``fn`` take a ``KerasTensor``, as Keras's activations (built on ``ops``) do.

    ``keras.activations.sigmoid(logits) * 5`` between ``Input`` and ``Model``
    records the op node Keras records (``ops.sigmoid``'s), or a ``Lambda`` when
    the call has arguments the op does not take; eager calls go straight to ``fn``.
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if not _is_symbolic(x):
            return fn(x, *args, **kwargs)
        from keraton.layers.core.operation_layer import keras_op_entry, symbolic_op_call

        if not args and not kwargs and keras_op_entry(name) is not None:
            return symbolic_op_call(name, fn, (x,), {})
        return _as_lambda_layer(fn, (x,) + args, kwargs)

    return wrapper


for _fn in (relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
            soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
            sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, mish,
            log_softmax, log_sigmoid, sparsemax):
    globals()[_fn.__name__] = _functional(_fn)
del _fn

# Aliases bound after wrapping, so that they are the same objects as in Keras.
swish = silu
hard_swish = hard_silu

# --------------------------------------------------------------------------- lookup & (de)serialization

ALL_OBJECTS = (
    relu,
    leaky_relu,
    relu6,
    softmax,
    celu,
    elu,
    selu,
    softplus,
    softsign,
    squareplus,
    soft_shrink,
    sparse_plus,
    silu,
    gelu,
    glu,
    tanh,
    tanh_shrink,
    threshold,
    sigmoid,
    sparse_sigmoid,
    exponential,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    hard_shrink,
    linear,
    mish,
    log_softmax,
    log_sigmoid,
    sparsemax,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu


def _name_in(config):
    """The name a serialized activation refers to (str, or the name inside a config dict)."""
    if isinstance(config, str):
        return config
    if isinstance(config, dict) and "class_name" in config:
        if config["class_name"] == "function":
            return config.get("registered_name") or config.get("config")
        return config.get("registered_name") or config["class_name"]
    return None


def _resolve_name(name: str, custom_objects=None):
    obj = get_registered_object(name, custom_objects, ALL_OBJECTS_DICT)
    if obj is None:
        obj = lookup_by_name("activation", name, ALL_OBJECTS_DICT)
    return obj


def serialize(activation):
    """Return Keras 3's serialized form of an activation.

    Built-in activations serialize to their name string (``swish`` -> ``"silu"``,
    as in Keras); custom registered functions and objects to a config dict.
    """
    if isinstance(activation, types.FunctionType) and activation.__name__ in ALL_OBJECTS_DICT:
        if ALL_OBJECTS_DICT[activation.__name__] is activation:
            return activation.__name__
    try:
        return serialize_keras_object(activation)
    except TypeError as err:
        raise ValueError(
            f"Unknown activation function {activation!r} cannot be serialized. Use a built-in "
            "activation name or register the function with "
            "@keraton.saving.register_keras_serializable()."
        ) from err


def deserialize(config, custom_objects=None):
    """Return the activation described by ``config`` (a name or a Keras 3 config dict).

    Unknown names raise a ``ValueError`` naming the closest known activation.
    """
    if isinstance(config, str):
        return _resolve_name(config, custom_objects)
    name = _name_in(config)
    if isinstance(config, dict) and config.get("class_name") == "function" and name is not None:
        obj = get_registered_object(name, custom_objects, ALL_OBJECTS_DICT)
        if obj is None and isinstance(config.get("config"), str):
            obj = get_registered_object(config["config"], custom_objects, ALL_OBJECTS_DICT)
        if obj is None:
            raise unknown_name_error("activation", name, ALL_OBJECTS_DICT)
        return obj
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, kind="activation"
    )


def get(identifier):
    """Return an activation function from ``identifier``, as ``keras.activations.get``.

    ``None`` -> :func:`linear`; a string -> the built-in (or registered custom)
    activation of that name; a dict -> deserialized Keras 3 config; a callable is
    returned unchanged.  Anything else raises ``ValueError``.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        obj = _resolve_name(identifier)
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. Expected None, "
        "a name such as 'relu', a callable or a Keras config dict."
    )
