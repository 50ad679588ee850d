"""A ``build`` with several ``<argument>_shape`` parameters gets each call argument's shape by name, as Keras 3."""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


def _classes(lib):
    layers = lib.layers

    class Bilinear(layers.Layer):
        def build(self, x_shape, y_shape):
            self.seen = (tuple(x_shape), tuple(y_shape))
            self.w = self.add_weight(shape=(x_shape[-1], y_shape[-1]), initializer="ones", name="w")

        def call(self, x, y):
            return lib.ops.matmul(x, self.w) + y

    class Optional(layers.Layer):
        def build(self, a_shape, b_shape=None, c_shape=None):
            self.seen = (a_shape, b_shape, c_shape)

        def call(self, a, b=None, c=None):
            return a

    return Bilinear, Optional


def _as_tuples(seen):
    return tuple(None if s is None else tuple(s) for s in seen)


@pytest.mark.parametrize("call", [
    lambda layer, x, y: layer(x, y),
    lambda layer, x, y: layer(x, y=y),
    lambda layer, x, y: layer(y=y, x=x),
])
def test_eager_call_builds_with_each_arguments_shape(call):
    (ours_cls, _), (theirs_cls, _) = _classes(keraton), _classes(keras)
    x, y = np.ones((2, 3), "float32"), np.ones((2, 4), "float32")
    ours, theirs = ours_cls(), theirs_cls()
    out = call(ours, torch.as_tensor(x), torch.as_tensor(y))
    call(theirs, x, y)
    assert _as_tuples(ours.seen) == _as_tuples(theirs.seen) == ((2, 3), (2, 4))
    np.testing.assert_array_equal(out.detach().numpy(), np.full((2, 4), 4.0))
    assert ours.get_build_config() == {"shapes_dict": {"x_shape": [None, 3], "y_shape": [None, 4]}}


@pytest.mark.parametrize("kwargs,expected", [
    (dict(c=np.ones((2, 5), "float32")), ((2, 3), None, (2, 5))),
    (dict(b=np.ones((2, 4), "float32")), ((2, 3), (2, 4), None)),
    ({}, ((2, 3), None, None)),
])
def test_arguments_not_given_keep_their_defaults(kwargs, expected):
    (_, ours_cls), (_, theirs_cls) = _classes(keraton), _classes(keras)
    ours, theirs = ours_cls(), theirs_cls()
    ours(np.ones((2, 3), "float32"), **kwargs)
    theirs(np.ones((2, 3), "float32"), **kwargs)
    assert _as_tuples(ours.seen) == _as_tuples(theirs.seen) == expected


def test_symbolic_call_and_saved_model_round_trip_with_keras(tmp_path):
    results = {}
    for name, lib in (("ours", keraton), ("theirs", keras)):
        bilinear, _ = _classes(lib)
        x_in, y_in = lib.Input((3,)), lib.Input((4,))
        layer = bilinear(name="bilinear")
        model = lib.Model([x_in, y_in], layer(x_in, y_in))
        assert _as_tuples(layer.seen) == ((None, 3), (None, 4))
        model.save(tmp_path / f"{name}.keras")
        results[name] = bilinear
    x, y = np.ones((2, 3), "float32"), np.full((2, 4), 0.5, "float32")
    for saved in ("ours", "theirs"):
        for loader, cls_key in ((keraton, "ours"), (keras, "theirs")):
            cls = results[cls_key]
            loaded = loader.saving.load_model(tmp_path / f"{saved}.keras",
                                              custom_objects={"Bilinear": cls})
            layer = loaded.get_layer("bilinear")
            assert _as_tuples(layer.seen) == ((None, 3), (None, 4))
            out = loaded([x, y])
            np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(out)),
                                       np.full((2, 4), 3.5), rtol=1e-6)
