"""``keras.experimental.CosineDecay`` / ``CosineDecayRestarts`` against tf.keras 2.15.

Numbers and configs from ``tests/fixtures/make_tf2_keras2_names_fixtures.py``.
"""

import json
import os

import numpy as np
import pytest

from keraton import experimental
from keraton.optimizers import schedules

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))

CASES = {
    "cos": lambda: experimental.CosineDecay(1.0, 10, alpha=0.1),
    "warm": lambda: experimental.CosineDecay(0.5, 10, alpha=0.2, warmup_target=2.0, warmup_steps=3),
    "rst": lambda: experimental.CosineDecayRestarts(1.0, 4, t_mul=2.0, m_mul=0.5, alpha=0.1),
}


def test_names():
    assert experimental.CosineDecay is schedules.CosineDecay
    assert experimental.CosineDecayRestarts is schedules.CosineDecayRestarts
    assert set(experimental.__all__) < set(CONFIGS["experimental_names"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_schedule_values_and_config(case):
    schedule = CASES[case]()
    values = [float(schedule(int(s))) for s in DATA["sched_steps"]]
    np.testing.assert_allclose(values, DATA[f"sched_{case}"], rtol=1e-5, atol=1e-7)
    expected = dict(CONFIGS[f"sched_{case}_config"])
    assert expected.pop("name") is None  # tf.keras 2's default; Keras 3 (keraton) names the class
    mine = schedule.get_config()
    mine.pop("name")
    assert mine == expected
    rebuilt = type(schedule).from_config(CONFIGS[f"sched_{case}_config"])
    np.testing.assert_allclose(float(rebuilt(5)), DATA[f"sched_{case}"][5], rtol=1e-5)
