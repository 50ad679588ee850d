"""Keras 2's ``keras.utils.data_utils`` module path: ``get_file``, ``Sequence``, ``pad_sequences``.

Importing it warns once that Keras 3 has them in ``keras.utils``
(``Sequence`` is Keras 3's ``PyDataset``).

Example:
    >>> from keraton.utils.data_utils import Sequence, get_file   # Keras 2 spelling
"""

from keraton.utils.file_utils import get_file, validate_file
from keraton.utils.keras2_names import warn_keras2_name
from keraton.utils.py_dataset import PyDataset, Sequence
from keraton.utils.sequence_utils import pad_sequences

__all__ = ["PyDataset", "Sequence", "get_file", "pad_sequences", "validate_file"]

warn_keras2_name("keras.utils.data_utils", "`keras.utils`")
