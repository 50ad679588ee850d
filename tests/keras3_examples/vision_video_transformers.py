"""keras.io example "Video Classification with Transformers" (examples/vision/video_transformers.py, Keras 3).

The Transformer classifier on per-frame CNN features: ``PositionalEmbedding``
(an ``Embedding`` built explicitly in ``build`` with the 3-D input shape,
``ops.cast`` to ``self.compute_dtype``, ``ops.arange`` positions),
``TransformerEncoder`` (``MultiHeadAttention(key_dim=embed_dim)``, an inner
``keras.Sequential`` MLP with ``keras.activations.gelu``, two
``LayerNormalization``), ``GlobalMaxPooling1D``, softmax head; Adam, sparse
categorical cross-entropy, ``ModelCheckpoint(save_weights_only=True,
save_best_only=True)`` to a ``.weights.h5`` file, ``validation_split``,
``load_weights`` of the best epoch, evaluate, and the example's top-k class
report from ``np.argsort``. The frame features (a pretrained DenseNet121 in the
original) are synthetic, 20 frames x 1024 -> 6 x 16, the StringLookup of tags
is a list and the dropouts are 0 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers

"""
## Define hyperparameters
"""

MAX_SEQ_LENGTH = 6  # harness: 20
NUM_FEATURES = 16  # harness: 1024
IMG_SIZE = 128

EPOCHS = 3  # harness: 5

"""
## Data preparation (synthetic pre-computed frame features, zero-padded like short videos)
"""

rng = np.random.RandomState(0)
tags = ["CricketShot", "PlayingCello", "Punch", "ShavingBeard", "TennisSwing"]
# harness: keras.layers.StringLookup(num_oov_indices=0, vocabulary=np.unique(train_df["tag"]))
label_processor_vocabulary = sorted(tags)
print(label_processor_vocabulary)


def make_split(n):
    labels = rng.randint(0, len(tags), size=(n, 1))
    data = rng.normal(0, 1, size=(n, MAX_SEQ_LENGTH, NUM_FEATURES)).astype("float32")
    data += labels[:, :, None] * 0.3
    lengths = rng.randint(3, MAX_SEQ_LENGTH + 1, size=(n,))
    for i, length in enumerate(lengths):
        data[i, length:] = 0.0
    return data, labels


train_data, train_labels = make_split(20)
test_data, test_labels = make_split(8)

print(f"Frame features in train set: {train_data.shape}")

"""
## Building the Transformer-based model
"""


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.position_embeddings = layers.Embedding(
            input_dim=sequence_length, output_dim=output_dim
        )
        self.sequence_length = sequence_length
        self.output_dim = output_dim

    def build(self, input_shape):
        self.position_embeddings.build(input_shape)

    def call(self, inputs):
        # The inputs are of shape: `(batch_size, frames, num_features)`
        inputs = keras.ops.cast(inputs, self.compute_dtype)
        length = keras.ops.shape(inputs)[1]
        positions = keras.ops.arange(start=0, stop=length, step=1)
        embedded_positions = self.position_embeddings(positions)
        return inputs + embedded_positions


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim, dropout=0.0  # harness: 0.3
        )
        self.dense_proj = keras.Sequential(
            [
                layers.Dense(dense_dim, activation=keras.activations.gelu),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs, mask=None):
        attention_output = self.attention(inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)


"""
## Utility functions for training
"""


def get_compiled_model(shape):
    sequence_length = MAX_SEQ_LENGTH
    embed_dim = NUM_FEATURES
    dense_dim = 4
    num_heads = 1
    classes = len(label_processor_vocabulary)

    inputs = keras.Input(shape=shape)
    x = PositionalEmbedding(
        sequence_length, embed_dim, name="frame_position_embedding"
    )(inputs)
    x = TransformerEncoder(embed_dim, dense_dim, num_heads, name="transformer_layer")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dropout(0.0)(x)  # harness: 0.5
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)

    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def run_experiment():
    filepath = "video_classifier.weights.h5"  # harness: "/tmp/video_classifier.weights.h5"
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath, save_weights_only=True, save_best_only=True, verbose=1
    )

    model = get_compiled_model(train_data.shape[1:])
    history = model.fit(
        train_data,
        train_labels,
        validation_split=0.15,
        epochs=EPOCHS,
        callbacks=[checkpoint],
        shuffle=False,  # harness: batch order equal in both libraries
    )

    last_predict = model.predict(test_data, verbose=0)
    model.load_weights(filepath)
    _, accuracy = model.evaluate(test_data, test_labels)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")

    return model, history, last_predict


"""
## Model training and inference
"""

trained_model, history, last_predict = run_experiment()


def predict_action(frame_features):
    class_vocab = label_processor_vocabulary
    probabilities = trained_model.predict(frame_features)[0]

    report = []
    for i in np.argsort(probabilities)[::-1]:
        print(f"  {class_vocab[i]}: {probabilities[i] * 100:5.2f}%")
        report.append(class_vocab[i])
    return report, probabilities


report, probabilities = predict_action(test_data[:1])

RESULTS = {
    "params": trained_model.count_params(),
    "layer_names": [layer.name for layer in trained_model.layers],
    "position_embedding_shape": list(
        trained_model.get_layer("frame_position_embedding").position_embeddings.embeddings.shape),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
    "accuracy": history.history["accuracy"],
    "last_epoch_predict": last_predict,
    "best_predict": trained_model.predict(test_data, verbose=0),
    "evaluate": trained_model.evaluate(test_data, test_labels, verbose=0),
    "report": report,
    "probabilities": probabilities,
}
