"""``InputLayer`` and ``Input``: the entry points of a functional model (Keras 3 API)."""

from __future__ import annotations

from keraton import backend
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.node import Node


class InputLayer(Layer):
    """The layer behind ``keraton.Input``: holds the input's shape and dtype, passes data through.

    Accepts Keras 3's ``shape``/``batch_shape`` and Keras 2's ``input_shape``/
    ``batch_input_shape``.

    Example:
        >>> layer = keraton.layers.InputLayer(shape=(3,))
        >>> layer.output.shape
        (None, 3)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is None and batch_input_shape is not None:
            batch_shape = batch_input_shape
        if name is None:
            name = backend.unique_object_name("input_layer")
        # Torch has no string dtype: a string input carries NumPy str arrays to a
        # TextVectorization/StringLookup/Hashing layer, and its KerasTensor says "string".
        self._string_input = dtype in ("string", "str")
        # As Keras 3, the dtype is the input's own, not a policy: ``dtype_policy`` stays the
        # global one (``"float32"`` for an int32 input), so quantization and mixed precision
        # see an InputLayer as the float layers do.
        super().__init__(name=name, **kwargs)
        if dtype is not None and not self._string_input:
            self._dtype = backend.torch_dtype(dtype)
        if input_tensor is not None:
            batch_shape = tuple(input_tensor.shape)
        if shape is not None and batch_shape is not None:
            raise ValueError("Pass either `shape` or `batch_shape` to InputLayer, not both.")
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "InputLayer needs a `shape` (without the batch dimension) or a `batch_shape`; "
                    "neither was given."
                )
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        self._build_shapes = self._batch_input_shape
        output = KerasTensor(self._batch_input_shape, dtype=self._dtype, name=self.name)
        if self._string_input:
            output.dtype = "string"
        Node(self, (), {}, output)
        self._output_tensor = output

    @property
    def batch_shape(self):
        """The input's shape with the batch dimension (``None`` if unknown)."""
        return self._batch_input_shape

    def call(self, inputs):
        """Return the inputs unchanged."""
        return inputs

    def get_config(self) -> dict:
        """Keras 3's InputLayer config: batch_shape, dtype, sparse, ragged, name, optional."""
        return {
            "batch_shape": list(self._batch_input_shape),
            "dtype": "string" if self._string_input else self.dtype,
            "sparse": self.sparse,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    def get_build_config(self):
        """None: an input layer has nothing to build (Keras writes no ``build_config`` for it)."""
        return None


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, **kwargs):
    """Create a symbolic input tensor for the functional API, as ``keras.Input``.

    Example:
        >>> x = keraton.Input(shape=(784,))
        >>> x.shape
        (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional, **kwargs)
    return layer._output_tensor
