"""``BaseConv``: the N-D convolution shared by ``Conv1D``, ``Conv2D`` and ``Conv3D`` (Keras's ``BaseConv``)."""

from __future__ import annotations

from keraton import activations, constraints, initializers, regularizers
from keraton.layers.convolutional import conv_utils
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object
from keraton.utils.argument_validation import standardize_positive_int


class BaseConv(Layer):
    """N-D convolution ``activation(conv(inputs, kernel) + bias)``, as Keras's ``BaseConv``.

    The kernel has Keras's shape ``(*kernel_size, in // groups, filters)`` and
    is stored in the memory order torch's convolution prefers (channels_last
    for channels_last data), so the layer hands torch permuted *views* of the
    kernel and of a channels_last input, with no layout copy.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints.
        strides: int or tuple; strides > 1 cannot be combined with dilation > 1.
        padding: ``'valid'``, ``'same'`` (TF-style: the odd pixel of padding goes
            at the end) or, for 1-D, ``'causal'``.
        data_format: ``'channels_last'`` (default from
            ``keraton.backend.image_data_format()``) or ``'channels_first'``.
        dilation_rate: int or tuple.
        groups: number of channel groups; input channels and ``filters`` must divide by it.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as in ``Dense``.

    Example:
        >>> layer = keraton.layers.Conv2D(8, 3, padding="same")
        >>> layer(torch.ones(2, 5, 5, 3)).shape
        torch.Size([2, 5, 5, 8])
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if lora_rank:
            raise ValueError(f"{type(self).__name__}: lora_rank is not supported by keraton, got {lora_rank!r}.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.filters = standardize_positive_int(filters, "filters", owner)
        self.groups = groups
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size", owner=owner)
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides", owner=owner)
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate", owner=owner)
        self.padding = conv_utils.standardize_padding(padding, allow_causal=rank == 1, owner=owner)
        self.data_format = conv_utils.standardize_data_format(data_format, owner=owner)
        set_common_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                             bias_constraint)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{owner}: `groups` must be a positive integer, got groups={groups!r}.")
        if filters % groups:
            raise ValueError(
                f"{owner}: the number of filters must be divisible by the number of groups, got "
                f"filters={filters}, groups={groups}."
            )
        check_strides_and_dilation(owner, self.strides, self.dilation_rate)

    # Whether ``call`` goes through an overridden ``convolution_op`` (Keras's Conv2D/Conv3D do).
    _calls_convolution_op = True

    def build(self, input_shape) -> None:
        """Create ``kernel`` (Keras shape ``(*kernel_size, in // groups, filters)``) and ``bias``."""
        conv_output_spatial(self, input_shape)
        in_channels = channels_of(self, input_shape)
        if in_channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): the number of input channels must be "
                f"divisible by groups={self.groups}, got input shape {tuple(input_shape)} with "
                f"{in_channels} channels."
            )
        self.kernel = conv_utils.add_kernel(
            self, "kernel", self.kernel_size + (in_channels // self.groups, self.filters),
            conv_utils.conv_layout(), conv_utils.memory_format(self.rank, self.data_format),
            self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint,
        )
        add_bias(self, self.filters)
        self.built = True

    def call(self, inputs, _skip_activation=False):
        """Convolve, add the bias and apply the activation.

        ``_skip_activation`` (internal): leave the activation to the caller, which
        applies it after a max pooling (``keraton.models.pool_reorder``).
        """
        if self._calls_convolution_op and type(self).convolution_op is not BaseConv.convolution_op:
            y = self._call_convolution_op(inputs)
        else:
            x = conv_utils.to_channels_first(inputs.to(self.kernel.dtype), self.data_format)
            y = conv_utils.convolve(x, conv_utils.torch_kernel(self.kernel), self.bias, self.strides, self.padding,
                                    self.dilation_rate, self.groups)
            y = conv_utils.from_channels_first(y, self.data_format)
        return y if self._act is None or _skip_activation else self._act(y)

    def convolution_op(self, inputs, kernel):
        """Keras's convolution hook: ``ops.conv`` of ``inputs`` with ``kernel``.

        ``kernel`` is in Keras's layout ``(*kernel_size, in // groups, filters)``
        and ``inputs``/the result in the layer's ``data_format``.  A subclass may
        override it (keras.io's weight-standardized ``Conv2D``); ``call`` then
        adds the bias and applies the activation to what it returns, as Keras does.
        """
        from keraton import ops

        return ops.conv(inputs, kernel, strides=list(self.strides), padding=self.padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format)

    def _call_convolution_op(self, inputs):
        """The overridden ``convolution_op`` on the kernel seen in Keras's layout, plus the bias."""
        y = self.convolution_op(inputs.to(self.kernel.dtype), self.kernel)
        if self.bias is not None:
            if self.data_format == "channels_last":
                y = y + self.bias
            else:
                y = y + self.bias.reshape((self.filters,) + (1,) * self.rank)
        return y

    def compute_output_shape(self, input_shape):
        """Keras's ``compute_conv_output_shape``."""
        return with_spatial(self, input_shape, conv_output_spatial(self, input_shape), self.filters)

    def get_config(self) -> dict:
        """Keras 3's config for the convolution layers."""
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
        })
        config.update(common_config(self, kernel="kernel"))
        return config

    def extra_repr(self) -> str:
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}, data_format={self.data_format!r}")


# ---------------------------------------------------------------- shared by every conv family
def set_common_arguments(layer, activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint) -> None:
    """Store the activation and bias arguments every convolution layer takes."""
    layer.activation = activations.get(activation)
    layer._act = None if layer.activation is activations.linear else layer.activation
    layer.use_bias = bool(use_bias)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.bias_constraint = constraints.get(bias_constraint)


def check_strides_and_dilation(owner, strides, dilation_rate) -> None:
    """Keras refuses strides > 1 together with dilation_rate > 1."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"{owner}: `strides > 1` is not supported together with `dilation_rate > 1`, got "
            f"strides={strides} and dilation_rate={dilation_rate}."
        )


def channels_of(layer, input_shape) -> int:
    """The input's channel count (known one required), and the input spec fixing it from now on."""
    axis = -1 if layer.data_format == "channels_last" else 1
    channels = input_shape[axis]
    if channels is None:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) needs a known number of input channels "
            f"(axis {axis}, data_format={layer.data_format!r}) to build, got input shape "
            f"{tuple(input_shape)}."
        )
    layer.input_spec = InputSpec(ndim=layer.rank + 2, axes={axis: int(channels)})
    return int(channels)


def spatial_of(layer, input_shape) -> tuple:
    """The spatial dimensions of ``input_shape``."""
    shape = tuple(input_shape)
    if len(shape) != layer.rank + 2:
        raise ValueError(
            f"Input to layer '{layer.name}' ({type(layer).__name__}) must have rank {layer.rank + 2} "
            f"(batch, {layer.rank} spatial dimensions, channels), got shape {shape}."
        )
    return shape[1:-1] if layer.data_format == "channels_last" else shape[2:]


def conv_output_spatial(layer, input_shape) -> list:
    """Spatial output sizes of a (depthwise) convolution; ValueError when the input is too small."""
    spatial = spatial_of(layer, input_shape)
    out = [conv_utils.conv_output_length(n, k, s, layer.padding, d)
           for n, k, s, d in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate)]
    if any(n is not None and n <= 0 for n in out):
        raise ValueError(
            f"Input to layer '{layer.name}' ({type(layer).__name__}) is too small: input shape "
            f"{tuple(input_shape)} with kernel_size={layer.kernel_size}, "
            f"dilation_rate={layer.dilation_rate} and padding={layer.padding!r} would give "
            f"output size {tuple(out)}. Use a larger input or padding='same'."
        )
    return out


def with_spatial(layer, input_shape, spatial, channels) -> tuple:
    """An output shape from the batch size, new spatial dimensions and channel count."""
    batch = tuple(input_shape)[0]
    if layer.data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def add_bias(layer, size: int) -> None:
    """Create the ``bias`` weight of shape ``(size,)`` when ``use_bias``."""
    if layer.use_bias:
        layer.bias = layer.add_weight(shape=(size,), initializer=layer.bias_initializer, name="bias",
                                      regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint)
    else:
        layer.bias = None


def common_config(layer, kernel: str) -> dict:
    """The activation, bias and ``<kernel>_*`` entries of a convolution config, in Keras's order."""
    config = {
        "activation": activations.serialize(layer.activation),
        "use_bias": layer.use_bias,
    }
    names = [kernel] if isinstance(kernel, str) else list(kernel)
    for part in ("initializer", "regularizer", "constraint"):
        for name in names + ["bias"]:
            config[f"{name}_{part}"] = serialize_keras_object(getattr(layer, f"{name}_{part}"))
        if part == "regularizer":
            config["activity_regularizer"] = serialize_keras_object(layer.activity_regularizer)
    return config
