"""keras.io example "MobileViT: A mobile-friendly Transformer-based model for image classification" (examples/vision/mobilevit.py, Keras 3).

``conv_block`` (``Conv2D`` with ``activation=keras.activations.swish``),
``correct_pad`` (reads ``keras.backend.image_data_format()``) feeding
``ZeroPadding2D``, the MobileNetV2 ``inverted_residual_block`` (1x1 ``Conv2D``,
``BatchNormalization``, ``keras.activations.swish`` applied to KerasTensors,
``DepthwiseConv2D`` valid/same, an ``Add`` residual chosen with
``keras.ops.equal`` on shapes), the transformer block (``LayerNormalization``,
``MultiHeadAttention``, swish ``Dense`` MLP), the MobileViT block's
unfold/fold with ``Reshape`` and ``Concatenate``, ``GlobalAvgPool2D``;
Adam, label-smoothed ``CategoricalCrossentropy``, a weights-only
``ModelCheckpoint`` on ``val_accuracy`` + ``load_weights``, ``evaluate``.
Synthetic tf_flowers at 256 -> 64 px (the smallest size whose last MobileViT
block still holds one 4-pixel patch), widths divided by 4-20, one transformer
layer per MobileViT block, Dropout rates 0 (``# harness:``); the TFLite
conversion is left out.
"""

import numpy as np
import keras
from keras import backend, layers

RESULTS = {}

"""
## Hyperparameters
"""

# Values are from table 4.
patch_size = 4  # 2x2, for the Transformer blocks.
image_size = 64  # harness: 256
expansion_factor = 2  # expansion factor for the MobileNetV2 blocks.

"""
## MobileViT utilities
"""


def conv_block(x, filters=16, kernel_size=3, strides=2):
    conv_layer = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        activation=keras.activations.swish,
        padding="same",
    )
    return conv_layer(x)


# Reference: https://github.com/keras-team/keras/blob/e3858739d178fe16a0c77ce7fab88b0be6dbbdc7/keras/applications/imagenet_utils.py#L413C17-L435


def correct_pad(inputs, kernel_size):
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim : (img_dim + 2)]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if input_size[0] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return (
        (correct[0] - adjust[0], correct[0]),
        (correct[1] - adjust[1], correct[1]),
    )


# Reference: https://git.io/JKgtC


def inverted_residual_block(x, expanded_channels, output_channels, strides=1):
    m = layers.Conv2D(expanded_channels, 1, padding="same", use_bias=False)(x)
    m = layers.BatchNormalization()(m)
    m = keras.activations.swish(m)

    if strides == 2:
        m = layers.ZeroPadding2D(padding=correct_pad(m, 3))(m)
    m = layers.DepthwiseConv2D(
        3, strides=strides, padding="same" if strides == 1 else "valid", use_bias=False
    )(m)
    m = layers.BatchNormalization()(m)
    m = keras.activations.swish(m)

    m = layers.Conv2D(output_channels, 1, padding="same", use_bias=False)(m)
    m = layers.BatchNormalization()(m)

    if keras.ops.equal(x.shape[-1], output_channels) and strides == 1:
        return layers.Add()([m, x])
    return m


# Reference:
# https://keras.io/examples/vision/image_classification_with_vision_transformer/


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.swish)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


def transformer_block(x, transformer_layers, projection_dim, num_heads=2):
    for _ in range(transformer_layers):
        # Layer normalization 1.
        x1 = layers.LayerNormalization(epsilon=1e-6)(x)
        # Create a multi-head attention layer.
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.0  # harness: 0.1
        )(x1, x1)
        # Skip connection 1.
        x2 = layers.Add()([attention_output, x])
        # Layer normalization 2.
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        # MLP.
        x3 = mlp(
            x3,
            hidden_units=[x.shape[-1] * 2, x.shape[-1]],
            dropout_rate=0.0,  # harness: 0.1
        )
        # Skip connection 2.
        x = layers.Add()([x3, x2])

    return x


def mobilevit_block(x, num_blocks, projection_dim, strides=1):
    # Local projection with convolutions.
    local_features = conv_block(x, filters=projection_dim, strides=strides)
    local_features = conv_block(
        local_features, filters=projection_dim, kernel_size=1, strides=strides
    )

    # Unfold into patches and then pass through Transformers.
    num_patches = int((local_features.shape[1] * local_features.shape[2]) / patch_size)
    non_overlapping_patches = layers.Reshape((patch_size, num_patches, projection_dim))(
        local_features
    )
    global_features = transformer_block(
        non_overlapping_patches, num_blocks, projection_dim
    )

    # Fold into conv-like feature-maps.
    folded_feature_map = layers.Reshape((*local_features.shape[1:-1], projection_dim))(
        global_features
    )

    # Apply point-wise conv -> concatenate with the input features.
    folded_feature_map = conv_block(
        folded_feature_map, filters=x.shape[-1], kernel_size=1, strides=strides
    )
    local_global_features = layers.Concatenate(axis=-1)([x, folded_feature_map])

    # Fuse the local and global features using a convoluion layer.
    local_global_features = conv_block(
        local_global_features, filters=projection_dim, strides=strides
    )

    return local_global_features


"""
## MobileViT model
"""


def create_mobilevit(num_classes=5):
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Initial conv-stem -> MV2 block.
    x = conv_block(x, filters=4)  # harness: 16
    x = inverted_residual_block(
        x, expanded_channels=4 * expansion_factor, output_channels=4  # harness: 16, 16
    )

    # Downsampling with MV2 block.
    x = inverted_residual_block(
        x, expanded_channels=4 * expansion_factor, output_channels=6, strides=2  # harness: 16, 24
    )
    x = inverted_residual_block(
        x, expanded_channels=6 * expansion_factor, output_channels=6  # harness: 24, 24
    )
    x = inverted_residual_block(
        x, expanded_channels=6 * expansion_factor, output_channels=6  # harness: 24, 24
    )

    # First MV2 -> MobileViT block.
    x = inverted_residual_block(
        x, expanded_channels=6 * expansion_factor, output_channels=8, strides=2  # harness: 24, 48
    )
    x = mobilevit_block(x, num_blocks=1, projection_dim=8)  # harness: 2, 64

    # Second MV2 -> MobileViT block.
    x = inverted_residual_block(
        x, expanded_channels=8 * expansion_factor, output_channels=8, strides=2  # harness: 64, 64
    )
    x = mobilevit_block(x, num_blocks=1, projection_dim=8)  # harness: 4, 80

    # Third MV2 -> MobileViT block.
    x = inverted_residual_block(
        x, expanded_channels=8 * expansion_factor, output_channels=8, strides=2  # harness: 80, 80
    )
    x = mobilevit_block(x, num_blocks=1, projection_dim=8)  # harness: 3, 96
    x = conv_block(x, filters=16, kernel_size=1, strides=1)  # harness: 320

    # Classification head.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


mobilevit_xxs = create_mobilevit()
mobilevit_xxs.summary()

"""
## Prepare the dataset (synthetic)
"""

batch_size = 2  # harness: 64
num_classes = 5
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, (4, image_size, image_size, 3)).astype("float32")
y_train = keras.utils.to_categorical(rng.randint(0, num_classes, 4), num_classes)
x_val = rng.randint(0, 256, (2, image_size, image_size, 3)).astype("float32")
y_val = keras.utils.to_categorical(rng.randint(0, num_classes, 2), num_classes)

"""
## Train a MobileViT (XXS) model
"""

learning_rate = 0.002
label_smoothing_factor = 0.1
epochs = 2  # harness: 30

optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
loss_fn = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing_factor)


def run_experiment(epochs=epochs):
    mobilevit_xxs = create_mobilevit(num_classes=num_classes)
    mobilevit_xxs.compile(optimizer=optimizer, loss=loss_fn, metrics=["accuracy"])

    # harness: equal initial weights on both sides (BatchNormalization variances kept positive)
    _rs = np.random.RandomState(1)
    for layer in mobilevit_xxs.layers:
        ws = layer.get_weights()
        if isinstance(layer, layers.BatchNormalization):
            ws = [1 + 0.1 * _rs.normal(size=ws[0].shape), 0.1 * _rs.normal(size=ws[0].shape),
                  0.1 * _rs.normal(size=ws[0].shape), 0.5 + np.abs(0.3 * _rs.normal(size=ws[0].shape))]
        elif isinstance(layer, layers.LayerNormalization):
            ws = [1 + 0.1 * _rs.normal(size=w.shape) if i == 0 else 0.1 * _rs.normal(size=w.shape)
                  for i, w in enumerate(ws)]
        else:
            ws = [_rs.normal(0, 1 / np.sqrt(np.prod(w.shape[:-1])), w.shape) if w.ndim > 1
                  else 0.1 * _rs.normal(size=w.shape) for w in ws]
        layer.set_weights([w.astype("float32") for w in ws])
    RESULTS["count_params"] = mobilevit_xxs.count_params()
    RESULTS["layer_types"] = [type(layer).__name__ for layer in mobilevit_xxs.layers]
    RESULTS["output_shapes"] = str([tuple(layer.output.shape) for layer in mobilevit_xxs.layers
                                    if isinstance(layer, (layers.Reshape, layers.ZeroPadding2D))])
    RESULTS["before"] = mobilevit_xxs.predict(x_val, verbose=0)

    # When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in `.weights.h5`
    checkpoint_filepath = "checkpoint.weights.h5"  # harness: /tmp/checkpoint.weights.h5
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    history = mobilevit_xxs.fit(
        x_train, y_train, batch_size=batch_size,  # harness: train_dataset
        validation_data=(x_val, y_val),  # harness: val_dataset
        epochs=epochs,
        callbacks=[checkpoint_callback],
        shuffle=False,  # harness:
        verbose=0,
    )
    RESULTS["hist_keys"] = sorted(history.history)
    for k, v in history.history.items():
        RESULTS["hist_" + k] = v
    mobilevit_xxs.load_weights(checkpoint_filepath)
    _, accuracy = mobilevit_xxs.evaluate(x_val, y_val, verbose=0)  # harness: val_dataset
    print(f"Validation accuracy: {round(accuracy * 100, 2)}%")
    RESULTS["val_accuracy"] = accuracy
    return mobilevit_xxs


mobilevit_xxs = run_experiment()
RESULTS["after"] = mobilevit_xxs.predict(x_val, verbose=0)
RTOL, ATOL = 1e-4, 1e-5
