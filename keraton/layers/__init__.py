"""Keras layers on torch: every class here is a ``torch.nn.Module`` with Keras's layer API."""

from keraton.layers import (
    activations as _activations,
)
from keraton.layers import (
    attention as _attention,
)
from keraton.layers import (
    convolutional as _convolutional,
)
from keraton.layers import (
    core as _core,
)
from keraton.layers import experimental as experimental  # tf.keras 2's layers.experimental
from keraton.layers import (
    merging as _merging,
)
from keraton.layers import (
    normalization as _normalization,
)
from keraton.layers import (
    pooling as _pooling,
)
from keraton.layers import (
    preprocessing as _preprocessing,
)
from keraton.layers import (
    regularization as _regularization,
)
from keraton.layers import (
    reshaping as _reshaping,
)
from keraton.layers import (
    rnn as _rnn,
)
from keraton.layers.activations import Activation
from keraton.layers.core import Dense, Input, InputLayer, Lambda, TorchModuleWrapper
from keraton.layers.core.lambda_layer import SymbolicOp
from keraton.layers.foreign_layers import FlaxLayer, JaxLayer, TFSMLayer
from keraton.layers.input_spec import InputSpec
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.kernelized import RandomFourierFeatures as RandomFourierFeatures
from keraton.layers.layer import Layer
from keraton.layers.normalization.sync_batch_normalization import (
    SyncBatchNormalization as SyncBatchNormalization,
)
from keraton.layers.preprocessing.image_preprocessing.random_height_width import (
    RandomHeight,
    RandomWidth,
)
from keraton.layers.regularization import Dropout
from keraton.layers.reshaping import Flatten, Reshape

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "FlaxLayer",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "JaxLayer",
    "KerasTensor",
    "Lambda",
    "Layer",
    "Reshape",
    "SymbolicOp",
    "TFSMLayer",
    "TorchModuleWrapper",
    "deserialize",
    "serialize",
]


# Every family package lists its public names in __all__; they are all exported here.
_FAMILIES = (_activations, _attention, _convolutional, _core, _merging, _normalization, _pooling,
             _preprocessing, _regularization, _reshaping, _rnn)


def _export_families() -> None:
    for family in _FAMILIES:
        for name in family.__all__:
            globals()[name] = getattr(family, name)
            if name not in __all__:
                __all__.append(name)


_export_families()
# tf.keras 2's keras.layers names that Keras 3 dropped; RandomFourierFeatures and SyncBatchNormalization
# (tf.keras 2's layers.experimental only) are module names too, so that configs naming them load.
__all__ += ["RandomHeight", "RandomWidth"]


def serialize(layer) -> dict:
    """Return Keras 3's serialized form of a layer."""
    from keraton.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuild a layer (or model) from Keras 3's serialized form."""
    from keraton.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, module_objects=_layer_objects(), custom_objects=custom_objects,
                                    kind="layer")


def _layer_objects() -> dict:
    import keraton.models as models

    objects = {name: obj for name, obj in globals().items()
               if isinstance(obj, type) and issubclass(obj, Layer)}
    objects.update({"Sequential": models.Sequential, "Functional": models.Functional, "Model": models.Model})
    return objects
