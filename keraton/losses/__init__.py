"""Losses of keraton: the ``keras.losses`` API on torch tensors.

Functions return per-sample losses; classes (subclasses of :class:`Loss`)
reduce them.  ``get``, ``serialize`` and ``deserialize`` behave as in Keras 3:
``get('mse')`` returns the function, ``get('MeanSquaredError')`` or a config
dict returns an instance, a callable is returned as is.  Keras 2 aliases
(``mse``, ``MAE``, ``kld``, ``logcosh``, ``kullback_leibler_divergence``...)
are exported too.
"""

from __future__ import annotations

import inspect

from keraton.losses.classes import (
    CTC,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    CosineSimilarity,
    Dice,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Tversky,
)
from keraton.losses.functions import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    circle,
    cosine_proximity,
    cosine_similarity,
    ctc,
    dice,
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
    tversky,
)
from keraton.losses.loss import Loss, squeeze_or_expand_to_same_rank
from keraton.losses.reduction import Reduction
from keraton.losses.torch_loss import TorchLoss, is_torch_loss
from keraton.saving.object_registration import get_registered_object
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.lookup import lookup_by_name

# Keras 2 / Keras 3 legacy aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy
cosine = cosine_proximity  # Keras 2.x

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, CategoricalFocalCrossentropy, Dice, Tversky, Circle,
    CategoricalGeneralizedCrossEntropy, CTC,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, huber, hinge, squared_hinge, categorical_hinge,
    categorical_focal_crossentropy, dice, tversky, circle, categorical_generalized_cross_entropy,
    ctc,
)

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
    "cosine_proximity": cosine_proximity, "cosine": cosine_proximity,  # Keras 2.x
})


def serialize(loss):
    """Serialize a loss function (to its name) or a ``Loss`` (to Keras 3's config dict)."""
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """Rebuild a loss function, class or instance from :func:`serialize`'s output.

    Unknown names raise a ``ValueError`` naming the closest known loss.
    """
    if isinstance(name, str):
        found = get_registered_object(name, custom_objects)
        return found if found is not None else lookup_by_name("loss", name, ALL_OBJECTS_DICT)
    return deserialize_keras_object(name, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects, kind="loss")


def get(identifier):
    """Return a loss from a name, config dict, ``Loss`` or callable, as ``keras.losses.get``.

    Function names (``'mse'``, ``'categorical_crossentropy'``) give the function;
    class names (``'MeanSquaredError'``) and dicts give an instance; ``None``
    gives ``None``; a ``torch.nn`` loss module (``nn.CrossEntropyLoss()``) or
    ``torch.nn.functional`` loss gives a :class:`TorchLoss` calling it torch's
    way, ``module(y_pred, y_true)``.
    """
    if identifier is None:
        return None
    if is_torch_loss(identifier):
        return TorchLoss(identifier)
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


__all__ = [
    "Reduction",
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "BCE", "BinaryCrossentropy", "BinaryFocalCrossentropy",
    "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CTC", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "Circle", "CosineSimilarity",
    "Dice",
    "Hinge", "Huber", "KLD", "KLDivergence", "LogCosh", "Loss", "LossFunctionWrapper", "MAE",
    "MAPE", "MSE", "MSLE", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "TorchLoss", "Tversky", "bce", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle", "cosine",
    "cosine_proximity", "cosine_similarity",
    "ctc",
    "deserialize", "dice", "get", "hinge", "huber", "kl_divergence", "kld",
    "kullback_leibler_divergence", "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "mse", "msle", "poisson", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "squeeze_or_expand_to_same_rank", "tversky",
]
