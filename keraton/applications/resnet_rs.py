"""ResNetRS50 ... ResNetRS420, as tf.keras 2's ``keras.applications.resnet_rs``.

Keras 3 dropped these models; this module rebuilds TensorFlow 2.15's versions with the same layer
names (auto-named ``rescaling``, ``normalization``, ``zero_padding2d_<n>`` and ``add_<n>`` layers
included), layer order and weight order, so tf.keras 2 weight files and ``get_weights`` lists
load unchanged. The model rescales its input itself (``Rescaling(1/255)`` then ImageNet mean/std
``Normalization``, unless ``include_preprocessing=False``, when it expects inputs in [-1, 1]), so
``preprocess_input`` is the identity, as in tf.keras 2.

Kept from tf.keras 2 on purpose: the stochastic-depth ``Dropout`` of each block uses the block's
*survival* probability as its drop rate (no layer at all when it is 0, as for ResNetRS50-152).

Reference: Bello et al., "Revisiting ResNets: Improved Training and Scaling Strategies" (2021).
"""

import os

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet_rs/"
# md5 of each published file, as tf.keras 2.
WEIGHT_HASHES = {
    "resnet-rs-101-i160.h5": "544b3434d00efc199d66e9058c7f3379",
    "resnet-rs-101-i160_notop.h5": "82d5b90c5ce9d710da639d6216d0f979",
    "resnet-rs-101-i192.h5": "eb285be29ab42cf4835ff20a5e3b5d23",
    "resnet-rs-101-i192_notop.h5": "f9a0f6b85faa9c3db2b6e233c4eebb5b",
    "resnet-rs-152-i192.h5": "8d72a301ed8a6f11a47c4ced4396e338",
    "resnet-rs-152-i192_notop.h5": "5fbf7ac2155cb4d5a6180ee9e3aa8704",
    "resnet-rs-152-i224.h5": "31a46a92ab21b84193d0d71dd8c3d03b",
    "resnet-rs-152-i224_notop.h5": "dc8b2cba2005552eafa3167f00dc2133",
    "resnet-rs-152-i256.h5": "ba6271b99bdeb4e7a9b15c05964ef4ad",
    "resnet-rs-152-i256_notop.h5": "fa79794252dbe47c89130f65349d654a",
    "resnet-rs-200-i256.h5": "a76930b741884e09ce90fa7450747d5f",
    "resnet-rs-200-i256_notop.h5": "bbdb3994718dfc0d1cd45d7eff3f3d9c",
    "resnet-rs-270-i256.h5": "20d575825ba26176b03cb51012a367a8",
    "resnet-rs-270-i256_notop.h5": "2c42ecb22e35f3e23d2f70babce0a2aa",
    "resnet-rs-350-i256.h5": "f4a039dc3c421321b7fc240494574a68",
    "resnet-rs-350-i256_notop.h5": "6e44b55025bbdff8f51692a023143d66",
    "resnet-rs-350-i320.h5": "7ccb858cc738305e8ceb3c0140bee393",
    "resnet-rs-350-i320_notop.h5": "ab0c1f9079d2f85a9facbd2c88aa6079",
    "resnet-rs-420-i320.h5": "ae0eb9bed39e64fc8d7e0db4018dc7e8",
    "resnet-rs-420-i320_notop.h5": "fe6217c32be8305b1889657172b98884",
    "resnet-rs-50-i160.h5": "69d9d925319f00a8bdd4af23c04e4102",
    "resnet-rs-50-i160_notop.h5": "90daa68cd26c95aa6c5d25451e095529",
}
# The input sizes the published ImageNet weights of each depth were trained at.
DEPTH_TO_WEIGHT_VARIANTS = {50: [160], 101: [160, 192], 152: [192, 224, 256], 200: [256], 270: [256],
                            350: [256, 320], 420: [320]}
# Blocks per group (the groups' bottleneck widths are 64, 128, 256, 512).
_REPEATS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3),
            270: (4, 29, 53, 4), 350: (4, 36, 72, 4), 420: (4, 44, 87, 4)}
BLOCK_ARGS = {depth: [{"input_filters": f, "num_repeats": r} for f, r in zip((64, 128, 256, 512), repeats)]
              for depth, repeats in _REPEATS.items()}
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
# (drop_connect_rate, dropout_rate) of each variant, as tf.keras 2.
_VARIANT_RATES = {50: (0.0, 0.25), 101: (0.0, 0.25), 152: (0.0, 0.25), 200: (0.1, 0.25), 270: (0.1, 0.25),
                  350: (0.1, 0.4), 420: (0.1, 0.4)}


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def conv2d_fixed_padding(x, filters, kernel_size, strides, name):
    """A bias-free convolution whose padding does not depend on the input size, as tf.keras 2.

    Strided: an explicit (auto-named) ``ZeroPadding2D`` of ``kernel_size - 1`` then a ``"valid"``
    conv; otherwise a ``"same"`` conv.
    """
    if strides > 1:
        begin = (kernel_size - 1) // 2
        end = kernel_size - 1 - begin
        x = layers.ZeroPadding2D(padding=((begin, end), (begin, end)))(x)
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same" if strides == 1 else "valid",
                         use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER, name=name)(x)


def _bn(x, bn_momentum, bn_epsilon, name):
    return layers.BatchNormalization(axis=_bn_axis(), momentum=bn_momentum, epsilon=bn_epsilon, name=name)(x)


def stem(x, bn_momentum=0.0, bn_epsilon=1e-5, activation="relu", name=None):
    """ResNet-D stem: four 3x3 conv/BN/activation units (strides 2, 1, 1, 2) in place of 7x7 + max-pool."""
    if name is None:
        name = f"stem_{backend.get_uid('stem_')}"
    for i, (filters, strides) in enumerate(((32, 2), (32, 1), (64, 1), (64, 2)), start=1):
        x = conv2d_fixed_padding(x, filters, 3, strides, name=f"{name}_stem_conv_{i}")
        x = _bn(x, bn_momentum, bn_epsilon, f"{name}_stem_batch_norm_{i}")
        x = layers.Activation(activation, name=f"{name}_stem_act_{i}")(x)
    return x


def squeeze_excite(x, in_filters, se_ratio=0.25, expand_ratio=1, name=None):
    """Squeeze-and-excitation on a bottleneck output of ``4 * in_filters`` channels, as tf.keras 2."""
    if name is None:
        name = f"se_{backend.get_uid('se_')}"
    se = layers.GlobalAveragePooling2D(name=f"{name}_se_squeeze")(x)
    channels = se.shape[-1]
    se_shape = (channels, 1, 1) if _bn_axis() == 1 else (1, 1, channels)
    se = layers.Reshape(se_shape, name=f"{name}_se_reshape")(se)
    se = layers.Conv2D(max(1, int(in_filters * 4 * se_ratio)), 1, padding="same", activation="relu",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}_se_reduce")(se)
    se = layers.Conv2D(4 * in_filters * expand_ratio, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}_se_expand")(se)
    return layers.multiply([x, se], name=f"{name}_se_excite")


def bottleneck_block(x, filters, strides, use_projection, bn_momentum=0.0, bn_epsilon=1e-5, activation="relu",
                     se_ratio=0.25, survival_probability=0.8, name=None):
    """One ResNet-RS bottleneck (1x1, 3x3, 1x1 convs, SE, stochastic depth, shortcut), as tf.keras 2.

    The projection shortcut of a strided block average-pools before its 1x1 conv (ResNet-D).
    """
    if name is None:
        name = f"block_0_{backend.get_uid('block_0_')}"
    shortcut = x
    if use_projection:
        if strides == 2:
            shortcut = layers.AveragePooling2D(2, strides=2, padding="same", name=f"{name}_projection_pooling")(x)
            shortcut = conv2d_fixed_padding(shortcut, 4 * filters, 1, 1, name=f"{name}_projection_conv")
        else:
            shortcut = conv2d_fixed_padding(x, 4 * filters, 1, strides, name=f"{name}_projection_conv")
        shortcut = _bn(shortcut, bn_momentum, bn_epsilon, f"{name}_projection_batch_norm")
    y = conv2d_fixed_padding(x, filters, 1, 1, name=f"{name}_conv_1")
    y = _bn(y, bn_momentum, bn_epsilon, f"{name}batch_norm_1")  # tf.keras 2's name has no "_" here
    y = layers.Activation(activation, name=f"{name}_act_1")(y)
    y = conv2d_fixed_padding(y, filters, 3, strides, name=f"{name}_conv_2")
    y = _bn(y, bn_momentum, bn_epsilon, f"{name}_batch_norm_2")
    y = layers.Activation(activation, name=f"{name}_act_2")(y)
    y = conv2d_fixed_padding(y, 4 * filters, 1, 1, name=f"{name}_conv_3")
    y = _bn(y, bn_momentum, bn_epsilon, f"{name}_batch_norm_3")
    if 0 < se_ratio < 1:
        y = squeeze_excite(y, filters, se_ratio=se_ratio, name=f"{name}_se")
    if survival_probability:
        y = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation(activation, name=f"{name}_output_act")(y)


def block_group(x, filters, strides, num_repeats, se_ratio=0.25, bn_epsilon=1e-5, bn_momentum=0.0,
                activation="relu", survival_probability=0.8, name=None):
    """``num_repeats`` bottlenecks; only the first projects its shortcut and uses ``strides``."""
    if name is None:
        name = f"block_group_{backend.get_uid('block_group_')}"
    for i in range(num_repeats):
        x = bottleneck_block(x, filters, strides if i == 0 else 1, use_projection=i == 0, bn_momentum=bn_momentum,
                             bn_epsilon=bn_epsilon, activation=activation, se_ratio=se_ratio,
                             survival_probability=survival_probability, name=f"{name}_block_{i}_")
    return x


def _resolve_weights(depth, weights, include_top, classes):
    """tf.keras 2's weight argument: ``"imagenet"`` means the largest ``"imagenet-i<size>"`` variant."""
    variants = DEPTH_TO_WEIGHT_VARIANTS.get(depth)
    if variants is None:
        raise ValueError(f"ResNetRS: depth must be one of {sorted(DEPTH_TO_WEIGHT_VARIANTS)}. Received: depth={depth}")
    if weights == "imagenet":
        weights = f"imagenet-i{max(variants)}"
    allowed = [f"imagenet-i{size}" for size in variants]
    is_file = isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
    if not (weights in allowed or weights is None or is_file):
        raise ValueError("The `weights` argument should be either `None` (random initialization), `'imagenet'` "
                         "(pre-training on ImageNet, with highest available input shape), or the path to the "
                         f"weights file to be loaded. For ResNetRS{depth} the following weight variants are "
                         f"available {allowed} (default=highest). Received weights={weights}")
    if weights in allowed and include_top and classes != 1000:
        raise ValueError(f"If using `weights` as `'imagenet'` or any of {allowed} with `include_top` as true, "
                         f"`classes` should be 1000. Received classes={classes}")
    return weights, allowed


def ResNetRS(depth, input_shape=None, bn_momentum=0.0, bn_epsilon=1e-5, activation="relu", se_ratio=0.25,
             dropout_rate=0.25, drop_connect_rate=0.2, include_top=True, block_args=None, model_name="resnet-rs",
             pooling=None, weights="imagenet", input_tensor=None, classes=1000, classifier_activation="softmax",
             include_preprocessing=True):
    """Build a ResNet-RS of ``depth`` (50, 101, 152, 200, 270, 350 or 420), as tf.keras 2's ``ResNetRS``.

    Args:
        depth: selects the default ``block_args`` and the published weight variants.
        bn_momentum, bn_epsilon: of every BatchNormalization (tf.keras 2's momentum convention).
        activation: the activation after each conv/BN unit and each block.
        se_ratio: squeeze-and-excitation ratio (no SE unless ``0 < se_ratio < 1``).
        dropout_rate: of the ``top_dropout`` before the classifier (none when 0).
        drop_connect_rate: scales each group's stochastic-depth rate with the group's index.
        block_args: list of ``{"input_filters", "num_repeats"}``, one per block group.
        weights: ``None``, ``"imagenet"`` (the largest input size's weights), ``"imagenet-i<size>"``
            (see :data:`DEPTH_TO_WEIGHT_VARIANTS`) or a weight-file path.
        include_preprocessing: whether the model starts with ``Rescaling(1/255)`` and, for 3
            channels, ImageNet mean/std ``Normalization`` (inputs in [0, 255]).
        The other arguments are those of every Keras application.
    """
    weights, allowed = _resolve_weights(depth, weights, include_top, classes)
    # As tf.keras 2: the resolved "imagenet-i<size>" name skips obtain_input_shape's ImageNet checks.
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=model_name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    bn_axis = _bn_axis()
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        if input_shape[bn_axis - 1] == 3:
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=bn_axis)(x)
    x = stem(x, bn_momentum=bn_momentum, bn_epsilon=bn_epsilon, activation=activation)
    block_args = BLOCK_ARGS[depth] if block_args is None else block_args
    for i, args in enumerate(block_args):
        x = block_group(x, args["input_filters"], strides=1 if i == 0 else 2, num_repeats=args["num_repeats"],
                        se_ratio=se_ratio, bn_epsilon=bn_epsilon, bn_momentum=bn_momentum, activation=activation,
                        survival_probability=drop_connect_rate * float(i + 2) / (len(block_args) + 1),
                        name=f"BlockGroup{i + 2}_")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling, named=True)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=model_name)
    if weights not in allowed:
        return imagenet_utils.load_weights(model, weights, None, None, None)
    file_name = f"{model_name}-{weights.split('-')[-1]}" + ("" if include_top else "_notop") + ".h5"
    return imagenet_utils.load_weights(model, "imagenet", file_name, BASE_WEIGHTS_URL + file_name,
                                       WEIGHT_HASHES.get(file_name))


def _variant(depth):
    """Make the ``ResNetRS<depth>`` constructor with tf.keras 2's arguments (in its order) and rates."""
    drop_connect_rate, dropout_rate = _VARIANT_RATES[depth]

    def constructor(include_top=True, weights="imagenet", classes=1000, input_shape=None, input_tensor=None,
                    pooling=None, classifier_activation="softmax", include_preprocessing=True):
        return ResNetRS(depth, include_top=include_top, drop_connect_rate=drop_connect_rate,
                        dropout_rate=dropout_rate, weights=weights, classes=classes, input_shape=input_shape,
                        input_tensor=input_tensor, pooling=pooling, classifier_activation=classifier_activation,
                        model_name=f"resnet-rs-{depth}", include_preprocessing=include_preprocessing)

    constructor.__name__ = constructor.__qualname__ = f"ResNetRS{depth}"
    sizes = ", ".join(f"'imagenet-i{size}'" for size in DEPTH_TO_WEIGHT_VARIANTS[depth])
    constructor.__doc__ = (
        f"Instantiate ResNetRS{depth}, as tf.keras 2's ``keras.applications.ResNetRS{depth}``.\n\n"
        f"    Block groups {_REPEATS[depth]}; inputs in [0, 255] (the model rescales and normalises them\n"
        "    unless ``include_preprocessing=False``, then [-1, 1]); default input size 224. ``weights``:\n"
        f"    ``None``, ``'imagenet'`` (= the largest of {sizes}), one of those, or a file path.\n\n"
        "    Example:\n"
        f"        >>> model = ResNetRS{depth}(weights=None, include_top=False, input_shape=(32, 32, 3))\n"
        "        >>> model.output_shape\n"
        "        (None, 1, 1, 2048)\n")
    return constructor


ResNetRS50 = _variant(50)
ResNetRS101 = _variant(101)
ResNetRS152 = _variant(152)
ResNetRS200 = _variant(200)
ResNetRS270 = _variant(270)
ResNetRS350 = _variant(350)
ResNetRS420 = _variant(420)


def preprocess_input(x, data_format=None):
    """A placeholder returning ``x`` unchanged, as tf.keras 2: ResNet-RS rescales inside the model."""
    return x


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as tf.keras 2's ``keras.applications.resnet_rs.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
