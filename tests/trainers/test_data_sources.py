"""fit/evaluate/predict on every data source give the same numbers as the NumPy-array path."""

import time

import numpy as np
import pytest
import torch

import keraton

N, BS = 48, 8


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, 4))  # float64 on purpose: sources are converted like arrays
    y = rng.integers(0, 3, size=N)
    sw = rng.uniform(0.5, 1.5, size=N)
    return x, y, sw


def _model(seed=3):
    keraton.utils.set_random_seed(seed)
    model = keraton.Sequential([keraton.Input((4,), name="features"),
                                keraton.layers.Dense(6, activation="relu"),
                                keraton.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _batches(*arrays):
    return [tuple(a[i:i + BS] for a in arrays) for i in range(0, N, BS)]


class _Batches(keraton.utils.PyDataset):
    def __init__(self, arrays, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.arrays, self.delay, self.epochs_ended = arrays, delay, 0

    def __len__(self):
        return N // BS

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay)
        return tuple(a[i * BS:(i + 1) * BS] for a in self.arrays)

    def on_epoch_end(self):
        self.epochs_ended += 1


class _KerasTwoSequence(keraton.utils.Sequence):
    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return N // BS

    def __getitem__(self, i):
        return tuple(a[i * BS:(i + 1) * BS] for a in self.arrays)


class _Reiterable:
    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


def _endless(arrays):
    while True:
        yield from _batches(*arrays)


def _source(kind, arrays):
    if kind == "dataset":
        return torch.utils.data.TensorDataset(*[torch.as_tensor(a) for a in arrays]), dict(batch_size=BS)
    if kind == "dataloader":
        ds = torch.utils.data.TensorDataset(*[torch.as_tensor(a) for a in arrays])
        return torch.utils.data.DataLoader(ds, batch_size=BS), {}
    if kind == "generator":
        return _endless(arrays), dict(steps_per_epoch=N // BS)
    if kind == "iterable":
        return _batches(*arrays).__iter__(), {}
    if kind == "py_dataset":
        return _Batches(arrays), {}
    if kind == "py_dataset_threads":
        return _Batches(arrays, workers=3, max_queue_size=2), {}
    if kind == "py_dataset_processes":
        return _Batches(arrays, workers=2, use_multiprocessing=True), {}
    if kind == "py_dataset_sync":
        return _Batches(arrays, workers=0), {}
    if kind == "sequence":
        return _KerasTwoSequence(arrays), {}
    raise AssertionError(kind)


KINDS = ["dataset", "dataloader", "generator", "py_dataset", "py_dataset_threads",
         "py_dataset_processes", "py_dataset_sync", "sequence"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_history_equals_array_fit(kind, weighted):
    x, y, sw = _data()
    xv, yv, _ = _data(seed=1)
    arrays = (x, y, sw) if weighted else (x, y)
    reference = _model().fit(x, y, sample_weight=sw if weighted else None, batch_size=BS, epochs=2,
                             shuffle=False, validation_data=(xv, yv), verbose=0).history
    source, extra = _source(kind, arrays)
    val_source, _ = _source(kind if kind not in ("generator",) else "iterable", (xv, yv))
    if kind == "generator":
        val_source = _Reiterable(_batches(xv, yv))  # restarts at each validation
    history = _model().fit(source, epochs=2, shuffle=False, validation_data=val_source, verbose=0,
                           **extra).history
    assert set(history) == set(reference)
    for key in reference:
        np.testing.assert_allclose(history[key], reference[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("kind", ["dataloader", "py_dataset", "generator"])
def test_evaluate_and_predict_on_sources(kind):
    x, y, _ = _data()
    model = _model()
    want_eval = model.evaluate(x, y, batch_size=BS, verbose=0)
    want_pred = model.predict(x, batch_size=BS, verbose=0)
    source, extra = _source(kind, (x, y))
    steps = extra.get("steps_per_epoch")
    np.testing.assert_allclose(model.evaluate(source, steps=steps, verbose=0), want_eval, rtol=1e-6)
    x_only = (_endless((x,)) if kind == "generator" else
              _Batches((x,)) if kind == "py_dataset" else
              torch.utils.data.DataLoader(torch.as_tensor(x), batch_size=BS))
    np.testing.assert_allclose(model.predict(x_only, steps=steps, verbose=0), want_pred, rtol=1e-6)


@pytest.mark.parametrize("kind", ["generator", "py_dataset"])
def test_class_weight_applies_to_sources(kind):
    x, y, _ = _data()
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    want = _model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, class_weight=class_weight,
                        verbose=0).history["loss"]
    source, extra = _source(kind, (x, y))
    got = _model().fit(source, epochs=2, class_weight=class_weight, shuffle=False, verbose=0,
                       **extra).history["loss"]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_dict_inputs_keyed_by_input_name():
    x, y, _ = _data()
    keraton.utils.set_random_seed(0)
    a, b = keraton.Input((3,), name="a"), keraton.Input((1,), name="b")
    merged = keraton.layers.Lambda(lambda t: torch.cat(t, dim=-1))([a, b])
    out = keraton.layers.Dense(3, activation="softmax")(merged)
    model = keraton.Model({"a": a, "b": b}, out)
    model.compile("adam", "sparse_categorical_crossentropy")
    want = model.evaluate({"a": x[:, :3], "b": x[:, 3]}, y, batch_size=BS, verbose=0)

    def gen():
        for xb, yb in _batches(x, y):
            yield {"b": xb[:, 3], "a": xb[:, :3]}, yb

    got = model.evaluate(gen(), verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_one_dimensional_batches_are_expanded():
    keraton.utils.set_random_seed(0)
    model = keraton.Sequential([keraton.Input((1,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    xs = np.arange(8.0)
    want = model.evaluate(xs, 2 * xs, batch_size=4, verbose=0)
    got = model.evaluate(iter([(xs[:4], 2 * xs[:4]), (xs[4:], 2 * xs[4:])]), verbose=0)
    assert got == pytest.approx(want, rel=1e-6)


def test_py_dataset_epoch_hooks_and_shuffle_order():
    x, y, _ = _data()
    ds = _Batches((x, y), workers=0)
    model = _model()
    model.fit(ds, epochs=3, verbose=0)
    assert ds.epochs_ended == 3
    seen = []

    class Recording(_Batches):
        def __getitem__(self, i):
            seen.append(i)
            return super().__getitem__(i)

    keraton.utils.set_random_seed(0)
    model.fit(Recording((x, y), workers=0), epochs=1, shuffle=True, verbose=0)
    assert sorted(seen) == list(range(N // BS)) and seen != sorted(seen)


def _overlapping(intervals) -> bool:
    """Whether any two ``(start, end)`` intervals overlap in time."""
    intervals = sorted(intervals)
    return any(b_start < a_end for (_, a_end), (b_start, _) in zip(intervals, intervals[1:]))


def test_slow_py_dataset_loads_in_parallel():
    """With workers=2, batch loads run at the same time (shown by overlap, not by timing)."""
    x, y, _ = _data()

    class Timed(_Batches):
        def __getitem__(self, i):
            start = time.perf_counter()
            batch = super().__getitem__(i)
            self.loads.append((start, time.perf_counter()))
            return batch

    for workers, parallel in ((0, False), (2, True)):
        model = _model()
        data = Timed((x, y), delay=0.05, workers=workers)
        data.loads = []
        model.fit(data, epochs=1, verbose=0)
        assert len(data.loads) >= N // BS
        assert _overlapping(data.loads) is parallel, (workers, data.loads)


def test_generator_prefetch_overlaps_the_step():
    """With a queue, the generator reads the next batch while the step runs (overlap, not timing)."""
    x, y, _ = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0)
    reads, steps = [], []

    def slow():
        for batch in _batches(x, y):
            start = time.perf_counter()
            time.sleep(0.04)
            reads.append((start, time.perf_counter()))
            yield batch

    class SlowStep(keraton.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.04)
            steps.append((self.start, time.perf_counter()))

    for queue_size, overlapped in ((0, False), (10, True)):
        reads.clear()
        steps.clear()
        model.fit(slow(), epochs=1, verbose=0, callbacks=[SlowStep()], max_queue_size=queue_size)
        assert any(_overlapping([read, step]) for read in reads for step in steps) is overlapped, \
            queue_size


def test_source_errors():
    x, y, _ = _data()
    model = _model()
    with pytest.raises(ValueError, match="y and sample_weight must not be given"):
        model.fit(_Batches((x, y)), y, verbose=0)
    with pytest.raises(ValueError, match="validation_split is only supported"):
        model.fit(_Batches((x, y)), validation_split=0.2, verbose=0)

    def bad():
        yield x[:BS], y[:BS]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        model.fit(bad(), epochs=1, verbose=0)
