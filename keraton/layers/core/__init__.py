"""Core layers: Input, Dense, Lambda, TorchModuleWrapper."""

from keraton.layers.core.dense import Dense
from keraton.layers.core.einsum_dense import EinsumDense
from keraton.layers.core.embedding import Embedding
from keraton.layers.core.input_layer import Input, InputLayer
from keraton.layers.core.lambda_layer import Lambda
from keraton.layers.core.masking import Masking
from keraton.layers.core.torch_module_wrapper import TorchModuleWrapper

__all__ = ["Dense", "EinsumDense", "Embedding", "Input", "InputLayer", "Lambda", "Masking", "TorchModuleWrapper"]
