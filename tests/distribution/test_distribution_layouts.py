"""DeviceMesh, TensorLayout, LayoutMap, ModelParallel, distribute_tensor: Keras's configs and errors."""

import numpy as np
import pytest
import torch

import keraton
from keraton.distribution import layouts

DEVICES = [f"cpu:{i}" for i in range(4)]


@pytest.fixture
def kd():
    return pytest.importorskip("keras").distribution


def test_mesh_and_layouts_match_keras(kd):
    mesh = layouts.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    k_mesh = kd.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    assert repr(mesh) == repr(k_mesh) and mesh.shape == k_mesh.shape
    assert mesh.axis_names == k_mesh.axis_names
    np.testing.assert_array_equal(mesh.devices, k_mesh.devices)
    layout = layouts.TensorLayout((None, "model"), mesh)
    k_layout = kd.TensorLayout((None, "model"), k_mesh)
    assert repr(layout) == repr(k_layout) and layout.axes == k_layout.axes


def test_layout_map_lookup_matches_keras(kd):
    mesh = layouts.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    k_mesh = kd.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    maps = layouts.LayoutMap(mesh), kd.LayoutMap(k_mesh)
    for m, tl in zip(maps, (layouts.TensorLayout, kd.TensorLayout)):
        m[".*dense.*kernel"] = (None, "model")
        m[".*dense.*bias"] = tl(("model",))
        m[".*bias"] = ("model",)
        m["exact/kernel"] = ("batch", None)
    for path in ["dense_1/kernel", "model/dense/kernel", "conv/kernel", "exact/kernel", "x/bias"]:
        mine, theirs = maps[0][path], maps[1][path]
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert mine.axes == theirs.axes and mine.device_mesh is mesh
    for m in maps:
        with pytest.raises(ValueError, match="matches multiple layout"):
            m["dense/bias"]
    assert list(maps[0]) == list(maps[1]) and len(maps[0]) == 4
    del maps[0]["exact/kernel"]
    assert maps[0]["exact/kernel"] is None


def test_model_parallel_matches_keras(kd):
    mesh = layouts.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    k_mesh = kd.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    maps = layouts.LayoutMap(mesh), kd.LayoutMap(k_mesh)
    for m in maps:
        m[".*dense.*kernel"] = (None, "model")
    mine = layouts.ModelParallel(layout_map=maps[0], batch_dim_name="model")
    theirs = kd.ModelParallel(layout_map=maps[1], batch_dim_name="model")
    assert repr(mine) == repr(theirs)
    for attr in ("num_model_replicas", "batch_dim_name", "data_shard_id", "num_processes",
                 "auto_shard_dataset"):
        assert getattr(mine, attr) == getattr(theirs, attr), attr
    assert mine.get_data_layout((8, 3)).axes == theirs.get_data_layout((8, 3)).axes
    dense = keraton.layers.Dense(2, name="dense")
    dense.build((None, 3))
    assert mine.get_variable_layout(dense.kernel).axes == (None, "model")
    assert mine.get_variable_layout(dense.bias).axes == (None,)
    assert mine.get_tensor_layout("dense/kernel").axes == theirs.get_tensor_layout("dense/kernel").axes
    with pytest.raises(NotImplementedError, match="cannot do"):
        with mine.scope():
            pass


@pytest.mark.parametrize("make,match", [
    (lambda m: m.DeviceMesh((), ["a"], devices=DEVICES), "cannot be empty"),
    (lambda m: m.DeviceMesh((4,), ["a", "b"], devices=DEVICES), "same size"),
    (lambda m: m.DeviceMesh((3,), ["a"], devices=DEVICES), "does not match the number of devices"),
    (lambda m: m.TensorLayout(("x",), m.DeviceMesh((4,), ["a"], devices=DEVICES)), "Invalid axis"),
    (lambda m: m.ModelParallel(), "must specify a layout_map"),
    (lambda m: m.ModelParallel(layout_map={}), "must be a `LayoutMap`"),
])
def test_errors_match_keras(kd, make, match):
    with pytest.raises(ValueError, match=match):
        make(kd)
    with pytest.raises(ValueError, match=match):
        make(layouts)


def test_layout_map_rejects_duplicates_and_non_layouts():
    layout_map = layouts.LayoutMap(None)
    layout_map["a"] = (None,)
    with pytest.raises(ValueError, match="already exist"):
        layout_map["a"] = (None,)
    with pytest.raises(ValueError, match="should be a TensorLayout"):
        layout_map["b"] = "model"
    layout = layouts.TensorLayout((None,), layouts.DeviceMesh((1,), ["batch"], devices=["cpu:0"]))
    with pytest.raises(ValueError, match="Cannot override device mesh"):
        layout.device_mesh = layout.device_mesh


def test_single_device_works_and_splitting_raises():
    assert layouts.get_device_count("cpu") == 1
    single = layouts.get_device_count() == 1  # the default devices make a 1-device mesh
    mesh = layouts.DeviceMesh((1, 1), ["batch", "model"], devices=None if single else ["cpu:0"])
    assert mesh.devices.shape == (1, 1)
    x = torch.ones(2, 3)
    assert layouts.distribute_tensor(x, layouts.TensorLayout(("batch", "model"), mesh)) is x
    layout_map = layouts.LayoutMap(mesh)
    layout_map[".*kernel"] = (None, "model")
    with layouts.ModelParallel(layout_map=layout_map).scope():
        pass
    big = layouts.DeviceMesh((2, 2), ["batch", "model"], devices=DEVICES)
    assert layouts.distribute_tensor(x, layouts.TensorLayout((None, None), big)) is x
    with pytest.raises(NotImplementedError, match="splits tensors"):
        layouts.distribute_tensor(x, layouts.TensorLayout((None, "model"), big))
    symbolic = keraton.Input((3,))
    assert layouts.distribute_tensor(symbolic, layouts.TensorLayout((None, "model"), big)) is symbolic
    with pytest.raises(NotImplementedError, match="backend"):
        _ = big.backend_mesh
