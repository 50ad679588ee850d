"""Keras 3 names for other frameworks' objects exist and refuse as Keras 3 does on its torch backend."""

import pytest

import keraton

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("path,args", [
    ("layers.JaxLayer", (lambda x: x,)),
    ("layers.TFSMLayer", ("/nonexistent/saved_model",)),
    ("export.ExportArchive", ()),
])
def test_refused_with_the_exception_type_keras_raises_on_torch(path, args):
    def make(lib):
        obj = lib
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj(*args)

    with pytest.raises(Exception) as keras_error:
        make(keras)
    with pytest.raises(type(keras_error.value), match="keraton") as keraton_error:
        make(keraton)
    # keraton says what to use instead.
    assert "nn.Module" in str(keraton_error.value) or "onnx" in str(keraton_error.value)


def test_orbax_checkpoint_is_refused_with_a_pointer_to_model_checkpoint(tmp_path):
    with pytest.raises(ImportError, match="ModelCheckpoint"):
        keraton.callbacks.OrbaxCheckpoint(str(tmp_path / "ckpt"))


def test_flax_layer_is_refused_as_jax_layer():
    # Keras imports flax first (ModuleNotFoundError without it); with flax, JaxLayer's ValueError.
    with pytest.raises(ValueError, match="nn.Module"):
        keraton.layers.FlaxLayer(None)


def test_the_names_are_classes_of_the_keras_families():
    assert issubclass(keraton.layers.JaxLayer, keraton.layers.Layer)
    assert issubclass(keraton.layers.FlaxLayer, keraton.layers.JaxLayer)
    assert issubclass(keraton.callbacks.OrbaxCheckpoint, keraton.callbacks.Callback)
