"""An optimizer's float32 ``learning_rate`` reads back rounded to float32, as Keras 3's variable.

keras.io's MIRNet example prints ``ReduceLROnPlateau``'s new rate; Keras 3 shows
``4.999999873689376e-05`` (half the float32 1e-4), keraton showed ``5e-05``.
"""

import numpy as np
import pytest

import keraton


@pytest.mark.parametrize("value", [1e-4, 1e-3, 0.1, 0.25, 3e-5])
def test_float_and_repr_equal_keras(value):
    keras = pytest.importorskip("keras")
    ours = keraton.optimizers.Adam(learning_rate=value).learning_rate
    theirs = keras.optimizers.Adam(learning_rate=value).learning_rate
    assert float(ours) == float(theirs) == float(np.float32(value))
    assert repr(ours).split("value=")[1] == repr(theirs).split("value=")[1]


def test_assign_rounds_to_float32():
    opt = keraton.optimizers.SGD(learning_rate=0.5)
    opt.learning_rate = 1e-4
    assert float(opt.learning_rate) == 9.999999747378752e-05
    opt.learning_rate.assign(0.1)
    assert float(opt.learning_rate) == 0.10000000149011612


def test_iterations_stay_integers():
    opt = keraton.optimizers.SGD()
    opt.iterations.assign_add(3)
    assert int(opt.iterations) == 3 and isinstance(opt.iterations.item(), int)
