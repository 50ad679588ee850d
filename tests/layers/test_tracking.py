"""Layers kept in list, dict and tuple attributes are tracked as sublayers, as Keras tracks them."""

import copy
import pickle

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.tracking import LayerDict, LayerList, TrackedDict, TrackedList

keras = pytest.importorskip("keras")


def _net_class(lib):
    layers = lib.layers

    class Net(lib.Model):
        def __init__(self):
            super().__init__(name="net")
            self.blocks = []
            for i in range(2):
                self.blocks.append(layers.Dense(3, name=f"b{i}"))
            self.heads = {}
            self.heads["a"] = layers.Dense(1, name="ha")
            self.heads["b"] = layers.Dense(1, name="hb")
            self.pair = (layers.Dense(2, name="p0"), layers.Dense(2, name="p1"))
            self.stages = [[layers.Dense(2, name="s00")], [layers.Dense(2, name="s10")]]
            self.labels = ["x", "y"]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.pair[1](self.pair[0](x))
            for stage in self.stages:
                for layer in stage:
                    x = layer(x)
            return self.heads["a"](x) + self.heads["b"](x)

    return Net


def _built(lib):
    model = _net_class(lib)()
    model(np.zeros((1, 4), "float32"))
    return model


def _h5_paths(path):
    h5py = pytest.importorskip("h5py")
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Dataset) else None)
    return sorted(out)


def test_weights_counts_and_paths_match_keras():
    ours, theirs = _built(keraton), _built(keras)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    assert ours.count_params() == theirs.count_params() == 59
    assert len(ours.trainable_weights) == 16
    assert isinstance(ours.blocks, list) and isinstance(ours.heads, dict)
    assert ours.labels == ["x", "y"] and type(ours.labels) is list  # no layers: left alone


def test_weights_files_have_keras_layout_and_load_both_ways(tmp_path):
    ours, theirs = _built(keraton), _built(keras)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    assert _h5_paths(tmp_path / "ours.weights.h5") == _h5_paths(tmp_path / "theirs.weights.h5")
    fresh = _built(keraton)
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(fresh(x).detach().numpy(), np.asarray(theirs(x).detach()), rtol=1e-6)
    other = _built(keras)
    other.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(np.asarray(other(x).detach()), ours(x).detach().numpy(), rtol=1e-6)


def test_fit_trains_the_layers_in_containers():
    model = _built(keraton)
    before = [w.detach().clone() for w in model.trainable_weights]
    model.compile(keraton.optimizers.SGD(0.1), "mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=0)
    assert all(not torch.equal(b, w) for b, w in zip(before, model.trainable_weights))


def test_torch_sees_them_under_the_attribute_name():
    model = _built(keraton)
    keys = list(model.state_dict())
    assert keys[:2] == ["blocks.0.kernel", "blocks.0.bias"]
    assert "heads.a.kernel" in keys and "pair.1.bias" in keys and "stages.1.kernel" in keys
    assert isinstance(model._modules["blocks"], LayerList)
    assert isinstance(model._modules["heads"], LayerDict)
    assert len(list(model.parameters())) == len(model.weights)


def test_list_changes_are_followed():
    layer = keraton.layers.Layer()
    layer.items = []
    assert isinstance(layer.items, TrackedList) and "items" not in layer._modules
    a, b = keraton.layers.Dense(2), keraton.layers.Dense(2)
    layer.items.append(a)
    layer.items += [b]
    assert layer._sublayers() == [a, b]
    layer.items.remove(a)
    assert layer._sublayers() == [b]
    layer.items[0] = a
    assert layer._sublayers() == [a]
    layer.items.pop()
    assert layer._sublayers() == [] and "items" not in layer._modules
    layer.items.extend([a, 7])  # other values may share the list
    assert layer._sublayers() == [a] and layer.items == [a, 7]


def test_dict_changes_and_reassignment_are_followed():
    layer = keraton.layers.Layer()
    layer.heads = {}
    assert isinstance(layer.heads, TrackedDict)
    dense = keraton.layers.Dense(2)
    layer.heads.update(out=dense)
    assert layer._sublayers() == [dense]
    del layer.heads["out"]
    assert layer._sublayers() == []
    layer.heads = {"x": dense}
    layer.heads = None  # replaced by a plain value: no longer tracked, and reads back
    assert layer.heads is None and layer._sublayers() == []
    layer.pair = (dense,)
    del layer.pair
    assert not hasattr(layer, "pair") and layer._sublayers() == []


def test_a_stale_list_no_longer_changes_the_layer():
    layer = keraton.layers.Layer()
    layer.items = [keraton.layers.Dense(2)]
    old = layer.items
    layer.items = []
    old.append(keraton.layers.Dense(3))
    assert layer._sublayers() == []


def test_torch_modules_in_a_list_are_trained_weights():
    class Holder(keraton.layers.Layer):
        def __init__(self):
            super().__init__()
            self.mods = [torch.nn.Linear(3, 2)]

        def call(self, x):
            return self.mods[0](x)

    holder = Holder()
    holder(torch.zeros(1, 3))
    assert [tuple(w.shape) for w in holder.trainable_weights] == [(2, 3), (2,)]


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["deepcopy", "pickle"])
def test_copies_keep_tracking_on_the_copy(clone):
    model = KeratonNet()
    model(np.zeros((1, 4), "float32"))
    other = clone(model)
    assert isinstance(other.blocks, TrackedList) and other.blocks._owner is other
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(other(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    other.blocks.append(keraton.layers.Dense(3, name="b2"))
    assert len(other._modules["blocks"]) == 3 and len(model._modules["blocks"]) == 2


KeratonNet = _net_class(keraton)  # module level, so that pickle finds the class
KeratonNet.__qualname__ = "KeratonNet"


def test_a_list_taken_from_another_layer_is_tracked_by_both():
    first, second = keraton.layers.Layer(), keraton.layers.Layer()
    first.items = [keraton.layers.Dense(2)]
    second.items = first.items
    assert second.items is not first.items and second.items._owner is second
    second.items.append(keraton.layers.Dense(3))
    assert len(second._sublayers()) == 2 and len(first._sublayers()) == 1


def _interleaved_class(lib):
    layers = lib.layers

    class Block(layers.Layer):
        """Layers appended in turn to two lists, then an attribute, a list, one made in build."""

        def __init__(self):
            super().__init__(name="block")
            self.attn, self.ffn = [], []
            for i in range(2):
                self.attn.append(layers.Dense(2 + i, name=f"a{i}"))
                self.ffn.append(layers.Dense(5 + i, name=f"f{i}"))
            self.norm = layers.LayerNormalization(name="norm")
            self.extra = [layers.Dense(9, name="x")]

        def build(self, shape):
            self.late = layers.Dense(7, name="late")
            self.w = self.add_weight(shape=(1,), name="w")

        def call(self, x):
            for a, f in zip(self.attn, self.ffn):
                x = f(a(x))
            return self.late(self.extra[0](self.norm(x))) * self.w

    return Block


InterleavedBlock = _interleaved_class(keraton)  # module level, so that pickle finds the class
InterleavedBlock.__qualname__ = "InterleavedBlock"


@pytest.mark.parametrize("clone", [lambda m: m, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["original", "deepcopy", "pickle"])
def test_sublayers_and_weights_follow_keras_tracking_order(clone):
    ours, theirs = InterleavedBlock(), _interleaved_class(keras)()
    ours(torch.ones(1, 3))
    theirs(np.ones((1, 3), "float32"))
    ours = clone(ours)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    assert [w.path for w in ours.weights][1:5] == ["block/a0/kernel", "block/a0/bias",
                                                  "block/f0/kernel", "block/f0/bias"]
    # get_weights of one loads into the other with set_weights.
    values = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
              for i, w in enumerate(theirs.weights)]
    theirs.set_weights(values)
    ours.set_weights(values)
    x = np.random.default_rng(9).normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(ours(torch.as_tensor(x)).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)


def test_replaced_sublayers_are_forgotten_and_the_new_one_comes_last():
    block = keraton.layers.Layer()
    block.first = keraton.layers.Dense(2, name="first")
    block.second = keraton.layers.Dense(2, name="second")
    old = block.first
    block.first = keraton.layers.Dense(3, name="new_first")
    assert [layer.name for layer in block._sublayers()] == ["second", "new_first"]
    assert not any(layer is old for layer in block.__dict__["_sublayer_order"].layers)
