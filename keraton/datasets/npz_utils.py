"""Safe loading of the built-in datasets' files: a restricted unpickler and the shared helpers."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

from keraton.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# Exactly the globals numpy needs to rebuild an array from a pickle; dicts,
# lists, bytes, str and ints need no global at all.  Anything else (os.system,
# builtins.eval, ...) is refused so a tampered file cannot run code.
_ALLOWED_PICKLE_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
})


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that only rebuilds numpy arrays and plain containers.

    As Keras 3's ``npz_utils.RestrictedUnpickler``: any other class or function
    named in the stream raises ``pickle.UnpicklingError``.

    Example:

    >>> import io, pickle
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps({b"a": [1, 2]}))).load()
    {b'a': [1, 2]}
    """

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to deserialize `{module}.{name}` while loading a keraton dataset; "
            "the file may be corrupted or malicious.")


def _load_npy_member(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {version}.") from None
        return RestrictedUnpickler(fp).load()


def load_npz(path):
    """Load an ``.npz`` file into a dict, unpickling object arrays only through ``RestrictedUnpickler``.

    A safe replacement for ``np.load(path, allow_pickle=True)`` (Keras 3's
    ``npz_utils.load_npz``), for the ragged IMDB and Reuters arrays.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _load_npy_member(io.BytesIO(raw.read()))
    return arrays


def fetch(fname, file_name_at_origin, file_hash, **kwargs):
    """``get_file`` from the Keras datasets bucket (``ORIGIN_FOLDER``)."""
    return get_file(fname, origin=ORIGIN_FOLDER + file_name_at_origin, file_hash=file_hash, **kwargs)


def remove_long_seq(maxlen, seq, label):
    """Keep only the sequences shorter than ``maxlen`` (and their labels), as Keras."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def shift_sequences(xs, start_char, index_from):
    """Prefix ``start_char`` and add ``index_from`` to every word index, as Keras."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def clip_sequences(xs, num_words, skip_top, oov_char):
    """Replace (or drop, when ``oov_char`` is None) indices outside ``[skip_top, num_words)``."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def split_xy(x, y, test_split, seed):
    """Shuffle with ``RandomState(seed)`` and split off the last ``test_split`` fraction, as Keras."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
