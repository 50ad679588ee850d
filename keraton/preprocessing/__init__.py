"""Keras 2's ``keras.preprocessing``: ``sequence``, ``text`` and ``image`` helpers, and Keras 3's dataset builders."""

from keraton.preprocessing import image, sequence, text
from keraton.utils.image_dataset_utils import image_dataset_from_directory
from keraton.utils.text_dataset_utils import text_dataset_from_directory
from keraton.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
