"""tf.keras 2's model config format (``model_config`` of an ``.h5`` file), to and from Keras 3's.

Differences handled, as tf.keras 2.x wrote them:

* the model is ``{"class_name": "Sequential" | "Model" | "Functional", "config": ...}``
  with no ``module``/``registered_name``; nested objects (initializers,
  regularizers) likewise;
* a layer's input shape is ``batch_input_shape`` (on the InputLayer, or on the
  first layer of a Sequential);
* ``dtype`` is a plain string;
* ``inbound_nodes`` is a list of nodes, each a list of
  ``[layer_name, node_index, tensor_index, kwargs]`` (one per input tensor);
* a few arguments exist only in Keras 2 (``time_major``, BatchNormalization's
  ``fused``/``renorm``...); they are dropped when their value is the default;
* ``hard_sigmoid`` meant Keras 2's formula; it loads as Keras 3's, with a warning;
* writing, arguments tf.keras 2.15 does not take (``input_axes`` of initializers,
  ``seed`` of RNN layers, ``lora_rank``...; the table ``tf2_config_keys``) are
  left out, with a warning when their value changes what the layer computes.
"""

from __future__ import annotations

import copy
import warnings

from keraton.saving.tf2_config_keys import TF2_CONFIG_KEYS

# Keras-2-only arguments and the value Keras 3's behaviour corresponds to.
_KERAS2_ONLY = {"time_major": False, "fused": None, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99, "virtual_batch_size": None, "adjustment": None}
# Keras-3-only arguments whose value here is what tf.keras 2 always did: left out without a warning.
_KERAS2_EQUIVALENT = {"use_cudnn": "auto", "gradient_accumulation_steps": None, "rms_scaling": False}
# Arguments Keras 3 renamed: (class, Keras 3 name) -> tf.keras 2 name.
_KERAS2_NAMES = {("LeakyReLU", "negative_slope"): "alpha"}
# Layers called with several positional tensors: their names, for tf.keras 2's keyword form.
_POSITIONAL_TENSORS = {"MultiHeadAttention": ("query", "value", "key")}
# Layers whose extra inbound tensors in a tf.keras 2 node are initial states.
_RECURRENT = {"RNN", "SimpleRNN", "GRU", "LSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Bidirectional"}
_LAMBDA_DEP_ARGS = ("module", "function_type", "output_shape_type", "output_shape_module")


def from_keras2(config: dict) -> dict:
    """Turn a tf.keras 2 model config into the Keras 3 form keraton's ``from_config`` reads."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a Keras model config: expected a dict with 'class_name', got {config!r:.200}.")
    config = copy.deepcopy(config)
    if config["class_name"] == "Model":
        config["class_name"] = "Functional"
    return _layer_from_keras2(config)


def _layer_from_keras2(entry: dict) -> dict:
    inner = entry.get("config")
    if not isinstance(inner, dict):
        return entry
    cls = entry.get("class_name")
    for key, default in _KERAS2_ONLY.items():
        if key in inner and inner[key] in (default, None):
            inner.pop(key)
        elif key in inner and key == "time_major":
            raise ValueError(f"Layer {inner.get('name')!r} was saved with time_major=True, which "
                             "Keras 3 (and keraton) do not support.")
    for key in ("activation", "recurrent_activation"):
        if inner.get(key) == "hard_sigmoid":
            warnings.warn(
                f"Layer {inner.get('name')!r} of this tf.keras 2 file uses {key}='hard_sigmoid', "
                "which tf.keras 2 computed as clip(0.2 * x + 0.5, 0, 1) and Keras 3 (and keraton) "
                "as relu6(x + 3) / 6: its outputs will differ slightly from tf.keras 2's.",
                UserWarning, stacklevel=2)
    axis = inner.get("axis")
    if isinstance(axis, list) and len(axis) == 1 and isinstance(axis[0], int):
        inner["axis"] = axis[0]  # tf.keras 2 wrote a built layer's axis as a list, as Keras 3 reads it
    if cls == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    if cls == "MultiHeadAttention":
        shapes = {key: inner.pop(key, None) for key in ("query_shape", "value_shape", "key_shape")}
        if None not in (shapes["query_shape"], shapes["value_shape"]):
            entry.setdefault("build_config", {"shapes_dict": shapes})
    if cls == "Lambda":
        for key in _LAMBDA_DEP_ARGS:
            inner.pop(key, None)
        fn = inner.get("function")
        if isinstance(fn, list):
            inner["function"] = {"class_name": "__lambda__", "config": {
                "code": fn[0], "defaults": fn[1] if len(fn) > 1 else None,
                "closure": fn[2] if len(fn) > 2 else None}}
    if cls in ("Sequential", "Functional", "Model"):
        layers = inner.get("layers", [])
        inner["layers"] = [_layer_from_keras2(layer) for layer in layers]
        for layer in inner["layers"]:
            nodes = layer.get("inbound_nodes")
            if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
                layer["inbound_nodes"] = [_node_from_keras2(n, layer.get("class_name")) for n in nodes]
        outputs = inner.get("output_layers")
        if isinstance(outputs, list) and len(outputs) == 1 and isinstance(outputs[0], list):
            inner["output_layers"] = outputs[0]  # tf.keras 2 listed a single output; Keras 3 unwraps it
        if cls == "Model":
            entry["class_name"] = "Functional"
    return entry


def _tensor(ref) -> dict:
    name, node_index, tensor_index = ref[:3]
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": None, "keras_history": [name, node_index, tensor_index]}}


def _tensor_from_ref(value):
    """tf.keras 2's ``[layer, node, tensor]`` references in call arguments (MHA's ``value=``, an RNN's
    ``initial_state=[...]``) as tensor entries."""
    if (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(isinstance(v, int) for v in value[1:])):
        return _tensor(value)
    if isinstance(value, list):
        return [_tensor_from_ref(v) for v in value]
    return value


def _node_from_keras2(node: list, class_name) -> dict:
    tensors = [_tensor(ref) for ref in node]
    kwargs = {}
    for ref in node:
        if len(ref) > 3 and isinstance(ref[3], dict):
            kwargs.update({key: _tensor_from_ref(value) for key, value in ref[3].items()})
    if class_name in _RECURRENT and len(tensors) > 1 and "initial_state" not in kwargs:
        # tf.keras 2 listed an RNN's initial states after its input, as more inbound tensors
        tensors, kwargs["initial_state"] = tensors[:1], tensors[1:]
    args = [tensors[0]] if len(tensors) == 1 else [tensors]
    return {"args": args, "kwargs": kwargs}


def to_keras2(config: dict) -> dict:
    """Turn keraton's (Keras 3) serialized model into tf.keras 2's ``model_config`` form."""
    config = _strip(copy.deepcopy(config))
    inner = config["config"]
    if config["class_name"] == "Sequential":
        inner.pop("build_input_shape", None)
    for layer in inner.get("layers", []):
        nodes = layer.get("inbound_nodes")
        if isinstance(nodes, list):
            layer["inbound_nodes"] = [_node_to_keras2(n, layer.get("class_name")) for n in nodes]
        layer.pop("build_config", None)
    return config


def optimizer_to_keras2(config: dict, legacy: bool = False) -> dict:
    """An optimizer config as tf.keras 2.11+ writes it: ``Custom>Adam``, its arguments, ``is_legacy_optimizer`` False.

    ``legacy``: a ``keras.optimizers.legacy`` optimizer, written as tf.keras 2.15
    writes those: plain class name, no mark (so it loads as legacy), with
    ``decay``, without the new optimizers' arguments (the legacy classes refuse them).
    """
    if legacy:
        return _legacy_optimizer_to_keras2(config)
    custom = not _is_builtin(config)
    config = _strip(copy.deepcopy(config))
    if (not custom and config.get("class_name") in TF2_CONFIG_KEYS
            and isinstance(config.get("config"), dict)):
        # tf.keras 2.15's own spelling, which Keras 3's .h5 reader also understands
        config["class_name"] = "Custom>" + config["class_name"]
        config["config"]["is_legacy_optimizer"] = False
    return config


# Arguments the new optimizers (tf.keras 2.11+, Keras 3) have and the legacy ones refuse: the value
# at which leaving one out changes nothing; the EMA settings matter only with use_ema.
_NEW_OPTIMIZER_ARGUMENTS = {"weight_decay": None, "use_ema": False, "loss_scale_factor": None,
                            "gradient_accumulation_steps": None}
_NEW_OPTIMIZER_SETTINGS = ("ema_momentum", "ema_overwrite_frequency", "jit_compile")
_LEGACY_CLIPPING = ("clipnorm", "clipvalue", "global_clipnorm")  # written only when set


def _legacy_optimizer_to_keras2(config: dict) -> dict:
    """A ``keras.optimizers.legacy`` optimizer's config as tf.keras 2.15 writes it (see ``optimizer_to_keras2``)."""
    # Not _strip(config): it would keep only the new class's arguments, without ``decay``.
    config = {k: v for k, v in copy.deepcopy(config).items() if k not in ("module", "registered_name")}
    out = {}
    for key, value in {"decay": 0.0, **config.get("config", {})}.items():
        if key in _NEW_OPTIMIZER_SETTINGS or (key in _LEGACY_CLIPPING and value is None):
            continue
        if key in _NEW_OPTIMIZER_ARGUMENTS:
            if value != _NEW_OPTIMIZER_ARGUMENTS[key]:
                warnings.warn(
                    f"tf.keras 2's legacy {config.get('class_name')} has no argument {key!r} "
                    f"({key}={value!r}); the .h5 file leaves it out.", UserWarning, stacklevel=4)
            continue
        out[key] = _strip(value)
    config["config"] = out
    return config


def _node_to_keras2(node: dict, class_name: str) -> list:
    """A Keras 3 node as tf.keras 2's list of ``[layer, node, tensor, kwargs]``, one per input tensor.

    Extra positional tensors (``mha(query, value)``) become keyword arguments, and
    tensors among the keyword arguments ``[layer, node, tensor]`` references, as tf.keras 2 wrote them.
    """
    args = node.get("args", [])
    kwargs = dict(node.get("kwargs") or {})
    for name, extra in zip(_POSITIONAL_TENSORS.get(class_name, ())[1:], args[1:]):
        kwargs[name] = extra
    kwargs = {key: _tensor_refs(value) for key, value in kwargs.items()}
    first = args[0] if args else []
    tensors = first if isinstance(first, list) else [first]
    return [[*t["config"]["keras_history"][:3], kwargs] for t in tensors]


def _tensor_refs(value):
    """Keras 3 tensor entries inside call arguments as tf.keras 2's ``[layer, node, tensor]``."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return list(value["config"]["keras_history"][:3])
    if isinstance(value, (list, tuple)):
        return [_tensor_refs(v) for v in value]
    return value


def _strip(value):
    """Drop Keras 3's ``module``/``registered_name`` keys and arguments tf.keras 2 lacks; dtype policies to names."""
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
        return value["config"].get("name", "float32")
    out = {k: _strip(v) for k, v in value.items() if k not in ("module", "registered_name")}
    if (_is_builtin(value) and isinstance(out.get("class_name"), str)
            and isinstance(out.get("config"), dict)):
        out["config"] = _tf2_arguments(out["class_name"], out["config"], out.get("build_config"))
    return out


def _is_builtin(value: dict) -> bool:
    """Whether a serialized object is one of keraton's own classes (``registered_name`` None).

    A user's class (a Keras 2 ``AdamW``, ``LayerNormalization`` or ``Attention``
    from a community package) may share a built-in's class name; its config is
    its own ``get_config()`` and is written whole, as Keras 2 wrote it.
    """
    return value.get("registered_name") is None


def _tf2_arguments(class_name: str, config: dict, build_config) -> dict:
    """Leave out the arguments tf.keras 2's ``class_name`` does not take; warn when one mattered."""
    accepted = TF2_CONFIG_KEYS.get(class_name)
    if accepted is None:  # a class tf.keras 2 does not have: written as is
        return config
    config = {_KERAS2_NAMES.get((class_name, k), k): v for k, v in config.items()}
    if class_name == "InputLayer" and "batch_shape" in config:
        config = {("batch_input_shape" if k == "batch_shape" else k): v for k, v in config.items()}
    if class_name == "MultiHeadAttention":
        shapes = (build_config or {}).get("shapes_dict", {})
        accepted = accepted | {"query_shape", "key_shape", "value_shape"}
        for key in ("query_shape", "key_shape", "value_shape"):  # tf.keras 2 builds from these
            config[key] = shapes.get(key)
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
        elif value not in (None, False) and _KERAS2_EQUIVALENT.get(key, object()) != value:
            warnings.warn(
                f"tf.keras 2 has no argument {key!r} for {class_name} "
                f"({config.get('name', class_name)!r} has {key}={value!r}); the .h5 file leaves it "
                "out, so tf.keras 2 will use its own default there.", UserWarning, stacklevel=4)
    return out
