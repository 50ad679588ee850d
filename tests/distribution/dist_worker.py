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
    sync = getattr(model, "_distributed_sync", None)  # the gradient sync's counters
    result = {"fit_counters": sync and (sync.launched_in_backward, sync.launched_at_step),
              "weights": model.get_weights(), "history": history.history,
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
    result.update(step_variants(x, y))
    if "RANK" in os.environ:
        result["reduced_states"] = reduced_states()
    return result


class StepVariants(keraton.Model):
    """An MLP whose ``train_step`` takes one of the gradient paths a user may write.

    ``apply``: ``torch.autograd.grad`` then ``optimizer.apply``.  ``accumulate``:
    two ``backward`` calls (halves of the batch), an in-place edit of some
    ``p.grad``, then ``optimizer.step()`` (SGD with ``clipnorm``).  ``two_optimizers``:
    a GAN-shaped step, a backward and ``step()`` of an optimizer over the first
    layer, then another backward and ``apply_gradients`` over the second.
    ``loss_scale``: a ``LossScaleOptimizer``'s scaled loss and ``step()``.
    """

    def __init__(self, mode):
        super().__init__()
        self.mode = mode
        self.hidden = keraton.layers.Dense(16, activation="relu")
        self.out = keraton.layers.Dense(3)

    def call(self, x):
        return self.out(self.hidden(x))

    def _loss(self, x, y):
        return torch.nn.functional.cross_entropy(self(x, training=True), y)

    def train_step(self, data):
        x, y = data
        n = x.shape[0]
        if self.mode == "apply":
            loss = self._loss(x, y)
            grads = torch.autograd.grad(loss, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
        elif self.mode == "accumulate":
            self.optimizer.zero_grad()
            half = n // 2
            for part in (slice(0, half), slice(half, n)):
                loss = self._loss(x[part], y[part]) * (len(range(n)[part]) / n)
                loss.backward()
            for p in self.hidden.trainable_weights:
                p.grad.mul_(0.5)
            self.optimizer.step()
        elif self.mode == "loss_scale":
            self.optimizer.zero_grad()
            loss = self._loss(x, y)
            self.optimizer.scale_loss(loss).backward()
            self.optimizer.step()
        else:
            self.first_opt.zero_grad()
            self.second_opt.zero_grad()
            loss = self._loss(x, y)
            loss.backward()
            self.first_opt.step()
            for p in self.trainable_weights:
                p.grad = None
            second = self._loss(x, (y + 1) % 3)
            second.backward()
            self.second_opt.apply_gradients(
                [(p.grad, p) for p in self.out.trainable_weights])
        return {"loss": loss.detach()}


class RunningMax(keraton.metrics.Metric):
    """The largest |prediction| seen: a state reduced with ``aggregation="max"``."""

    def __init__(self, name="running_max"):
        super().__init__(name=name)
        self.peak = self.add_variable(shape=(), aggregation="max", name="peak")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.peak.copy_(torch.maximum(self.peak, y_pred.detach().abs().max()))

    def result(self):
        return self.peak.clone()

    def reset_state(self):
        self.peak.zero_()


def step_variants(x, y):
    """Weights after fitting each StepVariants mode, the counters, and the RunningMax history."""
    out = {}
    for mode in ("apply", "accumulate", "two_optimizers", "loss_scale"):
        keraton.backend.clear_session()
        torch.manual_seed(0)
        model = StepVariants(mode)
        model(torch.zeros(1, 8))
        if mode == "accumulate":
            model.compile(optimizer=keraton.optimizers.SGD(0.2, momentum=0.5, clipnorm=0.5))
        elif mode == "loss_scale":
            model.compile(optimizer=keraton.mixed_precision.LossScaleOptimizer(
                keraton.optimizers.SGD(0.1), initial_scale=2.0 ** 10))
        else:
            model.compile(optimizer=keraton.optimizers.Adam(0.01))
        model.first_opt = keraton.optimizers.SGD(0.1)
        model.first_opt.build(model.hidden.trainable_weights)
        model.second_opt = keraton.optimizers.SGD(0.05, momentum=0.9)
        model.second_opt.build(model.out.trainable_weights)
        model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
        out[f"{mode}_weights"] = model.get_weights()
        sync = getattr(model, "_distributed_sync", None)
        if sync is not None:
            out[f"{mode}_counters"] = (sync.launched_in_backward, sync.launched_at_step,
                                       len(sync._buckets))
    model = make_model()
    model.compile(optimizer=keraton.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=[RunningMax()])
    out["max_history"] = model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0).history
    out["max_evaluate"] = model.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    return out


def reduced_states():
    """Each aggregation applied to states set to this rank's index (checked on 2 ranks)."""
    from keraton.trainers import distributed

    metric = keraton.metrics.Metric(name="states")
    rank = float(keraton.distribution.process_index())
    kinds = ("sum", "mean", "max", "min", "only_first_replica", "none")
    states = [metric.add_variable(shape=(2,), aggregation=k, initializer=rank) for k in kinds]
    states[2].copy_(torch.tensor([rank, -rank]))  # max over ranks is elementwise
    distributed._reduce_metric_states([metric], torch.device("cpu"))
    return {k: v.tolist() for k, v in zip(kinds, states)}


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
    # 64-byte buckets: the MLPs' 4 weights fall in 3 buckets ([out bias, out kernel], [hidden
    # bias], [hidden kernel]: reverse order) to exercise the launch order; overlap forced on
    # (gloo's "auto" turns it off)
    keraton.distribution.set_distribution(keraton.distribution.DataParallel(
        timeout=30, bucket_cap_mb=64 / 2**20, overlap_backward=True))
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
