"""keras.io example "Compact Convolutional Transformers" (examples/vision/cct.py, Keras 3).

``CCTTokenizer`` (a Sequential of Conv2D/ZeroPadding2D/MaxPooling2D built with
``add`` in ``__init__``, output reshaped with ``ops.reshape``/``ops.shape``),
the ``PositionEmbedding`` layer (``add_weight`` in ``build``, ``ops.slice``,
``ops.broadcast_to``, ``get_config`` with ``initializers.serialize``) added to
a KerasTensor with ``+=``, ``SequencePooling``, ``StochasticDepth`` (its
``keras.random.uniform`` with a ``SeedGenerator`` fed by a harness-seeded
numpy stream), ``mlp`` with ``ops.gelu``; AdamW, label-smoothed
``CategoricalCrossentropy``, top-5 accuracy, a weights-only ModelCheckpoint,
``validation_split``. The random crop/flip augmentation is left out and
dropout rates are 0 (``# harness:``). Synthetic CIFAR-10 at 12x12, small widths.
"""

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}

_noise = np.random.RandomState(9)  # harness: deterministic stand-in for keras.random.uniform


def _uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # harness:
    return torch.tensor(_noise.uniform(minval, maxval, tuple(int(s) for s in shape)).astype("float32"))


keras.random.uniform = _uniform  # harness:

"""
## Hyperparameters and constants
"""

positional_emb = True
conv_layers = 2
projection_dim = 8  # harness: 128

num_heads = 2
transformer_units = [
    projection_dim,
    projection_dim,
]
transformer_layers = 2
stochastic_depth_rate = 0.1

learning_rate = 0.001
weight_decay = 0.0001
batch_size = 8  # harness: 128
num_epochs = 2  # harness: 30
image_size = 12  # harness: 32

"""
## Load CIFAR-10 dataset (synthetic)
"""

num_classes = 10
input_shape = (12, 12, 3)  # harness: (32, 32, 3)

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(30, 12, 12, 3)).astype("uint8")
y_train = rng.randint(0, 10, size=(30, 1)).astype("uint8")
x_test = rng.randint(0, 256, size=(8, 12, 12, 3)).astype("uint8")
y_test = rng.randint(0, 10, size=(8, 1)).astype("uint8")

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

"""
## The CCT tokenizer
"""


class CCTTokenizer(layers.Layer):
    def __init__(
        self,
        kernel_size=3,
        stride=1,
        padding=1,
        pooling_kernel_size=3,
        pooling_stride=2,
        num_conv_layers=conv_layers,
        num_output_channels=[4, 8],  # harness: [64, 128]
        positional_emb=positional_emb,
        **kwargs,
    ):
        super().__init__(**kwargs)

        # This is our tokenizer.
        self.conv_model = keras.Sequential()
        for i in range(num_conv_layers):
            self.conv_model.add(
                layers.Conv2D(
                    num_output_channels[i],
                    kernel_size,
                    stride,
                    padding="valid",
                    use_bias=False,
                    activation="relu",
                    kernel_initializer="he_normal",
                )
            )
            self.conv_model.add(layers.ZeroPadding2D(padding))
            self.conv_model.add(
                layers.MaxPooling2D(pooling_kernel_size, pooling_stride, "same")
            )

        self.positional_emb = positional_emb

    def call(self, images):
        outputs = self.conv_model(images)
        # After passing the images through our mini-network the spatial dimensions
        # are flattened to form sequences.
        reshaped = keras.ops.reshape(
            outputs,
            (
                -1,
                keras.ops.shape(outputs)[1] * keras.ops.shape(outputs)[2],
                keras.ops.shape(outputs)[-1],
            ),
        )
        return reshaped


"""
## Positional embedding
"""


class PositionEmbedding(keras.layers.Layer):
    def __init__(
        self,
        sequence_length,
        initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if sequence_length is None:
            raise ValueError("`sequence_length` must be an Integer, received `None`.")
        self.sequence_length = int(sequence_length)
        self.initializer = keras.initializers.get(initializer)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "initializer": keras.initializers.serialize(self.initializer),
            }
        )
        return config

    def build(self, input_shape):
        feature_size = input_shape[-1]
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=[self.sequence_length, feature_size],
            initializer=self.initializer,
            trainable=True,
        )

        super().build(input_shape)

    def call(self, inputs, start_index=0):
        shape = keras.ops.shape(inputs)
        feature_length = shape[-1]
        sequence_length = shape[-2]
        # trim to match the length of the input sequence, which might be less
        # than the sequence_length of the layer.
        position_embeddings = keras.ops.convert_to_tensor(self.position_embeddings)
        position_embeddings = keras.ops.slice(
            position_embeddings,
            (start_index, 0),
            (sequence_length, feature_length),
        )
        return keras.ops.broadcast_to(position_embeddings, shape)

    def compute_output_shape(self, input_shape):
        return input_shape


"""
## Sequence Pooling
"""


class SequencePooling(layers.Layer):
    def __init__(self):
        super().__init__()
        self.attention = layers.Dense(1)

    def call(self, x):
        attention_weights = keras.ops.softmax(self.attention(x), axis=1)
        attention_weights = keras.ops.transpose(attention_weights, axes=(0, 2, 1))
        weighted_representation = keras.ops.matmul(attention_weights, x)
        return keras.ops.squeeze(weighted_representation, -2)


"""
## Stochastic depth for regularization
"""


# Referred from: github.com:rwightman/pytorch-image-models.
class StochasticDepth(layers.Layer):
    def __init__(self, drop_prop, **kwargs):
        super().__init__(**kwargs)
        self.drop_prob = drop_prop
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, x, training=None):
        if training:
            keep_prob = 1 - self.drop_prob
            shape = (keras.ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
            random_tensor = keep_prob + keras.random.uniform(
                shape, 0, 1, seed=self.seed_generator
            )
            random_tensor = keras.ops.floor(random_tensor)
            return (x / keep_prob) * random_tensor
        return x


"""
## MLP for the Transformers encoder
"""


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.ops.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


"""
## Data augmentation
"""

# Note the rescaling layer. These layers have pre-defined inference behavior.
data_augmentation = keras.Sequential(
    [
        layers.Rescaling(scale=1.0 / 255),
        # harness: layers.RandomCrop(image_size, image_size) and
        # layers.RandomFlip("horizontal") left out (random streams differ)
    ],
    name="data_augmentation",
)

"""
## The final CCT model
"""


def create_cct_model(
    image_size=image_size,
    input_shape=input_shape,
    num_heads=num_heads,
    projection_dim=projection_dim,
    transformer_units=transformer_units,
):
    inputs = layers.Input(input_shape)

    # Augment data.
    augmented = data_augmentation(inputs)

    # Encode patches.
    cct_tokenizer = CCTTokenizer()
    encoded_patches = cct_tokenizer(augmented)

    # Apply positional embedding.
    if positional_emb:
        sequence_length = encoded_patches.shape[1]
        encoded_patches += PositionEmbedding(sequence_length=sequence_length)(
            encoded_patches
        )

    # Calculate Stochastic Depth probabilities.
    dpr = [x for x in np.linspace(0, stochastic_depth_rate, transformer_layers)]

    # Create multiple layers of the Transformer block.
    for i in range(transformer_layers):
        # Layer normalization 1.
        x1 = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)

        # Create a multi-head attention layer.
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.0  # harness: 0.1
        )(x1, x1)

        # Skip connection 1.
        attention_output = StochasticDepth(dpr[i])(attention_output)
        x2 = layers.Add()([attention_output, encoded_patches])

        # Layer normalization 2.
        x3 = layers.LayerNormalization(epsilon=1e-5)(x2)

        # MLP.
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.0)  # harness: 0.1

        # Skip connection 2.
        x3 = StochasticDepth(dpr[i])(x3)
        encoded_patches = layers.Add()([x3, x2])

    # Apply sequence pooling.
    representation = layers.LayerNormalization(epsilon=1e-5)(encoded_patches)
    weighted_representation = SequencePooling()(representation)

    # Classify outputs.
    logits = layers.Dense(num_classes)(weighted_representation)
    # Create the Keras model.
    model = keras.Model(inputs=inputs, outputs=logits)
    return model


"""
## Model training and evaluation
"""


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001)

    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=0.1
        ),
        metrics=[
            keras.metrics.CategoricalAccuracy(name="accuracy"),
            keras.metrics.TopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )

    checkpoint_filepath = "checkpoint.weights.h5"  # harness: /tmp/checkpoint.weights.h5
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_split=0.1,
        callbacks=[checkpoint_callback],
        shuffle=False,  # harness:
        verbose=0,
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")

    return history


cct_model = create_cct_model()
# harness: equal initial weights on both sides
_rs = np.random.RandomState(1)
cct_model.set_weights([_rs.normal(0, 0.3, w.shape).astype("float32") for w in cct_model.get_weights()])
RESULTS["count_params"] = cct_model.count_params()
RESULTS["layer_types"] = [type(layer).__name__ for layer in cct_model.layers]
RESULTS["before"] = cct_model.predict(x_test, verbose=0)
pos = [layer for layer in cct_model.layers if type(layer).__name__ == "PositionEmbedding"][0]
RESULTS["pos_config"] = str(sorted(pos.get_config().items()))
RESULTS["pos_weight_shape"] = list(pos.position_embeddings.shape)

history = run_experiment(cct_model)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v
RESULTS["after"] = cct_model.predict(x_test, verbose=0)
RESULTS["stochastic_depth_train"] = keras.ops.convert_to_numpy(
    StochasticDepth(0.5)(np.ones((6, 2), "float32"), training=True))
RTOL, ATOL = 1e-4, 1e-4
