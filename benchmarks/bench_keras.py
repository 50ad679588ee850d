"""Worker: the four benchmark workloads on a real Keras (Keras 3 on any backend, or tf.keras 2).

Run by ``benchmarks/run_all.py`` in its own process, because a Keras backend is
fixed at import (``KERAS_BACKEND``) and tf.keras 2 lives in a separate Python
environment.  It imports only NumPy and Keras, so it runs under any Python
that has them (plus torch, when importable, for the cross-core probe of
``cores.py``, run after each timed workload).  Prints one JSON object:
``{"tiny": seconds per step, "mlp": samples/s, "cnn": samples/s, "lstm":
samples/s, "version": ..., "cross_core": {workload: probe ratio}}``.  Usage::

    KERAS_BACKEND=jax python benchmarks/bench_keras.py --impl keras3
    /tmp/tfenv/bin/python benchmarks/bench_keras.py --impl tf_keras

The models, data and warm-ups are those of ``bench_core.py``, ``bench_cnn.py``
and ``bench_lstm.py``; every Keras default (``jit_compile="auto"``, tf.function)
is left as a Keras user gets it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

VOCAB, DIM, UNITS, STEPS = 10000, 64, 64, 100


def _import_keras(impl: str):
    if impl == "tf_keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from tensorflow import keras
        return keras
    import keras
    return keras


def _timed_fit(model, x, y, batch_size, epochs):
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def tiny(keras, epochs: int) -> float:
    """Seconds per step of the seed problem (Dense(1) on 4 samples, SGD 0.1, MSE)."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.1))
    x = np.array([[1.0], [2.0], [3.0], [4.0]], dtype="float32")
    model.fit(x, x, epochs=2, verbose=0)
    return _timed_fit(model, x, x, None, epochs) / epochs


def mlp(keras, n: int) -> float:
    """Training samples/s of the MLP 784-256-256-10, Adam, batch 128."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 784)).astype("float32")
    y = rng.integers(0, 10, size=n).astype("int64")
    layers = keras.layers
    model = keras.Sequential([keras.Input((784,)), layers.Dense(256, activation="relu"),
                              layers.Dense(256, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:1280], y[:1280], batch_size=128, epochs=1, verbose=0)
    return n / _timed_fit(model, x, y, 128, 1)


def cnn(keras, n: int) -> float:
    """Training samples/s of the convnet of bench_cnn.py (NHWC data), batch 128."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, size=n).astype("int64")
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10),
    ])
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:640], y[:640], batch_size=128, epochs=1, verbose=0)
    return n / _timed_fit(model, x, y, 128, 1)


def lstm(keras, n: int) -> float:
    """Training samples/s of Embedding(10000,64)-LSTM(64)-Dense(1, sigmoid), seq 100, batch 64."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(n, STEPS)).astype("int64")
    y = rng.integers(0, 2, size=(n, 1)).astype("float32")
    model = keras.Sequential([keras.Input((STEPS,), dtype="int64"), keras.layers.Embedding(VOCAB, DIM),
                              keras.layers.LSTM(UNITS), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    model.fit(x[:640], y[:640], batch_size=64, epochs=1, verbose=0)
    return n / _timed_fit(model, x, y, 64, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--impl", choices=("keras3", "tf_keras"), default="keras3")
    parser.add_argument("--workloads", default="tiny,mlp,cnn,lstm")
    parser.add_argument("--tiny-epochs", type=int, default=100)
    parser.add_argument("--mlp-samples", type=int, default=20480)
    parser.add_argument("--cnn-samples", type=int, default=3200)
    parser.add_argument("--lstm-samples", type=int, default=3200)
    args = parser.parse_args()
    keras = _import_keras(args.impl)
    runs = {"tiny": lambda: tiny(keras, args.tiny_epochs), "mlp": lambda: mlp(keras, args.mlp_samples),
            "cnn": lambda: cnn(keras, args.cnn_samples), "lstm": lambda: lstm(keras, args.lstm_samples)}
    version = getattr(keras, "__version__", None)
    if args.impl == "tf_keras":
        import tensorflow as tf
        version = f"tf {tf.__version__}"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cores

    def cleared(run):
        def go():
            keras.backend.clear_session()
            return run()
        return go

    out = cores.run_probed({name: cleared(runs[name]) for name in args.workloads.split(",")},
                           {"version": version})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
