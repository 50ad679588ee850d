"""``Dot`` and ``dot``: the batched dot product of two tensors (Keras's ``Dot``)."""

from __future__ import annotations

import torch

from keraton.layers.merging.base_merge import Merge
from keraton.utils.numerical_utils import normalize as _l2_normalize


class Dot(Merge):
    """Dot product of two tensors per sample, along ``axes``, as ``keras.layers.Dot``.

    For inputs ``x (batch, n)`` and ``y (batch, n)`` the output is
    ``(batch, 1)``.  In general the output holds ``x``'s axes without
    ``axes[0]`` followed by ``y``'s non-batch axes without ``axes[1]``
    (Keras's ``batch_dot``).

    Args:
        axes: int or pair of ints, the axes to contract (not the batch axis).
        normalize: L2-normalise both inputs along ``axes`` first, so the dot
            product is the cosine similarity.

    Example:
        >>> x, y = torch.ones(2, 3), torch.full((2, 3), 2.0)
        >>> keraton.layers.Dot(axes=1)([x, y])
        tensor([[6.],
                [6.]])
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Dot `axes` should be an int or a list of 2 ints, got {axes!r} "
                    f"({type(axes).__name__})."
                )
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot `axes` should hold exactly 2 integers, got {axes!r}.")
        self.axes = axes
        self.normalize = normalize

    def _resolve_axes(self, rank1: int, rank2: int) -> tuple:
        if isinstance(self.axes, int):
            if self.axes < 0:
                return self.axes % rank1, self.axes % rank2
            return self.axes, self.axes
        return self.axes[0] % rank1, self.axes[1] % rank2

    def _check_two(self, shapes) -> None:
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2:
            n = len(shapes) if isinstance(shapes, (list, tuple)) else "a single tensor"
            raise ValueError(f"Layer '{self.name}' (Dot) should be called on a list of 2 inputs, "
                             f"got {n}.")

    def _validate(self, input_shape) -> None:
        """Check there are two inputs whose contracted axes have the same size."""
        self._check_list(input_shape)
        self._check_two(input_shape)
        shape1, shape2 = input_shape
        a1, a2 = self._resolve_axes(len(shape1), len(shape2))
        if 0 in (a1, a2) or len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                f"Layer '{self.name}' (Dot) needs inputs of rank >= 2 and cannot contract the batch "
                f"axis: got shapes {tuple(shape1)}, {tuple(shape2)} with axes={self.axes}."
            )
        d1, d2 = shape1[a1], shape2[a2]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Layer '{self.name}' (Dot) got incompatible input shapes: axis {a1} of the first "
                f"input has size {d1} but axis {a2} of the second has size {d2} (shapes "
                f"{tuple(shape1)}, {tuple(shape2)})."
            )

    def call(self, inputs):
        """``batch_dot`` of the two inputs along ``axes``."""
        self._check_two(inputs)
        return self._merge_checked(list(inputs))

    def _merge_function(self, inputs):
        x, y = inputs
        a1, a2 = self._resolve_axes(x.dim(), y.dim())
        if self.normalize:
            x = _l2_normalize(x, axis=a1)
            y = _l2_normalize(y, axis=a2)
        x = x.movedim(a1, -1)
        y = y.movedim(a2, 1)
        batch = x.shape[0]
        out = torch.bmm(x.reshape(batch, -1, x.shape[-1]), y.reshape(batch, y.shape[1], -1))
        out = out.reshape(x.shape[:-1] + y.shape[2:])
        return out.reshape(batch, 1) if out.dim() == 1 else out

    def compute_output_shape(self, input_shape):
        """``x``'s shape without ``axes[0]`` + ``y``'s without the batch axis and ``axes[1]``."""
        self._validate(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a1, a2 = self._resolve_axes(len(shape1), len(shape2))
        shape1.pop(a1)
        shape2.pop(a2)
        out = shape1 + shape2[1:]
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, previous_mask=None):
        """``None``: a dot product has no mask, as in Keras."""
        return None

    def get_config(self) -> dict:
        """Keras 3's config: axes, normalize."""
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, axes={self.axes}, normalize={self.normalize}"


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of :class:`Dot`, as ``keras.layers.dot``.

    Example:
        >>> keraton.layers.dot([torch.ones(2, 3), torch.ones(2, 3)], axes=1).shape
        torch.Size([2, 1])
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
