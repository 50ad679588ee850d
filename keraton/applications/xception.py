"""Xception, as ``keras.applications.Xception`` (same layer names and weight order)."""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHTS_PATH = _BASE + "xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"


def _sepconv_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _entry_block(x, block, filters, axis, relu_first=True):
    """A strided entry/exit-flow block: 1x1 strided shortcut, two separable convs, max pooling."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if relu_first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    """Instantiate Xception (Chollet, 2017), as ``keras.applications.Xception``.

    The default input is 299x299x3, the minimum 71x71. Arguments as every Keras application.

    Example:
        >>> model = Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
        >>> model.output_shape
        (None, 3, 3, 2048)
    """
    imagenet_utils.validate_weights(weights, include_top, classes, "Xception")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name="Xception")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _entry_block(x, 2, (128, 128), axis, relu_first=False)
    x = _entry_block(x, 3, (256, 256), axis)
    x = _entry_block(x, 4, (728, 728), axis)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = _sepconv_bn(x, 728, f"{prefix}_sepconv{conv}", axis)
        x = layers.add([x, residual])
    x = _entry_block(x, 13, (728, 1024), axis)
    x = _sepconv_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = imagenet_utils.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    if include_top:
        return imagenet_utils.load_weights(model, weights, "xception_weights_tf_dim_ordering_tf_kernels.h5",
                                           WEIGHTS_PATH, "0a58e3b7378bc2990ea3b43d5981f1f6")
    return imagenet_utils.load_weights(model, weights, "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                       WEIGHTS_PATH_NO_TOP, "b0042744bf5b25fce3cb969f33bebb97")


def preprocess_input(x, data_format=None):
    """Xception's preprocessing, as Keras: "tf" mode (scale to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.xception.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
