"""ResNet101/152 and ResNet50V2/101V2/152V2 against Keras 3: architecture, configs, predictions."""

import numpy as np
import pytest
from app_checks import assert_same_architecture, assert_same_predictions

from keraton.applications import resnet, resnet_v2

CONSTRUCTORS = {
    "ResNet101": resnet.ResNet101,
    "ResNet152": resnet.ResNet152,
    "ResNet50V2": resnet_v2.ResNet50V2,
    "ResNet101V2": resnet_v2.ResNet101V2,
    "ResNet152V2": resnet_v2.ResNet152V2,
}
CONFIG_KEYS = ("filters", "kernel_size", "strides", "padding", "use_bias", "pool_size", "axis", "epsilon",
               "momentum", "activation", "units")


def build_both(name, **kwargs):
    keras = pytest.importorskip("keras")
    import keraton.backend

    keras.backend.clear_session()
    keraton.backend.clear_session()
    reference = getattr(keras.applications, name)(weights=None, **kwargs)
    return reference, CONSTRUCTORS[name](weights=None, **kwargs)


def randomize_batch_norms(model, rng):
    """Non-trivial BatchNormalization statistics, so inference mode really uses them."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.uniform(-0.5, 0.5, n),
                               rng.uniform(-0.5, 0.5, n), rng.uniform(0.5, 1.5, n)])


@pytest.mark.parametrize("name", list(CONSTRUCTORS))
def test_resnet_depths_match_keras(name):
    """Every depth: architecture and layer configs; the 101-layer v1 also its predictions."""
    reference, ours = build_both(name, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    assert_same_architecture(reference, ours)
    assert ours.name == reference.name == name.lower()
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in reference.layers]
    for ref_layer, layer in zip(reference.layers[1:], ours.layers[1:]):
        expected, got = ref_layer.get_config(), layer.get_config()
        for key in CONFIG_KEYS:
            if key in expected:
                assert got[key] == expected[key], (layer.name, key)
    if name == "ResNet101":
        rng = np.random.default_rng(3)
        randomize_batch_norms(reference, rng)
        assert_same_predictions(reference, ours, rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32"))


@pytest.mark.parametrize("name, kwargs", [
    ("ResNet50V2", {"include_top": True, "input_shape": (32, 32, 3), "classes": 6,
                    "classifier_activation": None}),
    ("ResNet50V2", {"include_top": False, "input_shape": (40, 48, 3), "pooling": "max"}),
])
def test_resnet_predictions_match_keras_with_copied_weights(name, kwargs):
    reference, ours = build_both(name, **kwargs)
    assert_same_architecture(reference, ours)
    rng = np.random.default_rng(0)
    randomize_batch_norms(reference, rng)
    images = rng.uniform(-1, 1, (2, *kwargs["input_shape"])).astype("float32")
    assert_same_predictions(reference, ours, images)


@pytest.mark.parametrize("pooling, shape, last", [
    (None, (None, 2, 2, 2048), "post_relu"), ("avg", (None, 2048), "avg_pool"), ("max", (None, 2048), "max_pool"),
])
def test_resnet50v2_pooling_shapes(pooling, shape, last):
    model = resnet_v2.ResNet50V2(weights=None, include_top=False, input_shape=(64, 64, 3), pooling=pooling)
    assert tuple(model.outputs[0].shape) == shape
    assert model.layers[-1].name == last


def test_resnet_v2_preprocess_input_is_tf_mode():
    keras = pytest.importorskip("keras")
    images = np.random.default_rng(1).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.resnet_v2.preprocess_input(images.copy())
    np.testing.assert_allclose(resnet_v2.preprocess_input(images.copy()), expected, rtol=1e-6)
    np.testing.assert_allclose(resnet_v2.preprocess_input(np.array([[[[0.0, 127.5, 255.0]]]])), [[[[-1.0, 0.0, 1.0]]]])


def test_resnet_weights_facts_are_keras():
    keras_resnet = pytest.importorskip("keras.src.applications.resnet")
    for key, hashes in resnet.WEIGHTS_HASHES.items():
        assert hashes == keras_resnet.WEIGHTS_HASHES[key]
    assert resnet.BASE_WEIGHTS_PATH == keras_resnet.BASE_WEIGHTS_PATH


@pytest.mark.parametrize("constructor, label", [(resnet.ResNet152, "ResNet152"),
                                                (resnet_v2.ResNet101V2, "ResNet101V2")])
def test_resnets_reject_bad_arguments(constructor, label):
    with pytest.raises(ValueError, match=f"{label}.*at least 32x32"):
        constructor(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match=f"{label}.*classes should be 1000"):
        constructor(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match=f"{label}.*weights argument"):
        constructor(weights="/no/such/file.h5")
