"""VGG19, as ``keras.applications.VGG19`` (same layer names and weight order)."""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                       "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """Instantiate the VGG19 architecture (Simonyan & Zisserman, 2014), as Keras.

    Same arguments as :func:`keraton.applications.vgg16.VGG16`; VGG19 has four convolutions
    (instead of three) in blocks 3 to 5.

    Example:
        >>> model = VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """
    imagenet_utils.validate_weights(weights, include_top, classes, "VGG19")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name="VGG19")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate([(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)], start=1):
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
    if include_top:
        return imagenet_utils.load_weights(model, weights, "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                                           WEIGHTS_PATH, "cbe5617147190e668d6c5d5026f83318")
    return imagenet_utils.load_weights(model, weights, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                       WEIGHTS_PATH_NO_TOP, "253f8cb515780f3b799900260a226db6")


def preprocess_input(x, data_format=None):
    """VGG19's preprocessing, as Keras: RGB to BGR and ImageNet mean subtraction ("caffe" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.vgg19.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
