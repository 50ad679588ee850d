"""``Activation``: apply an activation function as a layer (Keras's ``Activation``)."""

from __future__ import annotations

from keraton import activations
from keraton.layers.layer import Layer


class Activation(Layer):
    """Apply ``activation`` to the input, as ``keras.layers.Activation``.

    Example:
        >>> keraton.layers.Activation("relu")(torch.tensor([[-1.0, 2.0]]))
        tensor([[0., 2.]])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Return ``activation(inputs)``."""
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: the activation's name."""
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
