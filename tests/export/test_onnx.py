"""``model.export(format="onnx")``: the file runs in onnxruntime and gives the model's outputs."""

from __future__ import annotations

import numpy as np
import pytest

import keraton

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _model(name: str):
    """The model for ``name`` and its input shapes (without batch); built lazily, per test."""
    L = keraton.layers
    if name == "sequential":
        return keraton.Sequential([keraton.Input((4,)), L.Dense(8, activation="relu"), L.Dropout(0.5),
                                   L.Dense(3, activation="softmax")]), [(4,)]
    if name == "functional":
        a, b = keraton.Input((4,), name="a"), keraton.Input((2,), name="b")
        inner = keraton.Sequential([L.Dense(3), L.Dense(3)])
        x = L.Concatenate()([L.Dense(3, activation="tanh")(a), b])
        return keraton.Model([a, b], L.Dense(2)(inner(x))), [(4,), (2,)]
    if name == "conv_bn":
        return keraton.Sequential([keraton.Input((6, 6, 3)), L.Conv2D(4, 3), L.BatchNormalization(),
                                   L.Flatten(), L.Dense(2)]), [(6, 6, 3)]
    return keraton.Sequential([keraton.Input((5, 3)), L.LSTM(4), L.Dense(1)]), [(5, 3)]


@pytest.mark.parametrize("name", ["sequential", "functional", "conv_bn", "lstm"])
def test_onnx_matches_predict_for_several_batch_sizes(name, tmp_path, capsys):
    model, shapes = _model(name)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) * 0.5 +
                       (1.0 if "variance" in getattr(p, "_keras_name", "") else 0.0)
                       for w, p in zip(model.get_weights(), model.weights)])
    path = str(tmp_path / "model.onnx")
    model.export(path, format="onnx")
    assert "Saved artifact" in capsys.readouterr().out
    session = ort.InferenceSession(path)
    feeds = [i.name for i in session.get_inputs()]
    for batch in (1, 7):
        xs = [rng.normal(size=(batch,) + s).astype("float32") for s in shapes]
        expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        got = session.run(None, dict(zip(feeds, xs)))[0]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert not model.training  # inference mode restored


def test_unknown_format_and_unbuilt_model(tmp_path):
    model = _model("sequential")[0]
    with pytest.raises(ValueError, match="tf_saved_model.*TensorFlow"):
        model.export(str(tmp_path / "m"), format="tf_saved_model")
    unbuilt = keraton.Sequential([keraton.layers.Dense(2)])
    with pytest.raises(ValueError, match="input_signature"):
        unbuilt.export(str(tmp_path / "m.onnx"))


def test_input_signature_for_a_subclassed_model(tmp_path):
    class Net(keraton.Model):
        def __init__(self):
            super().__init__()
            self.dense = keraton.layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2.0

    model = Net()
    model.export(str(tmp_path / "net.onnx"), input_signature=[(None, 3)], verbose=False)
    session = ort.InferenceSession(str(tmp_path / "net.onnx"))
    x = np.ones((4, 3), "float32")
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
