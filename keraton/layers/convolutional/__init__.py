"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions."""

from keraton.layers.convolutional.atrous import AtrousConvolution1D, AtrousConvolution2D
from keraton.layers.convolutional.conv1d import Conv1D
from keraton.layers.convolutional.conv1d_transpose import Conv1DTranspose
from keraton.layers.convolutional.conv2d import Conv2D
from keraton.layers.convolutional.conv2d_transpose import Conv2DTranspose
from keraton.layers.convolutional.conv3d import Conv3D
from keraton.layers.convolutional.conv3d_transpose import Conv3DTranspose
from keraton.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from keraton.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from keraton.layers.convolutional.locally_connected import LocallyConnected1D, LocallyConnected2D
from keraton.layers.convolutional.separable_conv1d import SeparableConv1D
from keraton.layers.convolutional.separable_conv2d import SeparableConv2D

# Keras's long aliases (Keras 2 and 3 export both spellings).
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
# Keras 2.x's names of the transposed convolutions (Keras 1's ``Deconvolution2D``).
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose

__all__ = [
    "AtrousConvolution1D",  # Keras 2's deprecated dilated-convolution functions
    "AtrousConvolution2D",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Convolution3DTranspose",
    "Deconv2D",
    "Deconv3D",
    "Deconvolution2D",
    "Deconvolution3D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "LocallyConnected1D",
    "LocallyConnected2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
]

# Keras 2's keras.layers.convolutional also held the up-sampling, padding and cropping layers
# (and Keras 1 the pooling ones); served lazily, with a once-per-name deprecation warning.
_KERAS2_NAMES = {
    **dict.fromkeys(["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
                     "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D"],
                    "keraton.layers.reshaping"),
    **dict.fromkeys(["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
                     "AveragePooling2D", "AveragePooling3D"], "keraton.layers.pooling"),
}


def __getattr__(name):
    from keraton.utils.keras2_names import lazy_aliases

    return lazy_aliases(__name__, _KERAS2_NAMES)(name)
