"""``MelSpectrogram``: mel-scaled (optionally decibel) spectrograms of audio signals."""

from __future__ import annotations

import torch

from keraton import backend
from keraton.layers.layer import Layer
from keraton.ops.math import stft

# The HTK mel scale: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies_hertz):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + (frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ))


def _linspace(start, stop, num, dtype):
    # Keras's torch ``linspace`` of tensor end points: start + (i / (num - 1)) * (stop - start).
    steps = torch.arange(num, dtype=dtype) / (num - 1)
    return start + steps * (stop - start)


class MelSpectrogram(Layer):
    """Mel spectrograms of ``(..., samples)`` audio, as ``keras.layers.MelSpectrogram``.

    The STFT magnitude (centred frames, :func:`keraton.ops.stft`) raised to
    ``mag_exp``, projected on ``num_mel_bins`` triangular HTK mel filters from
    ``min_freq`` to ``max_freq``, and with ``power_to_db`` converted to
    ``10 * log10(max(S, min_power) / max(|ref_power|, min_power))`` clipped at
    ``top_db`` below the maximum (of the whole batch, as Keras).  Outputs have
    shape ``(..., num_mel_bins, 1 + samples // sequence_stride)``.

    Args:
        fft_length: FFT size. Defaults to 2048.
        sequence_stride: samples between frames. Defaults to 512.
        sequence_length: window length (``<= fft_length``); ``None`` for ``fft_length``.
        window: ``"hann"`` (default), ``"hamming"``, an array of
            ``sequence_length`` values, or ``None``.
        sampling_rate: samples per second of the input. Defaults to 16000.
        num_mel_bins: number of mel bins. Defaults to 128.
        min_freq: lower edge of the lowest mel band, in Hz. Defaults to 20.
        max_freq: upper edge of the highest band; ``None`` for ``sampling_rate / 2``.
        power_to_db: convert to decibels. Defaults to ``True``.
        top_db: decibel range kept below the maximum. Defaults to 80.
        mag_exp: exponent of the magnitude (1: magnitude, 2: power). Defaults to 2.
        min_power: floor of the power and of ``ref_power``. Defaults to 1e-10.
        ref_power: the power mapped to 0 dB. Defaults to 1.

    Example:
        >>> layer = MelSpectrogram(num_mel_bins=64, sampling_rate=8000,
        ...                        sequence_stride=256, fft_length=2048)
        >>> layer(torch.rand(2, 16000)).shape
        torch.Size([2, 64, 63])
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None,
                 power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0,
                 **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "`fft_length` must be greater than or equal to  "
                f" `sequence_length`. Received: `sequence_length`="
                f"{self.sequence_length}, `fft_length`={self.fft_length}."
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        """The mel spectrogram of ``inputs``, in the layer's compute dtype."""
        compute_dtype = backend.torch_dtype(self.compute_dtype)
        # Keras's backends take only float32/float64 in stft.
        dtype = compute_dtype if compute_dtype in (torch.float32, torch.float64) else torch.float32
        inputs = torch.as_tensor(inputs).to(dtype)
        real, imag = stft(inputs, sequence_length=self.sequence_length,
                          sequence_stride=self.sequence_stride, fft_length=self.fft_length,
                          window=self.window, center=True)
        spec = torch.pow(torch.sqrt(torch.square(real) + torch.square(imag)), self.mag_exp)
        matrix = self.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins, num_spectrogram_bins=spec.shape[-1],
            sampling_rate=self.sampling_rate, lower_edge_hertz=self.min_freq,
            upper_edge_hertz=self.max_freq)
        # Keras projects in the matrix's float32 even for float64 inputs (its result_type of
        # float64 and float32 is float32), and only casts back to the compute dtype at the end.
        outputs = torch.tensordot(spec.to(matrix.dtype), matrix.to(spec.device), dims=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return outputs.transpose(-1, -2).to(compute_dtype)

    def _dbscale(self, inputs):
        log_spec = 10.0 * torch.log10(torch.clamp(inputs, min=self.min_power))
        ref_value = abs(torch.tensor(self.ref_power, dtype=inputs.dtype))
        log_spec = log_spec - 10.0 * torch.log10(torch.clamp(ref_value, min=self.min_power))
        return torch.maximum(log_spec, torch.max(log_spec) - self.top_db)

    def linear_to_mel_weight_matrix(self, num_mel_bins=20, num_spectrogram_bins=129,
                                    sampling_rate=8000, lower_edge_hertz=125.0,
                                    upper_edge_hertz=3800.0, dtype="float32"):
        """The ``(num_spectrogram_bins, num_mel_bins)`` matrix of HTK triangular mel filters.

        As Keras's method of the same name (and TensorFlow's
        ``tf.signal.linear_to_mel_weight_matrix``): each filter peaks at 1.0, and
        the DC bin gets no weight.  ``spectrogram @ matrix`` gives mel bins.
        """
        dtype = backend.torch_dtype(dtype)
        sampling_rate = torch.tensor(sampling_rate).to(dtype)
        lower_edge_hertz = torch.tensor(lower_edge_hertz, dtype=dtype)
        upper_edge_hertz = torch.tensor(upper_edge_hertz, dtype=dtype)
        zero = torch.tensor(0.0, dtype=dtype)
        # HTK excludes the spectrogram DC bin.
        linear_frequencies = _linspace(zero, sampling_rate / 2.0, num_spectrogram_bins, dtype)[1:]
        spectrogram_bins_mel = _hertz_to_mel(linear_frequencies)[:, None]
        # num_mel_bins + 2 edges: band i spans edges i .. i + 2 and peaks at edge i + 1.
        edges = _linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz),
                          num_mel_bins + 2, dtype)
        lower_edge_mel, center_mel, upper_edge_mel = (
            edges[None, :-2], edges[None, 1:-1], edges[None, 2:])
        # Line segments are linear in the mel domain, not in hertz.
        lower_slopes = (spectrogram_bins_mel - lower_edge_mel) / (center_mel - lower_edge_mel)
        upper_slopes = (upper_edge_mel - spectrogram_bins_mel) / (upper_edge_mel - center_mel)
        weights = torch.maximum(zero, torch.minimum(lower_slopes, upper_slopes))
        return torch.nn.functional.pad(weights, (0, 0, 1, 0))

    def compute_output_shape(self, input_shape):
        """``(..., num_mel_bins, frames)`` with ``frames = 1 + samples // sequence_stride``.

        This is the number of frames the centred STFT makes; Keras's own formula,
        ``(samples + stride + 1) // stride``, is one more when ``samples + 1`` is a
        multiple of the stride.
        """
        *batch, samples = input_shape
        frames = None if samples is None else 1 + samples // self.sequence_stride
        return (*batch, self.num_mel_bins, frames)

    def get_config(self) -> dict:
        """Keras's config keys and values."""
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
