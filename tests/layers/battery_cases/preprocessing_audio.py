"""Battery cases for the audio preprocessing layers (STFTSpectrogram, MelSpectrogram)."""

from battery_cases import Case
from keraton import layers

CASES = [
    Case("stft_spectrogram", lambda: layers.STFTSpectrogram(frame_length=16, frame_step=8), (2, 64, 2),
         n_trainable=2, bad_inputs=(((2, 64), ("'stft_spectrogram'", "ndim=3", "(2, 64)")),)),
    Case("stft_spectrogram_expand_first",
         lambda: layers.STFTSpectrogram(mode="stft", frame_length=12, frame_step=5, fft_length=16,
                                        padding="same", expand_dims=True, data_format="channels_first"),
         (2, 3, 50), n_trainable=2),
    Case("mel_spectrogram",
         lambda: layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8,
                                       sampling_rate=8000), (2, 200)),
]
