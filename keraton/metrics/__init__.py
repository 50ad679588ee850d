"""Metrics of keraton: the ``keras.metrics`` API on torch tensors.

Classes are streaming metrics (:class:`Metric`); ``get``, ``serialize`` and
``deserialize`` behave as in Keras 3, where a string names a metric class:
``get('accuracy')`` and ``get('mse')`` return ``Accuracy()`` and
``MeanSquaredError()`` instances (``'acc'`` is accepted as ``'accuracy'``).
The Keras 2 metric functions (``mse``, ``mae``, ``binary_accuracy``,
``categorical_accuracy``, ``sparse_categorical_accuracy``,
``top_k_categorical_accuracy``, ``pearson_correlation``...) are exported for
the trainer and for users.
"""

from __future__ import annotations

import inspect

from keraton.backend import to_snake_case
from keraton.losses.functions import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_proximity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from keraton.metrics import experimental  # noqa: F401  (keras.metrics.experimental of tf.keras 2)
from keraton.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from keraton.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from keraton.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from keraton.metrics.f_score_metrics import F1Score, FBetaScore
from keraton.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from keraton.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from keraton.metrics.keras2_metrics import MeanRelativeError, MeanTensor
from keraton.metrics.metric import Metric
from keraton.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from keraton.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from keraton.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
)
from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name

# Keras 2 function aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
acc = accuracy
cosine = cosine_proximity

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore,
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
    PearsonCorrelation, ConcordanceCorrelation,
    MeanRelativeError, MeanTensor,
)

# Names that ``get``/``deserialize`` accept, mapped to metric classes (as Keras 3).
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "acc": Accuracy,
})

_FUNCTIONS = (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, log_cosh, huber, kl_divergence, poisson,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge,
    cosine_similarity, categorical_focal_crossentropy, pearson_correlation,
    concordance_correlation,
)
# Metric functions by name, used to rebuild ``MeanMetricWrapper(fn=...)`` from a config.
FUNCTIONS_DICT = {fn.__name__: fn for fn in _FUNCTIONS}
FUNCTIONS_DICT.update({"mse": mse, "mae": mae, "mape": mape, "msle": msle, "kld": kld,
                       "logcosh": log_cosh, "acc": accuracy,
                       "kullback_leibler_divergence": kl_divergence,
                       # Keras 2.x's metric names of the negative cosine similarity
                       "cosine_proximity": cosine_proximity, "cosine": cosine_proximity})


def serialize(metric):
    """Serialize a ``Metric`` (Keras 3's config dict) or a metric function (its name)."""
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Rebuild a metric (or metric class/function) from :func:`serialize`'s output.

    Unknown names raise a ``ValueError`` naming the closest known metric.
    """
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        if found is not None:
            return found
        try:
            return lookup_by_name("metric", config, ALL_OBJECTS_DICT)
        except ValueError:
            if config in FUNCTIONS_DICT:  # Keras 2 function names such as 'logcosh'
                return FUNCTIONS_DICT[config]
            raise
    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects, kind="metric")


def get(identifier):
    """Return a metric from a name, config dict, ``Metric`` or callable, as ``keras.metrics.get``.

    Names and dicts give a metric instance (``'accuracy'`` -> ``Accuracy()``);
    callables are returned as they are; ``None`` gives ``None``.
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (dict, str)) else identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = sorted(
    [cls.__name__ for cls in ALL_OBJECTS]
    + [fn.__name__ for fn in _FUNCTIONS]
    + ["ALL_OBJECTS", "ALL_OBJECTS_DICT", "FUNCTIONS_DICT", "MAE", "MAPE", "MSE", "MSLE", "KLD",
       "acc", "cosine", "cosine_proximity", "deserialize", "get", "kld", "kullback_leibler_divergence", "logcosh", "mae",
       "mape", "mse", "msle", "serialize", "experimental"]
)
