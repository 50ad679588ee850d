"""A Keras 2 program, written as Keras 2 users wrote them, runs with only its imports changed.

The program below uses Keras 2's module paths (``keras.layers.core``,
``keras.layers.recurrent``, ``keras.engine.topology``, ``keras.utils.np_utils``...),
the backend API in a ``Lambda``, a custom loss and a custom layer,
``K.set_value(model.optimizer.lr, ...)`` in a callback, ``fit_generator``,
``evaluate_generator``, ``predict_generator`` and ``predict_classes``.
"""

import sys
import warnings

import numpy as np
import pytest

from keraton.utils import keras2_names

KERAS2_PROGRAM = '''
import numpy as np
import keraton as keras
from keraton import backend as K
from keraton.callbacks import Callback
from keraton.engine.topology import Layer
from keraton.layers.core import Dense, Dropout, Activation, Lambda, Flatten, Reshape
from keraton.layers.embeddings import Embedding
from keraton.layers.recurrent import LSTM
from keraton.layers.merge import concatenate
from keraton.layers.convolutional import Conv1D, UpSampling1D
from keraton.layers.pooling import GlobalMaxPooling1D
from keraton.models import Sequential, Model
from keraton.layers import Input
from keraton.utils import np_utils
from keraton.utils.data_utils import Sequence


class Scale(Layer):
    """A Keras 2 custom layer: one trainable scale per feature."""

    def __init__(self, **kwargs):
        super(Scale, self).__init__(**kwargs)

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(input_shape[-1],),
                                     initializer="ones", trainable=True)
        super(Scale, self).build(input_shape)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape


def weighted_crossentropy(y_true, y_pred):
    return K.mean(K.categorical_crossentropy(y_true, y_pred) * 1.0, axis=-1)


class LRHalver(Callback):
    def on_epoch_end(self, epoch, logs=None):
        K.set_value(self.model.optimizer.lr, K.get_value(self.model.optimizer.lr) * 0.5)


np.random.seed(0)
x_train = np.random.rand(96, 8).astype("float32")
labels = (x_train[:, 0] > 0.5).astype("int32") + (x_train[:, 1] > 0.5).astype("int32")
y_train = np_utils.to_categorical(labels, 3)

model = Sequential()
model.add(Dense(16, input_dim=8))
model.add(Activation("relu"))
model.add(Lambda(lambda t: K.l2_normalize(t, axis=-1) * K.sqrt(K.constant(16.0))))
model.add(Scale())
model.add(Dropout(0.1))
model.add(Dense(3))
model.add(Activation("softmax"))
model.compile(loss=weighted_crossentropy, optimizer=keras.optimizers.SGD(lr=0.5),
              metrics=["accuracy"])

def batches(batch_size=32):
    while True:
        for i in range(0, len(x_train), batch_size):
            yield x_train[i:i + batch_size], y_train[i:i + batch_size]

history = model.fit_generator(batches(), steps_per_epoch=3, epochs=8, verbose=0,
                              callbacks=[LRHalver()])
score = model.evaluate_generator(batches(), steps=3)
probabilities = model.predict_generator((xb for xb, _ in batches()), steps=3)
classes = model.predict_classes(x_train)
final_lr = float(K.get_value(model.optimizer.lr))
metrics_names = model.metrics_names


class Texts(Sequence):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return self.x[i * 16:(i + 1) * 16], self.y[i * 16:(i + 1) * 16]


tokens = np.random.randint(1, 50, size=(32, 10))
token_labels = np.random.randint(0, 2, size=(32, 1))
words = Input(shape=(10,))
embedded = Embedding(50, 8)(words)
recurrent = LSTM(4)(embedded)
convolved = GlobalMaxPooling1D()(UpSampling1D(2)(Conv1D(4, 3, padding="same")(embedded)))
merged = concatenate([recurrent, convolved])
text_model = Model(inputs=words, outputs=Dense(1, activation="sigmoid")(merged))
text_model.compile(loss="binary_crossentropy", optimizer="adam")
text_history = text_model.fit_generator(Texts(tokens, token_labels), epochs=1, verbose=0)
text_classes = text_model.predict(tokens)
'''


@pytest.fixture(scope="module")
def program():
    # Each Keras 2 name warns once per process: forget earlier warnings and imports.
    keras2_names._WARNED.clear()
    for name in [m for m in sys.modules if m.startswith("keraton.engine")] + [
            "keraton.layers.recurrent", "keraton.layers.embeddings", "keraton.layers.merge",
            "keraton.utils.np_utils", "keraton.utils.data_utils"]:
        sys.modules.pop(name, None)
    namespace = {"__name__": "keras2_program"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(KERAS2_PROGRAM, "keras2_program.py", "exec"), namespace)  # noqa: S102
    namespace["caught"] = [str(w.message) for w in caught]
    return namespace


def test_keras2_program_trains(program):
    loss = program["history"].history["loss"]
    assert len(loss) == 8 and loss[-1] < loss[0]
    assert program["metrics_names"] == ["loss", "accuracy"]
    loss_value, accuracy = program["score"]
    assert 0.0 < loss_value < loss[0] and 0.0 <= accuracy <= 1.0


def test_keras2_program_outputs(program):
    probabilities, classes = program["probabilities"], program["classes"]
    assert probabilities.shape == (96, 3)
    np.testing.assert_allclose(probabilities.sum(-1), np.ones(96), rtol=1e-5)
    np.testing.assert_array_equal(classes, np.argmax(program["model"].predict(program["x_train"],
                                                                              verbose=0), -1))
    assert program["final_lr"] == pytest.approx(0.5 * 0.5 ** 8, rel=1e-6)  # halved each epoch
    assert program["text_classes"].shape == (32, 1)
    assert len(program["text_history"].history["loss"]) == 1


def test_keras2_program_names_warn(program):
    warned = " ".join(program["caught"])
    for name in ["keras.layers.core.Dropout", "keras.layers.recurrent", "keras.layers.embeddings",
                 "keras.layers.merge", "keras.utils.data_utils", "Model.fit_generator",
                 "Sequential.predict_classes", "keras.engine"]:
        assert name in warned, name
