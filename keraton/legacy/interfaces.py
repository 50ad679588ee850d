"""Keras 2's ``keras.legacy.interfaces``: the decorators that took Keras 1 argument names.

Standalone Keras 2.x (2.0-2.2.5) put ``@interfaces.legacy_conv2d_support`` and
its siblings on its layers' ``__init__``, so that Keras 1 calls
(``Conv2D(8, 3, 3, border_mode="same")``) kept working with a ``UserWarning``
(``Update your `Conv2D` call to the Keras 2 API: ...``).  Custom layers copied
from Keras 2's source, and custom optimizers (``get_updates``), still carry
these decorators; this module lets them import and run.

Each ``legacy_*_support`` decorator applies the matching entry of keraton's
own table (:data:`keraton.legacy_interfaces.LAYER_INTERFACES`), so a decorated
user layer converts exactly as keraton's layer of that family does.  On an
``__init__`` the conversion runs once per construction: a decorated
``__init__`` calling keraton's (already converting) ``__init__`` through
``super()`` neither converts nor warns a second time.

:func:`generate_legacy_interface` builds a decorator from ``conversions`` /
``value_conversions`` / ``preprocessor`` as Keras 2.2.5 did, for code that
defines its own interfaces.

Where keraton differs from Keras 2.2.5: the ``legacy_*_support`` decorators
leave the count of positional arguments to the decorated function's signature
(keraton's table does not check it, see :mod:`keraton.legacy_interfaces`), and
``Conv2D``-family calls ``(filters, a, b)`` read ``b`` as Keras 1's
``nb_col`` only when ``a == b`` or a Keras 1 keyword is given, as keraton's
layers do.  :func:`generate_legacy_interface` checks
``allowed_positional_args`` as Keras 2 did.

Importing this module warns once that it is a Keras 2 path.

Example:
    >>> from keraton.legacy import interfaces
    >>> class MyDense(keraton.layers.Dense):
    ...     @interfaces.legacy_dense_support
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(units, **kwargs)
    >>> MyDense(output_dim=4).units   # warns: Update your `MyDense` call to the Keras 2 API
    4
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import replace

from keraton import legacy_interfaces as _tables
from keraton.legacy_interfaces import GENERATOR_METHODS, LAYER_INTERFACES, LegacyInterface
from keraton.utils.keras2_names import warn_keras2_name

__all__ = [
    "generate_legacy_interface", "generate_legacy_method_interface", "raise_duplicate_arg_error",
    "legacy_dense_support", "legacy_dropout_support", "legacy_embedding_support",
    "legacy_pooling1d_support", "legacy_pooling2d_support", "legacy_pooling3d_support",
    "legacy_global_pooling_support", "legacy_prelu_support", "legacy_gaussiannoise_support",
    "legacy_gaussiandropout_support", "legacy_recurrent_support", "legacy_conv1d_support",
    "legacy_conv2d_support", "legacy_separable_conv2d_support", "legacy_deconv2d_support",
    "legacy_conv3d_support", "legacy_convlstm2d_support", "legacy_batchnorm_support",
    "legacy_spatialdropout1d_support", "legacy_spatialdropoutNd_support",
    "legacy_upsampling1d_support", "legacy_upsampling2d_support", "legacy_upsampling3d_support",
    "legacy_zeropadding2d_support", "legacy_zeropadding3d_support", "legacy_cropping2d_support",
    "legacy_cropping3d_support", "legacy_lambda_support", "legacy_model_constructor_support",
    "legacy_input_support", "legacy_generator_methods_support", "legacy_add_weight_support",
    "legacy_get_updates_support",
]

warn_keras2_name("keras.legacy.interfaces",
                 "the Keras 2/3 argument names without these decorators")


def raise_duplicate_arg_error(old_arg, new_arg):
    """Raise Keras 2's ``TypeError`` for a call giving both Keras 1's ``old_arg`` and Keras 2's ``new_arg``."""
    raise TypeError(f"For the `{new_arg}` argument, the layer received both the legacy keyword "
                    f"argument `{old_arg}` and the Keras 2 keyword argument `{new_arg}`. "
                    "Stick to the latter!")


def _checked_preprocessor(interface: LegacyInterface, carried: list):
    """``interface``'s preprocessor, then Keras 2's duplicate-name check; adds ``carried`` conversions."""
    inner = interface.preprocessor

    def preprocess(args, kwargs, stacklevel):
        converted = list(carried)
        if inner is not None:
            args, kwargs, more = inner(args, kwargs, stacklevel + 1)
            converted += list(more)
        for old, new in interface.conversions:
            if old in kwargs and new in kwargs:
                raise_duplicate_arg_error(old, new)
        return args, kwargs, converted

    return preprocess


def _decorator(interface: LegacyInterface, object_type: str, before_convert=None):
    """A decorator converting the arguments of a method (``self`` first) with ``interface``.

    ``before_convert(name, args, kwargs) -> (args, kwargs, converted)`` runs
    first (``args`` with ``self``): :func:`generate_legacy_interface`'s
    Keras-style preprocessor, positional and value checks.
    """
    if object_type not in ("class", "method"):
        raise ValueError(f"`object_type` must be 'class' or 'method', got {object_type!r}.")

    def legacy_support(func):
        guarded = func.__name__ == "__init__" and object_type == "class"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not args:
                raise TypeError(f"{func.__qualname__}() carries a Keras 2 legacy interface: it "
                                "must be called as a method, with the object first.")
            obj = args[0]
            key = id(obj)
            if guarded and key in _tables._converting:
                return func(*args, **kwargs)  # an outer __init__ already converted this call
            if object_type == "class":
                name = type(obj).__name__
                name = _tables._SHOWN_NAMES.get(name, name)
            else:
                name = func.__name__
            if guarded:
                _tables._converting.add(key)
            try:
                given, converted = kwargs, []
                if before_convert is not None:
                    args, kwargs, converted = before_convert(name, args, dict(kwargs))
                call_interface = replace(interface,
                                         preprocessor=_checked_preprocessor(interface, converted))
                new_args, new_kwargs = call_interface.convert(name, tuple(args[1:]), kwargs,
                                                              stacklevel=2)
                if guarded and new_kwargs.keys() != given.keys():
                    _tables._rename_auto_config(obj, given, new_kwargs)
                return func(obj, *new_args, **new_kwargs)
            finally:
                if guarded:
                    _tables._converting.discard(key)

        wrapper._original_function = func
        return wrapper

    return legacy_support


def generate_legacy_interface(allowed_positional_args=None, conversions=None, preprocessor=None,
                              value_conversions=None, object_type="class"):
    """Build a decorator taking Keras 1 argument names, as Keras 2.2.5's function of this name.

    Args:
        allowed_positional_args: the names of the positional arguments allowed
            after ``self``; more raise ``TypeError``.  ``None``: no check.
        conversions: ``(old_name, new_name)`` keyword renames.
        preprocessor: ``preprocessor(args, kwargs) -> (args, kwargs, converted)``
            with ``args`` including ``self`` (Keras 2's signature); a non-empty
            ``converted`` makes the call warn.
        value_conversions: ``{keyword: {old_value: new_value}}``, applied before
            the renames.
        object_type: ``"class"`` names the object's class in the warning
            (``Update your `MyLayer` call ...``), ``"method"`` the method.

    The decorated function's ``self`` is its first argument.  When a keyword
    was converted (or the preprocessor reports a conversion) the call warns
    ``Update your `X` call to the Keras 2 API: `X(...)```; giving both an old
    name and its new name raises :func:`raise_duplicate_arg_error`'s error.
    """
    allowed = None if allowed_positional_args is None else list(allowed_positional_args)
    values = dict(value_conversions or {})

    def before_convert(name, args, kwargs):
        converted = []
        if preprocessor is not None:
            args, kwargs, converted = preprocessor(args, kwargs)
            converted = list(converted)
        if allowed is not None and len(args) > len(allowed) + 1:
            raise TypeError(f"`{name}` can accept only {len(allowed)} positional arguments "
                            f"{tuple(allowed)}, but you passed the following positional "
                            f"arguments: {list(args[1:])}")
        for key, table in values.items():
            value = kwargs.get(key)
            if key in kwargs and isinstance(value, Hashable) and value in table:
                kwargs[key] = table[value]
        return args, kwargs, converted

    interface = LegacyInterface(conversions=tuple(tuple(pair) for pair in conversions or ()))
    return _decorator(interface, object_type, before_convert)


generate_legacy_method_interface = functools.partial(generate_legacy_interface,
                                                     object_type="method")
generate_legacy_method_interface.__doc__ = (
    "``generate_legacy_interface(..., object_type='method')``: the warning names the method.")


def _table_decorator(class_name: str, object_type: str = "class"):
    return _decorator(LAYER_INTERFACES[class_name], object_type)


legacy_dense_support = _table_decorator("Dense")
legacy_dropout_support = _table_decorator("Dropout")
legacy_embedding_support = _table_decorator("Embedding")
legacy_pooling1d_support = _table_decorator("MaxPooling1D")
legacy_pooling2d_support = _table_decorator("MaxPooling2D")
legacy_pooling3d_support = _table_decorator("MaxPooling3D")
legacy_global_pooling_support = _table_decorator("GlobalMaxPooling2D")
legacy_prelu_support = _table_decorator("PReLU")
legacy_gaussiannoise_support = _table_decorator("GaussianNoise")
legacy_gaussiandropout_support = _table_decorator("GaussianDropout")
legacy_recurrent_support = _table_decorator("LSTM")
legacy_conv1d_support = _table_decorator("Conv1D")
legacy_conv2d_support = _table_decorator("Conv2D")
legacy_separable_conv2d_support = _table_decorator("SeparableConv2D")
legacy_deconv2d_support = _table_decorator("Conv2DTranspose")
legacy_conv3d_support = _table_decorator("Conv3D")
legacy_convlstm2d_support = _table_decorator("ConvLSTM2D")
legacy_batchnorm_support = _table_decorator("BatchNormalization")
legacy_spatialdropout1d_support = _table_decorator("SpatialDropout1D")
legacy_spatialdropoutNd_support = _table_decorator("SpatialDropout2D")  # noqa: N816 (Keras's name)
legacy_upsampling1d_support = _table_decorator("UpSampling1D")
legacy_upsampling2d_support = _table_decorator("UpSampling2D")
legacy_upsampling3d_support = _table_decorator("UpSampling3D")
legacy_zeropadding2d_support = _table_decorator("ZeroPadding2D")
legacy_zeropadding3d_support = _table_decorator("ZeroPadding3D")
legacy_cropping2d_support = _table_decorator("Cropping2D")
legacy_cropping3d_support = _table_decorator("Cropping3D")
legacy_model_constructor_support = _table_decorator("Model")
legacy_input_support = _table_decorator("InputLayer")
legacy_generator_methods_support = _decorator(GENERATOR_METHODS, "method")
# Keras 2.0-2.1's Lambda: only a check on the positional arguments.
legacy_lambda_support = generate_legacy_interface(
    allowed_positional_args=["function", "output_shape"])


def _add_weight_preprocessor(args, kwargs):
    """Keras 1's ``add_weight(shape, ...)`` -> Keras 2's ``add_weight(name, shape, ...)`` keywords.

    As Keras 2.2.5: a tuple/list first argument is the ``shape``, and a string
    after it the ``name`` -- unless ``name`` is given as a keyword, where the
    string is Keras 1's positional ``initializer`` (Keras 2.2.5 overwrote the
    ``name`` keyword with it).
    """
    if len(args) > 1 and isinstance(args[1], (tuple, list)):
        kwargs["shape"] = args[1]
        args = (args[0],) + tuple(args[2:])
        if len(args) > 1 and isinstance(args[1], str):
            kwargs["initializer" if "name" in kwargs else "name"] = args[1]
            args = (args[0],) + tuple(args[2:])
    return args, kwargs, []


legacy_add_weight_support = generate_legacy_interface(
    allowed_positional_args=["name", "shape"], preprocessor=_add_weight_preprocessor)
legacy_add_weight_support.__doc__ = (
    "Decorate ``add_weight(self, name, shape, ...)`` (Keras 2's order) to take Keras 1's "
    "``add_weight(shape, ...)``.\n\nkeraton's own ``Layer.add_weight`` already accepts Keras 2's "
    "and Keras 3's orders; this decorator serves overrides copied from Keras 2.")


def _get_updates_preprocessor(args, kwargs):
    """Keras 2.0's ``get_updates(params, constraints, loss)`` -> Keras 2.1+'s ``(loss, params)``."""
    if len(args) > 4:
        raise TypeError(f"`get_updates` takes (loss, params) or Keras 2.0's (params, constraints, "
                        f"loss), but received {len(args) - 1} positional arguments.")
    if len(args) == 4:
        kwargs["loss"], kwargs["params"] = args[3], args[1]
        return (args[0],), kwargs, []
    if len(args) == 3 and isinstance(args[1], (list, tuple)) and isinstance(args[2], dict):
        if "loss" not in kwargs:
            raise TypeError("`get_updates(params, constraints)` (Keras 2.0's order) needs "
                            "`loss=` as a keyword argument.")
        kwargs["params"] = args[1]
        return (args[0],), kwargs, []
    kwargs.pop("constraints", None)  # Keras 2.0's keyword; Keras 2.1+ applies constraints itself
    return args, kwargs, []


_get_updates_support = generate_legacy_interface(preprocessor=_get_updates_preprocessor)


def legacy_get_updates_support(func):
    """Decorate ``get_updates(self, loss, params)`` to also take Keras 2.0's ``(params, constraints, loss)``.

    As Keras 2.1-2.2.5: the old positional order (and a positional
    ``constraints`` dict with ``loss=`` as keyword) is reordered to
    ``get_updates(loss=..., params=...)``; the constraints are dropped.

    A ``keras.optimizers.Optimizer`` subclass defining ``get_updates`` trains
    models as in Keras 2: keraton runs it on every step with TensorFlow 1's
    update semantics (:mod:`keraton.optimizers.keras2_updates`).
    """
    return _get_updates_support(func)
