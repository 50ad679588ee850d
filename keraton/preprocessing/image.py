"""Keras 2's ``keras.preprocessing.image``: ``ImageDataGenerator`` and the image file helpers.

Random transforms follow Keras 2 exactly (same draws from NumPy's global
random state, same affine matrices, ``scipy.ndimage`` resampling), so a seeded
generator gives Keras 2's batches.  Keras 3 code uses the augmentation layers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from keraton import backend
from keraton.preprocessing.dataframe_iterator import DataFrameIterator
from keraton.preprocessing.image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator
from keraton.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
           "apply_affine_transform", "array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]


def _scipy_ndimage():
    try:
        import scipy.ndimage
    except ImportError as e:
        raise ImportError("ImageDataGenerator's rotation, shift, shear and zoom need SciPy. Install it "
                          "with `pip install scipy` (or `pip install keraton[image]`).") from e
    return scipy.ndimage


def transform_matrix_offset_center(matrix, x, y):
    """Conjugate a 3x3 affine ``matrix`` so that it acts about the centre of an ``x`` by ``y`` image."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """Rotate (degrees), shift, shear (degrees) and zoom one image, as Keras 2's ``apply_affine_transform``.

    Example:

    >>> x = np.arange(9.0).reshape(1, 3, 3)
    >>> apply_affine_transform(x, ty=1, fill_mode="constant", cval=-1)[0].tolist()
    [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [-1.0, -1.0, -1.0]]
    """
    matrices = []
    if theta:
        t = np.deg2rad(theta)
        matrices.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        matrices.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        matrices.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        matrices.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not matrices:
        return x
    matrix = matrices[0]
    for m in matrices[1:]:
        matrix = matrix @ m
    matrix = transform_matrix_offset_center(matrix, x.shape[row_axis], x.shape[col_axis])
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        # Keras 2 swaps the matrix's row/column roles for (row, col) ordered images.
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    ndimage = _scipy_ndimage()
    channels = [ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode,
                                         cval=cval) for c in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def _flip_axis(x, axis):
    return np.flip(np.asarray(x), axis=axis)


def _channel_shift(x, intensity, channel_axis):
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    x = np.stack([np.clip(c + intensity, min_x, max_x) for c in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def _brightness_shift(x, brightness):
    from PIL import ImageEnhance
    local_scale = np.min(x) < 0 or np.max(x) > 255
    img = ImageEnhance.Brightness(array_to_img(x, scale=local_scale)).enhance(brightness)
    return img_to_array(img)


class ImageDataGenerator:
    """Generate batches of augmented, standardised images (Keras 2's ``ImageDataGenerator``).

    Augmentations: ``rotation_range`` (degrees), ``width_shift_range`` /
    ``height_shift_range`` (fraction of the size if < 1, else pixels; a list
    draws from its values), ``shear_range`` (degrees), ``zoom_range`` (float
    ``z`` for ``[1 - z, 1 + z]`` or a pair), ``channel_shift_range``,
    ``brightness_range``, ``horizontal_flip`` / ``vertical_flip``, filled per
    ``fill_mode`` / ``cval``.  Standardisation, in Keras 2's order:
    ``preprocessing_function``, ``rescale``, ``samplewise_center``,
    ``samplewise_std_normalization``, ``featurewise_center`` /
    ``featurewise_std_normalization`` (statistics from ``fit``).
    ``zca_whitening`` (with ``zca_epsilon``) whitens the flattened, featurewise-centred images
    with the matrix ``fit`` computes, as Keras 3's legacy copy (and tf.keras >= 2.9) does.
    ``validation_split`` reserves a fraction for ``subset="validation"``.

    ``flow``, ``flow_from_directory`` and ``flow_from_dataframe`` return iterators that are
    ``keraton.utils.Sequence`` objects, so ``fit`` takes them.

    Example:

    >>> gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True)
    >>> x = np.full((4, 8, 8, 3), 255.0)
    >>> batch = gen.flow(x, batch_size=2, seed=0)[0]
    >>> batch.shape, float(batch.max())
    ((2, 8, 8, 3), 1.0)
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError("ImageDataGenerator: `data_format` should be 'channels_last' (channel after "
                             "row and column) or 'channels_first' (channel before row and column). "
                             f"Received: {data_format}")
        if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
            raise ValueError("ImageDataGenerator: fill_mode must be one of 'constant', 'nearest', "
                             f"'reflect', 'wrap'. Received: {fill_mode}")
        if not 0 <= validation_split < 1:
            raise ValueError("ImageDataGenerator: `validation_split` must be strictly between 0 and 1. "
                             f"Received: {validation_split}")
        if isinstance(zoom_range, (float, int)):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("ImageDataGenerator: `zoom_range` should be a float or a tuple or list of "
                             f"two floats. Received: {zoom_range}")
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list))
                                             or len(brightness_range) != 2):
            raise ValueError("ImageDataGenerator: `brightness_range` should be a tuple or list of two "
                             f"floats. Received: {brightness_range}")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.validation_split = validation_split
        self.interpolation_order = interpolation_order
        self.dtype = dtype or backend.floatx()
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        if zca_whitening:
            # As Keras: whitening needs centred data and replaces the per-channel std scaling.
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                              "setting of `featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                              "setting of `featurewise_std_normalization`.", stacklevel=2)

    @property
    def principal_components(self):
        """Keras 2.0-2.8's name for ``zca_whitening_matrix``."""
        return self.zca_whitening_matrix

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Return a ``NumpyArrayIterator`` of augmented ``(x, y)`` batches from arrays."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, data_format=self.data_format,
                                  save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix="", save_format="png", follow_links=False,
                            subset=None, interpolation="nearest", keep_aspect_ratio=False):
        """Return a ``DirectoryIterator`` over ``directory/<class>/<image>`` files."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, data_format=self.data_format,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio,
                                 dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix="", save_format="png", subset=None,
                            interpolation="nearest", validate_filenames=True, **kwargs):
        """Return a ``DataFrameIterator`` over the image files a pandas DataFrame lists (Keras 2).

        Keras 2's removed arguments ``has_ext``, ``sort`` and ``drop_duplicates`` are accepted
        with a ``DeprecationWarning``; ``class_mode="other"`` means ``"raw"``.
        """
        for name, why in (("has_ext", "filenames in the dataframe have to match the exact filenames on disk"),
                          ("sort", "batches follow the dataframe's order when `shuffle=False`"),
                          ("drop_duplicates", "use pandas.DataFrame.drop_duplicates")):
            if name in kwargs:
                warnings.warn(f"flow_from_dataframe: `{name}` is deprecated; {why}.", DeprecationWarning,
                              stacklevel=2)
        unknown = set(kwargs) - {"has_ext", "sort", "drop_duplicates"}
        if unknown:
            raise TypeError(f"flow_from_dataframe got unexpected keyword arguments {sorted(unknown)}.")
        if class_mode == "other":
            warnings.warn('flow_from_dataframe: `class_mode="other"` is deprecated, use `class_mode="raw"`.',
                          DeprecationWarning, stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(dataframe, directory, self, x_col=x_col, y_col=y_col,
                                 weight_col=weight_col, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, data_format=self.data_format,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, subset=subset, interpolation=interpolation,
                                 validate_filenames=validate_filenames, dtype=self.dtype)

    def standardize(self, x):
        """Apply the normalisation settings to one image or a batch (in place where possible)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                which = "`zca_whitening` (which centres featurewise)" if self.zca_whitening else "`featurewise_center`"
                raise ValueError(f"ImageDataGenerator specifies {which}, but it hasn't been fit on "
                                 "any training data. Call `.fit(numpy_data)` first.")
            x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                raise ValueError("ImageDataGenerator specifies `featurewise_std_normalization`, but "
                                 "it hasn't been fit on any training data. Call `.fit(numpy_data)` "
                                 "first.")
            x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been "
                              "fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
            else:
                flat_x = x.reshape(-1, math.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Draw the random parameters of one transform, from NumPy's global state as Keras 2."""
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._draw_shift(self.height_shift_range, img_shape[img_row_axis])
        ty = self._draw_shift(self.width_shift_range, img_shape[img_col_axis])
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    @staticmethod
    def _draw_shift(shift_range, size):
        if not shift_range:
            return 0
        if isinstance(shift_range, (float, np.floating)):
            shift = np.random.uniform(-shift_range, shift_range)
        else:
            shift = np.random.choice(shift_range) * np.random.choice([-1, 1])
        if np.max(shift_range) < 1:
            shift *= size
        return shift

    def apply_transform(self, x, transform_parameters):
        """Apply the transform described by ``transform_parameters`` to one image."""
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                                   p.get("shear", 0), p.get("zx", 1), p.get("zy", 1), row_axis=row,
                                   col_axis=col, channel_axis=channel, fill_mode=self.fill_mode,
                                   cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = _channel_shift(x, p["channel_shift_intensity"], channel)
        if p.get("flip_horizontal", False):
            x = _flip_axis(x, col)
        if p.get("flip_vertical", False):
            x = _flip_axis(x, row)
        if p.get("brightness") is not None:
            x = _brightness_shift(x, p["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """Apply a random transform (drawn with ``get_random_transform``) to one image."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the featurewise mean, std and ZCA matrix of ``x`` (rank 4), optionally over augmented copies."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: input to `.fit()` should have rank 4. Got array "
                             f"with shape: {x.shape}")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        broadcast = [1, 1, 1]
        broadcast[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), broadcast)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), broadcast)
            x /= self.std + 1e-6
        if self.zca_whitening:
            # Keras 3's (and tf.keras >= 2.9's) form: the SVD of the centred data itself, not of
            # its covariance, so s / sqrt(n) are the covariance's square-rooted eigenvalues.
            n = len(x)
            u, s, _ = np.linalg.svd(np.reshape(x, (n, -1)).T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(n) / (s + self.zca_epsilon))) @ u.T


# tf.keras 2's random per-image transforms (they use apply_affine_transform, defined above).
from keraton.preprocessing.image_transforms import (  # noqa: E402
    apply_brightness_shift,
    apply_channel_shift,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
)

__all__ += ["apply_brightness_shift", "apply_channel_shift", "random_brightness",
            "random_channel_shift", "random_rotation", "random_shear", "random_shift", "random_zoom"]
