"""``Identity``: a placeholder layer that returns its input unchanged."""

from __future__ import annotations

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.utils import tree


class Identity(Layer):
    """Return the inputs unchanged, as ``keras.layers.Identity``.

    A placeholder where no operation is to be performed.  Any structure of
    tensors (a tensor, a list, a dict) passes through as it is; the mask
    passes through too (``supports_masking``).  The layer has no weights and
    is built at construction, as in Keras 3.

    Example:
        >>> keraton.layers.Identity()(torch.tensor([[1.0, 2.0]]))
        tensor([[1., 2.]])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Return ``inputs``."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The input shape."""
        return input_shape

    def compute_output_spec(self, *args, **kwargs):
        """A fresh ``KerasTensor`` of the same shape and dtype for each symbolic input."""
        inputs = args[0] if args else kwargs["inputs"]
        return tree.map_structure(
            lambda x: KerasTensor(x.shape, dtype=x.dtype, sparse=x.sparse), inputs)
