"""Core layers: Input, Dense, Identity, Lambda, TorchModuleWrapper, the Wrapper base class."""

from keraton.layers.core.dense import Dense
from keraton.layers.core.einsum_dense import EinsumDense
from keraton.layers.core.embedding import Embedding
from keraton.layers.core.identity import Identity
from keraton.layers.core.input_layer import Input, InputLayer
from keraton.layers.core.lambda_layer import Lambda
from keraton.layers.core.legacy_dense import Highway, MaxoutDense
from keraton.layers.core.masking import Masking
from keraton.layers.core.reversible_embedding import ReversibleEmbedding
from keraton.layers.core.torch_module_wrapper import TorchModuleWrapper
from keraton.layers.core.wrapper import Wrapper

__all__ = ["Dense", "EinsumDense", "Embedding", "Identity", "Input", "InputLayer", "Lambda",
           "Masking", "ReversibleEmbedding", "TorchModuleWrapper", "Wrapper",
           "Highway", "MaxoutDense"]  # the last two: Keras 2's deprecated legacy layers

# Keras 2's keras.layers.core also held these; served lazily (their families import core).
_KERAS2_NAMES = {
    **dict.fromkeys(["Activation"], "keraton.layers.activations"),
    **dict.fromkeys(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                     "ActivityRegularization"], "keraton.layers.regularization"),
    **dict.fromkeys(["Flatten", "Reshape", "Permute", "RepeatVector"], "keraton.layers.reshaping"),
}


def __getattr__(name):
    from keraton.utils.keras2_names import lazy_aliases

    return lazy_aliases(__name__, _KERAS2_NAMES)(name)
