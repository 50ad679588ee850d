"""VGG16, as ``keras.applications.VGG16`` (same layer names and weight order)."""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
                "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
                       "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """Instantiate the VGG16 architecture (Simonyan & Zisserman, 2014), as Keras.

    Args:
        include_top: whether to include the 3 fully-connected layers at the top.
        weights: ``None``, ``"imagenet"`` (Keras's published weights) or a path to a weights file.
        input_tensor: optional symbolic tensor to use as image input.
        input_shape: optional shape tuple; 224x224x3 with the top, at least 32x32 without.
        pooling: ``None``, ``"avg"`` or ``"max"`` global pooling when ``include_top=False``.
        classes: number of classes, only with ``include_top=True`` and no ``weights``.
        classifier_activation: activation of the ``predictions`` layer (``None`` gives logits).
        name: the model's name.

    Example:
        >>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """
    weights_files = ((WEIGHTS_PATH, "64373286793e3c8b2b4e3219cbf3544b"),
                     (WEIGHTS_PATH_NO_TOP, "6d6bbae143d832006294945121d1f1fc"))
    return build_vgg((2, 2, 3, 3, 3), "VGG16", weights_files, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)


def build_vgg(convs_per_block, display_name, weights_files, include_top, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name):
    """Keras's VGG: five blocks of 3x3 convolutions (``convs_per_block``) and max pooling, the
    fully-connected top or a pooling, then Keras's published weights when asked
    (``weights_files``: ``(url, md5)`` with the top, then without)."""
    imagenet_utils.validate_weights(weights, include_top, classes, display_name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=display_name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    url, file_hash = weights_files[0 if include_top else 1]
    return imagenet_utils.load_weights(model, weights, url.rsplit("/", 1)[1], url, file_hash)


def preprocess_input(x, data_format=None):
    """VGG16's preprocessing, as Keras: RGB to BGR and ImageNet mean subtraction ("caffe" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.vgg16.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
