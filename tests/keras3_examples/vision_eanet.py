"""keras.io example "Image classification with EANet (External Attention Transformer)" (examples/vision/eanet.py).

``PatchExtract`` (``ops.image.extract_patches``, ``ops.reshape`` with a batch
size from ``ops.shape``) and ``PatchEmbedding`` (Dense + position
``Embedding`` of ``ops.arange``); ``external_attention`` written on
KerasTensors with ``ops.reshape``/``ops.transpose`` between Dense layers, a
``Softmax(axis=2)`` and a ``Lambda`` double normalisation; the transformer
encoder with ``layers.add`` residuals; GlobalAveragePooling1D head; trained
with label-smoothed ``CategoricalCrossentropy``, AdamW, top-5 accuracy and
``validation_split``; the ``self_attention`` variant is built and counted.
Harness: the random augmentation layers are left out (the adapted
``Normalization`` stays), dropout rates 0. Synthetic CIFAR-100 at 8x8, small
widths.
"""

import numpy as np
import keras
from keras import layers
from keras import ops

RESULTS = {}

"""
## Prepare the data
"""

num_classes = 10  # harness: 100
input_shape = (8, 8, 3)  # harness: (32, 32, 3)

rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(30, 8, 8, 3)).astype("uint8")
y_train = rng.randint(0, num_classes, size=(30, 1)).astype("uint8")
x_test = rng.randint(0, 256, size=(8, 8, 8, 3)).astype("uint8")
y_test = rng.randint(0, num_classes, size=(8, 1)).astype("uint8")
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

"""
## Configure the hyperparameters
"""

weight_decay = 0.0001
learning_rate = 0.001
label_smoothing = 0.1
validation_split = 0.2
batch_size = 8  # harness: 128
num_epochs = 2  # harness: 50
patch_size = 2  # Size of the patches to be extracted from the input images.
num_patches = (input_shape[0] // patch_size) ** 2  # Number of patch
embedding_dim = 16  # Number of hidden units. (harness: 64)
mlp_dim = 16  # harness: 64
dim_coefficient = 4
num_heads = 4
attention_dropout = 0.0  # harness: 0.2
projection_dropout = 0.0  # harness: 0.2
num_transformer_blocks = 2  # Number of repetitions of the transformer layer (harness: 8)

print(f"Patch size: {patch_size} X {patch_size} = {patch_size ** 2} ")
print(f"Patches per image: {num_patches}")

"""
## Use data augmentation
"""

data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        # harness: RandomFlip, RandomRotation, RandomContrast, RandomZoom left out
    ],
    name="data_augmentation",
)
# Compute the mean and the variance of the training data for normalization.
data_augmentation.layers[0].adapt(x_train)

"""
## Implement the patch extraction and encoding layer
"""


class PatchExtract(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, x):
        B, C = ops.shape(x)[0], ops.shape(x)[-1]
        x = ops.image.extract_patches(x, self.patch_size)
        x = ops.reshape(x, (B, -1, self.patch_size * self.patch_size * C))
        return x


class PatchEmbedding(layers.Layer):
    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = num_patch
        self.proj = layers.Dense(embed_dim)
        self.pos_embed = layers.Embedding(input_dim=num_patch, output_dim=embed_dim)

    def call(self, patch):
        pos = ops.arange(start=0, stop=self.num_patch, step=1)
        return self.proj(patch) + self.pos_embed(pos)


"""
## Implement the external attention block
"""


def external_attention(
    x,
    dim,
    num_heads,
    dim_coefficient=4,
    attention_dropout=0,
    projection_dropout=0,
):
    _, num_patch, channel = x.shape
    assert dim % num_heads == 0
    num_heads = num_heads * dim_coefficient

    x = layers.Dense(dim * dim_coefficient)(x)
    # create tensor [batch_size, num_patches, num_heads, dim*dim_coefficient//num_heads]
    x = ops.reshape(x, (-1, num_patch, num_heads, dim * dim_coefficient // num_heads))
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    # a linear layer M_k
    attn = layers.Dense(dim // dim_coefficient)(x)
    # normalize attention map
    attn = layers.Softmax(axis=2)(attn)
    # dobule-normalization
    attn = layers.Lambda(
        lambda attn: ops.divide(
            attn,
            ops.convert_to_tensor(1e-9) + ops.sum(attn, axis=-1, keepdims=True),
        )
    )(attn)
    attn = layers.Dropout(attention_dropout)(attn)
    # a linear layer M_v
    x = layers.Dense(dim * dim_coefficient // num_heads)(attn)
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    x = ops.reshape(x, [-1, num_patch, dim * dim_coefficient])
    # a linear layer to project original dim
    x = layers.Dense(dim)(x)
    x = layers.Dropout(projection_dropout)(x)
    return x


"""
## Implement the MLP block
"""


def mlp(x, embedding_dim, mlp_dim, drop_rate=0.0):  # harness: drop_rate=0.2
    x = layers.Dense(mlp_dim, activation=ops.gelu)(x)
    x = layers.Dropout(drop_rate)(x)
    x = layers.Dense(embedding_dim)(x)
    x = layers.Dropout(drop_rate)(x)
    return x


"""
## Implement the Transformer block
"""


def transformer_encoder(
    x,
    embedding_dim,
    mlp_dim,
    num_heads,
    dim_coefficient,
    attention_dropout,
    projection_dropout,
    attention_type="external_attention",
):
    residual_1 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    if attention_type == "external_attention":
        x = external_attention(
            x,
            embedding_dim,
            num_heads,
            dim_coefficient,
            attention_dropout,
            projection_dropout,
        )
    elif attention_type == "self_attention":
        x = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=embedding_dim,
            dropout=attention_dropout,
        )(x, x)
    x = layers.add([x, residual_1])
    residual_2 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    x = mlp(x, embedding_dim, mlp_dim)
    x = layers.add([x, residual_2])
    return x


"""
## Implement the EANet model
"""


def get_model(attention_type="external_attention"):
    inputs = layers.Input(shape=input_shape)
    # Image augment
    x = data_augmentation(inputs)
    # Extract patches.
    x = PatchExtract(patch_size)(x)
    # Create patch embedding.
    x = PatchEmbedding(num_patches, embedding_dim)(x)
    # Create Transformer block.
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(
            x,
            embedding_dim,
            mlp_dim,
            num_heads,
            dim_coefficient,
            attention_dropout,
            projection_dropout,
            attention_type,
        )

    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


"""
## Train on CIFAR-100
"""

model = get_model(attention_type="external_attention")
# harness: equal initial weights on both sides (the Normalization statistics are kept)
_rs = np.random.RandomState(1)
model.set_weights([
    w if not v.trainable else _rs.normal(0, 0.3, w.shape).astype("float32")
    for v, w in zip(model.weights, model.get_weights())])
RESULTS["count_params"] = model.count_params()
RESULTS["layer_types"] = sorted({type(layer).__name__ for layer in model.layers})
RESULTS["n_layers"] = len(model.layers)
RESULTS["self_attention_count_params"] = get_model(attention_type="self_attention").count_params()

model.compile(
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
    optimizer=keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    ),
    metrics=[
        keras.metrics.CategoricalAccuracy(name="accuracy"),
        keras.metrics.TopKCategoricalAccuracy(5, name="top-5-accuracy"),
    ],
)

history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=num_epochs,
    validation_split=validation_split,
    shuffle=False,  # harness:
    verbose=0,
)
RESULTS["hist_keys"] = sorted(history.history)
for k, v in history.history.items():
    RESULTS["hist_" + k] = v

"""
### Let's display the final results of the test on CIFAR-100.
"""

loss, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test loss: {round(loss, 2)}")
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")
RESULTS["evaluate"] = [loss, accuracy, top_5_accuracy]
RESULTS["predict"] = model.predict(x_test, verbose=0)
RESULTS["patches"] = ops.convert_to_numpy(PatchExtract(patch_size)(x_test[:1].astype("float32")))[0, :3]
RTOL, ATOL = 1e-4, 1e-4
