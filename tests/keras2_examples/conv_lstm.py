"""Keras 2 examples/conv_lstm.py: next-frame prediction of moving squares with stacked ConvLSTM2D."""
import numpy as np

from keras.models import Sequential
from keras.layers import Conv3D
from keras.layers import ConvLSTM2D
from keras.layers import BatchNormalization

# harness: Keras 2.15's ConvLSTM2D defaults to recurrent_activation='hard_sigmoid'
# (0.2 * x + 0.5), Keras 3's to 'sigmoid'; spelled out so both libraries compute alike.
gate_activation = 'sigmoid'

# A network taking movies of shape (n_frames, width, height, channels) and
# returning a movie of the same shape (small frames and filters; no plotting).
seq = Sequential()
seq.add(ConvLSTM2D(filters=4, kernel_size=(3, 3),
                   input_shape=(None, 12, 12, 1),
                   padding='same', return_sequences=True,
                   recurrent_activation=gate_activation))
seq.add(BatchNormalization())

seq.add(ConvLSTM2D(filters=4, kernel_size=(3, 3),
                   padding='same', return_sequences=True,
                   recurrent_activation=gate_activation))
seq.add(BatchNormalization())

seq.add(Conv3D(filters=1, kernel_size=(3, 3, 3),
               activation='sigmoid',
               padding='same', data_format='channels_last'))
seq.compile(loss='binary_crossentropy', optimizer='adadelta')

seq.summary()

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
seq.set_weights([seeded.normal(0, 0.2, w.shape).astype(w.dtype) if w.ndim > 1 else w
                 for w in seq.get_weights()])

# Artificial data: movies of 3 to 5 moving squares, 12x12 frames (the example's
# 80x80 frames cut to 40x40 shrunk further), with noise squares at the input.
rng = np.random.RandomState(0)


def generate_movies(n_samples=12, n_frames=6):
    row = 16
    col = 16
    noisy_movies = np.zeros((n_samples, n_frames, row, col, 1), dtype=np.float64)
    shifted_movies = np.zeros((n_samples, n_frames, row, col, 1), dtype=np.float64)

    for i in range(n_samples):
        # Add 3 to 5 moving squares
        n = rng.randint(3, 6)

        for j in range(n):
            # Initial position
            xstart = rng.randint(4, 12)
            ystart = rng.randint(4, 12)
            # Direction of motion
            directionx = rng.randint(0, 3) - 1
            directiony = rng.randint(0, 3) - 1

            # Size of the square
            w = rng.randint(1, 2)

            for t in range(n_frames):
                x_shift = xstart + directionx * t
                y_shift = ystart + directiony * t
                noisy_movies[i, t, x_shift - w: x_shift + w,
                             y_shift - w: y_shift + w, 0] += 1

                # Make it more robust by adding noise: if a pixel's value is 1,
                # add 0.1 (or subtract it) to it.
                if rng.randint(0, 2):
                    noise_f = (-1) ** rng.randint(0, 2)
                    noisy_movies[i, t,
                                 x_shift - w - 1: x_shift + w + 1,
                                 y_shift - w - 1: y_shift + w + 1,
                                 0] += noise_f * 0.1

                # Shift the ground truth by 1
                x_shift = xstart + directionx * (t + 1)
                y_shift = ystart + directiony * (t + 1)
                shifted_movies[i, t, x_shift - w: x_shift + w,
                               y_shift - w: y_shift + w, 0] += 1

    # Cut to a 12x12 window
    noisy_movies = noisy_movies[::, ::, 2:14, 2:14, ::]
    shifted_movies = shifted_movies[::, ::, 2:14, 2:14, ::]
    noisy_movies[noisy_movies >= 1] = 1
    shifted_movies[shifted_movies >= 1] = 1
    return noisy_movies, shifted_movies


noisy_movies, shifted_movies = generate_movies(n_samples=12, n_frames=6)
history = seq.fit(noisy_movies[:10], shifted_movies[:10], batch_size=5,
                  epochs=2, validation_split=0.2,
                  shuffle=False)  # harness: shuffle=False (the example shuffled)

# Testing the network on one movie: feed it the first 4 positions, then
# predict the new positions.
which = 10
track = noisy_movies[which][:4, ::, ::, ::]

for j in range(3):
    new_pos = seq.predict(track[np.newaxis, ::, ::, ::, ::])
    new = new_pos[::, -1, ::, ::, ::]
    track = np.concatenate((track, new), axis=0)

RESULTS = {
    'params': seq.count_params(),
    'output_shape': str(seq.output_shape),
    'history_keys': sorted(history.history),
    'loss': history.history['loss'],
    'val_loss': history.history['val_loss'],
    'track': track,
    'evaluate': seq.evaluate(noisy_movies[10:], shifted_movies[10:], verbose=0),
}
