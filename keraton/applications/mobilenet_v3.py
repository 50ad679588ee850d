"""MobileNetV3Small and MobileNetV3Large, as ``keras.applications`` (same layer names and weights).

As in Keras, the models rescale their inputs themselves (``include_preprocessing=True``: a
``Rescaling`` layer mapping [0, 255] to [-1, 1]), so ``preprocess_input`` is the identity.
"""

import warnings

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
# model name -> (md5 of the file with top, md5 of the "_no_top_v2" file), as in Keras.
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# Inverted residual blocks: (expansion, filters, kernel, stride, squeeze-excite, activation), where
# kernel/se/activation "block" means the variant's choice (5 / 0.25 / hard swish, or 3 / none /
# relu when minimalistic), as in Keras's stack_fn of each model.
_SMALL = [(1, 16, 3, 2, "block", "relu"), (72.0 / 16, 24, 3, 2, None, "relu"),
          (88.0 / 24, 24, 3, 1, None, "relu"), (4, 40, "block", 2, "block", "block"),
          (6, 40, "block", 1, "block", "block"), (6, 40, "block", 1, "block", "block"),
          (3, 48, "block", 1, "block", "block"), (3, 48, "block", 1, "block", "block"),
          (6, 96, "block", 2, "block", "block"), (6, 96, "block", 1, "block", "block"),
          (6, 96, "block", 1, "block", "block")]
_LARGE = [(1, 16, 3, 1, None, "relu"), (4, 24, 3, 2, None, "relu"), (3, 24, 3, 1, None, "relu"),
          (3, 40, "block", 2, "block", "relu"), (3, 40, "block", 1, "block", "relu"),
          (3, 40, "block", 1, "block", "relu"), (6, 80, 3, 2, None, "block"),
          (2.5, 80, 3, 1, None, "block"), (2.3, 80, 3, 1, None, "block"),
          (2.3, 80, 3, 1, None, "block"), (6, 112, 3, 1, "block", "block"),
          (6, 112, 3, 1, "block", "block"), (6, 160, "block", 2, "block", "block"),
          (6, 160, "block", 1, "block", "block"), (6, 160, "block", 1, "block", "block")]

_ARGS_DOC = """
    Args: Keras's ``input_shape`` (at least 32x32; defaults to ``(None, None, 3)``),
    ``alpha`` (width multiplier; ImageNet weights exist for 0.75 and 1.0, or 1.0 when
    minimalistic), ``minimalistic`` (3x3 kernels, ReLU and no squeeze-excite), ``include_top``,
    ``weights``, ``input_tensor``, ``classes``, ``pooling``, ``dropout_rate``,
    ``classifier_activation``, ``include_preprocessing`` (a ``Rescaling`` from [0, 255] to
    [-1, 1] first), ``name``.
"""


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Small"):
    return MobileNetV3(_SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Large"):
    return MobileNetV3(_LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


MobileNetV3Small.__doc__ = f"""Instantiate MobileNetV3Small (Howard et al., 2019), as ``keras.applications``.
{_ARGS_DOC}
    Example:
        >>> model = MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 576)
"""
MobileNetV3Large.__doc__ = f"""Instantiate MobileNetV3Large (Howard et al., 2019), as ``keras.applications``.
{_ARGS_DOC}
    Example:
        >>> model = MobileNetV3Large(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 960)
"""


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True, name=None):
    """The shared body of ``MobileNetV3Small``/``MobileNetV3Large``, as Keras's ``MobileNetV3``."""
    label = "MobileNetV3" + model_type.capitalize()
    imagenet_utils.validate_weights(weights, include_top, classes, label)
    channels_first = backend.image_data_format() == "channels_first"
    if input_tensor is not None:
        if not backend.is_keras_tensor(input_tensor):
            if input_shape is not None:
                raise ValueError(f"{label}: input_tensor specified: {input_tensor!r} is not a keras "
                                 "tensor. Pass a symbolic tensor (e.g. keraton.Input(...)).")
        elif input_shape is not None:
            # As Keras: only input_shape[1] is checked against the tensor.
            if channels_first and input_tensor.shape[1] != input_shape[1]:
                raise ValueError("When backend.image_data_format()=channels_first, input_shape[1] "
                                 f"must equal input_tensor.shape[1]. Received input_shape={input_shape}, "
                                 f"input_tensor.shape={input_tensor.shape}")
            if not channels_first and input_tensor.shape[2] != input_shape[1]:
                raise ValueError("input_shape[1] must equal input_tensor.shape[2]. Received "
                                 f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}")
        else:
            # As Keras (rows and cols swapped, which only matters for non-square tensors).
            if channels_first:
                rows, cols = input_tensor.shape[2], input_tensor.shape[3]
                input_shape = (3, cols, rows)
            else:
                rows, cols = input_tensor.shape[1], input_tensor.shape[2]
                input_shape = (cols, rows, 3)
    if input_shape is None and input_tensor is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    rows, cols = (input_shape[1], input_shape[2]) if channels_first else (input_shape[0], input_shape[1])
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"{label}: input size must be at least 32x32; Received input_shape={input_shape}")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError(f"{label}: if imagenet weights are being loaded, alpha can be one of 0.75, "
                             f"1.0 for non minimalistic or 1.0 for minimalistic only. Received alpha={alpha}")
        if rows != cols or rows != 224:
            warnings.warn("MobileNetV3: input_shape is undefined or non-square, or rows is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=3)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    channel_axis = 1 if channels_first else -1
    if minimalistic:
        kernel, activation, se_ratio = 3, _relu, None
    else:
        kernel, activation, se_ratio = 5, _hard_swish, 0.25
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = activation(x)
    for block_id, (expansion, filters, block_kernel, stride, block_se, block_act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha),
                                kernel if block_kernel == "block" else block_kernel, stride,
                                se_ratio if block_se == "block" else block_se,
                                activation if block_act == "block" else _relu, block_id)
    last_conv_ch = _depth(x.shape[channel_axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling, named=True)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    file_name = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
    file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1] if weights == "imagenet" else None
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name, file_hash)


def _relu(x):
    return layers.ReLU()(x)


def _hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def _hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _depth(v, divisor=8, min_value=None):
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[channel_axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def preprocess_input(x, data_format=None):
    """The identity, as ``keras.applications.mobilenet_v3.preprocess_input``.

    The models rescale inputs themselves (``include_preprocessing=True``); this stub is kept for
    API compatibility, taking the pixel values in [0, 255] unchanged.
    """
    return x


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.mobilenet_v3.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
