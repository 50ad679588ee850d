"""MobileNet (v1), as ``keras.applications.MobileNet`` (same layer names and weight order)."""

import warnings

from keraton import backend, layers
from keraton.activations import relu6  # noqa: F401  (Keras 2.1's mobilenet.relu6)
from keraton.applications import imagenet_utils
from keraton.models import Model

# Keras 2.1 defined these in this module; old code loads MobileNet files with
# custom_objects={"relu6": mobilenet.relu6, "DepthwiseConv2D": mobilenet.DepthwiseConv2D}.
DepthwiseConv2D = layers.DepthwiseConv2D

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of depthwise blocks 1..13, as in Keras.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
           (512, 1), (512, 1), (1024, 2), (1024, 1)]
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0"}


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """Instantiate MobileNet (Howard et al., 2017), as ``keras.applications.MobileNet``.

    Args: Keras's ``input_shape`` (at least 32x32; 128/160/192/224 squares pick the matching
    ImageNet weights), ``alpha`` (width multiplier), ``depth_multiplier`` (of the depthwise
    convolutions), ``dropout`` (before the 1x1 ``conv_preds`` classifier), ``include_top``,
    ``weights``, ``input_tensor``, ``pooling``, ``classes``, ``classifier_activation``, ``name``
    (default ``mobilenet_{alpha:.2f}_{rows}``). Inputs are expected in [-1, 1]
    (``mobilenet.preprocess_input``).

    Example:
        >>> model = MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 1024)
    """
    imagenet_utils.validate_weights(weights, include_top, classes, "MobileNet")
    default_size = 224
    if input_shape is not None:
        # As Keras, only ``input_shape`` (not ``input_tensor``) picks the default size.
        rows, cols = _spatial(input_shape)
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name="MobileNet")
    rows, cols = _spatial(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("MobileNet: if imagenet weights are being loaded, depth_multiplier must "
                             f"be 1. Received depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.50, 0.75, 1.0]:
            raise ValueError("MobileNet: if imagenet weights are being loaded, alpha can be one of "
                             f"0.25, 0.50, 0.75 or 1.0 only. Received alpha={alpha}")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("MobileNet: input_shape is undefined or non-square, or rows is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                          "loaded as the default.", stacklevel=2)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride),
                                  block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    top = "" if include_top else "_no_top"
    file_name = f"mobilenet_{_ALPHA_TEXT.get(alpha, '2_5')}_{rows}_tf{top}.h5"
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHT_PATH + file_name, None)


def _spatial(shape):
    return (shape[1], shape[2]) if backend.image_data_format() == "channels_first" else (shape[0], shape[1])


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=channel_axis, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1),
                          block_id=1):
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """MobileNet's preprocessing, as Keras: "tf" mode (scale to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.mobilenet.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
