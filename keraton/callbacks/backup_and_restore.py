"""`BackupAndRestore`, matching `keras.callbacks.BackupAndRestore` (Keras 3),
with torch checkpoints written atomically."""

import os
import shutil

import torch

from keraton.callbacks.callback import Callback
from keraton.callbacks.callback_utils import BatchCounter, check_save_freq
from keraton.distribution import is_primary


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted `fit` can resume.

    At each backup (every epoch end, or every `save_freq` batches) one file,
    `backup_dir/latest.pt`, receives the tensors of the model's `state_dict()`
    (by position, as Keras restores weights by structure), the
    optimizer's variables (iterations, learning rate, slots), the epoch and
    the number of batches of that epoch already trained, and the torch RNG
    state. It is written to a temporary file, fsynced and moved in place with
    `os.replace`, so a crash (even `SIGKILL`) leaves either the previous or
    the new backup, never a torn one. It is read with
    `torch.load(weights_only=True)`.

    When `fit` starts and a backup exists, the model and optimizer state are
    restored and training resumes where the backup was taken: Keras's
    `model._initial_epoch` is set, and the batches of the interrupted epoch
    already trained are skipped. Calling `fit` again with the same arguments
    after a crash therefore continues the same run (bit-identical with a
    fixed seed and `shuffle=False`). The backup is deleted when training
    ends normally, unless `delete_checkpoint=False`.

    Args:
        backup_dir: Directory holding the backup (created when needed); use
            one directory per training job.
        save_freq: `"epoch"` or an int: back up every that many batches.
        double_checkpoint: Keep the previous backup as `latest.pt.bkp` and
            fall back to it when the latest one cannot be read.
        delete_checkpoint: Delete `backup_dir` at the end of training.

    Example:

    >>> backup = BackupAndRestore(backup_dir="/tmp/backup")
    >>> model.fit(x, y, epochs=10, callbacks=[backup])  # doctest: +SKIP
    >>> # after a crash, the same call resumes from the last finished epoch
    """

    _lazy_batch_logs = True  # never reads batch logs: no host sync per batch

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                f"BackupAndRestore: empty `backup_dir` argument passed (received {backup_dir!r}); "
                "give the directory to hold the training backup."
            )
        check_save_freq(save_freq)
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._backup_path = os.path.join(self.backup_dir, "latest.pt")
        self._prev_backup_path = self._backup_path + ".bkp"
        self._batches = BatchCounter(save_freq) if save_freq != "epoch" else None
        self._current_epoch = 0
        self._skip_epoch_below = 0
        self._skip_steps = 0
        self._skipping = False
        self._first_trained_batch = 0
        if save_freq == "epoch":
            # No batch hook at all, so that fit can skip batch dispatch.
            self.on_train_batch_end = Callback.on_train_batch_end.__get__(self)

    # -- hooks ----------------------------------------------------------------

    def on_train_begin(self, logs=None):
        """Restore the latest backup, if any, and plan where training resumes."""
        model = self.model
        if not getattr(model, "built", True):
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you "
                f"call `fit()`. Model {getattr(model, 'name', model)} is unbuilt. Build it by "
                "calling it on a batch of data."
            )
        self._skip_epoch_below = 0
        self._skip_steps = 0
        state = self._read_backup()
        if state is None:
            return
        self._restore(state)
        epoch, step = int(state["epoch"]), int(state["step"])
        model._initial_epoch = epoch
        self._skip_epoch_below, self._skip_steps = epoch, step

    def on_epoch_begin(self, epoch, logs=None):
        """Skip the batches already trained before the backup."""
        self._current_epoch = epoch
        self._first_trained_batch = 0
        if epoch < self._skip_epoch_below:
            # The trainer did not honour `_initial_epoch`: skip the whole epoch.
            self._start_skipping(None)
        elif epoch == self._skip_epoch_below and self._skip_steps:
            self._start_skipping(self._skip_steps)
            self._first_trained_batch = self._skip_steps
            self._skip_steps = 0

    def on_train_batch_end(self, batch, logs=None):
        """Count trained batches; with an int `save_freq`, back up on schedule."""
        if self._skipping or batch < self._first_trained_batch:
            return
        if self._batches.step(batch):
            self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        """Back up at the end of an epoch (also with an int `save_freq`, as
        the epoch counter moves)."""
        if self._skipping:
            self._stop_skipping()
            return
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def on_train_end(self, logs=None):
        """Delete the backup directory when `delete_checkpoint`."""
        self._stop_skipping()
        self.model._initial_epoch = None
        if self.delete_checkpoint and os.path.exists(self.backup_dir) and is_primary():
            shutil.rmtree(self.backup_dir)

    # -- backup files ---------------------------------------------------------

    def _save(self, epoch, step):
        if not is_primary():  # in distributed training rank 0 writes; every rank restores
            return
        model = self.model
        state = {
            "model": [v.detach().cpu() for v in model.state_dict().values()],
            "optimizer": _optimizer_state(model.optimizer),
            "epoch": epoch,
            "step": step,
            "rng": torch.get_rng_state(),
        }
        os.makedirs(self.backup_dir, exist_ok=True)
        tmp = f"{self._backup_path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        if self.double_checkpoint and os.path.exists(self._backup_path):
            os.replace(self._backup_path, self._prev_backup_path)
        os.replace(tmp, self._backup_path)

    def _read_backup(self):
        """The latest readable backup state, or `None` when there is none."""
        paths = [self._backup_path]
        if self.double_checkpoint:
            paths.append(self._prev_backup_path)
        error = None
        for path in paths:
            if not os.path.exists(path):
                continue
            try:
                return torch.load(path, map_location="cpu", weights_only=True)
            except Exception as e:  # a corrupt file: try the previous backup
                error = e
        if error is not None:
            raise OSError(
                f"BackupAndRestore could not read the backup in {self.backup_dir!r}: {error}. "
                "Delete the directory to start training from scratch."
            ) from error
        return None

    def _restore(self, state):
        model = self.model
        _load_in_order(model.state_dict().values(), state["model"], model, "model")
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and state["optimizer"]:
            if not optimizer.built:
                optimizer.build(model.trainable_weights)
            _load_in_order(optimizer.variables, state["optimizer"], optimizer, "optimizer")
        torch.set_rng_state(state["rng"])

    # -- skipping batches already trained -------------------------------------

    def _start_skipping(self, count):
        """Make `train_step` a no-op for `count` batches (`None`: the epoch)."""
        model = self.model
        self._skipping = True
        remaining = [count]

        def skipped_train_step(data):
            if remaining[0] is not None:
                remaining[0] -= 1
                if remaining[0] <= 0:
                    self._stop_skipping()
            return {}

        model.train_step = skipped_train_step

    def _stop_skipping(self):
        if self._skipping:
            self._skipping = False
            self.model.__dict__.pop("train_step", None)


def _optimizer_state(optimizer):
    """The optimizer's variables as CPU tensors, in order (`[]` when unbuilt).
    Python scalars (iterations, learning rate) keep their exact value."""
    if optimizer is None or not getattr(optimizer, "built", False):
        return []
    return [v.detach().cpu() if isinstance(v, torch.Tensor) else _exact_scalar(v._value)
            for v in optimizer.variables]


def _exact_scalar(value):
    """A Python number as a 0-d tensor that keeps it exactly (int64 or float64)."""
    return torch.tensor(value, dtype=torch.int64 if isinstance(value, int) else torch.float64)


@torch.no_grad()
def _load_in_order(targets, saved, owner, what):
    """Copy the `saved` tensors into `targets` (tensors or ScalarVariables)
    by position, as Keras restores weights by structure, not by name."""
    targets = list(targets)
    name = getattr(owner, "name", type(owner).__name__)
    if len(targets) != len(saved):
        raise ValueError(
            f"BackupAndRestore: the backup holds {len(saved)} {what} tensors but {what} "
            f"'{name}' has {len(targets)}. Was the backup written by another model? Delete "
            "the backup directory to start from scratch."
        )
    for i, (target, value) in enumerate(zip(targets, saved)):
        if isinstance(target, torch.Tensor):
            if tuple(target.shape) != tuple(value.shape):
                raise ValueError(
                    f"BackupAndRestore: {what} tensor {i} of '{name}' has shape "
                    f"{tuple(target.shape)} but the backup has {tuple(value.shape)}."
                )
            target.copy_(value)
        else:
            target.assign(value.item())
