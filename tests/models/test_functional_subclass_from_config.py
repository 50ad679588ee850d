"""A ``Model`` subclass built as ``Sub(inputs, outputs)`` comes back from its config as ``Sub``, as Keras 3."""

import numpy as np
import pytest

import keraton


def _make(keras_module):
    class Custom(keras_module.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            return keras_module.ops.sum(keras_module.ops.square(y - y_pred))

    class WithInit(keras_module.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras_module.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {"units": self.units}

    inputs = keras_module.Input((3,))
    outputs = keras_module.layers.Dense(2)(inputs)
    return Custom, Custom(inputs, outputs, name="custom"), WithInit


@pytest.mark.parametrize("lib", ["keras", "keraton"])
def test_load_model_keeps_functional_subclass(lib, tmp_path):
    keras_module = pytest.importorskip("keras") if lib == "keras" else keraton
    Custom, model, _ = _make(keras_module)
    model.compile(optimizer="sgd")
    path = str(tmp_path / "m.keras")
    model.save(path)
    restored = keras_module.models.load_model(path, custom_objects={"Custom": Custom})
    assert type(restored).__name__ == "Custom"
    assert isinstance(restored, Custom)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    # the override survives: the loss is the plain sum of squares
    y = np.zeros((2, 2), "float32")
    expected = float(np.square(model.predict(x, verbose=0)).sum())
    np.testing.assert_allclose(restored.evaluate(x, y, verbose=0), expected, rtol=1e-5)


@pytest.mark.parametrize("lib", ["keras", "keraton"])
def test_from_config_subclass_with_own_init_uses_it(lib):
    keras_module = pytest.importorskip("keras") if lib == "keras" else keraton
    _, _, WithInit = _make(keras_module)
    clone = WithInit.from_config({"units": 4})
    assert type(clone) is WithInit and clone.units == 4
