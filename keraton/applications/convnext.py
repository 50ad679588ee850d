"""ConvNeXt Tiny/Small/Base/Large/XLarge, as ``keras.applications.ConvNeXtTiny``... (Liu et al., 2022).

Same layer names, nested ``Sequential`` stem/downsampling blocks and weight order as Keras 3, so
Keras's published ``.h5`` files and ``get_weights`` lists load unchanged. The network normalises its
own input (a ``Normalization`` "prestem" layer), so ``preprocess_input`` is the identity, as in Keras.
"""

import numpy as np
import torch

from keraton import backend, initializers, layers
from keraton.applications import imagenet_utils
from keraton.layers.layer import Layer
from keraton.models import Model, Sequential

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


class StochasticDepth(Layer):
    """Drop whole residual branches per sample in training (scaling the kept ones), as Keras's ConvNeXt.

    Inference returns the input unchanged. Args: ``drop_path_rate`` in [0, 1].

    Example:
        >>> StochasticDepth(0.1)(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """

    _keras_module = "keras.src.applications.convnext"  # the module Keras writes in configs

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        """Zero each sample's branch with probability ``drop_path_rate`` when training."""
        if not training:
            return x
        keep_prob = 1 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (x.dim() - 1)
        random_tensor = torch.floor(keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device))
        return (x / keep_prob) * random_tensor

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self):
        """Keras's config: ``drop_path_rate``."""
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiply the last axis by a learned ``gamma`` started at ``init_values`` (CaiT), as Keras's ConvNeXt.

    Example:
        >>> LayerScale(1e-6, 4)(torch.ones(2, 4)).shape
        torch.Size([2, 4])
    """

    _keras_module = "keras.src.applications.convnext"  # the module Keras writes in configs

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        """Create ``gamma`` of shape ``(projection_dim,)``."""
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)
        self.built = True

    def call(self, x):
        """Return ``x * gamma``."""
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self):
        """Keras's config: ``init_values`` and ``projection_dim``."""
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """Return ``apply(x)`` adding one ConvNeXt block (7x7 depthwise conv, LayerNorm, MLP) to ``x``, as Keras."""
    if name is None:
        name = f"prestem{backend.get_uid('prestem')}"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            branch = layers.Activation("linear", name=f"{name}_identity")
        return inputs + branch(x)

    return apply


def PreStem(name=None):
    """Return ``apply(x)`` normalising [0, 255] pixels with ImageNet's mean/std, as Keras's ConvNeXt."""
    if name is None:
        name = f"prestem{backend.get_uid('prestem')}"

    def apply(x):
        return layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)

    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """Return ``apply(x)`` adding the classifier (pooling, LayerNorm, Dense), as Keras's ConvNeXt."""
    if name is None:
        name = str(backend.get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """Build a ConvNeXt with the given stage depths and widths, as Keras's ``convnext.ConvNeXt``."""
    if backend.image_data_format() == "channels_first":
        raise ValueError(f"{name}: ConvNeXt supports only the 'channels_last' image data format; got "
                         "'channels_first'. Call keraton.backend.set_image_data_format('channels_last').")
    imagenet_utils.validate_weights(weights, include_top, classes, name)
    if weights == "imagenet":
        # Checked before building (Keras checks after): same errors, no wasted build.
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if list(depths) != expected["depths"] or list(projection_dims) != expected["projection_dims"]:
            raise ValueError(
                f"{name}: the architecture does not match the {weights_name} pre-trained weights. Expected "
                f"depths={expected['depths']} and projection_dims={expected['projection_dims']}, got "
                f"depths={depths} and projection_dims={projection_dims}; pass weights=None to train from scratch.")
        if weights_name not in name:
            raise ValueError(
                f'Model name "{name}" does not match weights variant "{weights_name}": with '
                f'weights="imagenet" the name must contain "{weights_name}" (or pass weights=None).')
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    downsample_layers = [stem] + [
        Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}")
        for i in range(3)
    ]
    # Linearly growing stochastic-depth rates over all blocks, as the reference implementation.
    depth_drop_rates = [float(rate) for rate in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    file_name = name + (".h5" if include_top else "_notop.h5")
    hashes = WEIGHTS_HASHES.get(weights_name, (None, None))
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                       hashes[0] if include_top else hashes[1])


def _variant(size, class_name):
    """Make the ``ConvNeXt<Size>`` constructor with Keras's stage config, name and weights."""
    config = MODEL_CONFIGS[size]

    def constructor(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name=f"convnext_{size}"):
        return ConvNeXt(weights_name=f"convnext_{size}", depths=config["depths"],
                        projection_dims=config["projection_dims"], drop_path_rate=0.0, layer_scale_init_value=1e-6,
                        default_size=config["default_size"], name=name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)

    constructor.__name__ = constructor.__qualname__ = class_name
    constructor.__doc__ = (
        f"Instantiate {class_name}, as ``keras.applications.{class_name}`` (inputs in [0, 255]; stage depths "
        f"{config['depths']}, widths {config['projection_dims']}).\n\n"
        "    Example:\n"
        f"        >>> model = {class_name}(weights=None, include_top=False, input_shape=(32, 32, 3))\n")
    return constructor


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x, data_format=None):
    """A placeholder returning ``x`` unchanged, as Keras: ConvNeXt normalises inside the model."""
    return x


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as ``keras.applications.convnext.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
