"""How a layer's ``build`` is called: Keras's ``_maybe_build`` rules for its arguments."""

from __future__ import annotations

import inspect

from keraton.layers.shape_utils import _as_batch_shape, _shapes_of


def call_build(layer, input_shapes, call_args=None) -> None:
    """Call ``layer.build`` as Keras's ``_maybe_build`` does.

    With the input shape; with nothing when ``build`` takes no argument (``def
    build(self): self.built = True``, a layer whose sublayers build themselves
    on their first call); and, when it takes several ``<argument>_shape``
    parameters (``def build(self, x_shape, y_shape)`` for ``call(self, x,
    y)``), each by name with the shape of that call argument (those not given
    are left to their defaults), as Keras.  ``call_args`` is the call's
    ``(args, kwargs)``, when known.
    """
    params = [p for p in inspect.signature(layer.build).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not params:
        layer.build()
        return
    if len(params) > 1 and call_args is not None:
        shapes = _build_shapes_by_name(layer, [p.name for p in params], *call_args)
        if shapes:
            layer._build_shapes_dict = {k: _as_batch_shape(v) for k, v in shapes.items()}
            layer.build(**shapes)
            return
    layer.build(input_shapes)


def _build_shapes_by_name(layer, names, args, kwargs):
    """``{"<argument>_shape": shape}`` for the call arguments ``build``'s parameters name,
    or None when some parameter does not name an argument of ``call``."""
    call_signature = inspect.signature(layer.call)
    if not all(n.endswith("_shape") and n[:-len("_shape")] in call_signature.parameters
               for n in names):
        return None
    try:
        bound = call_signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        return None
    shapes = {}
    for name in names:
        value = bound.get(name[:-len("_shape")])
        shape = None if value is None else _shapes_of(value)
        if shape is not None:
            shapes[name] = shape
    return shapes
