"""Keras 2's ``DataFrameIterator``: image batches from file names and labels in a pandas DataFrame.

What ``ImageDataGenerator.flow_from_dataframe`` returns. pandas is needed only here and is
imported when an iterator is made, so ``import keraton`` does not pay for it.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from keraton.preprocessing.image_iterators import (
    WHITE_LIST_FORMATS,
    BatchFromFilesMixin,
    Iterator,
)

ALLOWED_CLASS_MODES = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)


def _require_pandas():
    try:
        import pandas
    except ImportError as e:
        raise ImportError("ImageDataGenerator.flow_from_dataframe needs pandas, which is not "
                          "installed. Install it with `pip install pandas`.") from e
    return pandas


def validate_filename(filename, white_list_formats=WHITE_LIST_FORMATS):
    """True when ``filename`` has an image extension and is an existing file (Keras 2)."""
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Augmented batches of the images a DataFrame lists, as Keras 2's ``DataFrameIterator``.

    ``x_col`` holds file names (relative to ``directory``, or absolute paths when
    ``directory`` is None). ``class_mode``: ``"categorical"`` (one-hot, or multi-hot when a
    label is a list of classes), ``"binary"`` / ``"sparse"`` (float class index, string
    labels), ``"raw"`` (the ``y_col`` values as they are), ``"multi_output"`` (``y_col`` a list
    of columns, one target array each), ``"input"`` (the images) or ``None`` (images only).
    ``weight_col`` adds per-sample weights as a third element. With ``validate_filenames``,
    rows whose file is missing or not an image are dropped with a warning giving their count.
    Classes are the sorted labels (or ``classes``); ``class_indices``, ``classes``,
    ``filenames`` and ``filepaths`` are set as in Keras 2.

    Example:

    >>> df = pandas.DataFrame({"filename": ["a.png", "b.png"], "class": ["cat", "dog"]})
    >>> it = DataFrameIterator(df, "images/", ImageDataGenerator(), target_size=(8, 8))
    Found 2 validated image filenames belonging to 2 classes.
    >>> it[0][1].shape  # one-hot labels
    (2, 2)
    """

    allowed_class_modes = set(ALLOWED_CLASS_MODES)

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 subset=None, interpolation="nearest", keep_aspect_ratio=False, dtype=None,
                 validate_filenames=True):
        pandas = _require_pandas()
        if not isinstance(dataframe, pandas.DataFrame):
            raise TypeError("flow_from_dataframe: `dataframe` must be a pandas DataFrame; got "
                            f"{type(dataframe).__name__}.")
        split = self._set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                           save_to_dir, save_prefix, save_format, subset,
                                           interpolation, keep_aspect_ratio, dtype)
        df = dataframe.copy()
        self.directory = directory or ""
        self.class_mode = class_mode
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        with_classes = class_mode not in ("input", "multi_output", "raw", None)
        if with_classes:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if split:
            start, stop = int(split[0] * len(df)), int(split[1] * len(df))
            df = df.iloc[start:stop, :]
        if with_classes:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        if with_classes:
            print(f"Found {self.samples} {validated} image filenames belonging to "
                  f"{len(classes)} classes.")
        else:
            print(f"Found {self.samples} {validated} image filenames.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        if self.class_mode not in self.allowed_class_modes:
            raise ValueError(f"flow_from_dataframe: invalid class_mode: {self.class_mode!r}; expected "
                             f"one of {list(ALLOWED_CLASS_MODES)}.")
        if self.class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'flow_from_dataframe: if class_mode="multi_output", y_col must be a list '
                            f"of column names. Received {type(y_col).__name__}.")
        if not all(df[x_col].apply(lambda x: isinstance(x, str))):
            raise TypeError(f"flow_from_dataframe: all values in column x_col={x_col!r} must be "
                            "strings (file names).")
        if self.class_mode in ("binary", "sparse") and not all(df[y_col].apply(lambda x: isinstance(x, str))):
            raise TypeError(f'flow_from_dataframe: if class_mode="{self.class_mode}", y_col="{y_col}" '
                            "column values must be strings.")
        if self.class_mode == "binary":
            found = len(set(classes)) if classes else df[y_col].nunique()
            if found != 2:
                raise ValueError('flow_from_dataframe: if class_mode="binary" there must be 2 classes. '
                                 f"Found {found} classes.")
        if self.class_mode == "categorical" and not all(
                df[y_col].apply(lambda x: isinstance(x, (str, list, tuple)))):
            raise TypeError(f'flow_from_dataframe: if class_mode="categorical", y_col="{y_col}" column '
                            "values must be type string, list or tuple.")
        if classes and self.class_mode in ("input", "multi_output", "raw", None):
            warnings.warn(f'`classes` will be ignored given the class_mode="{self.class_mode}"',
                          stacklevel=4)
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"flow_from_dataframe: column weight_col={weight_col!r} must be numeric; "
                            f"got dtype {df[weight_col].dtype}.")

    def get_classes(self, df, y_col):
        """The class index of every row (a list of indices for multi-label rows)."""
        return [[self.class_indices[c] for c in label] if isinstance(label, (list, tuple))
                else self.class_indices[label] for label in df[y_col]]

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()
        if classes:
            classes = list(dict.fromkeys(classes))

            def keep_known(labels):
                if isinstance(labels, (list, tuple)):
                    return [c for c in labels if c in classes] or None
                return labels if labels in classes else None

            df[y_col] = df[y_col].apply(keep_known)
        else:
            found = set()
            for label in df[y_col]:
                found.update(label if isinstance(label, (list, tuple)) else [label])
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _filter_valid_filepaths(self, df, x_col):
        filepaths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = filepaths.apply(validate_filename)
        n_invalid = int((~mask).sum())
        if n_invalid:
            warnings.warn(f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". These '
                          "filename(s) will be ignored.", stacklevel=4)
        return df[mask]

    @property
    def filepaths(self):
        """The path of every image (``directory`` joined with the ``x_col`` value)."""
        return self._filepaths

    @property
    def labels(self):
        """The targets: ``y_col`` values for "raw"/"multi_output", else the class indices."""
        if self.class_mode in ("multi_output", "raw"):
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        """The ``weight_col`` values, or None."""
        return self._sample_weight

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._load_image_batch(index_array)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0
        elif self.class_mode == "multi_output":
            batch_y = [output[index_array] for output in self.labels]
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self._sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self._sample_weight[index_array]
