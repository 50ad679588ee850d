"""Callbacks: hooks into `fit`, `evaluate` and `predict` (`keras.callbacks`)."""

from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_list import CallbackList
from keraton.callbacks.history import History
from keraton.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
