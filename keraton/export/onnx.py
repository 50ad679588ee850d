"""``model.export(path, format="onnx")``: the inference graph as an ONNX file, via ``torch.onnx``.

Keras 3 exports ONNX from its torch backend the same way (``torch.onnx.export``
of the model in inference mode).  The batch dimension, and any dimension the
model's inputs leave unknown, is exported as dynamic, so the file runs on any
batch size.  Keras's other formats (``tf_saved_model``, ``openvino``,
``litert``) need TensorFlow or OpenVINO and are not offered.
"""

from __future__ import annotations

import os
import warnings

import torch

from keraton import backend
from keraton.layers import call_context
from keraton.saving import file_utils

_FORMATS = ("onnx",)


def export_model(model, filepath, format: str = "onnx", verbose: bool = True, input_signature=None,
                 **kwargs):
    """Dispatch ``Model.export`` on ``format`` (only ``"onnx"`` is available)."""
    if format != "onnx":
        raise ValueError(
            f"Unrecognized format={format!r} for model.export(). keraton exports {list(_FORMATS)}; "
            "'tf_saved_model', 'openvino' and 'litert' need TensorFlow/OpenVINO, which keraton "
            "does not use."
        )
    return export_onnx(model, filepath, verbose=verbose, input_signature=input_signature, **kwargs)


def export_onnx(model, filepath, verbose: bool = True, input_signature=None, opset_version=None,
                **kwargs):
    """Write ``model``'s inference graph to ``filepath`` as ONNX (atomically).

    Args:
        model: a built keraton model.
        filepath: the ``.onnx`` file to write.
        input_signature: shapes of the inputs (``None`` for unknown dimensions),
            one per input, as tuples, ``InputSpec``s or ``KerasTensor``s;
            defaults to the model's symbolic inputs.
        opset_version: ONNX opset (``torch.onnx``'s default when ``None``).

    Example:
        >>> model.export("model.onnx", format="onnx")
        >>> import onnxruntime
        >>> session = onnxruntime.InferenceSession("model.onnx")
        >>> session.run(None, {session.get_inputs()[0].name: x})
    """
    if kwargs:
        raise TypeError(f"export(format='onnx') got unexpected keyword argument(s) {sorted(kwargs)}.")
    shapes, dtypes = _signature(model, input_signature)
    names = _input_names(model, len(shapes))
    examples = tuple(torch.zeros([2 if d is None else int(d) for d in s], dtype=t)
                     for s, t in zip(shapes, dtypes))
    dynamic = {name: {i: f"{name}_dim{i}" for i, d in enumerate(s) if d is None}
               for name, s in zip(names, shapes)}
    wrapper = _Inference(model, len(shapes), _takes_list(model, len(shapes)))
    with call_context.loop_mode(model, False):
        with torch.no_grad():
            wrapper(*examples)  # builds a subclassed model's layers before tracing, not during it
        # Shape checks in call() are Python on sizes; the tracer warns that it records them as constants.
        with file_utils.atomic_path(filepath) as tmp, torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(wrapper, examples, tmp, input_names=names, output_names=_output_names(model),
                              dynamic_axes=dynamic, opset_version=opset_version, dynamo=False)
        _normalize_transposes(filepath)
    if verbose:
        print(f"Saved artifact at '{os.fspath(filepath)}'. Inputs: "
              + ", ".join(f"{n} {tuple(s)}" for n, s in zip(names, shapes)))
    return filepath


class _Inference(torch.nn.Module):
    """Calls the model with its inputs as Keras would pass them (one tensor, or a list)."""

    def __init__(self, model, n_inputs: int, as_list: bool):
        super().__init__()
        self.model = model
        self.n_inputs = n_inputs
        self.as_list = as_list

    def forward(self, *inputs):
        out = self.model(list(inputs) if self.as_list else inputs[0], training=False)
        return tuple(out) if isinstance(out, (list, tuple)) else out


def _signature(model, input_signature):
    from keraton.layers.keras_tensor import KerasTensor

    if input_signature is None:
        inputs = getattr(model, "_input_list", None) or model.inputs  # the call order
        if not inputs:
            raise ValueError(
                f"Model '{model.name}' has no known inputs to export: build it on data first, or "
                "pass input_signature=[(None, ...)] with the input shapes."
            )
        return [tuple(t.shape) for t in inputs], [backend.torch_dtype(t.dtype) for t in inputs]
    signature = input_signature if isinstance(input_signature, (list, tuple)) and input_signature \
        and not isinstance(input_signature[0], (int, type(None))) else [input_signature]
    shapes, dtypes = [], []
    for spec in signature:
        if isinstance(spec, KerasTensor):
            shapes.append(tuple(spec.shape))
            dtypes.append(backend.torch_dtype(spec.dtype))
        elif hasattr(spec, "shape") and spec.shape is not None:
            shapes.append(tuple(spec.shape))
            dtypes.append(torch.float32)
        elif isinstance(spec, (list, tuple)):
            shapes.append(tuple(spec))
            dtypes.append(torch.float32)
        else:
            raise TypeError(f"input_signature entries must be shapes, InputSpecs or KerasTensors; "
                            f"got {spec!r}.")
    return shapes, dtypes


def _input_names(model, n: int) -> list:
    names = list(getattr(model, "input_names", []) or [])
    return names if len(names) == n and len(set(names)) == n else [f"input_{i}" for i in range(n)]


def _output_names(model) -> list | None:
    names = list(getattr(model, "output_names", []) or [])
    return names if names and len(set(names)) == len(names) else None


def _takes_list(model, n: int) -> bool:
    return n > 1


def _normalize_transposes(filepath) -> None:
    """Make Transpose ``perm`` values non-negative, as ONNX requires.

    torch.onnx's TorchScript exporter copies ``permute(0, -1, 1, 2)``'s negative
    dimensions into the graph, which onnxruntime then refuses.
    """
    try:
        import onnx
    except ImportError:  # without onnx the file is left as torch.onnx wrote it
        return
    graph_model = onnx.load(os.fspath(filepath))
    changed = False
    for node in graph_model.graph.node:
        if node.op_type != "Transpose":
            continue
        for attr in node.attribute:
            if attr.name == "perm" and any(p < 0 for p in attr.ints):
                rank = len(attr.ints)
                fixed = [p + rank if p < 0 else p for p in attr.ints]
                del attr.ints[:]
                attr.ints.extend(fixed)
                changed = True
    if changed:
        with file_utils.atomic_path(filepath) as tmp:
            onnx.save(graph_model, tmp)
