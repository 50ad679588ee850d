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
* ``hard_sigmoid`` meant Keras 2's formula; it loads as Keras 3's, with a warning.
"""

from __future__ import annotations

import copy
import warnings

# Keras-2-only arguments and the value Keras 3's behaviour corresponds to.
_KERAS2_ONLY = {"time_major": False, "fused": None, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99, "virtual_batch_size": None, "adjustment": None}
_KERAS3_ONLY = ("quantization_config", "lora_rank", "lora_alpha", "optional")
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
                layer["inbound_nodes"] = [_node_from_keras2(n) for n in nodes]
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


def _node_from_keras2(node: list) -> dict:
    tensors = [_tensor(ref) for ref in node]
    kwargs = {}
    for ref in node:
        if len(ref) > 3 and isinstance(ref[3], dict):
            kwargs.update(ref[3])
    args = [tensors[0]] if len(tensors) == 1 else [tensors]
    return {"args": args, "kwargs": kwargs}


def to_keras2(config: dict) -> dict:
    """Turn keraton's (Keras 3) serialized model into tf.keras 2's ``model_config`` form."""
    config = _strip(copy.deepcopy(config))
    inner = config["config"]
    if config["class_name"] == "Sequential":
        inner.pop("build_input_shape", None)
    for layer in inner.get("layers", []):
        cfg = layer.get("config", {})
        if layer.get("class_name") == "InputLayer" and "batch_shape" in cfg:
            cfg["batch_input_shape"] = cfg.pop("batch_shape")
        nodes = layer.get("inbound_nodes")
        if isinstance(nodes, list):
            layer["inbound_nodes"] = [_node_to_keras2(n) for n in nodes]
        layer.pop("build_config", None)
    return config


def _node_to_keras2(node: dict) -> list:
    args = node.get("args", [])
    first = args[0] if args else []
    tensors = first if isinstance(first, list) else [first]
    kwargs = node.get("kwargs", {}) or {}
    return [[t["config"]["keras_history"][0], t["config"]["keras_history"][1],
             t["config"]["keras_history"][2], kwargs] for t in tensors]


def _strip(value):
    """Drop Keras 3's ``module``/``registered_name`` keys, Keras-3-only arguments; dtype policies to names."""
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
        return value["config"].get("name", "float32")
    out = {}
    for k, v in value.items():
        if k in ("module", "registered_name") or (k in _KERAS3_ONLY and v in (None, False)):
            continue
        out[k] = _strip(v)
    return out
