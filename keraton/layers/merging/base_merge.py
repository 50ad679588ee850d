"""``Merge``: the base of the layers that combine a list of tensors (Keras's ``Merge``)."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer


class Merge(Layer):
    """Base class of element-wise merge layers (``Add``, ``Average``, ``Maximum`` ...), as Keras's ``Merge``.

    Called on a list of tensors.  Shapes must agree after Keras's
    broadcasting rules: non-batch dimensions are aligned from the end, a
    size 1 broadcasts, and an input of lower rank gets size-1 axes inserted
    after the batch axis.  Batch sizes must be equal.  The output mask is
    the logical OR of the input masks when every input has one, else none.

    Subclasses write ``_merge_function(inputs)``.

    Example:
        >>> class Diff(Merge):
        ...     def _merge_function(self, inputs):
        ...         return (inputs[0] - inputs[1]).abs()
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    # ------------------------------------------------------------------ shapes
    def _check_list(self, shapes, what="inputs") -> None:
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(
                shapes[0], (list, tuple)):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) should be called on a list of at "
                f"least 1 input tensor, got {what} of shape {shapes}. Pass a list, e.g. "
                f"layer([x1, x2])."
            )

    def _elementwise_shape(self, shape1, shape2, all_shapes):
        """Keras's broadcast of two non-batch shapes (aligned from the end)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1:
                out.append(j if i == 1 else i)
            elif i != j:
                raise ValueError(
                    f"Inputs to layer '{self.name}' ({type(self).__name__}) have incompatible "
                    f"shapes: expected shapes that are equal or broadcast (size 1) after the "
                    f"batch axis, got {[tuple(s) for s in all_shapes]}."
                )
            else:
                out.append(i)
        return tuple(out)

    def _merged_shape(self, input_shape):
        self._check_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) cannot merge tensors with different "
                f"batch sizes: got shapes {[tuple(s) for s in input_shape]}."
            )
        shape = tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            shape = self._elementwise_shape(shape, tuple(s[1:]), input_shape)
        batch = next(iter(batch_sizes)) if batch_sizes else None
        return (batch,) + shape

    def build(self, input_shape) -> None:
        """Check the input shapes (a list, equal batch sizes, broadcast-compatible)."""
        self._validate(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The broadcast of the input shapes, with the common batch size."""
        self._validate(input_shape)
        return self._merged_shape(input_shape)

    # ------------------------------------------------------------------ call
    def call(self, inputs):
        """Merge the list ``inputs`` (lower-rank inputs get axes inserted after the batch axis)."""
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) should be called on a list of "
                f"tensors, got a {type(inputs).__name__} of shape {tuple(inputs.shape)}."
            )
        ndims = [x.dim() for x in inputs]
        if len(set(ndims)) > 1:
            top = max(ndims)
            expanded = []
            for x in inputs:
                if x.dim() < top:
                    # Keep the mask: _merge_function reads it from the tensor.
                    mask = getattr(x, "_keras_mask", None)
                    x = x.reshape(x.shape[:1] + (1,) * (top - x.dim()) + x.shape[1:])
                    if mask is not None:
                        x._keras_mask = mask
                expanded.append(x)
            inputs = expanded
        return self._merge_checked(list(inputs))

    def _merge_checked(self, inputs):
        """``_merge_function``, turning torch's shape error into Keras's ``ValueError`` naming the layer.

        The shape check runs only when torch fails, so a correct call costs nothing extra.
        """
        try:
            return self._merge_function(inputs)
        except RuntimeError:
            self._validate([tuple(x.shape) for x in inputs])
            raise

    def _validate(self, input_shape) -> None:
        """Raise ``ValueError`` if ``input_shape`` (a list of shapes) cannot be merged."""
        self._merged_shape(input_shape)

    # ------------------------------------------------------------------ masks
    def compute_mask(self, inputs, previous_mask=None):
        """The OR of the input masks if every input has one, else ``None`` (as Keras)."""
        masks = _input_masks(inputs, previous_mask)
        if masks is None or any(m is None for m in masks):
            return None
        out = masks[0]
        for m in masks[1:]:
            out = torch.logical_or(out, m)
        return out

    def _apply_merge_op_and_or_mask(self, op, inputs):
        """Fold ``op`` over the inputs, masked positions taking the other operand (Maximum, Minimum).

        Keras's rule: where an input is masked its value is replaced by the
        running result (and the running result by the input where the running
        mask is off), so masked cells never win.
        """
        output = output_mask = None
        for x in inputs:
            mask = getattr(x, "_keras_mask", None)
            if mask is not None:
                mask = mask.unsqueeze(-1).expand(x.shape)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = torch.where(mask, x, output)
            if output_mask is not None:
                output = torch.where(output_mask, output, x)
            output_mask = (torch.logical_or(output_mask, mask)
                           if mask is not None and output_mask is not None else None)
            output = op(output, x)
        return output

    def get_config(self) -> dict:
        """Keras 3's config: only the base layer arguments."""
        return super().get_config()


def _input_masks(inputs, previous_mask):
    """The list of masks of ``inputs`` (given, or read from the tensors' ``_keras_mask``)."""
    if isinstance(previous_mask, (list, tuple)):
        return list(previous_mask)
    if not isinstance(inputs, (list, tuple)):
        return None
    return [getattr(x, "_keras_mask", None) for x in inputs]
