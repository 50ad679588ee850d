"""Keras 2's image iterators: ``Iterator``, ``NumpyArrayIterator`` and ``DirectoryIterator``.

``DataFrameIterator`` (``flow_from_dataframe``) lives in ``dataframe_iterator.py``.

Each is a ``keraton.utils.Sequence`` (so ``fit`` takes it, one batch per
``__getitem__``) and, as in Keras 2, also an endless Python iterator
(``next(it)``) for ``fit_generator``-style loops.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from keraton import backend
from keraton.utils.image_utils import array_to_img, img_to_array, load_img
from keraton.utils.py_dataset import Sequence

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


class Iterator(Sequence):
    """Base of the image iterators: shuffled index batches, seeded as Keras 2.

    With ``seed``, NumPy's global random state is seeded with
    ``seed + total_batches_seen`` before every batch, which makes the
    shuffling and the random augmentations reproducible exactly as in Keras 2.
    Loading runs in the calling thread (``workers=0``) for that reason.
    """

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__(workers=0)
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        return self._get_batches_of_transformed_samples(
            self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)])

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        """Draw a new order for the next epoch."""
        self._set_index_array()

    def reset(self):
        """Restart the endless iteration at the first batch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save(self, batch_x, index_array):
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{np.random.randint(1e7)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))

    def _transform(self, x):
        gen = self.image_data_generator
        if gen is None:
            return x
        x = gen.apply_transform(x.astype(self.dtype), gen.get_random_transform(x.shape))
        return gen.standardize(x)


class NumpyArrayIterator(Iterator):
    """Augmented batches from arrays; what ``ImageDataGenerator.flow`` returns (Keras 2).

    Yields ``x`` batches, ``(x, y)``, or ``(x, y, sample_weight)``.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None,
                 seed=None, data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 subset=None, dtype=None):
        self.dtype = dtype or backend.floatx()
        self.data_format = data_format or backend.image_data_format()
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. "
                             f"Found: x.shape = {np.asarray(x).shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            split_idx = int(len(x) * image_data_generator.validation_split)
            sl = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[sl]
            y = y[sl] if y is not None else None
            sample_weight = sample_weight[sl] if sample_weight is not None else None
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You passed an "
                             f"array with shape {self.x.shape}")
        channels_axis = 3 if self.data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention '
                          f'"{self.data_format}" (channels on axis {channels_axis}), i.e. expected 1, 3 '
                          f"or 4 channels on axis {channels_axis}. However, it was passed an array with "
                          f"shape {self.x.shape} ({self.x.shape[channels_axis]} channels).")
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._transform(self.x[j])
        if self.save_to_dir:
            self._save(batch_x, index_array)
        if self.y is None:
            return batch_x
        output = (batch_x, self.y[index_array])
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


class BatchFromFilesMixin:
    """Reading, transforming and saving batches of image files; shared by the file iterators (Keras 2)."""

    def _set_processing_attrs(self, image_data_generator, target_size, color_mode, data_format,
                              save_to_dir, save_prefix, save_format, subset, interpolation,
                              keep_aspect_ratio, dtype):
        """Store the loading settings; return the ``subset``'s ``(start, stop)`` fractions or None."""
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f"Invalid color mode: {color_mode}; expected 'rgb', 'rgba', or 'grayscale'.")
        self.dtype = dtype or backend.floatx()
        self.data_format = data_format or backend.image_data_format()
        self.image_data_generator = image_data_generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if self.data_format == "channels_last"
                            else (channels,) + self.target_size)
        if subset is None:
            return None
        if subset not in ("training", "validation"):
            raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
        v = image_data_generator.validation_split
        return (0, v) if subset == "validation" else (v, 1)

    def _load_image_batch(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self.filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            batch_x[i] = self._transform(img_to_array(img, data_format=self.data_format))
        if self.save_to_dir:
            self._save(batch_x, index_array)
        return batch_x


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Augmented batches of images read from ``directory/<class>/``; what ``flow_from_directory`` returns.

    Classes are the sorted subdirectories (or ``classes``); ``class_indices``,
    ``classes`` (int32 label per file), ``filenames`` and ``filepaths`` are
    set as in Keras 2.  ``class_mode``: ``"categorical"`` (one-hot),
    ``"binary"`` / ``"sparse"`` (float labels), ``"input"`` (the images) or
    ``None`` (images only).  ``subset`` takes each class's first
    ``validation_split`` fraction of files for ``"validation"`` and the rest
    for ``"training"``.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 follow_links=False, subset=None, interpolation="nearest", keep_aspect_ratio=False,
                 dtype=None):
        if class_mode not in {"categorical", "binary", "sparse", "input", None}:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of 'categorical', "
                             "'binary', 'sparse', 'input' or None.")
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: could not find directory {directory!r}.")
        self.directory, self.class_mode = directory, class_mode
        split = self._set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                           save_to_dir, save_prefix, save_format, subset,
                                           interpolation, keep_aspect_ratio, dtype)
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, labels = [], []
        for cls in classes:
            class_dir = os.path.join(directory, cls)
            files = [os.path.join(root, f)
                     for root, _, fs in sorted(os.walk(class_dir, followlinks=follow_links),
                                               key=lambda t: t[0])
                     for f in sorted(fs) if f.lower().endswith(WHITE_LIST_FORMATS)]
            if split is not None:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            self.filenames += [os.path.join(cls, os.path.relpath(f, class_dir)) for f in files]
            labels += [self.class_indices[cls]] * len(files)
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self.filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self):
        """The int32 class of every file (Keras 2's ``labels``)."""
        return self.classes

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._load_image_batch(index_array)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
            return batch_x, batch_y
        return batch_x
