"""keras.io example "Video Vision Transformer" (examples/vision/vivit.py, Keras 3).

``TubeletEmbedding`` (a ``Conv3D`` with ``kernel_size == strides == patch_size``,
``padding="VALID"``, then ``Reshape((-1, embed_dim))``), ``PositionalEncoder``
building its ``Embedding`` and ``ops.arange`` positions in ``build`` from the
input shape, spatio-temporal Transformer blocks (``MultiHeadAttention`` with
``key_dim=embed_dim // num_heads``, an inner ``keras.Sequential`` MLP with
``activation=ops.gelu``), ``GlobalAvgPool1D``, softmax head; Adam,
sparse categorical cross-entropy, ``SparseCategoricalAccuracy(name="accuracy")``
and ``SparseTopKCategoricalAccuracy(5, name="top-5-accuracy")``; evaluate and
per-sample predict. Synthetic OrganMNIST3D volumes (28^3 -> 8^3, patches
8^3 -> 4^3); the tf.data pipeline is replaced by numpy arrays and the
attention dropout is 0 (``# harness:``).
"""

import numpy as np
import keras
from keras import layers, ops

# Setting seed for reproducibility
SEED = 42
keras.utils.set_random_seed(SEED)

"""
## Hyperparameters
"""

# DATA
DATASET_NAME = "organmnist3d"
BATCH_SIZE = 4  # harness: 32
INPUT_SHAPE = (8, 8, 8, 1)  # harness: (28, 28, 28, 1)
NUM_CLASSES = 11

# OPTIMIZER
LEARNING_RATE = 1e-3  # harness: 1e-4
WEIGHT_DECAY = 1e-5

# TRAINING
EPOCHS = 2  # harness: 60

# TUBELET EMBEDDING
PATCH_SIZE = (4, 4, 4)  # harness: (8, 8, 8)
NUM_PATCHES = (INPUT_SHAPE[0] // PATCH_SIZE[0]) ** 2

# ViViT ARCHITECTURE
LAYER_NORM_EPS = 1e-6
PROJECTION_DIM = 8  # harness: 128
NUM_HEADS = 2  # harness: 8
NUM_LAYERS = 2  # harness: 8

"""
## Dataset (synthetic: uint8 volumes and labels of the dataset's shapes)
"""

rng = np.random.RandomState(0)
train_videos = rng.randint(0, 256, size=(12,) + INPUT_SHAPE[:3]).astype("uint8")
valid_videos = rng.randint(0, 256, size=(4,) + INPUT_SHAPE[:3]).astype("uint8")
test_videos = rng.randint(0, 256, size=(6,) + INPUT_SHAPE[:3]).astype("uint8")
train_labels = rng.randint(0, NUM_CLASSES, size=(12, 1)).flatten()
valid_labels = rng.randint(0, NUM_CLASSES, size=(4, 1)).flatten()
test_labels = rng.randint(0, NUM_CLASSES, size=(6, 1)).flatten()


def preprocess(frames, label):
    """Preprocess the frames tensors and parse the labels."""
    # Preprocess images (harness: numpy instead of tf.image.convert_image_dtype)
    frames = (frames[..., np.newaxis] / 255.0).astype("float32")
    # Parse label
    label = label.astype("float32")
    return frames, label


# harness: numpy arrays instead of the tf.data loaders (no shuffling)
trainloader = preprocess(train_videos, train_labels)
validloader = preprocess(valid_videos, valid_labels)
testloader = preprocess(test_videos, test_labels)

"""
## Tubelet Embedding
"""


class TubeletEmbedding(layers.Layer):
    def __init__(self, embed_dim, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.projection = layers.Conv3D(
            filters=embed_dim,
            kernel_size=patch_size,
            strides=patch_size,
            padding="VALID",
        )
        self.flatten = layers.Reshape(target_shape=(-1, embed_dim))

    def call(self, videos):
        projected_patches = self.projection(videos)
        flattened_patches = self.flatten(projected_patches)
        return flattened_patches


"""
## Positional Embedding
"""


class PositionalEncoder(layers.Layer):
    def __init__(self, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim

    def build(self, input_shape):
        _, num_tokens, _ = input_shape
        self.position_embedding = layers.Embedding(
            input_dim=num_tokens, output_dim=self.embed_dim
        )
        self.positions = ops.arange(0, num_tokens, 1)

    def call(self, encoded_tokens):
        # Encode the positions and add it to the encoded tokens
        encoded_positions = self.position_embedding(self.positions)
        encoded_tokens = encoded_tokens + encoded_positions
        return encoded_tokens


"""
## Video Vision Transformer
"""


def create_vivit_classifier(
    tubelet_embedder,
    positional_encoder,
    input_shape=INPUT_SHAPE,
    transformer_layers=NUM_LAYERS,
    num_heads=NUM_HEADS,
    embed_dim=PROJECTION_DIM,
    layer_norm_eps=LAYER_NORM_EPS,
    num_classes=NUM_CLASSES,
):
    # Get the input layer
    inputs = layers.Input(shape=input_shape)
    # Create patches.
    patches = tubelet_embedder(inputs)
    # Encode patches.
    encoded_patches = positional_encoder(patches)

    # Create multiple layers of the Transformer block.
    for _ in range(transformer_layers):
        # Layer normalization and MHSA
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim // num_heads, dropout=0.0  # harness: 0.1
        )(x1, x1)

        # Skip connection
        x2 = layers.Add()([attention_output, encoded_patches])

        # Layer Normalization and MLP
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        x3 = keras.Sequential(
            [
                layers.Dense(units=embed_dim * 4, activation=ops.gelu),
                layers.Dense(units=embed_dim, activation=ops.gelu),
            ]
        )(x3)

        # Skip connection
        encoded_patches = layers.Add()([x3, x2])

    # Layer normalization and Global average pooling.
    representation = layers.LayerNormalization(epsilon=layer_norm_eps)(encoded_patches)
    representation = layers.GlobalAvgPool1D()(representation)

    # Classify outputs.
    outputs = layers.Dense(units=num_classes, activation="softmax")(representation)

    # Create the Keras model.
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


"""
## Train
"""

RESULTS = {}


def run_experiment():
    # Initialize model
    model = create_vivit_classifier(
        tubelet_embedder=TubeletEmbedding(
            embed_dim=PROJECTION_DIM, patch_size=PATCH_SIZE
        ),
        positional_encoder=PositionalEncoder(embed_dim=PROJECTION_DIM),
    )

    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])

    # Compile the model with the optimizer, loss function
    # and the metrics.
    optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE)
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )

    # Train the model.
    history = model.fit(
        trainloader[0], trainloader[1],  # harness: (x, y) arrays instead of the loader
        batch_size=BATCH_SIZE, shuffle=False,
        epochs=EPOCHS, validation_data=validloader,
    )

    _, accuracy, top_5_accuracy = model.evaluate(testloader[0], testloader[1], batch_size=BATCH_SIZE)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")

    RESULTS["history_keys"] = sorted(history.history)
    RESULTS["history"] = [history.history[k] for k in sorted(history.history)]
    RESULTS["test_scores"] = [accuracy, top_5_accuracy]
    return model


model = run_experiment()

"""
## Inference
"""

NUM_SAMPLES_VIZ = 4  # harness: 25
testsamples, labels = testloader
testsamples, labels = testsamples[:NUM_SAMPLES_VIZ], labels[:NUM_SAMPLES_VIZ]

ground_truths = []
preds = []
outputs = []

for i, (testsample, label) in enumerate(zip(testsamples, labels)):
    # Get model prediction
    output = model.predict(ops.expand_dims(testsample, axis=0))[0]
    pred = np.argmax(output, axis=0)
    outputs.append(output)

    ground_truths.append(label.astype("int"))
    preds.append(pred)

RESULTS.update({
    "params": model.count_params(),
    "layer_types": [type(layer).__name__ for layer in model.layers],
    "tubelet_output_shape": str(tuple(model.layers[1].output.shape)),
    "conv3d_kernel_shape": list(model.layers[1].projection.kernel.shape),
    "num_tokens": int(model.layers[2].positions.shape[0]),
    "outputs": np.stack(outputs),
    "preds": [int(p) for p in preds],
    "ground_truths": [int(g) for g in ground_truths],
    "predict_batch": model.predict(testloader[0], verbose=0),
})
