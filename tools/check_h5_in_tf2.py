"""Check that ``model.save('m.h5')`` files written by keraton load in real tf.keras 2 and predict the same.

A zoo of models (``MODELS``: dense/normalization/activation/merge layers with
initializers, regularizers and constraints; 1-3D convolutions, pooling,
padding; Embedding with masks and LSTM/GRU/SimpleRNN/Bidirectional/
TimeDistributed; attention; ConvLSTM2D; Masking; an encoder-decoder
with ``initial_state``) is saved by keraton, then
loaded by TensorFlow 2.15's tf.keras in another interpreter. Run outside the
test environment::

    python tools/check_h5_in_tf2.py [--tf-python /tmp/tfenv/bin/python]

``tests/saving/test_h5_for_tf2.py`` runs the same zoo without TensorFlow and
checks the files' configs against the argument table of tf.keras 2.15.
"""

import argparse
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import keraton

L = keraton.layers


def dense_zoo():
    i = keraton.Input((6,))
    h = L.Dense(5, activation="relu", kernel_regularizer=keraton.regularizers.l2(1e-3),
                kernel_constraint=keraton.constraints.MaxNorm(2.0), bias_initializer="random_normal")(i)
    h = L.LayerNormalization()(L.Dropout(0.3)(L.BatchNormalization()(L.Identity()(h))))
    h = L.ReLU(max_value=3.0)(L.ELU()(L.PReLU(alpha_initializer="ones")(L.LeakyReLU(0.2)(h))))
    h = L.ActivityRegularization(l1=0.01)(L.Activation("softmax")(L.GaussianNoise(0.1)(h)))
    h2 = L.Dense(5, kernel_initializer="he_normal")(i)
    merged = L.Concatenate()([L.Add()([h, h2]), L.Multiply()([h, h2]), L.Average()([h, h2]),
                              L.Maximum()([h, h2]), L.Subtract()([h, h2])])
    return keraton.Model(i, L.Dense(2, activation="sigmoid")(merged)), [(4, 6)]


def conv_zoo():
    i = keraton.Input((12, 12, 3))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(i)
    h = L.DepthwiseConv2D(3, padding="same")(L.SeparableConv2D(4, 3, depth_multiplier=2)(h))
    h = L.UpSampling2D()(L.Cropping2D(1)(L.ZeroPadding2D(1)(L.MaxPooling2D()(h))))
    h = L.SpatialDropout2D(0.2)(L.AveragePooling2D()(L.Conv2DTranspose(3, 3, strides=2)(h)))
    pooled = L.concatenate([L.GlobalAveragePooling2D()(h), L.GlobalMaxPooling2D()(h)])
    return keraton.Model(i, L.Dense(3)(pooled)), [(2, 12, 12, 3)]


def conv1d_3d_zoo():
    i = keraton.Input((10, 3))
    h = L.UpSampling1D()(L.MaxPooling1D()(L.Conv1D(4, 3, padding="causal", dilation_rate=2)(i)))
    h = L.GlobalMaxPooling1D()(L.Conv1DTranspose(2, 3)(L.SeparableConv1D(3, 2)(h)))
    j = keraton.Input((4, 4, 4, 2))
    k = L.Flatten()(L.MaxPooling3D()(L.Conv3D(2, 2)(j)))
    return keraton.Model([i, j], L.concatenate([h, k])), [(2, 10, 3), (2, 4, 4, 4, 2)]


def recurrent_zoo():
    i = keraton.Input((7,), dtype="int32")
    h = L.LSTM(5, return_sequences=True)(L.Embedding(20, 4, mask_zero=True)(i))
    h = L.Bidirectional(L.GRU(3, return_sequences=True))(h)
    h = L.SimpleRNN(3)(L.TimeDistributed(L.Dense(2))(h))
    h = L.Reshape((6,))(L.Permute((2, 1))(L.RepeatVector(2)(h)))
    return keraton.Model(i, h), [(3, 7)]


def sequential_zoo():
    return keraton.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2, activation="tanh")]), [(2, 3)]


def attention_zoo():
    q, v = keraton.Input((4, 6)), keraton.Input((5, 6))
    outputs = [L.Attention()([q, v]), L.MultiHeadAttention(2, 3)(q, v), L.AdditiveAttention()([q, v]),
               L.MultiHeadAttention(1, 2)(q, value=v, key=v)]
    return keraton.Model([q, v], L.concatenate(outputs)), [(2, 4, 6), (2, 5, 6)]


def conv_lstm_zoo():
    i = keraton.Input((3, 6, 6, 2))
    h = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(i)
    return keraton.Model(i, L.Conv3D(1, 3, padding="same")(h)), [(2, 3, 6, 6, 2)]


def masking_zoo():
    i = keraton.Input((5, 3))
    return keraton.Model(i, L.LSTM(2)(L.Masking(0.0)(i))), [(2, 5, 3)]


def seq2seq_zoo():
    enc_in, dec_in = keraton.Input((None, 3)), keraton.Input((None, 4))
    _, h, c = L.LSTM(5, return_state=True)(enc_in)
    dec = L.LSTM(5, return_sequences=True)(dec_in, initial_state=[h, c])
    return keraton.Model([enc_in, dec_in], L.Dense(4, activation="softmax")(dec)), [(2, 6, 3), (2, 5, 4)]


MODELS = {f.__name__: f for f in (dense_zoo, conv_zoo, conv1d_3d_zoo, recurrent_zoo, sequential_zoo,
                                  attention_zoo, conv_lstm_zoo, masking_zoo, seq2seq_zoo)}


def inputs_for(name, shapes, rng):
    if name == "recurrent_zoo":
        return [rng.randint(0, 20, s).astype("int32") for s in shapes]
    return [rng.normal(size=s).astype("float32") for s in shapes]


TF_LOADER = """
import sys, numpy as np, tensorflow as tf
for path in sys.argv[1:]:
    data = np.load(path[:-3] + ".npz")
    xs = [data[k] for k in sorted(data.files) if k.startswith("x")]
    try:
        got = tf.keras.models.load_model(path).predict(xs if len(xs) > 1 else xs[0], verbose=0)
        print(path, "max difference", float(np.abs(got - data["out"]).max()))
    except Exception as error:
        print(path, "FAILED", type(error).__name__, str(error)[:500])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tf-python", default="/tmp/tfenv/bin/python")
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, build in MODELS.items():
            keraton.backend.clear_session()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model, shapes = build()
            model.compile("adam", "mse")
            xs = inputs_for(name, shapes, rng)
            out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
            np.savez(Path(tmp) / f"{name}.npz", out=out, **{f"x{i}": x for i, x in enumerate(xs)})
            model.save(Path(tmp) / f"{name}.h5")
            paths.append(str(Path(tmp) / f"{name}.h5"))
        result = subprocess.run([args.tf_python, "-c", TF_LOADER, *paths], capture_output=True, text=True)
        print(result.stdout or result.stderr[-3000:])
        sys.exit(0 if result.stdout and "FAILED" not in result.stdout else 1)


if __name__ == "__main__":
    main()
