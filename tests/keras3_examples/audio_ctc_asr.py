"""keras.io examples/audio/ctc_asr.py: DeepSpeech2-like ASR (2D CNN + BiGRU) trained with a CTC loss.

Synthetic "LJSpeech" clips of varying lengths. The spectrogram is computed
with ``keras.ops.stft`` (harness: ``tf.signal.stft``), the ``padded_batch``
``tf.data`` pipeline is a ``keras.utils.PyDataset`` whose batches have
different time lengths, the StringLookup maps are dicts (real Keras 3 needs
TensorFlow for ``StringLookup``) and ``keras.backend.ctc_batch_cost`` /
``ctc_decode`` (gone from Keras 3) are written with ``keras.ops.ctc_loss`` /
``keras.ops.ctc_decode`` keeping TensorFlow's convention that the blank is the
last class. The model (``Reshape((-1, input_dim, 1))``, strided ``Conv2D``,
``BatchNormalization``, ``ReLU``, ``Bidirectional(GRU(reset_after=True))``),
the compiled function loss and the evaluation callback predicting during
``fit`` are the example's.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Load the LJSpeech Dataset
"""

# harness: synthetic clips and transcriptions instead of LJSpeech-1.1
rng = np.random.RandomState(0)
words = ["the", "sir", "was", "of", "in"]
n_clips = 12
transcriptions = [" ".join(rng.choice(words, 2)) for _ in range(n_clips)]
audio_lengths = rng.randint(300, 420, size=n_clips)
clips = [rng.normal(0, 0.3, size=(n,)).astype("float32") for n in audio_lengths]

split = int(n_clips * 2 / 3)  # harness: 0.90

"""
## Preprocessing
"""

# The set of characters accepted in the transcription.
characters = [x for x in "abcdefghijklmnopqrstuvwxyz'?! "]
# Mapping characters to integers (harness: StringLookup(vocabulary=characters, oov_token=""))
vocabulary = [""] + characters
char_to_num = {c: i for i, c in enumerate(vocabulary)}
# Mapping integers back to original characters (harness: StringLookup(..., invert=True))
num_to_char = dict(enumerate(vocabulary))
vocabulary_size = len(vocabulary)
RESULTS["vocabulary_size"] = vocabulary_size

# An integer scalar Tensor. The window length in samples.
frame_length = 32  # harness: 256
# An integer scalar Tensor. The number of samples to step.
frame_step = 16  # harness: 160
# An integer scalar Tensor. The size of the FFT to apply.
fft_length = 48  # harness: 384


def encode_single_sample(audio, label):
    ###########################################
    ##  Process the Audio
    ##########################################
    # 3. Change type to float
    audio = ops.cast(audio, "float32")
    # 4. Get the spectrogram (harness: tf.signal.stft)
    real, imag = ops.stft(
        audio,
        sequence_length=frame_length,
        sequence_stride=frame_step,
        fft_length=fft_length,
        center=False,
    )
    # 5. We only need the magnitude, which can be derived by applying tf.abs
    spectrogram = ops.sqrt(ops.square(real) + ops.square(imag))
    spectrogram = ops.power(spectrogram, 0.5)
    # 6. normalisation
    means = ops.mean(spectrogram, 1, keepdims=True)
    stddevs = ops.std(spectrogram, 1, keepdims=True)
    spectrogram = (spectrogram - means) / (stddevs + 1e-10)
    ###########################################
    ##  Process the label
    ##########################################
    # 7. Convert label to Lower case
    label = label.lower()
    # 8.-9. Split the label and map the characters in label to numbers
    label = np.array([char_to_num.get(c, 0) for c in label], dtype="int64")
    # 10. Return a dict as our model is expecting two inputs
    return ops.convert_to_numpy(spectrogram), label


class PaddedBatches(keras.utils.PyDataset):
    """harness: `from_tensor_slices(...).map(encode_single_sample).padded_batch(batch_size)`."""

    def __init__(self, samples, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.samples = samples
        self.batch_size = batch_size

    def __len__(self):
        return -(-len(self.samples) // self.batch_size)

    def __getitem__(self, index):
        batch = self.samples[index * self.batch_size : (index + 1) * self.batch_size]
        time = max(s.shape[0] for s, _ in batch)
        length = max(len(y) for _, y in batch)
        x = np.stack([np.pad(s, [(0, time - s.shape[0]), (0, 0)]) for s, _ in batch])
        y = np.stack([np.pad(y, (0, length - len(y))) for _, y in batch])
        return x, y


samples = [encode_single_sample(a, t) for a, t in zip(clips, transcriptions)]
batch_size = 4  # harness: 32
train_dataset = PaddedBatches(samples[:split], batch_size)
validation_dataset = PaddedBatches(samples[split:], batch_size)
RESULTS["spectrogram_shape"] = list(samples[0][0].shape)
RESULTS["spectrogram_0"] = samples[0][0][:3]
RESULTS["batch_shapes"] = [list(train_dataset[i][0].shape) for i in range(len(train_dataset))]

"""
## Model
"""


def CTCLoss(y_true, y_pred):
    # Compute the training-time loss value
    batch_len = ops.cast(ops.shape(y_true)[0], dtype="int64")
    input_length = ops.cast(ops.shape(y_pred)[1], dtype="int64")
    label_length = ops.cast(ops.shape(y_true)[1], dtype="int64")

    input_length = input_length * ops.ones(shape=(batch_len, 1), dtype="int64")
    label_length = label_length * ops.ones(shape=(batch_len, 1), dtype="int64")

    loss = ctc_batch_cost(y_true, y_pred, input_length, label_length)
    return loss


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """harness: keras.backend.ctc_batch_cost of Keras 2 (blank = last class)."""
    label_length = ops.cast(ops.squeeze(label_length, axis=-1), "int32")
    input_length = ops.cast(ops.squeeze(input_length, axis=-1), "int32")
    y_pred = ops.log(y_pred + keras.backend.epsilon())
    blank = ops.shape(y_pred)[-1] - 1
    loss = ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, input_length,
                        mask_index=blank)
    return ops.expand_dims(loss, 1)


def build_model(input_dim, output_dim, rnn_layers=5, rnn_units=128):
    """Model similar to DeepSpeech2."""
    # Model's input
    input_spectrogram = layers.Input((None, input_dim), name="input")
    # Expand the dimension to use 2D CNN.
    x = layers.Reshape((-1, input_dim, 1), name="expand_dim")(input_spectrogram)
    # Convolution layer 1
    x = layers.Conv2D(
        filters=4,  # harness: 32
        kernel_size=[11, 41],
        strides=[2, 2],
        padding="same",
        use_bias=False,
        name="conv_1",
    )(x)
    x = layers.BatchNormalization(name="conv_1_bn")(x)
    x = layers.ReLU(name="conv_1_relu")(x)
    # Convolution layer 2
    x = layers.Conv2D(
        filters=4,  # harness: 32
        kernel_size=[11, 21],
        strides=[1, 2],
        padding="same",
        use_bias=False,
        name="conv_2",
    )(x)
    x = layers.BatchNormalization(name="conv_2_bn")(x)
    x = layers.ReLU(name="conv_2_relu")(x)
    # Reshape the resulted volume to feed the RNNs layers
    x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
    # RNN layers
    for i in range(1, rnn_layers + 1):
        recurrent = layers.GRU(
            units=rnn_units,
            activation="tanh",
            recurrent_activation="sigmoid",
            use_bias=True,
            return_sequences=True,
            reset_after=True,
            name=f"gru_{i}",
        )
        x = layers.Bidirectional(
            recurrent, name=f"bidirectional_{i}", merge_mode="concat"
        )(x)
        if i < rnn_layers:
            x = layers.Dropout(rate=0.0)(x)  # harness: 0.5
    # Dense layer
    x = layers.Dense(units=rnn_units * 2, name="dense_1")(x)
    x = layers.ReLU(name="dense_1_relu")(x)
    x = layers.Dropout(rate=0.0)(x)  # harness: 0.5
    # Classification layer
    output = layers.Dense(units=output_dim + 1, activation="softmax")(x)
    # Model
    model = keras.Model(input_spectrogram, output, name="DeepSpeech_2")
    # Optimizer
    opt = keras.optimizers.Adam(learning_rate=1e-3)  # harness: 1e-4
    # Compile the model and return
    model.compile(optimizer=opt, loss=CTCLoss)
    return model


# Get the model
model = build_model(
    input_dim=fft_length // 2 + 1,
    output_dim=vocabulary_size,
    rnn_layers=2,  # harness: 5
    rnn_units=8,  # harness: 512
)
summary_lines = []
model.summary(line_length=110, print_fn=lambda line, **kwargs: summary_lines.append(line))  # harness:
RESULTS["summary_has_name"] = int(any("DeepSpeech_2" in line for line in summary_lines))
RESULTS["count_params"] = model.count_params()
RESULTS["layer_names"] = [layer.name for layer in model.layers]
RESULTS["output_shape"] = [str(d) for d in model.output.shape]
RESULTS["conv_1_kernel_shape"] = list(model.get_layer("conv_1").kernel.shape)
seeded = np.random.RandomState(1)  # harness: equal initial weights in both libraries
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32")
                   if w.ndim > 1 else w for w in model.get_weights()])  # harness:

"""
## Training and Evaluating
"""


# A utility function to decode the output of the network
def decode_batch_predictions(pred):
    input_len = np.ones(pred.shape[0]) * pred.shape[1]
    # Use greedy search. For complex tasks, you can use beam search
    # harness: keras.backend.ctc_decode(pred, input_length=input_len, greedy=True)
    results = ops.ctc_decode(pred, sequence_lengths=input_len, strategy="greedy",
                             mask_index=pred.shape[-1] - 1)[0][0]
    # Iterate over the results and get back the text
    output_text = []
    for result in ops.convert_to_numpy(results):
        result = "".join(num_to_char.get(int(i), "") for i in result)
        output_text.append(result)
    return output_text


# A callback class to output a few transcriptions during training
class CallbackEval(keras.callbacks.Callback):
    """Displays a batch of outputs after every epoch."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset
        self.epoch_predictions = []  # harness: kept for RESULTS

    def on_epoch_end(self, epoch: int, logs=None):
        predictions = []
        targets = []
        for i in range(len(self.dataset)):  # harness: `for batch in self.dataset`
            X, y = self.dataset[i]
            batch_predictions = model.predict(X, verbose=0)
            batch_predictions = decode_batch_predictions(batch_predictions)
            predictions.extend(batch_predictions)
            for label in y:
                label = "".join(num_to_char[int(i)] for i in label)
                targets.append(label)
        self.epoch_predictions.append(predictions)


# Define the number of epochs.
epochs = 2
# Callback function to check transcription on the val set.
validation_callback = CallbackEval(validation_dataset)
# Train the model
history = model.fit(
    train_dataset,
    validation_data=validation_dataset,
    epochs=epochs,
    callbacks=[validation_callback],
    shuffle=False,  # harness: PyDataset batch order equal in both libraries
    verbose=0,  # harness:
)
RESULTS["history_keys"] = sorted(history.history)
RESULTS["loss"] = history.history["loss"]
RESULTS["val_loss"] = history.history["val_loss"]
RESULTS["callback_predictions"] = validation_callback.epoch_predictions

"""
## Inference
"""

X, y = validation_dataset[0]
preds = model.predict(X, verbose=0)
RESULTS["preds"] = preds[:, :4]
RESULTS["pred_texts"] = decode_batch_predictions(preds)
# harness: the decoded ids and Keras 3's own CTC loss class on the same batch
decoded, log_probs = ops.ctc_decode(preds, sequence_lengths=np.full(len(preds), preds.shape[1]),
                                    strategy="greedy", mask_index=preds.shape[-1] - 1)
RESULTS["decoded"] = ops.convert_to_numpy(decoded)
RESULTS["decoded_log_probs"] = ops.convert_to_numpy(log_probs)
RESULTS["ctc_loss_class"] = float(keras.losses.CTC()(y, preds))
RESULTS["evaluate"] = model.evaluate(validation_dataset, verbose=0)
RTOL, ATOL = 2e-4, 1e-4
