"""``Concatenate`` and ``concatenate``: join a list of tensors along one axis (Keras's ``Concatenate``)."""

from __future__ import annotations

import torch

from keraton.layers.merging.base_merge import Merge, _input_masks


class Concatenate(Merge):
    """Concatenate a list of tensors along ``axis``, as ``keras.layers.Concatenate``.

    All inputs must have the same rank and the same sizes on every axis but
    ``axis``.  Masks are concatenated as Keras does: an unmasked input counts
    as all-valid, and the output mask is any-valid over the last axis.

    Args:
        axis: the concatenation axis (default -1).

    Example:
        >>> a, b = torch.zeros(2, 3), torch.ones(2, 4)
        >>> keraton.layers.Concatenate()([a, b]).shape
        torch.Size([2, 7])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _validate(self, input_shape) -> None:
        """Check the inputs: a list, one rank, equal sizes off the concatenation axis."""
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        bad = len(ranks) != 1
        if not bad:
            rank = ranks.pop()
            axis = self.axis % rank if rank else 0
            for i in range(rank):
                if i == axis:
                    continue
                known = {s[i] for s in input_shape if s[i] is not None}
                bad = bad or len(known) > 1
        if bad:
            raise ValueError(
                f"Layer '{self.name}' (Concatenate) requires inputs with matching shapes except "
                f"for the concatenation axis {self.axis}, got shapes "
                f"{[tuple(s) for s in input_shape]}."
            )

    def _merge_function(self, inputs):
        return torch.cat(inputs, dim=self.axis)

    def call(self, inputs):
        """Concatenate the list ``inputs`` along ``axis``."""
        if not isinstance(inputs, (list, tuple)):
            return super().call(inputs)  # raises the "needs a list" error
        return self._merge_checked(list(inputs))

    def compute_output_shape(self, input_shape):
        """The first input's shape with the sizes along ``axis`` summed (``None`` if any is)."""
        self._validate(input_shape)
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if out[self.axis] is None or shape[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += shape[self.axis]
        return tuple(out)

    def compute_mask(self, inputs, previous_mask=None):
        """Concatenate the masks (all-valid for unmasked inputs), any-valid over the last axis."""
        masks = _input_masks(inputs, previous_mask)
        if masks is None or all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                full.append(torch.ones(x.shape, dtype=torch.bool, device=x.device))
            elif m.dim() < x.dim():
                full.append(m.unsqueeze(-1).expand(x.shape))
            else:
                full.append(m.to(torch.bool))
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def get_config(self) -> dict:
        """Keras 3's config: axis."""
        config = super().get_config()
        config["axis"] = self.axis
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, axis={self.axis}"


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`, as ``keras.layers.concatenate``.

    Example:
        >>> keraton.layers.concatenate([torch.zeros(2, 3), torch.ones(2, 1)]).shape
        torch.Size([2, 4])
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
