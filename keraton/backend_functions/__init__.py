"""The Keras 2 backend API on torch tensors, re-exported by :mod:`keraton.backend`.

``from keraton import backend as K`` gives Keras 2 programs ``K.mean``,
``K.batch_dot``, ``K.binary_crossentropy``, ``K.set_value``... with Keras 2's
semantics (those of ``keras._legacy.backend``), computed with torch:

* :mod:`~keraton.backend_functions.tensor_ops`: reductions, element-wise maths,
  shapes, linear algebra, creation, casting and random tensors;
* :mod:`~keraton.backend_functions.nn_ops`: activations and crossentropies;
* :mod:`~keraton.backend_functions.state_ops`: ``get_value``/``set_value``,
  the learning phase, ``switch``;
* :mod:`~keraton.backend_functions.graph_ops`: ``function``, ``eval``, ``gradients``
  and ``placeholder``;
* :mod:`~keraton.backend_functions.conv_ops`: convolutions, pooling, padding and
  resizing on Keras's kernel layouts and data formats;
* :mod:`~keraton.backend_functions.control_ops`: ``rnn``, ``map_fn``, the folds and
  the CTC functions;
* :mod:`~keraton.backend_functions.math_ops`: the remaining element-wise maths,
  variables made from random values, updates and normalization;
* :mod:`~keraton.backend_functions.keras2_standalone`: the names only standalone
  Keras 2.x had (``K.set_image_dim_ordering``, ``K.logsumexp``, ``K.get_session``...).

Example:
    >>> from keraton import backend as K
    >>> K.batch_dot(torch.ones(2, 3), torch.ones(2, 3)).shape
    torch.Size([2, 1])
"""

from keraton.backend_functions import (
    control_ops,
    conv_ops,
    experimental,
    keras2_standalone,
    math_ops,
)
from keraton.backend_functions.graph_ops import eval, function, gradients, placeholder
from keraton.backend_functions.nn_ops import (
    bias_add,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    elu,
    hard_sigmoid,
    relu,
    sigmoid,
    softmax,
    softplus,
    softsign,
    sparse_categorical_crossentropy,
    tanh,
)
from keraton.backend_functions.state_ops import (
    batch_get_value,
    batch_set_value,
    get_value,
    in_test_phase,
    in_train_phase,
    learning_phase,
    set_learning_phase,
    set_value,
    switch,
)
from keraton.backend_functions.symbolic import symbolic_aware
from keraton.backend_functions.tensor_ops import (
    abs,
    all,
    any,
    arange,
    argmax,
    argmin,
    batch_dot,
    batch_flatten,
    cast,
    cast_to_floatx,
    clip,
    concatenate,
    constant,
    count_params,
    cumsum,
    dot,
    dtype,
    equal,
    exp,
    expand_dims,
    eye,
    flatten,
    gather,
    greater,
    greater_equal,
    is_tensor,
    l2_normalize,
    less,
    less_equal,
    log,
    max,
    maximum,
    mean,
    min,
    minimum,
    ndim,
    not_equal,
    one_hot,
    ones,
    ones_like,
    permute_dimensions,
    pow,
    prod,
    random_bernoulli,
    random_binomial,
    random_normal,
    random_uniform,
    repeat,
    repeat_elements,
    reshape,
    round,
    shape,
    sign,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    stop_gradient,
    sum,
    tile,
    transpose,
    var,
    variable,
    zeros,
    zeros_like,
)

# Functions of tensors also accept Keras tensors (functional models), as in tf.keras 2.
_TENSOR_FUNCTIONS = [
    "abs", "all", "any", "argmax", "argmin", "batch_dot", "batch_flatten", "bias_add",
    "binary_crossentropy", "binary_focal_crossentropy", "cast", "categorical_crossentropy",
    "categorical_focal_crossentropy", "clip", "concatenate", "cumsum",
    "dot", "elu", "equal", "exp", "expand_dims", "flatten", "gather", "greater", "greater_equal",
    "hard_sigmoid", "l2_normalize", "less", "less_equal", "log", "max", "maximum", "mean", "min",
    "minimum", "not_equal", "one_hot", "ones_like", "permute_dimensions", "pow", "prod", "relu",
    "repeat", "repeat_elements", "reshape", "round", "sigmoid", "sign", "softmax", "softplus",
    "softsign", "sparse_categorical_crossentropy", "sqrt", "square", "squeeze", "stack", "std",
    "stop_gradient", "sum", "switch", "tanh", "tile", "transpose", "var", "zeros_like",
]
for _name in _TENSOR_FUNCTIONS:
    globals()[_name] = symbolic_aware(globals()[_name])

# The later families list their exports in ``__all__`` and the functions that take
# Keras tensors in ``_TENSOR_FUNCTIONS``.
_FAMILIES = (conv_ops, control_ops, math_ops, keras2_standalone)
for _family in _FAMILIES:
    for _name in _family.__all__:
        _value = getattr(_family, _name)
        globals()[_name] = symbolic_aware(_value) if _name in _family._TENSOR_FUNCTIONS else _value
del _name

__all__ = [
    "experimental",
    "eval",
    "function",
    "gradients",
    "placeholder",
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten",
    "batch_get_value", "batch_set_value", "bias_add", "binary_crossentropy",
    "binary_focal_crossentropy", "cast", "cast_to_floatx", "categorical_crossentropy",
    "categorical_focal_crossentropy", "clip", "concatenate", "constant",
    "count_params", "cumsum", "dot", "dtype", "elu", "equal", "exp", "expand_dims", "eye",
    "flatten", "gather", "get_value", "greater", "greater_equal", "hard_sigmoid", "in_test_phase",
    "in_train_phase", "is_tensor", "l2_normalize", "learning_phase", "less", "less_equal", "log",
    "max", "maximum", "mean", "min", "minimum", "ndim", "not_equal", "one_hot", "ones",
    "ones_like", "permute_dimensions", "pow", "prod", "random_bernoulli", "random_binomial",
    "random_normal", "random_uniform", "relu", "repeat", "repeat_elements", "reshape", "round",
    "set_learning_phase", "set_value", "shape", "sigmoid", "sign", "softmax", "softplus",
    "softsign", "sparse_categorical_crossentropy", "sqrt", "square", "squeeze", "stack", "std",
    "stop_gradient", "sum", "switch", "tanh", "tile", "transpose", "var", "variable", "zeros",
    "zeros_like",
]
__all__ += [name for family in _FAMILIES for name in family.__all__]
