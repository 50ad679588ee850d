"""``keras.ops``: Keras 3's backend-agnostic ops, here computed directly with torch.

``keraton.ops.matmul(x, w)`` is ``torch.matmul`` with Keras's argument names,
defaults and dtype rules; inputs may be torch tensors, NumPy arrays, Python
scalars or lists, and the results are torch tensors.  Called on symbolic
tensors between ``Input`` and ``Model``, an op becomes a node of the graph.
The namespaces ``keraton.ops.numpy``, ``.nn``, ``.linalg`` and ``.image``
mirror Keras's; every function but the image ones is also here at the top.
"""

from keraton.ops import image, linalg, math, nn, numpy  # noqa: F401
from keraton.ops.core import *  # noqa: F401,F403
from keraton.ops.linalg import *  # noqa: F401,F403
from keraton.ops.math import *  # noqa: F401,F403
from keraton.ops.nn import *  # noqa: F401,F403
from keraton.ops.numpy import *  # noqa: F401,F403
