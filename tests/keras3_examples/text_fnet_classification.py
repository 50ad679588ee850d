"""keras.io example "Text Classification using FNet" (examples/nlp/fnet_classification_with_keras_hub.py).

The example's model is keras_hub's ``TokenAndPositionEmbedding`` followed by
three ``FNetEncoder`` blocks, ``GlobalAveragePooling1D``, ``Dropout`` and a
sigmoid ``Dense``; keras_hub is not part of Keras, so both layers are written
here as keras_hub writes them, with ``keras.ops`` (the Fourier mixing is
``ops.fft2`` on ``(real, zeros)``, real part kept). Then the example's
Transformer comparison model (``MultiHeadAttention``) on the same data.
The string ``WordPieceTokenizer`` step is replaced by synthetic SST-2-shaped
token ids (``# harness:``). Dropout rate 0 where it reaches RESULTS.
"""

import numpy as np
import keras
from keras import layers, ops

RESULTS = {}


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


"""
## keras_hub layers, written with keras.ops
"""


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, vocabulary_size, sequence_length, embedding_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.mask_zero = mask_zero
        self.token_embedding = layers.Embedding(vocabulary_size, embedding_dim, mask_zero=mask_zero)
        self.position_embedding = layers.Embedding(sequence_length, embedding_dim)

    def call(self, inputs):
        embedded_tokens = self.token_embedding(inputs)
        positions = ops.arange(0, ops.shape(inputs)[-1])
        embedded_positions = self.position_embedding(positions)
        return embedded_tokens + embedded_positions

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "embedding_dim": self.embedding_dim,
            "mask_zero": self.mask_zero,
        })
        return config


class FNetEncoder(layers.Layer):
    def __init__(self, intermediate_dim, dropout=0, activation="relu", layer_norm_epsilon=1e-5,
                 **kwargs):
        super().__init__(**kwargs)
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon

    def build(self, inputs_shape):
        feature_size = inputs_shape[-1]
        self._mixing_layer_norm = layers.LayerNormalization(epsilon=self.layer_norm_epsilon)
        self._mixing_layer_norm.build(inputs_shape)
        self._feedforward_layer_norm = layers.LayerNormalization(epsilon=self.layer_norm_epsilon)
        self._feedforward_layer_norm.build(inputs_shape)
        self._intermediate_dense = layers.Dense(self.intermediate_dim, activation=self.activation)
        self._intermediate_dense.build(inputs_shape)
        self._output_dense = layers.Dense(feature_size)
        self._output_dense.build(tuple(inputs_shape[:-1]) + (self.intermediate_dim,))
        self._output_dropout = layers.Dropout(rate=self.dropout)
        self.built = True

    def call(self, inputs, training=None):
        def fourier_transform(input):
            # Apply FFT on the input and take the real part.
            input_dtype = input.dtype
            # FFT transforms do not support float16.
            input = ops.cast(input, "float32")
            real_in, imaginary_in = (input, ops.zeros_like(input))
            real_out, _ = ops.fft2((real_in, imaginary_in))
            return ops.cast(real_out, input_dtype)

        def add_and_norm(input1, input2, norm_layer):
            return norm_layer(input1 + input2)

        def feed_forward(input):
            x = self._intermediate_dense(input)
            x = self._output_dense(x)
            return self._output_dropout(x, training=training)

        mixing_output = fourier_transform(inputs)
        mixing_output = add_and_norm(inputs, mixing_output, self._mixing_layer_norm)
        feed_forward_output = feed_forward(mixing_output)
        x = add_and_norm(mixing_output, feed_forward_output, self._feedforward_layer_norm)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "activation": keras.activations.serialize(self.activation),
            "layer_norm_epsilon": self.layer_norm_epsilon,
        })
        return config

    def compute_output_shape(self, inputs_shape):
        return inputs_shape


"""
## Data (synthetic SST-2 token ids; the example tokenizes strings with WordPieceTokenizer)
"""

BATCH_SIZE = 16  # harness: 64
EPOCHS = 2  # harness: 3
MAX_SEQUENCE_LENGTH = 16  # harness: 40
VOCAB_SIZE = 120  # harness: 15000

EMBED_DIM = 16  # harness: 128
INTERMEDIATE_DIM = 32  # harness: 512

rng = np.random.RandomState(0)  # harness: synthetic data
x_train = rng.randint(1, VOCAB_SIZE, size=(64, MAX_SEQUENCE_LENGTH))
x_train[:, 12:] = 0  # padding ids, as the tokenizer pads to MAX_SEQUENCE_LENGTH
y_train = rng.randint(0, 2, size=(64,)).astype("float32")
x_val = rng.randint(1, VOCAB_SIZE, size=(32, MAX_SEQUENCE_LENGTH))
y_val = rng.randint(0, 2, size=(32,)).astype("float32")

"""
## Build the FNet classifier
"""

input_ids = keras.Input(shape=(None,), dtype="int64", name="input_ids")

x = TokenAndPositionEmbedding(
    vocabulary_size=VOCAB_SIZE,
    sequence_length=MAX_SEQUENCE_LENGTH,
    embedding_dim=EMBED_DIM,
    mask_zero=True,
)(input_ids)

x = FNetEncoder(intermediate_dim=INTERMEDIATE_DIM)(inputs=x)
x = FNetEncoder(intermediate_dim=INTERMEDIATE_DIM)(inputs=x)
x = FNetEncoder(intermediate_dim=INTERMEDIATE_DIM)(inputs=x)


x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.0)(x)  # harness: 0.1
outputs = layers.Dense(1, activation="sigmoid")(x)

fnet_classifier = keras.Model(input_ids, outputs, name="fnet_classifier")
seed_weights(fnet_classifier, 1)  # harness:

summary_lines = []
fnet_classifier.summary(print_fn=lambda line, **kwargs: summary_lines.append(line))

fnet_classifier.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
h = fnet_classifier.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
                        validation_data=(x_val, y_val), shuffle=False, verbose=0)  # harness:
RESULTS["fnet_params"] = fnet_classifier.count_params()
RESULTS["fnet_layer_classes"] = [type(layer).__name__ for layer in fnet_classifier.layers]
RESULTS["fnet_output_shapes"] = [str(tuple(layer.output.shape)) for layer in fnet_classifier.layers]
RESULTS["fnet_summary_has_total"] = int(any("Total params" in line for line in summary_lines))
RESULTS["fnet_hist_keys"] = sorted(h.history)
for k, v in h.history.items():
    RESULTS["fnet_" + k] = v
RESULTS["fnet_evaluate"] = fnet_classifier.evaluate(x_val, y_val, batch_size=BATCH_SIZE, verbose=0)
RESULTS["fnet_predict"] = fnet_classifier.predict(x_val[:5], verbose=0)

encoder = fnet_classifier.layers[2]
RESULTS["fnet_encoder_weights"] = len(encoder.weights)
RESULTS["fnet_encoder_config"] = sorted(encoder.get_config())
fourier = ops.fft2((ops.convert_to_tensor(x_val[:1, :4].astype("float32")),
                    ops.zeros((1, 4))))
RESULTS["fft2_real"] = ops.convert_to_numpy(fourier[0])
RESULTS["fft2_imag"] = ops.convert_to_numpy(fourier[1])

# Save / reload with the custom layers registered through custom_objects.
fnet_classifier.save("fnet_classifier.keras")
reloaded = keras.models.load_model(
    "fnet_classifier.keras",
    custom_objects={"TokenAndPositionEmbedding": TokenAndPositionEmbedding,
                    "FNetEncoder": FNetEncoder},
)
RESULTS["fnet_reloaded_predict"] = reloaded.predict(x_val[:5], verbose=0)

"""
## Comparison with a Transformer model
"""

NUM_HEADS = 2


class TransformerEncoder(layers.Layer):  # harness: keras_hub.layers.TransformerEncoder, simplified
    def __init__(self, intermediate_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.intermediate_dim = intermediate_dim
        self.num_heads = num_heads

    def build(self, inputs_shape):
        hidden_dim = inputs_shape[-1]
        self._self_attention_layer = layers.MultiHeadAttention(
            num_heads=self.num_heads, key_dim=hidden_dim // self.num_heads)
        self._self_attention_layer.build(inputs_shape, inputs_shape)
        self._self_attention_layer_norm = layers.LayerNormalization(epsilon=1e-5)
        self._self_attention_layer_norm.build(inputs_shape)
        self._feedforward_layer_norm = layers.LayerNormalization(epsilon=1e-5)
        self._feedforward_layer_norm.build(inputs_shape)
        self._feedforward_intermediate_dense = layers.Dense(self.intermediate_dim, activation="relu")
        self._feedforward_intermediate_dense.build(inputs_shape)
        self._feedforward_output_dense = layers.Dense(hidden_dim)
        self._feedforward_output_dense.build(tuple(inputs_shape[:-1]) + (self.intermediate_dim,))
        self.built = True

    def call(self, inputs):
        x = self._self_attention_layer(query=inputs, value=inputs)
        x = self._self_attention_layer_norm(x + inputs)
        y = self._feedforward_output_dense(self._feedforward_intermediate_dense(x))
        return self._feedforward_layer_norm(x + y)


input_ids = keras.Input(shape=(None,), dtype="int64", name="input_ids")
x = TokenAndPositionEmbedding(
    vocabulary_size=VOCAB_SIZE,
    sequence_length=MAX_SEQUENCE_LENGTH,
    embedding_dim=EMBED_DIM,
    mask_zero=True,
)(input_ids)
x = TransformerEncoder(intermediate_dim=INTERMEDIATE_DIM, num_heads=NUM_HEADS)(inputs=x)
x = TransformerEncoder(intermediate_dim=INTERMEDIATE_DIM, num_heads=NUM_HEADS)(inputs=x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dropout(0.0)(x)  # harness: 0.1
outputs = layers.Dense(1, activation="sigmoid")(x)
transformer_classifier = keras.Model(input_ids, outputs, name="transformer_classifier")
seed_weights(transformer_classifier, 2)  # harness:
transformer_classifier.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
h = transformer_classifier.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
                               validation_data=(x_val, y_val), shuffle=False, verbose=0)  # harness:
RESULTS["transformer_params"] = transformer_classifier.count_params()
for k, v in h.history.items():
    RESULTS["transformer_" + k] = v
RESULTS["transformer_evaluate"] = transformer_classifier.evaluate(x_val, y_val, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
