"""InceptionResNetV2, as ``keras.applications.InceptionResNetV2`` (Szegedy et al., 2016).

Same layer names (auto-named convolutions included), weight order and residual-scaling layer
(``CustomScaleLayer``) as Keras 3, so Keras's published ``.h5`` files load unchanged.
"""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.layers.layer import Layer
from keraton.models import Model

BASE_WEIGHT_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
WEIGHTS_FILE = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASH = "e693bd0210a403b3192acc6073ad2e96"
WEIGHTS_HASH_NO_TOP = "d19885ff4a710c122648d3b5c3b684e4"


def _channel_axis():
    return 1 if backend.image_data_format() == "channels_first" else 3


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", name="inception_resnet_v2"):
    """Instantiate InceptionResNetV2, as ``keras.applications.InceptionResNetV2``.

    Inputs are expected in [-1, 1] (see ``preprocess_input``); default size 299, minimum 75.

    Example:
        >>> model = InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
        >>> model.output_shape
        (None, 1, 1, 1536)
    """
    imagenet_utils.validate_weights(weights, include_top, classes, name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    axis = _channel_axis()
    # Stem.
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    # Mixed 5b (Inception-A).
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    # Mixed 6a (Reduction-A).
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    # Mixed 7a (Reduction-B).
    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    file_name, file_hash = (WEIGHTS_FILE, WEIGHTS_HASH) if include_top else (WEIGHTS_FILE_NO_TOP, WEIGHTS_HASH_NO_TOP)
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHT_URL + file_name, file_hash)


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None):
    """Conv2D, then (without bias) BatchNormalization without scale, then ``activation``, as Keras's helper."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


class CustomScaleLayer(Layer):
    """Return ``inputs[0] + inputs[1] * scale`` (the scaled residual sum), as Keras's InceptionResNetV2.

    Example:
        >>> import torch
        >>> CustomScaleLayer(0.5)([torch.ones(1, 2), torch.ones(1, 2)])
        tensor([[1.5000, 1.5000]])
    """

    _keras_module = "keras.src.applications.inception_resnet_v2"  # the module Keras writes in configs

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        """Add the scaled residual branch to the shortcut."""
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        """The shortcut's shape."""
        return input_shape[0]

    def get_config(self):
        """Keras's config: ``scale``."""
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


_BRANCHES = {
    # block type -> branches, each a list of (filters, kernel_size) convolutions applied in turn.
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """Add one Inception-ResNet block (``"block35"``, ``"block17"`` or ``"block8"``), as Keras."""
    if block_type not in _BRANCHES:
        raise ValueError('Unknown Inception-ResNet block type: expected "block35", "block17" or "block8", '
                         f"got {block_type!r}.")
    branches = []
    for convs in _BRANCHES[block_type]:
        branch = x
        for filters, kernel_size in convs:
            branch = conv2d_bn(branch, filters, kernel_size)
        branches.append(branch)
    block_name = f"{block_type}_{block_idx}"
    axis = _channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True, name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def preprocess_input(x, data_format=None):
    """InceptionResNetV2's preprocessing, as Keras: "tf" mode (scale pixels to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.inception_resnet_v2.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
