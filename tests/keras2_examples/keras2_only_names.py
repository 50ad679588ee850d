"""Keras 2 names that Keras 3 removed, in one program: TimeseriesGenerator fed to fit_generator,
LocallyConnected1D, ThresholdedReLU and a BaseLogger subclass in the callbacks."""
import numpy as np

import keras
from keras.callbacks import BaseLogger
from keras.layers import Dense, Flatten, LocallyConnected1D, ThresholdedReLU
from keras.models import Sequential
from keras.preprocessing.sequence import TimeseriesGenerator

rng = np.random.RandomState(0)
series = np.cumsum(rng.normal(size=(60, 2)), axis=0).astype('float32') / 10
target = series[:, :1] * 2.0

train_gen = TimeseriesGenerator(series, target, length=6, sampling_rate=2, stride=3,
                                start_index=2, end_index=45, batch_size=4)
val_gen = TimeseriesGenerator(series, target, length=6, sampling_rate=2, reverse=True,
                              start_index=40, batch_size=8)
windows = [train_gen[i][0] for i in range(len(train_gen))]


class EpochCounter(BaseLogger):
    """A Keras 2 style BaseLogger subclass that keeps the epoch logs it saw."""

    def __init__(self):
        super(EpochCounter, self).__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(sorted(logs))


model = Sequential()
model.add(LocallyConnected1D(4, 2, input_shape=(3, 2), activation='tanh'))
model.add(ThresholdedReLU(theta=0.1))
model.add(Flatten())
model.add(Dense(1))

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])

model.compile(loss='mse', optimizer=keras.optimizers.SGD(learning_rate=0.05))  # tf.keras 2.15 ignores lr=
counter = EpochCounter()
history = model.fit_generator(train_gen, epochs=3, validation_data=val_gen, shuffle=False,
                              callbacks=[counter], verbose=0)

RESULTS = {
    'lengths': [len(train_gen), len(val_gen)],
    'train_windows': np.concatenate(windows),
    'train_targets': np.concatenate([train_gen[i][1] for i in range(len(train_gen))]),
    'val_first': val_gen[0][0],
    'config': train_gen.to_json(),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'epoch_keys': counter.epochs[-1],
    'predict': model.predict(val_gen[0][0], verbose=0),
}
