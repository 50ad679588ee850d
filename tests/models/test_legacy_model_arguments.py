"""Keras 1 arguments of ``Model``, ``fit`` and the generator methods, converted as Keras 2.2.5 did."""

import re
import warnings

import numpy as np
import pytest

import keraton
from keraton.utils import keras2_names

SEMANTICS = "The semantics of the Keras 2 argument `steps_per_epoch`"


@pytest.fixture(autouse=True)
def _forget_warnings():
    keras2_names._WARNED.clear()
    yield
    keras2_names._WARNED.clear()


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, :1] * 2.0).astype("float32")


def _model():
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


class Batches:
    """An endless generator of ``(x, y)`` batches that counts what it gave (and may say its batch size)."""

    def __init__(self, batch_size=4, says_batch_size=True, with_targets=True):
        if says_batch_size:
            self.batch_size = batch_size
        self._size = batch_size
        self.with_targets = with_targets
        self.drawn = 0
        self.x, self.y = _data()

    def __iter__(self):
        return self

    def __next__(self):
        i = (self.drawn * self._size) % len(self.x)
        self.drawn += 1
        x, y = self.x[i:i + self._size], self.y[i:i + self._size]
        return (x, y) if self.with_targets else x


class CountBatches(keraton.callbacks.Callback):
    """Counts the steps run (the generator itself may be read ahead by the data adapter)."""

    def __init__(self):
        super().__init__()
        self.train = self.test = self.predict = 0

    def on_train_batch_end(self, batch, logs=None):
        self.train += 1

    def on_test_batch_end(self, batch, logs=None):
        self.test += 1

    def on_predict_batch_end(self, batch, logs=None):
        self.predict += 1


def test_model_input_output_keywords():
    inputs = keraton.Input((4,))
    outputs = keraton.layers.Dense(2)(inputs)
    with pytest.warns(UserWarning) as record:
        model = keraton.Model(input=inputs, output=outputs)
    messages = [str(w.message) for w in record]
    assert any(m.startswith("Update your `Model` call to the Keras 2 API: `Model(inputs=") for m in messages)
    reference = keraton.Model(inputs=inputs, outputs=outputs)
    x = _data()[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), reference.predict(x, verbose=0))
    assert model.get_config()["input_layers"] == reference.get_config()["input_layers"]


def test_fit_nb_epoch():
    x, y = _data()
    model = _model()
    with pytest.warns(UserWarning, match=re.escape("The `nb_epoch` argument in `fit` has been renamed `epochs`.")):
        history = model.fit(x, y, nb_epoch=3, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 3
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['nb_epochs'\]"):
        model.fit(x, y, nb_epochs=3, verbose=0)


def test_fit_generator_samples_per_epoch_divided_by_the_generators_batch_size():
    model, batches, counter = _model(), Batches(batch_size=4), CountBatches()
    with pytest.warns(UserWarning) as record:
        history = model.fit_generator(batches, samples_per_epoch=20, nb_epoch=2, verbose=0,
                                      callbacks=[counter], nb_worker=1, pickle_safe=False,
                                      max_q_size=5)
    messages = [str(w.message) for w in record]
    assert any(m.startswith(SEMANTICS) for m in messages)
    assert any(m.startswith("Update your `fit_generator` call to the Keras 2 API: `fit_generator(")
               and "steps_per_epoch=5" in m and "epochs=2" in m for m in messages)
    assert len(history.history["loss"]) == 2
    assert counter.train == 2 * 5


def test_fit_generator_samples_per_epoch_taken_as_steps_without_a_batch_size():
    model, batches, counter = _model(), Batches(says_batch_size=False), CountBatches()
    with pytest.warns(UserWarning, match=re.escape("Update your `fit_generator`")) as record:
        model.fit_generator(batches, samples_per_epoch=3, epochs=1, verbose=0, callbacks=[counter])
    # Keras 2.2.5 warned about the semantics only when another Keras 1 argument was left.
    assert not [w for w in record if str(w.message).startswith(SEMANTICS)]
    assert counter.train == 3


def test_fit_generator_nb_val_samples_become_validation_steps_unchanged():
    model, counter = _model(), CountBatches()
    with pytest.warns(UserWarning, match=re.escape(SEMANTICS)):
        model.fit_generator(Batches(), steps_per_epoch=2, epochs=1, verbose=0,
                            validation_data=Batches(batch_size=4), nb_val_samples=3,
                            callbacks=[counter])
    assert (counter.train, counter.test) == (2, 3)


@pytest.mark.parametrize("method", ["evaluate_generator", "predict_generator"])
def test_val_samples_become_steps(method):
    model, counter = _model(), CountBatches()
    batches = Batches(batch_size=4, with_targets=method == "evaluate_generator")
    with pytest.warns(UserWarning, match=re.escape(f"Update your `{method}` call")):
        result = getattr(model, method)(batches, val_samples=3, callbacks=[counter])
    assert counter.test + counter.predict == 3
    if method == "predict_generator":
        assert result.shape == (12, 1)


def test_keras2_generator_arguments_convert_nothing():
    model = _model()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit_generator(Batches(), steps_per_epoch=2, epochs=1, verbose=0)
    assert not [w for w in record if "Keras 2 API" in str(w.message)]


def test_fit_generator_unknown_keyword_still_raises():
    with pytest.raises(TypeError, match="nb_epochs"):
        _model().fit_generator(Batches(), steps_per_epoch=1, nb_epochs=1)
