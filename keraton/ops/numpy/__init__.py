"""``keras.ops.numpy``: the NumPy-like ops of Keras 3, computed with torch.

Split by concept: element-wise maths and comparisons (``elementwise``),
reductions, shape changes (``manipulation``), indexing, sorting and searching
(``indexing``), array creation, products.  Each function takes tensors, NumPy arrays, Python scalars or nested
lists and returns a torch tensor.
"""

from keraton.ops.numpy import creation, elementwise, indexing, manipulation, products, reductions
from keraton.ops.numpy.creation import *  # noqa: F401,F403
from keraton.ops.numpy.elementwise import *  # noqa: F401,F403
from keraton.ops.numpy.indexing import *  # noqa: F401,F403
from keraton.ops.numpy.manipulation import *  # noqa: F401,F403
from keraton.ops.numpy.products import *  # noqa: F401,F403
from keraton.ops.numpy.reductions import *  # noqa: F401,F403

__all__ = [*creation.__all__, *elementwise.__all__, *indexing.__all__, *manipulation.__all__,
           *products.__all__, *reductions.__all__]
