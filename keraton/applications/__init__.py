"""Pretrained image classifiers with Keras's names, as ``keras.applications``.

Each family lives in its own module (``vgg16``, ``resnet50``, ``mobilenet_v2`` ...) with its
``preprocess_input`` and ``decode_predictions``; the constructors are also exported here.

Example:
    >>> model = keraton.applications.ResNet50(weights=None, input_shape=(32, 32, 3), include_top=False)
"""

from keraton.applications import (
    densenet,
    efficientnet,
    imagenet_utils,
    inception_v3,
    mobilenet_v2,
    resnet,
    vgg16,
    xception,
)
from keraton.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from keraton.applications.efficientnet import EfficientNetB0
from keraton.applications.inception_v3 import InceptionV3
from keraton.applications.mobilenet_v2 import MobileNetV2
from keraton.applications.resnet import ResNet50
from keraton.applications.vgg16 import VGG16
from keraton.applications.xception import Xception

resnet50 = resnet

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "InceptionV3", "MobileNetV2",
           "ResNet50", "VGG16", "Xception", "densenet", "efficientnet", "imagenet_utils", "inception_v3",
           "mobilenet_v2", "resnet", "resnet50", "vgg16", "xception"]
