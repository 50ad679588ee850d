"""``plot_model`` and ``model_to_dot``: a model's layer graph drawn by Graphviz, as Keras.

The DOT text is built here without any dependency; drawing needs the ``pydot`` package and
Graphviz's ``dot`` program, and their absence raises an ``ImportError`` saying how to install
them. Labels are HTML-like tables (name, class, optional shapes/dtype/activation/trainable),
close to but not byte-identical with Keras 3's.
"""

import html
import os
import shutil

_PYDOT_HELP = "Install it with: pip install pydot"
_DOT_HELP = ("Install Graphviz (https://graphviz.gitlab.io/download/), e.g. apt-get install graphviz or "
             "brew install graphviz, so that the `dot` program is on PATH")


def _require_pydot(what):
    try:
        import pydot
    except ImportError as error:
        raise ImportError(f"{what} requires the pydot package, which is not installed. {_PYDOT_HELP}. "
                          f"It also needs Graphviz: {_DOT_HELP}.") from error
    return pydot


def _require_dot(what):
    if shutil.which("dot") is None:
        raise ImportError(f"{what} requires Graphviz's `dot` program, which was not found on PATH. {_DOT_HELP}.")


def _shape_text(tensors):
    shapes = [tuple(t.shape) for t in tensors]
    if not shapes:
        return "?"
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None or isinstance(layer, type):
        return None
    return getattr(activation, "__name__", str(activation))


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    title = type(layer).__name__
    if show_layer_names:
        title = f"{layer.name} ({title})"
    activation = _activation_name(layer) if show_layer_activations else None
    if activation:
        title += f" [{activation}]"
    rows = [f'<tr><td colspan="2"><b>{html.escape(title)}</b></td></tr>']
    nodes = getattr(layer, "_inbound_nodes", [])
    if show_shapes:
        inputs = _shape_text(nodes[0].input_tensors) if nodes and not nodes[0].is_input else "-"
        outputs = _shape_text(nodes[0].output_tensors) if nodes else "?"
        rows.append(f"<tr><td>Input shape: {html.escape(inputs)}</td><td>Output shape: {html.escape(outputs)}</td></tr>")
    if show_dtype:
        rows.append(f'<tr><td colspan="2">Output dtype: {html.escape(str(layer.dtype))}</td></tr>')
    if show_trainable:
        rows.append(f'<tr><td colspan="2">Trainable: {"T" if layer.trainable else "NT"}</td></tr>')
    return '<<table border="0" cellborder="1" cellspacing="0">' + "".join(rows) + "</table>>"


def _is_model(layer):
    return hasattr(layer, "layers") and hasattr(layer, "compile")


class _Graph:
    """Nodes (layers) and edges collected from a model, then written as DOT text."""

    def __init__(self, options, expand_nested):
        self.options = options
        self.expand_nested = expand_nested
        self.lines = []
        self.edges = []

    def node_id(self, layer, end):
        """The node standing for ``layer``: an expanded nested model's first (``end="in"``) or last layer."""
        if self.expand_nested and _is_model(layer) and layer.layers:
            inner = [sub for sub in layer.layers if type(sub).__name__ != "InputLayer"] or layer.layers
            return self.node_id(inner[0] if end == "in" else inner[-1], end)
        return str(id(layer))

    def add_model(self, model, indent="  "):
        layers = list(getattr(model, "_layer_list", None) or model.layers)  # with ops
        members = {id(layer) for layer in layers}
        for layer in self._source_inputs(layers, members):
            layers.insert(0, layer)
            members.add(id(layer))
        for layer in layers:
            if self.expand_nested and _is_model(layer):
                self.lines.append(f"{indent}subgraph cluster_{id(layer)} {{")
                self.lines.append(f"{indent}  label={_quote(layer.name)};")
                self.add_model(layer, indent + "  ")
                self.lines.append(f"{indent}}}")
            else:
                label = _label(layer, *self.options)
                self.lines.append(f"{indent}{id(layer)} [label={label}];")
        if type(model).__name__ == "Sequential" and not any(
                not node.is_input for layer in layers for node in getattr(layer, "_inbound_nodes", [])):
            pairs = list(zip(layers, layers[1:], strict=False))
        else:
            pairs = [(src, layer) for layer in layers for src in self._parents(layer, members)]
        for src, dst in pairs:
            edge = (self.node_id(src, "out"), self.node_id(dst, "in"))
            if edge not in self.edges:
                self.edges.append(edge)

    @staticmethod
    def _parents(layer, members):
        parents = []
        for node in getattr(layer, "_inbound_nodes", []):
            if node.is_input:
                continue
            for tensor in node.input_tensors:
                src = tensor._keras_history[0]
                if id(src) in members and src not in parents:
                    parents.append(src)
        return parents

    @staticmethod
    def _source_inputs(layers, members):
        """Input layers feeding the model but absent from ``model.layers`` (a Sequential's input)."""
        found = []
        for layer in layers[:1]:
            for node in getattr(layer, "_inbound_nodes", [])[:1]:
                for tensor in [] if node.is_input else node.input_tensors:
                    src = tensor._keras_history[0]
                    if id(src) not in members and type(src).__name__ == "InputLayer" and src not in found:
                        found.append(src)
        return found


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_to_dot_source(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                        expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False):
    """The DOT text of ``model``'s layer graph (what ``plot_model`` hands to Graphviz).

    Example:
        >>> print(model_to_dot_source(model, show_shapes=True))  # doctest: +SKIP
        digraph "sequential" { ... }
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"plot_model: rankdir must be one of 'TB', 'LR', 'BT', 'RL'; received rankdir={rankdir!r}")
    if not _is_model(model):
        raise TypeError(f"plot_model expects a keraton Model; received {type(model).__name__}.")
    graph = _Graph((show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable),
                   expand_nested)
    graph.add_model(model)
    lines = [f"digraph {_quote(model.name)} {{",
             f"  graph [rankdir={rankdir}, concentrate=true, dpi={int(dpi)}];",
             "  node [shape=plaintext];"]
    lines += graph.lines
    lines += [f"  {src} -> {dst};" for src, dst in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """Convert a model to a ``pydot.Dot`` graph, as ``keras.utils.model_to_dot`` (needs pydot)."""
    pydot = _require_pydot("model_to_dot")
    source = model_to_dot_source(model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
                                 show_layer_activations, show_trainable)
    return pydot.graph_from_dot_data(source)[0]


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               **kwargs):
    """Draw the model's layer graph to ``to_file`` (PNG, SVG, PDF ... by extension), as Keras.

    Args:
        model: a keraton model.
        to_file: output file; its extension picks the format (``.png`` when there is none).
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable: what
            each layer's box shows.
        rankdir: ``"TB"`` (vertical) or ``"LR"`` (horizontal), as Graphviz.
        expand_nested: draw nested models' layers inside a cluster.
        dpi: image resolution.

    Raises:
        ImportError: when pydot or Graphviz's ``dot`` program is missing (with how to install).

    Example:
        >>> keraton.utils.plot_model(model, "model.png", show_shapes=True)  # doctest: +SKIP
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    _require_dot("plot_model")
    extension = os.path.splitext(str(to_file))[1].lstrip(".").lower() or "png"
    dot.write(str(to_file), format=extension, prog="dot")
    if extension != "pdf":
        try:
            from IPython import display

            return display.Image(filename=str(to_file)) if extension == "png" else None
        except ImportError:
            return None
    return None
