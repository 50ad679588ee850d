"""The names of standalone Keras 2 (``keras`` 2.0-2.3, multi-backend) missing from tf.keras 2's backend.

``K.image_dim_ordering``/``K.set_image_dim_ordering`` (``'th'``/``'tf'``),
``K.normalize_data_format``, ``K.logsumexp``, ``K.identity``, ``K.slice``,
``K.size``, ``K.is_placeholder``, ``K.is_variable``, ``K.is_symbolic``,
``K.eager``, ``K.get_graph``, ``K.separable_conv1d``, ``K.conv3d_transpose``,
``K.get_session``/``K.set_session`` and ``K._get_available_gpus``, with Keras
2.2.5's semantics (2.3's for the names 2.3 added) on torch.

keraton has no TensorFlow graph or session.  ``K.set_session(sess)``, which
Keras 2 programs call to configure GPU memory growth, does nothing;
``K.get_session()`` returns a :class:`Session` whose ``run(fetches, feed_dict)``
evaluates tensors and symbolic Keras tensors to NumPy (through
:func:`~keraton.backend_functions.graph_ops.function`), and ``K.get_graph()``
a :class:`Graph` whose ``as_default()`` scope does nothing: torch runs
eagerly, so every tensor already lives in the one "graph".

Example:
    >>> from keraton import backend as K
    >>> inp = keraton.Input((3,))
    >>> out = K.sum(inp, axis=1)
    >>> K.get_session().run(out, feed_dict={inp: np.ones((2, 3))})
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

import builtins
import contextlib

import numpy as np
import torch

from keraton import backend
from keraton.backend_functions.conv_ops import _check_rank, _spatial_layout, conv_transpose
from keraton.backend_functions.graph_ops import function
from keraton.backend_functions.state_ops import get_value
from keraton.backend_functions.tensor_ops import _float, _t
from keraton.layers.convolutional import conv_utils
from keraton.layers.keras_tensor import KerasTensor
from keraton.ops.nn import convolution as nn_conv

__all__ = [
    "image_dim_ordering", "set_image_dim_ordering", "normalize_data_format", "logsumexp",
    "identity", "slice", "size", "is_placeholder", "is_variable", "is_symbolic", "eager",
    "get_graph", "separable_conv1d", "conv3d_transpose", "get_session", "set_session",
    "_get_available_gpus",
]
_TENSOR_FUNCTIONS = ["logsumexp", "identity", "slice", "size", "separable_conv1d",
                     "conv3d_transpose"]

_DIM_ORDERINGS = {"th": "channels_first", "tf": "channels_last"}


# --------------------------------------------------------------------------- image formats


def image_dim_ordering() -> str:
    """Keras 1's name of the image data format: ``'th'`` for channels_first, ``'tf'`` for channels_last.

    Keras 2's legacy getter of :func:`keraton.backend.image_data_format`.
    """
    return "th" if backend.image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Set the image data format by its Keras 1 name, as Keras 2's ``K.set_image_dim_ordering``.

    ``'th'`` sets ``'channels_first'``, ``'tf'`` ``'channels_last'``: layers
    created afterwards without ``data_format`` use it.
    """
    if dim_ordering not in _DIM_ORDERINGS:
        raise ValueError(f"Unknown dim_ordering {dim_ordering!r}: expected 'th' (channels_first) "
                         "or 'tf' (channels_last). Or call "
                         "keraton.backend.set_image_data_format('channels_first'/'channels_last').")
    backend.set_image_data_format(_DIM_ORDERINGS[dim_ordering])


def normalize_data_format(value):
    """``value`` as ``'channels_first'``/``'channels_last'`` (``None``: the global format), as Keras 2.2.5.

    Case is ignored (``'Channels_First'`` is accepted); anything else is a ValueError.
    """
    return conv_utils.standardize_data_format(value, owner="normalize_data_format")


# --------------------------------------------------------------------------- tensors


def _axes(x: torch.Tensor, axis) -> tuple:
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis`` (an int, a list or None for all), computed stably (``K.logsumexp``).

    The largest value is factored out first, as ``tf.reduce_logsumexp``: large
    inputs do not overflow.
    """
    x = _float(_t(x))
    axes = _axes(x, axis)
    if not axes:  # a 0-d tensor, or an empty axis list: nothing to reduce
        return x.clone()
    return torch.logsumexp(x, dim=axes, keepdim=keepdims)


def identity(x, name=None):
    """A new tensor with the value of ``x`` (a copy that gradients flow through), as ``K.identity``.

    Like ``tf.identity`` on a variable, the result keeps the value it had when
    taken: later assignments to the variable do not change it.
    """
    del name  # TensorFlow's op name; torch tensors have none
    return torch.Tensor.clone(_t(x))


def _int_list(value, name: str) -> list:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, (int, np.integer)):
        value = [value]
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError):
        raise TypeError(f"slice: `{name}` must be a list/tuple of ints (or an int tensor), "
                        f"got {name}={value!r}.") from None


def slice(x, start, size):  # noqa: A001  (Keras 2's name)
    """``x[start[0]:start[0] + size[0], ..., start[-1]:start[-1] + size[-1]]``, as ``K.slice`` (``tf.slice``).

    ``start`` and ``size`` give one entry per axis of ``x``; a size of ``-1``
    takes everything from ``start`` to the end of that axis.
    """
    x = _t(x)
    start, size = _int_list(start, "start"), _int_list(size, "size")
    if not (x.ndim == len(start) == len(size)):
        raise ValueError(f"slice: `start` and `size` need one entry per axis of the input "
                         f"({x.ndim}), got start={start} and size={size} for shape "
                         f"{tuple(x.shape)}.")
    index = []
    for axis, (begin, count, length) in enumerate(zip(start, size, x.shape)):
        end = length if count == -1 else begin + count
        if begin < 0 or count < -1 or end > length:
            raise ValueError(f"slice: on axis {axis} (length {length}), start={begin} and "
                             f"size={count} fall outside the tensor; need 0 <= start and "
                             f"start + size <= {length} (size -1: to the end).")
        index.append(builtins.slice(begin, end))
    return x[tuple(index)]


def size(x, name=None):
    """The number of elements of ``x`` as a 0-d int32 tensor, as ``K.size`` (``tf.size``)."""
    del name
    return torch.tensor(_t(x).numel(), dtype=torch.int32)


def is_placeholder(x) -> bool:
    """Whether ``x`` is a placeholder: a ``keraton.Input`` or ``K.placeholder`` tensor (Keras 2's ``K.is_placeholder``).

    Layer outputs, even on placeholders, and real tensors are not.
    """
    from keraton.layers.core.input_layer import InputLayer

    history = getattr(x, "_keras_history", None) if isinstance(x, KerasTensor) else None
    return history is not None and isinstance(history[0], InputLayer)


def is_variable(x) -> bool:
    """Whether ``x`` is a variable (``K.variable``, a layer weight, an optimizer's ``lr``), as Keras 2.3."""
    if isinstance(x, torch.nn.Parameter):
        return True
    from keraton.optimizers.scalar_variable import ScalarVariable

    return isinstance(x, ScalarVariable)


def is_symbolic(x) -> bool:
    """Whether ``x`` is a symbolic (graph) tensor: a Keras tensor of the functional API, as Keras 2.3."""
    return isinstance(x, KerasTensor)


def eager(func):
    """Keras 2.3's decorator running ``func`` eagerly (``K.eager``): ``func`` unchanged, torch is eager."""
    return func


class Graph:
    """What ``K.get_graph()`` returns: torch has no graph, so its ``as_default()`` scope does nothing.

    Keras 2 programs (web servers, threads) wrap predictions in
    ``with graph.as_default():``; that keeps working.
    """

    def as_default(self):
        """A scope that does nothing (TensorFlow's ``Graph.as_default``)."""
        return contextlib.nullcontext(self)

    def finalize(self) -> None:
        """Nothing to freeze (TensorFlow's ``Graph.finalize``)."""

    def __repr__(self) -> str:
        return "<keraton Graph: torch runs eagerly, there is no TensorFlow graph>"


_GRAPH = Graph()


def get_graph() -> Graph:
    """The "graph" of Keras 2.3's ``K.get_graph()``: one :class:`Graph` whose ``as_default()`` does nothing.

    Returning an object rather than raising keeps the ``with
    K.get_graph().as_default():`` idiom working, which is all Keras 2 programs
    do with it; torch builds no graph to hand out.
    """
    return _GRAPH


# --------------------------------------------------------------------------- convolutions


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1D depthwise convolution then a pointwise one, as Keras 2's ``K.separable_conv1d``.

    Kernels are Keras's: ``depthwise_kernel`` ``(kernel_size, in, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, in * depth_multiplier, out)``; ``strides``,
    ``padding`` (``'valid'`` or ``'same'``) and ``dilation_rate`` apply to the
    depthwise step.
    """
    x = _t(x)
    _check_rank(x, 3, "separable_conv1d", _spatial_layout(1))
    return nn_conv.separable_conv(x, _t(depthwise_kernel), _t(pointwise_kernel), strides,
                                  padding, data_format, dilation_rate)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """Transposed 3D convolution to ``output_shape`` with a ``(kd, kh, kw, out, in)`` kernel, as ``K.conv3d_transpose``.

    The gradient of ``K.conv3d`` for an input of ``output_shape`` (batch first,
    in ``data_format``'s layout; its batch may be ``None``), as
    ``tf.nn.conv3d_transpose``: ``output_shape`` picks among the sizes a strided
    convolution maps to the input's size, and ``'same'`` pads as TensorFlow.
    """
    return conv_transpose("conv3d_transpose", 3, x, kernel, output_shape, strides, padding,
                          data_format)


# --------------------------------------------------------------------------- session


def _symbolic_sources(tensors) -> list:
    """The ``Input`` tensors the symbolic ``tensors`` are computed from, in first-met order."""
    sources, seen, stack = [], set(), list(reversed(tensors))
    while stack:
        t = stack.pop()
        history = t._keras_history
        if history is None:
            continue
        layer, node_index, _ = history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            if not builtins.any(t is s for s in sources):
                sources.append(t)
            continue
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(reversed(node.input_tensors))
    return sources


def _leaves(structure) -> list:
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in _leaves(value)]
    if isinstance(structure, (list, tuple)):
        return [leaf for value in structure for leaf in _leaves(value)]
    return [structure]


def _rebuild(structure, values: dict):
    if isinstance(structure, dict):
        return {key: _rebuild(value, values) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        items = [_rebuild(value, values) for value in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else type(structure)(items)
    return values[id(structure)]


class Session:
    """What ``K.get_session()`` returns: ``run`` evaluates tensors to NumPy, as a TensorFlow session.

    ``run(fetches, feed_dict=None)``: ``fetches`` is a tensor, a variable or a
    symbolic Keras tensor, or a list/tuple/dict nesting them; the result has
    the same structure with NumPy values.  Symbolic tensors are computed from
    ``feed_dict`` (``{input tensor: value}``, optionally ``{K.learning_phase(): 0 or 1}``),
    in inference mode unless the learning phase is fed as 1.  ``close()`` does
    nothing; the session is a context manager.
    """

    graph = _GRAPH

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluate ``fetches`` (nested tensors, variables, Keras tensors) to NumPy."""
        del options, run_metadata  # TensorFlow's tracing options; nothing to trace on torch
        feed_dict = dict(feed_dict or {})
        leaves = _leaves(fetches)
        symbolic = [leaf for leaf in leaves if isinstance(leaf, KerasTensor)]
        values = {}
        for leaf in leaves:
            if isinstance(leaf, KerasTensor):
                continue
            if not (isinstance(leaf, torch.Tensor) or is_variable(leaf)):
                raise TypeError(f"Session.run: cannot fetch {leaf!r} (a {type(leaf).__name__}); "
                                "fetch tensors, variables or symbolic Keras tensors.")
            values[id(leaf)] = get_value(leaf)
        if symbolic:
            values.update(zip(map(id, symbolic), self._evaluate(symbolic, feed_dict)))
        return _rebuild(fetches, values)

    @staticmethod
    def _evaluate(symbolic: list, feed_dict: dict) -> list:
        phase = [key for key in feed_dict if not isinstance(key, KerasTensor)]
        if builtins.any(not isinstance(key, (int, np.integer)) for key in phase):
            raise TypeError(f"Session.run: feed_dict keys must be symbolic input tensors "
                            f"(keraton.Input, K.placeholder) or K.learning_phase(), got "
                            f"{[key for key in phase if not isinstance(key, (int, np.integer))]!r}.")
        fed = {id(key): value for key, value in feed_dict.items() if isinstance(key, KerasTensor)}
        sources = _symbolic_sources(symbolic)
        missing = [s for s in sources if id(s) not in fed]
        if missing:
            raise ValueError(f"Session.run: the fetched tensors need a value for the input(s) "
                             f"{', '.join(repr(s) for s in missing)}; add them to feed_dict "
                             "({input_tensor: array}).")
        inputs = sources + phase[:1]
        outputs = function(inputs, list(symbolic))(
            [fed[id(s)] for s in sources] + [feed_dict[key] for key in phase[:1]])
        return outputs

    def close(self) -> None:
        """Nothing to release (TensorFlow's ``Session.close``)."""

    def as_default(self):
        """A scope that does nothing (TensorFlow's ``Session.as_default``)."""
        return contextlib.nullcontext(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __repr__(self) -> str:
        return "<keraton Session: runs fetches eagerly with torch>"


_SESSION = Session()


def get_session() -> Session:
    """The backend "session" of Keras 2's ``K.get_session()``: a :class:`Session` evaluating fetches with torch."""
    return _SESSION


def set_session(session) -> None:
    """Accept a TensorFlow session and do nothing, as keraton has none (Keras 2's ``K.set_session``).

    Keras 2 programs call it to configure GPU memory growth; torch allocates
    GPU memory on demand already.
    """
    del session


def _get_available_gpus() -> list:
    """The visible GPUs as ``['/device:GPU:0', ...]`` (torch.cuda), as Keras 2's private helper."""
    if not torch.cuda.is_available():
        return []
    return [f"/device:GPU:{i}" for i in range(torch.cuda.device_count())]

