"""keras.io example "Speaker Recognition" (examples/audio/speaker_recognition_using_cnn.py, Keras 3).

``residual_block`` (a 1x1 ``Conv1D`` shortcut, stacked ``Conv1D`` +
``Activation``, ``Add``, ``MaxPool1D(pool_size=2, strides=2)``), the five-block
``build_model`` with ``AveragePooling1D(pool_size=3, strides=3)``, ``Flatten``
and named ``Input``/output ``Dense`` layers; ``compile(optimizer="Adam")`` (the
capitalised name), sparse categorical cross-entropy + ``"accuracy"``;
``EarlyStopping(patience=..., restore_best_weights=True)`` and
``ModelCheckpoint(monitor="val_accuracy", save_best_only=True)`` to
``model.keras``; ``evaluate``; predictions on the FFT features of noisy
samples. Synthetic speakers (sines at speaker-specific pitches), 1 s at
16 kHz -> 256 samples; ``tf.signal.fft`` becomes ``keras.ops.fft`` and the
tf.data pipeline numpy arrays (``# harness:``); widths divided by 4-16.
"""

import numpy as np
import keras

RESULTS = {}

"""
## Data preparation (synthetic)
"""

SAMPLING_RATE = 256  # harness: 16000
BATCH_SIZE = 8  # harness: 128
EPOCHS = 4  # harness: 100
SCALE = 0.5

rng = np.random.RandomState(0)
class_names = ["Benjamin_Netanyau", "Jens_Stoltenberg", "Julia_Gillard", "Magaret_Tarcher", "Nelson_Mandela"]
_pitch = [11, 23, 37, 53, 71]
_t = np.arange(SAMPLING_RATE) / SAMPLING_RATE


def _speak(label, n):
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    return (np.sin(2 * np.pi * _pitch[label] * _t[None] + phase) + 0.3 * rng.normal(size=(n, SAMPLING_RATE)))


labels = np.array([i % 5 for i in range(30)])
audio = np.stack([_speak(label, 1)[0] for label in labels])[..., None].astype("float32")
noises = rng.normal(0, 1, (4, SAMPLING_RATE, 1)).astype("float32")

num_val_samples = int(0.2 * len(audio))  # harness: VALID_SPLIT = 0.1
train_audio, train_labels = audio[:-num_val_samples], labels[:-num_val_samples]
valid_audio, valid_labels = audio[-num_val_samples:], labels[-num_val_samples:]


def add_noise(audio, noises=None, scale=0.5):
    if noises is not None:
        # Create a random tensor of the same size as audio ranging from
        # 0 to the number of noise stream samples that we have.
        tf_rnd = np.arange(audio.shape[0]) % noises.shape[0]  # harness: tf.random.uniform
        noise = noises[tf_rnd]

        # Get the amplitude proportion between the audio and the noise
        prop = np.max(audio, axis=1) / np.max(noise, axis=1)
        prop = np.repeat(np.expand_dims(prop, axis=1), audio.shape[1], axis=1)

        # Adding the rescaled noise to audio
        audio = audio + noise * prop * scale

    return audio


def audio_to_fft(audio):
    # Since tf.signal.fft applies FFT on the innermost dimension,
    # we need to squeeze the dimensions and then expand them again
    # after FFT
    audio = keras.ops.squeeze(audio, axis=-1)
    real, imag = keras.ops.fft((audio, keras.ops.zeros_like(audio)))  # harness: tf.signal.fft
    fft = keras.ops.expand_dims(keras.ops.sqrt(real**2 + imag**2), axis=-1)

    # Return the absolute value of the first half of the FFT
    # which represents the positive frequencies
    return keras.ops.convert_to_numpy(fft[:, : (audio.shape[1] // 2), :])


# Add noise to the training set
train_audio = add_noise(train_audio, noises, scale=SCALE)

# Transform audio wave to the frequency domain using `audio_to_fft`
train_x = audio_to_fft(train_audio)
valid_x = audio_to_fft(valid_audio)
RESULTS["fft_head"] = train_x[:2, :12, 0]

"""
## Model Definition
"""


def residual_block(x, filters, conv_num=3, activation="relu"):
    # Shortcut
    s = keras.layers.Conv1D(filters, 1, padding="same")(x)
    for i in range(conv_num - 1):
        x = keras.layers.Conv1D(filters, 3, padding="same")(x)
        x = keras.layers.Activation(activation)(x)
    x = keras.layers.Conv1D(filters, 3, padding="same")(x)
    x = keras.layers.Add()([x, s])
    x = keras.layers.Activation(activation)(x)
    return keras.layers.MaxPool1D(pool_size=2, strides=2)(x)


def build_model(input_shape, num_classes):
    inputs = keras.layers.Input(shape=input_shape, name="input")

    x = residual_block(inputs, 4, 2)  # harness: 16
    x = residual_block(x, 4, 2)  # harness: 32
    x = residual_block(x, 8, 3)  # harness: 64
    x = residual_block(x, 8, 3)  # harness: 128
    x = residual_block(x, 8, 3)  # harness: 128

    x = keras.layers.AveragePooling1D(pool_size=3, strides=3)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(16, activation="relu")(x)  # harness: 256
    x = keras.layers.Dense(8, activation="relu")(x)  # harness: 128

    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(x)

    return keras.models.Model(inputs=inputs, outputs=outputs)


model = build_model((SAMPLING_RATE // 2, 1), len(class_names))

model.summary()

# Compile the model using Adam's default learning rate
model.compile(
    optimizer="Adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)

# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
model.set_weights([_rs.normal(0, 0.45 / np.sqrt(np.prod(w.shape[:-1])) if w.ndim > 1 else 0.05,
                              w.shape).astype("float32") for w in model.get_weights()])
RESULTS["count_params"] = model.count_params()
RESULTS["layer_names"] = [layer.name for layer in model.layers if not layer.name[-1].isdigit()]
RESULTS["output_shapes"] = str([tuple(layer.output.shape) for layer in model.layers])
RESULTS["before"] = model.predict(valid_x, verbose=0)

# Add callbacks:
# 'EarlyStopping' to stop training when the model is not enhancing anymore
# 'ModelCheckPoint' to always keep the model that has the best val_accuracy
model_save_filename = "model.keras"

earlystopping_cb = keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True)  # harness: 10
mdlcheckpoint_cb = keras.callbacks.ModelCheckpoint(
    model_save_filename, monitor="val_accuracy", save_best_only=True
)

"""
## Training
"""

history = model.fit(
    train_x, train_labels, batch_size=BATCH_SIZE,  # harness: train_ds
    epochs=EPOCHS,
    validation_data=(valid_x, valid_labels),  # harness: valid_ds
    callbacks=[earlystopping_cb, mdlcheckpoint_cb],
    shuffle=False,  # harness:
    verbose=0,
)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v
RESULTS["stopped_epoch"] = earlystopping_cb.stopped_epoch
RESULTS["best_epoch"] = earlystopping_cb.best_epoch

"""
## Evaluation
"""

print(model.evaluate(valid_x, valid_labels, verbose=0))
RESULTS["evaluate"] = model.evaluate(valid_x, valid_labels, verbose=0)
RESULTS["checkpoint_predict"] = keras.models.load_model(model_save_filename).predict(valid_x, verbose=0)

"""
## Demonstration
"""

SAMPLES_TO_DISPLAY = 4
# Get a sample of noisy audios and their labels
audios, labels = valid_audio[:SAMPLES_TO_DISPLAY], valid_labels[:SAMPLES_TO_DISPLAY]
# Add noise
audios = add_noise(audios, noises, scale=SCALE)
# Get the signal FFT
ffts = audio_to_fft(audios)
# Predict
y_pred = model.predict(ffts)
# Take random samples
rnd = np.arange(SAMPLES_TO_DISPLAY)  # harness: np.random.randint
audios = audios[rnd, :, :]
labels = labels[rnd]
y_pred = np.argmax(y_pred, axis=-1)[rnd]
RESULTS["y_pred"] = y_pred
RESULTS["after"] = model.predict(valid_x, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
