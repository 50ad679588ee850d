"""Tests of keraton.optimizers.multi_optimizer against real Keras 3.15's ``MultiOptimizer``/``OptimizerMap``."""

import numpy as np
import pytest
import torch

import keraton
from keraton.mixed_precision import LossScaleOptimizer
from keraton.optimizers import SGD, Adam, RMSprop
from keraton.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap

# Until keraton.optimizers exports the classes, loading a file needs them as custom objects.
CUSTOM = None if hasattr(keraton.optimizers, "MultiOptimizer") else {"MultiOptimizer": MultiOptimizer}


def _param(path, value):
    p = torch.nn.Parameter(torch.tensor(value, dtype=torch.float32))
    p.path = path
    return p


def _to_numpy(x):
    value = getattr(x, "value", x)
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(x)


def test_optimizer_map_lookup():
    adam, sgd, default = Adam(), SGD(), RMSprop()
    opt_map = OptimizerMap(default_optimizer=default)
    opt_map["encoder/layer_0/dense"] = adam
    opt_map["encoder/.*"] = sgd
    opt_map["decoder"] = adam
    assert opt_map["decoder"] is adam
    assert opt_map["encoder/layer_0/dense"] is adam  # the exact key wins over the pattern
    assert opt_map["encoder/layer_0/attention/query"] is sgd
    assert opt_map["decoder/layer_0/dense"] is default  # fullmatch, not search
    assert opt_map(_param("encoder/kernel", [1.0])) is sgd
    assert len(opt_map) == 3 and list(opt_map) == ["encoder/layer_0/dense", "encoder/.*", "decoder"]
    del opt_map["decoder"]
    assert opt_map["decoder"] is default
    conflict = OptimizerMap(default, {".*kernel.*": adam, ".*dense.*": sgd})
    with pytest.raises(ValueError, match="Multiple optimizers assigned"):
        conflict(_param("dense/kernel", [1.0]))


def test_optimizer_map_bad_arguments():
    sgd = SGD()
    with pytest.raises(TypeError, match="default_optimizer"):
        OptimizerMap("sgd")
    with pytest.raises(TypeError, match="optimizer_map must be a dict"):
        OptimizerMap(sgd, [("a", sgd)])
    opt_map = OptimizerMap(sgd, {"a": sgd})
    with pytest.raises(ValueError, match="already exists"):
        opt_map["a"] = Adam()
    with pytest.raises(ValueError, match="key must be a string"):
        opt_map[3] = Adam()
    with pytest.raises(ValueError, match="Optimizer instance"):
        opt_map["b"] = "adam"
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        opt_map["b"] = LossScaleOptimizer(SGD())
    with pytest.raises(ValueError, match="cannot be MultiOptimizer"):
        opt_map["b"] = MultiOptimizer(opt_map)
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        MultiOptimizer({"a": sgd}).build([_param("a", [1.0])])


def test_build_rejects_wrappers_and_non_optimizers():
    sgd = SGD()
    direct = OptimizerMap(sgd)
    direct._optimizer_map = {"dense_1/.*": LossScaleOptimizer(SGD()), "dense_2/.*": MultiOptimizer(sgd)}
    with pytest.raises(ValueError, match="LossScaleOptimizer cannot be used inside an MultiOptimizer"):
        MultiOptimizer(direct).build([_param("dense_1/kernel", [1.0])])
    with pytest.raises(ValueError, match="MultiOptimizer cannot be used inside an MultiOptimizer"):
        MultiOptimizer(direct).build([_param("dense_2/kernel", [1.0])])
    with pytest.raises(ValueError, match="is not an Optimizer instance"):
        MultiOptimizer(lambda v: "sgd").build([_param("x", [1.0])])


def test_routing_iterations_and_learning_rate():
    w1, w2, w3 = _param("dense_1/kernel", [[2.0, 2.0]]), _param("dense_2/kernel", [[3.0, 3.0]]), \
        _param("other/kernel", [[4.0, 4.0]])
    sgd_1, sgd_2, default, unused = SGD(0.1), SGD(1.0), SGD(0.0), Adam()
    multi = MultiOptimizer(OptimizerMap(default, {"^dense_1/.*": sgd_1, "^dense_2/.*": sgd_2,
                                                  "^nothing/.*": unused}))
    assert multi.optimizers == [sgd_1, sgd_2, unused, default]
    multi.build([w1, w2, w3])
    multi.apply([torch.ones(1, 2)] * 3, [w1, w2, w3])
    np.testing.assert_allclose(_to_numpy(w1), [[1.9, 1.9]], rtol=1e-6)
    np.testing.assert_allclose(_to_numpy(w2), [[2.0, 2.0]])
    np.testing.assert_allclose(_to_numpy(w3), [[4.0, 4.0]])
    for p in (w1, w2, w3):
        p.grad = torch.ones(1, 2)
    multi.step()
    np.testing.assert_allclose(_to_numpy(w1), [[1.8, 1.8]], rtol=1e-6)
    assert [int(o.iterations) for o in multi.optimizers] == [2, 2, 0, 2]
    assert int(multi.iterations) == 2
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate = 0.1
    with pytest.raises(ValueError, match="one-to-one"):
        multi.apply([torch.ones(1, 2)], [w1])


def test_callable_map_discovers_optimizers():
    adam, sgd = Adam(1e-3), SGD(1e-2)
    multi = MultiOptimizer(lambda v: adam if "dense_1" in v.path else sgd)
    w1, w2 = _param("dense_1/kernel", [[1.0]]), _param("dense_2/kernel", [[1.0]])
    multi.apply_gradients(zip([torch.ones(1, 1)] * 2, [w1, w2], strict=True))
    assert multi.optimizers == [adam, sgd]
    np.testing.assert_allclose(_to_numpy(w2), [[0.99]], rtol=1e-6)


def test_loss_scale_factor_overrides_the_sub_optimizers():
    sgd = SGD(0.1, loss_scale_factor=2.0)
    multi = MultiOptimizer(OptimizerMap(sgd, {"^dense_1/.*": Adam(loss_scale_factor=3.0)}),
                           loss_scale_factor=5.0)
    assert [o.loss_scale_factor for o in multi.optimizers] == [5.0, 5.0]
    assert float(multi.scale_loss(torch.tensor(2.0))) == 10.0
    w = _param("other/kernel", [[2.0, 2.0]])
    multi.apply([torch.full((1, 2), 10.0)], [w])  # unscaled gradient 2.0
    np.testing.assert_allclose(_to_numpy(w), [[1.8, 1.8]], rtol=1e-6)
    multi.loss_scale_factor = None
    assert [o.loss_scale_factor for o in multi.optimizers] == [None, None]


def test_wrapped_in_loss_scale_optimizer():
    sgd_1, sgd_2 = SGD(0.1), SGD(0.1)
    multi = MultiOptimizer(OptimizerMap(sgd_2, {".*dense_1/.*": sgd_1}), loss_scale_factor=5.0)
    lso = LossScaleOptimizer(multi, initial_scale=10.0, dynamic_growth_steps=1000)
    w1, w2 = _param("dense_1/kernel", [[2.0, 2.0]]), _param("dense_2/kernel", [[2.0, 2.0]])
    lso.build([w1, w2])
    assert multi.loss_scale_factor is None and sgd_1.loss_scale_factor is None
    assert float(lso.scale_loss(torch.tensor(2.0))) == 20.0
    lso.apply([torch.full((1, 2), 10.0)] * 2, [w1, w2])
    np.testing.assert_allclose(_to_numpy(w1), [[1.9, 1.9]], rtol=1e-6)
    np.testing.assert_allclose(_to_numpy(w2), [[1.9, 1.9]], rtol=1e-6)


def _model(lib):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="relu", name="enc"),
                           lib.layers.Dense(2, name="head")])


def _multi(lib):
    o = lib.optimizers
    multi = (MultiOptimizer, OptimizerMap) if lib is keraton else (o.MultiOptimizer, o.OptimizerMap)
    return multi[0](multi[1](o.SGD(0.1, momentum=0.5), {".*enc/.*": o.Adam(0.01)}))


@pytest.fixture(scope="module")
def trained():
    """A keraton and a Keras model with equal weights, trained with the same MultiOptimizer."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()  # equal name counters in both libraries (variable paths)
    keraton.backend.clear_session()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")
    theirs, ours = _model(keras), _model(keraton)
    initial = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(initial)
    ours.set_weights(initial)
    history = {}
    for model, lib in ((ours, keraton), (theirs, keras)):
        model.compile(optimizer=_multi(lib), loss="mse")
        history[lib] = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    return ours, theirs, history[keraton], history[keras], (x, y)


def test_fit_matches_keras(trained):
    ours, theirs, ours_history, keras_history, _ = trained
    np.testing.assert_allclose(ours_history["loss"], keras_history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    ours_opt, keras_opt = ours.optimizer, theirs.optimizer
    assert [type(o).__name__ for o in ours_opt.optimizers] == ["Adam", "SGD"]
    # Same state in the same order (names differ only by the global name counters).
    assert [v.path.split("/", 1)[1] for v in ours_opt.variables] == \
        [v.path.split("/", 1)[1] for v in keras_opt.variables]
    for a, b in zip(ours_opt.get_weights(), keras_opt.variables, strict=True):
        np.testing.assert_allclose(a, _to_numpy(b), rtol=1e-5, atol=1e-6)
    assert int(ours_opt.iterations) == 8
    assert [int(o.iterations) for o in ours_opt.optimizers] == [8, 8]


def test_keras_file_loads_with_optimizer_state(trained, tmp_path):
    ours, theirs, _, _, (x, y) = trained
    path = str(tmp_path / "multi.keras")
    theirs.save(path)
    loaded = keraton.saving.load_model(path, custom_objects=CUSTOM)
    assert type(loaded.optimizer) is MultiOptimizer
    assert [type(o).__name__ for o in loaded.optimizer.optimizers] == ["Adam", "SGD"]
    for a, b in zip(loaded.optimizer.get_weights(), theirs.optimizer.variables, strict=True):
        np.testing.assert_allclose(a, _to_numpy(b), rtol=1e-6)


def test_keraton_file_round_trip_continues_training(trained, tmp_path):
    ours, _, _, _, (x, y) = trained
    path = str(tmp_path / "multi.keras")
    ours.save(path)
    loaded = keraton.saving.load_model(path, custom_objects=CUSTOM)
    for a, b in zip(loaded.optimizer.get_weights(), ours.optimizer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    ours.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), ours.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_config_matches_keras_both_ways(keras):
    def describe(multi):
        config = multi.get_config()
        inner = config["optimizer_map"]["config"]
        summary = {key: (value["class_name"], round(value["config"]["learning_rate"], 6))
                   for key, value in inner["optimizer_map"].items()}
        default = inner["default_optimizer"]
        return (config["name"], config["loss_scale_factor"], config["optimizer_map"]["class_name"],
                summary, default["class_name"], round(default["config"]["learning_rate"], 6))

    ours = MultiOptimizer(OptimizerMap(RMSprop(1e-4), {"^dense_1/.*": Adam(1e-3), "^dense_2/.*": SGD(1e-2)}),
                          loss_scale_factor=2.0, name="multi_a")
    o = keras.optimizers
    theirs = o.MultiOptimizer(o.OptimizerMap(o.RMSprop(1e-4), {"^dense_1/.*": o.Adam(1e-3),
                                                               "^dense_2/.*": o.SGD(1e-2)}),
                              loss_scale_factor=2.0, name="multi_a")
    assert describe(ours) == describe(theirs)
    assert list(ours.get_config()) == list(theirs.get_config())
    from_keras = MultiOptimizer.from_config(theirs.get_config())
    assert describe(from_keras) == describe(theirs)
    assert [type(x).__name__ for x in from_keras.optimizers] == ["Adam", "SGD", "RMSprop"]
    assert describe(keras.optimizers.MultiOptimizer.from_config(ours.get_config())) == describe(ours)
    again = MultiOptimizer.from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    w = _param("dense_1/kernel", [[1.0]])
    again.build([w])
    assert type(again.optimizers[again._optimizer_of[0]]).__name__ == "Adam"


def test_keraton_file_lays_out_sub_optimizers_as_keras(trained, tmp_path):
    """``optimizer/vars`` holds everything and ``optimizer/optimizers/<name>/vars`` each
    sub-optimizer's share, as Keras 3.15 writes; Keras then loads it without a warning."""
    import warnings
    import zipfile

    h5py = pytest.importorskip("h5py")
    keras = pytest.importorskip("keras")
    ours, theirs, _, _, _ = trained
    layouts = []
    for model, name in ((ours, "ours.keras"), (theirs, "theirs.keras")):
        path = str(tmp_path / name)
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            archive.extract("model.weights.h5", tmp_path / name[:-6])
        with h5py.File(tmp_path / name[:-6] / "model.weights.h5") as f:
            names = []
            f["optimizer"].visit(names.append)
            layouts.append({n: f["optimizer"][n].shape for n in names
                            if isinstance(f["optimizer"][n], h5py.Dataset)})
    assert layouts[0] == layouts[1]
    assert "optimizers/adam/vars/2" in layouts[0] and "optimizers/sgd/vars/3" in layouts[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.saving.load_model(str(tmp_path / "ours.keras"))
    for a, b in zip(ours.optimizer.get_weights(), loaded.optimizer.variables, strict=True):
        np.testing.assert_allclose(a, _to_numpy(b), rtol=1e-6)
