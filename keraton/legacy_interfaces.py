"""Keras 1 argument names, converted to Keras 2's as standalone Keras 2.x (2.0-2.3) did.

Keras 2.2.5's ``keras/legacy/interfaces.py`` let Keras 1 code run: a layer built
as ``Convolution2D(32, 3, 3, border_mode="same", init="he_normal")`` got its
arguments renamed (``Conv2D(32, (3, 3), padding="same", kernel_initializer=
"he_normal")``) and the user a ``UserWarning`` saying ``Update your `Conv2D`
call to the Keras 2 API: ...``.  This module holds the same table:

* ``LAYER_INTERFACES``: for each layer class (by class name), the renamed
  keywords, the renamed values (``dim_ordering="tf"`` -> ``data_format=
  "channels_last"``, ``consume_less="gpu"`` -> ``implementation=2``) and the
  argument rewrites that are more than a rename (``(nb_filter, nb_row, nb_col)``
  -> ``(filters, (nb_row, nb_col))``, ``forget_bias_init="one"`` ->
  ``unit_forget_bias=True``, Embedding's ``dropout`` dropped with a warning);
  ``wrap_legacy_init`` installs the conversion in a listed class's ``__init__``
  (``Keras2LayerMixin.__init_subclass__`` calls it);
* ``legacy_generator_method``: ``fit_generator``/``evaluate_generator``/
  ``predict_generator``'s ``samples_per_epoch``, ``nb_val_samples``,
  ``val_samples``, ``nb_epoch``, ``nb_worker``, ``pickle_safe``, ``max_q_size``;
* ``fit_epochs``: ``fit(..., nb_epoch=n)``.

Where keraton deliberately differs from Keras 2.2.5: the checks on the number
of positional arguments are left to the Keras 3 signatures (Keras 3 takes
``Conv2D(64, 3, 2, "same")`` and ``Dense(10, "relu")``, which Keras 2 refused),
and ``Conv2D(f, a, b)`` is read as Keras 1's ``(nb_filter, nb_row, nb_col)``
only when no Keras 2 keyword (``padding``, ``strides``, ``kernel_initializer``,
...) shows the call is Keras 2/3 code, where ``b`` is the strides, and either
``a == b`` or a Keras 1 keyword is given: ``Conv2D(64, 3, 2)`` alone keeps
Keras 3's meaning (strides 2), where Keras 2.x read a ``(3, 2)`` kernel.

Example:
    >>> layer = keraton.layers.Convolution2D(8, 3, 3, border_mode="same")  # warns
    >>> layer.kernel_size, layer.padding
    ((3, 3), 'same')
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np

_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}
_WEIGHT_NAMES = (("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                 ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                 ("b_constraint", "bias_constraint"), ("bias", "use_bias"))
_CONV_NAMES = (("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
               ("dim_ordering", "data_format"))


@dataclass(frozen=True)
class LegacyInterface:
    """How one Keras 2 signature took its Keras 1 spelling.

    ``conversions``: ``(old, new)`` keyword renames; ``value_conversions``:
    ``{old keyword: {old value: new value}}``, applied before the rename;
    ``preprocessor(args, kwargs) -> (args, kwargs, converted)`` rewrites what
    is more than a rename (``args`` without ``self``; ``converted`` non-empty
    when the call must be reported); ``postprocessor(owner, kwargs)`` runs
    last (Keras 2's own checks in the layer's ``__init__``).
    """

    conversions: tuple = ()
    value_conversions: dict | None = None
    preprocessor: object = None
    postprocessor: object = None

    def convert(self, owner: str, args: tuple, kwargs: dict, stacklevel: int = 2):
        """``(args, kwargs)`` in Keras 2 names; warns as Keras 2 when anything was converted."""
        kwargs = dict(kwargs)
        converted = []
        if self.preprocessor is not None:
            args, kwargs, converted = self.preprocessor(tuple(args), kwargs, stacklevel + 1)
        for key, table in (self.value_conversions or {}).items():
            value = kwargs.get(key)
            if key in kwargs and isinstance(value, str) and value in table:
                kwargs[key] = table[value]
        for old, new in self.conversions:
            if old in kwargs:
                value = kwargs.pop(old)
                if new in kwargs:
                    raise TypeError(f"{owner}() received both the Keras 1 keyword argument "
                                    f"`{old}` and its Keras 2 name `{new}`. Pass only `{new}`.")
                kwargs[new] = value
                converted.append((new, old))
        if converted:
            warnings.warn(f"Update your `{owner}` call to the Keras 2 API: "
                          f"{keras2_signature(owner, args, kwargs)}", stacklevel=stacklevel + 1)
        if self.postprocessor is not None:
            self.postprocessor(owner, kwargs, stacklevel + 1)
        return tuple(args), kwargs


def keras2_signature(owner: str, args, kwargs) -> str:
    """The call as Keras 2's warning spells it: strings quoted, long values cut at 10 characters."""
    parts = [_short(value) for value in args]
    parts += [f"{name}={_short(value)}" for name, value in kwargs.items()]
    return f"`{owner}({', '.join(parts)})`"


def _short(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if isinstance(value, np.ndarray) else str(value)
    return text[:10] + "..." if len(text) > 10 else text


def _warn(message: str, stacklevel: int) -> None:
    warnings.warn(message, stacklevel=stacklevel + 1)


# ---------------------------------------------------------------------------- preprocessors
def _input_dim_to_shape(kwargs: dict) -> bool:
    """Keras 1's ``input_dim``/``input_length`` of a sequence layer -> ``input_shape``."""
    if "input_dim" not in kwargs:
        return False
    length = kwargs.pop("input_length", None)
    kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
    return True


def _conv1d(args, kwargs, stacklevel):
    converted = [("input_shape", "input_dim")] if _input_dim_to_shape(kwargs) else []
    return args, kwargs, converted


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _keras2_keywords(kwargs, interface_names) -> bool:
    """Whether the call already uses Keras 2 names: then a third positional int is ``strides``."""
    return any(new in kwargs for _, new in interface_names) or "dilation_rate" in kwargs


def _keras1_reading(args, kwargs, names) -> bool:
    """Whether ``Conv2D(f, a, b)`` is Keras 1's ``(nb_filter, nb_row, nb_col)``.

    Keras 3 (and tf.keras 2) read ``b`` as the strides; Keras 2.x read a square
    kernel.  Where nothing settles it, keraton follows Keras 3, except for
    ``a == b`` (``Convolution2D(32, 3, 3)``: Keras 1's square kernels, while a
    stride equal to the kernel size is rarely spelled positionally).  A Keras 1
    keyword (``border_mode``, ``init``...) makes it Keras 1 unless ``padding``,
    ``strides`` or ``data_format`` is given too (Keras 2.x refused that mix);
    other Keras 2 keywords (``kernel_initializer``, ``dilation_rate``...) make it
    Keras 3.
    """
    keras1 = any(old in kwargs for old, _ in names)
    if keras1 and not any(k in kwargs for k in ("padding", "strides", "data_format")):
        return True  # Keras 2.x: Conv2D(16, 3, 3, border_mode="same", dilation_rate=2)
    if _keras2_keywords(kwargs, names):
        return False
    return args[1] == args[2]


def _conv2d(args, kwargs, stacklevel, names=_CONV_NAMES + _WEIGHT_NAMES):
    """``(nb_filter, nb_row, nb_col)`` positionally or as keywords -> ``(filters, kernel_size)``."""
    if len(args) == 3 and _is_int(args[1]) and _is_int(args[2]):
        if _keras1_reading(args, kwargs, names):
            return (args[0], (args[1], args[2])), kwargs, [("kernel_size", "nb_row/nb_col")]
    elif len(args) == 2 and _is_int(args[1]) and "nb_col" in kwargs:
        return (args[0], (args[1], kwargs.pop("nb_col"))), kwargs, [("kernel_size", "nb_row/nb_col")]
    elif len(args) <= 1 and "nb_row" in kwargs and "nb_col" in kwargs:
        kernel_size = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
        if args:
            args = (args[0], kernel_size)
        else:
            kwargs["kernel_size"] = kernel_size
        return args, kwargs, [("kernel_size", "nb_row/nb_col")]
    return args, kwargs, []


def _conv3d(args, kwargs, stacklevel):
    """``(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3)`` -> ``(filters, kernel_size)``."""
    dims = ("kernel_dim1", "kernel_dim2", "kernel_dim3")
    given = len(args) - 1  # kernel dimensions passed positionally
    # Keras 3 reads `Conv3D(f, k, s, p)` as (filters, kernel_size, strides, padding): an int
    # padding is no Keras 3 call, and the `kernel_dim*` keywords are Keras 1 only.
    if (given == 3 and all(_is_int(a) for a in args[1:])) or (
            1 <= given < 3 and all(d in kwargs for d in dims[given:])):
        kernel_size = tuple(args[1:]) + tuple(kwargs.pop(d) for d in dims[given:])
        return (args[0], kernel_size), kwargs, [("kernel_size", "kernel_dim*")]
    elif len(args) <= 1 and all(d in kwargs for d in dims):
        kernel_size = tuple(kwargs.pop(d) for d in dims)
        if args:
            args = (args[0], kernel_size)
        else:
            kwargs["kernel_size"] = kernel_size
        return args, kwargs, [("kernel_size", "kernel_dim*")]
    return args, kwargs, []


def _separable_conv2d(args, kwargs, stacklevel):
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs["depthwise_initializer"] = kwargs["pointwise_initializer"] = init
        converted.append(("init", "depthwise_initializer/pointwise_initializer"))
    args, kwargs, more = _conv2d(args, kwargs, stacklevel, _SEPARABLE_NAMES)
    return args, kwargs, converted + more


def _deconv2d(args, kwargs, stacklevel):
    """Keras 1's ``Deconvolution2D(nb_filter, nb_row, nb_col, output_shape)``: ``output_shape`` goes."""
    converted = []
    if len(args) == 4 and isinstance(args[3], tuple):
        args = args[:3]
        converted.append(("output_shape", None))
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append(("output_shape", None))
    args, kwargs, more = _conv2d(args, kwargs, stacklevel)
    return args, kwargs, converted + more


def _forget_bias_init(kwargs, stacklevel) -> list:
    if "forget_bias_init" not in kwargs:
        return []
    if kwargs.pop("forget_bias_init") == "one":
        kwargs["unit_forget_bias"] = True
        return [("forget_bias_init", "unit_forget_bias")]
    _warn("The `forget_bias_init` argument has been ignored. Use `unit_forget_bias=True` "
          "instead to initialize with ones.", stacklevel + 1)
    return []


def _recurrent(args, kwargs, stacklevel):
    converted = _forget_bias_init(kwargs, stacklevel + 1)
    if _input_dim_to_shape(kwargs):
        converted.append(("input_dim", "input_shape"))
        _warn("The `input_dim` and `input_length` arguments in recurrent layers are deprecated. "
              "Use `input_shape` instead.", stacklevel + 1)
    return args, kwargs, converted


def _recurrent_implementation(owner, kwargs, stacklevel):
    """Keras 2's own check in ``SimpleRNN``/``GRU``/``LSTM`` on the converted ``consume_less``."""
    if owner == "SimpleRNN" and "implementation" in kwargs:
        kwargs.pop("implementation")
        _warn("The `implementation` argument in `SimpleRNN` has been deprecated. "
              "Please remove it from your layer call.", stacklevel + 1)
    elif kwargs.get("implementation") == 0:
        kwargs["implementation"] = 1
        _warn("`implementation=0` has been deprecated, and now defaults to `implementation=1`. "
              "Please update your layer call.", stacklevel + 1)


def _convlstm2d(args, kwargs, stacklevel):
    converted = _forget_bias_init(kwargs, stacklevel + 1)
    args, kwargs, more = _conv2d(args, kwargs, stacklevel, _CONVLSTM_NAMES)
    return args, kwargs, converted + more


def _embedding(args, kwargs, stacklevel):
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        _warn("The `dropout` argument is no longer support in `Embedding`. You can apply a "
              "`keras.layers.SpatialDropout1D` layer right after the `Embedding` layer to get "
              "the same behavior.", stacklevel + 1)
    return args, kwargs, []


def _batchnorm(args, kwargs, stacklevel):
    if "mode" not in kwargs:
        return args, kwargs, []
    mode = kwargs.pop("mode")
    if mode != 0:
        raise TypeError(f"BatchNormalization: Keras 1's `mode={mode!r}` no longer exists (Keras 2 "
                        "kept only mode=0, the feature-wise normalization). Remove `mode`, or "
                        "normalize per sample yourself (e.g. LayerNormalization for mode=1).")
    return args, kwargs, [("mode", None)]


_PAD_KEYS = {"top_pad", "bottom_pad", "left_pad", "right_pad"}


def _pads(padding: dict) -> tuple:
    return ((padding.get("top_pad", 0), padding.get("bottom_pad", 0)),
            (padding.get("left_pad", 0), padding.get("right_pad", 0)))


def _zeropadding2d(args, kwargs, stacklevel):
    """Keras 1's ``padding={'top_pad': ..., ...}`` dict -> ``((top, bottom), (left, right))``."""
    padding = kwargs.get("padding")
    if isinstance(padding, dict) and set(padding) <= _PAD_KEYS:
        kwargs["padding"] = _pads(padding)
    elif len(args) == 1 and isinstance(args[0], dict) and set(args[0]) <= _PAD_KEYS:
        args = (_pads(args[0]),)
    else:
        return args, kwargs, []
    _warn("The `padding` argument in the Keras 2 API no longer accepts dict types. You can now "
          "input argument as: `padding=((top_pad, bottom_pad), (left_pad, right_pad))`.",
          stacklevel + 1)
    return args, kwargs, []


# ---------------------------------------------------------------------------- the table
_SEPARABLE_NAMES = _CONV_NAMES + (("b_regularizer", "bias_regularizer"),
                                  ("b_constraint", "bias_constraint"), ("bias", "use_bias"))
_CONVLSTM_NAMES = _CONV_NAMES + (
    ("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
    ("W_regularizer", "kernel_regularizer"), ("U_regularizer", "recurrent_regularizer"),
    ("b_regularizer", "bias_regularizer"), ("inner_activation", "recurrent_activation"),
    ("dropout_W", "dropout"), ("dropout_U", "recurrent_dropout"), ("bias", "use_bias"))

_dropout = LegacyInterface(conversions=(("p", "rate"),))
_spatial_dropout_nd = LegacyInterface(conversions=(("p", "rate"), ("dim_ordering", "data_format")),
                                      value_conversions=_DIM_ORDERING)
_pooling1d = LegacyInterface(conversions=(("pool_length", "pool_size"), ("stride", "strides"),
                                          ("border_mode", "padding")))
_pooling_nd = LegacyInterface(conversions=(("border_mode", "padding"),
                                           ("dim_ordering", "data_format")),
                              value_conversions=_DIM_ORDERING)
_data_format = LegacyInterface(conversions=(("dim_ordering", "data_format"),),
                               value_conversions=_DIM_ORDERING)
_recurrent_interface = LegacyInterface(
    conversions=(("output_dim", "units"), ("init", "kernel_initializer"),
                 ("inner_init", "recurrent_initializer"),
                 ("inner_activation", "recurrent_activation"),
                 ("W_regularizer", "kernel_regularizer"), ("b_regularizer", "bias_regularizer"),
                 ("U_regularizer", "recurrent_regularizer"), ("dropout_W", "dropout"),
                 ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")),
    value_conversions={"consume_less": {"cpu": 0, "mem": 1, "gpu": 2}},
    preprocessor=_recurrent, postprocessor=_recurrent_implementation)
_conv2d_interface = LegacyInterface(conversions=_CONV_NAMES + _WEIGHT_NAMES,
                                    value_conversions=_DIM_ORDERING, preprocessor=_conv2d)
_model_constructor = LegacyInterface(conversions=(("input", "inputs"), ("output", "outputs")))

LAYER_INTERFACES: dict[str, LegacyInterface] = {
    "Dense": LegacyInterface(conversions=(("output_dim", "units"),) + _WEIGHT_NAMES),
    "Dropout": _dropout,
    "SpatialDropout1D": _dropout,
    "SpatialDropout2D": _spatial_dropout_nd,
    "SpatialDropout3D": _spatial_dropout_nd,
    "GaussianDropout": _dropout,
    "GaussianNoise": LegacyInterface(conversions=(("sigma", "stddev"),)),
    "Embedding": LegacyInterface(
        conversions=(("init", "embeddings_initializer"), ("W_regularizer", "embeddings_regularizer"),
                     ("W_constraint", "embeddings_constraint")),
        preprocessor=_embedding),
    "PReLU": LegacyInterface(conversions=(("init", "alpha_initializer"),)),
    "MaxPooling1D": _pooling1d,
    "AveragePooling1D": _pooling1d,
    "MaxPooling2D": _pooling_nd,
    "AveragePooling2D": _pooling_nd,
    "MaxPooling3D": _pooling_nd,
    "AveragePooling3D": _pooling_nd,
    "GlobalMaxPooling2D": _data_format,
    "GlobalAveragePooling2D": _data_format,
    "GlobalMaxPooling3D": _data_format,
    "GlobalAveragePooling3D": _data_format,
    "UpSampling1D": LegacyInterface(conversions=(("length", "size"),)),
    "UpSampling2D": _data_format,
    "UpSampling3D": _data_format,
    "ZeroPadding2D": LegacyInterface(conversions=(("dim_ordering", "data_format"),),
                                     value_conversions=_DIM_ORDERING, preprocessor=_zeropadding2d),
    "ZeroPadding3D": _data_format,
    "Cropping2D": _data_format,
    "Cropping3D": _data_format,
    "SimpleRNN": _recurrent_interface,
    "GRU": _recurrent_interface,
    "LSTM": _recurrent_interface,
    "Conv1D": LegacyInterface(
        conversions=(("nb_filter", "filters"), ("filter_length", "kernel_size"),
                     ("subsample_length", "strides"), ("border_mode", "padding")) + _WEIGHT_NAMES,
        preprocessor=_conv1d),
    "Conv2D": _conv2d_interface,
    "SeparableConv2D": LegacyInterface(conversions=_SEPARABLE_NAMES,
                                       value_conversions=_DIM_ORDERING,
                                       preprocessor=_separable_conv2d),
    "Conv2DTranspose": LegacyInterface(conversions=_CONV_NAMES + _WEIGHT_NAMES,
                                       value_conversions=_DIM_ORDERING, preprocessor=_deconv2d),
    "Conv3D": LegacyInterface(conversions=_CONV_NAMES + _WEIGHT_NAMES,
                              value_conversions=_DIM_ORDERING, preprocessor=_conv3d),
    "ConvLSTM2D": LegacyInterface(conversions=_CONVLSTM_NAMES, value_conversions=_DIM_ORDERING,
                                  preprocessor=_convlstm2d),
    "BatchNormalization": LegacyInterface(conversions=(("beta_init", "beta_initializer"),
                                                       ("gamma_init", "gamma_initializer")),
                                          preprocessor=_batchnorm),
    "InputLayer": LegacyInterface(conversions=(("input_dtype", "dtype"),)),
    "Model": _model_constructor,
    "Functional": _model_constructor,
}

# Keras 2 named the class the user wrote: ``Model(input=..., output=...)``.
_SHOWN_NAMES = {"Functional": "Model"}
_converting: set[int] = set()


def wrap_legacy_init(cls) -> None:
    """Make ``cls.__init__`` take Keras 1 arguments, when ``cls`` is one of keraton's listed classes.

    The conversion runs once per construction, in the outermost listed
    ``__init__`` (a keraton subclass calling its parent's ``__init__`` is not
    converted twice); a user's subclass inherits it. A user's layer whose
    automatic config captured Keras 1 keywords gets them renamed too.
    """
    interface = LAYER_INTERFACES.get(cls.__name__)
    if interface is None or not cls.__module__.startswith("keraton."):
        return
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        key = id(self)
        if key in _converting:
            return init(self, *args, **kwargs)
        _converting.add(key)
        try:
            owner = type(self).__name__
            new_args, new_kwargs = interface.convert(_SHOWN_NAMES.get(owner, owner), args, kwargs,
                                                     stacklevel=2)
            if new_kwargs.keys() != kwargs.keys():
                _rename_auto_config(self, kwargs, new_kwargs)
            return init(self, *new_args, **new_kwargs)
        finally:
            _converting.discard(key)

    cls.__init__ = __init__


def _rename_auto_config(layer, old_kwargs: dict, new_kwargs: dict) -> None:
    """Keras 2 names in the config Keras 3 captured from a user layer's ``**kwargs``."""
    config = layer.__dict__.get("_auto_config")
    gone = [k for k in old_kwargs if k not in new_kwargs]
    if not config or not any(k in config for k in gone):
        return
    for k in gone:
        config.pop(k, None)
    config.update({k: v for k, v in new_kwargs.items() if k not in old_kwargs})


# ---------------------------------------------------------------------------- model methods
_KERAS1_GENERATOR_ARGS = {"samples_per_epoch", "val_samples", "nb_epoch", "nb_val_samples",
                          "nb_worker"}


def _generator_methods(args, kwargs, stacklevel):
    """``samples_per_epoch`` -> ``steps_per_epoch``: divided by ``generator.batch_size`` if it has one."""
    converted = []
    if len(args) < 2 and "samples_per_epoch" in kwargs:
        samples = kwargs.pop("samples_per_epoch")
        generator = args[0] if args else kwargs.get("generator")
        batch_size = getattr(generator, "batch_size", None)
        kwargs["steps_per_epoch"] = samples // batch_size if batch_size else samples
        converted.append(("samples_per_epoch", "steps_per_epoch"))
    if _KERAS1_GENERATOR_ARGS & kwargs.keys():
        _warn("The semantics of the Keras 2 argument `steps_per_epoch` is not the same as the "
              "Keras 1 argument `samples_per_epoch`. `steps_per_epoch` is the number of batches "
              "to draw from the generator at each epoch. Basically steps_per_epoch = "
              "samples_per_epoch/batch_size. Similarly `nb_val_samples`->`validation_steps` and "
              "`val_samples`->`steps` arguments have changed. Update your method calls "
              "accordingly.", stacklevel + 1)
    return args, kwargs, converted


GENERATOR_METHODS = LegacyInterface(
    conversions=(("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps"),
                 ("nb_epoch", "epochs"), ("nb_val_samples", "validation_steps"),
                 ("nb_worker", "workers"), ("pickle_safe", "use_multiprocessing"),
                 ("max_q_size", "max_queue_size")),
    preprocessor=_generator_methods)


def legacy_generator_method(method):
    """Decorate ``fit_generator``/``evaluate_generator``/``predict_generator`` with Keras 1's names.

    As Keras 2: ``samples_per_epoch`` becomes ``steps_per_epoch`` (divided by
    the generator's ``batch_size`` when it has one, else taken as it is, with
    a warning); ``nb_val_samples`` and ``val_samples`` become
    ``validation_steps`` and ``steps`` unchanged.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        args, kwargs = GENERATOR_METHODS.convert(method.__name__, args, kwargs, stacklevel=2)
        return method(self, *args, **kwargs)

    return wrapper


def fit_epochs(kwargs: dict, epochs):
    """``epochs``, or Keras 1's ``nb_epoch`` popped from ``fit``'s ``kwargs`` (with Keras 2's warning)."""
    if "nb_epoch" not in kwargs:
        return epochs
    warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.", stacklevel=4)
    return kwargs.pop("nb_epoch")
