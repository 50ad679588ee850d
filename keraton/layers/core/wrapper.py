"""``Wrapper``: the base class of layers that wrap another layer (Keras ``layers.Wrapper``)."""

from __future__ import annotations

from keraton.layers.layer import Layer


class Wrapper(Layer):
    """A layer holding another layer as ``self.layer``, as ``keras.layers.Wrapper``.

    Subclasses write ``call`` (typically around ``self.layer(...)``).  ``build``
    builds the wrapped layer for the same input shape; the config holds the
    wrapped layer's serialized config under ``"layer"``, and ``from_config``
    rebuilds it, so a subclass needs no config code of its own for ``layer``.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Layer supplied to Wrapper isn't a supported layer type: expected a keraton "
                f"Layer. Received: layer={layer!r} (of type {type(layer).__name__}).")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        """Build the wrapped layer for ``input_shape`` (if it is not built yet)."""
        if not self.layer.built and input_shape is not None:
            self.layer._maybe_build(input_shape)
        self.built = True

    def get_config(self) -> dict:
        """The base layer config plus ``"layer"``: the wrapped layer, serialized."""
        from keraton.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the wrapped layer from ``config["layer"]``, then this wrapper."""
        from keraton.layers.rnn.rnn import deserialize_layer

        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
