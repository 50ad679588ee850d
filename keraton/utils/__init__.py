"""Utilities with Keras's names: progress bar, summary, seeds, one-hot encoding, normalisation,
and (as ``keras.utils`` re-exports them) the custom-object registry and serialization."""

from keraton.backend import clear_session, is_keras_tensor
from keraton.layers.node import get_source_inputs
from keraton.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from keraton.utils.audio_dataset_utils import audio_dataset_from_directory
from keraton.utils.config import Config
from keraton.utils.dtype_utils import standardize_dtype
from keraton.utils.enqueuers import OrderedEnqueuer, SequenceEnqueuer
from keraton.utils.file_utils import get_file
from keraton.utils.generator_enqueuer import GeneratorEnqueuer
from keraton.utils.hdf5_matrix import HDF5Matrix
from keraton.utils.history_plot import plot_history
from keraton.utils.image_dataset_utils import image_dataset_from_directory
from keraton.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from keraton.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from keraton.utils.keras2_utils import to_ordinal, warmstart_embedding_matrix
from keraton.utils.kernel_conversion import convert_all_kernels_in_model
from keraton.utils.model_visualization import model_to_dot, plot_model
from keraton.utils.multi_gpu_utils import multi_gpu_model
from keraton.utils.numerical_utils import normalize, to_categorical
from keraton.utils.progbar import Progbar
from keraton.utils.py_dataset import PyDataset, Sequence
from keraton.utils.rng_utils import set_random_seed
from keraton.utils.sequence_utils import pad_sequences
from keraton.utils.split_dataset import split_dataset
from keraton.utils.summary_utils import print_summary
from keraton.utils.text_dataset_utils import text_dataset_from_directory
from keraton.utils.timed_threads import TimedThread
from keraton.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["Config", "CustomObjectScope", "FeatureSpace", "HDF5Matrix", "convert_all_kernels_in_model", "multi_gpu_model", "array_to_img", "clear_session", "custom_object_scope",
           "get_source_inputs", "img_to_array", "is_keras_tensor", "load_img", "save_img",
           "standardize_dtype", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "serialize_keras_object", "model_to_dot", "plot_history", "plot_model",
           "Progbar", "disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "PyDataset", "Sequence", "get_file", "image_dataset_from_directory",
           "normalize", "pad_sequences", "print_summary", "set_random_seed",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "audio_dataset_from_directory",
           "split_dataset", "bounding_boxes", "legacy", "GeneratorEnqueuer", "OrderedEnqueuer",
           "SequenceEnqueuer", "TimedThread", "to_ordinal", "warmstart_embedding_matrix"]


def __getattr__(name):
    # keras.utils.(un)pack_x_y_sample_weight, for custom train_step code; imported on
    # first use because the data adapters import keraton.utils themselves.
    if name in ("pack_x_y_sample_weight", "unpack_x_y_sample_weight"):
        from keraton.trainers.data_adapters import data_adapter_utils

        return getattr(data_adapter_utils, name)
    if name == "bounding_boxes":  # its functions live with the image layers, which import keraton.utils
        import keraton.utils.bounding_boxes

        return keraton.utils.bounding_boxes
    if name == "legacy":  # Keras 2's serialization format, which needs the saving package
        import keraton.utils.legacy

        return keraton.utils.legacy
    if name == "FeatureSpace":  # built from layers, which import keraton.utils
        from keraton.layers.preprocessing.feature_space import FeatureSpace

        return FeatureSpace
    raise AttributeError(f"module 'keraton.utils' has no attribute {name!r}")
