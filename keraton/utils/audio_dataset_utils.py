"""``audio_dataset_from_directory``: labelled audio batches from a directory of WAV files (Keras 3)."""

from __future__ import annotations

import math
import wave

import numpy as np

from keraton.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def read_wav(path, desired_samples=-1):
    """Decode a 16-bit PCM WAV file as ``tf.audio.decode_wav`` does.

    Returns ``(audio, sample_rate)``: ``audio`` is float32 in ``[-1, 1)``
    (each sample divided by 32768), shape ``(samples, channels)``.  With
    ``desired_samples >= 0`` the clip is cut to that many samples, or padded
    with zeros at the end up to it.
    """
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Could not decode {path!r} as a WAV file ({e}). Expected a 16-bit PCM "
                         "WAV file (as tf.audio.decode_wav).") from e
    if width != 2:
        raise ValueError(f"Can only read 16-bit WAV files, but {path!r} has {8 * width}-bit "
                         "samples. Convert it to 16-bit PCM first.")
    audio = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).astype("float32") / 32768.0
    if desired_samples is not None and desired_samples >= 0:
        if len(audio) >= desired_samples:
            audio = audio[:desired_samples]
        else:
            audio = np.pad(audio, ((0, desired_samples - len(audio)), (0, 0)))
    return np.ascontiguousarray(audio), rate


def resample_audio(audio, rate_in, rate_out):
    """Resample ``(samples, channels)`` audio from ``rate_in`` to ``rate_out`` Hz (polyphase filter).

    Uses ``scipy.signal.resample_poly``; Keras uses ``tensorflow_io``'s
    resampler, whose filter differs, so values differ slightly at the edges
    and near the Nyquist frequency.  The length is ``ceil(n * rate_out / rate_in)``.
    """
    if rate_in == rate_out:
        return audio
    try:
        from scipy import signal
    except ImportError as e:
        raise ImportError("To use the argument `sampling_rate`, you should install scipy. You can "
                          "install it via `pip install scipy`.") from e
    g = math.gcd(int(rate_in), int(rate_out))
    return signal.resample_poly(audio, rate_out // g, rate_in // g, axis=0).astype("float32")


def _pad_batch(clips):
    """Stack clips, zero-padding each at the end to the longest one (``tf.data`` ``padded_batch``)."""
    length = max(len(c) for c in clips)
    return np.stack([np.pad(c, ((0, length - len(c)), (0, 0))) for c in clips])


def _ragged_batch(clips):
    """A batch of clips of their own lengths: a list of ``(samples, channels)`` arrays."""
    return list(clips)


def _check_arguments(labels, label_mode, class_names, ragged, output_sequence_length,
                     sampling_rate):
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "The `labels` argument should be a list/tuple of integer labels, of the same size "
                "as the number of audio files in the target directory. If you wish to infer the "
                'labels from the subdirectory names in the target directory, pass `labels="inferred"`. '
                "If you wish to get a dataset that only contains audio samples (no labels), pass "
                f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise ValueError("`sampling_rate` should have an integer value. "
                             f"Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError("`sampling_rate` should be higher than 0. "
                             f"Received: sampling_rate={sampling_rate}")


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None,
                                 ragged=False, shuffle=True, seed=None, validation_split=None,
                                 subset=None, follow_links=False, verbose=True):
    """Build batches of audio clips and labels from ``directory/<class>/<clip>.wav`` files.

    Matches ``keras.utils.audio_dataset_from_directory``: the same arguments,
    defaults and errors; classes are the sorted subdirectories
    (``labels="inferred"``), files are shuffled with ``seed``,
    ``validation_split`` + ``subset`` (``"training"``, ``"validation"`` or
    ``"both"``) split them, ``label_mode`` gives ``int32`` labels,
    one-hot ``float32`` (``"categorical"``), ``float32`` ``(batch, 1)``
    (``"binary"``) or none.  Clips are decoded as ``tf.audio.decode_wav``
    (16-bit PCM only, float32 in ``[-1, 1)``, shape ``(samples, channels)``);
    ``output_sequence_length`` cuts or zero-pads every clip to that length,
    otherwise a batch is zero-padded to its longest clip.

    Returns a ``keraton.utils.PyDataset`` (``fit`` takes it) yielding
    ``(audio, labels)`` batches of shape ``(batch, samples, channels)`` (or
    ``audio`` alone without labels), with ``class_names`` and ``file_paths``;
    a pair of them for ``subset="both"``.

    Deliberate differences, as keraton has no ``tf.data``: ``ragged=True``
    gives each batch's audio as a Python list of ``(samples, channels)``
    arrays instead of a ``tf.RaggedTensor``; ``sampling_rate`` resamples
    with SciPy's polyphase filter (Keras needs ``tensorflow-io``); ``shuffle``
    redraws the order at each epoch rather than through a shuffle buffer.

    Example:

    >>> train, val = audio_dataset_from_directory(  # doctest: +SKIP
    ...     "speech_commands", validation_split=0.2, subset="both", seed=0,
    ...     output_sequence_length=16000)
    """
    _check_arguments(labels, label_mode, class_names, ragged, output_sequence_length,
                     sampling_rate)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, file_labels, class_names = dataset_utils.index_directory(
        directory, labels, ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def load(path):
        audio, rate = read_wav(path, -1 if output_sequence_length is None else output_sequence_length)
        if sampling_rate is not None:
            audio = resample_audio(audio, rate, sampling_rate)
        return audio

    if ragged:
        stack = _ragged_batch
    elif output_sequence_length is None:
        stack = _pad_batch
    else:
        stack = np.stack

    def build(subset_name, which=""):
        paths, labs = dataset_utils.get_training_or_validation_split(
            file_paths, file_labels, validation_split, subset_name)
        if not paths:
            raise ValueError(f"No {which}audio files found in directory {directory}. "
                             f"Allowed format(s): {ALLOWED_FORMATS}")
        labs = None if label_mode is None else dataset_utils.encode_labels(labs, label_mode, num_classes)
        # Keras shuffles the training part of a "both" split only.
        return dataset_utils.FileBatches(paths, labs, load, batch_size, class_names,
                                         shuffle=shuffle and which != "validation ", seed=seed,
                                         stack=stack)

    if subset == "both":
        return build("training", "training "), build("validation", "validation ")
    return build(subset)
