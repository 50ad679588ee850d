"""The parts of a ``FeatureSpace``: ``Feature``, ``Cross``, the identity preprocessor and the
``FeatureSpace.float(...)``-style constructors of the standard features (Keras's classmethods).

Their serialized forms are Keras's (module ``keras.src.layers.preprocessing.feature_space``,
``registered_name`` ``'Feature'``/``'Cross'``), so configs move between Keras and keraton.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer

_MODULE = "keras.src.layers.preprocessing.feature_space"
_ADAPT_BATCH_SIZE = 32  # Keras batches unbatched samples by 32 before adapting


def wrap(obj, class_name):
    """Keras's serialized form of a FeatureSpace helper object (``Feature``/``Cross``)."""
    return {"module": _MODULE, "class_name": class_name, "config": obj.get_config(), "registered_name": class_name}


def _deserialize_layer(config):
    from keraton.saving.serialization_lib import deserialize_keras_object

    if isinstance(config, Layer):
        return config
    from keraton import layers

    module_objects = {name: getattr(layers, name) for name in layers.__all__}
    module_objects.setdefault("HashedCrossing", _hashed_crossing_class())
    module_objects["TFDIdentity"] = TFDIdentity
    return deserialize_keras_object(config, module_objects=module_objects, kind="layer")


def _hashed_crossing_class():
    from keraton.layers.preprocessing.hashed_crossing import HashedCrossing

    return HashedCrossing


def dtype_name(x) -> str:
    """``'string'``, ``'int64'``, ``'float32'``... of a tensor, KerasTensor or NumPy array."""
    if isinstance(x, np.ndarray):
        return "string" if x.dtype.kind in "USO" else str(x.dtype)
    return str(x.dtype).replace("torch.", "")


class TFDIdentity(Layer):
    """The preprocessor of a ``FeatureSpace.float`` feature: the input cast to float32.

    It keeps Keras's class name (``TFDIdentity``) so that FeatureSpace configs move between
    Keras and keraton.
    """

    _keras_module = _MODULE

    def call(self, inputs):
        """``inputs`` as a float tensor of this layer's dtype."""
        return torch.as_tensor(inputs).to(self._dtype)

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Same shape as the input, float32."""
        return KerasTensor(tuple(inputs.shape), dtype=torch.float32)


class Cross:
    """A crossing of features (``FeatureSpace.cross``): names, ``crossing_dim`` bins, output mode.

    Args:
        feature_names: the names of the crossed features.
        crossing_dim: number of hash bins of the cross.
        output_mode: ``'one_hot'`` (default) or ``'int'``.
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        """The cross's name: the feature names joined by ``'_X_'``."""
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature of a ``FeatureSpace``: its input dtype, preprocessing layer and output mode.

    Args:
        dtype: dtype of the feature's input (``'float32'``, ``'int32'``, ``'string'``).
        preprocessor: a layer (or its serialized config) applied to the feature.
        output_mode: ``'float'``, ``'int'`` or ``'one_hot'`` (the integer output one-hot encoded).
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                             f"'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        self.preprocessor = _deserialize_layer(preprocessor) if isinstance(preprocessor, dict) else preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from keraton.saving.serialization_lib import serialize_keras_object

        preprocessor = serialize_keras_object(self.preprocessor)
        if isinstance(self.preprocessor, TFDIdentity):  # Keras registers its identity layer by name
            preprocessor["registered_name"] = "TFDIdentity"
        return {"dtype": self.dtype, "preprocessor": preprocessor, "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def from_serialized(config, expected):
    if config.get("class_name") != expected:
        raise ValueError(f"Expected a serialized `{expected}`; received class_name={config.get('class_name')!r}.")
    return (Feature if expected == "Feature" else Cross).from_config(config["config"])


class FeatureConstructors:
    """The ``FeatureSpace.float(...)``-style constructors of the standard features (Keras's classmethods)."""

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        """A :class:`Cross` of ``feature_names`` into ``crossing_dim`` hash bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        """A custom :class:`Feature`."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        """A float feature passed through as float32."""
        name = name or _auto_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        """A float feature mapped to ``x * scale + offset`` (``Rescaling``)."""
        from keraton.layers.preprocessing.rescaling import Rescaling

        name = name or _auto_name("float_rescaled")
        return Feature("float32", Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_normalized(cls, name=None):
        """A float feature standardised with its adapted mean and variance (``Normalization``)."""
        from keraton.layers.preprocessing.normalization import Normalization

        name = name or _auto_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        """A float feature bucketed by ``Discretization`` (``num_bins`` adapted, or ``bin_boundaries``)."""
        from keraton.layers.preprocessing.discretization import Discretization

        name = name or _auto_name("float_discretized")
        layer = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries, name=f"{name}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """An integer category, indexed by an adapted ``IntegerLookup``."""
        from keraton.layers.preprocessing.integer_lookup import IntegerLookup

        name = name or _auto_name("integer_categorical")
        layer = IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices)
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """A string category, indexed by an adapted ``StringLookup``."""
        from keraton.layers.preprocessing.string_lookup import StringLookup

        name = name or _auto_name("string_categorical")
        layer = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices)
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """A string category hashed into ``num_bins`` bins (``Hashing``)."""
        from keraton.layers.preprocessing.hashing import Hashing

        name = name or _auto_name("string_hashed")
        return Feature("string", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """An integer category hashed into ``num_bins`` bins (``Hashing``)."""
        from keraton.layers.preprocessing.hashing import Hashing

        name = name or _auto_name("integer_hashed")
        return Feature("int32", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)


def _auto_name(prefix):
    from keraton.backend import unique_object_name

    return unique_object_name(prefix)


SHORTCUTS = ("float", "float_normalized", "float_rescaled", "float_discretized", "integer_categorical",
              "string_categorical", "integer_hashed", "string_hashed")
