"""Global state of keraton, in one place: layer-name counters, float type, epsilon, data format.

Matches the state functions of ``keras.backend`` (``floatx``, ``epsilon``,
``image_data_format``, ``clear_session``).  Everything here is plain Python and
resettable; there is no hidden tensor engine: tensors are torch tensors.
"""

from __future__ import annotations

import collections
import re

import numpy as np
import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_NAME_COUNTERS: collections.Counter = collections.Counter()

_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
}


def backend() -> str:
    """The name of the backend: always ``"torch"`` (``keras.backend.backend()``)."""
    return "torch"


def floatx() -> str:
    """Return the default float type as a string (``'float32'`` unless changed), as in Keras."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type (``'float16'``, ``'bfloat16'``, ``'float32'`` or ``'float64'``)."""
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx type {value!r}: expected one of 'float16', 'bfloat16', "
            "'float32', 'float64'."
        )
    _FLOATX = value


def epsilon() -> float:
    """Return the fuzz factor used in numeric expressions (``1e-7``, Keras's default)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def keras_config_path() -> str:
    """Where Keras keeps its user configuration: ``$KERAS_HOME/keras.json``, else ``~/.keras/keras.json``."""
    import os

    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(os.path.expanduser(home), "keras.json")


def load_keras_config(path: str | None = None) -> None:
    """Apply ``floatx``, ``epsilon`` and ``image_data_format`` from Keras's ``keras.json``, as Keras at import.

    keraton reads the file Keras reads (:func:`keras_config_path`), so a
    user's ``"image_data_format": "channels_first"`` holds here too; Keras
    1's ``"image_dim_ordering": "th"`` counts when ``image_data_format`` is
    absent.  ``backend`` is ignored (keraton is torch), and, unlike Keras,
    keraton never writes the file.  An unreadable file or a bad value warns
    and leaves that setting at Keras's default.
    """
    import json
    import os
    import warnings

    path = path or keras_config_path()
    if not os.path.isfile(path):
        return
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        if not isinstance(config, dict):
            raise ValueError("expected a JSON object")
    except (OSError, ValueError) as e:
        warnings.warn(f"Ignoring the Keras configuration file {path}: {e}.", stacklevel=2)
        return
    if "image_data_format" not in config and config.get("image_dim_ordering") in ("th", "tf"):
        config["image_data_format"] = ("channels_first" if config["image_dim_ordering"] == "th"
                                       else "channels_last")
    for key, setter in (("floatx", set_floatx), ("epsilon", set_epsilon),
                        ("image_data_format", set_image_data_format)):
        if key in config:
            try:
                if key == "epsilon" and not isinstance(config[key], (int, float)):
                    raise ValueError(f"expected a number, got {config[key]!r}")
                setter(config[key])
            except ValueError as e:
                warnings.warn(f"Ignoring `{key}` in the Keras configuration file {path}: {e}",
                              stacklevel=2)


def image_data_format() -> str:
    """Return the default image data format, ``'channels_last'`` unless changed (as in Keras)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image data format: ``'channels_last'`` or ``'channels_first'``."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'."
        )
    _IMAGE_DATA_FORMAT = data_format


def torch_dtype(dtype) -> torch.dtype:
    """Turn a Keras dtype name, a NumPy dtype or a torch dtype into a torch dtype (``None``: floatx)."""
    if dtype is None:
        return _DTYPES[_FLOATX]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", _FLOATX)
    if dtype is bool or dtype is int or dtype is float:  # Python types, as Keras 3 on torch maps them
        dtype = "bool" if dtype is bool else "int32" if dtype is int else _FLOATX
    elif isinstance(dtype, type):  # NumPy scalar types such as np.float32
        try:
            dtype = np.dtype(dtype).name
        except TypeError:
            pass
    name = getattr(dtype, "name", dtype)  # DTypePolicy objects and numpy dtypes have .name
    name = str(name)
    if name.startswith("mixed_"):
        name = "float32"
    elif name == "int":  # Keras 3's name for the default integer type: int32 on torch
        name = "int32"
    if name not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}: expected one of {sorted(_DTYPES)}.")
    return _DTYPES[name]


def standardize_dtype(dtype) -> str:
    """Keras's ``keras.backend.standardize_dtype``: the Keras name (``'float32'``) of a dtype
    given as a name, a torch or NumPy dtype or a Python type; ``None`` is ``floatx()``,
    ``'int'`` is ``'int32'`` (Keras 3 on torch).  keraton's own code takes torch dtypes
    from :func:`torch_dtype`."""
    if isinstance(dtype, str) and dtype == "string":
        return dtype
    if isinstance(dtype, str) and dtype == "float":
        raise ValueError(f"Invalid dtype: {dtype!r}. Give a sized name such as 'float32'.")
    return dtype_name(torch_dtype(dtype))


def result_type(*dtypes) -> str:
    """The dtype name an op on ``dtypes`` gives, by Keras 3's promotion (``result_type``).

    Python ``int``/``float`` are weak types; promoted 64-bit results narrow to
    32 bits, as on Keras 3's torch backend.
    """
    from keraton.ops._utils import result_type as _result_type

    return dtype_name(_result_type(*dtypes))


def dtype_name(dtype: torch.dtype) -> str:
    """Return Keras's name (``'float32'``) for a torch dtype."""
    return str(dtype).replace("torch.", "")


def to_snake_case(name: str) -> str:
    """Turn a class name into Keras's default layer name prefix (``Conv2D`` -> ``conv2d``)."""
    name = re.sub(r"\W+", "", name)  # as Keras: drop spaces and punctuation first
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def unique_object_name(prefix: str) -> str:
    """Return ``prefix``, then ``prefix_1``, ``prefix_2``... as Keras names layers and models."""
    count = _NAME_COUNTERS[prefix]
    _NAME_COUNTERS[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def get_uid(prefix: str = "") -> int:
    """The next number for ``prefix``: 1, 2, 3, ... (``keras.backend.get_uid``).

    It shares the counters that name layers: after one ``Dense`` exists,
    ``get_uid("dense")`` is 2, and the next ``Dense`` is ``dense_2``.
    """
    _NAME_COUNTERS[prefix] += 1
    return _NAME_COUNTERS[prefix]


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` (a name, torch dtype or NumPy dtype) is a floating type (Keras 3)."""
    return "float" in dtype_name(torch_dtype(dtype))


def is_int_dtype(dtype) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer type (Keras 3)."""
    return "int" in dtype_name(torch_dtype(dtype))


def device_scope(device_name) -> torch.device:
    """A context manager placing the tensors and weights created inside on a device
    (``keras.device``): ``with keraton.device("cpu"):``, ``"gpu:0"`` (Keras's name for
    ``"cuda:0"``), ``"cuda"``, ``"mps"`` or a ``torch.device``.
    """
    if isinstance(device_name, torch.device):
        return device_name
    if not isinstance(device_name, str):
        raise ValueError(f"device_scope expects a device name such as 'cpu' or 'gpu:0'. "
                         f"Received: device_name={device_name!r}")
    name = device_name.lower().strip()
    name = name.split("/device:")[-1] if "/device:" in name else name
    if name.startswith("gpu"):
        name = "cuda" + name[3:]
    try:
        return torch.device(name)
    except RuntimeError as e:
        raise ValueError(f"Unknown device {device_name!r}: expected 'cpu', 'gpu:<n>', 'cuda:<n>' "
                         f"or another torch device name ({e}).") from None


def clear_session() -> None:
    """Reset the layer-name counters, the open ``RematScope``s, Keras 2's learning phase and the
    global dtype policy.

    As ``keras.backend.clear_session()``: after this call the next ``Dense`` is
    named ``dense`` again, and layers take ``floatx()`` again after a
    ``set_dtype_policy("mixed_bfloat16")`` (``floatx`` itself stays).
    """
    from keraton import rematerialization
    from keraton.layers import call_context
    from keraton.mixed_precision import policy

    _NAME_COUNTERS.clear()
    rematerialization._SCOPE_STACK.clear()
    call_context._GLOBAL_LEARNING_PHASE[0] = None
    policy.set_global_policy(None)


def is_keras_tensor(x) -> bool:
    """Return True if ``x`` is a symbolic tensor of the functional API."""
    from keraton.layers.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def int_shape(x) -> tuple:
    """Return the shape of a tensor or symbolic tensor as a tuple of ints (``None`` unknown)."""
    return tuple(x.shape)


def __getattr__(name):
    # The Keras 2 tensor functions (K.mean, K.batch_dot, K.set_value...) live in
    # keraton.backend_functions; served lazily so that K.sum/K.max do not shadow the
    # builtins inside this module.
    import builtins

    from keraton import backend_functions

    if name not in backend_functions.__all__:
        raise AttributeError(f"module 'keraton.backend' has no attribute {name!r}")
    value = getattr(backend_functions, name)
    if not hasattr(builtins, name):
        globals()[name] = value  # cache: the next lookup is a plain attribute access
    return value


def __dir__():
    from keraton import backend_functions

    return sorted(set(globals()) | set(backend_functions.__all__))


load_keras_config()  # the user's ~/.keras/keras.json, as Keras applies it at import
