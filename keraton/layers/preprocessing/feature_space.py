"""``FeatureSpace``: one-stop preprocessing of structured (tabular) data, as ``keras.utils.FeatureSpace``.

Each named feature gets a preprocessing layer (``Normalization``, ``Rescaling``,
``Discretization``, ``IntegerLookup``, ``StringLookup``, ``Hashing`` or the identity),
optionally a one-hot encoding (``CategoryEncoding`` in ``multi_hot`` mode on one value, as
Keras), and groups of features can be crossed with ``HashedCrossing``; the results are
concatenated (``output_mode="concat"``, features in sorted name order, then crosses) or
returned by name (``"dict"``). Keras drives this with ``tf.data``; keraton adapts on a dict of
arrays/lists (one sample per row) or an iterable of dict batches, batching and reshaping the
data for each layer's ``adapt`` exactly as Keras's ``tf.data`` pipeline does, and calls the
layers eagerly on NumPy/torch data or symbolically on ``keraton.Input``s.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.feature_space_features import (
    _ADAPT_BATCH_SIZE,
    SHORTCUTS,
    Cross,
    Feature,
    FeatureConstructors,
    dtype_name,
    from_serialized,
    wrap,
)


def _as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(np.float32)  # Python floats become float32 tensors in Keras
    if array.dtype.kind == "i" and not isinstance(value, np.ndarray):
        array = array.astype(np.int32)  # ... and Python ints int32 ones
    return array


def _adapt_batches(elements: list) -> list:
    """The batches Keras's ``adapt`` feeds a layer from one feature's dataset elements.

    Scalar elements are batched by 32; rank-0/1 elements then get a trailing axis of 1.
    """
    first = elements[0]
    if first.ndim == 0:
        elements = [np.stack(elements[i:i + _ADAPT_BATCH_SIZE]) for i in range(0, len(elements), _ADAPT_BATCH_SIZE)]
        first = elements[0]
    if first.ndim in (0, 1):
        elements = [e[..., None] for e in elements]
    return elements


class FeatureSpace(FeatureConstructors, Layer):
    """Preprocess a dict of structured features into one vector (or a dict), as ``keras.utils.FeatureSpace``.

    Args:
        features: dict mapping each feature name to a shortcut string (``"float"``,
            ``"float_normalized"``, ``"float_rescaled"``, ``"float_discretized"``,
            ``"integer_categorical"``, ``"string_categorical"``, ``"integer_hashed"``,
            ``"string_hashed"``), a ``FeatureSpace.<constructor>(...)`` feature, or a
            serialized one.
        output_mode: ``"concat"`` (one float vector per sample) or ``"dict"``.
        crosses: feature-name tuples (crossed into ``crossing_dim`` bins, one-hot) or
            ``FeatureSpace.cross(...)`` objects.
        crossing_dim: bins of the tuple crosses.
        hashing_dim: bins of the ``"*_hashed"`` shortcuts.
        num_discretization_bins: bins of the ``"float_discretized"`` shortcut.
        name: the layer's name.

    Call it on a dict of features (NumPy arrays, lists, scalars or tensors; a batch of shape
    ``(batch,)`` or ``(batch, 1)``, or one sample as scalars) after ``adapt``. Outputs are torch
    tensors.

    Example:
        >>> fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical"})
        >>> fs.adapt({"age": [30.0, 50.0, 40.0], "city": ["Oslo", "Rome", "Oslo"]})
        >>> fs({"age": [40.0], "city": ["Rome"]}).shape
        torch.Size([1, 4])
    """

    _keras_module = "keras.utils"  # Keras's serialized "module" of FeatureSpace

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty. Pass a dict mapping feature "
                             "names to feature types, e.g. {'age': 'float_normalized'}.")
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.output_mode = output_mode
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross) for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.preprocessors = {name: feature.preprocessor for name, feature in self.features.items()}
        hashed_crossing = _hashed_crossing()
        self.crossers = {cross.name: hashed_crossing(cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self.concat = None
        self.inputs = None
        self.encoded_features = None
        self._is_adapted = False
        self._sublayers_built = False

    # ------------------------------------------------------------------ features
    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return from_serialized(feature, "Feature")
        if feature not in SHORTCUTS:
            raise ValueError(f"Invalid feature type: {feature!r} (feature '{name}'). Expected one of {SHORTCUTS}, "
                             "a FeatureSpace.<type>(...) feature or a serialized one.")
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        return getattr(self, feature)(name=name)

    def _standardize_cross(self, cross):
        if isinstance(cross, dict):
            cross = from_serialized(cross, "Cross")
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        unknown = [key for key in cross if key not in self.features]
        if unknown:
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {tuple(cross)} (unknown: {unknown}).")
        return Cross(cross, crossing_dim=self.crossing_dim)

    def _list_adaptable_preprocessors(self):
        """Names of the features whose preprocessor still learns from data."""
        from keraton import layers

        names = []
        for name, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, layers.TextVectorization) and preprocessor._has_input_vocabulary:
                continue
            # Keras also lists a Discretization given bin_boundaries, whose adapt then fails.
            if isinstance(preprocessor, layers.Discretization) and preprocessor.num_bins is None:
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    # ------------------------------------------------------------------ adapt
    def adapt(self, dataset):
        """Adapt every adaptable preprocessor on its feature of ``dataset``.

        ``dataset`` is a dict of arrays/lists (one sample per row, as Keras's
        ``tf.data.Dataset.from_tensor_slices``) or an iterable of such dicts (batches, as a
        batched ``tf.data.Dataset``); each layer sees the batches Keras's pipeline would give it.
        """
        if isinstance(dataset, dict):
            columns = {name: _as_array(values) for name, values in dataset.items()}
            per_feature = {name: list(column) for name, column in columns.items()}
        elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes, np.ndarray)):
            batches = list(dataset)
            if not batches or not all(isinstance(b, dict) for b in batches):
                raise ValueError("`adapt()` can only be called on a dict of arrays/lists or an iterable of dicts "
                                 f"of batches. Received an iterable of {sorted({type(b).__name__ for b in batches})}.")
            per_feature = {name: [_as_array(b[name]) for b in batches] for name in batches[0]}
        else:
            raise ValueError("`adapt()` can only be called on a dict of arrays/lists or an iterable of dicts of "
                             f"batches. Received instead: {dataset!r} (of type {type(dataset)})")
        for name in self._list_adaptable_preprocessors():
            if name not in per_feature:
                raise ValueError(f"`adapt()` data has no feature '{name}'. Received features: "
                                 f"{sorted(per_feature)}.")
            self.preprocessors[name].adapt(iter(_adapt_batches([np.asarray(e) for e in per_feature[name]])))
        self._is_adapted = True
        # A new adapt may change vocabulary sizes: the one-hot encoders are made again.
        self.encoded_features, self.one_hot_encoders, self.concat = None, {}, None
        self._sublayers_built = False
        self.get_encoded_features()
        self.built = True
        self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------------ symbolic graph
    def get_inputs(self):
        """The dict of ``keraton.Input(shape=(1,), dtype=feature dtype, name=feature name)``."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic output of the FeatureSpace on :meth:`get_inputs` (to build a model on)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            import keraton

            if self.inputs is None:
                self.inputs = {name: keraton.Input(shape=(1,), dtype=feature.dtype, name=name)
                               for name, feature in self.features.items()}
            self.encoded_features = self._encode(self.inputs)
        return self.encoded_features

    # ------------------------------------------------------------------ computation
    def _encode(self, data):
        preprocessed = {name: self.preprocessors[name](data[name]) for name in self.features}
        crossed = {cross.name: self.crossers[cross.name]([preprocessed[n] for n in cross.feature_names])
                   for cross in self.crosses}
        names = sorted(preprocessed) + sorted(crossed)
        specs = {**self.features, **self.crosses_by_name}
        values = {**preprocessed, **crossed}
        outputs = {}
        for name in names:
            feature = values[name]
            if name not in self.one_hot_encoders and specs[name].output_mode == "one_hot":
                self.one_hot_encoders[name] = self._one_hot_encoder(name, feature)
            if name in self.one_hot_encoders:
                feature = self.one_hot_encoders[name](feature)
            outputs[name] = feature
        if self.output_mode == "dict":
            return outputs
        for name, feature in outputs.items():
            dtype = dtype_name(feature)
            if dtype.startswith(("int", "uint")) or dtype == "string":
                raise ValueError(f"Cannot concatenate features because feature '{name}' has not been encoded (it "
                                 f"has dtype {dtype}). Consider using `output_mode='dict'`.")
        if self.concat is None:
            from keraton.layers.merging.concatenate import Concatenate

            self.concat = Concatenate(axis=-1)
        return self.concat([outputs[name] for name in names])

    def _one_hot_encoder(self, name, feature):
        from keraton import layers

        dtype = dtype_name(feature)
        if not dtype.startswith("int"):
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should return an "
                             f"integer dtype. Instead it returns a {dtype} dtype.")
        preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            cardinality = preprocessor.vocabulary_size()
        elif isinstance(preprocessor, layers.CategoryEncoding):
            cardinality = preprocessor.num_tokens
        elif isinstance(preprocessor, layers.Discretization):
            cardinality = preprocessor.num_bins or len(preprocessor.bin_boundaries) + 1
        elif isinstance(preprocessor, (layers.Hashing, _hashed_crossing())):
            cardinality = preprocessor.num_bins
        else:
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and "
                             "the dimensionality of its output space is not known, thus it cannot be one-hot "
                             "encoded. Try using `output_mode='int'`.")
        return layers.CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")

    def __call__(self, data):
        """Encode a dict of features: a batch (``(batch,)``/``(batch, 1)`` values) or one sample (scalars)."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data!r} "
                             f"(of type {type(data)})")
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace '{self.name}' is missing features {missing} in the data. Expected "
                             f"features: {sorted(self.features)}; received: {sorted(data)}.")
        if any(isinstance(v, KerasTensor) for v in data.values()):
            return self._encode(data)
        arrays, rebatched = {}, False
        for name, value in data.items():
            array = _as_array(value)
            if array.ndim == 0:
                array, rebatched = array.reshape(1, 1), True
            elif array.ndim == 1:
                array = array[:, None]
            arrays[name] = array
        outputs = self._encode(arrays)
        if not rebatched:
            return outputs
        if self.output_mode == "concat":
            if outputs.shape[0] != 1:
                raise ValueError(f"Expected rebatched data to have batch size 1. Received: shape={tuple(outputs.shape)}")
            return outputs.squeeze(0)
        return {name: x.squeeze(0) if x.dim() == 2 and x.shape[0] == 1 else x for name, x in outputs.items()}

    # ------------------------------------------------------------------ config
    def get_config(self):
        """Keras's config: serialized ``features`` and ``crosses``, ``output_mode``, the three dims."""
        return {"features": {name: wrap(feature, "Feature") for name, feature in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [wrap(cross, "Cross") for cross in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        """Each preprocessor's build config, by feature name."""
        return {name: feature.preprocessor.get_build_config() for name, feature in self.features.items()}

    def build_from_config(self, config):
        """Build the preprocessors from :meth:`get_build_config`; the space then counts as adapted."""
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and build_config is not None:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath):
        """Write the FeatureSpace (config and adapted state) to a ``.keras`` file.

        Reload it with ``keraton.saving.load_model(filepath)`` (with
        ``custom_objects={"FeatureSpace": FeatureSpace}`` until ``keras.utils`` configs resolve
        to ``keraton.utils``).
        """
        from keraton.saving.saving_lib import save_model

        save_model(self, filepath)

    def save_own_variables(self, store):
        """Nothing of its own: the adapted state lives in the preprocessors."""

    def load_own_variables(self, store):
        """Nothing of its own: the adapted state lives in the preprocessors."""


def _hashed_crossing():
    from keraton.layers.preprocessing.hashed_crossing import HashedCrossing

    return HashedCrossing
