"""ResNet50, ResNet101 and ResNet152, as ``keras.applications.resnet`` (same layer names and weight
order); ``ResNet`` is Keras's builder shared with :mod:`keraton.applications.resnet_v2`."""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """One bottleneck block of ResNet v1 (1x1, kxk, 1x1 convolutions plus shortcut), as Keras."""
    bn_axis = _bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """A stack of ``blocks`` v1 residual blocks, the first one strided, as Keras."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet(stack_fn, preact, use_bias, include_top=True, weights="imagenet", input_tensor=None,
           input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", name="resnet",
           weights_name=None, display_name="ResNet"):
    """Keras's ResNet/ResNetV2 builder: 7x7 stem, ``stack_fn`` residual stacks, head or pooling.

    Args:
        stack_fn: function mapping the stem's output to the last residual stack's output.
        preact: ``True`` for ResNetV2 (no BN/ReLU after the stem; ``post_bn``/``post_relu``
            after the stacks), ``False`` for ResNet v1.
        use_bias: whether the stem convolution has a bias (``True`` for both ResNet versions).
        weights_name: key of :data:`WEIGHTS_HASHES` naming the published ``"imagenet"`` file.
        display_name: the name used in error messages (``"ResNet101"`` ...).
        The other arguments are those of every Keras application.
    """
    imagenet_utils.validate_weights(weights, include_top, classes, display_name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=display_name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    bn_axis = _bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = imagenet_utils.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                                      named_pool=True)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        # Keras silently skips loading here; no built-in model takes this path.
        return model
    suffix = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1] if weights_name else None
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name, file_hash)


def _resnet_v1(blocks, name, weights_name, display_name, **kwargs):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, blocks[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")

    return ResNet(stack_fn, preact=False, use_bias=True, name=name, weights_name=weights_name,
                  display_name=display_name, **kwargs)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet101"):
    """Instantiate ResNet101 (He et al., 2015), as ``keras.applications.ResNet101``.

    Blocks (3, 4, 23, 3) of :func:`residual_block_v1`; arguments as :func:`ResNet50`. Use
    :func:`preprocess_input` ("caffe" mode).

    Example:
        >>> model = ResNet101(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
        >>> model.output_shape
        (None, 2048)
    """
    return _resnet_v1((3, 4, 23, 3), name, "resnet101", "ResNet101", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet152"):
    """Instantiate ResNet152 (He et al., 2015), as ``keras.applications.ResNet152``.

    Blocks (3, 8, 36, 3) of :func:`residual_block_v1`; arguments as :func:`ResNet50`. Use
    :func:`preprocess_input` ("caffe" mode).

    Example:
        >>> model = ResNet152(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
        >>> model.output_shape
        (None, 2048)
    """
    return _resnet_v1((3, 8, 36, 3), name, "resnet152", "ResNet152", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """Instantiate ResNet50 (He et al., 2015), as ``keras.applications.ResNet50``.

    Args are those of every Keras application: ``include_top``, ``weights`` (``None``,
    ``"imagenet"`` or a file path), ``input_tensor``, ``input_shape`` (at least 32x32),
    ``pooling`` (``None``/``"avg"``/``"max"``), ``classes``, ``classifier_activation``, ``name``.

    Example:
        >>> model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 2048)
    """
    return _resnet_v1((3, 4, 6, 3), name, "resnet50", "ResNet50", include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation)


def preprocess_input(x, data_format=None):
    """ResNet50's preprocessing, as Keras: "caffe" mode (BGR, ImageNet mean subtraction)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.resnet50.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
