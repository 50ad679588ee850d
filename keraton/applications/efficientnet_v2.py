"""EfficientNetV2 B0-B3/S/M/L, as ``keras.applications.EfficientNetV2B0``... (Tan & Le, 2021).

Same layer names and weight order as Keras 3. The network rescales its own input (``Rescaling``,
plus ImageNet ``Normalization`` for the B variants), so ``preprocess_input`` is the identity, as in
Keras: inputs are pixels in [0, 255] (or [-1, 1] with ``include_preprocessing=False``).
"""

import copy
import math

from keraton import backend, initializers, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_BLOCK_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio",
               "strides", "conv_type")
# Rows of (kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides,
# conv_type) per stage; conv_type 1 is a fused MBConv, 0 a depthwise MBConv.
_B_STAGES = [(3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
             (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0)]
_STAGES = {
    "efficientnetv2-s": [(3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
                         (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
                         (3, 15, 160, 256, 6, 0.25, 2, 0)],
    "efficientnetv2-m": [(3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                         (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                         (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)],
    "efficientnetv2-l": [(3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                         (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                         (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)],
    **{f"efficientnetv2-b{i}": _B_STAGES for i in range(4)},
}
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_BLOCK_KEYS, row)) for row in rows] for name, rows in _STAGES.items()}
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
# (width_coefficient, depth_coefficient, default_size, default model name, weights_name), as Keras.
VARIANTS = {
    "EfficientNetV2B0": (1.0, 1.0, 224, "efficientnetv2-b0", "b0"),
    "EfficientNetV2B1": (1.0, 1.1, 240, "efficientnetv2-b1", "b1"),
    "EfficientNetV2B2": (1.1, 1.2, 260, "efficientnetv2-b2", "b2"),
    "EfficientNetV2B3": (1.2, 1.4, 300, "efficientnetv2-b3", "b3"),
    "EfficientNetV2S": (1.0, 1.0, 384, "efficientnetv2-s", "-s"),
    "EfficientNetV2M": (1.0, 1.0, 480, "efficientnetv2-m", "-m"),
    "EfficientNetV2L": (1.0, 1.0, 480, "efficientnetv2-l", "-l"),
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """Scale ``filters`` by the width coefficient and round to a multiple of ``depth_divisor``, as Keras."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    """Scale a stage's block count by the depth coefficient (rounded up), as Keras."""
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x, filters, filters_se, activation, bn_axis, name):
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((filters, 1, 1) if bn_axis == 1 else (1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _conv_bn_act(x, filters, kernel_size, strides, bn_momentum, bn_axis, activation, conv_name, bn_name,
                 act_name):
    x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      padding="same", data_format=backend.image_data_format(), use_bias=False, name=conv_name)(x)
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=bn_name)(x)
    return x if act_name is None else layers.Activation(activation, name=act_name)(x)


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            # Keras passes the survival probability as the drop rate; kept so weights/configs match.
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Return ``apply(x)`` adding an inverted-residual block (1x1 expand, depthwise, SE, 1x1 project), as Keras."""
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    if name is None:
        name = backend.get_uid("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv_bn_act(x, filters, 1, 1, bn_momentum, bn_axis, activation, f"{name}expand_conv",
                             f"{name}expand_bn", f"{name}expand_activation")
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                                   data_format=backend.image_data_format(), use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation, bn_axis, name)
        x = _conv_bn_act(x, output_filters, 1, 1, bn_momentum, bn_axis, activation, f"{name}project_conv",
                         f"{name}project_bn", None)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                     bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Return ``apply(x)`` adding a fused MBConv block (one full conv in place of 1x1 + depthwise), as Keras."""
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    if name is None:
        name = backend.get_uid("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv_bn_act(x, filters, kernel_size, strides, bn_momentum, bn_axis, activation,
                             f"{name}expand_conv", f"{name}expand_bn", f"{name}expand_activation")
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation, bn_axis, name)
        expanded = expand_ratio != 1
        x = layers.Conv2D(output_filters, kernel_size=1 if expanded else kernel_size,
                          strides=1 if expanded else strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}project_bn")(x)
        if not expanded:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None):
    """Build an EfficientNetV2 scaled by width/depth coefficients, as Keras's ``efficientnet_v2.EfficientNetV2``."""
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"{name}: blocks_args='default' needs a model name among "
                             f"{sorted(DEFAULT_BLOCKS_ARGS)}; got name={name!r}. Pass blocks_args explicitly.")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    imagenet_utils.validate_weights(weights, include_top, classes, name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    x = img_input
    if include_preprocessing:
        # The B variants were trained on ImageNet-normalised inputs, the others on [-1, 1].
        if name.split("-")[-1].startswith("b") and input_shape[bn_axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def scaled(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = layers.Conv2D(filters=scaled(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    # As Keras, the drop-rate schedule counts the unscaled repeats.
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(f"{name}: each block's num_repeat must be > 0; Received: "
                             f"num_repeat={args['num_repeat']}")
        args["input_filters"] = scaled(args["input_filters"])
        args["output_filters"] = scaled(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1
    x = _conv_bn_act(x, scaled(1280), 1, 1, bn_momentum, bn_axis, activation, "top_conv", "top_bn",
                     "top_activation")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    hashes = WEIGHTS_HASHES.get(weights_name, (None, None))
    file_name = name + (".h5" if include_top else "_notop.h5")
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                       hashes[0] if include_top else hashes[1])


def _variant(class_name):
    """Make the ``EfficientNetV2<X>`` constructor with Keras's coefficients, name and weights."""
    width, depth, size, default_name, weights_name = VARIANTS[class_name]

    def constructor(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True, name=default_name):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
                              include_top=include_top, weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=weights_name)

    constructor.__name__ = constructor.__qualname__ = class_name
    constructor.__doc__ = (
        f"Instantiate {class_name}, as ``keras.applications.{class_name}`` (inputs in [0, 255]; default input "
        f"size {size}, width x{width}, depth x{depth}).\n\n"
        "    Example:\n"
        f"        >>> model = {class_name}(weights=None, include_top=False, input_shape=(32, 32, 3))\n")
    return constructor


EfficientNetV2B0 = _variant("EfficientNetV2B0")
EfficientNetV2B1 = _variant("EfficientNetV2B1")
EfficientNetV2B2 = _variant("EfficientNetV2B2")
EfficientNetV2B3 = _variant("EfficientNetV2B3")
EfficientNetV2S = _variant("EfficientNetV2S")
EfficientNetV2M = _variant("EfficientNetV2M")
EfficientNetV2L = _variant("EfficientNetV2L")


def preprocess_input(x, data_format=None):
    """A placeholder returning ``x`` unchanged, as Keras: EfficientNetV2 rescales inside the model."""
    return x


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.efficientnet_v2.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
