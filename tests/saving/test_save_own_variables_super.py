"""``Layer.save_own_variables`` / ``load_own_variables`` exist on every layer, as in Keras 3.

keras.io's serialization guide extends them with ``super().save_own_variables(store)``
in a ``Dense`` subclass; keraton's layers had no such methods (AttributeError on save).
"""

import numpy as np
import pytest

import keraton


class LayerWithCustomVariable(keraton.layers.Dense):
    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.my_variable = keraton.Variable(np.arange(units, dtype="float32") + 1.0,
                                            name="my_variable", dtype="float32")

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["variables"] = self.my_variable.numpy()

    def load_own_variables(self, store):
        self.my_variable.assign(store["variables"])
        for i, v in enumerate([self.kernel, self.bias]):
            v.assign(store[str(i)])

    def call(self, inputs):
        return super().call(inputs) + self.my_variable


def test_super_save_own_variables_in_a_dense_subclass(tmp_path):
    keraton.saving.get_custom_objects()["test_pkg>LayerWithCustomVariable"] = LayerWithCustomVariable
    try:
        model = keraton.Sequential([keraton.Input((3,)), LayerWithCustomVariable(2)])
        model.layers[0].kernel.assign(np.full((3, 2), 0.5, "float32"))
        x = np.ones((1, 3), "float32")
        np.testing.assert_allclose(model.predict(x, verbose=0), [[2.5, 3.5]])
        model.save(tmp_path / "m.keras")
        restored = keraton.models.load_model(tmp_path / "m.keras",
                                             custom_objects={"LayerWithCustomVariable": LayerWithCustomVariable})
        np.testing.assert_allclose(restored.layers[0].my_variable.numpy(), [1.0, 2.0])
        np.testing.assert_allclose(restored.predict(x, verbose=0), [[2.5, 3.5]])
    finally:
        keraton.saving.get_custom_objects().pop("test_pkg>LayerWithCustomVariable", None)


def test_dense_saves_only_kernel_and_bias_as_keras():
    # Keras 3's Dense.variable_serialization_spec: a subclass's extra variable is not written.
    layer = LayerWithCustomVariable(2)
    layer.build((None, 3))
    assert [w.path for w in layer.weights][0] == "my_variable"  # tracked first, as in Keras
    store = {}
    keraton.layers.Dense.save_own_variables(layer, store)
    assert {k: v.shape for k, v in store.items()} == {"0": (3, 2), "1": (2,)}
    store = {}
    plain = keraton.layers.Dense(2, use_bias=False)
    plain.build((None, 3))
    plain.save_own_variables(store)
    assert list(store) == ["0"]


def test_default_hooks_round_trip_in_keras_layout():
    conv = keraton.layers.Conv2D(2, 3)
    conv.build((None, 5, 5, 1))
    store = {}
    conv.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    assert store["0"].shape == (3, 3, 1, 2)  # Keras's kernel layout
    other = keraton.layers.Conv2D(2, 3)
    other.build((None, 5, 5, 1))
    other.load_own_variables(store)
    for a, b in zip(conv.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_default_load_refuses_wrong_count_before_assigning():
    dense = keraton.layers.Dense(2)
    dense.build((None, 3))
    before = dense.get_weights()
    with pytest.raises(ValueError, match="expected 2 variables"):
        dense.load_own_variables({"0": np.zeros((3, 2), "float32")})
    with pytest.raises(ValueError, match="shape"):
        dense.load_own_variables({"0": np.zeros((3, 2), "float32"), "1": np.zeros(5, "float32")})
    for a, b in zip(before, dense.get_weights()):
        np.testing.assert_array_equal(a, b)
