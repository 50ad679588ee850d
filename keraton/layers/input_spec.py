"""``InputSpec``: what rank and dimensions a layer accepts, checked on every call (Keras's InputSpec)."""

from __future__ import annotations


class InputSpec:
    """Constraints on a layer input: ``ndim``, ``min_ndim``, ``max_ndim`` and fixed ``axes`` sizes.

    Matches ``keras.InputSpec``.  ``axes`` maps an axis index (negative allowed)
    to the required size, e.g. ``InputSpec(min_ndim=2, axes={-1: 784})``.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def describe(self) -> str:
        """A human-readable form of the expectation, for error messages."""
        parts = []
        if self.shape is not None:
            parts.append(f"shape {self.shape}")
        elif self.ndim is not None:
            parts.append(f"ndim={self.ndim}")
        if self.min_ndim is not None:
            parts.append(f"min_ndim={self.min_ndim}")
        if self.max_ndim is not None:
            parts.append(f"max_ndim={self.max_ndim}")
        for axis, size in self.axes.items():
            parts.append(f"axis {axis} of size {size}")
        return ", ".join(parts) or "any shape"

    def get_config(self) -> dict:
        """Return the spec's arguments."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}


def check_input_spec(layer, x) -> None:
    """Raise a ``ValueError`` naming ``layer``, the expectation and the given shape if ``x`` breaks the spec."""
    spec = layer.input_spec
    if isinstance(spec, (list, tuple)):
        # A list of specs checks a list of inputs; one tensor is a list of one (Keras 2 custom
        # layers write ``self.input_spec = [InputSpec(ndim=3)]`` and take one tensor).
        for s, t in zip(spec, x if isinstance(x, (list, tuple)) else [x]):
            _check_one(layer, s, t)
        return
    _check_one(layer, spec, x)


def _check_one(layer, spec, x) -> None:
    if spec is None or not hasattr(x, "shape"):
        return
    shape = x.shape
    ndim = len(shape)
    bad = (
        (spec.ndim is not None and ndim != spec.ndim)
        or (spec.min_ndim is not None and ndim < spec.min_ndim)
        or (spec.max_ndim is not None and ndim > spec.max_ndim)
    )
    if not bad:
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if axis >= ndim or axis < -ndim:
                bad = True
                break
            got = shape[axis]
            if got is not None and got != size:
                bad = True
                break
    if not bad and spec.shape is not None:
        for want, got in zip(spec.shape, shape):
            if want is not None and got is not None and want != got:
                bad = True
                break
    if bad:
        built_for = getattr(layer, "_build_shapes", None)
        built = (
            f" (the layer was built for input shape {_fmt(built_for)})"
            if isinstance(built_for, tuple) else ""
        )
        raise ValueError(
            f"Input to layer '{layer.name}' ({type(layer).__name__}) is incompatible with the "
            f"layer: expected {spec.describe()}{built}, got shape {_fmt(shape)}. Check the data "
            "you pass and the input_shape the model was built with."
        )


def _fmt(shape) -> str:
    return str(tuple(None if d is None else int(d) for d in shape))
