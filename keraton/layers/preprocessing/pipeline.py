"""``Pipeline``: apply a list of (preprocessing) layers in order, as ``keras.layers.Pipeline``."""

from __future__ import annotations

from keraton.layers.layer import Layer
from keraton.layers.tracking import track


class Pipeline(Layer):
    """Apply a series of layers to an input, as ``keras.layers.Pipeline``.

    A plain layer, not a ``Model``: each layer takes the previous one's
    output (an image tensor or a dict such as ``{"images", "labels"}``), and
    the ``training`` flag is passed on, so the augmentation layers inside are
    active in ``fit`` and the identity in ``predict``.  The layers are
    tracked as sublayers (their weights belong to the pipeline).  As Keras,
    the config holds only ``layers`` (each serialized as Keras writes it) and
    ``name``.

    Args:
        layers: list of layers, applied in order.
        name: name of the layer.

    Example:
        >>> from keraton import layers
        >>> pipeline = Pipeline([layers.RandomFlip(seed=0), layers.RandomRotation(0.1, seed=0)])
        >>> pipeline(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        # A private attribute is not tracked by assignment: register the layers explicitly.
        self._pipeline_layers = track(self, "_pipeline_layers", list(layers))
        self.built = True

    @property
    def layers(self) -> list:
        """The layers of the pipeline, in order."""
        return list(self._pipeline_layers)

    def call(self, inputs, training=True):
        """Feed ``inputs`` through every layer, passing ``training`` on."""
        outputs = inputs
        for layer in self._pipeline_layers:
            outputs = layer(outputs, training=training)
        return outputs

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild the pipeline, deserializing each entry of ``config["layers"]``."""
        from keraton.layers import deserialize

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers!r}.")
        config = {**config, "layers": [deserialize(layer) for layer in layers]}
        return cls(**config)

    def get_config(self) -> dict:
        """Keras's config: ``layers`` (serialized) and ``name`` only."""
        from keraton.saving.serialization_lib import serialize_keras_object

        return {"layers": serialize_keras_object(list(self._pipeline_layers)), "name": self.name}
