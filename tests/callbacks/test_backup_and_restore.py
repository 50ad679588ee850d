"""BackupAndRestore: a real training subprocess killed with SIGKILL resumes
from its backup and ends with the weights of a run never interrupted."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from callback_fit_utils import build_model, make_data

from keraton.callbacks import BackupAndRestore, CallbackList, LambdaCallback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np, torch
    torch.set_num_threads(1)
    import keraton
    from keraton.callbacks import BackupAndRestore, LambdaCallback

    backup_dir, out, save_freq, slow = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    keraton.utils.set_random_seed(7)
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(8, activation="tanh"),
                                keraton.layers.Dropout(0.2), keraton.layers.Dense(1)])
    model.compile(optimizer=keraton.optimizers.Adam(learning_rate=0.01), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")

    def report(batch, logs):
        print("BATCH", batch, flush=True)
        time.sleep(slow)

    callbacks = []
    if backup_dir != "-":
        callbacks = [BackupAndRestore(backup_dir, save_freq=save_freq),
                     LambdaCallback(on_train_batch_end=report)]
    history = model.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0,
                        callbacks=callbacks)
    np.savez(out, *model.get_weights(), losses=np.array(history.history["loss"]),
             iterations=np.array(int(model.optimizer.iterations)))
    print("DONE", flush=True)
""")


def _start(tmp_path, backup_dir, out, save_freq, slow=0.0):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), backup_dir, out, str(save_freq), str(slow)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)


def _weights(path):
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(4)], f["losses"].tolist(), int(f["iterations"])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same training never interrupted, run in this process (the script's body)."""
    tmp_path = tmp_path_factory.mktemp("reference")
    out = str(tmp_path / "ref.npz")
    argv = sys.argv
    sys.argv = ["train.py", "-", out, "epoch", "0"]
    threads = torch.get_num_threads()
    try:
        exec(compile(SCRIPT, "train.py", "exec"), {"__name__": "reference"})
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    return _weights(out)


@pytest.mark.parametrize("save_freq, kill_after_batches, logged_epochs", [
    # 4 batches per epoch. Killed at epoch 2's 2nd batch: resumes at the start of epoch 2.
    ("epoch", 10, 4),
    # Backups every 3 batches; killed at batch 11: resumes after the backup at batch 9,
    # inside epoch 2 with 1 batch done (epoch 2's logs then cover its last 3 batches).
    (3, 11, 4),
])
def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path, reference, save_freq,
                                                      kill_after_batches, logged_epochs):
    backup_dir = str(tmp_path / "backup")
    out = str(tmp_path / "out.npz")
    proc = _start(tmp_path, backup_dir, out, save_freq, slow=0.05)
    seen = 0
    for line in proc.stdout:
        seen += line.startswith("BATCH")
        if seen == kill_after_batches:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not os.path.exists(out)
    assert os.listdir(backup_dir) == ["latest.pt"]  # no temporary file left behind

    proc = _start(tmp_path, backup_dir, out, save_freq)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and stdout.endswith("DONE\n")
    weights, losses, iterations = _weights(out)
    ref_weights, ref_losses, ref_iterations = reference
    assert iterations == ref_iterations == 24
    for got, want in zip(weights, ref_weights):
        np.testing.assert_array_equal(got, want)
    # History holds the epochs trained after the restart; whole epochs match the reference.
    assert len(losses) == logged_epochs
    assert losses[-1] == ref_losses[-1]
    assert not os.path.exists(backup_dir)  # delete_checkpoint=True after a finished run


def _fit(model, callbacks, epochs):
    x, y = make_data()
    return model.fit(x, y, epochs=epochs, batch_size=16, shuffle=False, verbose=0,
                     callbacks=callbacks)


def test_backup_content_and_keep_checkpoint(tmp_path):
    model = build_model(optimizer="adam", lr=0.01)
    _fit(model, [BackupAndRestore(str(tmp_path), delete_checkpoint=False)], epochs=3)
    state = torch.load(str(tmp_path / "latest.pt"), weights_only=True)
    assert state["epoch"] == 3 and state["step"] == 0
    assert len(state["model"]) == 4
    for got, want in zip(state["model"], model.state_dict().values()):
        assert torch.equal(got, want)
    # iterations and the learning rate are kept exactly (int64; the float32 value of 0.01, as
    # Keras's float32 variable holds it), then Adam's slots.
    assert [t.item() for t in state["optimizer"][:2]] == [6, float(np.float32(0.01))]
    assert len(state["optimizer"]) == 2 + 2 * 4
    # A later fit resumes at epoch 3 of 3: nothing left to train.
    weights = model.get_weights()
    fresh = build_model(optimizer="adam", lr=0.01)
    _fit(fresh, [BackupAndRestore(str(tmp_path), delete_checkpoint=False)], epochs=3)
    for got, want in zip(fresh.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    assert int(fresh.optimizer.iterations) == 6


def test_double_checkpoint_falls_back_when_latest_is_corrupt(tmp_path):
    model = build_model(optimizer="adam", lr=0.01)
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    cb = BackupAndRestore(str(tmp_path), double_checkpoint=True, delete_checkpoint=False)
    _fit(model, [cb, record], epochs=2)
    assert sorted(os.listdir(tmp_path)) == ["latest.pt", "latest.pt.bkp"]
    with open(tmp_path / "latest.pt", "wb") as f:
        f.write(b"torn write")
    fresh = build_model(optimizer="adam", lr=0.01)
    restored = []
    _fit(fresh, [BackupAndRestore(str(tmp_path), double_checkpoint=True),
                 LambdaCallback(on_train_begin=lambda logs: restored.append(fresh.get_weights()))],
         epochs=2)
    for got, want in zip(restored[0], snapshots[0]):  # the epoch-1 backup
        np.testing.assert_array_equal(got, want)


def test_corrupt_backup_without_fallback_raises(tmp_path):
    (tmp_path / "latest.pt").write_bytes(b"garbage")
    with pytest.raises(OSError, match="BackupAndRestore could not read the backup"):
        _fit(build_model(), [BackupAndRestore(str(tmp_path))], epochs=1)


def test_epoch_mode_adds_no_batch_hook():
    assert not CallbackList([BackupAndRestore("b")]).needs_batch_hooks("train")


@pytest.mark.parametrize("kwargs, match", [
    (dict(backup_dir=""), "empty `backup_dir`"),
    (dict(backup_dir="b", save_freq="batch"), "Unrecognized save_freq: 'batch'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BackupAndRestore(**kwargs)
