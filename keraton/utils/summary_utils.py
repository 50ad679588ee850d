"""``model.summary()`` / ``print_summary``: the Keras 3 table of layers, shapes and parameter counts."""

from __future__ import annotations

import shutil

from keraton.layers.keras_tensor import KerasTensor
from keraton.utils import tree


def readable_memory_size(num_bytes: float) -> str:
    """Format a byte count as Keras does: ``8.00 B``, ``1.50 KB``, ``2.00 MB`` (powers of 1024)."""
    units = ["B", "KB", "MB", "GB", "TB"]
    size = float(num_bytes)
    for unit in units:
        if size < 1024 or unit == units[-1]:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"


def _format_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _output_shape(layer) -> str:
    nodes = layer._inbound_nodes
    if not nodes:
        # A layer built by an eager call (subclassed models): infer from its build shape.
        if not layer.built or layer._build_shapes is None:
            return "?"
        try:
            shapes = layer.compute_output_shape(layer._build_shapes)
        except Exception:
            return "?"
        flat = _flat_shapes(shapes)
        if len(flat) == 1:
            return _format_shape(flat[0])
        return "[" + ", ".join(_format_shape(s) for s in flat) + "]"
    # As Keras: the shapes of the layer's last call.
    outs = [t.shape for t in tree.flatten(nodes[-1].outputs) if isinstance(t, KerasTensor)]
    if len(outs) == 1:
        return _format_shape(outs[0])
    return "[" + ", ".join(_format_shape(s) for s in outs) + "]"


def _flat_shapes(shapes) -> list:
    if isinstance(shapes, (tuple, list)) and all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes)]
    if isinstance(shapes, dict):
        shapes = list(shapes.values())
    return [s for sub in shapes for s in _flat_shapes(sub)]


def _param_count(layer) -> str:
    if not layer.built:
        return "0 (unbuilt)"
    return f"{sum(w.numel() for w in layer.weights):,}"


def _connections(layer, model) -> str:
    parts = []
    for node in layer._inbound_nodes:
        if model._nodes and node not in model._nodes:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            parts.append(f"{src.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _is_sequential_like(model) -> bool:
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    for node in nodes:
        if len(node.input_tensors) > 1 or len(node.layer._inbound_nodes) > 1:
            return False
    return len(model.inputs or []) <= 1 and len(model.outputs or []) <= 1


def _wrap(text: str, width: int) -> list:
    """Split ``text`` into lines of at most ``width`` characters at spaces, as rich wraps cells.

    A word longer than a whole line is cut with an ellipsis.
    """
    lines: list = []
    body = text.lstrip(" ")
    line = text[: len(text) - len(body)]  # a nested layer's indent stays
    for word in body.split(" "):
        if not line.strip():
            line += word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return [ln if len(ln) <= width else ln[: width - 1] + "…" for ln in lines]


def _rows(cells, widths, left="│", mid="│", right="│", align=None) -> list:
    """The text lines of one table row; cells too long for their column wrap onto more lines."""
    wrapped = [_wrap(str(cell), width - 2) for cell, width in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    out = []
    for k in range(height):
        parts = []
        for i, (lines, width) in enumerate(zip(wrapped, widths)):
            text = lines[k] if k < len(lines) else ""
            if align and align[i] == "r":
                text = text.rjust(width - 2)
            elif align and align[i] == "c":
                pad = width - 2 - len(text)
                text = " " * (pad // 2) + text + " " * (pad - pad // 2)
            else:
                text = text.ljust(width - 2)
            parts.append(f" {text} ")
        out.append(left + mid.join(parts) + right)
    return out


def _rule(widths, left, mid, right, fill) -> str:
    return left + mid.join(fill * w for w in widths) + right


def _column_widths(positions, line_length) -> list:
    """Column widths (padding included, borders excluded) as Keras 3's rich table renders them.

    Keras splits ``line_length`` at ``positions``, gives the columns those
    widths plus one space of padding each side, and rich then shrinks the
    columns evenly until the table (borders included) is ``line_length`` wide.
    """
    widths = []
    current = 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    widths = [w + 2 for w in widths]
    excess = sum(widths) - (line_length - (len(widths) + 1))
    if excess > 0:  # rich's ratio_reduce with equal ratios
        remaining, n, out = excess, len(widths), []
        for w in widths:
            cut = min(w, round(remaining / n))
            out.append(w - cut)
            remaining -= cut
            n -= 1
        widths = out
    return widths


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    """Print the summary table of ``model`` (``keras.utils.print_summary``).

    ``expand_nested=True`` lists a nested model's layers under it, marked
    ``└`` and indented per level, as Keras 3 does.
    """
    if print_fn is None:
        print_fn = print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        default_line_length = 88
        positions = positions or [0.45, 0.80, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        align = ["l", "l", "r"]
    else:
        default_line_length = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["l", "l", "r", "l"]
    positions = list(positions)
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        align.append("c")
    # As Keras: as wide as the terminal allows (80 columns when not a terminal).
    default_line_length = min(default_line_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    widths = _column_widths(positions, line_length)
    layers = model.layers
    if getattr(model, "_layer_list", None) is not None:  # as Keras: a functional model's operations
        layers = model._layer_list
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start:end + 1]
    lines = [f'Model: "{model.name}"']
    lines.append(_rule(widths, "┏", "┳", "┓", "━"))
    lines.extend(_rows(headers, widths, "┃", "┃", "┃", align=align))
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))

    def row_cells(layer, level):
        class_name = getattr(layer, "_summary_class_name", None) or type(layer).__name__
        prefix = "   " * level + "└ " if level else ""  # Keras 3's nested-layer marker
        cells = [f"{prefix}{layer.name} ({class_name})", _output_shape(layer), _param_count(layer)]
        if not sequential_like:
            cells.append(_connections(layer, model))  # nested layers: "-", as Keras
        if show_trainable:
            cells.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows = [cells]
        nested = getattr(layer, "layers", None) if expand_nested else None
        if nested and isinstance(nested, list):
            for inner in nested:
                rows.extend(row_cells(inner, level + 1))
        return rows

    table = [cells for layer in layers for cells in row_cells(layer, 0)]
    for i, cells in enumerate(table):
        lines.extend(_rows(cells, widths, align=align))
        if i < len(table) - 1:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    total = sum(w.numel() for w in weights)
    trainable_ids = {id(w) for w in model.trainable_weights}
    trainable = sum(w.numel() for w in weights if id(w) in trainable_ids)
    total_bytes = sum(w.numel() * w.element_size() for w in weights)
    trainable_bytes = sum(w.numel() * w.element_size() for w in weights if id(w) in trainable_ids)
    optimizer = getattr(model, "optimizer", None)
    built = optimizer is not None and getattr(optimizer, "built", False)  # as Keras: once it is built
    opt_vars = list(getattr(optimizer, "variables", []) or []) if built else []
    # As Keras on torch: the iteration counter and learning rate count as one 4-byte value each.
    opt_count = sum(int(v.numel()) if hasattr(v, "numel") else 1 for v in opt_vars)
    opt_bytes = sum(int(v.numel()) * v.element_size() if hasattr(v, "numel") else 4 for v in opt_vars)
    lines.append(f" Total params: {total + opt_count:,} ({readable_memory_size(total_bytes + opt_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_memory_size(trainable_bytes)})")
    lines.append(
        f" Non-trainable params: {total - trainable:,} "
        f"({readable_memory_size(total_bytes - trainable_bytes)})"
    )
    if opt_count:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_bytes)})")
    for line in lines:
        print_fn(line)
