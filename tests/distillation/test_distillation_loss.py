"""keras.distillation's LogitsDistillation / FeatureDistillation against real Keras 3:
loss values, get_config/from_config, structure checks and argument errors."""

import numpy as np
import pytest
import torch

import keraton
from keraton import distillation as kt_distillation

keras = pytest.importorskip("keras")
k_distillation = pytest.importorskip("keras.distillation")

# (keras-or-keraton module, its distillation module)
LIBS = [(keras, k_distillation), (keraton, kt_distillation)]


def _logits(seed, shape=(4, 5)):
    return np.random.RandomState(seed).randn(*shape).astype("float32") * 2.0


def _both(make):
    """``make(lib, distillation_module)`` for Keras then keraton."""
    return [make(lib, mod) for lib, mod in LIBS]


def _value(loss, lib, teacher, student):
    to = (lambda a: a) if lib is keras else torch.as_tensor
    return float(loss.compute_loss(_map_leaves(to, teacher), _map_leaves(to, student)))


def _map_leaves(fn, structure):
    if isinstance(structure, dict):
        return {k: fn(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(fn(v) for v in structure)
    return fn(structure)


LOGITS_LOSSES = {
    "kl_name": lambda lib: "kl_divergence",  # the function: no softmax, no T**2 (as Keras)
    "kl_instance": lambda lib: lib.losses.KLDivergence(),  # softmax and T**2
    "cce_name": lambda lib: "categorical_crossentropy",
    "cce_logits": lambda lib: lib.losses.CategoricalCrossentropy(from_logits=True),
    "mse_name": lambda lib: "mse",
}


@pytest.mark.parametrize("temperature", [1.0, 2.5, 4])
@pytest.mark.parametrize("loss", sorted(LOGITS_LOSSES))
def test_logits_distillation_value_matches_keras(temperature, loss):
    teacher, student = _logits(0), _logits(1)
    k_val, kt_val = [
        _value(mod.LogitsDistillation(temperature=temperature, loss=LOGITS_LOSSES[loss](lib)),
               lib, teacher, student)
        for lib, mod in LIBS]
    np.testing.assert_allclose(kt_val, k_val, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("structure", ["list", "dict"])
def test_logits_distillation_multi_output_with_skipped_output(structure):
    teacher = [_logits(0), _logits(2, (4, 3))]
    student = [_logits(1), _logits(3, (4, 3))]
    spec = {"list": lambda lib: [lib.losses.KLDivergence(), None],
            "dict": lambda lib: {"a": None, "b": "categorical_crossentropy"}}[structure]
    if structure == "dict":
        teacher, student = dict(zip("ab", teacher)), dict(zip("ab", student))
    vals = [_value(mod.LogitsDistillation(temperature=2.0, loss=spec(lib)), lib, teacher, student)
            for lib, mod in LIBS]
    np.testing.assert_allclose(vals[1], vals[0], rtol=1e-5)
    assert vals[1] > 0


@pytest.mark.parametrize("loss", ["mse", "mae", "cosine_similarity", "huber_instance"])
def test_feature_distillation_value_matches_keras(loss):
    teacher, student = _logits(4, (3, 6)), _logits(5, (3, 6))

    def make(lib, mod):
        spec = lib.losses.Huber(delta=0.5) if loss == "huber_instance" else loss
        return mod.FeatureDistillation(loss=spec, teacher_layer_name="t", student_layer_name="s")

    vals = [_value(make(lib, mod), lib, teacher, student) for lib, mod in LIBS]
    np.testing.assert_allclose(vals[1], vals[0], rtol=1e-5, atol=1e-6)


CONFIG_CASES = {
    "logits_default": lambda lib, mod: mod.LogitsDistillation(),
    "logits_instance": lambda lib, mod: mod.LogitsDistillation(
        temperature=4, loss=lib.losses.KLDivergence()),
    "logits_list": lambda lib, mod: mod.LogitsDistillation(
        temperature=1.5, loss=["kl_divergence", None]),
    "feature_default": lambda lib, mod: mod.FeatureDistillation(),
    "feature_named": lambda lib, mod: mod.FeatureDistillation(
        loss=lib.losses.MeanAbsoluteError(), teacher_layer_name="d1", student_layer_name="d2"),
    "feature_dict": lambda lib, mod: mod.FeatureDistillation(loss={"a": "mse", "b": None}),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_get_config_equals_keras_and_round_trips(case):
    k_loss, kt_loss = _both(CONFIG_CASES[case])
    config = kt_loss.get_config()
    assert config == k_loss.get_config()
    again = type(kt_loss).from_config(config)
    assert again.get_config() == config
    # the serialized entry names Keras's module, so Keras itself rebuilds it
    entry = keraton.saving.serialize_keras_object(kt_loss)
    assert entry == keras.saving.serialize_keras_object(k_loss)
    if case != "feature_dict":  # Keras's from_config cannot read a dict of losses back
        assert type(k_loss).from_config(config).get_config() == config


def test_kl_instance_applies_softmax_and_temperature_squared():
    teacher, student = _logits(0), _logits(1)
    t = 3.0
    p = torch.softmax(torch.tensor(teacher) / t, -1)
    q = torch.softmax(torch.tensor(student) / t, -1)
    expected = float((p * torch.log(p / q)).sum(-1).mean()) * t ** 2
    loss = kt_distillation.LogitsDistillation(temperature=t, loss=keraton.losses.KLDivergence())
    value = loss.compute_loss(torch.tensor(teacher), torch.tensor(student))
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)


BAD_ARGS = {
    "logits_all_none": lambda mod: mod.LogitsDistillation(loss=[None, None]),
    "logits_temperature_str": lambda mod: mod.LogitsDistillation(temperature="3"),
    "logits_temperature_zero": lambda mod: mod.LogitsDistillation(temperature=0),
    "logits_temperature_negative": lambda mod: mod.LogitsDistillation(temperature=-1.5),
    "logits_unknown_loss": lambda mod: mod.LogitsDistillation(loss="no_such_loss"),
    "feature_all_none": lambda mod: mod.FeatureDistillation(loss=None),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGS))
def test_bad_arguments_raise_as_keras(case):
    errors = []
    for _, mod in LIBS:
        with pytest.raises((ValueError, TypeError)) as info:
            BAD_ARGS[case](mod)
        errors.append(info.type)
    assert issubclass(errors[1], errors[0]) or errors[0] is errors[1]


@pytest.mark.parametrize("kind", ["logits", "feature"])
def test_validate_outputs_rejects_mismatched_structures(kind):
    a = torch.zeros(2, 3)
    loss = (kt_distillation.LogitsDistillation() if kind == "logits"
            else kt_distillation.FeatureDistillation())
    loss.validate_outputs(a, a)
    with pytest.raises(ValueError):
        loss.validate_outputs(a, {"output": a})
    with pytest.raises(ValueError):
        loss.validate_outputs(a, [a, a])


def test_feature_loss_structure_must_match_outputs():
    a = torch.zeros(2, 3)
    loss = kt_distillation.FeatureDistillation(loss=["mse", "mae"])
    loss.validate_outputs([a, a], [a, a])
    with pytest.raises(ValueError, match="Loss structure mismatch"):
        loss.validate_outputs(a, a)


def _sequential(lib, prefix):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, name=prefix + "d1"),
                           lib.layers.Dense(2, name=prefix + "out")])


class _Sub(keraton.Model):
    def __init__(self):
        super().__init__()
        self.dense = keraton.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


@pytest.mark.parametrize("names,message", [
    (("td1", "nope"), "In student model"),
    (("nope", "sd1"), "In teacher model"),
])
def test_feature_distillation_missing_layer(names, message):
    loss = kt_distillation.FeatureDistillation(teacher_layer_name=names[0],
                                               student_layer_name=names[1])
    with pytest.raises(ValueError, match=message):
        loss.validate_model_compatibility(_sequential(keraton, "t"), _sequential(keraton, "s"))


def test_feature_distillation_layer_names_need_symbolic_models():
    loss = kt_distillation.FeatureDistillation(teacher_layer_name="td1", student_layer_name="x")
    with pytest.raises(ValueError, match="student model"):
        loss.validate_model_compatibility(_sequential(keraton, "t"), _Sub())
    # without layer names, subclassed models are fine (final outputs)
    kt_distillation.FeatureDistillation().validate_model_compatibility(_Sub(), _Sub())


def test_base_class_compute_loss_is_abstract():
    with pytest.raises(NotImplementedError):
        kt_distillation.DistillationLoss().compute_loss(torch.zeros(1), torch.zeros(1))
