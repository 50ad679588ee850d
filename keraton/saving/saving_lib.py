"""The Keras 3 ``.keras`` format: a zip of ``config.json``, ``metadata.json``, ``model.weights.h5``
and ``assets/`` (files such as adapted vocabularies, :mod:`keraton.saving.assets`).

Weights are found the way Keras 3's ``saving_lib`` finds them, so files move
both ways between keraton and Keras: starting at the model (path ``""``),
each object writes its own variables to ``<path>/vars/0, 1, ...``, then its
children are visited with the attribute name as path segment, in sorted
order with private names last.  A Sequential or Functional model visits its
``layers`` list first; a list holds its items under the snake-cased class
name made unique (``layers/dense``, ``layers/dense_1``); a compiled model's
optimizer lives under ``optimizer``; a public property returning a sublayer
names it as Keras's ``dir()`` walk does (``key_dense`` for ``_key_dense``).
In keraton the attribute names are the ``nn.Module`` child names, so any
layer works without per-layer code; a layer holding variables that Keras
keeps in a sub-object loads them from there, and a
layer whose variables Keras keeps elsewhere may define Keras's own
``save_own_variables(store)`` / ``load_own_variables(store)``.

Loading never evaluates or unpickles anything from the file: the config is
JSON, classes are found by name, weights are numeric HDF5 datasets read
through :mod:`keraton.saving.h5_store`'s checks, and zip members are read only
by their expected names, with a cap on size and compression ratio.
"""

from __future__ import annotations

import datetime
import json
import os
import warnings
import zipfile

import numpy as np
import torch
from torch import nn

from keraton.layers.layer import Layer, assign_keras_value, keras_shape
from keraton.optimizers.base_optimizer import Optimizer
from keraton.saving import assets, file_utils
from keraton.saving.h5_store import H5WeightsStore, open_h5
from keraton.saving.keras_config import model_from_config_dict, model_to_config_dict

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
VARS_FILENAME = "model.weights.h5"
KERAS_VERSION = "3.15.1"  # the Keras format version keraton writes and reads

# Zip members: refuse one larger than this, or expanding more than _MAX_RATIO times.
MAX_MEMBER_BYTES = 16 << 30
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 8 << 20


# ---------------------------------------------------------------------------- the object walk
def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _is_container(module) -> bool:
    return isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)) and not isinstance(
        module, Layer)


def children(obj) -> list:
    """``(path segment, child)`` pairs in the order Keras 3's ``_walk_saveable`` visits them."""
    from keraton.models.functional import Functional
    from keraton.models.model import Model
    from keraton.models.sequential import Sequential
    from keraton.optimizers.multi_optimizer import MultiOptimizer

    if isinstance(obj, MultiOptimizer):
        # As Keras 3.15: each sub-optimizer's state again under optimizer/optimizers/<name>.
        return [("optimizers", list(obj.optimizers))]
    if not isinstance(obj, Layer):
        return []
    out = []
    if isinstance(obj, (Sequential, Functional)):
        out.append(("layers", obj.layers))
    from keraton.layers.core.input_layer import InputLayer

    named = {}
    for name, module in obj._modules.items():
        if isinstance(module, InputLayer):
            continue  # Keras keeps a Sequential's input layer out of its saved state
        if isinstance(module, Layer):
            named[name] = module
        elif _is_container(module):
            named[name] = list(module.children())
    for name, value in _property_children(obj):
        named.setdefault(name, value)
    if isinstance(obj, Model):
        if not isinstance(obj, (Sequential, Functional)):
            named.setdefault("layers", obj.layers)
        optimizer = getattr(obj, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "_saved_with_model", True):  # no TorchOptimizer
            named.setdefault("optimizer", optimizer)
    out.extend((k, named[k]) for k in sorted(named, key=_name_key))
    return out


def _property_children(obj) -> list:
    """Layers reached through properties of the layer's own classes.

    Keras walks ``dir(obj)``, so a public property returning a private
    sublayer (``key_dense`` for ``_key_dense``) names its path.
    """
    from keraton.layers.layer import Layer as Base
    from keraton.models.functional import Functional
    from keraton.models.model import Model
    from keraton.models.sequential import Sequential

    framework = (Base, Model, Sequential, Functional, nn.Module, object)
    out = []
    for cls in type(obj).__mro__:
        if cls in framework or cls.__module__.startswith("keraton.trainers"):
            continue
        for name, attr in vars(cls).items():
            if isinstance(attr, property) and not name.startswith("__"):
                try:
                    value = getattr(obj, name)
                except Exception:  # a property that cannot be read now is not state
                    continue
                if isinstance(value, Layer) and value is not obj:
                    out.append((name, value))
    return out


def _join(path: str, segment: str) -> str:
    return f"{path}/{segment}" if path else segment


def _snake(obj) -> str:
    from keraton.backend import to_snake_case

    cls = type(obj)
    # Keras names list entries by the Python class name, which differs from the exported
    # name only for aliases such as GroupQueryAttention (class GroupedQueryAttention).
    return to_snake_case(getattr(cls, "_keras_path_name", None)
                         or getattr(cls, "_keras_class_name", cls.__name__))


def walk(obj, path: str = "", visited: set | None = None):
    """Yield ``(path, object)`` for ``obj`` and every saveable below it, each object once."""
    visited = set() if visited is None else visited
    if id(obj) in visited:
        return
    visited.add(id(obj))
    yield path, obj
    for segment, child in children(obj):
        if isinstance(child, list):
            used: dict = {}
            for item in child:
                if not isinstance(item, (Layer, Optimizer)):
                    continue
                name = _snake(item)
                used[name] = used.get(name, -1) + 1
                unique = name if used[name] == 0 else f"{name}_{used[name]}"
                yield from walk(item, _join(_join(path, segment), unique), visited)
        else:
            yield from walk(child, _join(path, segment), visited)


def own_variables(layer) -> list:
    """A layer's own weights in Keras's order: trainable, non-trainable, then plain torch modules'.

    A layer with Keras's ``variable_serialization_spec`` (``Dense``) saves only
    the weights it names, in that order, as Keras 3 does.
    """
    spec = getattr(layer, "variable_serialization_spec", None)
    if spec is not None:
        named = (getattr(layer, name, None) for name in spec[None])
        return [v for v in named if v is not None]
    trainable, non_trainable = layer._own_split()
    extra = [p for child in layer.children()
             if not isinstance(child, Layer) and not _is_container(child)
             for p in child.parameters()]
    return trainable + non_trainable + extra


# ---------------------------------------------------------------------------- state
def save_state(model, store: H5WeightsStore) -> None:
    """Write the variables of ``model`` and everything below it into ``store``."""
    for path, obj in walk(model):
        entry = store.make(path, name=getattr(obj, "name", None))
        if hasattr(obj, "save_own_variables"):
            obj.save_own_variables(entry)


def load_state(model, store: H5WeightsStore, skip_mismatch: bool = False) -> None:
    """Read every variable of ``model`` from ``store``, checking counts, shapes and dtypes first.

    Nothing is assigned until the whole file has been checked, so a refused
    file leaves the model as it was.  With ``skip_mismatch`` a mismatching
    object is skipped with a warning instead.
    """
    actions = []
    for path, obj in walk(model):
        try:
            actions.extend(_plan_object(obj, path, store))
        except ValueError as e:
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping loading weights for '{path or getattr(obj, 'name', '')}': {e}",
                          stacklevel=3)
    for action in actions:
        action()


def _plan_object(obj, path: str, store) -> list:
    from keraton.optimizers.base_optimizer import Optimizer

    entry = store.get(path)
    where = f"{type(obj).__name__} '{getattr(obj, 'name', path)}' (path '{path or '/'}')"
    if _custom_loader(obj) and not isinstance(obj, Optimizer):
        return [lambda obj=obj, entry=entry: obj.load_own_variables(entry)]
    if isinstance(obj, Optimizer):
        return _plan_optimizer(obj, entry, where)
    variables = own_variables(obj)
    if len(entry) == 0 and variables:
        entry = _nested_entries(store, path, len(variables)) or entry
    if len(entry) != len(variables):
        raise ValueError(
            f"{where} expects {len(variables)} variables, but the file holds {len(entry)} "
            f"there. Expected shapes: {[keras_shape(p) for p in variables]}."
        )
    values = [entry[str(i)] if not isinstance(entry, list) else entry[i] for i in range(len(variables))]
    for p, value in zip(variables, values):
        check_value(p, value, where)
    return [lambda p=p, v=v: assign_keras_value(p, _as_tensor_source(v)) for p, v in zip(variables, values)]


def _custom_loader(obj) -> bool:
    """Whether ``obj`` reads its own entry: a ``load_own_variables`` other than the Layer default.

    The default is planned here instead, so a whole file is checked before any
    weight is assigned (and legacy nested entries are found).
    """
    from keraton.layers.layer_weights import WeightsMixin

    method = getattr(type(obj), "load_own_variables", None)
    return method is not None and method is not WeightsMixin.load_own_variables


def _plan_optimizer(optimizer, entry, where) -> list:
    if len(entry) == 0:
        return []
    if not optimizer.built:
        warnings.warn(f"Skipping the saved state of {where}: the optimizer is not built.", stacklevel=4)
        return []
    variables = optimizer.variables
    if len(entry) != len(variables):
        unbuilt = _unbuilt_optimizer_state(variables, entry)
        if unbuilt is not None:
            return unbuilt
        # As Keras: an optimizer saved for another model is skipped.
        warnings.warn(f"Skipping the saved state of {where}: it has {len(variables)} variables, "
                      f"the file holds {len(entry)}.", stacklevel=4)
        return []
    values = [entry[str(i)] for i in range(len(variables))]
    for v, value in zip(variables, values):
        expected = keras_shape(v) if isinstance(v, torch.Tensor) else tuple(v.shape)
        if tuple(value.shape) != expected:
            # Skipped as Keras skips a mismatched optimizer; keraton files from before
            # 2026-12-07 hold conv and RNN slots in torch's layout and land here.
            warnings.warn(f"Skipping the saved state of {where}: a saved variable has shape "
                          f"{tuple(value.shape)}, expected {expected} (Keras's layout). The "
                          "optimizer starts from fresh state.", stacklevel=4)
            return []
    return [lambda: optimizer.set_weights(values)]


def _unbuilt_optimizer_state(variables, entry):
    """Loaders for an optimizer saved before it was built (compiled, never trained), else None.

    Such a file holds only the leading scalars (``iteration``, ``learning_rate``)
    with ``iteration`` 0; keraton restores them (a learning rate changed after
    ``compile`` survives).  Keras skips the state with a warning.
    """
    from keraton.optimizers.scalar_variable import ScalarVariable

    scalars = 0
    while scalars < len(variables) and isinstance(variables[scalars], ScalarVariable):
        scalars += 1
    values = [entry[str(i)] for i in range(len(entry))]
    if len(values) != scalars or any(tuple(v.shape) != () for v in values) or float(values[0][()]) != 0:
        return None
    return [lambda v=v, value=value: v.assign(float(value[()])) for v, value in zip(variables, values)]


def _nested_entries(store, path: str, count: int):
    """Variables a layer keeps itself but Keras keeps in sub-objects (``lstm/cell/vars``)."""
    found = []

    def collect(p):
        entry = store.get(p)
        found.extend(entry[k] for k in entry.keys())
        for sub in sorted(store.subgroups(p), key=_name_key):
            collect(_join(p, sub))

    for sub in sorted(store.subgroups(path), key=_name_key):
        collect(_join(path, sub))
    return found if len(found) == count else None


def check_value(param, value, where: str) -> None:
    """Refuse a saved array of the wrong shape or of a dtype kind the weight cannot hold."""
    expected = keras_shape(param)
    if tuple(value.shape) != tuple(expected):
        raise ValueError(
            f"{where}: weight '{getattr(param, '_keras_name', '?')}' has shape {expected}, but the "
            f"file holds an array of shape {tuple(value.shape)}."
        )
    kind = np.asarray(value).dtype.kind
    if param.dtype.is_floating_point and kind not in "f":
        raise ValueError(f"{where}: weight '{getattr(param, '_keras_name', '?')}' is "
                         f"{param.dtype}, but the file holds {value.dtype} values.")
    if not param.dtype.is_floating_point and kind == "f":
        raise ValueError(f"{where}: weight '{getattr(param, '_keras_name', '?')}' is "
                         f"{param.dtype}, but the file holds {value.dtype} values.")


def _as_tensor_source(value):
    import torch

    # ascontiguousarray turns a 0-d array into shape (1,): keep the file's shape.
    return torch.from_numpy(np.ascontiguousarray(value).reshape(np.shape(value)))


def _to_numpy(param) -> np.ndarray:
    import torch

    from keraton.layers.layer import keras_value

    value = keras_value(param)
    if value.dtype == torch.bfloat16:  # NumPy has no bfloat16; Keras tags it, keraton widens it
        value = value.float()
    return value.cpu().numpy()


# ---------------------------------------------------------------------------- .keras files
def save_model(model, filepath) -> None:
    """Write ``model`` to a ``.keras`` zip (Keras 3's layout), atomically."""
    if not model.built:
        warnings.warn(f"Model '{model.name}' is not built: the file will hold no weights yet. Call "
                      "the model on data or build() it first.", stacklevel=3)
    config = model_to_config_dict(model)
    metadata = {"keras_version": KERAS_VERSION, "date_saved":
                datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = _weights_bytes(model)
    asset_files = assets.collect_assets(walk(model))
    with file_utils.atomic_write(filepath) as f, zipfile.ZipFile(f, "w") as zf:
        zf.writestr(METADATA_FILENAME, json.dumps(metadata))
        zf.writestr(CONFIG_FILENAME, json.dumps(config))
        zf.writestr(VARS_FILENAME, weights)
        assets.write_assets(zf, asset_files)


def _weights_bytes(model) -> bytes:
    import io

    buffer = io.BytesIO()
    h5 = open_h5(buffer, "w")
    try:
        save_state(model, H5WeightsStore(h5, writable=True))
    finally:
        h5.close()
    return buffer.getvalue()


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Read a ``.keras`` file: rebuild the model from ``config.json`` and load its weights."""
    from keraton.saving.safe_mode_state import safe_mode_scope

    with open_archive(filepath) as zf:
        config = _read_json(zf, CONFIG_FILENAME)
        with safe_mode_scope(safe_mode):
            model = model_from_config_dict(config, custom_objects=custom_objects, compile=compile)
        names = zf.namelist()
        if VARS_FILENAME not in names:
            raise ValueError(f"{filepath!s} is not a valid .keras file: it has no {VARS_FILENAME}.")
        h5 = open_h5(read_member(zf, VARS_FILENAME))
        try:
            load_state(model, H5WeightsStore(h5))
        finally:
            h5.close()
        assets.load_assets(walk(model), zf)
    return model


def open_archive(filepath) -> zipfile.ZipFile:
    """Open a ``.keras`` zip for reading, refusing unsafe member names; bad zips raise ``ValueError``."""
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise ValueError(f"No file found at {os.fspath(filepath)!r}.") from e
        raise ValueError(f"{os.fspath(filepath)!r} is not a valid .keras file (a zip archive): {e}") from e
    for info in zf.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            zf.close()
            raise ValueError(f"Not allowed: the archive member {name!r} points outside the archive.")
    return zf


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """Read one zip member, refusing decompression bombs (size cap and compression-ratio cap)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"The archive has no member {name!r}.") from None
    if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
        raise ValueError(
            f"Not allowed: archive member {name!r} declares {info.file_size} bytes for "
            f"{info.compress_size} stored; refusing a potential decompression bomb."
        )
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as e:
        raise ValueError(f"Cannot read archive member {name!r}: the file is corrupt ({e}).") from e
    if len(data) > info.file_size:
        raise ValueError(f"Archive member {name!r} is larger than it declares; refusing it.")
    return data


def _read_json(zf, name: str) -> dict:
    try:
        value = json.loads(read_member(zf, name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{name} in the archive is not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise ValueError(f"{name} in the archive must hold a JSON object, got {type(value).__name__}.")
    return value


# ---------------------------------------------------------------------------- weights only
def save_weights_only(model, filepath) -> None:
    """Write the weights to ``filepath`` (``.weights.h5``) in Keras 3's layout, atomically."""
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built, so it has no weights to save yet. Call "
                         "it on data or build() it first.")
    data = _weights_bytes(model)
    with file_utils.atomic_write(filepath) as f:
        f.write(data)


def load_weights_only(model, filepath, skip_mismatch: bool = False) -> None:
    """Load weights from a ``.weights.h5`` file or the weights of a ``.keras`` file."""
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built: build it (call it on data or build()) "
                         "before loading weights into it.")
    if os.fspath(filepath).endswith(".keras"):
        with open_archive(filepath) as zf:
            data = read_member(zf, VARS_FILENAME)
    else:
        data = filepath
    h5 = open_h5(data)
    try:
        load_state(model, H5WeightsStore(h5), skip_mismatch=skip_mismatch)
    finally:
        h5.close()
