"""Callbacks: hooks into `fit`, `evaluate` and `predict` (`keras.callbacks`)."""

from keraton.callbacks import experimental
from keraton.callbacks.backup_and_restore import BackupAndRestore
from keraton.callbacks.base_logger import BaseLogger
from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_list import CallbackList
from keraton.callbacks.csv_logger import CSVLogger
from keraton.callbacks.early_stopping import EarlyStopping
from keraton.callbacks.history import History
from keraton.callbacks.lambda_callback import LambdaCallback
from keraton.callbacks.learning_rate_scheduler import LearningRateScheduler
from keraton.callbacks.model_checkpoint import ModelCheckpoint
from keraton.callbacks.orbax_checkpoint import OrbaxCheckpoint
from keraton.callbacks.progbar_logger import ProgbarLogger
from keraton.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from keraton.callbacks.remote_monitor import RemoteMonitor
from keraton.callbacks.swap_ema_weights import SwapEMAWeights
from keraton.callbacks.tensorboard import TensorBoard
from keraton.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BaseLogger",
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "OrbaxCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "RemoteMonitor",
    "SwapEMAWeights",
    "TerminateOnNaN",
    "experimental",
]
