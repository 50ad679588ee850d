"""keras.distillation.Distiller against real Keras 3: fit/evaluate numbers with copied weights,
metrics, freezing, argument errors, get_config/from_config and .keras files both ways."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import distillation as kt_distillation

keras = pytest.importorskip("keras")
k_distillation = pytest.importorskip("keras.distillation")

LIBS = [(keras, k_distillation), (keraton, kt_distillation)]

def _mlp(lib, prefix, hidden=6, classes=4, features=5):
    return lib.Sequential([lib.Input((features,)),
                           lib.layers.Dense(hidden, activation="relu", name=prefix + "d1"),
                           lib.layers.Dense(hidden, activation="tanh", name=prefix + "d2"),
                           lib.layers.Dense(classes, name=prefix + "out")], name=prefix)


def _models():
    """Keras's and keraton's (teacher, student) with the same weights."""
    keras.utils.set_random_seed(0)
    k_pair = (_mlp(keras, "t"), _mlp(keras, "s"))
    kt_pair = (_mlp(keraton, "t"), _mlp(keraton, "s"))
    for k_model, kt_model in zip(k_pair, kt_pair):
        kt_model.set_weights(k_model.get_weights())
    return [k_pair, kt_pair]


def _data(n=10):
    rng = np.random.RandomState(0)
    return rng.rand(n, 5).astype("float32"), rng.randint(0, 4, (n,))


LOSS_SPECS = {
    "logits": (lambda lib, mod: mod.LogitsDistillation(temperature=2.0), None, 0.5),
    "two_logits": (lambda lib, mod: [
        mod.LogitsDistillation(temperature=3.0),
        mod.LogitsDistillation(temperature=1.5, loss=lib.losses.KLDivergence())], [0.7, 0.3], 0.25),
    "logits_and_features": (lambda lib, mod: [
        mod.LogitsDistillation(temperature=2.0,
                               loss=lib.losses.CategoricalCrossentropy(from_logits=True)),
        mod.FeatureDistillation("mse", teacher_layer_name="td1", student_layer_name="sd1"),
        mod.FeatureDistillation("mae", teacher_layer_name="td2", student_layer_name="sd2")],
        [1.0, 0.5, 0.3], 0.0),
    "final_features_only_student": (lambda lib, mod: mod.FeatureDistillation("cosine_similarity"),
                                    None, 1.0),
}
STUDENT_LOSSES = {
    "name": lambda lib: "sparse_categorical_crossentropy",
    "from_logits": lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True),
}


def _distiller(lib, mod, teacher, student, spec):
    make, weights, student_weight = LOSS_SPECS[spec]
    return mod.Distiller(teacher=teacher, student=student, distillation_losses=make(lib, mod),
                         distillation_loss_weights=weights, student_loss_weight=student_weight)


@pytest.mark.parametrize("student_loss", sorted(STUDENT_LOSSES))
@pytest.mark.parametrize("spec", sorted(LOSS_SPECS))
def test_fit_and_evaluate_match_keras(spec, student_loss):
    x, y = _data()
    results = []
    for (lib, mod), (teacher, student) in zip(LIBS, _models()):
        distiller = _distiller(lib, mod, teacher, student, spec)
        distiller.compile(optimizer=lib.optimizers.SGD(0.1), loss=STUDENT_LOSSES[student_loss](lib),
                          metrics=["accuracy"])
        history = distiller.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                                validation_data=(x, y)).history
        evaluated = distiller.evaluate(x, y, verbose=0)
        teacher_weights = teacher.get_weights()
        results.append((history, evaluated, student.get_weights(), teacher_weights,
                        [m.name for m in distiller.metrics]))
    (k_hist, k_eval, k_w, k_tw, k_names), (kt_hist, kt_eval, kt_w, kt_tw, kt_names) = results
    assert sorted(kt_hist) == sorted(k_hist)
    for key in k_hist:
        # The default 'kl_divergence' clips raw logits, so float noise can grow over steps.
        np.testing.assert_allclose(kt_hist[key], k_hist[key], rtol=1e-4, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(kt_eval, k_eval, rtol=1e-4, atol=1e-6)
    for a, b in zip(kt_w, k_w):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for a, b in zip(kt_tw, k_tw):  # the teacher stays frozen
        np.testing.assert_array_equal(a, b)
    assert kt_names == k_names == ["loss", "compile_metrics", "student_loss",
                                   "distillation_loss", "total_loss"]


@pytest.mark.parametrize("student_weight", [0.0, 0.3, 1.0])
def test_one_step_loss_is_the_weighted_mix(student_weight):
    x, y = _data(6)
    logs = []
    for (lib, mod), (teacher, student) in zip(LIBS, _models()):
        distiller = mod.Distiller(
            teacher, student,
            mod.LogitsDistillation(temperature=2.0, loss=lib.losses.KLDivergence()),
            student_loss_weight=student_weight)
        distiller.compile(optimizer=lib.optimizers.SGD(0.0),
                          loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        logs.append(distiller.train_on_batch(x, y, return_dict=True))
    xt = torch.tensor(x)
    with torch.no_grad():
        s_out, t_out = student(xt), teacher(xt)
    ce = float(torch.nn.functional.cross_entropy(s_out, torch.tensor(y)))
    p, q = torch.softmax(t_out / 2, -1), torch.softmax(s_out / 2, -1)
    kl = float((p * torch.log(p / q)).sum(-1).mean()) * 4
    expected = {"loss": student_weight * ce + (1 - student_weight) * kl,
                "student_loss": ce if student_weight else 0.0,
                "distillation_loss": kl if student_weight < 1 else 0.0}
    expected["total_loss"] = expected["loss"]
    assert sorted(logs[1]) == sorted(logs[0])
    for key, value in expected.items():
        np.testing.assert_allclose(logs[1][key], value, rtol=1e-5, atol=1e-7, err_msg=key)
        np.testing.assert_allclose(logs[1][key], logs[0][key], rtol=1e-5, atol=1e-7, err_msg=key)


def test_call_predict_and_freezing():
    x, _ = _data()
    (_, _), (teacher, student) = _models()
    distiller = kt_distillation.Distiller(teacher, student,
                                          kt_distillation.LogitsDistillation())
    assert not teacher.trainable and student.trainable
    assert all(not p.requires_grad for p in teacher.parameters())
    expected = student(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(distiller(torch.tensor(x)).detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(distiller.predict(x, verbose=0), expected, rtol=1e-6)
    assert {id(w) for w in distiller.trainable_weights} == {id(w) for w in student.trainable_weights}
    assert distiller.name == "distiller"
    assert distiller.distillation_loss_weights == [1.0]


def test_feature_extractors_hold_final_and_named_outputs():
    (_, _), (teacher, student) = _models()
    distiller = _distiller(keraton, kt_distillation, teacher, student, "logits_and_features")
    assert len(distiller._teacher_feature_extractor.outputs) == 3
    assert len(distiller._student_feature_extractor.outputs) == 3
    plain = _distiller(keraton, kt_distillation, *_models()[1], "logits")
    assert plain._teacher_feature_extractor is None and plain._student_feature_extractor is None


def _subclassed(lib):
    class Sub(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(4)

        def call(self, x):
            return self.dense(x)

    return Sub()


BAD_DISTILLERS = {
    "teacher_not_model": lambda lib, mod, t, s: mod.Distiller("model", s, mod.LogitsDistillation()),
    "student_not_model": lambda lib, mod, t, s: mod.Distiller(t, 3, mod.LogitsDistillation()),
    "weights_length": lambda lib, mod, t, s: mod.Distiller(
        t, s, [mod.LogitsDistillation(), mod.LogitsDistillation()], distillation_loss_weights=[1.0]),
    "student_weight_high": lambda lib, mod, t, s: mod.Distiller(
        t, s, mod.LogitsDistillation(), student_loss_weight=1.5),
    "student_weight_negative": lambda lib, mod, t, s: mod.Distiller(
        t, s, mod.LogitsDistillation(), student_loss_weight=-0.1),
    "student_weight_str": lambda lib, mod, t, s: mod.Distiller(
        t, s, mod.LogitsDistillation(), student_loss_weight="0.5"),
    "losses_none": lambda lib, mod, t, s: mod.Distiller(t, s, None),
    "output_shapes": lambda lib, mod, t, s: mod.Distiller(
        t, _mlp(lib, "o", classes=3), mod.LogitsDistillation()),
    "input_shapes": lambda lib, mod, t, s: mod.Distiller(
        t, _mlp(lib, "i", features=7), mod.LogitsDistillation()),
    "missing_layer": lambda lib, mod, t, s: mod.Distiller(
        t, s, mod.FeatureDistillation(teacher_layer_name="td1", student_layer_name="nope")),
    "subclassed_with_layer_names": lambda lib, mod, t, s: mod.Distiller(
        t, _subclassed(lib), mod.FeatureDistillation(teacher_layer_name="td1",
                                                     student_layer_name="dense")),
}


@pytest.mark.parametrize("case", sorted(BAD_DISTILLERS))
def test_bad_arguments_raise_value_error_as_keras(case):
    for (lib, mod), (teacher, student) in zip(LIBS, _models()):
        with pytest.raises(ValueError):
            BAD_DISTILLERS[case](lib, mod, teacher, student)


@pytest.mark.parametrize("kwargs", [{"loss": None}, {"loss": "mse", "metrics": "accuracy"}])
def test_bad_compile_arguments(kwargs):
    for (_lib, mod), (teacher, student) in zip(LIBS, _models()):
        distiller = mod.Distiller(teacher, student, mod.LogitsDistillation())
        with pytest.raises(ValueError):
            distiller.compile(**kwargs)


def test_get_config_matches_keras_and_round_trips():
    configs = []
    for (lib, mod), (teacher, student) in zip(LIBS, _models()):
        configs.append(_distiller(lib, mod, teacher, student, "logits_and_features").get_config())
    k_config, kt_config = configs
    assert list(kt_config) == list(k_config)
    for key in ("name", "trainable", "dtype", "distillation_losses", "distillation_loss_weights",
                "student_loss_weight"):
        assert kt_config[key] == k_config[key], key
    for key in ("teacher", "student"):
        assert kt_config[key]["class_name"] == k_config[key]["class_name"] == "Sequential"
        assert kt_config[key]["config"]["trainable"] == k_config[key]["config"]["trainable"]
    again = kt_distillation.Distiller.from_config(kt_config)
    assert again.get_config()["distillation_losses"] == kt_config["distillation_losses"]
    assert again.student_loss_weight == 0.0 and not again.teacher.trainable


def _saved(lib, mod, tmp_path, teacher, student):
    distiller = _distiller(lib, mod, teacher, student, "logits_and_features")
    distiller.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    path = str(tmp_path / f"{lib.__name__}.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        distiller.save(path)
    return distiller, path


def test_keras_file_loads_in_keraton_uncompiled_as_keras(tmp_path):
    x, y = _data()
    (teacher, student), _ = _models()
    k_distiller, path = _saved(keras, k_distillation, tmp_path, teacher, student)
    with pytest.warns(UserWarning, match="compile"):
        loaded = keraton.models.load_model(path)
    assert not loaded.compiled  # Keras skips compile() too: the config has no student loss
    np.testing.assert_allclose(loaded.predict(x, verbose=0), k_distiller.predict(x, verbose=0),
                               rtol=1e-6)
    assert loaded.get_config()["distillation_losses"] == \
        k_distiller.get_config()["distillation_losses"]
    loaded.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert np.isfinite(loaded.evaluate(x, y, verbose=0)[0])


def test_keraton_file_loads_in_keras_and_keraton(tmp_path):
    x, y = _data()
    _, (teacher, student) = _models()
    distiller, path = _saved(keraton, kt_distillation, tmp_path, teacher, student)
    expected = distiller.predict(x, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras: compile() not called (custom compile)
        k_loaded = keras.models.load_model(path)
        loaded = keraton.models.load_model(path)
    np.testing.assert_allclose(k_loaded.predict(x, verbose=0), expected, rtol=1e-6)
    assert loaded.compiled  # keraton records the student loss in compile_config
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), distiller.evaluate(x, y, verbose=0),
                               rtol=1e-6)
