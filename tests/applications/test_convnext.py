"""ConvNeXt against Keras 3: variant configs, weights files, architecture and predictions."""

import inspect

import numpy as np
import pytest
import torch
from app_checks import (
    assert_same_architecture,
    assert_same_predictions,
    build_pair,
    recorded_call,
)

import keraton
from keraton.applications import convnext

keras = pytest.importorskip("keras")
from keras.src.applications import convnext as keras_convnext  # noqa: E402

VARIANTS = ["Tiny", "Small", "Base", "Large", "XLarge"]


def _build(variant, **kwargs):
    return build_pair(keras_convnext, convnext, f"ConvNeXt{variant}", **kwargs)


def _recorded_call(module, monkeypatch, constructor):
    return recorded_call(module, "ConvNeXt", monkeypatch, constructor)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_config_signature_and_hashes_match_keras(variant, monkeypatch):
    theirs = getattr(keras_convnext, f"ConvNeXt{variant}")
    ours = getattr(convnext, f"ConvNeXt{variant}")
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__name__ == f"ConvNeXt{variant}"
    expected = _recorded_call(keras_convnext, monkeypatch, theirs)
    assert _recorded_call(convnext, monkeypatch, ours) == expected
    weights_name = expected[1]["weights_name"]
    assert convnext.WEIGHTS_HASHES[weights_name] == keras_convnext.WEIGHTS_HASHES[weights_name]


def test_convnext_tiny_predicts_the_same_as_keras():
    reference, ours = _build("Tiny", include_top=True, input_shape=(32, 32, 3), classes=5)
    assert_same_architecture(reference, ours)
    images = np.random.default_rng(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert_same_predictions(reference, ours, images)
    layer_scale = ours.get_layer("convnext_tiny_stage_0_block_0_layer_scale")
    expected = reference.get_layer("convnext_tiny_stage_0_block_0_layer_scale")
    assert layer_scale.get_config() == expected.get_config()


def test_convnext_small_architecture_matches_keras():
    reference, ours = _build("Small", include_top=False, input_shape=(32, 32, 3), pooling="avg")
    assert ours.count_params() == reference.count_params()
    assert [(layer.name, type(layer).__name__) for layer in ours.layers] == [
        (layer.name, type(layer).__name__) for layer in reference.layers]
    assert tuple(ours.outputs[0].shape) == tuple(reference.output_shape)


def test_imagenet_weights_file_url_and_hash_match_keras(monkeypatch):
    import keraton.utils.file_utils

    class Requested(Exception):
        pass

    calls = []

    def get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        raise Requested

    monkeypatch.setattr(keraton.utils.file_utils, "get_file", get_file)
    with pytest.raises(Requested):
        convnext.ConvNeXtTiny(include_top=False, input_shape=(32, 32, 3))
    file_name = "convnext_tiny_notop.h5"
    expected = {"cache_subdir": "models", "file_hash": keras_convnext.WEIGHTS_HASHES["convnext_tiny"][1]}
    assert calls == [(file_name, keras_convnext.BASE_WEIGHTS_PATH + file_name, expected)]


def test_imagenet_weights_need_the_variant_name():
    with pytest.raises(ValueError, match="does not match weights variant"):
        convnext.ConvNeXtTiny(include_top=False, input_shape=(32, 32, 3), name="mine")


def test_stochastic_depth_drops_whole_samples_in_training_only():
    layer = convnext.StochasticDepth(0.5)
    x = torch.ones(64, 2, 3)
    assert torch.equal(layer(x), x)
    out = layer(x, training=True)
    per_sample = out.reshape(64, -1)
    assert set(per_sample.unique().tolist()) <= {0.0, 2.0}
    assert torch.all(per_sample == per_sample[:, :1])
    assert layer.get_config() == keras_convnext.StochasticDepth(0.5, name=layer.name).get_config()


def test_convnext_preprocess_input_is_identity_and_rejects_channels_first():
    images = np.arange(6.0).reshape(1, 1, 2, 3)
    assert convnext.preprocess_input(images) is images
    import keraton.backend

    keraton.backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            convnext.ConvNeXtTiny(weights=None)
    finally:
        keraton.backend.set_image_data_format("channels_last")


def test_config_round_trip_finds_the_family_layers_by_their_keras_module():
    # LayerScale is recorded as keras.src.applications.convnext; no custom_objects needed.
    model = keraton.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3),
                                              include_top=False)
    clone = keraton.Model.from_config(model.get_config())
    assert clone.count_params() == model.count_params()
    assert [type(layer).__name__ for layer in clone.layers] == \
        [type(layer).__name__ for layer in model.layers]
