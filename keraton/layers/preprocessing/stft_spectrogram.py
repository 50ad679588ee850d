"""``STFTSpectrogram``: spectrograms of 1-D signals by strided convolution with STFT kernels."""

from __future__ import annotations

import math
import warnings

import torch

from keraton import backend
from keraton.initializers.stft import STFT, get_window
from keraton.layers.convolutional.conv_utils import conv_output_length
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.ops.nn.convolution import conv
from keraton.utils.argument_validation import standardize_data_format

_MODES = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]


class STFTSpectrogram(Layer):
    """Short-time Fourier transform of each channel of a signal, as ``keras.layers.STFTSpectrogram``.

    The transform is a strided 1-D convolution with a real and an imaginary
    kernel of shape ``(frame_length, 1, fft_length // 2 + 1)`` (Keras's layout,
    initialised by :class:`keraton.initializers.STFT`), so the kernels can be
    trained.  ``mode`` picks the output: ``"real"``, ``"imag"``, ``"angle"``,
    ``"stft"`` (real then imaginary bins), ``"psd"`` (power, inner bins
    doubled), ``"magnitude"`` or ``"log"`` (of the magnitude).

    Args:
        mode: one of ``"log"`` (default), ``"magnitude"``, ``"psd"``, ``"real"``,
            ``"imag"``, ``"angle"``, ``"stft"``.
        frame_length: samples per frame (the kernel length). Defaults to 256.
        frame_step: hop between frames; ``None`` for ``frame_length // 2``.
        fft_length: FFT size (``>= frame_length``); ``None`` for the next power
            of two at least ``frame_length``.
        window: a window name (``"hann"``, ``"hamming"``, ...), an array of
            ``frame_length`` values, or ``None``.
        periodic: use a periodic window. Defaults to ``False``.
        scaling: ``"density"`` (default), ``"spectrum"`` or ``None``.
        padding: ``"valid"`` (default) or ``"same"``.
        expand_dims: output ``(batch, time, freq, channels)`` (channels_last) or
            ``(batch, channels, time, freq)`` (channels_first) instead of
            folding channels into the frequency axis.
        data_format: ``"channels_last"`` (inputs ``(batch, time, channels)``) or
            ``"channels_first"``; ``None`` for ``image_data_format()``.

    Example:
        >>> layer = STFTSpectrogram(frame_length=64, frame_step=32, fft_length=64)
        >>> layer(torch.randn(2, 1000, 1)).shape
        torch.Size([2, 30, 33])
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "`frame_step` should be a positive integer not greater than "
                f"`frame_length`. Received frame_step={frame_step}, "
                f"frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "`fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}",
                stacklevel=2)
        if mode not in _MODES:
            raise ValueError(
                f"Output mode is invalid, it must be one of {', '.join(_MODES)}. "
                f"Received: mode={mode}"
            )
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' "
                f"or 'spectrum'. Received scaling={scaling}"
            )
        if padding not in ["valid", "same"]:
            raise ValueError(
                f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}"
            )
        if isinstance(window, str):
            get_window(window, 1)  # raises for an unknown window name, as Keras does
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        """Create ``real_kernel`` (unless mode is "imag") and ``imag_kernel`` (unless "real")."""
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=STFT("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _apply_conv(self, signals, kernel):
        """``(batch * channels, 1, time)`` signals -> ``(batch * channels, freq, frames)``."""
        return conv(signals, kernel.to(signals.dtype), strides=self._frame_step,
                    padding=self.padding, data_format="channels_first")

    def call(self, inputs):
        """The spectrogram of each channel of ``inputs`` (see the class docstring for layouts)."""
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(
                "Invalid input type. Expected `float16`, `float32` or "
                f"`float64`. Received: input type={backend.dtype_name(inputs.dtype)}"
            )
        if self.data_format == "channels_last":
            inputs = inputs.transpose(1, 2)
        batch, channels, _ = inputs.shape
        signals = inputs.reshape(batch * channels, 1, inputs.shape[-1])
        real = self._apply_conv(signals, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(signals, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            outputs = real
        elif self.mode == "imag":
            outputs = imag
        elif self.mode == "angle":
            outputs = torch.arctan2(imag, real)
        elif self.mode == "stft":
            outputs = torch.cat([real, imag], dim=1)
        else:
            power = torch.square(real) + torch.square(imag)
            if self.mode == "psd":
                # One-sided spectrum: the bins between DC and Nyquist count twice.
                outputs = power + torch.nn.functional.pad(power[:, 1:-1], (0, 0, 1, 1))
            else:
                eps = backend.epsilon()
                outputs = torch.sqrt(torch.clamp(power, min=eps))
                if self.mode == "log":
                    outputs = torch.log(torch.clamp(outputs, min=eps))
        return self._arrange(outputs.reshape(batch, channels, *outputs.shape[1:]))

    def _arrange(self, outputs):
        """``(batch, channels, freq, frames)`` -> the layout of ``data_format``/``expand_dims``."""
        batch, channels, freq, frames = outputs.shape
        if self.expand_dims:
            return outputs.permute(0, 3, 2, 1) if self.data_format == "channels_last" \
                else outputs.transpose(2, 3)
        outputs = outputs.reshape(batch, channels * freq, frames)
        return outputs.transpose(1, 2) if self.data_format == "channels_last" else outputs

    def compute_output_shape(self, input_shape):
        """Keras's output shape for ``input_shape`` (see the class docstring)."""
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        frames = conv_output_length(time, self.frame_length, self._frame_step, self.padding, 1)
        if self.expand_dims:
            return (batch, frames, freq, channels) if self.data_format == "channels_last" \
                else (batch, channels, frames, freq)
        folded = None if channels is None else freq * channels
        return (batch, frames, folded) if self.data_format == "channels_last" \
            else (batch, folded, frames)

    def get_config(self) -> dict:
        """Keras's config keys and values."""
        config = super().get_config()
        config.update({
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config
