"""``STFT``: the Fourier-basis convolution kernels of ``keras.initializers.STFT``.

Also exported by Keras as ``keras.initializers.STFTInitializer`` and
``keras.initializers.stft``.  :func:`get_window` is the one place keraton turns a
window name into values; ``STFTSpectrogram`` validates its ``window`` with it too.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton import backend
from keraton.initializers.initializer import Initializer, _shape

# The windows torch computes itself (the same cosine sums as ``scipy.signal.windows``);
# any other name goes to SciPy, as Keras sends every name there.
_TORCH_WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "bartlett": torch.bartlett_window,
}


def get_window(window: str, length: int, periodic: bool = False) -> torch.Tensor:
    """Float64 values of the named window, as ``scipy.signal.get_window(window, length, periodic)``.

    ``periodic=False`` gives the symmetric window (SciPy's ``fftbins=False``).
    Names other than hann, hamming, blackman, bartlett and boxcar need SciPy,
    which raises ``ValueError`` for unknown names.
    """
    if window in _TORCH_WINDOWS:
        return _TORCH_WINDOWS[window](length, periodic=periodic, dtype=torch.float64)
    if window in ("boxcar", "box", "ones", "rect", "rectangular"):
        return torch.ones(length, dtype=torch.float64)
    try:
        from scipy.signal import get_window as scipy_get_window
    except ImportError as e:
        raise ImportError(
            f"The window {window!r} needs SciPy (`pip install scipy`); without it use 'hann', "
            "'hamming', 'blackman', 'bartlett', 'boxcar' or an array of window values.") from e
    return torch.from_numpy(np.asarray(scipy_get_window(window, length, periodic),
                                       dtype=np.float64))


class STFT(Initializer):
    """Kernels of shape ``(frame_length, 1, fft_length // 2 + 1)`` computing an STFT side.

    Matches ``keras.initializers.STFT``: ``kernel[t, 0, f] = cos(-2 pi t f / N)``
    (``side="real"``) or ``sin(...)`` (``side="imag"``), ``N = 2 * (bins - 1)``,
    multiplied by the window and divided by its L2 norm (``scaling="density"``)
    or its L1 norm (``"spectrum"``).

    Args:
        side: ``"real"`` or ``"imag"``.
        window: a window name (``"hann"``, ``"hamming"``, any ``scipy.signal``
            window with SciPy installed), an array of ``frame_length`` values,
            or ``None`` for no window (and no scaling).
        scaling: ``"density"``, ``"spectrum"`` or ``None``.
        periodic: use the periodic rather than the symmetric window.

    Example:
        >>> STFT("real", "hann", "density", False)(shape=(128, 1, 65)).shape
        torch.Size([128, 1, 65])
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # raises for an unknown window name, as Keras does
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' "
                f"or 'spectrum'. Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        """Return the kernel of ``shape = (frame_length, 1, fft_length // 2 + 1)``."""
        dtype = backend.torch_dtype(dtype)
        frame_length, _, bins = _shape(shape)
        win = None
        scaling = 1
        if self.window is not None:
            if isinstance(self.window, str):
                win = get_window(self.window, frame_length, self.periodic).to(dtype)
            else:
                win = torch.as_tensor(np.asarray(self.window) if not isinstance(
                    self.window, torch.Tensor) else self.window).to(dtype)
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError(
                    "The shape of `window` must be equal to [frame_length]."
                    f"Received: window shape={tuple(win.shape)}"
                )
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scaling = torch.sqrt(torch.sum(torch.square(win)))
            elif self.scaling == "spectrum":
                scaling = torch.sum(torch.abs(win))
        # The same operations in the same dtype as Keras, so float32 kernels agree bit for bit.
        freq = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        args = (-2 * time) * freq * torch.arccos(torch.tensor(-1, dtype=dtype))
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if win is not None:
            kernel = kernel * win / scaling
        return kernel

    def get_config(self) -> dict:
        """Keras's config: side, window, periodic, scaling."""
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


STFTInitializer = STFT
stft = STFT
