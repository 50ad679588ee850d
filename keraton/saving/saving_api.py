"""``save_model`` / ``load_model`` and the weights entry points, dispatching on the file name.

* ``.keras``: Keras 3's zip format (:mod:`keraton.saving.saving_lib`);
* ``.h5`` / ``.hdf5``: tf.keras 2's legacy HDF5 format (:mod:`keraton.saving.legacy_h5`);
* ``.weights.h5``: Keras 3's weights file; any other ``.h5``: tf.keras 2's weights file.

As ``keras.saving.load_model``, loading runs in safe mode by default: a
``Lambda`` holding Python bytecode is refused unless ``safe_mode=False``.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zipfile
import zlib

from keraton.distribution import is_primary
from keraton.saving import legacy_h5, saving_lib

# What parsers (zipfile, h5py, json, the config rebuild) raise on damaged input.
_CORRUPT_FILE_ERRORS = (OSError, KeyError, RuntimeError, TypeError, IndexError, AttributeError,
                        EOFError, zipfile.BadZipFile, zlib.error, struct.error, OverflowError,
                        RecursionError, NotImplementedError)


@contextlib.contextmanager
def _reading(path: str):
    """Turn any parser failure on a damaged file into one ``ValueError`` naming the file."""
    try:
        yield
    except (ValueError, ImportError):
        raise
    except _CORRUPT_FILE_ERRORS as e:
        raise ValueError(
            f"Cannot load {path!r}: the file is damaged or not a file keraton can read "
            f"({type(e).__name__}: {e})."
        ) from e

_H5_SUFFIXES = (".h5", ".hdf5")


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
    """Save ``model`` to ``filepath`` (``.keras`` or legacy ``.h5``), as ``keras.saving.save_model``.

    The file is written to a temporary file in the same folder and moved into
    place only when complete.

    Example:
        >>> model.save("model.keras")
        >>> keraton.saving.save_model(model, "model.h5")  # tf.keras 2 format
    """
    save_format = kwargs.pop("save_format", None)
    kwargs.pop("include_optimizer", None)
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword argument(s) {sorted(kwargs)}.")
    if not is_primary():  # in distributed training only rank 0 writes
        return
    path = os.fspath(filepath)
    if zipped is False:
        raise ValueError("zipped=False (an unzipped .keras folder) is not supported by keraton; save "
                         "to a `.keras` file instead.")
    if not overwrite and os.path.exists(path):
        raise ValueError(f"{path!r} already exists and overwrite=False.")
    if save_format == "h5" or path.endswith(_H5_SUFFIXES):
        legacy_h5.save_model_to_h5(model, path)
    elif path.endswith(".keras") and save_format in (None, "keras"):
        saving_lib.save_model(model, path)
    else:
        raise ValueError(
            "Invalid filepath extension for saving. Use `.keras` (Keras 3's format) or `.h5` "
            f"(tf.keras 2's legacy format). Received: filepath={path!r}, save_format={save_format!r}."
        )


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved as ``.keras`` (Keras 3) or ``.h5`` (tf.keras 2), as ``keras.saving.load_model``.

    Args:
        filepath: path of the file.
        custom_objects: dict of user classes/functions named in the config.
        compile: whether to compile the model with its saved ``compile`` arguments.
        safe_mode: refuse Python bytecode (``Lambda`` layers) in the config.

    Example:
        >>> model = keraton.models.load_model("model.keras")
    """
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        with _reading(path):
            return saving_lib.load_model(path, custom_objects=custom_objects, compile=compile,
                                         safe_mode=safe_mode)
    if path.endswith(_H5_SUFFIXES):
        with _reading(path):
            return legacy_h5.load_model_from_h5(path, custom_objects=custom_objects,
                                                compile=compile, safe_mode=safe_mode)
    raise ValueError(
        f"File format not supported: filepath={path!r}. keraton loads `.keras` files (Keras 3) and "
        "`.h5` files (tf.keras 2); TensorFlow SavedModel folders are not supported."
    )


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save the weights: ``.weights.h5`` in Keras 3's layout, other ``.h5`` in tf.keras 2's."""
    if not is_primary():  # in distributed training only rank 0 writes
        return
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise ValueError(f"{path!r} already exists and overwrite=False.")
    if path.endswith(".weights.h5"):
        saving_lib.save_weights_only(model, path)
    elif path.endswith(_H5_SUFFIXES):
        legacy_h5.save_weights_to_h5(model, path)
    else:
        raise ValueError(f"The filename must end in `.weights.h5` (or `.h5` for tf.keras 2's format). "
                         f"Received: filepath={path!r}")


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Load weights from ``.weights.h5``/``.keras`` (Keras 3) or a tf.keras 2 ``.h5`` file.

    ``by_name`` (tf.keras 2 files only) matches layers by name instead of order;
    ``skip_mismatch`` skips layers whose weights do not fit, with a warning.
    """
    path = os.fspath(filepath)
    if path.endswith((".weights.h5", ".keras")):
        if by_name:
            raise ValueError("by_name=True is only supported for tf.keras 2 `.h5` weight files, "
                             f"not for {path!r}.")
        with _reading(path):
            saving_lib.load_weights_only(model, path, skip_mismatch=skip_mismatch)
    elif path.endswith(_H5_SUFFIXES):
        with _reading(path):
            legacy_h5.load_weights_from_h5(model, path, by_name=by_name,
                                           skip_mismatch=skip_mismatch)
    else:
        raise ValueError(f"File format not supported for load_weights: {path!r}. Use a `.weights.h5`, "
                         "`.keras` or `.h5` file.")
