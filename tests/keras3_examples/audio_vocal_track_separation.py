"""keras.io examples/audio/vocal_track_separation.py: TFC_TDF encoder-decoder on STFTs (Keras 3).

A ``keras.utils.PyDataset`` of random mixtures (synthetic tones and noise
instead of MUSDB18 wav files, no augmentation library: harness); the
``ops.stft``/``ops.istft`` pre- and post-processing with the torch-backend
padding branch; ``register_keras_serializable`` layers that create their
sublayers in ``build`` (``GroupNormalization(groups=-1)``, ``Dense`` over a
swapped axis, ``Conv2D``/``Conv2DTranspose`` via a class attribute);
functional ``ops.reshape``/``ops.transpose``/``ops.concatenate`` on symbolic
tensors; a registered function loss and metric (SDR through the inverse STFT);
``Adam(gradient_accumulation_steps=2)``; ``ModelCheckpoint("...", "val_sdr",
save_best_only=True, mode="max")``, ``ReduceLROnPlateau``, ``CSVLogger``;
``saving.load_model`` of the checkpoint, evaluate and predict. Sizes shrunk.
"""

import os
import random
from os import path

import numpy as np
import keras
from keras import callbacks, layers, ops, saving

RESULTS = {}

# MUSDB18 dataset configuration
MUSDB_STREAMS = {"mixture": 0, "drums": 1, "bass": 2, "other": 3, "vocals": 4}
TARGET_INSTRUMENTS = {track: MUSDB_STREAMS[track] for track in ("vocals",)}
N_INSTRUMENTS = len(TARGET_INSTRUMENTS)
SOURCE_INSTRUMENTS = tuple(k for k in MUSDB_STREAMS if k != "mixture")

# Audio preprocessing parameters for Short-Time Fourier Transform (STFT)
N_SUBBANDS = 4  # Number of subbands into which frequencies are split
CHUNK_SIZE = 120  # harness: 65024
STFT_N_FFT = 64  # harness: 2048
STFT_HOP_LENGTH = 8  # harness: 512

# Training hyperparameters
N_CHANNELS = 4  # harness: 64
BATCH_SIZE = 3
ACCUMULATION_STEPS = 2
EFFECTIVE_BATCH_SIZE = BATCH_SIZE * (ACCUMULATION_STEPS or 1)

# Paths
TMP_DIR = "tmp"  # harness: ~/.keras/tmp
MODEL_PATH = path.join(TMP_DIR, f"model_{keras.backend.backend()}.keras")
CSV_LOG_PATH = path.join(TMP_DIR, f"training_{keras.backend.backend()}.csv")
os.makedirs(TMP_DIR, exist_ok=True)

# Set random seed for reproducibility
keras.utils.set_random_seed(21)

"""
### Custom Dataset
"""


class Dataset(keras.utils.PyDataset):
    def __init__(
        self,
        songs,
        batch_size=BATCH_SIZE,
        chunk_size=CHUNK_SIZE,
        batches_per_epoch=1000 * ACCUMULATION_STEPS,
        augmentation=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.augmentation = augmentation
        self.songs = songs
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.batches_per_epoch = batches_per_epoch

    def random_chunk_of_instrument_type(self, instrument, rng):
        """harness: a synthetic chunk (a tone per instrument plus noise) instead of a wav file."""
        pitch = {"drums": 3, "bass": 1, "other": 5, "vocals": 9}[instrument]
        t = np.arange(self.chunk_size) / self.chunk_size
        phase = rng.uniform(0, 2 * np.pi)
        audio = np.sin(2 * np.pi * pitch * 4 * t + phase) + rng.normal(0, 0.1, self.chunk_size)
        return (0.3 * audio).astype("float32")

    def random_mix_of_tracks(self, rng) -> dict:
        """Create a random mix of instruments by summing their individual chunks."""
        tracks = {}
        for instrument in SOURCE_INSTRUMENTS:
            # Start with a single random chunk
            mixup = [self.random_chunk_of_instrument_type(instrument, rng)]
            tracks[instrument] = np.mean(mixup, axis=0, dtype="float32")
        return tracks

    def __len__(self):
        return self.batches_per_epoch

    def __getitem__(self, idx):
        rng = np.random.RandomState(1000 * self.songs + idx)  # harness: deterministic batches
        # Generate a batch of random mixtures
        batch = [self.random_mix_of_tracks(rng) for _ in range(self.batch_size)]

        # Features: sum of all tracks
        batch_x = ops.sum(
            np.array([list(track_set.values()) for track_set in batch]), axis=1
        )

        # Labels: isolated target instruments (e.g., vocals)
        batch_y = np.array(
            [[track_set[t] for t in TARGET_INSTRUMENTS] for track_set in batch]
        )

        return batch_x, ops.convert_to_tensor(batch_y)


# Create train and validation datasets
train_ds = Dataset(1, batches_per_epoch=2)  # harness: glob of song folders, 2000 batches
val_ds = Dataset(2, batches_per_epoch=1, augmentation=False)  # harness:
random.seed(0)  # harness: unused by the synthetic data

sample_batch_x, sample_batch_y = val_ds[0]  # harness: val_ds[None]
RESULTS["sample_shapes"] = [" ".join(map(str, sample_batch_x.shape)), " ".join(map(str, sample_batch_y.shape))]

"""
### Preprocessing
"""


def stft(inputs, fft_size=STFT_N_FFT, sequence_stride=STFT_HOP_LENGTH):
    """Compute the STFT for the input audio and return the real and imaginary parts."""
    real_x, imag_x = ops.stft(inputs, fft_size, sequence_stride, fft_size)
    real_x, imag_x = ops.expand_dims(real_x, -1), ops.expand_dims(imag_x, -1)
    x = ops.concatenate((real_x, imag_x), axis=-1)

    # Drop last freq sample for convenience
    return ops.split(x, [x.shape[2] - 1], axis=2)[0]


def inverse_stft(inputs, fft_size=STFT_N_FFT, sequence_stride=STFT_HOP_LENGTH):
    """Compute the inverse STFT for the given STFT input."""
    x = inputs

    # Pad back dropped freq sample if using torch backend
    if keras.backend.backend() == "torch":
        x = ops.pad(x, ((0, 0), (0, 0), (0, 1), (0, 0)))

    real_x, imag_x = ops.split(x, 2, axis=-1)
    real_x = ops.squeeze(real_x, axis=-1)
    imag_x = ops.squeeze(imag_x, axis=-1)

    return ops.istft((real_x, imag_x), fft_size, sequence_stride, fft_size)


"""
### Model Architecture
"""


@saving.register_keras_serializable()
class TimeDistributedDenseBlock(layers.Layer):
    """Time-Distributed Fully Connected layer block."""

    def __init__(self, bottleneck_factor, fft_dim, **kwargs):
        super().__init__(**kwargs)
        self.fft_dim = fft_dim
        self.hidden_dim = fft_dim // bottleneck_factor

    def build(self, *_):
        self.group_norm_1 = layers.GroupNormalization(groups=-1)
        self.group_norm_2 = layers.GroupNormalization(groups=-1)
        self.dense_1 = layers.Dense(self.hidden_dim, use_bias=False)
        self.dense_2 = layers.Dense(self.fft_dim, use_bias=False)

    def call(self, x):
        # Apply normalization and dense layers frequency-wise
        x = ops.gelu(self.group_norm_1(x))
        x = ops.swapaxes(x, -1, -2)
        x = self.dense_1(x)

        x = ops.gelu(self.group_norm_2(ops.swapaxes(x, -1, -2)))
        x = ops.swapaxes(x, -1, -2)
        x = self.dense_2(x)
        return ops.swapaxes(x, -1, -2)


@saving.register_keras_serializable()
class TimeFrequencyConvolution(layers.Layer):
    """Time-Frequency Convolutional layer."""

    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels

    def build(self, *_):
        self.group_norm = layers.GroupNormalization(groups=-1)
        self.conv = layers.Conv2D(self.channels, 3, padding="same", use_bias=False)

    def call(self, x):
        return self.conv(ops.gelu(self.group_norm(x)))


@saving.register_keras_serializable()
class TimeFrequencyTransformBlock(layers.Layer):
    """Implements TFC_TDF block for encoder-decoder architecture."""

    def __init__(
        self, channels, length, fft_dim, bottleneck_factor, in_channels=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.channels = channels
        self.length = length
        self.fft_dim = fft_dim
        self.bottleneck_factor = bottleneck_factor
        self.in_channels = in_channels or channels

    def build(self, *_):
        self.blocks = []
        # Add blocks in a flat list to avoid nested structures
        for i in range(self.length):
            in_channels = self.channels if i > 0 else self.in_channels
            self.blocks.append(TimeFrequencyConvolution(in_channels))
            self.blocks.append(
                TimeDistributedDenseBlock(self.bottleneck_factor, self.fft_dim)
            )
            self.blocks.append(TimeFrequencyConvolution(self.channels))
            # Residual connection
            self.blocks.append(layers.Conv2D(self.channels, 1, 1, use_bias=False))

    def call(self, inputs):
        x = inputs
        for i in range(0, len(self.blocks), 4):
            tfc_1 = self.blocks[i](x)
            tdf = self.blocks[i + 1](x)
            tfc_2 = self.blocks[i + 2](tfc_1 + tdf)
            x = tfc_2 + self.blocks[i + 3](x)  # Residual connection
        return x


@saving.register_keras_serializable()
class Downscale(layers.Layer):
    """Downscale time-frequency dimensions using a convolution."""

    conv_cls = layers.Conv2D

    def __init__(self, channels, scale, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.scale = scale

    def build(self, *_):
        self.conv = self.conv_cls(self.channels, self.scale, self.scale, use_bias=False)
        self.norm = layers.GroupNormalization(groups=-1)

    def call(self, inputs):
        return self.norm(ops.gelu(self.conv(inputs)))


@saving.register_keras_serializable()
class Upscale(Downscale):
    """Upscale time-frequency dimensions using a transposed convolution."""

    conv_cls = layers.Conv2DTranspose


def build_model(
    inputs,
    n_instruments=N_INSTRUMENTS,
    n_subbands=N_SUBBANDS,
    channels=N_CHANNELS,
    fft_dim=(STFT_N_FFT // 2) // N_SUBBANDS,
    n_scales=4,
    scale=(2, 2),
    block_size=2,
    growth=128,
    bottleneck_factor=2,
    **kwargs,
):
    """Build the TFC_TDF encoder-decoder model for source separation."""
    # Compute STFT
    x = stft(inputs)

    # Split mixture into subbands as separate channels
    mix = ops.reshape(x, (-1, x.shape[1], x.shape[2] // n_subbands, 2 * n_subbands))
    first_conv_out = layers.Conv2D(channels, 1, 1, use_bias=False)(mix)
    x = first_conv_out

    # Encoder path
    encoder_outs = []
    for _ in range(n_scales):
        x = TimeFrequencyTransformBlock(
            channels, block_size, fft_dim, bottleneck_factor
        )(x)
        encoder_outs.append(x)
        fft_dim, channels = fft_dim // scale[0], channels + growth
        x = Downscale(channels, scale)(x)

    # Bottleneck
    x = TimeFrequencyTransformBlock(channels, block_size, fft_dim, bottleneck_factor)(x)

    # Decoder path
    for _ in range(n_scales):
        fft_dim, channels = fft_dim * scale[0], channels - growth
        x = ops.concatenate([Upscale(channels, scale)(x), encoder_outs.pop()], axis=-1)
        x = TimeFrequencyTransformBlock(
            channels, block_size, fft_dim, bottleneck_factor, in_channels=x.shape[-1]
        )(x)

    # Residual connection and final convolutions
    x = ops.concatenate([mix, x * first_conv_out], axis=-1)
    x = layers.Conv2D(channels, 1, 1, use_bias=False, activation="gelu")(x)
    x = layers.Conv2D(n_instruments * n_subbands * 2, 1, 1, use_bias=False)(x)

    # Reshape back to instrument-wise STFT
    x = ops.reshape(x, (-1, x.shape[1], x.shape[2] * n_subbands, n_instruments, 2))
    x = ops.transpose(x, (0, 3, 1, 2, 4))
    x = ops.reshape(x, (-1, n_instruments, x.shape[2], x.shape[3] * 2))

    return keras.Model(inputs=inputs, outputs=x, **kwargs)


"""
## Loss and Metrics
"""


def prediction_to_wave(x, n_instruments=N_INSTRUMENTS):
    """Convert STFT predictions back to waveform."""
    x = ops.reshape(x, (-1, x.shape[2], x.shape[3] // 2, 2))
    x = inverse_stft(x)
    return ops.reshape(x, (-1, n_instruments, x.shape[1]))


def target_to_stft(y):
    """Convert target waveforms to their STFT representations."""
    y = ops.reshape(y, (-1, CHUNK_SIZE))
    y_real, y_imag = ops.stft(y, STFT_N_FFT, STFT_HOP_LENGTH, STFT_N_FFT)
    y_real, y_imag = y_real[..., :-1], y_imag[..., :-1]
    y = ops.stack([y_real, y_imag], axis=-1)
    return ops.reshape(y, (-1, N_INSTRUMENTS, y.shape[1], y.shape[2] * 2))


@saving.register_keras_serializable()
def sdr(y_true, y_pred):
    """Signal-to-Distortion Ratio metric."""
    y_pred = prediction_to_wave(y_pred)
    # Add epsilon for numerical stability
    num = ops.sum(ops.square(y_true), axis=-1) + 1e-8
    den = ops.sum(ops.square(y_true - y_pred), axis=-1) + 1e-8
    return 10 * ops.log10(num / den)


@saving.register_keras_serializable()
def spectral_loss(y_true, y_pred):
    """Mean absolute error in the STFT domain."""
    y_true = target_to_stft(y_true)
    return ops.mean(ops.absolute(y_true - y_pred))


"""
## Training
"""

model = build_model(keras.Input(sample_batch_x.shape[1:]), name="tfc_tdf_net",
                    n_scales=2, block_size=1, growth=4)  # harness: 4 scales, 2 blocks, 128
model.summary()
RESULTS["count_params"] = model.count_params()
RESULTS["output_shape"] = [str(d) for d in model.output.shape]
RESULTS["num_weights"] = len(model.weights)
RESULTS["weight_shapes"] = [" ".join(str(d) for d in w.shape) for w in model.weights]
seeded = np.random.RandomState(3)  # harness: equal initial weights in both libraries
model.set_weights([seeded.normal(0, 0.3, w.shape).astype("float32") if w.ndim > 1 else w
                   for w in model.get_weights()])  # harness:

# Compile the model
optimizer = keras.optimizers.Adam(5e-03, gradient_accumulation_steps=ACCUMULATION_STEPS)  # harness: 5e-05
model.compile(optimizer=optimizer, loss=spectral_loss, metrics=[sdr])

# Define callbacks
cbs = [
    callbacks.ModelCheckpoint(MODEL_PATH, "val_sdr", save_best_only=True, mode="max"),
    callbacks.ReduceLROnPlateau(factor=0.95, patience=2),
    callbacks.CSVLogger(CSV_LOG_PATH),
]

history = model.fit(train_ds, validation_data=val_ds, epochs=2, callbacks=cbs, shuffle=False,
                    verbose=0)  # harness: 10 epochs, verbose
RESULTS["history_keys"] = sorted(history.history)
for key in ("loss", "sdr", "val_loss", "val_sdr", "learning_rate"):
    RESULTS["hist_" + key] = history.history[key]
RESULTS["optimizer_iterations"] = int(optimizer.iterations)
with open(CSV_LOG_PATH) as f:  # harness: the CSV log's header and epochs
    csv_lines = f.read().splitlines()
RESULTS["csv_header"] = csv_lines[0]
RESULTS["csv_rows"] = len(csv_lines)

"""
## Evaluation
"""

RESULTS["evaluate"] = model.evaluate(val_ds, verbose=0)
y_pred = model.predict(sample_batch_x, verbose=0)
RESULTS["y_pred"] = y_pred[0, 0, :3]
y_pred = prediction_to_wave(y_pred)
RESULTS["wave_pred"] = ops.convert_to_numpy(y_pred)[0, 0, :12]

restored = saving.load_model(MODEL_PATH)  # harness: the example reloads it when it exists
RESULTS["restored_pred"] = restored.predict(sample_batch_x, verbose=0)[0, 0, :3]
RESULTS["restored_layer_types"] = sorted({type(layer).__name__ for layer in restored.layers})
RTOL, ATOL = 5e-4, 1e-4
