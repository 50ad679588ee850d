"""Small models and data shared by the callback tests (each test runs a real fit)."""

import numpy as np

import keraton


def build_model(lr=0.1, optimizer="sgd", keras_mod=keraton, metrics=None):
    """A compiled 3 -> 4 -> 1 Dense regressor (keraton, or real Keras when given)."""
    model = keras_mod.Sequential([
        keras_mod.Input((3,)),
        keras_mod.layers.Dense(4, activation="tanh"),
        keras_mod.layers.Dense(1),
    ])
    opt = {"sgd": keras_mod.optimizers.SGD, "adam": keras_mod.optimizers.Adam}[optimizer]
    model.compile(optimizer=opt(learning_rate=lr), loss="mse", metrics=metrics)
    return model


def make_data(n=32, seed=0):
    """Inputs `(n, 3)` and a learnable linear target `(n, 1)`, float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.3).astype("float32")
    return x, y


class SavingSequential(keraton.Sequential):
    """A Sequential whose `save`/`save_weights` write the weights as `.npz`
    bytes atomically and record each call (stand-ins for keraton.saving)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved = []

    def _write(self, kind, filepath, overwrite):
        import os

        self.saved.append((kind, os.fspath(filepath), overwrite))
        tmp = f"{filepath}.tmp"
        with open(tmp, "wb") as f:
            np.savez(f, *self.get_weights())
        os.replace(tmp, filepath)

    def save(self, filepath, overwrite=True, **kwargs):
        self._write("save", filepath, overwrite)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        self._write("save_weights", filepath, overwrite)


def build_saving_model(lr=0.1):
    """`build_model`'s network as a `SavingSequential`."""
    model = SavingSequential([
        keraton.Input((3,)),
        keraton.layers.Dense(4, activation="tanh"),
        keraton.layers.Dense(1),
    ])
    model.compile(optimizer=keraton.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def read_npz(path):
    """The arrays written by `SavingSequential`, in order."""
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]
