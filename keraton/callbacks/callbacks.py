"""Keras 2.3's ``keras.callbacks.callbacks`` module path: the callbacks of ``keras.callbacks``.

Importing it warns once that Keras 3 has only ``keras.callbacks``.

Example:
    >>> from keraton.callbacks.callbacks import EarlyStopping   # Keras 2.3 spelling
"""

from keraton.callbacks.base_logger import BaseLogger
from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_list import CallbackList
from keraton.callbacks.csv_logger import CSVLogger
from keraton.callbacks.early_stopping import EarlyStopping
from keraton.callbacks.history import History
from keraton.callbacks.lambda_callback import LambdaCallback
from keraton.callbacks.learning_rate_scheduler import LearningRateScheduler
from keraton.callbacks.model_checkpoint import ModelCheckpoint
from keraton.callbacks.progbar_logger import ProgbarLogger
from keraton.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from keraton.callbacks.remote_monitor import RemoteMonitor
from keraton.callbacks.terminate_on_nan import TerminateOnNaN
from keraton.utils.keras2_names import warn_keras2_name

__all__ = ["BaseLogger", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
           "ReduceLROnPlateau", "RemoteMonitor", "TerminateOnNaN"]

warn_keras2_name("keras.callbacks.callbacks", "`keras.callbacks`")
