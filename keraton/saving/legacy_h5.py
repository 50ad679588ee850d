"""tf.keras 2's HDF5 format: whole models (``model.save('m.h5')``) and weights (``save_weights('w.h5')``).

Layout, as tf.keras 2 wrote it (and Keras 3 still reads):

* root attributes ``model_config`` (JSON, Keras 2 config; see
  :mod:`keraton.saving.legacy_config`), ``training_config`` (JSON: loss,
  metrics, ``optimizer_config``), ``keras_version``, ``backend``;
* group ``model_weights`` (or the root, for a weights-only file) with the
  attribute ``layer_names``; one group per layer with the attribute
  ``weight_names`` (``dense/kernel:0``) and a dataset per weight at that
  name, in the order ``trainable_weights + non_trainable_weights``.

Weights load by layer order (layers with weights only) or, with
``by_name=True``, by layer name.  Datasets are read through the same safety
checks as ``.keras`` files.  A compiled model's built optimizer is saved in
the group ``optimizer_weights`` (attribute ``weight_names``, one dataset per
variable in Keras's order), as Keras 3 writes it, and restored on loading; a
file whose optimizer state does not fit (tf.keras 2's, say) warns and leaves
the optimizer fresh, as in Keras 3.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from keraton.saving import file_utils, legacy_config
from keraton.saving.h5_store import open_h5, safe_group, safe_read

KERAS2_VERSION = b"2.15.0"


# ---------------------------------------------------------------------------- weights
def legacy_weights(layer) -> list:
    """tf.keras 2's weight order: trainable weights, then non-trainable ones."""
    return layer.trainable_weights + layer.non_trainable_weights


def _weight_name(param) -> str:
    return f"{getattr(param, '_keras_layer', 'layer')}/{getattr(param, '_keras_name', 'variable')}:0"


def save_weights_to_group(group, model) -> None:
    """Write ``model``'s weights into an HDF5 group in tf.keras 2's layout."""
    from keraton.saving.saving_lib import _to_numpy

    layers = model.layers
    group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = KERAS2_VERSION
    for layer in sorted(layers, key=lambda x: x.name):
        g = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = []
        for p in weights:
            name = _weight_name(p)
            while name in names:  # two weights with one name: keep both readable
                name = name[:-2] + "_1:0"
            names.append(name)
        g.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
        for name, p in zip(names, weights):
            g.create_dataset(name, data=_to_numpy(p))


def read_strings(group, name: str) -> list:
    """An attribute holding a list of strings, including tf.keras 2's chunked ``name0, name1...``."""
    if name in group.attrs:
        raw = group.attrs[name]
        values = list(raw) if np.ndim(raw) else [raw]
    else:
        values, k = [], 0
        while f"{name}{k}" in group.attrs:
            values.extend(list(group.attrs[f"{name}{k}"]))
            k += 1
    out = []
    for v in values:
        if isinstance(v, bytes):
            v = v.decode("utf8")
        if not isinstance(v, str):
            if isinstance(v, (float, np.floating)):  # Keras writes an empty list as float64 []
                continue
            raise ValueError(f"Invalid HDF5 weights file: attribute '{name}' holds {v!r}, expected strings.")
        out.append(v)
    return out


def _layer_values(group, layer_name: str) -> list:
    g = safe_group(group, layer_name)
    if g is None:
        raise ValueError(f"The weights file lists layer '{layer_name}' but has no group for it.")
    return _named_values(g, f"layer '{layer_name}'")


def _named_values(group, where: str) -> list:
    """The datasets a group's ``weight_names`` attribute lists (``a/b:0`` paths), in that order."""
    values = []
    for wname in read_strings(group, "weight_names"):
        parent, _, leaf = wname.rpartition("/")
        holder = safe_group(group, parent) if parent else group
        if holder is None:
            raise ValueError(f"The weights file has no weight '{wname}' for {where}.")
        values.append(safe_read(holder, leaf, where))
    return values


def _save_optimizer_weights(f, optimizer) -> None:
    """Group ``optimizer_weights``: the built optimizer's variables in Keras's order, as Keras 3 writes it."""
    from keraton.optimizers.optimizer_state import variable_path

    if not getattr(optimizer, "built", False) or not getattr(optimizer, "_saved_with_model", True):
        return
    values = optimizer.get_weights()
    if not values:
        return
    names = []
    for i, variable in enumerate(optimizer.variables):
        name = variable_path(variable) or f"{optimizer.name}/variable_{i}"
        while name in names:
            name += "_1"
        names.append(name)
    group = f.create_group("optimizer_weights")
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
    for name, value in zip(names, values):
        group.create_dataset(name, data=np.asarray(value))


def _load_optimizer_weights(f, optimizer) -> None:
    """Restore ``optimizer_weights`` into the (built) optimizer; a mismatch warns, as Keras 3."""
    group = safe_group(f, "optimizer_weights")
    if group is None or optimizer is None or not getattr(optimizer, "built", False):
        return
    try:
        optimizer.set_weights(_named_values(group, "the optimizer"))
    except ValueError as e:
        warnings.warn("Error in loading the saved optimizer state. As a result, your model is "
                      f"starting with a freshly initialized optimizer. ({e})", stacklevel=3)


def _plan(layer, values, where: str, skip_mismatch: bool) -> list:
    from keraton.layers.layer import assign_keras_value
    from keraton.saving.saving_lib import _as_tensor_source, check_value

    params = legacy_weights(layer)
    try:
        if len(values) != len(params):
            raise ValueError(f"{where} expects {len(params)} weight(s), but the file holds "
                             f"{len(values)}.")
        for p, v in zip(params, values):
            check_value(p, v, where)
    except ValueError as e:
        if not skip_mismatch:
            raise
        warnings.warn(f"Skipping loading weights for {where}: {e}", stacklevel=4)
        return []
    return [lambda p=p, v=v: assign_keras_value(p, _as_tensor_source(v)) for p, v in zip(params, values)]


def load_weights_from_group(group, model, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Load tf.keras 2 weights from ``group`` into ``model`` (by layer order, or by name)."""
    layer_names = read_strings(group, "layer_names")
    actions = []
    if by_name:
        saved = set(layer_names)
        for layer in model.layers:
            if layer.name in saved:
                values = _layer_values(group, layer.name)
                actions += _plan(layer, values, f"layer '{layer.name}'", skip_mismatch)
    else:
        if skip_mismatch:
            raise ValueError("skip_mismatch=True needs by_name=True for tf.keras 2 `.h5` weights files.")
        with_weights = [layer for layer in model.layers if legacy_weights(layer)]
        saved = [(n, _layer_values(group, n)) for n in layer_names]
        saved = [(n, v) for n, v in saved if v]
        if len(saved) != len(with_weights):
            raise ValueError(
                f"Layer count mismatch when loading weights from file: model '{model.name}' has "
                f"{len(with_weights)} layers with weights, the file has {len(saved)}."
            )
        for k, ((name, values), layer) in enumerate(zip(saved, with_weights)):
            actions += _plan(layer, values, f"layer #{k} ('{layer.name}' in the model, '{name}' "
                             "in the file)", False)
    for action in actions:
        action()


def save_weights_to_h5(model, filepath) -> None:
    """``model.save_weights('w.h5')``: tf.keras 2's weights file, written atomically."""
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built: it has no weights to save yet.")
    h5py = file_utils.require_h5py()
    with file_utils.atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
        save_weights_to_group(f, model)


def load_weights_from_h5(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """``model.load_weights('w.h5')`` for tf.keras 2 weights files (or whole-model ``.h5`` files)."""
    f = open_h5(filepath)
    try:
        group = safe_group(f, "model_weights") if "model_weights" in f else f
        load_weights_from_group(group, model, by_name=by_name, skip_mismatch=skip_mismatch)
    finally:
        f.close()


# ---------------------------------------------------------------------------- whole models
def save_model_to_h5(model, filepath) -> None:
    """``model.save('m.h5')``: config, training config and weights in tf.keras 2's layout."""
    from keraton.saving.keras_config import compile_config
    from keraton.saving.serialization_lib import serialize_keras_object

    h5py = file_utils.require_h5py()
    model_config = legacy_config.to_keras2(serialize_keras_object(model))
    with file_utils.atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = KERAS2_VERSION
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        training = compile_config(model)
        if training:
            optimizer = legacy_config.optimizer_to_keras2(training.pop("optimizer"),
                                                          legacy=_is_legacy(model.optimizer))
            for key in ("run_eagerly", "steps_per_execution", "jit_compile"):  # not in tf.keras 2
                training.pop(key)
            training = legacy_config._strip(training)
            training["optimizer_config"] = optimizer
            f.attrs["training_config"] = json.dumps(training).encode("utf8")
        save_weights_to_group(f.create_group("model_weights"), model)
        if training:
            _save_optimizer_weights(f, model.optimizer)


def load_model_from_h5(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a tf.keras 2 (or Keras 3 legacy) ``.h5`` model: config, weights, and compile arguments."""
    from keraton.saving.keras_config import compile_from_config, model_from_config_dict
    from keraton.saving.safe_mode_state import safe_mode_scope

    f = open_h5(filepath)
    try:
        config = _json_attr(f, "model_config")
        if config is None:
            raise ValueError(f"No model config found in {filepath!s}: it is a weights-only file. Build "
                             "the model and call model.load_weights() instead.")
        with safe_mode_scope(safe_mode):
            model = model_from_config_dict(legacy_config.from_keras2(config),
                                           custom_objects=custom_objects, compile=False)
        group = safe_group(f, "model_weights")
        if group is None:
            raise ValueError(f"{filepath!s} has a model config but no 'model_weights' group.")
        load_weights_from_group(group, model)
        training = _json_attr(f, "training_config") if compile else None
        if isinstance(training, dict) and training.get("optimizer_config"):
            training = dict(training)
            training["optimizer"] = _keras2_optimizer(training.pop("optimizer_config"))
            training["metrics"] = _keras2_metrics(training.get("metrics"))
            training["weighted_metrics"] = _keras2_metrics(training.get("weighted_metrics"))
            compile_from_config(model, training, custom_objects)
            _load_optimizer_weights(f, model.optimizer)
    finally:
        f.close()
    return model


def _json_attr(f, name: str):
    if name not in f.attrs:
        return None
    raw = f.attrs[name]
    if isinstance(raw, bytes):
        raw = raw.decode("utf8")
    if not isinstance(raw, str):
        raise ValueError(f"Invalid .h5 model file: attribute '{name}' is not a JSON string.")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"Invalid .h5 model file: attribute '{name}' is not valid JSON: {e}") from e


# Keys tf.keras 2.11+ writes into optimizer configs that Keras 3 optimizers do not take.
_KERAS2_OPTIMIZER_KEYS = ("jit_compile", "is_legacy_optimizer")


def _is_legacy(optimizer) -> bool:
    """Whether ``optimizer`` is one of the ``keras.optimizers.legacy`` classes with their own update rule."""
    from keraton.optimizers import legacy

    return isinstance(optimizer, legacy.LEGACY_RULE_CLASSES)


def _keras2_optimizer(config):
    """tf.keras 2 optimizer configs: ``'Custom>Adam'`` class names, extra keys, legacy optimizers.

    As tf.keras 2.15 does, a config without ``is_legacy_optimizer: False``
    (written by tf.keras <= 2.10 or by a ``keras.optimizers.legacy`` class)
    gives a :mod:`keraton.optimizers.legacy` optimizer, returned as an instance.
    """
    from keraton.optimizers import legacy

    if not isinstance(config, dict):
        return config
    config = dict(config)
    name = config.get("class_name", "")
    if isinstance(name, str) and name.startswith("Custom>"):
        config["class_name"] = name[len("Custom>"):]
    raw = config.get("config", {})
    inner = {k: v for k, v in raw.items() if k not in _KERAS2_OPTIMIZER_KEYS}
    config["config"] = inner
    legacy_class = legacy.legacy_rule_class(config["class_name"])
    if raw.get("is_legacy_optimizer", True) and legacy_class is not None:
        return legacy_class.from_config(inner)
    return config


def _keras2_metrics(metrics):
    """tf.keras 2 metric names: ``'acc'`` stays accuracy; ``'keras.metrics.mse'`` style names lose the path."""
    if metrics is None:
        return None
    if isinstance(metrics, str):
        name = metrics.rsplit(".", 1)[-1]
        return name  # "acc" stays "acc": compile resolves it and logs it under that name
    if isinstance(metrics, list):
        if len(metrics) == 1 and isinstance(metrics[0], list):
            metrics = metrics[0]  # tf.keras 2 writes one list per output
        return [_keras2_metrics(m) for m in metrics]
    if isinstance(metrics, dict) and metrics.get("class_name") == "MeanMetricWrapper":
        # tf.keras 2: {"name": "acc", "fn": "binary_accuracy"}; the name keeps the log key.
        inner = metrics.get("config", {})
        return _keras2_metrics(inner.get("name") or inner.get("fn"))
    if isinstance(metrics, dict) and "class_name" in metrics:
        return metrics
    if isinstance(metrics, dict):
        return {k: _keras2_metrics(v) for k, v in metrics.items()}
    return metrics
