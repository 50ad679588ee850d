"""``quantize_model`` (Keras's ``Model.quantize``) and quantized files, both ways with real Keras 3."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton.models.quantize import flatten_layers, quantize_model

keras = pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _skip_keras_gc(monkeypatch):
    """Keras runs ``gc.collect()`` whenever ``quantize`` deletes a kernel (0.5 s each); not needed here."""
    import gc

    monkeypatch.setattr(gc, "collect", lambda *args, **kwargs: 0)


def _model(lib):
    inputs = lib.Input((5,), dtype="int32")
    x = lib.layers.Embedding(10, 8, name="emb")(inputs)
    x = lib.layers.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d", name="ed")(x)
    x = lib.layers.Dropout(0.1, name="drop")(x)
    outputs = lib.layers.Dense(3, name="head")(x)
    return lib.Model(inputs, outputs, name="m")


def _pair(seed=0):
    ours, theirs = _model(keraton), _model(keras)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=tuple(w.shape)).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs, rng.integers(0, 10, size=(2, 5)).astype("int32")


def _quantize_keras(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(*args, **kwargs)


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert [w.shape for w in wa] == [w.shape for w in wb]
    for x, y in zip(wa, wb):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def test_flatten_layers_order_matches_keras():
    keras.backend.clear_session()  # equal name counters in both libraries (the input layer's name)
    keraton.backend.clear_session()
    ours, theirs, _ = _pair()
    assert [layer.name for layer in flatten_layers(ours)] == [layer.name for layer in theirs._flatten_layers()]


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantize_model_matches_keras(mode):
    ours, theirs, x = _pair()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quantize_model(ours, mode)
    messages = [str(w.message) for w in caught]
    assert "Layer InputLayer does not have a `quantize` method implemented." in messages
    _quantize_keras(theirs, mode)
    assert [layer.dtype_policy.name for layer in ours.layers[1:]] == [
        layer.dtype_policy.name for layer in theirs.layers[1:]]
    _assert_same_weights(ours, theirs)
    np.testing.assert_array_equal(ours(torch.tensor(x)).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)))


@pytest.mark.parametrize("filters", ["emb|head", ["^ed$"], lambda layer: layer.name == "head"])
def test_filters_select_layers_as_keras(filters):
    ours, theirs, _ = _pair()
    quantize_model(ours, "int8", filters=filters)
    _quantize_keras(theirs, "int8", filters=filters)
    # Every layer has ``quantization_mode`` (None unless quantized), as in Keras 3.
    assert [layer.quantization_mode for layer in ours.layers[1:] if layer.name != "drop"] == [
        layer.quantization_mode for layer in theirs.layers[1:] if hasattr(layer, "quantize")
        and layer.name != "drop"]


def test_quantize_model_with_config_and_errors():
    ours, _, _ = _pair()
    config = keraton.quantizers.Int4QuantizationConfig(block_size=4)
    quantize_model(ours, config=config, filters="ed")
    assert ours.get_layer("ed").dtype_policy.name == "int4/4_from_float32"
    assert ours.get_layer("ed").quantization_config is config
    with pytest.raises(ValueError, match="already quantized"):
        quantize_model(ours, "int8")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        quantize_model(_pair()[0], "int2")
    with pytest.raises(ValueError, match="Contradictory arguments"):
        quantize_model(_pair()[0], "int8", config=config)
    with pytest.raises(ValueError, match="`filters` argument must be"):
        quantize_model(_pair()[0], "int8", filters=3)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        quantize_model(_pair()[0], "int8", bogus=1)
    unbuilt = keraton.Sequential([keraton.layers.Dense(2)])
    with pytest.raises(ValueError, match="isn't yet built"):
        quantize_model(unbuilt, "int8")


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_keras_files_round_trip_both_ways(mode, tmp_path):
    ours, theirs, x = _pair(seed=1)
    quantize_model(ours, mode)
    _quantize_keras(theirs, mode)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    # Each library reading both files builds the quantized layers from their dtype policies.
    for path in ("ours.keras", "theirs.keras"):
        ours_loaded = keraton.saving.load_model(tmp_path / path)
        theirs_loaded = keras.saving.load_model(tmp_path / path)
        _assert_same_weights(ours_loaded, theirs_loaded)
        assert [layer.dtype_policy.name for layer in ours_loaded.layers[1:]] == [
            layer.dtype_policy.name for layer in theirs_loaded.layers[1:]]
        np.testing.assert_array_equal(ours_loaded(torch.tensor(x)).detach().numpy(),
                                      keras.ops.convert_to_numpy(theirs_loaded(x)))
    # Weights files into quantized models of the other library.
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    fresh_theirs, fresh_ours = _model(keras), _model(keraton)
    _quantize_keras(fresh_theirs, mode)
    quantize_model(fresh_ours, mode)
    fresh_theirs.load_weights(tmp_path / "ours.weights.h5")
    fresh_ours.load_weights(tmp_path / "theirs.weights.h5")
    _assert_same_weights(fresh_theirs, ours)
    _assert_same_weights(fresh_ours, theirs)


@pytest.mark.parametrize("mode", ["int8", "float8"])
def test_fit_of_quantized_model_matches_keras(mode):
    models = [lib.Sequential([lib.Input((5,)), lib.layers.Dense(4), lib.layers.Dense(3)]) for lib in (keraton, keras)]
    rng = np.random.default_rng(2)
    weights = [rng.normal(size=tuple(w.shape)).astype("float32") for w in models[1].weights]
    x, y = rng.normal(size=(8, 5)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    for model, lib in zip(models, (keraton, keras)):
        model.set_weights(weights)
        quantize_model(model, mode) if lib is keraton else _quantize_keras(model, mode)
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    _assert_same_weights(*models)
