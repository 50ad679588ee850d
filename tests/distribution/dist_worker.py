"""One rank of the distributed tests, started by ``test_data_parallel.py`` as torchrun would.

Usage: ``python dist_worker.py MODE OUTDIR`` with ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``, ``MASTER_PORT`` set.  ``MODE`` is ``train`` (fit, evaluate,
predict, save; results in ``OUTDIR/rank<r>.npz``) or ``kill`` (rank 1 dies
at the start of the second epoch).  Without the environment it trains in
one process (the reference).
"""

import os
import pickle
import sys

import numpy as np
import torch

import keraton

N, BATCH = 110, 25


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N + 30, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return x[:N], y[:N], x[N:], y[N:]


def make_model():
    keraton.backend.clear_session()
    torch.manual_seed(0)
    model = keraton.Sequential([keraton.Input((8,)), keraton.layers.Dense(16, activation="relu"),
                                keraton.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keraton.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train(outdir, files_dir):
    """Fit without shuffling (comparable to one process), then evaluate, predict, save."""
    os.makedirs(files_dir, exist_ok=True)
    x, y, xv, yv = make_data()
    model = make_model()
    callbacks = [keraton.callbacks.CSVLogger(os.path.join(files_dir, "log.csv")),
                 keraton.callbacks.ModelCheckpoint(os.path.join(files_dir, "ckpt.weights.h5"),
                                                   save_weights_only=True),
                 keraton.callbacks.BackupAndRestore(os.path.join(files_dir, "backup"),
                                                    delete_checkpoint=False)]
    history = model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0,
                        validation_data=(xv, yv), callbacks=callbacks)
    result = {"weights": model.get_weights(), "history": history.history,
              "evaluate": model.evaluate(xv, yv, batch_size=8, verbose=0),
              "predict": model.predict(x, batch_size=16, verbose=0)}
    model.save(os.path.join(files_dir, "model.keras"))
    stop = keraton.callbacks.EarlyStopping(monitor="loss", min_delta=0.05, patience=0)
    shuffled = model.fit(x, y, batch_size=BATCH, epochs=8, shuffle=True, verbose=0, callbacks=[stop])
    result["shuffled_weights"] = model.get_weights()
    result["shuffled_history"] = shuffled.history
    # streamed sources, global batch 22: a DataLoader (DistributedSampler) and a generator (sliced)
    model = make_model()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=22)
    result["loader_history"] = model.fit(loader, epochs=2, verbose=0).history
    result["loader_weights"] = model.get_weights()
    model = make_model()

    def batches():
        while True:
            for i in range(0, N, 22):
                yield x[i:i + 22], y[i:i + 22]

    result["generator_history"] = model.fit(batches(), steps_per_epoch=5, epochs=2, verbose=0).history
    result["generator_weights"] = model.get_weights()
    # the ranks share one backup folder, as on one machine or a shared filesystem
    result.update(interrupted_and_resumed(
        x, y, os.path.join(outdir, "resume_dist" if "RANK" in os.environ else "resume_single")))
    return result


def interrupted_and_resumed(x, y, backup_dir):
    """Fit 4 epochs, interrupted at the third, then resumed by a fresh model from the backup."""

    def interrupt(epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt

    model = make_model()
    try:
        model.fit(x, y, batch_size=BATCH, epochs=4, shuffle=False, verbose=0,
                  callbacks=[keraton.callbacks.BackupAndRestore(backup_dir),
                             keraton.callbacks.LambdaCallback(on_epoch_begin=interrupt)])
    except KeyboardInterrupt:
        pass
    model = make_model()
    history = model.fit(x, y, batch_size=BATCH, epochs=4, shuffle=False, verbose=0,
                        callbacks=[keraton.callbacks.BackupAndRestore(backup_dir)])
    return {"resumed_history": history.history, "resumed_weights": model.get_weights()}


def main():
    mode, outdir = sys.argv[1], sys.argv[2]
    if "RANK" not in os.environ:
        with open(os.path.join(outdir, "single.pkl"), "wb") as f:
            pickle.dump(train(outdir, os.path.join(outdir, "files_single")), f)
        return
    keraton.distribution.set_distribution(keraton.distribution.DataParallel(timeout=30))
    rank = int(os.environ["RANK"])
    if mode == "kill":
        x, y, _, _ = make_data()
        model = make_model()

        def die(epoch, logs=None):
            if epoch == 1 and rank == 1:
                os._exit(3)

        model.fit(x, y, batch_size=BATCH, epochs=50, verbose=0,
                  callbacks=[keraton.callbacks.LambdaCallback(on_epoch_begin=die)])
        return
    result = train(outdir, os.path.join(outdir, f"files_rank{rank}"))
    with open(os.path.join(outdir, f"rank{rank}.pkl"), "wb") as f:
        pickle.dump(result, f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
