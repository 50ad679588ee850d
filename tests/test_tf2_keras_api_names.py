"""Every public tf.keras 2 (TensorFlow 2.15) name exists in keraton, but for TensorFlow's own machinery.

The names were recorded from tf.keras 2 by ``tests/fixtures/make_tf2_keras_names.py``.
"""

import importlib
import json
import os

NAMES = json.load(open(os.path.join(os.path.dirname(__file__), "fixtures", "tf2_keras_names.json")))

# tf.keras 2 names tied to TensorFlow itself, which keraton (on PyTorch) does not offer.
TENSORFLOW_ONLY = {
    "keras.dtensor",  # TensorFlow DTensor layouts
    "keras.estimator",  # tf.estimator
    "keras.experimental.SequenceFeatures", "keras.layers.DenseFeatures",  # tf.feature_column
    "keras.experimental.SidecarEvaluator", "keras.utils.SidecarEvaluator",  # tf.distribute evaluation
    "keras.callbacks.SidecarEvaluatorModelExport",
    "keras.utils.experimental",  # DatasetCreator: tf.distribute input pipelines
    "keras.utils.StepsPerExecutionTuner",  # tunes tf.function's steps_per_execution
}
# Not yet in keraton.
NOT_YET: set = set()


def _excluded(full: str) -> bool:
    return any(full == gap or full.startswith(gap + ".") for gap in TENSORFLOW_ONLY | NOT_YET)


def _resolve(full: str):
    """The keraton object at ``full`` (``keras.`` read as ``keraton.``): attribute or module."""
    obj = importlib.import_module("keraton")
    for part in full.split(".")[1:]:
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        obj = importlib.import_module(f"{obj.__name__}.{part}")  # a submodule not yet imported
    return obj


def test_every_public_tf_keras_2_name_exists_in_keraton():
    missing = []
    for full, _is_module in NAMES:
        if _excluded(full):
            continue
        try:
            _resolve(full)
        except (ImportError, AttributeError):
            missing.append(full)
    assert missing == []
