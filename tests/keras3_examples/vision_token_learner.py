"""keras.io examples/vision/token_learner.py: Learning to tokenize in Vision Transformers (Keras 3).

A mini ViT with a Conv2D patch projection, a ``PatchEncoder`` layer
(``ops.arange``/``ops.expand_dims`` positions through an ``Embedding``), ``ops.gelu``
as a layer activation, and the TokenLearner module built on symbolic tensors
(``Sequential`` of Conv2D -> Reshape -> Permute, ``ops.expand_dims`` broadcast
product, ``ops.mean``), ``GlobalAvgPool1D``, ``AdamW``, and a ``ModelCheckpoint``
(``save_best_only``, ``save_weights_only``) reloaded with ``load_weights``.
Synthetic CIFAR-10-shaped arrays stand in for the tf.data pipelines.
"""
import keras
from keras import layers
from keras import ops
import numpy as np
import math

BATCH_SIZE = 8  # harness: 256
INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
LEARNING_RATE = 0.001
WEIGHT_DECAY = 0.0001
EPOCHS = 3  # harness: 20
IMAGE_SIZE = 12  # harness: 48
PATCH_SIZE = 3  # harness: 6
NUM_PATCHES = (IMAGE_SIZE // PATCH_SIZE) ** 2
LAYER_NORM_EPS = 1e-06
PROJECTION_DIM = 8  # harness: 128
NUM_HEADS = 2  # harness: 4
NUM_LAYERS = 2  # harness: 4
MLP_UNITS = [PROJECTION_DIM * 2, PROJECTION_DIM]
NUM_TOKENS = 4

# harness: synthetic CIFAR-10 arrays in place of load_data() and the tf.data pipelines
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(16, 32, 32, 3)).astype("uint8")
y_train = rng.randint(0, NUM_CLASSES, size=(16, 1)).astype("uint8")
x_val = rng.randint(0, 256, size=(8, 32, 32, 3)).astype("uint8")
y_val = rng.randint(0, NUM_CLASSES, size=(8, 1)).astype("uint8")
x_test = rng.randint(0, 256, size=(8, 32, 32, 3)).astype("uint8")
y_test = rng.randint(0, NUM_CLASSES, size=(8, 1)).astype("uint8")
print(f"Training samples: {len(x_train)}")
print(f"Validation samples: {len(x_val)}")
print(f"Testing samples: {len(x_test)}")

data_augmentation = keras.Sequential(
    [
        layers.Rescaling(1 / 255.0),
        layers.Resizing(INPUT_SHAPE[0] + 20, INPUT_SHAPE[0] + 20),
        # harness: CenterCrop in place of RandomCrop(IMAGE_SIZE, IMAGE_SIZE) and
        # RandomFlip("horizontal"), whose random draws in training differ between libraries.
        layers.CenterCrop(IMAGE_SIZE, IMAGE_SIZE),
    ],
    name="data_augmentation",
)

RESULTS = {}
# What the original's random layers do at inference (no randomness there).
probe = ops.convert_to_tensor(x_test[:2].astype("float32") / 255.0)
probe = layers.Resizing(INPUT_SHAPE[0] + 20, INPUT_SHAPE[0] + 20)(probe)
RESULTS["random_crop_inference"] = ops.convert_to_numpy(
    layers.RandomCrop(IMAGE_SIZE, IMAGE_SIZE)(probe, training=False))[:, ::3, ::3, 0]
RESULTS["random_flip_inference"] = ops.convert_to_numpy(
    layers.RandomFlip("horizontal")(probe, training=False))[:, ::9, ::9, 1]


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.position_embedding = layers.Embedding(
            input_dim=num_patches, output_dim=projection_dim
        )

    def call(self, patch):
        positions = ops.expand_dims(
            ops.arange(start=0, stop=self.num_patches, step=1), axis=0
        )
        encoded = patch + self.position_embedding(positions)
        return encoded

    def get_config(self):
        config = super().get_config()
        config.update({"num_patches": self.num_patches})
        return config


def mlp(x, dropout_rate, hidden_units):
    # Iterate over the hidden units and
    # add Dense => Dropout.
    for units in hidden_units:
        x = layers.Dense(units, activation=ops.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


def token_learner(inputs, number_of_tokens=NUM_TOKENS):
    # Layer normalize the inputs.
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(inputs)  # (B, H, W, C)

    # Applying Conv2D => Reshape => Permute
    # The reshape and permute is done to help with the next steps of
    # multiplication and Global Average Pooling.
    attention_maps = keras.Sequential(
        [
            # 3 layers of conv with gelu activation as suggested
            # in the paper.
            layers.Conv2D(
                filters=number_of_tokens,
                kernel_size=(3, 3),
                activation=ops.gelu,
                padding="same",
                use_bias=False,
            ),
            layers.Conv2D(
                filters=number_of_tokens,
                kernel_size=(3, 3),
                activation=ops.gelu,
                padding="same",
                use_bias=False,
            ),
            layers.Conv2D(
                filters=number_of_tokens,
                kernel_size=(3, 3),
                activation=ops.gelu,
                padding="same",
                use_bias=False,
            ),
            # This conv layer will generate the attention maps
            layers.Conv2D(
                filters=number_of_tokens,
                kernel_size=(3, 3),
                activation="sigmoid",  # Note sigmoid for [0, 1] output
                padding="same",
                use_bias=False,
            ),
            # Reshape and Permute
            layers.Reshape((-1, number_of_tokens)),  # (B, H*W, num_of_tokens)
            layers.Permute((2, 1)),
        ]
    )(
        x
    )  # (B, num_of_tokens, H*W)

    # Reshape the input to align it with the output of the conv block.
    num_filters = inputs.shape[-1]
    inputs = layers.Reshape((1, -1, num_filters))(inputs)  # inputs == (B, 1, H*W, C)

    # Element-Wise multiplication of the attention maps and the inputs
    attended_inputs = (
        ops.expand_dims(attention_maps, axis=-1) * inputs
    )  # (B, num_tokens, H*W, C)

    # Global average pooling the element wise multiplication result.
    outputs = ops.mean(attended_inputs, axis=2)  # (B, num_tokens, C)
    return outputs


def transformer(encoded_patches):
    # Layer normalization 1.
    x1 = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(encoded_patches)

    # Multi Head Self Attention layer 1.
    attention_output = layers.MultiHeadAttention(
        num_heads=NUM_HEADS, key_dim=PROJECTION_DIM, dropout=0.0  # harness: 0.1
    )(x1, x1)

    # Skip connection 1.
    x2 = layers.Add()([attention_output, encoded_patches])

    # Layer normalization 2.
    x3 = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(x2)

    # MLP layer 1.
    x4 = mlp(x3, hidden_units=MLP_UNITS, dropout_rate=0.0)  # harness: 0.1

    # Skip connection 2.
    encoded_patches = layers.Add()([x4, x2])
    return encoded_patches


def create_vit_classifier(use_token_learner=True, token_learner_units=NUM_TOKENS):
    inputs = layers.Input(shape=INPUT_SHAPE)  # (B, H, W, C)

    # Augment data.
    augmented = data_augmentation(inputs)

    # Create patches and project the pathces.
    projected_patches = layers.Conv2D(
        filters=PROJECTION_DIM,
        kernel_size=(PATCH_SIZE, PATCH_SIZE),
        strides=(PATCH_SIZE, PATCH_SIZE),
        padding="VALID",
    )(augmented)
    _, h, w, c = projected_patches.shape
    projected_patches = layers.Reshape((h * w, c))(
        projected_patches
    )  # (B, number_patches, projection_dim)

    # Add positional embeddings to the projected patches.
    encoded_patches = PatchEncoder(
        num_patches=NUM_PATCHES, projection_dim=PROJECTION_DIM
    )(
        projected_patches
    )  # (B, number_patches, projection_dim)
    encoded_patches = layers.Dropout(0.0)(encoded_patches)  # harness: 0.1

    # Iterate over the number of layers and stack up blocks of
    # Transformer.
    for i in range(NUM_LAYERS):
        # Add a Transformer block.
        encoded_patches = transformer(encoded_patches)

        # Add TokenLearner layer in the middle of the
        # architecture. The paper suggests that anywhere
        # between 1/2 or 3/4 will work well.
        if use_token_learner and i == NUM_LAYERS // 2:
            _, hh, c = encoded_patches.shape
            h = int(math.sqrt(hh))
            encoded_patches = layers.Reshape((h, h, c))(
                encoded_patches
            )  # (B, h, h, projection_dim)
            encoded_patches = token_learner(
                encoded_patches, token_learner_units
            )  # (B, num_tokens, c)

    # Layer normalization and Global average pooling.
    representation = layers.LayerNormalization(epsilon=LAYER_NORM_EPS)(encoded_patches)
    representation = layers.GlobalAvgPool1D()(representation)

    # Classify outputs.
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(representation)

    # Create the Keras model.
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def run_experiment(model):
    # Initialize the AdamW optimizer.
    optimizer = keras.optimizers.AdamW(
        learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY
    )

    # Compile the model with the optimizer, loss function
    # and the metrics.
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )

    # Define callbacks
    checkpoint_filepath = "checkpoint.weights.h5"  # harness: /tmp/checkpoint.weights.h5
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    # Train the model.
    history = model.fit(
        x_train, y_train, batch_size=BATCH_SIZE,  # harness: arrays in place of train_ds
        epochs=EPOCHS,
        validation_data=(x_val, y_val),
        callbacks=[checkpoint_callback],
        shuffle=False, verbose=0,  # harness:
    )
    RESULTS["last_epoch_predict"] = model.predict(x_test[:2], verbose=0)
    model.load_weights(checkpoint_filepath)
    _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")
    return history, accuracy, top_5_accuracy


vit_token_learner = create_vit_classifier()
# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
vit_token_learner.set_weights(
    [seeded.normal(0, 0.2, w.shape).astype("float32") for w in vit_token_learner.get_weights()])
history, accuracy, top_5_accuracy = run_experiment(vit_token_learner)

RESULTS.update({
    "params": vit_token_learner.count_params(),
    "n_layers": len(vit_token_learner.layers),
    "output_shapes": str([tuple(layer.output.shape) for layer in vit_token_learner.layers
                          if not isinstance(layer.output, (list, tuple))]),
    "history_keys": sorted(history.history),
    "test_accuracy": accuracy,
    "test_top5": top_5_accuracy,
    "restored_predict": vit_token_learner.predict(x_test[:2], verbose=0),
    "no_token_learner_params": create_vit_classifier(use_token_learner=False).count_params(),
})
for key, values in history.history.items():
    RESULTS[key] = values
RTOL = 1e-3
ATOL = 1e-5
