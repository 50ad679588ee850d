"""keras.io example "Low-light image enhancement using MIRNet" (examples/vision/mirnet.py, Keras 3).

A deep functional graph of plain layers and ``keras.ops`` on symbolic tensors:
selective kernel feature fusion (three-way ``Add``, ``GlobalAveragePooling2D``,
``ops.reshape`` to ``(-1, 1, 1, channels)``, 1x1 ``Conv2D`` with softmax over
channels, tensor products), dual attention units (channel attention with
sigmoid gating; spatial attention from ``ops.max``/``ops.mean`` over channels,
``ops.expand_dims``, ``Concatenate``, ``keras.activations.sigmoid``),
down/up-sampling residual modules (``MaxPooling2D``, ``UpSampling2D``), the
multi-scale residual block and recursive residual groups on
``keras.Input(shape=[None, None, 3])``; Charbonnier loss written with ops, a
PSNR metric function, Adam(1e-4), ``ReduceLROnPlateau(monitor=
"val_peak_signal_noise_ratio", mode="max")``; inference as in ``infer``.
Synthetic LOL image pairs (128x128 crops -> 16x16), 1 RRG x 1 MRB x 16
channels instead of 3 x 2 x 64; the tf.data pipeline is replaced by numpy
arrays and ``tf.image.psnr`` by the same formula in ops (``# harness:``).
"""

import numpy as np
import keras
from keras import layers
from keras import ops

IMAGE_SIZE = 16  # harness: 128
BATCH_SIZE = 4
MAX_TRAIN_IMAGES = 8  # harness: 300

"""
## Creating a TensorFlow Dataset (harness: numpy arrays of random crops scaled to [0, 1])
"""

rng = np.random.RandomState(0)
enhanced = rng.randint(0, 256, size=(12, IMAGE_SIZE, IMAGE_SIZE, 3)).astype("float32") / 255.0
low_light = (enhanced * rng.uniform(0.05, 0.3, size=(12, 1, 1, 1))).astype("float32")
train_low_light_images, train_enhanced_images = low_light[:MAX_TRAIN_IMAGES], enhanced[:MAX_TRAIN_IMAGES]
val_low_light_images, val_enhanced_images = low_light[MAX_TRAIN_IMAGES:], enhanced[MAX_TRAIN_IMAGES:]

"""
### Selective Kernel Feature Fusion
"""


def selective_kernel_feature_fusion(
    multi_scale_feature_1, multi_scale_feature_2, multi_scale_feature_3
):
    channels = list(multi_scale_feature_1.shape)[-1]
    combined_feature = layers.Add()(
        [multi_scale_feature_1, multi_scale_feature_2, multi_scale_feature_3]
    )
    gap = layers.GlobalAveragePooling2D()(combined_feature)
    channel_wise_statistics = ops.reshape(gap, (-1, 1, 1, channels))
    compact_feature_representation = layers.Conv2D(
        filters=channels // 8, kernel_size=(1, 1), activation="relu"
    )(channel_wise_statistics)
    feature_descriptor_1 = layers.Conv2D(
        channels, kernel_size=(1, 1), activation="softmax"
    )(compact_feature_representation)
    feature_descriptor_2 = layers.Conv2D(
        channels, kernel_size=(1, 1), activation="softmax"
    )(compact_feature_representation)
    feature_descriptor_3 = layers.Conv2D(
        channels, kernel_size=(1, 1), activation="softmax"
    )(compact_feature_representation)
    feature_1 = multi_scale_feature_1 * feature_descriptor_1
    feature_2 = multi_scale_feature_2 * feature_descriptor_2
    feature_3 = multi_scale_feature_3 * feature_descriptor_3
    aggregated_feature = layers.Add()([feature_1, feature_2, feature_3])
    return aggregated_feature


"""
### Dual Attention Unit
"""


def spatial_attention_block(input_tensor):
    average_pooling = ops.max(input_tensor, axis=-1)
    average_pooling = ops.expand_dims(average_pooling, axis=-1)
    max_pooling = ops.mean(input_tensor, axis=-1)
    max_pooling = ops.expand_dims(max_pooling, axis=-1)
    concatenated = layers.Concatenate(axis=-1)([average_pooling, max_pooling])
    feature_map = layers.Conv2D(1, kernel_size=(1, 1))(concatenated)
    feature_map = keras.activations.sigmoid(feature_map)
    return input_tensor * feature_map


def channel_attention_block(input_tensor):
    channels = list(input_tensor.shape)[-1]
    average_pooling = layers.GlobalAveragePooling2D()(input_tensor)
    feature_descriptor = ops.reshape(average_pooling, (-1, 1, 1, channels))
    feature_activations = layers.Conv2D(
        filters=channels // 8, kernel_size=(1, 1), activation="relu"
    )(feature_descriptor)
    feature_activations = layers.Conv2D(
        filters=channels, kernel_size=(1, 1), activation="sigmoid"
    )(feature_activations)
    return input_tensor * feature_activations


def dual_attention_unit_block(input_tensor):
    channels = list(input_tensor.shape)[-1]
    feature_map = layers.Conv2D(
        channels, kernel_size=(3, 3), padding="same", activation="relu"
    )(input_tensor)
    feature_map = layers.Conv2D(channels, kernel_size=(3, 3), padding="same")(
        feature_map
    )
    channel_attention = channel_attention_block(feature_map)
    spatial_attention = spatial_attention_block(feature_map)
    concatenation = layers.Concatenate(axis=-1)([channel_attention, spatial_attention])
    concatenation = layers.Conv2D(channels, kernel_size=(1, 1))(concatenation)
    return layers.Add()([input_tensor, concatenation])


"""
### Multi-Scale Residual Block
"""

# Recursive Residual Modules


def down_sampling_module(input_tensor):
    channels = list(input_tensor.shape)[-1]
    main_branch = layers.Conv2D(channels, kernel_size=(1, 1), activation="relu")(
        input_tensor
    )
    main_branch = layers.Conv2D(
        channels, kernel_size=(3, 3), padding="same", activation="relu"
    )(main_branch)
    main_branch = layers.MaxPooling2D()(main_branch)
    main_branch = layers.Conv2D(channels * 2, kernel_size=(1, 1))(main_branch)
    skip_branch = layers.MaxPooling2D()(input_tensor)
    skip_branch = layers.Conv2D(channels * 2, kernel_size=(1, 1))(skip_branch)
    return layers.Add()([skip_branch, main_branch])


def up_sampling_module(input_tensor):
    channels = list(input_tensor.shape)[-1]
    main_branch = layers.Conv2D(channels, kernel_size=(1, 1), activation="relu")(
        input_tensor
    )
    main_branch = layers.Conv2D(
        channels, kernel_size=(3, 3), padding="same", activation="relu"
    )(main_branch)
    main_branch = layers.UpSampling2D()(main_branch)
    main_branch = layers.Conv2D(channels // 2, kernel_size=(1, 1))(main_branch)
    skip_branch = layers.UpSampling2D()(input_tensor)
    skip_branch = layers.Conv2D(channels // 2, kernel_size=(1, 1))(skip_branch)
    return layers.Add()([skip_branch, main_branch])


# MRB Block
def multi_scale_residual_block(input_tensor, channels):
    # features
    level1 = input_tensor
    level2 = down_sampling_module(input_tensor)
    level3 = down_sampling_module(level2)
    # DAU
    level1_dau = dual_attention_unit_block(level1)
    level2_dau = dual_attention_unit_block(level2)
    level3_dau = dual_attention_unit_block(level3)
    # SKFF
    level1_skff = selective_kernel_feature_fusion(
        level1_dau,
        up_sampling_module(level2_dau),
        up_sampling_module(up_sampling_module(level3_dau)),
    )
    level2_skff = selective_kernel_feature_fusion(
        down_sampling_module(level1_dau),
        level2_dau,
        up_sampling_module(level3_dau),
    )
    level3_skff = selective_kernel_feature_fusion(
        down_sampling_module(down_sampling_module(level1_dau)),
        down_sampling_module(level2_dau),
        level3_dau,
    )
    # DAU 2
    level1_dau_2 = dual_attention_unit_block(level1_skff)
    level2_dau_2 = up_sampling_module((dual_attention_unit_block(level2_skff)))  # noqa: F841 (unused in the example too)
    level3_dau_2 = up_sampling_module(
        up_sampling_module(dual_attention_unit_block(level3_skff))
    )
    # SKFF 2
    skff_ = selective_kernel_feature_fusion(level1_dau_2, level3_dau_2, level3_dau_2)
    conv = layers.Conv2D(channels, kernel_size=(3, 3), padding="same")(skff_)
    return layers.Add()([input_tensor, conv])


"""
### MIRNet Model
"""


def recursive_residual_group(input_tensor, num_mrb, channels):
    conv1 = layers.Conv2D(channels, kernel_size=(3, 3), padding="same")(input_tensor)
    for _ in range(num_mrb):
        conv1 = multi_scale_residual_block(conv1, channels)
    conv2 = layers.Conv2D(channels, kernel_size=(3, 3), padding="same")(conv1)
    return layers.Add()([conv2, input_tensor])


def mirnet_model(num_rrg, num_mrb, channels):
    input_tensor = keras.Input(shape=[None, None, 3])
    x1 = layers.Conv2D(channels, kernel_size=(3, 3), padding="same")(input_tensor)
    for _ in range(num_rrg):
        x1 = recursive_residual_group(x1, num_mrb, channels)
    conv = layers.Conv2D(3, kernel_size=(3, 3), padding="same")(x1)
    output_tensor = layers.Add()([input_tensor, conv])
    return keras.Model(input_tensor, output_tensor)


model = mirnet_model(num_rrg=1, num_mrb=1, channels=16)  # harness: num_rrg=3, num_mrb=2, channels=64

# harness: equal initial weights in both libraries
seeded = np.random.RandomState(1)
model.set_weights([seeded.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])

"""
## Training
"""


def charbonnier_loss(y_true, y_pred):
    return ops.mean(ops.sqrt(ops.square(y_true - y_pred) + ops.square(1e-3)))


def peak_signal_noise_ratio(y_true, y_pred):
    # harness: tf.image.psnr(y_pred, y_true, max_val=255.0), the same per-image formula
    mse = ops.mean(ops.square(y_pred - y_true), axis=(1, 2, 3))
    return 10.0 * ops.log(255.0**2 / mse) / np.log(10.0)


optimizer = keras.optimizers.Adam(learning_rate=1e-4)
model.compile(
    optimizer=optimizer,
    loss=charbonnier_loss,
    metrics=[peak_signal_noise_ratio],
)

history = model.fit(
    train_low_light_images, train_enhanced_images,  # harness: arrays instead of the datasets
    batch_size=BATCH_SIZE,
    shuffle=False,
    validation_data=(val_low_light_images, val_enhanced_images),
    epochs=3,  # harness: 50
    callbacks=[
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_peak_signal_noise_ratio",
            factor=0.5,
            patience=1,  # harness: 5
            verbose=1,
            min_delta=1.0,  # harness: 1e-7; a PSNR gain under 1 dB counts as a plateau here
            mode="max",
        )
    ],
)

"""
## Inference
"""


def infer(original_image):
    image = keras.utils.img_to_array(original_image)
    image = image.astype("float32") / 255.0
    image = np.expand_dims(image, axis=0)
    output = model.predict(image, verbose=0)
    output_image = output[0] * 255.0
    output_image = output_image.clip(0, 255)
    output_image = output_image.reshape(
        (np.shape(output_image)[0], np.shape(output_image)[1], 3)
    )
    return np.uint8(output_image)  # harness: PIL Image.fromarray(np.uint8(output_image))


test_image = (low_light[-1] * 255.0).astype("uint8")
enhanced_image = infer(test_image)
# fully convolutional: another image size through the same model
other_size = model.predict(low_light[:2, :8, :12], verbose=0)

RESULTS = {
    "params": model.count_params(),
    "num_layers": len(model.layers),
    "layer_type_counts": sorted(
        f"{name}:{count}" for name, count in
        __import__("collections").Counter(type(layer).__name__ for layer in model.layers).items()
        if name in ("Conv2D", "Add", "Concatenate", "MaxPooling2D", "UpSampling2D",
                    "GlobalAveragePooling2D")
    ),
    "history_keys": sorted(history.history),
    "loss": history.history["loss"],
    "psnr": history.history["peak_signal_noise_ratio"],
    "val_loss": history.history["val_loss"],
    "val_psnr": history.history["val_peak_signal_noise_ratio"],
    "learning_rate": history.history["learning_rate"],
    "enhanced_image": enhanced_image.astype("float32"),
    "other_size": other_size,
    "evaluate": model.evaluate(val_low_light_images, val_enhanced_images, verbose=0),
}
RTOL, ATOL = 1e-4, 1e-4
