"""Shared pieces of the ``*_dataset_from_directory`` builders: indexing, splitting, labels, batching."""

from __future__ import annotations

import math
import os

import numpy as np

from keraton.utils.py_dataset import PyDataset


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """List the files of ``directory`` with an allowed extension, and their labels, as Keras 3.

    With ``labels="inferred"`` each sorted, non-hidden subdirectory is a class
    (``class_names`` may pick and order a subset); files are walked in sorted
    order, then shuffled together with their labels by
    ``np.random.RandomState(seed)``.

    Returns:
        ``(file_paths, labels, class_names)``; ``labels`` an ``int32`` array
        (or the given list, or ``None``).
    """
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory!r} (expected a directory of files, "
                         "one subdirectory per class).")
    inferred = isinstance(labels, str) and labels == "inferred"
    if inferred:
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs} (or a "
                                 f"subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified."
                             if labels is None else
                             "When argument `labels` is specified, argument `class_names` cannot be "
                             "specified (the `class_names` will be the sorted list of labels).")
        subdirs = [""]
    filenames, label_list = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        walk = sorted(os.walk(root_dir, followlinks=follow_links), key=lambda x: x[0])
        for root, _, files in walk:
            for fname in sorted(files):
                if fname.lower().endswith(formats):
                    filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname), root_dir)))
                    label_list.append(index)
    if inferred:
        class_names = subdirs
        labels = np.array(label_list, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError("Expected the lengths of `labels` to match the number of files in the "
                             f"target directory. len(labels) is {len(labels)} while we found "
                             f"{len(filenames)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.normpath(os.path.join(directory, f)) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Raise ``ValueError`` for an inconsistent ``validation_split``/``subset``/``seed``, as Keras."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a "
                         "`seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """Keep the first ``1 - validation_split`` of the samples (training) or the rest (validation)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        sl = slice(None, len(samples) - num_val)
    elif subset == "validation":
        print(f"Using {num_val} files for validation.")
        sl = slice(len(samples) - num_val, None)
    else:
        raise ValueError('`subset` must be either "training" or "validation", received: {subset}')
    return samples[sl], (labels[sl] if labels is not None else None)


def encode_labels(labels, label_mode, num_classes):
    """Return labels as Keras's ``label_mode`` gives them: int32, one-hot float32 or (n, 1) float32."""
    labels = np.asarray(labels)
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels.astype("int64")]
    raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                     f"Received: label_mode={label_mode}")


def check_labels_arg(labels, caller):
    """Raise ``ValueError`` unless ``labels`` is ``"inferred"``, ``None`` or a list/tuple/array."""
    if labels is None or isinstance(labels, (list, tuple, np.ndarray)):
        return
    if isinstance(labels, str) and labels == "inferred":
        return
    raise ValueError(f"{caller}: `labels` argument should be a list/tuple of integer labels, of length "
                     f'equal to the number of files, or "inferred", or None. Received: labels={labels}')


def check_label_mode(label_mode, num_classes, caller):
    """Validate ``label_mode`` (and, for ``"binary"``, the number of classes), naming ``caller``."""
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'{caller}: `label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if label_mode == "binary" and num_classes is not None and num_classes != 2:
        raise ValueError(f'{caller}: when passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names with {num_classes} classes")


class FileBatches(PyDataset):
    """Batches of ``(load(path) stacked, labels)`` over a list of files; what ``*_from_directory`` return.

    A ``keraton.utils.PyDataset``, so ``fit``/``evaluate``/``predict`` take it
    directly.  ``class_names`` and ``file_paths`` are set as on Keras's
    ``tf.data.Dataset``.  With ``batch_size=None`` each item is one unbatched
    sample.  With ``shuffle`` the order is redrawn at each epoch end.
    """

    def __init__(self, file_paths, labels, load, batch_size, class_names, shuffle=False, seed=None,
                 stack=np.stack):
        super().__init__(workers=0)
        self.file_paths = list(file_paths)
        self.labels = labels
        self.class_names = class_names
        self._load = load
        self._stack = stack
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        if self.batch_size is None:
            i = self._order[index]
            x = self._load(self.file_paths[i])
            return x if self.labels is None else (x, self.labels[i])
        idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        x = self._stack([self._load(self.file_paths[i]) for i in idx])
        return x if self.labels is None else (x, self.labels[idx])

    def on_epoch_end(self):
        """Reshuffle the sample order when ``shuffle`` was requested."""
        if self._shuffle:
            self._rng.shuffle(self._order)
