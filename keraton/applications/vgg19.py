"""VGG19, as ``keras.applications.VGG19`` (same layer names and weight order)."""

from keraton.applications import imagenet_utils
from keraton.applications.vgg16 import build_vgg

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
    weights_files = ((WEIGHTS_PATH, "cbe5617147190e668d6c5d5026f83318"),
                     (WEIGHTS_PATH_NO_TOP, "253f8cb515780f3b799900260a226db6"))
    return build_vgg((2, 2, 4, 4, 4), "VGG19", weights_files, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """VGG19's preprocessing, as Keras: RGB to BGR and ImageNet mean subtraction ("caffe" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.vgg19.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
