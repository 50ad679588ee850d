"""A registered ``keras.Model`` subclass built functional-style saves under its own names.

Keras 3 writes ``UserModel(inputs, outputs)`` with the user's module (``None``
for a class of the running script) and registered name (``"Custom>UserModel"``),
so ``load_model`` finds it through the registry; keraton's instance runs in a
Functional-derived copy of the class, which must not leak into the config.
A user's subclass of a keraton class that names its Keras module
(``LearningRateSchedule``) is likewise written with its own module.
"""

import numpy as np

import keraton
from keraton import layers


@keraton.saving.register_keras_serializable(package="Sweep")
class RegisteredFunctionalSubclass(keraton.Model):
    def predict_step(self, x):
        return self(x, training=False) * 2.0


class UserSchedule(keraton.optimizers.schedules.LearningRateSchedule):
    def __call__(self, step):
        return 0.1

    def get_config(self):
        return {}


def _model():
    inputs = layers.Input((4,))
    return RegisteredFunctionalSubclass(inputs, layers.Dense(2)(inputs))


def test_serialized_names_are_the_users_class():
    config = keraton.saving.serialize_keras_object(_model())
    # as Keras 3.15 writes it (module: the class's own module, here this test file's)
    assert config["class_name"] == "RegisteredFunctionalSubclass"
    assert config["registered_name"] == "Sweep>RegisteredFunctionalSubclass"
    assert config["module"] == __name__


def test_user_subclass_of_keraton_class_keeps_its_module():
    config = keraton.saving.serialize_keras_object(UserSchedule())
    assert config["module"] == __name__
    assert config["registered_name"] == "UserSchedule"
    builtin = keraton.saving.serialize_keras_object(
        keraton.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    assert builtin["module"] == "keras.optimizers.schedules"


def test_registered_functional_subclass_loads_back(tmp_path):
    model = _model()
    x = np.arange(8, dtype="float32").reshape(2, 4)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keraton.saving.load_model(path)
    assert type(loaded).__name__ == "RegisteredFunctionalSubclass"
    assert isinstance(loaded, RegisteredFunctionalSubclass)
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(loaded.predict_step(x)),
                               2.0 * keraton.ops.convert_to_numpy(model(x)), rtol=1e-6)
