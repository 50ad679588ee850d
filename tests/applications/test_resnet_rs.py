"""tf.keras 2's ResNetRS (dropped by Keras 3) against fixtures made by TensorFlow 2.15.

``tests/fixtures/make_tf2_applications_fixtures.py`` recorded tf.keras 2's layers, parameter
counts and outputs (with seeded weights); no TensorFlow is needed here.
"""

import inspect

import numpy as np
import pytest
from tf2_app_checks import check_against_tf2, check_summary, skip_truncated_normal_draws

from keraton.applications import resnet_rs


@pytest.fixture(autouse=True)
def _fast_init(monkeypatch):
    skip_truncated_normal_draws(monkeypatch)


@pytest.mark.parametrize("case", ["top", "notop", "notop_avg", "noprep"])
def test_resnet_rs50_matches_tf_keras_2(case):
    check_against_tf2(resnet_rs, "ResNetRS50", case)


def test_resnet_rs_stochastic_depth_layers_match_tf_keras_2():
    # ResNetRS200 is the smallest variant with drop_connect_rate > 0 (a Dropout per block).
    model = check_summary(resnet_rs, "ResNetRS200")
    rates = {layer.name.split("__")[0]: layer.rate for layer in model.layers if layer.name.endswith("_drop")}
    # As tf.keras 2: the drop rate is the group's *survival* probability 0.1 * (i + 2) / 5.
    assert rates == pytest.approx({"BlockGroup2": 0.04, "BlockGroup3": 0.06, "BlockGroup4": 0.08,
                                   "BlockGroup5": 0.1})


def test_resnet_rs_constructor_signature_is_tf_keras_2s():
    params = inspect.signature(resnet_rs.ResNetRS420).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("include_top", True), ("weights", "imagenet"), ("classes", 1000), ("input_shape", None),
        ("input_tensor", None), ("pooling", None), ("classifier_activation", "softmax"),
        ("include_preprocessing", True)]


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": "imagenet-i224"}, r"available \['imagenet-i160'\] \(default=highest\)"),
    ({"weights": "nowhere.h5"}, "Received weights=nowhere.h5"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000. Received classes=10"),
    ({"weights": None, "include_top": False, "input_shape": (16, 16, 3)}, "at least 32x32"),
    ({"weights": "imagenet-i160", "input_shape": (32, 32, 3), "classifier_activation": "relu"},
     "Only None and 'softmax'"),
])
def test_resnet_rs_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        resnet_rs.ResNetRS50(**kwargs)


def test_resnet_rs_weights_variants_follow_tf_keras_2():
    assert resnet_rs._resolve_weights(152, "imagenet", True, 1000)[0] == "imagenet-i256"
    assert resnet_rs._resolve_weights(152, "imagenet-i192", False, 7)[0] == "imagenet-i192"
    with pytest.raises(ValueError, match="depth must be one of"):
        resnet_rs._resolve_weights(34, None, True, 1000)


def test_resnet_rs_preprocess_input_is_identity_and_decode_checks_shape():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert resnet_rs.preprocess_input(images) is images
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        resnet_rs.decode_predictions(np.zeros((1, 5)))
