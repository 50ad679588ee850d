"""``keras.models.model_from_yaml`` raises ``RuntimeError`` as tf.keras 2.15 does."""

import json
import os

import numpy as np
import pytest

from keraton.models.model_from_yaml import model_from_yaml

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")


@pytest.mark.parametrize("custom_objects", [None, {"a": 1}])
def test_raises_like_tf_keras2(custom_objects):
    expected = json.loads(str(np.load(FIXTURE)["configs"]))["yaml_error"]
    with pytest.raises(RuntimeError) as err:
        model_from_yaml("class_name: Sequential", custom_objects=custom_objects)
    assert str(err.value) == expected
