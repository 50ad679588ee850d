"""keraton demo: train an MLP on scikit-learn's handwritten digits (no download needed).

Run with ``python examples/digits_demo.py``.  Prints Keras progress bars,
the test accuracy, and writes the training curves to
``out/digits_training_curves.png``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import keraton as keras


def main(out_dir: str = "out", epochs: int = 30) -> float:
    """Train, evaluate, plot; return the test accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    keras.utils.set_random_seed(42)
    digits = load_digits()
    x = digits.data.astype("float32") / 16.0  # 8x8 images, pixel values 0..16
    y = digits.target
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f} - test accuracy: {accuracy:.4f}")

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "digits_training_curves.png")
    _plot(history.history, path)
    print(f"Training curves written to {path}")
    predictions = model.predict(x_test[:5], verbose=0)
    print("First test digits:", y_test[:5].tolist(), "predicted:", np.argmax(predictions, axis=1).tolist())
    return accuracy


def _plot(history: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax in (("loss", ax_loss), ("accuracy", ax_acc)):
        ax.plot(history[key], label=f"train {key}")
        ax.plot(history[f"val_{key}"], label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.legend()
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written PNG


if __name__ == "__main__":
    sys.exit(0 if main() > 0.9 else 1)
