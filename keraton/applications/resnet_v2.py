"""ResNet50V2, ResNet101V2 and ResNet152V2, as ``keras.applications.resnet_v2``.

Pre-activation residual blocks (He et al., 2016, "Identity Mappings in Deep Residual Networks")
with Keras's layer names and weight order, built by :func:`keraton.applications.resnet.ResNet`.
"""

from keraton import layers
from keraton.applications import imagenet_utils
from keraton.applications.resnet import ResNet, _bn_axis


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """One pre-activation bottleneck block of ResNetV2, as Keras.

    BN and ReLU come first (``{name}_preact_bn``/``_preact_relu``); the stride is on the 3x3
    convolution, and an identity shortcut is subsampled by a 1x1 ``MaxPooling2D`` when strided.
    """
    bn_axis = _bn_axis()
    preact = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """A stack of ``blocks`` v2 blocks, as Keras: convolutional shortcut first, stride on the last."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _resnet_v2(blocks, name, weights_name, display_name, **kwargs):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")

    return ResNet(stack_fn, preact=True, use_bias=True, name=name, weights_name=weights_name,
                  display_name=display_name, **kwargs)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """Instantiate ResNet50V2, as ``keras.applications.ResNet50V2`` (blocks 3, 4, 6, 3).

    Args are those of every Keras application (see :func:`keraton.applications.resnet.ResNet50`).
    Inputs are expected in [-1, 1]: use :func:`preprocess_input` ("tf" mode).

    Example:
        >>> model = ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 2048)
    """
    return _resnet_v2((3, 4, 6, 3), name, "resnet50v2", "ResNet50V2", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """Instantiate ResNet101V2, as ``keras.applications.ResNet101V2`` (blocks 3, 4, 23, 3).

    Arguments and preprocessing as :func:`ResNet50V2`.
    """
    return _resnet_v2((3, 4, 23, 3), name, "resnet101v2", "ResNet101V2", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """Instantiate ResNet152V2, as ``keras.applications.ResNet152V2`` (blocks 3, 8, 36, 3).

    Arguments and preprocessing as :func:`ResNet50V2`.
    """
    return _resnet_v2((3, 8, 36, 3), name, "resnet152v2", "ResNet152V2", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def preprocess_input(x, data_format=None):
    """ResNetV2's preprocessing, as Keras: "tf" mode (pixels scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.resnet_v2.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
