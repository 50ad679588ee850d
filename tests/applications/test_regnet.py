"""tf.keras 2's RegNetX/RegNetY (dropped by Keras 3) against fixtures made by TensorFlow 2.15.

``tests/fixtures/make_tf2_applications_fixtures.py`` recorded tf.keras 2's layers, parameter
counts and outputs (with seeded weights); no TensorFlow is needed here.
"""

import inspect

import numpy as np
import pytest
from tf2_app_checks import check_against_tf2, check_summary, skip_truncated_normal_draws

from keraton.applications import regnet


@pytest.fixture(autouse=True)
def _fast_init(monkeypatch):
    skip_truncated_normal_draws(monkeypatch)


@pytest.mark.parametrize("name, case", [(name, case) for name in ("RegNetX002", "RegNetY002")
                                        for case in ("top", "notop", "notop_avg")] + [("RegNetX002", "noprep")])
def test_regnet_matches_tf_keras_2(name, case):
    check_against_tf2(regnet, name, case)


@pytest.mark.parametrize("name", ["RegNetX004", "RegNetY006", "RegNetX320", "RegNetY320"])
def test_regnet_parameter_counts_match_tf_keras_2(name):
    check_summary(regnet, name)


def test_regnet_head_is_linear_and_named_as_tf_keras_2():
    model = regnet.RegNetX002(weights=None, input_shape=(32, 32, 3), classes=3)
    gap, dense = model.layers[-2:]
    assert (gap.name, dense.name) == ("1_head_gap", "1head_dense")
    assert dense.get_config()["activation"] == "linear"  # classifier_activation is not applied
    model = regnet.RegNetX002(weights=None, input_shape=(32, 32, 3), classes=3)
    assert model.layers[-1].name == "2head_dense"


def test_regnet_constructor_signature_is_tf_keras_2s():
    params = inspect.signature(regnet.RegNetY320).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("model_name", "regnety320"), ("include_top", True), ("include_preprocessing", True),
        ("weights", "imagenet"), ("input_tensor", None), ("input_shape", None), ("pooling", None),
        ("classes", 1000), ("classifier_activation", "softmax")]


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": "nowhere.h5"}, "weights argument should be"),
    ({"weights": "imagenet", "classes": 10}, "classes should be 1000"),
    ({"weights": "imagenet", "input_shape": (64, 64, 3)}, r"input_shape should be \(224, 224, 3\)"),
    ({"weights": None, "include_top": False, "input_shape": (16, 16, 3)}, "at least 32x32"),
    ({"weights": "imagenet", "input_shape": (224, 224, 3), "classifier_activation": "relu"},
     "Only None and 'softmax'"),
])
def test_regnet_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        regnet.RegNetX002(**kwargs)


def test_regnet_rejects_bad_block_configurations():
    with pytest.raises(ValueError, match="block_type must be one of"):
        regnet.RegNet((1, 1, 1, 1), (8, 8, 8, 8), 8, "Z", 224, weights=None, include_top=False)
    with pytest.raises(ValueError, match=r"must be equal for stride=1"):
        regnet.regnet_block(regnet.layers.Input((8, 8, 4)), "X", 4, 8, 4, stride=1, name="b")


def test_regnet_preprocess_input_is_identity_and_decode_checks_shape():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert regnet.preprocess_input(images) is images
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        regnet.decode_predictions(np.zeros((1, 5)))


def test_regnet_builds_on_a_given_input_tensor():
    inputs = regnet.layers.Input((32, 32, 3))
    features = regnet.layers.Rescaling(2.0)(inputs)
    model = regnet.RegNetX002(weights=None, include_top=False, input_tensor=features, pooling="max")
    assert model.inputs[0] is inputs
    assert tuple(model.outputs[0].shape) == (None, 368)
