"""Shared by the tf.keras 2 application tests and their fixture script (no TensorFlow imported here).

``seeded_weights`` makes the same deterministic weights from a model's weight shapes in tf.keras 2
(when the fixtures are made) and in keraton (when they are checked), so the fixtures hold only
the inputs and tf.keras 2's outputs, not the megabytes of weights.
"""

import json
import os

import numpy as np

FIXTURE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                           "tf2_applications")


def seeded_weights(shapes, seed=0):
    """Deterministic float32 weights of ``shapes``: He-scaled normal kernels, vectors in [0.5, 1.5].

    Vectors (biases and BatchNormalization gamma/beta/mean/variance) stay positive so a moving
    variance is valid; kernels are scaled by ``sqrt(1 / fan_in)`` so activations keep their size
    through deep networks.
    """
    rng = np.random.default_rng(seed)
    weights = []
    for shape in shapes:
        shape = tuple(int(d) for d in shape)
        if len(shape) <= 1:
            weights.append(rng.random(shape, dtype=np.float32) + np.float32(0.5))
        else:
            fan_in = int(np.prod(shape[:-1]))
            weights.append(rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(1.0 / fan_in)))
    return weights


def load_fixture(name):
    """``(arrays, meta)`` of ``tests/fixtures/tf2_applications/<name>.npz`` (meta: its JSON record)."""
    data = np.load(os.path.join(FIXTURE_DIR, f"{name}.npz"))
    arrays = {key: data[key] for key in data.files if key != "meta"}
    return arrays, json.loads(str(data["meta"]))


def layer_summary(model):
    """``[name, class name, output shape]`` of each layer, with tf.keras 2's op layers renamed."""
    return [[layer.name, layer.__class__.__name__, list(_shape(layer))] for layer in model.layers]


def _shape(layer):
    shape = getattr(layer, "output_shape", None)
    if shape is None:
        shape = layer.output.shape
    if isinstance(shape, list):
        shape = shape[0]
    return [None if d is None else int(d) for d in shape]


def skip_truncated_normal_draws(monkeypatch):
    """Make keraton's truncated-normal initializer return uninitialised tensors (tests only).

    The tests overwrite every weight (``set_weights``) or only count parameters, and the
    4-candidate truncated-normal draws of these 10^7-10^8-parameter models take most of the time.
    """
    import torch

    from keraton.initializers import random_initializers

    monkeypatch.setattr(random_initializers, "_truncated_normal",
                        lambda shape, mean, stddev, dtype, generator: torch.empty(tuple(shape), dtype=dtype))


def expected_layers(meta):
    """The fixture's layer list with tf.keras 2's op layers given keraton's class names.

    tf.keras 2 records ``x + y`` and ``tf.math.multiply`` as ``TFOpLambda`` layers; keraton builds
    an ``Add``/``Multiply`` layer of the same name. The input layer is left out: it is auto-named
    (``input_1`` in tf.keras 2, ``input_layer`` in Keras 3 and keraton).
    """
    rows = []
    for name, cls, shape in meta["layers"][1:]:
        if cls == "TFOpLambda":
            cls = "Add" if name.startswith("tf.__operators__.add") else "Multiply"
        rows.append([name, cls, shape])
    return rows


def check_against_tf2(module, name, case):
    """Build keraton's ``name`` as the fixture ``<name>_<case>`` did and compare everything recorded."""
    import torch

    import keraton.backend

    arrays, meta = load_fixture(f"{name}_{case}")
    keraton.backend.clear_session()
    model = getattr(module, name)(weights=None, input_shape=(32, 32, 3), **meta["kwargs"])
    assert model.name == meta["model_name"]
    assert layer_summary(model)[1:] == expected_layers(meta)
    shapes = [list(w.shape) for w in model.get_weights()]
    assert shapes == meta["weight_shapes"]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert (trainable, non_trainable) == (meta["trainable"], meta["non_trainable"])
    model.set_weights(seeded_weights(shapes))
    with torch.no_grad():  # a direct call: predict()'s loop costs more than these tiny batches
        got = model(torch.from_numpy(arrays["x"]), training=False).numpy()
    np.testing.assert_allclose(got, arrays["y"], rtol=1e-4, atol=1e-4 * float(np.abs(arrays["y"]).max()))


def check_summary(module, name):
    """Parameter counts and layers per class of keraton's ``name`` with its defaults, as tf.keras 2.

    Returns the model (built with ``weights=None``).
    """
    import keraton.backend

    data = np.load(os.path.join(FIXTURE_DIR, "summaries.npz"))
    expected = json.loads(str(data["meta"]))[name]
    keraton.backend.clear_session()
    model = getattr(module, name)(weights=None)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert (trainable, non_trainable) == (expected["trainable"], expected["non_trainable"])
    assert len(model.layers) == expected["layers"]
    classes = {}
    for layer in model.layers:
        classes[layer.__class__.__name__] = classes.get(layer.__class__.__name__, 0) + 1
    ops = expected["classes"].pop("TFOpLambda", 0)
    assert classes.pop("Add", 0) + classes.pop("Multiply", 0) == ops + expected["classes"].pop("Add", 0) + \
        expected["classes"].pop("Multiply", 0)
    assert classes == expected["classes"]
    return model
