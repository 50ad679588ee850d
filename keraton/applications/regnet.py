"""RegNetX002 ... RegNetX320 and RegNetY002 ... RegNetY320, as tf.keras 2's ``keras.applications.regnet``.

Keras 3 dropped these models; this module rebuilds TensorFlow 2.15's versions with the same layer
names, layer order and weight order, so that tf.keras 2 weight files and ``get_weights`` lists load
unchanged. The model rescales its own input (a ``Rescaling(1/255)`` layer unless
``include_preprocessing=False``), so ``preprocess_input`` is the identity, as in tf.keras 2.

Quirks kept from tf.keras 2 on purpose (code written for it gets the same numbers):

* the classification head is a plain linear ``Dense``: ``classifier_activation`` is only validated
  (against pretrained weights), never applied, so the model returns logits;
* the head layers are named ``"<n>_head_gap"`` and ``"<n>head_dense"`` from a session counter
  (``"1_head_gap"``, ``"1head_dense"`` after ``clear_session()``);
* the residual sum and the squeeze-and-excite product are tf.keras 2's auto-named op layers
  (``"tf.__operators__.add"``, ``"tf.math.multiply"``, then ``_1``, ``_2`` ...), here an ``Add`` and a
  ``Multiply`` layer of those names.

References: Radosavovic et al., "Designing Network Design Spaces" (CVPR 2020).
"""

from keraton import backend, layers
from keraton.applications import imagenet_utils
from keraton.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/regnet/"
# sha256 of each variant's (top, no-top) weight file, as tf.keras 2.
WEIGHTS_HASHES = {
    "x002": ("49fb46e56cde07fdaf57bffd851461a86548f6a3a4baef234dd37290b826c0b8",
             "5445b66cd50445eb7ecab094c1e78d4d3d29375439d1a7798861c4af15ffff21"),
    "x004": ("3523c7f5ac0dbbcc2fd6d83b3570e7540f7449d3301cc22c29547302114e4088",
             "de139bf07a66c9256f2277bf5c1b6dd2d5a3a891a5f8a925a10c8a0a113fd6f3"),
    "x006": ("340216ef334a7bae30daac9f414e693c136fac9ab868704bbfcc9ce6a5ec74bb",
             "a43ec97ad62f86b2a96a783bfdc63a5a54de02eef54f26379ea05e1bf90a9505"),
    "x008": ("8f145d6a5fae6da62677bb8d26eb92d0b9dfe143ec1ebf68b24a57ae50a2763d",
             "3c7e4b0917359304dc18e644475c5c1f5e88d795542b676439c4a3acd63b7207"),
    "x016": ("31c386f4c7bfef4c021a583099aa79c1b3928057ba1b7d182f174674c5ef3510",
             "1b8e3d545d190271204a7b2165936a227d26b79bb7922bac5ee4d303091bf17a"),
    "x032": ("6c025df1409e5ea846375bc9dfa240956cca87ef57384d93fef7d6fa90ca8c7f",
             "9cd4522806c0fcca01b37874188b2bd394d7c419956d77472a4e072b01d99041"),
    "x040": ("ba128046c588a26dbd3b3a011b26cb7fa3cf8f269c184c132372cb20b6eb54c1",
             "b4ed0ca0b9a98e789e05000e830403a7ade4d8afa01c73491c44610195198afe"),
    "x064": ("0f4489c3cd3ad979bd6b0324213998bcb36dc861d178f977997ebfe53c3ba564",
             "3e706fa416a18dfda14c713423eba8041ae2509db3e0a611d5f599b5268a46c4"),
    "x080": ("76320e43272719df648db37271a247c22eb6e810fe469c37a5db7e2cb696d162",
             "7b1ce8e29ceefec10a6569640ee329dba7fbc98b5d0f6346aabade058b66cf29"),
    "x120": ("5cafc461b78897d5e4f24e68cb406d18e75f31105ef620e7682b611bb355eb3a",
             "36174ddd0299db04a42631d028abcb1cc7afec2b705e42bd28fcd325e5d596bf"),
    "x160": ("8093f57a5824b181fb734ea21ae34b1f7ee42c5298e63cf6d587c290973195d2",
             "9d1485050bdf19531ffa1ed7827c75850e0f2972118a996b91aa9264b088fd43"),
    "x320": ("91fb3e6f4e9e44b3687e80977f7f4412ee9937c0c704232664fc83e4322ea01e",
             "9db7eacc37b85c98184070e1a172e6104c00846f44bcd4e727da9e50d9692398"),
    "y002": ("1e8091c674532b1a61c04f6393a9c570113e0197f22bd1b98cc4c4fe800c6465",
             "f63221f63d625b8e201221499682587bfe29d33f50a4c4f4d53be00f66c0f12c"),
    "y004": ("752fdbad21c78911bf1dcb8c513e5a0e14697b068e5d9e73525dbaa416d18d8e",
             "45e6ba8309a17a77e67afc05228454b2e0ee6be0dae65edc0f31f1da10cc066b"),
    "y006": ("98942e07b273da500ff9699a1f88aca78dfad4375faabb0bab784bb0dace80a9",
             "b70261cba4e60013c99d130cc098d2fce629ff978a445663b6fa4f8fc099a2be"),
    "y008": ("1b099377cc9a4fb183159a6f9b24bc998e5659d25a449f40c90cbffcbcfdcae4",
             "b11f5432a216ee640fe9be6e32939defa8d08b8d136349bf3690715a98752ca1"),
    "y016": ("b7ce1f5e223f0941c960602de922bcf846288ce7a4c33b2a4f2e4ac4b480045b",
             "d7404f50205e82d793e219afb9eb2bfeb781b6b2d316a6128c6d7d7dacab7f57"),
    "y032": ("6a6a545cf3549973554c9b94f0cd40e25f229fffb1e7f7ac779a59dcbee612bd",
             "eb3ac1c45ec60f4f031c3f5180573422b1cf7bebc26c004637517372f68f8937"),
    "y040": ("98d00118b335162bbffe8f1329e54e5c8e75ee09b2a5414f97b0ddfc56e796f6",
             "b5be2a5e5f072ecdd9c0b8a437cd896df0efa1f6a1f77e41caa8719b7dfcb05d"),
    "y064": ("65c948c7a18aaecaad2d1bd4fd978987425604ba6669ef55a1faa0069a2804b7",
             "885c4b7ed7ea339daca7dafa1a62cb7d41b1068897ef90a5a3d71b4a2e2db31a"),
    "y080": ("7a2c62da2982e369a4984d3c7c3b32d6f8d3748a71cb37a31156c436c37f3e95",
             "3d119577e1e3bf8d153b895e8ea9e4ec150ff2d92abdca711b6e949c3fd7115d"),
    "y120": ("a96ab0d27d3ae35a422ee7df0d789069b3e3217a99334e0ce861a96595bc5986",
             "4a6fa387108380b730b71feea2ad80b5224b5ea9dc21dc156c93fe3c6186485c"),
    "y160": ("45067240ffbc7ca2591313fee2f80dbdda6d66ec1a7451446f9a6d00d8f7ac6e",
             "ead1e6b568be8f34447ec8941299a9df4368736ba9a8205de5427fa20a1fb316"),
    "y320": ("b05e173e4ae635cfa22d06392ee3741284d17dadfee68f2aa6fd8cb2b7561112",
             "cad78f74a586e24c61d38be17f3ae53bb9674380174d2585da1a526b8c20e1fd"),
}
# (depths, widths, group_width) of the four stages of each variant, as tf.keras 2; the block type
# is the variant's first letter and every variant's default input size is 224.
MODEL_CONFIGS = {
    "x002": ((1, 1, 4, 7), (24, 56, 152, 368), 8),
    "x004": ((1, 2, 7, 12), (32, 64, 160, 384), 16),
    "x006": ((1, 3, 5, 7), (48, 96, 240, 528), 24),
    "x008": ((1, 3, 7, 5), (64, 128, 288, 672), 16),
    "x016": ((2, 4, 10, 2), (72, 168, 408, 912), 24),
    "x032": ((2, 6, 15, 2), (96, 192, 432, 1008), 48),
    "x040": ((2, 5, 14, 2), (80, 240, 560, 1360), 40),
    "x064": ((2, 4, 10, 1), (168, 392, 784, 1624), 56),
    "x080": ((2, 5, 15, 1), (80, 240, 720, 1920), 120),
    "x120": ((2, 5, 11, 1), (224, 448, 896, 2240), 112),
    "x160": ((2, 6, 13, 1), (256, 512, 896, 2048), 128),
    "x320": ((2, 7, 13, 1), (336, 672, 1344, 2520), 168),
    "y002": ((1, 1, 4, 7), (24, 56, 152, 368), 8),
    "y004": ((1, 3, 6, 6), (48, 104, 208, 440), 8),
    "y006": ((1, 3, 7, 4), (48, 112, 256, 608), 16),
    "y008": ((1, 3, 8, 2), (64, 128, 320, 768), 16),
    "y016": ((2, 6, 17, 2), (48, 120, 336, 888), 24),
    "y032": ((2, 5, 13, 1), (72, 216, 576, 1512), 24),
    "y040": ((2, 6, 12, 2), (128, 192, 512, 1088), 64),
    "y064": ((2, 7, 14, 2), (144, 288, 576, 1296), 72),
    "y080": ((2, 4, 10, 1), (168, 448, 896, 2016), 56),
    "y120": ((2, 5, 11, 1), (224, 448, 896, 2240), 112),
    "y160": ((2, 4, 11, 1), (224, 448, 1232, 3024), 112),
    "y320": ((2, 5, 12, 1), (232, 696, 1392, 3712), 232),
}
DEFAULT_SIZE = 224
BLOCK_TYPES = ("X", "Y")


def _conv_bn(x, filters, kernel_size, name, strides=1, groups=1, padding="valid"):
    """A bias-free ``he_normal`` Conv2D (``name``) and its BatchNormalization (``name + suffix``)."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, groups=groups, padding=padding, use_bias=False,
                      kernel_initializer="he_normal", name=name)(x)
    # tf.keras 2's RegNet leaves the BN axis at its default (-1), whatever the data format.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_bn")(x)


def _op_layer(cls, op_name, inputs):
    """``cls`` applied to ``inputs``, named as tf.keras 2 auto-names the op ``op_name`` (TFOpLambda)."""
    return cls(name=backend.unique_object_name(op_name))(inputs)


def squeeze_and_excite(x, se_filters, name):
    """RegNet's squeeze-and-excite: GAP (kept dims), ReLU and sigmoid 1x1 convs, channel rescale."""
    filters = x.shape[-1]
    se = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze_and_excite_gap")(x)
    se = layers.Conv2D(se_filters, 1, activation="relu", kernel_initializer="he_normal",
                       name=f"{name}_squeeze_and_excite_squeeze")(se)
    se = layers.Conv2D(filters, 1, activation="sigmoid", kernel_initializer="he_normal",
                       name=f"{name}_squeeze_and_excite_excite")(se)
    return _op_layer(layers.Multiply, "tf.math.multiply", [se, x])


def regnet_block(x, block_type, filters_in, filters_out, group_width, stride=1, squeeze_excite_ratio=0.25,
                 name=None):
    """One RegNet X block (1x1, grouped 3x3, 1x1 convs plus shortcut) or Y block (X with SE).

    As tf.keras 2's ``XBlock``/``YBlock``: the shortcut is a strided 1x1 conv + BN when
    ``stride != 1``, the identity otherwise (which needs ``filters_in == filters_out``).
    """
    if block_type not in BLOCK_TYPES:
        raise ValueError(f"RegNet: block_type must be one of {BLOCK_TYPES}. Received: block_type={block_type!r}")
    if filters_in != filters_out and stride == 1:
        raise ValueError(f"RegNet block {name}: input filters ({filters_in}) and output filters "
                         f"({filters_out}) must be equal for stride=1; use stride=2 to change the width.")
    skip = x
    if stride != 1:
        skip = layers.Conv2D(filters_out, 1, strides=stride, use_bias=False, kernel_initializer="he_normal",
                             name=f"{name}_skip_1x1")(x)
        skip = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_skip_bn")(skip)
    y = _conv_bn(x, filters_out, 1, f"{name}_conv_1x1_1")
    y = layers.ReLU(name=f"{name}_conv_1x1_1_relu")(y)
    y = _conv_bn(y, filters_out, 3, f"{name}_conv_3x3", strides=stride, groups=filters_out // group_width,
                 padding="same")
    y = layers.ReLU(name=f"{name}_conv_3x3_relu")(y)
    if block_type == "Y":
        y = squeeze_and_excite(y, int(filters_in * squeeze_excite_ratio), name)
    y = _conv_bn(y, filters_out, 1, f"{name}_conv_1x1_2")
    y = _op_layer(layers.Add, "tf.__operators__.add", [y, skip])
    return layers.ReLU(name=f"{name}_exit_relu")(y)


def RegNet(depths, widths, group_width, block_type, default_size, model_name="regnet",
           include_preprocessing=True, include_top=True, weights="imagenet", input_tensor=None,
           input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """Build a RegNet from its per-stage ``depths`` and ``widths``, as tf.keras 2's ``regnet.RegNet``.

    Args:
        depths, widths: the number of blocks and the output channels of each of the four stages.
        group_width: channels per group of the grouped 3x3 convolutions.
        block_type: ``"X"`` or ``"Y"`` (X with squeeze-and-excite).
        default_size: the default input size (with ``include_top=True``).
        model_name: the model's name and the prefix of its layer names.
        include_preprocessing: whether the model starts with ``Rescaling(1/255)``.
        weights_name: key of :data:`WEIGHTS_HASHES` for ``weights="imagenet"`` (``"x002"`` ...).
        The other arguments are those of every Keras application; ``classifier_activation`` is
        validated but, as in tf.keras 2, not applied (the head returns logits).
    """
    if block_type not in BLOCK_TYPES:
        raise ValueError(f"{model_name}: block_type must be one of {BLOCK_TYPES}. "
                         f"Received: block_type={block_type!r}")
    if len(depths) != 4 or len(widths) != 4:
        raise ValueError(f"{model_name}: depths and widths must each give the 4 stages. "
                         f"Received: depths={depths}, widths={widths}")
    imagenet_utils.validate_weights(weights, include_top, classes, model_name)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"{model_name}: no 'imagenet' weights are published for this configuration; "
                         f"expected weights_name in {sorted(WEIGHTS_HASHES)}. Received: {weights_name!r}")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, name=model_name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(1.0 / 255.0, name=f"{model_name}_prestem_rescaling")(x)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name=f"{model_name}_stem_conv")(x)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{model_name}_stem_bn")(x)
    x = layers.ReLU(name=f"{model_name}_stem_relu")(x)
    filters_in = 32
    for stage, (depth, filters_out) in enumerate(zip(depths, widths)):
        for i in range(depth):
            x = regnet_block(x, block_type, filters_in if i == 0 else filters_out, filters_out, group_width,
                             stride=2 if i == 0 else 1, name=f"{model_name}_Stage_{stage}_{block_type}Block_{i}")
        filters_in = filters_out
    if include_top:
        uid = backend.get_uid("head")
        x = layers.GlobalAveragePooling2D(name=f"{uid}_head_gap")(x)
        x = layers.Dense(classes, name=f"{uid}head_dense")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
    else:
        x = imagenet_utils.pool(x, pooling)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=model_name)
    if weights != "imagenet":
        return imagenet_utils.load_weights(model, weights, None, None, None)
    file_name = f"regnet{weights_name}" + (".h5" if include_top else "_notop.h5")
    return imagenet_utils.load_weights(model, weights, file_name, BASE_WEIGHTS_PATH + file_name,
                                       WEIGHTS_HASHES[weights_name][0 if include_top else 1])


def _variant(key):
    """Make the ``RegNet<key>`` constructor (tf.keras 2's arguments, defaults and weights)."""
    depths, widths, group_width = MODEL_CONFIGS[key]
    block_type = key[0].upper()
    display = f"RegNet{key.upper()}"

    def constructor(model_name=f"regnet{key}", include_top=True, include_preprocessing=True, weights="imagenet",
                    input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax"):
        return RegNet(depths, widths, group_width, block_type, DEFAULT_SIZE, model_name=model_name,
                      include_top=include_top, include_preprocessing=include_preprocessing, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation, weights_name=key)

    constructor.__name__ = constructor.__qualname__ = display
    constructor.__doc__ = (
        f"Instantiate {display}, as tf.keras 2's ``keras.applications.{display}``.\n\n"
        f"    {block_type} blocks; stage depths {depths}, widths {widths}, group width {group_width};\n"
        "    inputs in [0, 255] (the model rescales them unless ``include_preprocessing=False``); default\n"
        f"    input size {DEFAULT_SIZE}. The head is linear (logits), as in tf.keras 2.\n\n"
        "    Example:\n"
        f"        >>> model = {display}(weights=None, include_top=False, input_shape=(32, 32, 3))\n"
        "        >>> model.output_shape\n"
        f"        (None, 1, 1, {widths[-1]})\n")
    return constructor


RegNetX002 = _variant("x002")
RegNetX004 = _variant("x004")
RegNetX006 = _variant("x006")
RegNetX008 = _variant("x008")
RegNetX016 = _variant("x016")
RegNetX032 = _variant("x032")
RegNetX040 = _variant("x040")
RegNetX064 = _variant("x064")
RegNetX080 = _variant("x080")
RegNetX120 = _variant("x120")
RegNetX160 = _variant("x160")
RegNetX320 = _variant("x320")
RegNetY002 = _variant("y002")
RegNetY004 = _variant("y004")
RegNetY006 = _variant("y006")
RegNetY008 = _variant("y008")
RegNetY016 = _variant("y016")
RegNetY032 = _variant("y032")
RegNetY040 = _variant("y040")
RegNetY064 = _variant("y064")
RegNetY080 = _variant("y080")
RegNetY120 = _variant("y120")
RegNetY160 = _variant("y160")
RegNetY320 = _variant("y320")


def preprocess_input(x, data_format=None):
    """A placeholder returning ``x`` unchanged, as tf.keras 2: RegNet rescales inside the model."""
    return x


def decode_predictions(preds, top=5):
    """Decode ImageNet predictions, as tf.keras 2's ``keras.applications.regnet.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
