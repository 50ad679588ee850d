"""Utilities with Keras's names: progress bar, summary, seeds, one-hot encoding, normalisation."""

from keraton.utils.numerical_utils import normalize, to_categorical
from keraton.utils.progbar import Progbar
from keraton.utils.py_dataset import PyDataset, Sequence
from keraton.utils.rng_utils import set_random_seed
from keraton.utils.summary_utils import print_summary

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "print_summary", "set_random_seed", "to_categorical"]
