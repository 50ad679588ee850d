"""Tests of keraton.optimizers.legacy against Keras 2.15's ``keras.optimizers.legacy`` classes.

The expected weights were recorded with TensorFlow 2.15 (``keras.optimizers.legacy.<Name>(**kwargs)``,
three ``apply_gradients`` calls on one float32 variable with the gradients below).
"""

import numpy as np
import pytest
import torch

import keraton
from keraton.optimizers import legacy

W0 = [0.5, -1.0, 2e-4, 1e-3]
# Small gradients on some entries, where epsilon's place in RMSprop's denominator matters.
GRADS = [[1e-4, -2e-4, 0.3, -5e-5], [2e-4, 1e-4, -0.1, 3e-5], [-1e-4, 5e-4, 0.2, 1e-5]]

KERAS2_LEGACY = {
    ("SGD", (("lr", 0.1),)): [0.499980003, -1.00003994, -0.0398000032, 0.00100100006],
    ("SGD", (("lr", 0.1), ("momentum", 0.9), ("nesterov", True))):
        [0.499930382, -1.00005329, -0.11387001, 0.00100716506],
    ("RMSprop", (("lr", 1e-3), ("decay", 0.1))): [0.495385438, -1.0006206, -0.00351883587, 0.0021307678],
    ("RMSprop", (("lr", 1e-3), ("momentum", 0.5))):
        [0.498831093, -1.00076985, -0.00557298679, 0.00110269862],
    ("RMSprop", (("lr", 1e-3), ("centered", True))):
        [0.494934857, -1.00117862, -0.00397979654, 0.00204397738],
    ("RMSprop", (("lr", 1e-3), ("centered", True), ("momentum", 0.5))):
        [0.498827487, -1.00077784, -0.00594709627, 0.00110273168],
    ("Adagrad", (("lr", 1e-2),)): [0.499993682, -1.00001264, -0.00852888543, 0.00100031635],
    ("Adadelta", (("lr", 1.0),)): [0.499801993, -1.00037396, -0.00171657489, 0.00100997451],
    ("Adam", (("lr", 1e-3),)): [0.497664213, -0.999249339, -0.00180328614, 0.002158063],
    ("Adam", (("lr", 1e-3), ("amsgrad", True))): [0.497664213, -0.999249339, -0.00180328614, 0.002158063],
    ("Adamax", (("lr", 1e-3),)): [0.497941017, -0.999105632, -0.0015336076, 0.00218157121],
    ("Nadam", (("lr", 1e-3),)): [0.498356313, -1.00037432, -0.00122261653, 0.00139989634],
    # decay is ignored by the legacy Nadam (overwritten with schedule_decay).
    ("Nadam", (("lr", 1e-3), ("schedule_decay", 0.5), ("decay", 0.3))):
        [0.49834156, -1.00033271, -0.00122020987, 0.00141987146],
    # Keras 2's legacy Ftrl ignores `lr` (keraton honours it), so these pass learning_rate.
    ("Ftrl", (("learning_rate", 0.1),)): [-6.31984221e-05, -0.00012667937, -0.0872339681, 3.16227761e-06],
    ("Ftrl", (("learning_rate", 0.1), ("l1_regularization_strength", 0.001),
              ("l2_regularization_strength", 0.02), ("decay", 0.1))): [0.0, 0.0, -0.0724174604, 0.0],
    ("Ftrl", (("learning_rate", 0.1), ("learning_rate_power", -0.7),
              ("l2_shrinkage_regularization_strength", 0.05), ("beta", 0.3),
              ("initial_accumulator_value", 0.2))): [-0.00778750004, 0.015448059, -0.0529808886, -1.40883722e-05],
}


def _run(opt):
    w = torch.nn.Parameter(torch.tensor(W0))
    opt.build([w])
    for g in GRADS:
        w.grad = torch.tensor(g)
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("case", sorted(KERAS2_LEGACY, key=str), ids=str)
def test_matches_keras2_legacy_optimizers(case):
    name, kwargs = case
    got = _run(getattr(legacy, name)(**dict(kwargs)))
    # Ftrl's sqrt(n_new) - sqrt(n) cancels for tiny gradients: float32 rounding reaches ~5e-8.
    atol = 1e-7 if name == "Ftrl" else 1e-8
    np.testing.assert_allclose(got, KERAS2_LEGACY[case], rtol=1e-5, atol=atol)


def test_legacy_rmsprop_adds_epsilon_outside_the_root_unlike_keras3():
    # Keras 3's rule, sqrt(v + eps), moves the small-gradient entries much less.
    new = _run(keraton.optimizers.RMSprop(learning_rate=1e-3, centered=True))
    old = _run(legacy.RMSprop(lr=1e-3, centered=True))
    assert abs(new[0] - old[0]) > 1e-3
    # One step with g = 1e-4: Keras 2 legacy moves w by lr*g/(sqrt(0.1*g**2) + eps) = 3.16e-3 * ...
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = legacy.RMSprop(lr=1e-3)
    opt.build([w])
    w.grad = torch.tensor([1e-4])
    opt.step()
    expected = -1e-3 * 1e-4 / (np.sqrt(0.1 * 1e-8) + 1e-7)
    np.testing.assert_allclose(w.detach().numpy(), [expected], rtol=1e-5)


def test_legacy_names_are_keras3_classes_where_the_rules_agree():
    assert legacy.Adam is keraton.optimizers.Adam and legacy.SGD is keraton.optimizers.SGD
    assert issubclass(legacy.RMSprop, keraton.optimizers.RMSprop)
    assert legacy.RMSprop is not keraton.optimizers.RMSprop
    opt = keraton.optimizers.legacy.RMSprop(lr=1e-4, decay=1e-6)
    assert float(opt.learning_rate) == pytest.approx(1e-4) and opt.decay == 1e-6
    assert opt.get_config()["decay"] == 1e-6


def test_legacy_nadam_reports_schedule_decay_as_decay_and_keeps_the_learning_rate():
    opt = legacy.Nadam(lr=1e-3, decay=0.3)
    assert opt.get_config()["decay"] == 0.004 and opt.decay == 0.0
    assert legacy.Nadam.from_config(opt.get_config()).schedule_decay == 0.004
    # Keras 3's Nadam (schedule 0.96**t) moves differently.
    assert not np.allclose(_run(keraton.optimizers.Nadam(1e-3)), _run(legacy.Nadam(1e-3)), rtol=1e-5)
