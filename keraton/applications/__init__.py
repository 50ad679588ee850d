"""Pretrained image classifiers with Keras's names, as ``keras.applications``.

Each family lives in its own module (``vgg16``, ``resnet50``, ``mobilenet_v2`` ...) with its
``preprocess_input`` and ``decode_predictions``; the constructors are also exported here.

Example:
    >>> model = keraton.applications.ResNet50(weights=None, input_shape=(32, 32, 3), include_top=False)
"""

from keraton.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    regnet,
    resnet,
    resnet50,
    resnet_rs,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from keraton.applications.convnext import (
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
)
from keraton.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from keraton.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from keraton.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from keraton.applications.inception_resnet_v2 import InceptionResNetV2
from keraton.applications.inception_v3 import InceptionV3
from keraton.applications.mobilenet import MobileNet
from keraton.applications.mobilenet_v2 import MobileNetV2
from keraton.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from keraton.applications.nasnet import NASNetLarge, NASNetMobile
from keraton.applications.regnet import (
    RegNetX002,
    RegNetX004,
    RegNetX006,
    RegNetX008,
    RegNetX016,
    RegNetX032,
    RegNetX040,
    RegNetX064,
    RegNetX080,
    RegNetX120,
    RegNetX160,
    RegNetX320,
    RegNetY002,
    RegNetY004,
    RegNetY006,
    RegNetY008,
    RegNetY016,
    RegNetY032,
    RegNetY040,
    RegNetY064,
    RegNetY080,
    RegNetY120,
    RegNetY160,
    RegNetY320,
)
from keraton.applications.resnet import ResNet50, ResNet101, ResNet152
from keraton.applications.resnet_rs import (
    ResNetRS50,
    ResNetRS101,
    ResNetRS152,
    ResNetRS200,
    ResNetRS270,
    ResNetRS350,
    ResNetRS420,
)
from keraton.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from keraton.applications.vgg16 import VGG16
from keraton.applications.vgg19 import VGG19
from keraton.applications.xception import Xception

__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
           "DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
           "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0", "EfficientNetV2B1",
           "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L", "EfficientNetV2M",
           "EfficientNetV2S", "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2",
           "MobileNetV3Large", "MobileNetV3Small", "NASNetLarge", "NASNetMobile", "ResNet101",
           "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50", "ResNet50V2", "VGG16",
           "VGG19", "Xception", "convnext", "densenet", "efficientnet", "efficientnet_v2",
           "imagenet_utils", "inception_resnet_v2", "inception_v3", "mobilenet",
           "mobilenet_v2", "mobilenet_v3", "nasnet", "resnet", "resnet50", "resnet_v2",
           "vgg16", "vgg19", "xception",
           # tf.keras 2's (Keras 3 dropped them)
           "RegNetX002", "RegNetX004", "RegNetX006", "RegNetX008", "RegNetX016", "RegNetX032",
           "RegNetX040", "RegNetX064", "RegNetX080", "RegNetX120", "RegNetX160", "RegNetX320",
           "RegNetY002", "RegNetY004", "RegNetY006", "RegNetY008", "RegNetY016", "RegNetY032",
           "RegNetY040", "RegNetY064", "RegNetY080", "RegNetY120", "RegNetY160", "RegNetY320",
           "ResNetRS50", "ResNetRS101", "ResNetRS152", "ResNetRS200", "ResNetRS270", "ResNetRS350",
           "ResNetRS420", "regnet", "resnet_rs"]
