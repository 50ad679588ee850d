"""``JaxLayer``, ``FlaxLayer`` and ``TFSMLayer``: Keras 3 wrappers of JAX functions, Flax modules and
TensorFlow SavedModels, which Keras offers only on its JAX and TensorFlow backends.

keraton runs on PyTorch, as Keras 3 with ``KERAS_BACKEND=torch``, where these
classes exist and refuse to be created; keraton does the same, with the same
exception types, and says what to use instead.  Any ``torch.nn.Module`` can be
used as a keraton layer directly (or through ``TorchModuleWrapper``).
"""

from __future__ import annotations

from keraton.layers.layer import Layer

_INSTEAD = ("keraton runs on PyTorch: rewrite the computation as a keraton Layer or a torch.nn.Module "
            "(any nn.Module can be used as a layer), or load the weights into an equivalent layer.")


class JaxLayer(Layer):
    """Keras 3's wrapper of a JAX function as a layer; unavailable on PyTorch.

    Creating one raises ``ValueError``, as Keras 3 does on its torch backend.
    """

    def __init__(self, call_fn=None, init_fn=None, params=None, state=None, seed=None, **kwargs):
        """Raise ``ValueError``: JAX functions cannot run in a PyTorch model."""
        raise ValueError(f"{type(self).__name__} is only supported with the JAX or TensorFlow backend "
                         f"of Keras; keraton is Keras on PyTorch. {_INSTEAD}")


class FlaxLayer(JaxLayer):
    """Keras 3's wrapper of a Flax module as a layer; unavailable on PyTorch (raises ``ValueError``)."""

    def __init__(self, module=None, method=None, variables=None, **kwargs):
        """Raise ``ValueError``: Flax modules cannot run in a PyTorch model."""
        super().__init__(**kwargs)


class TFSMLayer(Layer):
    """Keras 3's layer that calls a TensorFlow SavedModel; unavailable on PyTorch.

    Creating one raises ``NotImplementedError``, as Keras 3 does on every
    backend but TensorFlow.
    """

    def __init__(self, filepath=None, call_endpoint="serve", call_training_endpoint=None, trainable=True,
                 name=None, dtype=None, **kwargs):
        """Raise ``NotImplementedError``: a SavedModel runs only in TensorFlow."""
        raise NotImplementedError("TFSMLayer is only supported with the TensorFlow backend of Keras; "
                                  f"keraton is Keras on PyTorch. {_INSTEAD}")
