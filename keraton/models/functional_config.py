"""Keras 3's config format for functional models: writing it and rebuilding a graph from it.

A layer entry carries ``inbound_nodes``: the arguments of each call, with
symbolic tensors written as ``{"class_name": "__keras_tensor__", "config":
{"shape", "dtype", "keras_history": [layer_name, node_index, tensor_index]}}``
(slices and ``...`` of an index as ``__slice__``/``__ellipsis__``).  Ops on
symbolic tensors are Keras ``Operation`` entries (module ``keras.src.ops.*``).
Node indices count only the calls that belong to the model being saved.
"""

from __future__ import annotations

from keraton import backend
from keraton.layers.core.operation_layer import OperationLayer
from keraton.layers.keras_tensor import KerasTensor
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils import tree


def _model_node_index(node_set, layer, node) -> int:
    nodes = [n for n in layer._inbound_nodes if n in node_set]
    return nodes.index(node)


def functional_get_config(model) -> dict:
    """Return the Keras 3 functional config of ``model``."""
    node_set = set(model._nodes) | {
        t._keras_history[0]._inbound_nodes[t._keras_history[1]] for t in model._input_list
    }

    def history_of(t):
        layer, node_index, tensor_index = t._keras_history
        node = layer._inbound_nodes[node_index]
        return [layer.name, _model_node_index(node_set, layer, node), tensor_index]

    def serialize_arg(a):
        if isinstance(a, KerasTensor):
            return {
                "class_name": "__keras_tensor__",
                "config": {"shape": list(a.shape), "dtype": backend.dtype_name(a.dtype),
                           "keras_history": history_of(a)},
            }
        if isinstance(a, slice):
            return {"class_name": "__slice__",
                    "config": {"start": a.start, "stop": a.stop, "step": a.step}}
        if a is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        return serialize_keras_object(a)

    layer_configs = []
    for layer in model._layer_list:  # operation nodes included
        keras_entry = getattr(layer, "keras_entry", None)  # ops: Keras's Operation entry
        entry = keras_entry() if keras_entry is not None else serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": [tree.map_structure(serialize_arg, a) for a in node.call_args],
             "kwargs": tree.map_structure(serialize_arg, dict(node.call_kwargs))}
            for node in layer._inbound_nodes
            if node in node_set and not node.is_input
        ]
        layer_configs.append(entry)

    def endpoints(struct):
        if isinstance(struct, dict):
            return {k: history_of(v) for k, v in struct.items()}
        if isinstance(struct, list):
            return [history_of(t) for t in struct]
        return history_of(struct)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": endpoints(model._inputs_struct),
        "output_layers": endpoints(model._outputs_struct),
    }


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuild a functional model: create the layers, then replay their calls in dependency order."""
    from keraton.layers import deserialize as deserialize_layer

    created = {}
    outputs_of = {}  # layer name -> list of outputs per replayed node
    pending = []
    for entry in config["layers"]:
        if str(entry.get("module", "")).startswith("keras.src.ops"):
            layer = OperationLayer.from_keras_entry(entry)
        else:
            layer = deserialize_layer(entry, custom_objects=custom_objects)
        name = entry.get("name", layer.name)
        created[name] = layer
        if type(layer).__name__ == "InputLayer":
            outputs_of[name] = [layer._output_tensor]
        else:
            outputs_of[name] = []
            build_config = entry.get("build_config")
            pending.extend((name, node) for node in entry.get("inbound_nodes", []))
            layer._pending_build = build_config

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__slice__":
            c = value["config"]
            return slice(c.get("start"), c.get("stop"), c.get("step"))
        if isinstance(value, dict) and value.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            lname, node_index, tensor_index = value["config"]["keras_history"]
            produced = outputs_of.get(lname, [])
            if node_index >= len(produced):
                raise LookupError
            return tree.flatten(produced[node_index])[tensor_index]
        if isinstance(value, (list, tuple)):
            return type(value)(resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    while pending:
        progressed = False
        remaining = []
        for name, node in pending:
            if remaining and remaining[-1][0] == name:  # keep a layer's calls in order
                remaining.append((name, node))
                continue
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except LookupError:
                remaining.append((name, node))
                continue
            outputs_of[name].append(created[name](*args, **kwargs))
            progressed = True
        if not progressed:
            raise ValueError(
                "Cannot rebuild the functional model from its config: the inbound nodes of "
                f"layers {sorted({n for n, _ in remaining})} refer to tensors that are never made."
            )
        pending = remaining

    def endpoint(ref):
        lname, node_index, tensor_index = ref
        if lname not in outputs_of:
            raise ValueError(f"The model config names an unknown layer {lname!r} as input or output.")
        return tree.flatten(outputs_of[lname][node_index])[tensor_index]

    def endpoints(struct):
        if isinstance(struct, dict):
            return {k: endpoint(v) for k, v in struct.items()}
        if struct and isinstance(struct[0], (list, tuple)):
            return [endpoint(r) for r in struct]
        return endpoint(struct)

    inputs = endpoints(config["input_layers"])
    outputs = endpoints(config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))
