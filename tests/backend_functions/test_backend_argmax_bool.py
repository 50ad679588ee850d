"""``K.argmax`` / ``K.argmin`` on boolean one-hot arrays, as Keras 2 (``tf.argmax``) computes them.

Keras 2 examples decode bool one-hot arrays (``np.zeros(..., dtype=bool)``);
``torch.argmax`` rejects bool, Keras 2 counts False/True as 0/1.  The expected
indices are Keras 2.15's for the same input.
"""

import numpy as np

from keraton import backend as K

ONE_HOT = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=bool)


def test_argmax_of_bool_one_hot():
    np.testing.assert_array_equal(np.asarray(K.argmax(ONE_HOT)), [1, 0, 2, 1])
    np.testing.assert_array_equal(np.asarray(K.argmax(ONE_HOT, axis=0)), [1, 0, 2])


def test_argmin_of_bool_one_hot():
    np.testing.assert_array_equal(np.asarray(K.argmin(ONE_HOT)), [0, 1, 0, 0])
